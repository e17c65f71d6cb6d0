//! Reading and writing the `sessions` and `series` tables.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, Transaction, params};

use super::codec::{self, seconds};
use super::{Status, StoreError, StoredSeries, StoredSession};
use peerwell_core::schedule::{GroupOutcome, Plan, SeriesTime, Session};

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

/// Writes `plan` over `stored` (see [`super::Store::commit`]).
pub fn write(
    tx: &Transaction<'_>,
    path: &Path,
    stored: &BTreeMap<(String, u32), StoredSession>,
    plan: &Plan,
    now: Timestamp,
    zones: &BTreeMap<String, String>,
) -> Result<(), StoreError> {
    let sql_err = |e| StoreError::from_sqlite(path, e);
    let mut upsert = tx
        .prepare(
            "INSERT INTO sessions (group_id, idx, date, start, end, moved_from, attendees, \
             absentees, roles, plan, hash, sequence, status, changed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'active', ?13) \
             ON CONFLICT (group_id, idx) DO UPDATE SET date = excluded.date, \
             start = excluded.start, end = excluded.end, moved_from = excluded.moved_from, \
             attendees = excluded.attendees, absentees = excluded.absentees, \
             roles = excluded.roles, plan = excluded.plan, hash = excluded.hash, \
             sequence = excluded.sequence, status = 'active', changed_at = excluded.changed_at",
        )
        .map_err(sql_err)?;
    // `changed_at` is the event's DTSTAMP. A first publication is stamped
    // no later than the start of the horizon it was planned in, so a fresh
    // state gives the same bytes for the same horizon whatever the clock;
    // a revision (SEQUENCE raised) is stamped with this commit's moment.
    let first = plan
        .horizon
        .start
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_or(now, |z| z.timestamp().min(now));
    for s in &plan.sessions {
        let hash = codec::content_hash(s);
        let old = stored.get(&(s.group.clone(), s.index));
        let (sequence, revised) = match old {
            Some(o) if o.status == Status::Active && same(o, s, &hash) => continue,
            Some(o) => (o.sequence.saturating_add(1), now),
            None => (0, first),
        };
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
                hash,
                sequence,
                seconds(revised),
            ])
            .map_err(sql_err)?;
    }
    let planned: std::collections::BTreeSet<(&str, u32)> = plan
        .sessions
        .iter()
        .map(|s| (s.group.as_str(), s.index))
        .collect();
    let mut cancel = tx
        .prepare(
            "UPDATE sessions SET status = ?1, sequence = sequence + 1, changed_at = ?2 \
             WHERE group_id = ?3 AND idx = ?4",
        )
        .map_err(sql_err)?;
    for ((group, index), old) in stored {
        if super::changes::cancels(old, plan, now) && !planned.contains(&(group.as_str(), *index)) {
            cancel
                .execute(params![
                    Status::Cancelled.as_str(),
                    seconds(now),
                    group,
                    index
                ])
                .map_err(sql_err)?;
        }
    }
    let mut series = tx
        .prepare(
            "INSERT INTO series (group_id, weekday, start_time, zone, changed_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (group_id) DO UPDATE SET \
             weekday = excluded.weekday, start_time = excluded.start_time, \
             zone = excluded.zone, changed_at = excluded.changed_at \
             WHERE weekday != excluded.weekday OR start_time != excluded.start_time \
             OR zone != excluded.zone",
        )
        .map_err(sql_err)?;
    for (group, outcome) in &plan.outcomes {
        let GroupOutcome::Scheduled { series: time, .. } = outcome else {
            continue;
        };
        let zone = zones.get(group).map_or("", String::as_str);
        series
            .execute(params![
                group,
                codec::weekday_number(time.weekday),
                time.start.to_string(),
                zone,
                seconds(now),
            ])
            .map_err(sql_err)?;
    }
    Ok(())
}

/// True when the stored session is the planned one.
fn same(old: &StoredSession, new: &Session, new_hash: &str) -> bool {
    old.session.start == new.start && old.session.end == new.end && old.hash == new_hash
}

fn decode_error(path: &Path, e: rusqlite::Error) -> StoreError {
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
