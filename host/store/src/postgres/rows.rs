//! The `peerwell_sessions`, `peerwell_series` and `peerwell_notices_pending`
//! tables in SQL (the queries of the SQLite backend's `rows` and `pending`).

use std::collections::BTreeMap;

use jiff::Timestamp;
use postgres::{Client, Row};

use super::connect::pg_error;
use super::target::PgTarget;
use crate::backend::{SessionKey, SessionRow};
use crate::codec;
use crate::pending::{PendingKind, PendingNotice};
use crate::{Status, StoreError, StoredSeries, StoredSession};
use peerwell_core::model::Interval;
use peerwell_core::schedule::{SeriesTime, Session};

/// `t` to whole seconds, as every backend stores times.
pub fn whole(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

/// A stored index or SEQUENCE as the `u32` it was written from.
pub fn u32_of(v: i64, what: &str) -> Result<u32, codec::DecodeError> {
    u32::try_from(v).map_err(|_| format!("{what} {v} is out of range"))
}

/// Every stored session by (group id, index).
pub fn sessions(
    client: &mut Client,
    target: &PgTarget,
) -> Result<BTreeMap<SessionKey, StoredSession>, StoreError> {
    let rows = client
        .query(
            "SELECT group_id, idx, date, start_at, end_at, moved_from, attendees, absentees, \
             plan, hash, sequence, status, changed_at FROM peerwell_sessions",
            &[],
        )
        .map_err(|e| pg_error(target, &e))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let s = decode_session(&row).map_err(|e| {
            let group: String = row.try_get(0).unwrap_or_default();
            let index: i64 = row.try_get(1).unwrap_or_default();
            StoreError::corrupt(&target.location(), format!("session {group} #{index}: {e}"))
        })?;
        out.insert((s.session.group.clone(), s.session.index), s);
    }
    Ok(out)
}

fn get<'a, T: postgres::types::FromSql<'a>>(
    row: &'a Row,
    i: usize,
) -> Result<T, codec::DecodeError> {
    row.try_get(i).map_err(|e| e.to_string())
}

fn decode_session(r: &Row) -> Result<StoredSession, codec::DecodeError> {
    let status: String = get(r, 11)?;
    let status = match status.as_str() {
        "active" => Status::Active,
        "cancelled" => Status::Cancelled,
        other => return Err(format!("unknown status `{other}`")),
    };
    let session = Session {
        group: get(r, 0)?,
        index: u32_of(get(r, 1)?, "index")?,
        date: codec::date(&get::<String>(r, 2)?)?,
        start: get(r, 3)?,
        end: get(r, 4)?,
        attendees: codec::parse_ids(&get::<String>(r, 6)?)?,
        absentees: codec::parse_ids(&get::<String>(r, 7)?)?,
        plan: codec::parse_plan(&get::<String>(r, 8)?)?,
        moved_from: get(r, 5)?,
    };
    Ok(StoredSession {
        session,
        sequence: u32_of(get(r, 10)?, "SEQUENCE")?,
        status,
        hash: get(r, 9)?,
        changed_at: get(r, 12)?,
    })
}

/// Every stored series time by group id.
pub fn series(
    client: &mut Client,
    target: &PgTarget,
) -> Result<BTreeMap<String, StoredSeries>, StoreError> {
    let rows = client
        .query(
            "SELECT group_id, weekday, start_time, zone FROM peerwell_series",
            &[],
        )
        .map_err(|e| pg_error(target, &e))?;
    let mut out = BTreeMap::new();
    for r in rows {
        let group: String = r.get(0);
        let decoded = get::<i16>(&r, 1)
            .and_then(|w| codec::weekday(i64::from(w)))
            .and_then(|w| Ok((w, codec::time(&get::<String>(&r, 2)?)?)))
            .and_then(|(w, t)| Ok((w, t, get::<String>(&r, 3)?)));
        let (weekday, start, zone) = decoded.map_err(|e| {
            StoreError::corrupt(&target.location(), format!("series of {group}: {e}"))
        })?;
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

/// The upsert of one session row (prepared once per plan commit).
pub const PUT_SESSION: &str = "INSERT INTO peerwell_sessions (group_id, idx, date, start_at, \
     end_at, moved_from, attendees, absentees, roles, plan, hash, sequence, status, changed_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
     ON CONFLICT (group_id, idx) DO UPDATE SET date = excluded.date, \
     start_at = excluded.start_at, end_at = excluded.end_at, \
     moved_from = excluded.moved_from, attendees = excluded.attendees, \
     absentees = excluded.absentees, roles = excluded.roles, plan = excluded.plan, \
     hash = excluded.hash, sequence = excluded.sequence, status = excluded.status, \
     changed_at = excluded.changed_at";

/// Inserts or replaces one session row with `statement` ([`PUT_SESSION`]).
pub fn put_session(
    client: &mut Client,
    target: &PgTarget,
    statement: &postgres::Statement,
    row: SessionRow<'_>,
) -> Result<(), StoreError> {
    let s = row.session;
    client
        .execute(
            statement,
            &[
                &s.group,
                &i64::from(s.index),
                &s.date.to_string(),
                &whole(s.start),
                &whole(s.end),
                &s.moved_from.map(whole),
                &codec::ids_json(&s.attendees),
                &codec::ids_json(&s.absentees),
                &codec::roles_json(&s.plan.roles),
                &codec::plan_json(&s.plan),
                &row.hash,
                &i64::from(row.sequence),
                &row.status.as_str(),
                &whole(row.changed_at),
            ],
        )
        .map(drop)
        .map_err(|e| pg_error(target, &e))
}

/// Marks one session cancelled, one SEQUENCE up, revised at `now`.
pub fn cancel_session(
    client: &mut Client,
    target: &PgTarget,
    (group, index): (&str, u32),
    now: Timestamp,
) -> Result<(), StoreError> {
    client
        .execute(
            "UPDATE peerwell_sessions SET status = $1, sequence = sequence + 1, changed_at = $2 \
             WHERE group_id = $3 AND idx = $4",
            &[
                &Status::Cancelled.as_str(),
                &whole(now),
                &group,
                &i64::from(index),
            ],
        )
        .map(drop)
        .map_err(|e| pg_error(target, &e))
}

/// Stores a group's series time; an identical row keeps its `changed_at`.
pub fn put_series(
    client: &mut Client,
    target: &PgTarget,
    group: &str,
    (time, zone): (SeriesTime, &str),
    now: Timestamp,
) -> Result<(), StoreError> {
    let weekday = i16::try_from(codec::weekday_number(time.weekday)).unwrap_or(0);
    client
        .execute(
            "INSERT INTO peerwell_series (group_id, weekday, start_time, zone, changed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (group_id) DO UPDATE SET \
             weekday = excluded.weekday, start_time = excluded.start_time, \
             zone = excluded.zone, changed_at = excluded.changed_at \
             WHERE peerwell_series.weekday <> excluded.weekday \
             OR peerwell_series.start_time <> excluded.start_time \
             OR peerwell_series.zone <> excluded.zone",
            &[
                &group,
                &weekday,
                &time.start.to_string(),
                &zone,
                &whole(now),
            ],
        )
        .map(drop)
        .map_err(|e| pg_error(target, &e))
}

/// Every owed notice, by (group id, index).
pub fn pending(
    client: &mut Client,
    target: &PgTarget,
) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError> {
    let rows = client
        .query(
            "SELECT group_id, idx, kind, from_start, from_end, at_start, at_end, noted_at \
             FROM peerwell_notices_pending",
            &[],
        )
        .map_err(|e| pg_error(target, &e))?;
    let mut out = BTreeMap::new();
    for r in rows {
        let n = decode_notice(&r).map_err(|e| {
            let group: String = r.try_get(0).unwrap_or_default();
            StoreError::corrupt(&target.location(), format!("owed notice {group}: {e}"))
        })?;
        out.insert((n.group.clone(), n.index), n);
    }
    Ok(out)
}

fn decode_notice(r: &Row) -> Result<PendingNotice, codec::DecodeError> {
    let kind: String = get(r, 2)?;
    Ok(PendingNotice {
        group: get(r, 0)?,
        index: u32_of(get(r, 1)?, "index")?,
        kind: PendingKind::parse(&kind).ok_or_else(|| format!("unknown kind `{kind}`"))?,
        from: Interval::new(get(r, 3)?, get(r, 4)?),
        at: Interval::new(get(r, 5)?, get(r, 6)?),
        noted_at: get(r, 7)?,
    })
}

/// Replaces the notice owed for `(group, index)` with `notice`.
pub fn put_pending(
    client: &mut Client,
    target: &PgTarget,
    (group, index): (&str, u32),
    notice: Option<&PendingNotice>,
) -> Result<(), StoreError> {
    let err = |e| pg_error(target, &e);
    client
        .execute(
            "DELETE FROM peerwell_notices_pending WHERE group_id = $1 AND idx = $2",
            &[&group, &i64::from(index)],
        )
        .map_err(err)?;
    let Some(n) = notice else { return Ok(()) };
    client
        .execute(
            "INSERT INTO peerwell_notices_pending (group_id, idx, kind, from_start, from_end, \
             at_start, at_end, noted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &n.group,
                &i64::from(n.index),
                &n.kind.as_str(),
                &whole(n.from.start),
                &whole(n.from.end),
                &whole(n.at.start),
                &whole(n.at.end),
                &whole(n.noted_at),
            ],
        )
        .map(drop)
        .map_err(err)
}

/// Drops the owed notices of sessions starting at or before `now`.
pub fn drop_started(
    client: &mut Client,
    target: &PgTarget,
    now: Timestamp,
) -> Result<(), StoreError> {
    client
        .execute(
            "DELETE FROM peerwell_notices_pending WHERE at_start <= $1",
            &[&whole(now)],
        )
        .map(drop)
        .map_err(|e| pg_error(target, &e))
}

/// Removes `settled` notices still owed exactly as listed.
pub fn settle(
    client: &mut Client,
    target: &PgTarget,
    settled: &[PendingNotice],
) -> Result<(), StoreError> {
    for n in settled {
        client
            .execute(
                "DELETE FROM peerwell_notices_pending WHERE group_id = $1 AND idx = $2 \
                 AND kind = $3 AND from_start = $4 AND at_start = $5 AND at_end = $6 \
                 AND noted_at = $7",
                &[
                    &n.group,
                    &i64::from(n.index),
                    &n.kind.as_str(),
                    &whole(n.from.start),
                    &whole(n.at.start),
                    &whole(n.at.end),
                    &whole(n.noted_at),
                ],
            )
            .map_err(|e| pg_error(target, &e))?;
    }
    Ok(())
}
