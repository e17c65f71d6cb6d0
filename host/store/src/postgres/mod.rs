//! The PostgreSQL backend: the state in a database several peerwell
//! processes share (`[state] url = "postgres://…"` or `PEERWELL_STATE_URL`).
//!
//! - `target`: [`PgTarget`], the URL (without credentials in every message)
//!   and the password's source (environment or `.pgpass`-format file).
//! - `connect`: TLS (`sslmode` disable/prefer/require/verify-ca/verify-full,
//!   rustls), connect timeout, keepalives, error mapping.
//! - `schema`: versioned migrations (`migrations/NNNN_name.sql`).
//! - `rows`, `tokens`, `outbox`, `absences`: the queries of the SQLite
//!   backend, ported.
//!
//! # Design
//!
//! **Crate.** The synchronous `postgres` client: the store's traits are
//! synchronous and the daemon already calls the store from blocking
//! threads, so an async client (or a pool) would only add a runtime
//! inside each call. One connection per handle; a handle whose connection
//! was lost reconnects at its next call. (A `postgres::Client` must not be
//! used on a tokio runtime thread: callers use `spawn_blocking` or plain
//! threads.) TLS is rustls with the ring provider, which the mail
//! transport already builds.
//!
//! **Values.** Times are `timestamptz` in whole seconds; sessions' JSON,
//! dates and times of day are the codec's text, byte for byte what the
//! SQLite backend stores, so both read back identical values. Keys sort
//! with `COLLATE "C"` (byte order, as SQLite sorts).
//!
//! **Serialized plan commits.** [`StateBackend::begin`] opens a
//! `READ COMMITTED` transaction and takes the transaction-level advisory
//! lock [`PLAN_LOCK`]; every plan commit, and every outbox write that
//! settles owed notices, takes it, so the sessions and owed notices a plan
//! commit reads are unchanged until it ends. The lock is not the lease row,
//! so a sole writer (a CLI command) never blocks a takeover.
//!
//! **Fencing.** The lease is the single row of `peerwell_lease`
//! (generation, holder, times from the database clock). For
//! [`Writer::Leader`] `{ generation: g }`, [`StateTx::fence`] and every
//! outbox write run `SELECT generation, expires_at > now() FROM
//! peerwell_lease WHERE id = 1 FOR SHARE` inside their transaction and go
//! on only on `(g, true)`, else [`StoreError::Fenced`] with nothing
//! written. The `FOR SHARE` row lock makes a takeover's `UPDATE` of the
//! lease wait for the transaction in flight: a commit either ends before
//! the takeover or is refused after it. A process paused inside a
//! transaction cannot hold the row for ever: every session runs with
//! `idle_in_transaction_session_timeout` ([`connect::IDLE_IN_TRANSACTION`]),
//! after which the server ends it and rolls it back. [`Writer::Sole`] is
//! not checked against the lease (a CLI command, or `peerwell serve` alone).
//! Outbox claims record the claimant's generation; recovery requeues only
//! rows claimed under an older one.

use std::cell::{RefCell, RefMut};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use postgres::Client;

use crate::backend::{SessionKey, SessionRow, StateBackend, StateTx, Writer};
use crate::pending::PendingNotice;
use crate::{AbsenceRow, StoreError, StoredSeries, StoredSession, TokenRow};
use peerwell_core::feeds::FeedKey;
use peerwell_core::schedule::SeriesTime;

mod absences;
pub mod connect;
mod image;
pub mod lease;
mod outbox;
mod rows;
pub mod schema;
mod target;
mod tokens;

pub use schema::VERSION as SCHEMA_VERSION;
pub use target::{DEFAULT_PASSWORD_ENV, PasswordSource, PgTarget, TlsMode};

/// The transaction-level advisory lock every plan commit holds ("PWel").
pub const PLAN_LOCK: i64 = 0x5057_656c;

/// The state in a PostgreSQL database, open.
pub struct Postgres {
    client: RefCell<Conn>,
    target: Arc<PgTarget>,
    path: PathBuf,
    read_only: bool,
    /// The database has no peerwell schema yet (read-only opening only):
    /// every read is empty.
    empty: bool,
    writer: Writer,
    in_tx: bool,
}

/// A connection that, dropped on a thread of an async runtime (where the
/// synchronous client's own close would start a runtime inside a runtime
/// and panic), is closed on a plain thread instead.
pub(crate) struct Conn(Option<Client>);

impl Conn {
    fn client(&mut self) -> &mut Client {
        self.0
            .as_mut()
            .expect("a connection is there until it is dropped")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(client) = self.0.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            std::thread::spawn(move || drop(client));
        }
    }
}

/// Whether the connection still answers.
fn live(client: &mut Client) -> bool {
    !client.is_closed() && client.is_valid(std::time::Duration::from_secs(5)).is_ok()
}

/// Runs `f` in one transaction on `client`: committed when it returns
/// `Ok`, rolled back otherwise.
pub(crate) fn atomic<R>(
    client: &mut Client,
    target: &PgTarget,
    f: impl FnOnce(&mut Client) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    client
        .batch_execute("BEGIN")
        .map_err(|e| connect::pg_error(target, &e))?;
    match f(client) {
        Ok(r) => {
            client
                .batch_execute("COMMIT")
                .map_err(|e| connect::pg_error(target, &e))?;
            Ok(r)
        }
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

/// Takes the plan-commit lock for the rest of the transaction.
pub(crate) fn plan_lock(client: &mut Client, target: &PgTarget) -> Result<(), StoreError> {
    client
        .execute("SELECT pg_advisory_xact_lock($1)", &[&PLAN_LOCK])
        .map(drop)
        .map_err(|e| connect::pg_error(target, &e))
}

/// Refuses the transaction unless `writer` may write (see the module's
/// design): a leader's generation must be the lease's current one and the
/// lease unexpired by the database's clock. Locks the lease row `FOR SHARE`
/// until the transaction ends.
pub fn fence(client: &mut Client, target: &PgTarget, writer: Writer) -> Result<(), StoreError> {
    let Writer::Leader { generation } = writer else {
        return Ok(());
    };
    let row = client
        .query_one(
            "SELECT generation, expires_at > now() FROM peerwell_lease WHERE id = 1 FOR SHARE",
            &[],
        )
        .map_err(|e| connect::pg_error(target, &e))?;
    let (current, live): (i64, bool) = (row.get(0), row.get(1));
    let current = u64::try_from(current).unwrap_or(0);
    if current == generation && live {
        return Ok(());
    }
    Err(StoreError::Fenced {
        path: target.location(),
        held: generation,
        current,
    })
}

impl Postgres {
    /// Connects to `target` for reading and writing, creating or migrating
    /// the schema. A database holding another application's tables, or a
    /// schema from a newer peerwell, is refused and left unchanged.
    pub fn open(target: Arc<PgTarget>) -> Result<Postgres, StoreError> {
        let mut client = connect::connect(&target, false)?;
        schema::migrate(&mut client, &target)?;
        Ok(Postgres::with_client(client, target, false, false))
    }

    /// Connects to `target` for reading only: nothing is created or
    /// migrated, every transaction is read-only. A database without a
    /// peerwell schema reads as an empty state.
    pub fn open_read_only(target: Arc<PgTarget>) -> Result<Postgres, StoreError> {
        let mut client = connect::connect(&target, true)?;
        let version = schema::version(&mut client, &target)?;
        schema::check_version(&target, version)?;
        if version > 0 {
            schema::verify_tables(&mut client, &target)?;
        }
        Ok(Postgres::with_client(client, target, true, version == 0))
    }

    fn with_client(client: Client, target: Arc<PgTarget>, read_only: bool, empty: bool) -> Self {
        Postgres {
            client: RefCell::new(Conn(Some(client))),
            path: target.location(),
            target,
            read_only,
            empty,
            writer: Writer::Sole,
            in_tx: false,
        }
    }

    /// The database this handle connects to.
    pub fn target(&self) -> &PgTarget {
        &self.target
    }

    /// The connection, connected again first when it was lost (the server
    /// restarted, the network dropped it): checked with an empty query, so
    /// a handle recovers by itself at its next call.
    fn client_mut(&mut self) -> Result<&mut Client, StoreError> {
        let conn = self.client.get_mut();
        if !live(conn.client()) {
            *conn = Conn(Some(connect::connect(&self.target, self.read_only)?));
            if std::mem::take(&mut self.in_tx) {
                // The server rolled back the transaction begun on the lost
                // connection: the caller must not go on as if it were open.
                return Err(StoreError::Unavailable {
                    path: self.path.clone(),
                    setting: self.target.setting.clone(),
                    detail: "the connection was lost inside a transaction".to_string(),
                    hint: "nothing of that transaction was written; it is tried again".to_string(),
                });
            }
        }
        Ok(self.client.get_mut().client())
    }

    fn client_ref(&self) -> Result<RefMut<'_, Client>, StoreError> {
        let mut conn = self.client.borrow_mut();
        if !live(conn.client()) {
            *conn = Conn(Some(connect::connect(&self.target, self.read_only)?));
        }
        Ok(RefMut::map(conn, Conn::client))
    }

    /// Runs a reading query; an unmigrated database (read-only opening)
    /// reads as empty.
    fn read<R: Default>(
        &self,
        f: impl FnOnce(&mut Client, &PgTarget) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        if self.empty {
            return Ok(R::default());
        }
        f(&mut *self.client_ref()?, &self.target)
    }

    /// Runs `f` in a transaction of its own.
    fn write<R>(
        &mut self,
        f: impl FnOnce(&mut Client, &PgTarget) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let target = self.target.clone();
        let client = self.client_mut()?;
        atomic(client, &target, |c| f(c, &target))
    }
}

impl StateBackend for Postgres {
    fn location(&self) -> &Path {
        &self.path
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        if self.empty {
            return Ok(0);
        }
        schema::version(&mut *self.client_ref()?, &self.target)
    }

    fn sessions(&self) -> Result<BTreeMap<SessionKey, StoredSession>, StoreError> {
        self.read(rows::sessions)
    }

    fn series(&self) -> Result<BTreeMap<String, StoredSeries>, StoreError> {
        self.read(rows::series)
    }

    fn pending(&self) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError> {
        self.read(rows::pending)
    }

    fn begin(&mut self) -> Result<Box<dyn StateTx + '_>, StoreError> {
        let target = self.target.clone();
        let client = self.client_mut()?;
        client
            .batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            .map_err(|e| connect::pg_error(&target, &e))?;
        let tx = PgTx {
            client,
            target,
            open: true,
            lease: 0,
            put_session_statement: None,
        };
        plan_lock(tx.client, &tx.target)?;
        Ok(Box::new(tx))
    }

    fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        self.read(tokens::list)
    }

    fn add_tokens(&mut self, new: &[(FeedKey, String)], now: Timestamp) -> Result<(), StoreError> {
        self.write(|c, t| tokens::add(c, t, new, now))
    }

    fn revoke_token(&mut self, token: &str, now: Timestamp) -> Result<Option<FeedKey>, StoreError> {
        self.write(|c, t| tokens::revoke(c, t, token, now))
    }

    fn replace_token(
        &mut self,
        feed: &FeedKey,
        new: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        self.write(|c, t| tokens::replace(c, t, feed, new, now))
    }

    fn absences(&self) -> Result<Vec<AbsenceRow>, StoreError> {
        self.read(absences::list)
    }

    fn add_absence(&mut self, row: &AbsenceRow) -> Result<bool, StoreError> {
        self.write(|c, t| absences::add(c, t, row))
    }

    fn remove_absence(
        &mut self,
        group: &str,
        index: u32,
        member: &str,
    ) -> Result<bool, StoreError> {
        self.write(|c, t| absences::remove(c, t, (group, index, member)))
    }

    fn link_secret(&mut self, fresh: &[u8], now: Timestamp) -> Result<Vec<u8>, StoreError> {
        self.write(|c, t| absences::secret(c, t, fresh, now))
    }
}

/// A plan commit on PostgreSQL: an open transaction holding [`PLAN_LOCK`];
/// rolled back when dropped uncommitted.
struct PgTx<'c> {
    client: &'c mut Client,
    target: Arc<PgTarget>,
    open: bool,
    /// The lease generation the transaction was fenced for (0: sole).
    lease: u64,
    /// [`rows::PUT_SESSION`], prepared at its first use (a first commit
    /// writes every session: one round trip each instead of two).
    put_session_statement: Option<postgres::Statement>,
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}

impl StateTx for PgTx<'_> {
    fn fence(&mut self, writer: Writer) -> Result<(), StoreError> {
        if let Writer::Leader { generation } = writer {
            self.lease = generation;
        }
        fence(self.client, &self.target, writer)
    }

    fn publish(&mut self, publication: &str) -> Result<(), StoreError> {
        lease::publish(self.client, &self.target, self.lease, publication).map(drop)
    }

    fn sessions(&mut self) -> Result<BTreeMap<SessionKey, StoredSession>, StoreError> {
        rows::sessions(self.client, &self.target)
    }

    fn put_session(&mut self, row: SessionRow<'_>) -> Result<(), StoreError> {
        let statement = match &self.put_session_statement {
            Some(s) => s.clone(),
            None => {
                let s = self
                    .client
                    .prepare(rows::PUT_SESSION)
                    .map_err(|e| connect::pg_error(&self.target, &e))?;
                self.put_session_statement.insert(s).clone()
            }
        };
        rows::put_session(self.client, &self.target, &statement, row)
    }

    fn cancel_session(
        &mut self,
        group: &str,
        index: u32,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        rows::cancel_session(self.client, &self.target, (group, index), now)
    }

    fn put_series(
        &mut self,
        group: &str,
        series: SeriesTime,
        zone: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        rows::put_series(self.client, &self.target, group, (series, zone), now)
    }

    fn pending(&mut self) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError> {
        rows::pending(self.client, &self.target)
    }

    fn put_pending(
        &mut self,
        (group, index): &SessionKey,
        notice: Option<&PendingNotice>,
    ) -> Result<(), StoreError> {
        rows::put_pending(self.client, &self.target, (group, *index), notice)
    }

    fn drop_pending_started(&mut self, now: Timestamp) -> Result<(), StoreError> {
        rows::drop_started(self.client, &self.target, now)
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.open = false;
        self.client
            .batch_execute("COMMIT")
            .map_err(|e| connect::pg_error(&self.target, &e))
    }
}
