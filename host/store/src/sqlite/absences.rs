//! The `absences` and `link_secret` tables in SQL (see
//! [`crate::absences`] for what they hold).

use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::schema;
use crate::codec;
use crate::{AbsenceRow, AbsenceSource, StoreError};

/// The schema version that added both tables: a file read before it was
/// migrated holds no absences.
const SINCE: i64 = 5;

/// Every absence, by group id, session index, member id (byte order).
pub fn list(conn: &Connection, path: &Path) -> Result<Vec<AbsenceRow>, StoreError> {
    if schema::user_version(conn, path)? < SINCE {
        return Ok(Vec::new());
    }
    let err = |e| StoreError::from_sqlite(path, e);
    let mut stmt = conn
        .prepare(
            "SELECT group_id, idx, member_id, recorded_at, source FROM absences \
             ORDER BY group_id, idx, member_id",
        )
        .map_err(err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(err)?;
    let mut out = Vec::new();
    for row in rows {
        let (group, index, member, at, source) = row.map_err(err)?;
        out.push(AbsenceRow {
            group,
            index: u32::try_from(index)
                .map_err(|_| StoreError::corrupt(path, format!("absence index {index}")))?,
            member,
            recorded_at: codec::timestamp(at).map_err(|e| StoreError::corrupt(path, e))?,
            source: AbsenceSource::parse(&source)
                .ok_or_else(|| StoreError::corrupt(path, format!("absence source `{source}`")))?,
        });
    }
    Ok(out)
}

/// Stores `row` unless it is stored already; whether it did.
pub fn add(conn: &Connection, path: &Path, row: &AbsenceRow) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "INSERT OR IGNORE INTO absences (group_id, idx, member_id, recorded_at, source) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                row.group,
                i64::from(row.index),
                row.member,
                codec::seconds(row.recorded_at),
                row.source.as_str()
            ],
        )
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    Ok(n > 0)
}

/// Deletes one absence; whether there was one.
pub fn remove(
    conn: &Connection,
    path: &Path,
    (group, index, member): (&str, u32, &str),
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "DELETE FROM absences WHERE group_id = ?1 AND idx = ?2 AND member_id = ?3",
            params![group, i64::from(index), member],
        )
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    Ok(n > 0)
}

/// The stored secret, storing `fresh` first when there is none.
pub fn secret(
    conn: &mut Connection,
    path: &Path,
    fresh: &[u8],
    now: Timestamp,
) -> Result<Vec<u8>, StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(err)?;
    tx.execute(
        "INSERT OR IGNORE INTO link_secret (id, secret, created_at) VALUES (1, ?1, ?2)",
        params![fresh, codec::seconds(now)],
    )
    .map_err(err)?;
    let stored: Option<Vec<u8>> = tx
        .query_row("SELECT secret FROM link_secret WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(err)?;
    tx.commit().map_err(err)?;
    stored.ok_or_else(|| StoreError::corrupt(path, "the absence link secret is missing"))
}
