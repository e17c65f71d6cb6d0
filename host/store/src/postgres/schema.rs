//! The versioned schema on PostgreSQL: migrations
//! (`migrations/NNNN_name.sql`) applied in order, all in one transaction
//! under a transaction-level advisory lock, so that several processes
//! opening one database at once migrate it exactly once. The version is
//! the highest row of `peerwell_schema`.
//!
//! A database without `peerwell_schema` must be empty of tables in its
//! schema: one holding another application's tables is refused
//! ([`StoreError::Corrupt`]) and left unchanged, as is one from a newer
//! peerwell ([`StoreError::TooNew`]).

use postgres::Client;

use super::connect::pg_error;
use super::target::PgTarget;
use crate::StoreError;

/// The migrations in order: (version, SQL).
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_initial.sql")),
    (2, include_str!("migrations/0002_replicas.sql")),
    (3, include_str!("migrations/0003_absences.sql")),
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The advisory lock key migrations run under ("PWel" + 1).
const MIGRATION_LOCK: i64 = 0x5057_656c_0001;

/// The tables the current schema holds; each must exist once migrated.
const TABLES: &[&str] = &[
    "peerwell_schema",
    "peerwell_lease",
    "peerwell_series",
    "peerwell_sessions",
    "peerwell_tokens",
    "peerwell_outbox",
    "peerwell_mail_alerts",
    "peerwell_notices_pending",
    "peerwell_absences",
    "peerwell_link_secret",
];

/// The schema version of the database (0: no peerwell schema), refusing a
/// database holding other tables and none of ours.
pub fn version(client: &mut Client, target: &PgTarget) -> Result<i64, StoreError> {
    let err = |e| pg_error(target, &e);
    let ours: bool = client
        .query_one("SELECT to_regclass('peerwell_schema') IS NOT NULL", &[])
        .map_err(err)?
        .get(0);
    if !ours {
        let others: Vec<String> = client
            .query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
                 ORDER BY tablename LIMIT 3",
                &[],
            )
            .map_err(err)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        if !others.is_empty() {
            return Err(StoreError::corrupt(
                &target.location(),
                format!(
                    "the database holds another application's tables ({}) and no peerwell \
                     schema; point {} at a database of peerwell's own",
                    others.join(", "),
                    target.setting
                ),
            ));
        }
        return Ok(0);
    }
    let v: Option<i32> = client
        .query_one("SELECT max(version) FROM peerwell_schema", &[])
        .map_err(err)?
        .get(0);
    Ok(i64::from(v.unwrap_or(0)))
}

/// Refuses a schema newer than this build's.
pub fn check_version(target: &PgTarget, version: i64) -> Result<(), StoreError> {
    if version > VERSION {
        return Err(StoreError::TooNew {
            path: target.location(),
            found: version,
            supported: VERSION,
        });
    }
    Ok(())
}

/// Checks the version and brings the schema up to [`VERSION`], in one
/// transaction under the migration lock.
pub fn migrate(client: &mut Client, target: &PgTarget) -> Result<(), StoreError> {
    super::atomic(client, target, |client| {
        let err = |e| pg_error(target, &e);
        client
            .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(err)?;
        let version = version(client, target)?;
        check_version(target, version)?;
        for (step, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > version) {
            client.batch_execute(sql).map_err(err)?;
            let step = i32::try_from(*step).unwrap_or(i32::MAX);
            client
                .execute(
                    "INSERT INTO peerwell_schema (version) VALUES ($1)",
                    &[&step],
                )
                .map_err(err)?;
        }
        verify_tables(client, target)
    })
}

/// Every table of the schema is there.
pub fn verify_tables(client: &mut Client, target: &PgTarget) -> Result<(), StoreError> {
    for table in TABLES {
        let there: bool = client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[table])
            .map_err(|e| pg_error(target, &e))?
            .get(0);
        if !there {
            return Err(StoreError::corrupt(
                &target.location(),
                format!("it has a peerwell schema version but no `{table}` table"),
            ));
        }
    }
    Ok(())
}
