//! The reminder outbox: every message is written here, rendered, before it
//! is sent, and marked once the mail server accepted it.
//!
//! A row is unique by its key (group, index, kind, recipient, offset; see
//! [`crate::mail`]), so a re-plan never queues the same reminder twice. Its
//! state moves `queued` → `sending` → `sent`, or back to `queued` with a
//! later `next_attempt_at` after a transient failure, or to `failed` (a
//! permanent failure or too many attempts), `expired` (its session started
//! before it could go out) or `withdrawn` (the session no longer gives rise
//! to it). A row still `sending` when the daemon starts was interrupted
//! after it was handed to the server and before it was marked: it goes back
//! to `queued` and is sent again — the one window in which a reminder can
//! arrive twice, recognisable by its unchanged Message-ID.
//!
//! Rows hold the rendered message (policy and plan text only, never text
//! from an input calendar), the server's last reply on failure, and times
//! in seconds since the epoch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::pending::{self, PendingNotice};
use super::{StoreError, schema};

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MailState {
    Queued,
    Sending,
    Sent,
    Failed,
    Expired,
    Withdrawn,
}

impl MailState {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Queued => "queued",
            MailState::Sending => "sending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
            MailState::Expired => "expired",
            MailState::Withdrawn => "withdrawn",
        }
    }

    fn parse(s: &str) -> Option<MailState> {
        Some(match s {
            "queued" => MailState::Queued,
            "sending" => MailState::Sending,
            "sent" => MailState::Sent,
            "failed" => MailState::Failed,
            "expired" => MailState::Expired,
            "withdrawn" => MailState::Withdrawn,
            _ => return None,
        })
    }

    /// Whether a newer version of the message may still replace this one
    /// (it has not been handed to a server).
    pub fn replaceable(self) -> bool {
        !matches!(self, MailState::Sending | MailState::Sent)
    }
}

/// A message to write to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub key: String,
    pub message_id: String,
    pub group: String,
    /// The session's index; `None` for notices about a whole group.
    pub index: Option<u32>,
    /// "upcoming", "role", "deadline", "moved", "cancelled" or "hr".
    pub kind: String,
    /// Member id, or `hr:<email>` for an HR contact.
    pub recipient: String,
    pub address: String,
    /// Changes whenever the rendered content or timing would change.
    pub fingerprint: String,
    /// When the reminder is due by its offset.
    pub due: Timestamp,
    /// When it goes out (after quiet hours).
    pub send_at: Timestamp,
    /// Not sent at or after this moment (the session's start).
    pub expires_at: Option<Timestamp>,
    /// Written `expired` right away (superseded or past before creation).
    pub expired: bool,
    /// The whole RFC 5322 message.
    pub message: Vec<u8>,
}

/// One outbox row as listed (without the message).
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub key: String,
    pub message_id: String,
    pub group: String,
    pub index: Option<u32>,
    pub kind: String,
    pub recipient: String,
    pub due: Timestamp,
    pub send_at: Timestamp,
    pub state: MailState,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub sent_at: Option<Timestamp>,
}

/// A message claimed for sending (its row is now `sending`).
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub key: String,
    pub message_id: String,
    pub address: String,
    pub attempts: u32,
    pub message: Vec<u8>,
}

/// What [`Outbox::upsert`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upserted {
    /// New rows queued.
    pub queued: usize,
    /// Unsent rows replaced by a newer version (or queued again).
    pub replaced: usize,
    /// New rows written as expired.
    pub expired: usize,
}

/// The outbox in the state file, open.
pub struct Outbox {
    conn: Connection,
    path: PathBuf,
}

fn secs(t: Timestamp) -> i64 {
    t.as_second()
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl Outbox {
    /// Opens the outbox in the state file at `path` for writing, creating
    /// and migrating the file as [`super::Store::open`] does.
    pub fn open(path: &Path) -> Result<Outbox, StoreError> {
        Ok(Outbox {
            conn: schema::open_writable(path)?,
            path: path.to_path_buf(),
        })
    }

    /// Opens the outbox for reading only; a missing file reads as empty.
    pub fn open_read_only(path: &Path) -> Result<Outbox, StoreError> {
        let conn = match schema::open_read_only(path)? {
            Some(conn) => conn,
            None => schema::empty_in_memory(path)?,
        };
        Ok(Outbox {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(&self.path, e)
    }

    /// Every row's state and fingerprint, by key.
    pub fn fingerprints(&self) -> Result<BTreeMap<String, (MailState, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, state, fingerprint FROM outbox")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (key, state, fp) = row.map_err(|e| self.err(e))?;
            let state = MailState::parse(&state).ok_or_else(|| {
                StoreError::corrupt(&self.path, format!("outbox row {key}: state `{state}`"))
            })?;
            out.insert(key, (state, fp));
        }
        Ok(out)
    }

    /// Writes `messages` in one transaction: new keys are inserted; an
    /// existing row not yet handed to a server is replaced when its
    /// fingerprint differs (attempts reset), and a withdrawn one is queued
    /// again; rows already sent or sending are left alone.
    pub fn upsert(
        &mut self,
        messages: &[NewMessage],
        now: Timestamp,
    ) -> Result<Upserted, StoreError> {
        self.upsert_settling(messages, now, &[])
    }

    /// The change notices still owed to members ([`super::pending`]).
    pub fn pending_notices(&self) -> Result<Vec<PendingNotice>, StoreError> {
        Ok(pending::list(&self.conn, &self.path)?
            .into_values()
            .collect())
    }

    /// As [`Outbox::upsert`], and in the same transaction marks `settled`
    /// (the owed notices `messages` announce) as no longer owed.
    pub fn upsert_settling(
        &mut self,
        messages: &[NewMessage],
        now: Timestamp,
        settled: &[PendingNotice],
    ) -> Result<Upserted, StoreError> {
        let existing = self.fingerprints()?;
        let mut done = Upserted::default();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        for m in messages {
            let state = if m.expired {
                MailState::Expired
            } else {
                MailState::Queued
            };
            match existing.get(&m.key) {
                None => {
                    tx.execute(
                        "INSERT INTO outbox (key, message_id, group_id, idx, kind, recipient, \
                         address, fingerprint, due, send_at, expires_at, created_at, state, \
                         attempts, next_attempt_at, message) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, ?10, ?14)",
                        params![
                            m.key,
                            m.message_id,
                            m.group,
                            m.index,
                            m.kind,
                            m.recipient,
                            m.address,
                            m.fingerprint,
                            secs(m.due),
                            secs(m.send_at),
                            m.expires_at.map(secs),
                            secs(now),
                            state.as_str(),
                            m.message,
                        ],
                    )
                    .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
                    if m.expired {
                        done.expired += 1;
                    } else {
                        done.queued += 1;
                    }
                }
                Some((old, fp))
                    if old.replaceable()
                        && (fp != &m.fingerprint || *old == MailState::Withdrawn) =>
                {
                    tx.execute(
                        "UPDATE outbox SET address = ?2, fingerprint = ?3, due = ?4, send_at = ?5, \
                         expires_at = ?6, created_at = ?7, state = ?8, attempts = 0, \
                         next_attempt_at = ?5, last_error = NULL, message = ?9 WHERE key = ?1",
                        params![
                            m.key,
                            m.address,
                            m.fingerprint,
                            secs(m.due),
                            secs(m.send_at),
                            m.expires_at.map(secs),
                            secs(now),
                            state.as_str(),
                            m.message,
                        ],
                    )
                    .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
                    if !m.expired {
                        done.replaced += 1;
                    }
                }
                Some(_) => {}
            }
        }
        pending::settle(&tx, &self.path, settled)?;
        tx.commit()
            .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        Ok(done)
    }

    /// Marks the still-queued rows among `keys` withdrawn; how many.
    pub fn withdraw(&mut self, keys: &[String]) -> Result<usize, StoreError> {
        let tx = self
            .conn
            .transaction()
            .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        let mut n = 0;
        for key in keys {
            n += tx
                .execute(
                    "UPDATE outbox SET state = 'withdrawn' WHERE key = ?1 AND state = 'queued'",
                    params![key],
                )
                .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        }
        tx.commit()
            .map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        Ok(n)
    }

    /// Puts rows left `sending` by an interrupted process back in the
    /// queue, due at once; how many.
    pub fn recover(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'queued', next_attempt_at = min(next_attempt_at, ?1) \
                 WHERE state = 'sending'",
                params![secs(now)],
            )
            .map_err(|e| self.err(e))
    }

    /// Marks queued rows whose session has started (`expires_at <= now`)
    /// expired; how many.
    pub fn expire(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'expired' \
                 WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at <= ?1",
                params![secs(now)],
            )
            .map_err(|e| self.err(e))
    }

    /// Claims up to `limit` queued rows due at `now` (not expired), earliest
    /// first, marking each `sending` in one transaction before they are
    /// handed to a server.
    pub fn claim_due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Claimed>, StoreError> {
        let path = self.path.clone();
        let err = |e| StoreError::from_sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let rows = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT key, message_id, address, attempts, message FROM outbox \
                     WHERE state = 'queued' AND next_attempt_at <= ?1 \
                     AND (expires_at IS NULL OR expires_at > ?1) \
                     ORDER BY next_attempt_at, key LIMIT ?2",
                )
                .map_err(err)?;
            let rows = stmt
                .query_map(params![secs(now), limit as i64], |r| {
                    Ok(Claimed {
                        key: r.get(0)?,
                        message_id: r.get(1)?,
                        address: r.get(2)?,
                        attempts: r.get(3)?,
                        message: r.get(4)?,
                    })
                })
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            let mut mark = tx
                .prepare_cached(
                    "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE key = ?1",
                )
                .map_err(err)?;
            for c in &rows {
                mark.execute(params![c.key]).map_err(err)?;
            }
            rows
        };
        tx.commit().map_err(err)?;
        Ok(rows)
    }

    /// Runs `f` in one transaction (the outcomes of a batch of sends).
    pub fn in_transaction<R>(
        &mut self,
        f: impl FnOnce(&mut Outbox) -> Result<R, String>,
    ) -> Result<R, String> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.err(e).to_string())?;
        match f(self) {
            Ok(r) => {
                self.conn
                    .execute_batch("COMMIT")
                    .map_err(|e| self.err(e).to_string())?;
                Ok(r)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The server accepted the message.
    pub fn mark_sent(&mut self, key: &str, now: Timestamp) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'sent', sent_at = ?2, last_error = NULL WHERE key = ?1",
                params![key, secs(now)],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// A transient failure: queued again for `next_at`.
    pub fn mark_retry(
        &mut self,
        key: &str,
        error: &str,
        next_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'queued', last_error = ?2, next_attempt_at = ?3 \
                 WHERE key = ?1",
                params![key, error, secs(next_at)],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// A permanent failure (or too many attempts), with the server's reply.
    pub fn mark_failed(&mut self, key: &str, error: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'failed', last_error = ?2 WHERE key = ?1",
                params![key, error],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The earliest moment a queued row becomes sendable, if any.
    pub fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.conn
            .query_row(
                "SELECT min(next_attempt_at) FROM outbox WHERE state = 'queued'",
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map(|v| v.map(ts))
            .map_err(|e| self.err(e))
    }

    /// Every row, by due time then key, optionally only in `state`.
    pub fn list(&self, state: Option<MailState>) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT key, message_id, group_id, idx, kind, recipient, due, send_at, state, \
                 attempts, next_attempt_at, last_error, sent_at FROM outbox \
                 WHERE ?1 IS NULL OR state = ?1 ORDER BY send_at, key",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![state.map(MailState::as_str)], |r| {
                Ok((
                    OutboxRow {
                        key: r.get(0)?,
                        message_id: r.get(1)?,
                        group: r.get(2)?,
                        index: r.get(3)?,
                        kind: r.get(4)?,
                        recipient: r.get(5)?,
                        due: ts(r.get(6)?),
                        send_at: ts(r.get(7)?),
                        state: MailState::Queued,
                        attempts: r.get(9)?,
                        next_attempt_at: ts(r.get(10)?),
                        last_error: r.get(11)?,
                        sent_at: r.get::<_, Option<i64>>(12)?.map(ts),
                    },
                    r.get::<_, String>(8)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (mut row, state) = row.map_err(|e| self.err(e))?;
            row.state = MailState::parse(&state).ok_or_else(|| {
                StoreError::corrupt(
                    &self.path,
                    format!("outbox row {}: state `{state}`", row.key),
                )
            })?;
            out.push(row);
        }
        Ok(out)
    }

    /// The stored message of `key`.
    pub fn message(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row(
                "SELECT message FROM outbox WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Groups HR has been told lost their time: group id → (kind, since).
    pub fn alerts(&self) -> Result<BTreeMap<String, (String, Timestamp)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT group_id, kind, since FROM mail_alerts")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    (r.get::<_, String>(1)?, ts(r.get(2)?)),
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Records (or clears, with `None`) the alert state of `group`.
    pub fn set_alert(
        &mut self,
        group: &str,
        alert: Option<(&str, Timestamp)>,
    ) -> Result<(), StoreError> {
        let r = match alert {
            Some((kind, since)) => self.conn.execute(
                "INSERT INTO mail_alerts (group_id, kind, since) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (group_id) DO UPDATE SET kind = ?2, since = ?3",
                params![group, kind, secs(since)],
            ),
            None => self.conn.execute(
                "DELETE FROM mail_alerts WHERE group_id = ?1",
                params![group],
            ),
        };
        r.map(|_| ()).map_err(|e| self.err(e))
    }
}
