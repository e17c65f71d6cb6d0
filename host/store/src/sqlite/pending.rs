//! The `notices_pending` table in SQL: change notices owed to members
//! (see [`crate::pending`]).

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::StoreError;
use crate::codec::{self, seconds};
use crate::pending::{PendingKind, PendingNotice};
use peerwell_core::model::Interval;

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
    let kind = PendingKind::parse(kind).ok_or_else(|| format!("unknown kind `{kind}`"))?;
    let ts = codec::timestamp;
    let from = Interval::new(ts(t[0])?, ts(t[1])?);
    let at = Interval::new(ts(t[2])?, ts(t[3])?);
    Ok((kind, from, at, ts(t[4])?))
}

/// Replaces the notice owed for `(group, index)` with `notice`.
pub fn put(
    conn: &Connection,
    path: &Path,
    (group, index): (&str, u32),
    notice: Option<&PendingNotice>,
) -> Result<(), StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    conn.execute(
        "DELETE FROM notices_pending WHERE group_id = ?1 AND idx = ?2",
        params![group, index],
    )
    .map_err(err)?;
    let Some(n) = notice else { return Ok(()) };
    conn.execute(
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
    .map(|_| ())
    .map_err(err)
}

/// Drops the owed notices of sessions starting at or before `now`.
pub fn drop_started(conn: &Connection, path: &Path, now: Timestamp) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM notices_pending WHERE at_start <= ?1",
        params![seconds(now)],
    )
    .map(|_| ())
    .map_err(|e| StoreError::from_sqlite(path, e))
}

/// Removes `settled` notices that are still owed exactly as listed (a
/// commit in between may have changed one; that one stays owed).
pub fn settle(tx: &Connection, path: &Path, settled: &[PendingNotice]) -> Result<(), StoreError> {
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
