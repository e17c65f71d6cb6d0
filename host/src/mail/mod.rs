//! Reminder emails with a durable outbox.
//!
//! After each planning pass, [`after_pass`] writes every message the plan
//! gives rise to into the outbox in the state file
//! ([`peerwell_store::outbox`]) — rendered, before anything is sent:
//!
//! - reminders to each attendee at the group's offsets (`reminders` in the
//!   group file, else `[mail] reminders`, default 24 h and 1 h), role
//!   notices (`[mail] role_notice`, default 3 days) and preparation
//!   deadlines, composed by [`peerwell_core::reminders`];
//! - change notices when a published session moves or is cancelled;
//! - HR notices to `[[mail.hr]]` contacts when a group loses its time
//!   (with the planner's explanation) or skips an occurrence;
//! - iTIP invitations (REQUEST, CANCEL) of each session to the members
//!   whose `delivery` includes invitations ([`invitations`]).
//!
//! Members with `reminders = false` get nothing; quiet hours move a
//! message as [`schedule`] documents; a message whose session has started
//! is never sent late (it expires). Each message has a stable Message-ID
//! derived from its key ([`compose::message_id`]).
//!
//! [`spawn_sender`] runs the sender ([`send`]): it sends due messages to a
//! folder of `.eml` files (default: `mail/` in the data folder) or an SMTP
//! server, retrying transient failures with backoff. A message is marked
//! sent only after the server accepted it; one interrupted in between is
//! sent again after a restart, with the same Message-ID — the documented
//! duplicate window.
//!
//! Privacy: messages hold only policy and plan text. Nothing from an input
//! calendar reaches a message, an outbox row or a log line.

pub mod compose;
pub mod enqueue;
pub mod invitations;
mod notices;
pub mod schedule;
pub mod send;
pub mod transport;

use std::sync::atomic::Ordering;

use tokio::sync::Notify;

pub use enqueue::Enqueued;
pub use peerwell_core::mail::{GroupMail, HrContact, MailSettings, PersonMail, QuietHours};
pub use send::{SenderConfig, drain, spawn_sender};

use crate::state::{ServerState, Snapshot};
use peerwell_store::StoreError;
use peerwell_store::outbox::Outbox;

/// Wakes every sender of this process: something new may be due.
static WAKE: Notify = Notify::const_new();

/// Tells the senders to look at the outbox again now (after a pass queued
/// messages, or after a test moved a manual clock).
pub fn wake() {
    WAKE.notify_waiters();
    WAKE.notify_one();
}

/// Writes what `snapshot` gives rise to into its outbox at the shared
/// clock's now, counts it in the metrics and wakes the sender. Problems
/// with single sessions are logged and do not stop the others; an outbox
/// that cannot be opened or written is an error (the plan still serves;
/// change notices stay owed in the state file until a later call queues
/// them).
pub fn after_pass(shared: &ServerState, snapshot: &Snapshot) -> Result<Enqueued, StoreError> {
    let config = SenderConfig::for_snapshot(snapshot)?;
    let now = shared.now();
    let mut outbox = Outbox::open_location(&config.state)?;
    outbox.set_writer(shared.replica().writer());
    let links = shared.absence_links();
    let done = enqueue::enqueue(&mut outbox, snapshot, links.as_ref(), now)?;
    let m = shared.metrics();
    m.reminders_queued
        .fetch_add((done.queued + done.replaced) as u64, Ordering::Relaxed);
    m.reminders_expired
        .fetch_add(done.expired as u64, Ordering::Relaxed);
    for p in &done.problems {
        tracing::warn!(problem = %p, "a message could not be composed");
    }
    tracing::info!(
        queued = done.queued,
        replaced = done.replaced,
        expired = done.expired,
        withdrawn = done.withdrawn,
        "outbox updated"
    );
    if done.queued + done.replaced > 0 {
        wake();
    }
    Ok(done)
}
