//! The `outbox` and `mail_alerts` tables in SQL: [`OutboxBackend`] for
//! [`Sqlite`]. What the rows mean is described in [`crate::outbox`].
//!
//! One process writes the file at a time (SQLite's write lock), so a claim
//! needs no lease: a row still `sending` when the daemon starts was
//! interrupted, and [`OutboxBackend::recover`] queues it again.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Sqlite, pending};
use crate::StoreError;
use crate::backend::{MessageWrite, OutboxBackend, SessionKey};
use crate::outbox::{Claimed, MailState, MessageKind, NewMessage, OutboxRow};
use crate::pending::PendingNotice;

fn secs(t: Timestamp) -> i64 {
    t.as_second()
}

fn ts(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The state a new version of a message is written in.
fn initial_state(m: &NewMessage) -> MailState {
    if m.expired {
        MailState::Expired
    } else {
        MailState::Queued
    }
}

/// Inserts a row for a new key.
fn insert(conn: &Connection, m: &NewMessage, now: Timestamp) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO outbox (key, message_id, group_id, idx, kind, recipient, \
         address, fingerprint, due, send_at, expires_at, created_at, state, \
         attempts, next_attempt_at, message) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 0, ?10, ?14)",
    )?
    .execute(params![
        m.key,
        m.message_id,
        m.group,
        m.index,
        m.kind.as_str(),
        m.recipient,
        m.address,
        m.fingerprint,
        secs(m.due),
        secs(m.send_at),
        m.expires_at.map(secs),
        secs(now),
        initial_state(m).as_str(),
        m.message,
    ])
}

/// Replaces the row of `m.key` unless it was handed to a server.
fn replace(conn: &Connection, m: &NewMessage, now: Timestamp) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE outbox SET address = ?2, fingerprint = ?3, due = ?4, send_at = ?5, \
         expires_at = ?6, created_at = ?7, state = ?8, attempts = 0, \
         next_attempt_at = ?5, last_error = NULL, message = ?9 \
         WHERE key = ?1 AND state NOT IN ('sending', 'sent')",
    )?
    .execute(params![
        m.key,
        m.address,
        m.fingerprint,
        secs(m.due),
        secs(m.send_at),
        m.expires_at.map(secs),
        secs(now),
        initial_state(m).as_str(),
        m.message,
    ])
}

/// An [`OutboxRow`] from the columns `list` selects.
fn outbox_row(r: &Row<'_>) -> rusqlite::Result<(OutboxRow, String, String)> {
    Ok((
        OutboxRow {
            key: r.get(0)?,
            message_id: r.get(1)?,
            group: r.get(2)?,
            index: r.get(3)?,
            kind: MessageKind::Upcoming,
            recipient: r.get(5)?,
            due: ts(r.get(6)?),
            send_at: ts(r.get(7)?),
            state: MailState::Queued,
            attempts: r.get(9)?,
            next_attempt_at: ts(r.get(10)?),
            last_error: r.get(11)?,
            sent_at: r.get::<_, Option<i64>>(12)?.map(ts),
        },
        r.get(4)?,
        r.get(8)?,
    ))
}

/// Claims due rows inside one transaction (see [`OutboxBackend::claim_due`]).
fn claim(conn: &mut Connection, now: Timestamp, limit: usize) -> rusqlite::Result<Vec<Claimed>> {
    let tx = conn.transaction()?;
    let rows = {
        let mut stmt = tx.prepare_cached(
            "SELECT key, message_id, address, attempts, message FROM outbox \
             WHERE state = 'queued' AND next_attempt_at <= ?1 \
             AND (expires_at IS NULL OR expires_at > ?1) \
             ORDER BY next_attempt_at, key LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![secs(now), limit as i64], |r| {
                Ok(Claimed {
                    key: r.get(0)?,
                    message_id: r.get(1)?,
                    address: r.get(2)?,
                    attempts: r.get(3)?,
                    message: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut mark = tx.prepare_cached(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE key = ?1",
        )?;
        for c in &rows {
            mark.execute(params![c.key])?;
        }
        rows
    };
    tx.commit()?;
    Ok(rows)
}

impl Sqlite {
    fn outbox_err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(&self.path, e)
    }

    /// Row `key`'s stored state, read.
    fn state(&self, key: &str, state: &str) -> Result<MailState, StoreError> {
        MailState::parse(state).ok_or_else(|| {
            StoreError::corrupt(&self.path, format!("outbox row {key}: state `{state}`"))
        })
    }

    /// Runs one statement that changes rows; how many.
    fn change(&self, sql: &str, params: impl rusqlite::Params) -> Result<usize, StoreError> {
        self.conn
            .execute(sql, params)
            .map_err(|e| self.outbox_err(e))
    }

    /// Decodes the kind and state columns of a listed row.
    fn decode_row(
        path: &Path,
        (mut row, kind, state): (OutboxRow, String, String),
    ) -> Result<OutboxRow, StoreError> {
        let bad = |what: &str, value: &str| {
            StoreError::corrupt(path, format!("outbox row {}: {what} `{value}`", row.key))
        };
        row.kind = MessageKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?;
        row.state = MailState::parse(&state).ok_or_else(|| bad("state", &state))?;
        Ok(row)
    }
}

impl OutboxBackend for Sqlite {
    fn location(&self) -> &Path {
        &self.path
    }

    fn fingerprints(&self) -> Result<BTreeMap<String, (MailState, String)>, StoreError> {
        let err = |e| self.outbox_err(e);
        let mut stmt = self
            .conn
            .prepare("SELECT key, state, fingerprint FROM outbox")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(err)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (key, state, fp) = row.map_err(err)?;
            let state = self.state(&key, &state)?;
            out.insert(key, (state, fp));
        }
        Ok(out)
    }

    fn fingerprints_of(
        &self,
        keys: &[&str],
    ) -> Result<BTreeMap<String, (MailState, String)>, StoreError> {
        let err = |e| self.outbox_err(e);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, fingerprint FROM outbox WHERE key = ?1")
            .map_err(err)?;
        let mut out = BTreeMap::new();
        for key in keys {
            let row = stmt
                .query_row(params![key], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .optional()
                .map_err(err)?;
            if let Some((state, fp)) = row {
                out.insert(key.to_string(), (self.state(key, &state)?, fp));
            }
        }
        Ok(out)
    }

    fn write_messages(
        &mut self,
        writes: &[MessageWrite<'_>],
        settled: &[PendingNotice],
        now: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        let path = self.path.clone();
        let err = |e| StoreError::from_sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut applied = Vec::with_capacity(writes.len());
        for write in writes {
            let n = match write {
                MessageWrite::Insert(m) => insert(&tx, m, now),
                MessageWrite::Replace(m) => replace(&tx, m, now),
            };
            applied.push(n.map_err(err)? > 0);
        }
        pending::settle(&tx, &path, settled)?;
        tx.commit().map_err(err)?;
        Ok(applied)
    }

    fn pending(&self) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError> {
        pending::list(&self.conn, &self.path)
    }

    fn withdraw(&mut self, keys: &[String]) -> Result<usize, StoreError> {
        let path = self.path.clone();
        let err = |e| StoreError::from_sqlite(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut n = 0;
        for key in keys {
            n += tx
                .execute(
                    "UPDATE outbox SET state = 'withdrawn' WHERE key = ?1 AND state = 'queued'",
                    params![key],
                )
                .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(n)
    }

    fn recover(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        self.change(
            "UPDATE outbox SET state = 'queued', next_attempt_at = min(next_attempt_at, ?1) \
             WHERE state = 'sending'",
            params![secs(now)],
        )
    }

    fn expire(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        self.change(
            "UPDATE outbox SET state = 'expired' \
             WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at <= ?1",
            params![secs(now)],
        )
    }

    fn claim_due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Claimed>, StoreError> {
        claim(&mut self.conn, now, limit).map_err(|e| StoreError::from_sqlite(&self.path, e))
    }

    fn begin(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| self.outbox_err(e))
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| self.outbox_err(e))
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    fn mark_sent(&mut self, key: &str, now: Timestamp) -> Result<(), StoreError> {
        self.change(
            "UPDATE outbox SET state = 'sent', sent_at = ?2, last_error = NULL WHERE key = ?1",
            params![key, secs(now)],
        )
        .map(|_| ())
    }

    fn mark_retry(&mut self, key: &str, error: &str, next_at: Timestamp) -> Result<(), StoreError> {
        self.change(
            "UPDATE outbox SET state = 'queued', last_error = ?2, next_attempt_at = ?3 \
             WHERE key = ?1",
            params![key, error, secs(next_at)],
        )
        .map(|_| ())
    }

    fn mark_failed(&mut self, key: &str, error: &str) -> Result<(), StoreError> {
        self.change(
            "UPDATE outbox SET state = 'failed', last_error = ?2 WHERE key = ?1",
            params![key, error],
        )
        .map(|_| ())
    }

    fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.conn
            .query_row(
                "SELECT min(next_attempt_at) FROM outbox WHERE state = 'queued'",
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map(|v| v.map(ts))
            .map_err(|e| self.outbox_err(e))
    }

    fn list(&self, state: Option<MailState>) -> Result<Vec<OutboxRow>, StoreError> {
        let err = |e| self.outbox_err(e);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT key, message_id, group_id, idx, kind, recipient, due, send_at, state, \
                 attempts, next_attempt_at, last_error, sent_at FROM outbox \
                 WHERE ?1 IS NULL OR state = ?1 ORDER BY send_at, key",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![state.map(MailState::as_str)], outbox_row)
            .map_err(err)?;
        rows.map(|row| Sqlite::decode_row(&self.path, row.map_err(err)?))
            .collect()
    }

    fn message(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn
            .query_row(
                "SELECT message FROM outbox WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.outbox_err(e))
    }

    fn alerts(&self) -> Result<BTreeMap<String, (String, Timestamp)>, StoreError> {
        let err = |e| self.outbox_err(e);
        let mut stmt = self
            .conn
            .prepare("SELECT group_id, kind, since FROM mail_alerts")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    (r.get::<_, String>(1)?, ts(r.get(2)?)),
                ))
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    fn set_alert(
        &mut self,
        group: &str,
        alert: Option<(&str, Timestamp)>,
    ) -> Result<(), StoreError> {
        match alert {
            Some((kind, since)) => self.change(
                "INSERT INTO mail_alerts (group_id, kind, since) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (group_id) DO UPDATE SET kind = ?2, since = ?3",
                params![group, kind, secs(since)],
            ),
            None => self.change(
                "DELETE FROM mail_alerts WHERE group_id = ?1",
                params![group],
            ),
        }
        .map(|_| ())
    }
}
