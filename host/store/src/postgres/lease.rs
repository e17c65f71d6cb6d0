//! Leadership and plan publications on PostgreSQL ([`PgCoordinator`]):
//! the lease row of `peerwell_lease` (version 1) and the publication row of
//! `peerwell_publication` (version 2). Every time is the database's
//! `now()`; a process's own clock never decides who leads.
//!
//! - Taking the lease: one `UPDATE` that raises the generation and names
//!   the new holder, only when the lease expired (or this process was its
//!   last holder); the row lock serializes contenders, so exactly one wins
//!   each expiry. It waits for any plan commit or outbox write holding the
//!   row `FOR SHARE` (see the backend's fencing), so a commit either ends
//!   before the takeover or is refused after it.
//! - Renewing: extends the expiry only while the generation is still this
//!   process's.
//! - Publishing ([`publish`]): inside the plan commit's transaction, after
//!   its fence.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use postgres::Client;

use super::connect::{self, pg_error};
use super::target::PgTarget;
use crate::StoreError;
use crate::replica::{Coordinator, Lease};

/// The lease and publications of one database, on a connection of its own
/// (connected again after it was lost).
pub struct PgCoordinator {
    client: Option<Client>,
    target: Arc<PgTarget>,
    path: PathBuf,
    /// Whether this coordinator brought the schema up to date already.
    migrated: bool,
}

impl PgCoordinator {
    /// A coordinator for `target`; it connects at its first call, and
    /// brings the schema up to date on its first connection (refusing a
    /// newer schema or another application's tables, as the state does).
    pub fn new(target: Arc<PgTarget>) -> PgCoordinator {
        PgCoordinator {
            client: None,
            path: target.location(),
            target,
            migrated: false,
        }
    }

    fn client(&mut self) -> Result<&mut Client, StoreError> {
        let client = match self.client.take() {
            Some(c) if !c.is_closed() => c,
            _ => {
                let mut c = connect::connect(&self.target, false)?;
                if !self.migrated {
                    super::schema::migrate(&mut c, &self.target)?;
                    self.migrated = true;
                }
                c
            }
        };
        Ok(self.client.insert(client))
    }

    /// Runs one statement returning at most one row; a lost connection is
    /// dropped so the next call connects again.
    fn one(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Option<postgres::Row>, StoreError> {
        let target = self.target.clone();
        let result = self.client()?.query_opt(sql, params);
        result.map_err(|e| {
            if e.is_closed() {
                self.client = None;
            }
            pg_error(&target, &e)
        })
    }
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn generation(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

impl Coordinator for PgCoordinator {
    fn location(&self) -> &Path {
        &self.path
    }

    fn acquire(&mut self, me: &str, timeout: Duration) -> Result<Option<u64>, StoreError> {
        let row = self.one(
            "UPDATE peerwell_lease SET generation = generation + 1, holder = $1, \
             renewed_at = now(), expires_at = now() + make_interval(secs => $2) \
             WHERE id = 1 AND (expires_at < now() OR holder = $1) RETURNING generation",
            &[&me, &seconds(timeout)],
        )?;
        Ok(row.map(|r| generation(r.get(0))))
    }

    fn renew(&mut self, me: &str, held: u64, timeout: Duration) -> Result<bool, StoreError> {
        let held = i64::try_from(held).unwrap_or(i64::MAX);
        let row = self.one(
            "UPDATE peerwell_lease SET renewed_at = now(), \
             expires_at = now() + make_interval(secs => $3) \
             WHERE id = 1 AND holder = $1 AND generation = $2 RETURNING generation",
            &[&me, &held, &seconds(timeout)],
        )?;
        Ok(row.is_some())
    }

    fn release(&mut self, me: &str, held: u64) -> Result<(), StoreError> {
        let held = i64::try_from(held).unwrap_or(i64::MAX);
        self.one(
            "UPDATE peerwell_lease SET expires_at = now() \
             WHERE id = 1 AND holder = $1 AND generation = $2 RETURNING generation",
            &[&me, &held],
        )
        .map(drop)
    }

    fn lease(&mut self) -> Result<Lease, StoreError> {
        let row = self.one(
            "SELECT generation, holder, \
             greatest(extract(epoch FROM now() - renewed_at), 0)::float8, \
             expires_at > now() FROM peerwell_lease WHERE id = 1",
            &[],
        )?;
        let row = row.ok_or_else(|| StoreError::corrupt(&self.path, "the lease row is missing"))?;
        Ok(Lease {
            generation: generation(row.get(0)),
            holder: row.get(1),
            age: Duration::try_from_secs_f64(row.get(2)).unwrap_or_default(),
            live: row.get(3),
        })
    }

    fn published_generation(&mut self) -> Result<Option<u64>, StoreError> {
        let row = self.one(
            "SELECT generation FROM peerwell_publication WHERE id = 1",
            &[],
        )?;
        Ok(row.map(|r| generation(r.get(0))))
    }

    fn publication(&mut self) -> Result<Option<(u64, String)>, StoreError> {
        let row = self.one(
            "SELECT generation, body FROM peerwell_publication WHERE id = 1",
            &[],
        )?;
        Ok(row.map(|r| (generation(r.get(0)), r.get(1))))
    }
}

/// Records `body` as the latest publication on `client`, inside the plan
/// commit's transaction (already fenced), for a writer holding lease
/// `lease` (0: a sole writer); the new publication generation.
pub fn publish(
    client: &mut Client,
    target: &PgTarget,
    lease: u64,
    body: &str,
) -> Result<u64, StoreError> {
    let lease = i64::try_from(lease).unwrap_or(i64::MAX);
    let row = client
        .query_one(
            "INSERT INTO peerwell_publication \
             (id, generation, lease_generation, published_at, body) \
             VALUES (1, 1, $1, now(), $2) \
             ON CONFLICT (id) DO UPDATE SET \
             generation = peerwell_publication.generation + 1, \
             lease_generation = EXCLUDED.lease_generation, \
             published_at = EXCLUDED.published_at, body = EXCLUDED.body \
             RETURNING generation",
            &[&lease, &body],
        )
        .map_err(|e| pg_error(target, &e))?;
    Ok(generation(row.get(0)))
}

#[cfg(test)]
mod tests;
