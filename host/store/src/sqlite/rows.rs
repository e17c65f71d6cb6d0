//! The `sessions` and `series` tables in SQL.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::backend::SessionRow;
use crate::codec::{self, seconds};
use crate::{Status, StoreError, StoredSeries, StoredSession};
use peerwell_core::schedule::{SeriesTime, Session};

/// Every stored session by (group id, index).
pub fn sessions(
    conn: &Connection,
    path: &Path,
) -> Result<BTreeMap<(String, u32), StoredSession>, StoreError> {
    let sql = "SELECT group_id, idx, date, start, end, moved_from, attendees, absentees, \
               plan, hash, sequence, status, changed_at FROM sessions";
    let mut stmt = conn
        .prepare(sql)
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    let raw = stmt
        .query_map([], |r| {
            Ok(RawSession {
                group: r.get(0)?,
                index: r.get(1)?,
                date: r.get(2)?,
                start: r.get(3)?,
                end: r.get(4)?,
                moved_from: r.get(5)?,
                attendees: r.get(6)?,
                absentees: r.get(7)?,
                plan: r.get(8)?,
                hash: r.get(9)?,
                sequence: r.get(10)?,
                status: r.get(11)?,
                changed_at: r.get(12)?,
            })
        })
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    let mut out = BTreeMap::new();
    for row in raw {
        let row = row.map_err(|e| decode_error(path, e))?;
        let key = format!("session {} #{}", row.group, row.index);
        let s = row
            .decode()
            .map_err(|e| StoreError::corrupt(path, format!("{key}: {e}")))?;
        out.insert((s.session.group.clone(), s.session.index), s);
    }
    Ok(out)
}

/// Every stored series time by group id.
pub fn series(
    conn: &Connection,
    path: &Path,
) -> Result<BTreeMap<String, StoredSeries>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT group_id, weekday, start_time, zone FROM series")
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    let raw = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    let mut out = BTreeMap::new();
    for row in raw {
        let (group, weekday, start, zone) = row.map_err(|e| decode_error(path, e))?;
        let decoded = codec::weekday(weekday).and_then(|w| Ok((w, codec::time(&start)?)));
        let (weekday, start) =
            decoded.map_err(|e| StoreError::corrupt(path, format!("series of {group}: {e}")))?;
        out.insert(
            group,
            StoredSeries {
                series: SeriesTime { weekday, start },
                zone,
            },
        );
    }
    Ok(out)
}

/// Inserts or replaces one session row.
pub fn put_session(conn: &Connection, path: &Path, row: SessionRow<'_>) -> Result<(), StoreError> {
    let s = row.session;
    let mut upsert = conn
        .prepare_cached(
            "INSERT INTO sessions (group_id, idx, date, start, end, moved_from, attendees, \
             absentees, roles, plan, hash, sequence, status, changed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
             ON CONFLICT (group_id, idx) DO UPDATE SET date = excluded.date, \
             start = excluded.start, end = excluded.end, moved_from = excluded.moved_from, \
             attendees = excluded.attendees, absentees = excluded.absentees, \
             roles = excluded.roles, plan = excluded.plan, hash = excluded.hash, \
             sequence = excluded.sequence, status = excluded.status, \
             changed_at = excluded.changed_at",
        )
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    upsert
        .execute(params![
            s.group,
            s.index,
            s.date.to_string(),
            seconds(s.start),
            seconds(s.end),
            s.moved_from.map(seconds),
            codec::ids_json(&s.attendees),
            codec::ids_json(&s.absentees),
            codec::roles_json(&s.plan.roles),
            codec::plan_json(&s.plan),
            row.hash,
            row.sequence,
            row.status.as_str(),
            seconds(row.changed_at),
        ])
        .map(|_| ())
        .map_err(|e| StoreError::from_sqlite(path, e))
}

/// Marks one session cancelled, one SEQUENCE up, revised at `now`.
pub fn cancel_session(
    conn: &Connection,
    path: &Path,
    (group, index): (&str, u32),
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE sessions SET status = ?1, sequence = sequence + 1, changed_at = ?2 \
         WHERE group_id = ?3 AND idx = ?4",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            Status::Cancelled.as_str(),
            seconds(now),
            group,
            index
        ])
    })
    .map(|_| ())
    .map_err(|e| StoreError::from_sqlite(path, e))
}

/// Stores a group's series time; an identical row keeps its `changed_at`.
pub fn put_series(
    conn: &Connection,
    path: &Path,
    group: &str,
    (time, zone): (SeriesTime, &str),
    now: Timestamp,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO series (group_id, weekday, start_time, zone, changed_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (group_id) DO UPDATE SET \
         weekday = excluded.weekday, start_time = excluded.start_time, \
         zone = excluded.zone, changed_at = excluded.changed_at \
         WHERE weekday != excluded.weekday OR start_time != excluded.start_time \
         OR zone != excluded.zone",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            group,
            codec::weekday_number(time.weekday),
            time.start.to_string(),
            zone,
            seconds(now),
        ])
    })
    .map(|_| ())
    .map_err(|e| StoreError::from_sqlite(path, e))
}

pub(super) fn decode_error(path: &Path, e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => StoreError::corrupt(path, e.to_string()),
        e => StoreError::from_sqlite(path, e),
    }
}

/// A row as SQLite gives it, before decoding.
struct RawSession {
    group: String,
    index: u32,
    date: String,
    start: i64,
    end: i64,
    moved_from: Option<i64>,
    attendees: String,
    absentees: String,
    plan: String,
    hash: String,
    sequence: u32,
    status: String,
    changed_at: i64,
}

impl RawSession {
    fn decode(self) -> Result<StoredSession, codec::DecodeError> {
        let status = match self.status.as_str() {
            "active" => Status::Active,
            "cancelled" => Status::Cancelled,
            other => return Err(format!("unknown status `{other}`")),
        };
        let session = Session {
            group: self.group,
            index: self.index,
            date: codec::date(&self.date)?,
            start: codec::timestamp(self.start)?,
            end: codec::timestamp(self.end)?,
            attendees: codec::parse_ids(&self.attendees)?,
            absentees: codec::parse_ids(&self.absentees)?,
            plan: codec::parse_plan(&self.plan)?,
            moved_from: self.moved_from.map(codec::timestamp).transpose()?,
        };
        Ok(StoredSession {
            session,
            sequence: self.sequence,
            status,
            hash: self.hash,
            changed_at: codec::timestamp(self.changed_at)?,
        })
    }
}
