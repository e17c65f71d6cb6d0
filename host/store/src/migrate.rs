//! Moving a state between backends and checking one: the store's side of
//! `peerwell state migrate` and `peerwell state check`.
//!
//! [`copy_sqlite_to_postgres`] copies every row of an SQLite state, column
//! for column, into an empty PostgreSQL state in one transaction: tokens
//! (revoked ones too) keep working, sessions keep their UIDs, SEQUENCEs and
//! revision times, and outbox rows keep their keys, Message-IDs, states and
//! attempts, so a queued reminder is neither lost nor sent twice (a row left
//! `sending` by an interrupted sender stays `sending` and is requeued by the
//! next leader's recovery, as it would be on SQLite). A target that already
//! holds a state is refused and left unchanged.
//!
//! [`check`] reports a state's schema version and row counts, reading every
//! row back through the codec (a row that does not decode is
//! [`StoreError::Corrupt`]).

use std::path::Path;
use std::sync::Arc;

use postgres::Client;
use postgres::types::ToSql;
use rusqlite::Connection;

use crate::postgres::{PgTarget, Postgres, connect, plan_lock};
use crate::{StateLocation, Store, StoreError, outbox::Outbox};

/// How many rows of each kind a state holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Published series times.
    pub series: usize,
    /// Sessions, cancelled ones included.
    pub sessions: usize,
    /// Feed tokens, revoked ones included.
    pub tokens: usize,
    /// Outbox rows.
    pub outbox: usize,
    /// Change notices still owed.
    pub pending: usize,
    /// Groups HR was told about.
    pub alerts: usize,
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Where the state is, without credentials.
    pub location: String,
    /// Its schema version.
    pub schema_version: i64,
    /// Its rows.
    pub counts: Counts,
}

/// Opens the state at `location` read-only, reads every row back and
/// counts them.
pub fn check(location: &StateLocation) -> Result<Report, StoreError> {
    let store = Store::open_location_read_only(location)?;
    let outbox = Outbox::open_location_read_only(location)?;
    let counts = Counts {
        series: store.series()?.len(),
        sessions: store.sessions()?.len(),
        tokens: store.tokens()?.len(),
        outbox: outbox.list(None)?.len(),
        pending: outbox.pending_notices()?.len(),
        alerts: outbox.alerts()?.len(),
    };
    Ok(Report {
        location: location.display().display().to_string(),
        schema_version: store.schema_version()?,
        counts,
    })
}

/// One table's copy: the SQLite query and the PostgreSQL insert, which
/// turns Unix seconds into `timestamptz`.
struct Table {
    name: &'static str,
    select: &'static str,
    insert: &'static str,
}

const TABLES: &[Table] = &[
    Table {
        name: "series",
        select: "SELECT group_id, weekday, start_time, zone, changed_at FROM series",
        insert: "INSERT INTO peerwell_series (group_id, weekday, start_time, zone, changed_at) \
                 VALUES ($1, $2::bigint::smallint, $3, $4, to_timestamp($5::bigint))",
    },
    Table {
        name: "sessions",
        select: "SELECT group_id, idx, date, start, end, moved_from, attendees, absentees, \
                 roles, plan, hash, sequence, status, changed_at FROM sessions",
        insert: "INSERT INTO peerwell_sessions (group_id, idx, date, start_at, end_at, \
                 moved_from, attendees, absentees, roles, plan, hash, sequence, status, \
                 changed_at) VALUES ($1, $2, $3, to_timestamp($4::bigint), \
                 to_timestamp($5::bigint), to_timestamp($6::bigint), $7, $8, $9, $10, $11, \
                 $12, $13, to_timestamp($14::bigint))",
    },
    Table {
        name: "tokens",
        select: "SELECT token, kind, id, created_at, revoked_at FROM tokens",
        insert: "INSERT INTO peerwell_tokens (token, kind, id, created_at, revoked_at) \
                 VALUES ($1, $2, $3, to_timestamp($4::bigint), to_timestamp($5::bigint))",
    },
    Table {
        name: "outbox",
        select: "SELECT key, message_id, group_id, idx, kind, recipient, address, \
                 fingerprint, due, send_at, expires_at, created_at, state, attempts, \
                 next_attempt_at, last_error, sent_at, message FROM outbox",
        insert: "INSERT INTO peerwell_outbox (key, message_id, group_id, idx, kind, \
                 recipient, address, fingerprint, due, send_at, expires_at, created_at, state, \
                 attempts, next_attempt_at, last_error, sent_at, message) VALUES ($1, $2, $3, \
                 $4, $5, $6, $7, $8, to_timestamp($9::bigint), to_timestamp($10::bigint), \
                 to_timestamp($11::bigint), to_timestamp($12::bigint), $13, $14, \
                 to_timestamp($15::bigint), $16, to_timestamp($17::bigint), $18)",
    },
    Table {
        name: "mail_alerts",
        select: "SELECT group_id, kind, since FROM mail_alerts",
        insert: "INSERT INTO peerwell_mail_alerts (group_id, kind, since) \
                 VALUES ($1, $2, to_timestamp($3::bigint))",
    },
    Table {
        name: "notices_pending",
        select: "SELECT group_id, idx, kind, from_start, from_end, at_start, at_end, \
                 noted_at FROM notices_pending",
        insert: "INSERT INTO peerwell_notices_pending (group_id, idx, kind, from_start, \
                 from_end, at_start, at_end, noted_at) VALUES ($1, $2, $3, \
                 to_timestamp($4::bigint), to_timestamp($5::bigint), to_timestamp($6::bigint), \
                 to_timestamp($7::bigint), to_timestamp($8::bigint))",
    },
];

/// One SQLite value, as PostgreSQL takes it.
#[derive(Debug)]
enum Value {
    Null(Null),
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    fn param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Value::Null(v) => v,
            Value::Int(v) => v,
            Value::Text(v) => v,
            Value::Blob(v) => v,
        }
    }
}

/// SQL NULL for a parameter of any type.
#[derive(Debug)]
struct Null;

impl ToSql for Null {
    fn to_sql(
        &self,
        _: &postgres::types::Type,
        _: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        Ok(postgres::types::IsNull::Yes)
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// Copies the SQLite state at `sqlite` into the empty PostgreSQL state at
/// `target`; the rows copied. The SQLite file is only read.
pub fn copy_sqlite_to_postgres(sqlite: &Path, target: Arc<PgTarget>) -> Result<Counts, StoreError> {
    // Opening checks the file (and migrates an older schema first).
    drop(crate::sqlite::Sqlite::open(sqlite)?);
    let source = Connection::open_with_flags(sqlite, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::from_sqlite(sqlite, e))?;
    drop(Postgres::open(target.clone())?);
    let mut client = connect::connect(&target, false)?;
    crate::postgres::atomic(&mut client, &target, |c| {
        plan_lock(c, &target)?;
        refuse_non_empty(c, &target)?;
        let mut copied = Vec::new();
        for table in TABLES {
            copied.push(copy_table(&source, sqlite, c, &target, table)?);
        }
        Ok(Counts {
            series: copied[0],
            sessions: copied[1],
            tokens: copied[2],
            outbox: copied[3],
            alerts: copied[4],
            pending: copied[5],
        })
    })
}

fn refuse_non_empty(c: &mut Client, target: &PgTarget) -> Result<(), StoreError> {
    let rows: i64 = c
        .query_one(
            "SELECT (SELECT count(*) FROM peerwell_sessions) + \
             (SELECT count(*) FROM peerwell_tokens) + (SELECT count(*) FROM peerwell_outbox)",
            &[],
        )
        .map_err(|e| connect::pg_error(target, &e))?
        .get(0);
    if rows > 0 {
        return Err(StoreError::Setting {
            setting: target.setting.clone(),
            detail: format!(
                "the database {} already holds a peerwell state ({rows} sessions, tokens and \
                 outbox rows)",
                target.display
            ),
            hint: "migrate into an empty database; the state there was left unchanged".to_string(),
        });
    }
    Ok(())
}

fn copy_table(
    source: &Connection,
    path: &Path,
    c: &mut Client,
    target: &PgTarget,
    table: &Table,
) -> Result<usize, StoreError> {
    let lite = |e| StoreError::from_sqlite(path, e);
    let mut stmt = source.prepare(table.select).map_err(lite)?;
    let width = stmt.column_count();
    let rows = stmt
        .query_map([], |r| (0..width).map(|i| value(r, i)).collect())
        .map_err(lite)?;
    let insert = c
        .prepare(table.insert)
        .map_err(|e| connect::pg_error(target, &e))?;
    let mut n = 0;
    for row in rows {
        let row: Vec<Value> = row.map_err(lite)?;
        let params: Vec<&(dyn ToSql + Sync)> = row.iter().map(Value::param).collect();
        c.execute(&insert, &params).map_err(|e| {
            let mut e = connect::pg_error(target, &e);
            if let StoreError::Io { message, .. } = &mut e {
                *message = format!("copying table {}: {message}", table.name);
            }
            e
        })?;
        n += 1;
    }
    Ok(n)
}

fn value(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Value> {
    use rusqlite::types::ValueRef;
    Ok(match r.get_ref(i)? {
        ValueRef::Null => Value::Null(Null),
        ValueRef::Integer(v) => Value::Int(v),
        ValueRef::Real(v) => Value::Int(v as i64),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    })
}

#[cfg(test)]
mod tests;
