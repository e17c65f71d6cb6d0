//! Planning state in SQLite: what was published, so re-planning keeps it.
//!
//! The state file (`state.sqlite3` in the data directory) holds, per group,
//! the published series time, and per session (group id, index) its times,
//! attendee and absentee ids, the format's plan (title, agenda, roles,
//! notes — format-generated text only) as JSON, a content hash, the
//! SEQUENCE, whether it is active or cancelled, and when it last changed.
//! Nothing from an input calendar is stored: [`Session`] carries none.
//!
//! - [`Store::previous`] gives the planner the published series and the
//!   frozen sessions (starting within the freeze window).
//! - [`Store::changes`] compares a plan with the published state without
//!   writing; [`Store::commit`] writes it and says which SEQUENCE each
//!   session carries and which cancelled sessions to publish.
//!
//! The schema is versioned (`PRAGMA user_version`) with forward
//! migrations; the file uses WAL mode; every write is one transaction. A
//! damaged file or one from a newer peerwell is an error naming the file,
//! never a panic, and the policy files are never touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use rusqlite::Connection;

use peerwell_core::schedule::{Plan, Previous, Session};

mod changes;
mod codec;
pub mod outbox;
pub mod pending;
mod rows;
mod schema;
mod tokens;

pub use changes::{Changed, Changes, Commit, Moved, SessionRef};
pub use schema::VERSION as SCHEMA_VERSION;
pub use tokens::{TokenRow, new_token};

/// The state file's name inside the data directory.
pub const FILE_NAME: &str = "state.sqlite3";

/// Why the state could not be read or written. Every message names the
/// file and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The file is not a peerwell state database, or is damaged.
    #[error(
        "error: the planning state {path} is damaged or not a peerwell state file ({detail})\n  = hint: restore it from a backup; or move it aside (keep it for support) to start a new state, which gives every feed a new token (members must subscribe again) and republishes every session. Until then nothing is written; the policy files were not changed."
    )]
    Corrupt { path: PathBuf, detail: String },
    /// The file was written by a newer peerwell.
    #[error(
        "error: the planning state {path} has schema version {found}, but this peerwell reads up to version {supported}\n  = hint: run the newer peerwell that wrote it, or point `--data-dir` elsewhere. The file was not changed."
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// A dry run found a file that must be migrated first.
    #[error(
        "error: the planning state {path} has the older schema version {found}\n  = hint: run `peerwell export` once to migrate it; dry runs never write."
    )]
    NeedsMigration { path: PathBuf, found: i64 },
    /// Another process holds the file.
    #[error(
        "error: the planning state {path} is locked by another peerwell process\n  = hint: wait for it to finish and run again."
    )]
    Busy { path: PathBuf },
    /// The file system holding the file is full.
    #[error(
        "error: cannot write the planning state {path}: the disk is full\n  = hint: free space on the file system that holds it. Nothing was written; the daemon keeps serving the last good plan and retries, queuing every notice still owed, once a write succeeds."
    )]
    Full { path: PathBuf },
    /// The file, its folder or its file system is read-only.
    #[error(
        "error: cannot write the planning state {path}: {detail}\n  = hint: make the file and its folder writable for the user peerwell runs as (a read-only mount or file mode). Nothing was written; the daemon keeps serving the last good plan and retries."
    )]
    ReadOnly { path: PathBuf, detail: String },
    /// The file or its folder could not be read or written.
    #[error("error: cannot use the planning state {path}: {message}")]
    Io { path: PathBuf, message: String },
}

impl StoreError {
    fn from_sqlite(path: &Path, e: rusqlite::Error) -> StoreError {
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

    fn corrupt(path: &Path, detail: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: detail.into(),
        }
    }

    /// True when the file is there and sound but could not be written or
    /// opened just now (a full disk, a read-only mount, out of file
    /// descriptors, locked): trying again later can succeed by itself.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Full { .. }
                | StoreError::ReadOnly { .. }
                | StoreError::Busy { .. }
                | StoreError::Io { .. }
        )
    }
}

/// Whether a published session still takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Active,
    Cancelled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Cancelled => "cancelled",
        }
    }
}

/// One stored session.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    pub session: Session,
    pub sequence: u32,
    pub status: Status,
    /// The content hash of `session` (see [`content_hash`]).
    pub hash: String,
    /// When it was last revised, its DTSTAMP: the `now` of the commit that
    /// last raised its SEQUENCE, or for its first publication that `now`
    /// but no later than the start of the horizon it was planned in.
    pub changed_at: Timestamp,
}

/// A published series time, with the zone its local time is in.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSeries {
    pub series: peerwell_core::schedule::SeriesTime,
    /// IANA name of the group's zone when it was published.
    pub zone: String,
}

/// The content hash a session is stored with: 16 hex digits over its
/// times, members and plan.
pub fn content_hash(session: &Session) -> String {
    codec::content_hash(session)
}

/// The planning state file, open.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens the state file at `path` for reading and writing, creating it
    /// (and its folder) when missing and migrating an older schema.
    /// Opening twice is harmless: migrations run once.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            conn: schema::open_writable(path)?,
            path: path.to_path_buf(),
        })
    }

    /// Opens the state file for reading only, writing nothing at all (no
    /// file is created, nothing migrated). A missing file reads as an empty
    /// state.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let conn = match schema::open_read_only(path)? {
            Some(conn) => conn,
            None => schema::empty_in_memory(path)?,
        };
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The file this store reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every stored session, cancelled ones too, by (group id, index).
    pub fn sessions(&self) -> Result<BTreeMap<(String, u32), StoredSession>, StoreError> {
        rows::sessions(&self.conn, &self.path)
    }

    /// Every group's published series time, by group id.
    pub fn series(&self) -> Result<BTreeMap<String, StoredSeries>, StoreError> {
        rows::series(&self.conn, &self.path)
    }

    /// What the planner needs to keep published times: each group's series
    /// time, and the active sessions starting within `[now, now + freeze)`,
    /// verbatim.
    pub fn previous(&self, now: Timestamp, freeze: SignedDuration) -> Result<Previous, StoreError> {
        let until = now.checked_add(freeze).unwrap_or(Timestamp::MAX);
        let series = self
            .series()?
            .into_iter()
            .map(|(g, s)| (g, s.series))
            .collect();
        let (mut frozen, mut past) = (Vec::new(), Vec::new());
        for s in self.sessions()?.into_values() {
            if s.status != Status::Active {
                continue;
            }
            if s.session.start < now {
                past.push(s.session);
            } else if s.session.start < until {
                frozen.push(s.session);
            }
        }
        Ok(Previous {
            series,
            frozen,
            past,
        })
    }

    /// What committing `plan` at `now` would change, without writing.
    pub fn changes(&self, plan: &Plan, now: Timestamp) -> Result<Changes, StoreError> {
        Ok(changes::compare(&self.sessions()?, plan, now))
    }

    /// Writes `plan` as the published state at `now`, in one transaction:
    /// SEQUENCE stays for unchanged sessions and goes up by one for changed,
    /// moved and re-added ones; published active sessions in the future that
    /// the plan no longer holds are kept as cancelled with SEQUENCE + 1.
    /// `zones` gives each group's zone name for its series row.
    pub fn commit(
        &mut self,
        plan: &Plan,
        now: Timestamp,
        zones: &BTreeMap<String, String>,
    ) -> Result<Commit, StoreError> {
        self.commit_inner(plan, now, zones, false)
    }

    /// As [`Store::commit`], and records in the same transaction the change
    /// notices the commit owes members ([`pending`]), so that they are
    /// queued even when queuing them fails at first (a full disk) or the
    /// plan is replaced before its notices were queued.
    pub fn commit_announcing(
        &mut self,
        plan: &Plan,
        now: Timestamp,
        zones: &BTreeMap<String, String>,
    ) -> Result<Commit, StoreError> {
        self.commit_inner(plan, now, zones, true)
    }

    fn commit_inner(
        &mut self,
        plan: &Plan,
        now: Timestamp,
        zones: &BTreeMap<String, String>,
        announce: bool,
    ) -> Result<Commit, StoreError> {
        let stored = self.sessions()?;
        let changes = changes::compare(&stored, plan, now);
        let tx = self
            .conn
            .transaction()
            .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        rows::write(&tx, &self.path, &stored, plan, now, zones)?;
        if announce {
            pending::record(&tx, &self.path, &changes, now)?;
        }
        tx.commit()
            .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        let after = self.sessions()?;
        Ok(published(after, plan, now, changes))
    }
}

/// What the state publishes beside `plan` after a commit at `now`: the
/// SEQUENCE and revision time of every session it publishes, the
/// cancelled ones still to show, and the active ones that fall before the
/// plan's horizon but have not ended (a later `--from`), which stay
/// published as they are.
fn published(
    after: BTreeMap<(String, u32), StoredSession>,
    plan: &Plan,
    now: Timestamp,
    changes: Changes,
) -> Commit {
    let planned: std::collections::BTreeSet<(&str, u32)> = plan
        .sessions
        .iter()
        .map(|s| (s.group.as_str(), s.index))
        .collect();
    let horizon_start = plan.horizon.window().start;
    let mut commit = Commit {
        sequences: BTreeMap::new(),
        revised: BTreeMap::new(),
        cancelled: Vec::new(),
        earlier: Vec::new(),
        changes,
    };
    for ((group, index), s) in after {
        let in_plan = planned.contains(&(group.as_str(), index));
        let active = s.status == Status::Active;
        let withdrawn = !active && s.session.end > horizon_start;
        let earlier = !in_plan && active && s.session.start < horizon_start && s.session.end > now;
        if !(in_plan || withdrawn || earlier) {
            continue;
        }
        commit.revised.insert((group.clone(), index), s.changed_at);
        commit.sequences.insert((group, index), s.sequence);
        if withdrawn && !in_plan {
            commit.cancelled.push(s.session);
        } else if earlier {
            commit.earlier.push(s.session);
        }
    }
    let order =
        |a: &Session, b: &Session| (a.start, &a.group, a.index).cmp(&(b.start, &b.group, b.index));
    commit.cancelled.sort_by(order);
    commit.earlier.sort_by(order);
    commit
}

/// Puts `keep` into `plan` verbatim: each replaces the planned session with
/// the same (group, index), if any. Sessions stay sorted by start, then
/// group id, then index.
pub fn pin(plan: &mut Plan, keep: Vec<Session>) {
    if keep.is_empty() {
        return;
    }
    let keys: std::collections::BTreeSet<(String, u32)> =
        keep.iter().map(|s| (s.group.clone(), s.index)).collect();
    plan.sessions
        .retain(|s| !keys.contains(&(s.group.clone(), s.index)));
    plan.sessions.extend(keep);
    plan.sessions
        .sort_by(|a, b| (a.start, &a.group, a.index).cmp(&(b.start, &b.group, b.index)));
}

#[cfg(test)]
mod tests;
