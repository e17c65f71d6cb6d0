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
use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, Transaction, params};

use super::changes::Changes;
use super::codec::seconds;
use super::{StoreError, codec};
use peerwell_core::model::Interval;

/// What members have not been told yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PendingKind {
    Moved,
    Cancelled,
}

impl PendingKind {
    fn as_str(self) -> &'static str {
        match self {
            PendingKind::Moved => "moved",
            PendingKind::Cancelled => "cancelled",
        }
    }
}

/// A change notice owed for one published session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNotice {
    pub group: String,
    pub index: u32,
    pub kind: PendingKind,
    /// The time members were last told about.
    pub from: Interval,
    /// Moved: the session's time now; cancelled: its time when cancelled.
    pub at: Interval,
    /// The `now` of the commit that last wrote the row.
    pub noted_at: Timestamp,
}

type Key = (String, u32);

/// Every owed notice, by (group id, index).
pub fn list(conn: &Connection, path: &Path) -> Result<BTreeMap<Key, PendingNotice>, StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    let mut stmt = conn
        .prepare(
            "SELECT group_id, idx, kind, from_start, from_end, at_start, at_end, noted_at \
             FROM notices_pending",
        )
        .map_err(err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, String>(2)?,
                [
                    r.get::<_, i64>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ],
            ))
        })
        .map_err(err)?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (group, index, kind, t) = row.map_err(err)?;
        let decoded = decode(&kind, t)
            .map_err(|e| StoreError::corrupt(path, format!("owed notice {group} #{index}: {e}")))?;
        let (kind, from, at, noted_at) = decoded;
        let notice = PendingNotice {
            group: group.clone(),
            index,
            kind,
            from,
            at,
            noted_at,
        };
        out.insert((group, index), notice);
    }
    Ok(out)
}

type Decoded = (PendingKind, Interval, Interval, Timestamp);

fn decode(kind: &str, t: [i64; 5]) -> Result<Decoded, codec::DecodeError> {
    let kind = match kind {
        "moved" => PendingKind::Moved,
        "cancelled" => PendingKind::Cancelled,
        other => return Err(format!("unknown kind `{other}`")),
    };
    let ts = codec::timestamp;
    let from = Interval::new(ts(t[0])?, ts(t[1])?);
    let at = Interval::new(ts(t[2])?, ts(t[3])?);
    Ok((kind, from, at, ts(t[4])?))
}

/// Records what `changes` (a commit at `now`) owes members,
/// merged with what was owed before; inside the commit's transaction.
pub fn record(
    tx: &Transaction<'_>,
    path: &Path,
    changes: &Changes,
    now: Timestamp,
) -> Result<(), StoreError> {
    let owed = list(tx, path)?;
    let mut next: BTreeMap<Key, Option<PendingNotice>> = BTreeMap::new();
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
    write(tx, path, next, now)
}

fn write(
    tx: &Transaction<'_>,
    path: &Path,
    next: BTreeMap<Key, Option<PendingNotice>>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    for ((group, index), notice) in next {
        tx.execute(
            "DELETE FROM notices_pending WHERE group_id = ?1 AND idx = ?2",
            params![group, index],
        )
        .map_err(err)?;
        let Some(n) = notice else { continue };
        tx.execute(
            "INSERT INTO notices_pending (group_id, idx, kind, from_start, from_end, \
             at_start, at_end, noted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                n.group,
                n.index,
                n.kind.as_str(),
                seconds(n.from.start),
                seconds(n.from.end),
                seconds(n.at.start),
                seconds(n.at.end),
                seconds(n.noted_at),
            ],
        )
        .map_err(err)?;
    }
    tx.execute(
        "DELETE FROM notices_pending WHERE at_start <= ?1",
        params![seconds(now)],
    )
    .map_err(err)?;
    Ok(())
}

/// Removes `settled` notices that are still owed exactly as listed (a
/// commit in between may have changed one; that one stays owed).
pub fn settle(
    tx: &Transaction<'_>,
    path: &Path,
    settled: &[PendingNotice],
) -> Result<(), StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    for n in settled {
        tx.execute(
            "DELETE FROM notices_pending WHERE group_id = ?1 AND idx = ?2 AND kind = ?3 \
             AND from_start = ?4 AND at_start = ?5 AND at_end = ?6 AND noted_at = ?7",
            params![
                n.group,
                n.index,
                n.kind.as_str(),
                seconds(n.from.start),
                seconds(n.at.start),
                seconds(n.at.end),
                seconds(n.noted_at),
            ],
        )
        .map_err(err)?;
    }
    Ok(())
}
