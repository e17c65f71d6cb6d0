//! Planning state: what was published, so re-planning keeps it, the feed
//! tokens, and the reminder outbox.
//!
//! The state holds, per group, the published series time, and per session
//! (group id, index) its times, attendee and absentee ids, the format's
//! plan (title, agenda, roles, notes — format-generated text only), a
//! content hash, the SEQUENCE, whether it is active or cancelled, and when
//! it last changed. Nothing from an input calendar is stored: [`Session`]
//! carries none.
//!
//! - [`Store::previous`] gives the planner the published series and the
//!   frozen sessions (starting within the freeze window).
//! - [`Store::changes`] compares a plan with the published state without
//!   writing; [`Store::commit`] writes it and says which SEQUENCE each
//!   session carries and which cancelled sessions to publish.
//!
//! The state lives in a backend behind [`backend::StateBackend`] and
//! [`backend::OutboxBackend`]; SQLite ([`sqlite::Sqlite`], the file
//! `state.sqlite3` in the data directory) is the embedded one, PostgreSQL
//! ([`postgres::Postgres`], chosen by a [`StateLocation`]) the one several
//! replicas share. The SQLite schema is
//! versioned (`PRAGMA user_version`) with forward migrations; the file uses
//! WAL mode; every write is one transaction. A damaged file or one from a
//! newer peerwell is an error naming the file, never a panic, and the
//! policy files are never touched.
//!
//! # Layout
//!
//! - `lib.rs`: [`Store`], the published state and tokens as the binary
//!   uses them, and the stored types ([`StoredSession`], [`StoredSeries`]).
//! - [`backend`]: the traits a backend implements and their contract (what
//!   is atomic, what may run concurrently, fencing, claims, migrations).
//! - `changes`: comparing a plan with the published state ([`Changes`],
//!   [`Commit`]); no I/O.
//! - `commit`: which rows a plan commit writes (SEQUENCE rules,
//!   cancellations, series), through a [`backend::StateTx`].
//! - [`pending`]: change notices owed to members and how they merge.
//! - [`outbox`]: the reminder outbox ([`outbox::Outbox`]) and its types.
//! - `tokens`: feed tokens ([`TokenRow`], [`new_token`]).
//! - `absences`: declared absences ([`AbsenceRow`]) and the secret absence
//!   links are signed with.
//! - `codec`: sessions to and from stored text (JSON, seconds, hash).
//! - [`sqlite`]: the SQLite backend: schema and migrations, rows, tokens,
//!   outbox and owed notices in SQL.
//! - [`postgres`]: the PostgreSQL backend: the URL and password sources,
//!   TLS, versioned migrations, the same rows in SQL, the lease row every
//!   commit and outbox write is fenced by.
//! - [`replica`]: leadership among replicas (the lease, by the database
//!   clock) and the publication a leader's commit writes for followers.
//! - [`image`]: every row of a state, for `state migrate` and `state check`.
//! - `location`: which backend a state lives in ([`StateLocation`]).
//! - `error`: [`StoreError`].

#![deny(missing_docs)]

use std::collections::BTreeMap;
use std::path::Path;

use jiff::{SignedDuration, Timestamp};

use peerwell_core::schedule::{Plan, Previous, Session};

mod absences;
pub mod backend;
mod changes;
mod codec;
mod commit;
mod error;
pub mod image;
mod location;
pub mod outbox;
pub mod pending;
pub mod postgres;
pub mod replica;
pub mod sqlite;
mod tokens;

#[cfg(test)]
mod contract;
#[cfg(test)]
#[path = "postgres/tests.rs"]
mod postgres_tests;

pub use absences::{AbsenceRow, AbsenceSource, SECRET_BYTES};
use backend::{StateBackend, Writer};
pub use changes::{Changed, Changes, Commit, Moved, SessionRef};
pub use error::StoreError;
pub use location::{StateConfig, StateLocation, URL_ENV};
pub use sqlite::SCHEMA_VERSION;
pub use tokens::{TokenRow, new_token};

/// The state file's name inside the data directory.
pub const FILE_NAME: &str = "state.sqlite3";

/// Whether a published session still takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// It takes place.
    Active,
    /// It was withdrawn; feeds show it cancelled.
    Cancelled,
}

impl Status {
    /// The name stored.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Cancelled => "cancelled",
        }
    }
}

/// One stored session.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSession {
    /// The session as published.
    pub session: Session,
    /// Its SEQUENCE.
    pub sequence: u32,
    /// Whether it takes place.
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
    /// The weekday and local start time.
    pub series: peerwell_core::schedule::SeriesTime,
    /// IANA name of the group's zone when it was published.
    pub zone: String,
}

/// The content hash a session is stored with: 16 hex digits over its
/// times, members and plan.
pub fn content_hash(session: &Session) -> String {
    codec::content_hash(session)
}

/// The planning state, open: published series and sessions, and feed
/// tokens (`tokens.rs`), in whichever backend holds them.
pub struct Store {
    backend: Box<dyn StateBackend>,
    writer: Writer,
    /// Whether each plan commit also writes a publication for followers.
    publishing: bool,
}

impl Store {
    /// Opens the SQLite state file at `path` for reading and writing,
    /// creating it (and its folder) when missing and migrating an older
    /// schema. Opening twice is harmless: migrations run once.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store::with_backend(Box::new(sqlite::Sqlite::open(path)?)))
    }

    /// Opens the SQLite state file for reading only, writing nothing at all
    /// (no file is created, nothing migrated). A missing file reads as an
    /// empty state.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        Ok(Store::with_backend(Box::new(
            sqlite::Sqlite::open_read_only(path)?,
        )))
    }

    /// Opens the state at `location` for reading and writing (SQLite:
    /// [`Store::open`]; PostgreSQL: connects and migrates the schema).
    pub fn open_location(location: &StateLocation) -> Result<Store, StoreError> {
        Ok(Store::with_backend(open_backend(location)?.into_state()))
    }

    /// Opens the state at `location` for reading only, writing nothing.
    pub fn open_location_read_only(location: &StateLocation) -> Result<Store, StoreError> {
        Ok(Store::with_backend(
            open_backend_read_only(location)?.into_state(),
        ))
    }

    /// The state held by `backend`, written as [`Writer::Sole`].
    pub fn with_backend(backend: Box<dyn StateBackend>) -> Store {
        Store {
            backend,
            writer: Writer::Sole,
            publishing: false,
        }
    }

    /// Whether every later plan commit also writes, in its transaction, the
    /// publication followers serve ([`replica`], [`backend::StateTx::publish`]).
    pub fn set_publishing(&mut self, publishing: bool) {
        self.publishing = publishing;
    }

    /// A copy of this whole state in memory (SQLite), read in one snapshot
    /// ([`image::Imaging`]): what a caller may plan and commit ahead
    /// against without writing here.
    pub fn copy_in_memory(&self) -> Result<Store, StoreError> {
        let mut memory = sqlite::Sqlite::in_memory()?;
        image::Imaging::restore(&mut memory, &self.backend.dump()?)?;
        Ok(Store::with_backend(Box::new(memory)))
    }

    /// Sets who this process writes as: every later commit is fenced
    /// against it ([`backend::StateTx::fence`]).
    pub fn set_writer(&mut self, writer: Writer) {
        self.writer = writer;
    }

    /// The file this store reads (what its errors name).
    pub fn path(&self) -> &Path {
        self.backend.location()
    }

    /// The schema version of the state.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.backend.schema_version()
    }

    /// Every stored session, cancelled ones too, by (group id, index).
    pub fn sessions(&self) -> Result<BTreeMap<(String, u32), StoredSession>, StoreError> {
        self.backend.sessions()
    }

    /// Every group's published series time, by group id.
    pub fn series(&self) -> Result<BTreeMap<String, StoredSeries>, StoreError> {
        self.backend.series()
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
            absent: self.absent()?,
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
        let writer = self.writer;
        let mut tx = self.backend.begin()?;
        tx.fence(writer)?;
        let stored = tx.sessions()?;
        let changes = changes::compare(&stored, plan, now);
        commit::write(&mut *tx, &stored, plan, now, zones)?;
        if announce {
            pending::record(&mut *tx, &changes, now)?;
        }
        let after = tx.sessions()?;
        let commit = published(after, plan, now, changes);
        if self.publishing {
            tx.publish(&replica::encode(plan, &commit, now))?;
        }
        tx.commit()?;
        Ok(commit)
    }
}

/// A handle on the state at `location`, opened for writing.
pub(crate) fn open_backend(
    location: &StateLocation,
) -> Result<Box<dyn StateBackendAll>, StoreError> {
    Ok(match location {
        StateLocation::Sqlite(p) => Box::new(sqlite::Sqlite::open(p)?),
        StateLocation::Postgres(t) => Box::new(postgres::Postgres::open(t.clone())?),
    })
}

/// A handle on the state at `location`, opened for reading only.
pub(crate) fn open_backend_read_only(
    location: &StateLocation,
) -> Result<Box<dyn StateBackendAll>, StoreError> {
    Ok(match location {
        StateLocation::Sqlite(p) => Box::new(sqlite::Sqlite::open_read_only(p)?),
        StateLocation::Postgres(t) => Box::new(postgres::Postgres::open_read_only(t.clone())?),
    })
}

/// A backend holding both the published state and the outbox.
pub(crate) trait StateBackendAll: StateBackend + backend::OutboxBackend {
    fn into_state(self: Box<Self>) -> Box<dyn StateBackend>;
    fn into_outbox(self: Box<Self>) -> Box<dyn backend::OutboxBackend>;
}

impl<T: StateBackend + backend::OutboxBackend + 'static> StateBackendAll for T {
    fn into_state(self: Box<Self>) -> Box<dyn StateBackend> {
        self
    }
    fn into_outbox(self: Box<Self>) -> Box<dyn backend::OutboxBackend> {
        self
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
