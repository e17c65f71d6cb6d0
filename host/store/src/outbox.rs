//! The reminder outbox: every message is written here, rendered, before it
//! is sent, and marked once the mail server accepted it.
//!
//! A row is unique by its key (group, index, kind, recipient, offset; see
//! `peerwell::mail`), so a re-plan never queues the same reminder twice. Its
//! state moves `queued` → `sending` → `sent`, or back to `queued` with a
//! later `next_attempt_at` after a transient failure, or to `failed` (a
//! permanent failure or too many attempts), `expired` (its session started
//! before it could go out) or `withdrawn` (the session no longer gives rise
//! to it). A row still `sending` when the daemon starts was interrupted
//! after it was handed to the server and before it was marked: it goes back
//! to `queued` and is sent again — the one window in which a reminder can
//! arrive twice, recognisable by its unchanged Message-ID.
//!
//! Rows hold the rendered message (policy and plan text only, never text
//! from an input calendar), the server's last reply on failure, and times
//! in seconds since the epoch. [`Outbox`] decides what to write; its
//! backend ([`crate::backend::OutboxBackend`]) stores the rows.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use jiff::Timestamp;

use crate::StoreError;
use crate::backend::{MessageWrite, OutboxBackend};
use crate::pending::PendingNotice;
use peerwell_core::formats::ReminderKind;

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MailState {
    /// Waiting to be sent (first time, or again after a transient failure).
    Queued,
    /// Handed to a server, not yet marked.
    Sending,
    /// Accepted by the server.
    Sent,
    /// Refused for good, or too many attempts.
    Failed,
    /// Its session started before it could go out, or a later one
    /// superseded it.
    Expired,
    /// The session no longer gives rise to it.
    Withdrawn,
}

impl MailState {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sending => "sending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
            MailState::Expired => "expired",
            MailState::Withdrawn => "withdrawn",
        }
    }

    /// Reads [`MailState::as_str`] back.
    pub fn parse(s: &str) -> Option<MailState> {
        Some(match s {
            "queued" => MailState::Queued,
            "sending" => MailState::Sending,
            "sent" => MailState::Sent,
            "failed" => MailState::Failed,
            "expired" => MailState::Expired,
            "withdrawn" => MailState::Withdrawn,
            _ => return None,
        })
    }

    /// Whether a newer version of the message may still replace this one
    /// (it has not been handed to a server).
    pub fn replaceable(self) -> bool {
        !matches!(self, MailState::Sending | MailState::Sent)
    }
}

/// What a message is about: the outbox's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageKind {
    /// A reminder before a session ([`ReminderKind::Upcoming`]).
    Upcoming,
    /// The recipient holds a role ([`ReminderKind::RoleNotice`]).
    Role,
    /// A preparation deadline ([`ReminderKind::Deadline`]).
    Deadline,
    /// The session moved ([`ReminderKind::Moved`]).
    Moved,
    /// The session was cancelled ([`ReminderKind::Cancelled`]).
    Cancelled,
    /// A notice to HR about a whole group.
    Hr,
    /// An iTIP `METHOD:REQUEST` of one session to one member (new or
    /// changed); its key holds the session's SEQUENCE.
    Invitation,
    /// An iTIP `METHOD:CANCEL` of one session to one member (dropped, or
    /// no longer theirs); its key holds the session's SEQUENCE.
    InvitationCancel,
}

impl MessageKind {
    /// The name stored and shown: "upcoming", "role", "deadline", "moved",
    /// "cancelled", "hr", "invitation" or "invitation-cancel".
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Upcoming => "upcoming",
            MessageKind::Role => "role",
            MessageKind::Deadline => "deadline",
            MessageKind::Moved => "moved",
            MessageKind::Cancelled => "cancelled",
            MessageKind::Hr => "hr",
            MessageKind::Invitation => "invitation",
            MessageKind::InvitationCancel => "invitation-cancel",
        }
    }

    /// Reads [`MessageKind::as_str`] back.
    pub fn parse(s: &str) -> Option<MessageKind> {
        Some(match s {
            "upcoming" => MessageKind::Upcoming,
            "role" => MessageKind::Role,
            "deadline" => MessageKind::Deadline,
            "moved" => MessageKind::Moved,
            "cancelled" => MessageKind::Cancelled,
            "hr" => MessageKind::Hr,
            "invitation" => MessageKind::Invitation,
            "invitation-cancel" => MessageKind::InvitationCancel,
            _ => return None,
        })
    }

    /// Whether it is an iTIP invitation (request or cancel).
    pub fn is_invitation(self) -> bool {
        matches!(
            self,
            MessageKind::Invitation | MessageKind::InvitationCancel
        )
    }

    /// Whether it reminds of a session ahead (upcoming, role, deadline),
    /// as opposed to a notice of a change, to HR or an invitation.
    pub fn is_reminder(self) -> bool {
        matches!(
            self,
            MessageKind::Upcoming | MessageKind::Role | MessageKind::Deadline
        )
    }
}

impl From<&ReminderKind> for MessageKind {
    fn from(kind: &ReminderKind) -> MessageKind {
        match kind {
            ReminderKind::Upcoming(_) => MessageKind::Upcoming,
            ReminderKind::RoleNotice(_) => MessageKind::Role,
            ReminderKind::Deadline(_) => MessageKind::Deadline,
            ReminderKind::Moved(_) => MessageKind::Moved,
            ReminderKind::Cancelled(_) => MessageKind::Cancelled,
        }
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for MessageKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for MessageKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A message to write to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Unique per reminder: group, index, kind, recipient and offset.
    pub key: String,
    /// The Message-ID header's value.
    pub message_id: String,
    /// The group's id.
    pub group: String,
    /// The session's index; `None` for notices about a whole group.
    pub index: Option<u32>,
    /// What the message is about.
    pub kind: MessageKind,
    /// Member id, or `hr:<email>` for an HR contact.
    pub recipient: String,
    /// The address it goes to.
    pub address: String,
    /// Changes whenever the rendered content or timing would change.
    pub fingerprint: String,
    /// When the reminder is due by its offset.
    pub due: Timestamp,
    /// When it goes out (after quiet hours).
    pub send_at: Timestamp,
    /// Not sent at or after this moment (the session's start).
    pub expires_at: Option<Timestamp>,
    /// Written `expired` right away (superseded or past before creation).
    pub expired: bool,
    /// The whole RFC 5322 message.
    pub message: Vec<u8>,
}

/// One outbox row as listed (without the message).
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// See [`NewMessage::key`].
    pub key: String,
    /// The Message-ID header's value.
    pub message_id: String,
    /// The group's id.
    pub group: String,
    /// The session's index; `None` for notices about a whole group.
    pub index: Option<u32>,
    /// What the message is about.
    pub kind: MessageKind,
    /// Member id, or `hr:<email>` for an HR contact.
    pub recipient: String,
    /// When it is due by its offset.
    pub due: Timestamp,
    /// When it goes out.
    pub send_at: Timestamp,
    /// Where it is in its life.
    pub state: MailState,
    /// Attempts made to send it.
    pub attempts: u32,
    /// When it may be tried next.
    pub next_attempt_at: Timestamp,
    /// The server's last reply on failure.
    pub last_error: Option<String>,
    /// When the server accepted it.
    pub sent_at: Option<Timestamp>,
}

/// A message claimed for sending (its row is now `sending`).
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// See [`NewMessage::key`].
    pub key: String,
    /// The Message-ID header's value.
    pub message_id: String,
    /// The address it goes to.
    pub address: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// The whole RFC 5322 message.
    pub message: Vec<u8>,
}

/// What [`Outbox::upsert`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upserted {
    /// New rows queued.
    pub queued: usize,
    /// Unsent rows replaced by a newer version (or queued again).
    pub replaced: usize,
    /// New rows written as expired.
    pub expired: usize,
}

/// The outbox, open, in whichever backend holds it.
pub struct Outbox {
    backend: Box<dyn OutboxBackend>,
}

impl Outbox {
    /// Opens the outbox in the SQLite state file at `path` for writing,
    /// creating and migrating the file as [`crate::Store::open`] does.
    pub fn open(path: &Path) -> Result<Outbox, StoreError> {
        Ok(Outbox::with_backend(Box::new(crate::sqlite::Sqlite::open(
            path,
        )?)))
    }

    /// Opens the outbox for reading only; a missing file reads as empty.
    pub fn open_read_only(path: &Path) -> Result<Outbox, StoreError> {
        Ok(Outbox::with_backend(Box::new(
            crate::sqlite::Sqlite::open_read_only(path)?,
        )))
    }

    /// Opens the outbox of the state at `location` for writing.
    pub fn open_location(location: &crate::StateLocation) -> Result<Outbox, StoreError> {
        Ok(Outbox::with_backend(
            crate::open_backend(location)?.into_outbox(),
        ))
    }

    /// Opens the outbox of the state at `location` for reading only.
    pub fn open_location_read_only(location: &crate::StateLocation) -> Result<Outbox, StoreError> {
        Ok(Outbox::with_backend(
            crate::open_backend_read_only(location)?.into_outbox(),
        ))
    }

    /// Sets who this process writes as: on a shared database every later
    /// claim and outcome is fenced against it.
    pub fn set_writer(&mut self, writer: crate::backend::Writer) {
        self.backend.set_writer(writer);
    }

    /// The outbox held by `backend`.
    pub fn with_backend(backend: Box<dyn OutboxBackend>) -> Outbox {
        Outbox { backend }
    }

    /// Every row's state and fingerprint, by key.
    pub fn fingerprints(&self) -> Result<BTreeMap<String, (MailState, String)>, StoreError> {
        self.backend.fingerprints()
    }

    /// Writes `messages` in one transaction: new keys are inserted; an
    /// existing row not yet handed to a server is replaced when its
    /// fingerprint differs (attempts reset), and a withdrawn one is queued
    /// again; rows already sent or sending are left alone.
    pub fn upsert(
        &mut self,
        messages: &[NewMessage],
        now: Timestamp,
    ) -> Result<Upserted, StoreError> {
        self.upsert_settling(messages, now, &[])
    }

    /// The change notices still owed to members ([`crate::pending`]).
    pub fn pending_notices(&self) -> Result<Vec<PendingNotice>, StoreError> {
        Ok(self.backend.pending()?.into_values().collect())
    }

    /// As [`Outbox::upsert`], and in the same transaction marks `settled`
    /// (the owed notices `messages` announce) as no longer owed.
    pub fn upsert_settling(
        &mut self,
        messages: &[NewMessage],
        now: Timestamp,
        settled: &[PendingNotice],
    ) -> Result<Upserted, StoreError> {
        let keys: Vec<&str> = messages.iter().map(|m| m.key.as_str()).collect();
        let existing = self.backend.fingerprints_of(&keys)?;
        let writes: Vec<MessageWrite<'_>> = messages
            .iter()
            .filter_map(|m| match existing.get(&m.key) {
                None => Some(MessageWrite::Insert(m)),
                Some((old, fp))
                    if old.replaceable()
                        && (fp != &m.fingerprint || *old == MailState::Withdrawn) =>
                {
                    Some(MessageWrite::Replace(m))
                }
                Some(_) => None,
            })
            .collect();
        let applied = self.backend.write_messages(&writes, settled, now)?;
        let mut done = Upserted::default();
        for (write, _) in writes.iter().zip(applied).filter(|(_, a)| *a) {
            match write {
                MessageWrite::Insert(m) if m.expired => done.expired += 1,
                MessageWrite::Insert(_) => done.queued += 1,
                MessageWrite::Replace(m) if !m.expired => done.replaced += 1,
                MessageWrite::Replace(_) => {}
            }
        }
        Ok(done)
    }

    /// Marks the still-queued rows among `keys` withdrawn; how many.
    pub fn withdraw(&mut self, keys: &[String]) -> Result<usize, StoreError> {
        self.backend.withdraw(keys)
    }

    /// Puts rows left `sending` by an interrupted process back in the
    /// queue, due at once; how many.
    pub fn recover(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        self.backend.recover(now)
    }

    /// Marks queued rows whose session has started (`expires_at <= now`)
    /// expired; how many.
    pub fn expire(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        self.backend.expire(now)
    }

    /// Claims up to `limit` queued rows due at `now` (not expired), earliest
    /// first, marking each `sending` in one transaction before they are
    /// handed to a server.
    pub fn claim_due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Claimed>, StoreError> {
        self.backend.claim_due(now, limit)
    }

    /// Runs `f` in one transaction (the outcomes of a batch of sends): its
    /// writes are kept when it returns `Ok` and the commit succeeds, and
    /// discarded when it returns an error.
    pub fn in_transaction<R, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Outbox) -> Result<R, E>,
    ) -> Result<R, E> {
        self.backend.begin()?;
        match f(self) {
            Ok(r) => {
                self.backend.commit()?;
                Ok(r)
            }
            Err(e) => {
                self.backend.rollback();
                Err(e)
            }
        }
    }

    /// The server accepted the message.
    pub fn mark_sent(&mut self, key: &str, now: Timestamp) -> Result<(), StoreError> {
        self.backend.mark_sent(key, now)
    }

    /// A transient failure: queued again for `next_at`.
    pub fn mark_retry(
        &mut self,
        key: &str,
        error: &str,
        next_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.backend.mark_retry(key, error, next_at)
    }

    /// A permanent failure (or too many attempts), with the server's reply.
    pub fn mark_failed(&mut self, key: &str, error: &str) -> Result<(), StoreError> {
        self.backend.mark_failed(key, error)
    }

    /// The earliest moment a queued row becomes sendable, if any.
    pub fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.backend.next_due()
    }

    /// Every row, by due time then key, optionally only in `state`.
    pub fn list(&self, state: Option<MailState>) -> Result<Vec<OutboxRow>, StoreError> {
        self.backend.list(state)
    }

    /// The stored message of `key`.
    pub fn message(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.backend.message(key)
    }

    /// Groups HR has been told lost their time: group id → (kind, since).
    pub fn alerts(&self) -> Result<BTreeMap<String, (String, Timestamp)>, StoreError> {
        self.backend.alerts()
    }

    /// Records (or clears, with `None`) the alert state of `group`.
    pub fn set_alert(
        &mut self,
        group: &str,
        alert: Option<(&str, Timestamp)>,
    ) -> Result<(), StoreError> {
        self.backend.set_alert(group, alert)
    }
}

#[cfg(test)]
mod tests;
