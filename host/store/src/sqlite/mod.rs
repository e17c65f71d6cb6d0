//! The SQLite backend: the state in one file, `state.sqlite3` in the data
//! directory, written by one process at a time.
//!
//! - `schema`: opening, versioned schema (`PRAGMA user_version`), forward
//!   migrations, integrity checks, read-only opening for dry runs.
//! - `rows`: the `sessions` and `series` tables.
//! - `pending`: the `notices_pending` table.
//! - `tokens`: the `tokens` table.
//! - `absences`: the `absences` and `link_secret` tables.
//! - `outbox`: the `outbox` and `mail_alerts` tables.
//!
//! A plan commit takes the file's write lock when it begins (`BEGIN
//! IMMEDIATE`), so it is serialized with every other writer; a lock held
//! past the busy timeout (5 s) is [`StoreError::Busy`]. With one writer at a
//! time there is no lease to check: [`StateTx::fence`] accepts every
//! [`Writer`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::backend::{SessionKey, SessionRow, StateBackend, StateTx, Writer};
use crate::pending::PendingNotice;
use crate::{AbsenceRow, StoreError, StoredSeries, StoredSession, TokenRow};
use peerwell_core::feeds::FeedKey;
use peerwell_core::schedule::SeriesTime;

mod absences;
mod image;
mod outbox;
pub(crate) mod pending;
mod rows;
mod schema;
mod tokens;

/// The schema version this build writes; migrations run up to it.
pub const SCHEMA_VERSION: i64 = schema::VERSION;

impl StoreError {
    /// The error an SQLite failure on the file at `path` is.
    pub(crate) fn from_sqlite(path: &Path, e: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode;
        let path = path.to_path_buf();
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path,
                detail: e.to_string(),
            },
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy { path },
            Some(ErrorCode::DiskFull) => StoreError::Full { path },
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly {
                path,
                detail: e.to_string(),
            },
            _ => StoreError::Io {
                path,
                message: e.to_string(),
            },
        }
    }
}

/// The state in an SQLite file, open.
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
}

impl Sqlite {
    /// Opens the state file at `path` for reading and writing, creating it
    /// (and its folder) when missing and migrating an older schema.
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        Ok(Sqlite {
            conn: schema::open_writable(path)?,
            path: path.to_path_buf(),
        })
    }

    /// Opens the state file for reading only, writing nothing at all (no
    /// file is created, nothing migrated). A missing file reads as an empty
    /// state.
    pub fn open_read_only(path: &Path) -> Result<Sqlite, StoreError> {
        let conn = match schema::open_read_only(path)? {
            Some(conn) => conn,
            None => schema::empty_in_memory(path)?,
        };
        Ok(Sqlite {
            conn,
            path: path.to_path_buf(),
        })
    }
}

impl Sqlite {
    /// An empty state in memory, at the current schema, that lives as long
    /// as the value: for planning what a state would hold without writing
    /// any file. Its errors name `(in memory)`.
    pub fn in_memory() -> Result<Sqlite, StoreError> {
        let path = PathBuf::from("(in memory)");
        Ok(Sqlite {
            conn: schema::empty_in_memory(&path)?,
            path,
        })
    }
}

impl StateBackend for Sqlite {
    fn location(&self) -> &Path {
        &self.path
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        schema::user_version(&self.conn, &self.path)
    }

    fn sessions(&self) -> Result<BTreeMap<SessionKey, StoredSession>, StoreError> {
        rows::sessions(&self.conn, &self.path)
    }

    fn series(&self) -> Result<BTreeMap<String, StoredSeries>, StoreError> {
        rows::series(&self.conn, &self.path)
    }

    fn pending(&self) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError> {
        pending::list(&self.conn, &self.path)
    }

    fn begin(&mut self) -> Result<Box<dyn StateTx + '_>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        Ok(Box::new(SqliteTx {
            tx,
            path: &self.path,
        }))
    }

    fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        tokens::list(&self.conn, &self.path)
    }

    fn add_tokens(&mut self, new: &[(FeedKey, String)], now: Timestamp) -> Result<(), StoreError> {
        tokens::add(&mut self.conn, &self.path, new, now)
    }

    fn revoke_token(&mut self, token: &str, now: Timestamp) -> Result<Option<FeedKey>, StoreError> {
        tokens::revoke(&self.conn, &self.path, token, now)
    }

    fn replace_token(
        &mut self,
        feed: &FeedKey,
        new: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError> {
        tokens::replace(&mut self.conn, &self.path, feed, new, now)
    }

    fn absences(&self) -> Result<Vec<AbsenceRow>, StoreError> {
        absences::list(&self.conn, &self.path)
    }

    fn add_absence(&mut self, row: &AbsenceRow) -> Result<bool, StoreError> {
        absences::add(&self.conn, &self.path, row)
    }

    fn remove_absence(
        &mut self,
        group: &str,
        index: u32,
        member: &str,
    ) -> Result<bool, StoreError> {
        absences::remove(&self.conn, &self.path, (group, index, member))
    }

    fn link_secret(&mut self, fresh: &[u8], now: Timestamp) -> Result<Vec<u8>, StoreError> {
        absences::secret(&mut self.conn, &self.path, fresh, now)
    }
}

/// A plan commit on the SQLite file: holds its write lock until it ends.
struct SqliteTx<'c> {
    tx: Transaction<'c>,
    path: &'c Path,
}

impl StateTx for SqliteTx<'_> {
    fn fence(&mut self, _writer: Writer) -> Result<(), StoreError> {
        Ok(())
    }

    fn sessions(&mut self) -> Result<BTreeMap<SessionKey, StoredSession>, StoreError> {
        rows::sessions(&self.tx, self.path)
    }

    fn put_session(&mut self, row: SessionRow<'_>) -> Result<(), StoreError> {
        rows::put_session(&self.tx, self.path, row)
    }

    fn cancel_session(
        &mut self,
        group: &str,
        index: u32,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        rows::cancel_session(&self.tx, self.path, (group, index), now)
    }

    fn put_series(
        &mut self,
        group: &str,
        series: SeriesTime,
        zone: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        rows::put_series(&self.tx, self.path, group, (series, zone), now)
    }

    fn pending(&mut self) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError> {
        pending::list(&self.tx, self.path)
    }

    fn put_pending(
        &mut self,
        (group, index): &SessionKey,
        notice: Option<&PendingNotice>,
    ) -> Result<(), StoreError> {
        pending::put(&self.tx, self.path, (group, *index), notice)
    }

    fn drop_pending_started(&mut self, now: Timestamp) -> Result<(), StoreError> {
        pending::drop_started(&self.tx, self.path, now)
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let SqliteTx { tx, path } = *self;
        tx.commit().map_err(|e| StoreError::from_sqlite(path, e))
    }
}
