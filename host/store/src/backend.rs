//! The interface every state backend implements: the published state and
//! feed tokens ([`StateBackend`], written through a [`StateTx`]) and the
//! reminder outbox ([`OutboxBackend`]).
//!
//! [`crate::Store`] and [`crate::outbox::Outbox`] hold one of these and
//! keep every rule about *what* to write (SEQUENCE numbers, which sessions
//! a plan cancels, how owed notices merge, which outbox rows a newer
//! version may replace); a backend only stores and reads rows, so a rule
//! is written once for every backend.
//!
//! # Contract
//!
//! A backend may be an embedded file one process writes at a time
//! (SQLite, [`crate::sqlite::Sqlite`]) or a networked database several
//! processes share at once. What every backend must guarantee:
//!
//! - **Atomic writes.** Everything done through one [`StateTx`] is applied
//!   by [`StateTx::commit`] all together or, when the transaction is
//!   dropped uncommitted or commit fails, not at all. Every other writing
//!   method is one transaction of its own, as is everything between
//!   [`OutboxBackend::begin`] and [`OutboxBackend::commit`].
//! - **Serialized plan commits.** While a [`StateTx`] is open, no other
//!   transaction — of this process or another — writes the rows it read:
//!   the sessions and owed notices it returns are still what is stored
//!   when it commits (an embedded file takes its write lock when the
//!   transaction begins; a networked database locks the rows it reads, or
//!   runs the transaction serializable and reports a conflict as
//!   [`StoreError::Busy`]).
//! - **Fencing.** [`StateTx::fence`] runs first in every plan commit: a
//!   backend that several processes write must refuse the transaction
//!   ([`StoreError::Fenced`]) when the caller's [`Writer`] lost its lease
//!   (a newer lease generation exists), checked inside the transaction so a
//!   paused leader can never commit after another took over. A backend with
//!   a single writer per file accepts [`Writer::Sole`].
//! - **Exclusive outbox claims.** [`OutboxBackend::claim_due`] marks the
//!   rows it returns `sending` in the same transaction that selects them;
//!   two concurrent callers never get the same row (a networked database
//!   selects with `FOR UPDATE SKIP LOCKED`). A row already `sending` or
//!   `sent` is never replaced ([`OutboxBackend::write_messages`] checks the
//!   row's state in the write itself, not in an earlier read).
//! - **Concurrent reads.** Every reading method sees one committed state
//!   (never half a transaction) and may run while other processes write.
//!   Reads may be served by a replica that lags by at most what the caller
//!   tolerates (a feed-token lookup, a follower's snapshot).
//! - **Versioned schema.** Each backend versions its own schema with
//!   forward migrations, run when a handle is opened for writing;
//!   [`StateBackend::schema_version`] reports the version. A database
//!   written by a newer peerwell is refused ([`StoreError::TooNew`]) and
//!   left unchanged; one that is not a peerwell state is
//!   [`StoreError::Corrupt`] and left unchanged.
//! - **Privacy.** Nothing a backend stores comes from an input calendar:
//!   sessions hold times, member ids and format-generated text only.
//!
//! # How each backend meets it
//!
//! - **SQLite** ([`crate::sqlite`]): one writer at a time by the file's
//!   write lock (`BEGIN IMMEDIATE`); no lease, so [`StateTx::fence`] accepts
//!   every [`Writer`] and recovery requeues every `sending` row.
//! - **PostgreSQL** ([`crate::postgres`]): a plan commit is a `READ
//!   COMMITTED` transaction holding the advisory lock
//!   [`crate::postgres::PLAN_LOCK`] (so is every outbox write that settles
//!   owed notices): plan commits are serialized with each other but never
//!   wait for, nor block, the lease. Fencing reads the single lease row
//!   `FOR SHARE` inside the transaction and requires the writer's
//!   generation and an unexpired lease by the database clock; the row lock
//!   makes a takeover wait for a commit in flight, and
//!   `idle_in_transaction_session_timeout` ends a transaction whose process
//!   was paused, so it cannot hold the row for ever. Every outbox write
//!   (claims and outcomes included) is fenced the same way for the writer
//!   set with [`OutboxBackend::set_writer`]; claims use `FOR UPDATE SKIP
//!   LOCKED` and record the claimant's generation, and recovery requeues only
//!   rows claimed under an older one. [`Writer::Sole`] (CLI commands, a
//!   single `peerwell serve`) is not checked against the lease.
//!
//! The contract is checked, through these traits, by the crate's
//! `contract` tests; a new backend runs them too.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;

use peerwell_core::feeds::FeedKey;
use peerwell_core::schedule::{SeriesTime, Session};

use crate::image::Imaging;
use crate::outbox::{Claimed, MailState, NewMessage, OutboxRow};
use crate::pending::PendingNotice;
use crate::{AbsenceRow, Status, StoreError, StoredSeries, StoredSession, TokenRow};

/// A session's identity: (group id, index).
pub type SessionKey = (String, u32);

/// Who writes: the claim checked by [`StateTx::fence`] inside every plan
/// commit (fencing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Writer {
    /// The only writer there can be: a process holding an embedded file's
    /// write lock for the length of its transaction.
    #[default]
    Sole,
    /// The leader among several processes sharing one database, holding
    /// the lease of this generation; its writes are refused once a newer
    /// generation was granted.
    Leader {
        /// The lease generation granted to this process.
        generation: u64,
    },
}

/// One session row to write: the session, its content hash, SEQUENCE,
/// status and revision time.
#[derive(Debug, Clone, Copy)]
pub struct SessionRow<'a> {
    /// The session as planned.
    pub session: &'a Session,
    /// Its content hash ([`crate::content_hash`]).
    pub hash: &'a str,
    /// Its SEQUENCE.
    pub sequence: u32,
    /// Whether it takes place.
    pub status: Status,
    /// When it was last revised (its DTSTAMP).
    pub changed_at: Timestamp,
}

/// The published state and feed tokens of one state, open; every backend
/// can also be read whole and written from a copy ([`Imaging`]).
pub trait StateBackend: Send + Imaging {
    /// What error messages name: the state file, or the database's
    /// address without credentials.
    fn location(&self) -> &Path;

    /// The schema version this state is at.
    fn schema_version(&self) -> Result<i64, StoreError>;

    /// Every stored session, cancelled ones too, by (group id, index).
    fn sessions(&self) -> Result<BTreeMap<SessionKey, StoredSession>, StoreError>;

    /// Every group's published series time, by group id.
    fn series(&self) -> Result<BTreeMap<String, StoredSeries>, StoreError>;

    /// Every change notice still owed to members, by (group id, index).
    fn pending(&self) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError>;

    /// Begins a plan commit (see the module's contract: atomic, serialized
    /// with every other writer, fenced).
    fn begin(&mut self) -> Result<Box<dyn StateTx + '_>, StoreError>;

    /// Every token ever issued, active and revoked, sorted by token.
    fn tokens(&self) -> Result<Vec<TokenRow>, StoreError>;

    /// Stores each `(feed, token)` whose feed has no active token, in one
    /// transaction; a feed that has one (another process may have given
    /// it one meanwhile) is skipped, never given a second.
    fn add_tokens(
        &mut self,
        tokens: &[(FeedKey, String)],
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Revokes the active token spelled `token`; the feed it opened, or
    /// `None` when no active token is spelled so.
    fn revoke_token(&mut self, token: &str, now: Timestamp) -> Result<Option<FeedKey>, StoreError>;

    /// Revokes the active token of `feed` and, with `new`, stores `new` as
    /// its active token, in one transaction; the token revoked, if any.
    fn replace_token(
        &mut self,
        feed: &FeedKey,
        new: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<String>, StoreError>;

    /// Every declared absence, by group id (byte order), session index,
    /// member id (byte order).
    fn absences(&self) -> Result<Vec<AbsenceRow>, StoreError>;

    /// Stores `row` unless that member's absence from that session is
    /// stored already (the stored row is then left as it is); whether it
    /// stored it. One transaction; never fenced: any replica may record.
    fn add_absence(&mut self, row: &AbsenceRow) -> Result<bool, StoreError>;

    /// Deletes the absence of `member` from (`group`, `index`); whether
    /// there was one.
    fn remove_absence(&mut self, group: &str, index: u32, member: &str)
    -> Result<bool, StoreError>;

    /// The stored link secret; when there is none, stores `fresh` (at
    /// `now`) and returns it. Two processes asking at once get the same.
    fn link_secret(&mut self, fresh: &[u8], now: Timestamp) -> Result<Vec<u8>, StoreError>;
}

/// One plan commit in progress. Dropping it uncommitted writes nothing.
pub trait StateTx {
    /// Refuses the transaction when `writer` is no longer the one allowed
    /// to write ([`StoreError::Fenced`]); called before any write.
    fn fence(&mut self, writer: Writer) -> Result<(), StoreError>;

    /// Every stored session, as this transaction sees it (its own writes
    /// included); rows read stay unchanged by others until it ends.
    fn sessions(&mut self) -> Result<BTreeMap<SessionKey, StoredSession>, StoreError>;

    /// Inserts or replaces the session row of `row.session`'s identity.
    fn put_session(&mut self, row: SessionRow<'_>) -> Result<(), StoreError>;

    /// Marks a stored session cancelled, one SEQUENCE up, revised at `now`.
    fn cancel_session(&mut self, group: &str, index: u32, now: Timestamp)
    -> Result<(), StoreError>;

    /// Stores `group`'s series time and zone; a row that already holds
    /// them is left as it is (its `changed_at` too).
    fn put_series(
        &mut self,
        group: &str,
        series: SeriesTime,
        zone: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Every change notice owed, as this transaction sees it.
    fn pending(&mut self) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError>;

    /// Replaces the notice owed for `key` with `notice` (`None`: nothing
    /// owed any more).
    fn put_pending(
        &mut self,
        key: &SessionKey,
        notice: Option<&PendingNotice>,
    ) -> Result<(), StoreError>;

    /// Drops the owed notices of sessions starting at or before `now`.
    fn drop_pending_started(&mut self, now: Timestamp) -> Result<(), StoreError>;

    /// Records `publication` ([`crate::replica::encode`]) as the latest
    /// plan followers serve, under the next publication generation, in this
    /// transaction. A backend without followers (one writer per file)
    /// keeps nothing.
    fn publish(&mut self, publication: &str) -> Result<(), StoreError> {
        let _ = publication;
        Ok(())
    }

    /// Applies everything written through this transaction at once.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// One outbox write: a new row, or a newer version of an unsent one.
#[derive(Debug, Clone, Copy)]
pub enum MessageWrite<'a> {
    /// A row for a key not stored yet.
    Insert(&'a NewMessage),
    /// A new version of the stored row with the same key; the backend
    /// writes it only while that row is neither `sending` nor `sent`.
    Replace(&'a NewMessage),
}

/// The reminder outbox of one state, open.
pub trait OutboxBackend: Send {
    /// What error messages name (see [`StateBackend::location`]).
    fn location(&self) -> &Path;

    /// Sets who this handle writes as: a backend several processes share
    /// fences every later outbox write against it (as
    /// [`StateTx::fence`]); one with a single writer ignores it.
    fn set_writer(&mut self, writer: Writer) {
        let _ = writer;
    }

    /// Every row's state and fingerprint, by key.
    fn fingerprints(&self) -> Result<BTreeMap<String, (MailState, String)>, StoreError>;

    /// The state and fingerprint of the rows among `keys`, by key (keys
    /// with no row are left out): what writing a batch of messages needs,
    /// without reading the whole outbox for each batch.
    fn fingerprints_of(
        &self,
        keys: &[&str],
    ) -> Result<BTreeMap<String, (MailState, String)>, StoreError>;

    /// Writes `writes` (`created_at` = `now`; a message marked expired is
    /// written `expired`, any other `queued` with no attempts) and removes
    /// the owed notices in `settled` that are still owed exactly as listed,
    /// all in one transaction. Returns, for each write, whether it was
    /// applied (a `Replace` of a row handed to a server meanwhile is not).
    fn write_messages(
        &mut self,
        writes: &[MessageWrite<'_>],
        settled: &[PendingNotice],
        now: Timestamp,
    ) -> Result<Vec<bool>, StoreError>;

    /// Every change notice still owed to members, by (group id, index).
    fn pending(&self) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError>;

    /// Marks the still-queued rows among `keys` withdrawn, in one
    /// transaction; how many.
    fn withdraw(&mut self, keys: &[String]) -> Result<usize, StoreError>;

    /// Puts rows left `sending` by an interrupted sender back in the queue,
    /// due by `now` at the latest; how many. A backend shared by several
    /// processes requeues only rows whose claimant lost its lease.
    fn recover(&mut self, now: Timestamp) -> Result<usize, StoreError>;

    /// Marks queued rows with `expires_at <= now` expired; how many.
    fn expire(&mut self, now: Timestamp) -> Result<usize, StoreError>;

    /// Claims up to `limit` queued rows due at `now` and not expired,
    /// earliest `next_attempt_at` then key first: each is marked `sending`
    /// with one more attempt in the transaction that selects it, and no
    /// concurrent claim returns the same row.
    fn claim_due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Claimed>, StoreError>;

    /// Begins a transaction holding the calls that follow until
    /// [`OutboxBackend::commit`] or [`OutboxBackend::rollback`].
    fn begin(&mut self) -> Result<(), StoreError>;

    /// Applies the transaction [`OutboxBackend::begin`] opened.
    fn commit(&mut self) -> Result<(), StoreError>;

    /// Discards the transaction [`OutboxBackend::begin`] opened.
    fn rollback(&mut self);

    /// The server accepted `key`'s message at `now`.
    fn mark_sent(&mut self, key: &str, now: Timestamp) -> Result<(), StoreError>;

    /// `key` is queued again for `next_at` after a transient failure.
    fn mark_retry(&mut self, key: &str, error: &str, next_at: Timestamp) -> Result<(), StoreError>;

    /// `key` failed for good, with the server's reply.
    fn mark_failed(&mut self, key: &str, error: &str) -> Result<(), StoreError>;

    /// The earliest moment a queued row becomes sendable, if any.
    fn next_due(&self) -> Result<Option<Timestamp>, StoreError>;

    /// Every row, by send time then key, optionally only in `state`.
    fn list(&self, state: Option<MailState>) -> Result<Vec<OutboxRow>, StoreError>;

    /// The stored message of `key`.
    fn message(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Groups HR has been told lost their time: group id → (kind, since).
    fn alerts(&self) -> Result<BTreeMap<String, (String, Timestamp)>, StoreError>;

    /// Records (or clears, with `None`) the alert state of `group`.
    fn set_alert(
        &mut self,
        group: &str,
        alert: Option<(&str, Timestamp)>,
    ) -> Result<(), StoreError>;
}
