//! Change notices owed to members (`notices_pending`).
//!
//! A commit that announces its changes ([`super::Store::commit_announcing`])
//! records, in its own transaction, every published session it moved or
//! cancelled: the time members were last told (`from`) and where the
//! session is now (`at`). The row goes when the outbox holds the notice
//! ([`super::outbox::Outbox::upsert_settling`], in the same transaction as
//! the notice), so a notice is never lost between the two writes — a full
//! disk, a crash or a plan replaced before its notices were queued. Changes
//! that pile up before they are announced merge into one row: a session
//! moved twice is one move from the time members know; one moved back is
//! no notice at all. Rows whose session has started are dropped.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::StoreError;
use crate::backend::{SessionKey, StateTx};
use crate::changes::Changes;
use peerwell_core::model::Interval;

/// What members have not been told yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PendingKind {
    /// The session moved.
    Moved,
    /// The session was cancelled.
    Cancelled,
}

impl PendingKind {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            PendingKind::Moved => "moved",
            PendingKind::Cancelled => "cancelled",
        }
    }

    /// Reads [`PendingKind::as_str`] back.
    pub fn parse(name: &str) -> Option<PendingKind> {
        match name {
            "moved" => Some(PendingKind::Moved),
            "cancelled" => Some(PendingKind::Cancelled),
            _ => None,
        }
    }
}

/// A change notice owed for one published session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotice {
    /// The group's id.
    pub group: String,
    /// The session's index.
    pub index: u32,
    /// What members have not been told.
    pub kind: PendingKind,
    /// The time members were last told about.
    pub from: Interval,
    /// Moved: the session's time now; cancelled: its time when cancelled.
    pub at: Interval,
    /// The `now` of the commit that last wrote the row.
    pub noted_at: Timestamp,
}

/// Records what `changes` (a commit at `now`) owes members,
/// merged with what was owed before; inside the commit's transaction.
pub(crate) fn record(
    tx: &mut dyn StateTx,
    changes: &Changes,
    now: Timestamp,
) -> Result<(), StoreError> {
    let owed = tx.pending()?;
    let mut next: BTreeMap<SessionKey, Option<PendingNotice>> = BTreeMap::new();
    let mut put = |group: &str, index: u32, kind, known: Interval, at: Interval| {
        let key = (group.to_string(), index);
        let from = owed.get(&key).map_or(known, |o| o.from);
        let notice = (kind == PendingKind::Cancelled || at != from).then(|| PendingNotice {
            group: group.to_string(),
            index,
            kind,
            from,
            at,
            noted_at: now,
        });
        next.insert(key, notice);
    };
    for m in &changes.moved {
        put(&m.group, m.index, PendingKind::Moved, m.from, m.to);
    }
    for c in &changes.cancelled {
        put(&c.group, c.index, PendingKind::Cancelled, c.time, c.time);
    }
    // A session cancelled but not yet announced that is planned again.
    for a in changes
        .added
        .iter()
        .filter(|a| owed.contains_key(&(a.group.clone(), a.index)))
    {
        put(&a.group, a.index, PendingKind::Moved, a.time, a.time);
    }
    for (key, notice) in &next {
        tx.put_pending(key, notice.as_ref())?;
    }
    tx.drop_pending_started(now)
}
