//! The `peerwell_absences` and `peerwell_link_secret` tables in SQL (see
//! [`crate::absences`]). Any replica may write them: they are not fenced
//! by the lease, the leader's next planning pass reads them.

use jiff::Timestamp;
use postgres::Client;

use super::connect::pg_error;
use super::rows::whole;
use super::target::PgTarget;
use crate::{AbsenceRow, AbsenceSource, StoreError};

/// Every absence, by group id, session index, member id (byte order, as
/// on SQLite).
pub fn list(client: &mut Client, target: &PgTarget) -> Result<Vec<AbsenceRow>, StoreError> {
    let rows = client
        .query(
            "SELECT group_id, idx, member_id, recorded_at, source FROM peerwell_absences \
             ORDER BY group_id COLLATE \"C\", idx, member_id COLLATE \"C\"",
            &[],
        )
        .map_err(|e| pg_error(target, &e))?;
    rows.iter()
        .map(|r| {
            let index: i32 = r.get(1);
            let source: String = r.get(4);
            Ok(AbsenceRow {
                group: r.get(0),
                index: u32::try_from(index).map_err(|_| {
                    StoreError::corrupt(&target.location(), format!("absence index {index}"))
                })?,
                member: r.get(2),
                recorded_at: r.get(3),
                source: AbsenceSource::parse(&source).ok_or_else(|| {
                    StoreError::corrupt(&target.location(), format!("absence source `{source}`"))
                })?,
            })
        })
        .collect()
}

/// Stores `row` unless it is stored already; whether it did.
pub fn add(client: &mut Client, target: &PgTarget, row: &AbsenceRow) -> Result<bool, StoreError> {
    let index = i32::try_from(row.index).unwrap_or(i32::MAX);
    let n = client
        .execute(
            "INSERT INTO peerwell_absences (group_id, idx, member_id, recorded_at, source) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[
                &row.group,
                &index,
                &row.member,
                &whole(row.recorded_at),
                &row.source.as_str(),
            ],
        )
        .map_err(|e| pg_error(target, &e))?;
    Ok(n > 0)
}

/// Deletes one absence; whether there was one.
pub fn remove(
    client: &mut Client,
    target: &PgTarget,
    (group, index, member): (&str, u32, &str),
) -> Result<bool, StoreError> {
    let index = i32::try_from(index).unwrap_or(i32::MAX);
    let n = client
        .execute(
            "DELETE FROM peerwell_absences WHERE group_id = $1 AND idx = $2 AND member_id = $3",
            &[&group, &index, &member],
        )
        .map_err(|e| pg_error(target, &e))?;
    Ok(n > 0)
}

/// The stored secret, storing `fresh` first when there is none.
pub fn secret(
    client: &mut Client,
    target: &PgTarget,
    fresh: &[u8],
    now: Timestamp,
) -> Result<Vec<u8>, StoreError> {
    let err = |e| pg_error(target, &e);
    client
        .execute(
            "INSERT INTO peerwell_link_secret (id, secret, created_at) VALUES (1, $1, $2) \
             ON CONFLICT DO NOTHING",
            &[&fresh, &whole(now)],
        )
        .map_err(err)?;
    let row = client
        .query_one("SELECT secret FROM peerwell_link_secret WHERE id = 1", &[])
        .map_err(err)?;
    Ok(row.get(0))
}
