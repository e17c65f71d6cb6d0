//! The `peerwell_outbox` and `peerwell_mail_alerts` tables in SQL:
//! [`OutboxBackend`] for [`Postgres`].
//!
//! Several processes may share the outbox. Every write runs in a
//! transaction that first checks the writer's lease ([`super::fence`]), so
//! a process that lost its lease changes nothing. Claims select with
//! `FOR UPDATE SKIP LOCKED` and record the claimant's lease generation in
//! `claimed_generation`; [`OutboxBackend::recover`] requeues only `sending`
//! rows claimed under an older generation (a sole writer: all of them).

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use postgres::{Client, Row};

use super::connect::pg_error;
use super::rows::{self, whole};
use super::target::PgTarget;
use super::{Postgres, fence};
use crate::StoreError;
use crate::backend::{MessageWrite, OutboxBackend, SessionKey, Writer};
use crate::outbox::{Claimed, MailState, MessageKind, NewMessage, OutboxRow};
use crate::pending::PendingNotice;

/// The lease generation a claim is recorded under.
fn generation(writer: Writer) -> i64 {
    match writer {
        Writer::Sole => 0,
        Writer::Leader { generation } => i64::try_from(generation).unwrap_or(i64::MAX),
    }
}

fn initial_state(m: &NewMessage) -> &'static str {
    if m.expired {
        MailState::Expired.as_str()
    } else {
        MailState::Queued.as_str()
    }
}

fn insert(c: &mut Client, m: &NewMessage, now: Timestamp) -> Result<u64, postgres::Error> {
    c.execute(
        "INSERT INTO peerwell_outbox (key, message_id, group_id, idx, kind, recipient, \
         address, fingerprint, due, send_at, expires_at, created_at, state, \
         attempts, next_attempt_at, message) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $10, $14)",
        &[
            &m.key,
            &m.message_id,
            &m.group,
            &m.index.map(i64::from),
            &m.kind.as_str(),
            &m.recipient,
            &m.address,
            &m.fingerprint,
            &whole(m.due),
            &whole(m.send_at),
            &m.expires_at.map(whole),
            &whole(now),
            &initial_state(m),
            &m.message,
        ],
    )
}

fn replace(c: &mut Client, m: &NewMessage, now: Timestamp) -> Result<u64, postgres::Error> {
    c.execute(
        "UPDATE peerwell_outbox SET address = $2, fingerprint = $3, due = $4, send_at = $5, \
         expires_at = $6, created_at = $7, state = $8, attempts = 0, \
         next_attempt_at = $5, last_error = NULL, message = $9 \
         WHERE key = $1 AND state NOT IN ('sending', 'sent')",
        &[
            &m.key,
            &m.address,
            &m.fingerprint,
            &whole(m.due),
            &whole(m.send_at),
            &m.expires_at.map(whole),
            &whole(now),
            &initial_state(m),
            &m.message,
        ],
    )
}

fn outbox_row(target: &PgTarget, r: &Row) -> Result<OutboxRow, StoreError> {
    let key: String = r.get(0);
    let bad = |what: &str, value: &str| {
        StoreError::corrupt(
            &target.location(),
            format!("outbox row {key}: {what} `{value}`"),
        )
    };
    let kind: String = r.get(4);
    let state: String = r.get(8);
    let index: Option<i64> = r.get(3);
    Ok(OutboxRow {
        message_id: r.get(1),
        group: r.get(2),
        index: index
            .map(|i| rows::u32_of(i, "index"))
            .transpose()
            .map_err(|e| bad("index", &e))?,
        kind: MessageKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?,
        recipient: r.get(5),
        due: r.get(6),
        send_at: r.get(7),
        state: MailState::parse(&state).ok_or_else(|| bad("state", &state))?,
        attempts: u32::try_from(r.get::<_, i64>(9)).map_err(|_| bad("attempts", "?"))?,
        next_attempt_at: r.get(10),
        last_error: r.get(11),
        sent_at: r.get(12),
        key,
    })
}

/// Claims due rows (see [`OutboxBackend::claim_due`]); the caller runs it
/// in a fenced transaction.
fn claim(
    c: &mut Client,
    now: Timestamp,
    limit: usize,
    writer: Writer,
) -> Result<Vec<Claimed>, postgres::Error> {
    let rows = c.query(
        "WITH due AS (SELECT key FROM peerwell_outbox WHERE state = 'queued' \
         AND next_attempt_at <= $1 AND (expires_at IS NULL OR expires_at > $1) \
         ORDER BY next_attempt_at, key COLLATE \"C\" LIMIT $2 FOR UPDATE SKIP LOCKED) \
         UPDATE peerwell_outbox o SET state = 'sending', attempts = o.attempts + 1, \
         claimed_generation = $3 FROM due WHERE o.key = due.key \
         RETURNING o.key, o.message_id, o.address, o.attempts - 1, o.message, o.next_attempt_at",
        &[
            &whole(now),
            &i64::try_from(limit).unwrap_or(i64::MAX),
            &generation(writer),
        ],
    )?;
    let mut claimed: Vec<(Timestamp, Claimed)> = rows
        .iter()
        .map(|r| {
            let attempts: i64 = r.get(3);
            (
                r.get(5),
                Claimed {
                    key: r.get(0),
                    message_id: r.get(1),
                    address: r.get(2),
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    message: r.get(4),
                },
            )
        })
        .collect();
    claimed.sort_by(|a, b| (a.0, a.1.key.as_bytes()).cmp(&(b.0, b.1.key.as_bytes())));
    Ok(claimed.into_iter().map(|(_, c)| c).collect())
}

impl Postgres {
    /// Runs `f` as one fenced write: inside the open transaction when
    /// [`OutboxBackend::begin`] opened one, else in a transaction of its own.
    fn fenced<R>(
        &mut self,
        f: impl FnOnce(&mut Client, &PgTarget) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let writer = self.writer;
        let in_tx = self.in_tx;
        let target = self.target.clone();
        let client = self.client_mut()?;
        let body = |c: &mut Client| {
            fence(c, &target, writer)?;
            f(c, &target)
        };
        if in_tx {
            body(client)
        } else {
            super::atomic(client, &target, body)
        }
    }

    /// One fenced statement; how many rows it changed.
    fn change(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<usize, StoreError> {
        self.fenced(|c, t| {
            c.execute(sql, params)
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
                .map_err(|e| pg_error(t, &e))
        })
    }
}

impl Postgres {
    /// Rows of (key, state, fingerprint) by key.
    fn fingerprint_rows(
        &self,
        rows: Vec<Row>,
    ) -> Result<BTreeMap<String, (MailState, String)>, StoreError> {
        let mut out = BTreeMap::new();
        for r in rows {
            let (key, state): (String, String) = (r.get(0), r.get(1));
            let parsed = MailState::parse(&state).ok_or_else(|| {
                StoreError::corrupt(&self.path, format!("outbox row {key}: state `{state}`"))
            })?;
            out.insert(key, (parsed, r.get(2)));
        }
        Ok(out)
    }
}

impl OutboxBackend for Postgres {
    fn location(&self) -> &Path {
        &self.path
    }

    fn set_writer(&mut self, writer: Writer) {
        self.writer = writer;
    }

    fn fingerprints(&self) -> Result<BTreeMap<String, (MailState, String)>, StoreError> {
        let rows = self.read(|c, t| {
            c.query("SELECT key, state, fingerprint FROM peerwell_outbox", &[])
                .map_err(|e| pg_error(t, &e))
        })?;
        self.fingerprint_rows(rows)
    }

    fn fingerprints_of(
        &self,
        keys: &[&str],
    ) -> Result<BTreeMap<String, (MailState, String)>, StoreError> {
        let rows = self.read(|c, t| {
            c.query(
                "SELECT key, state, fingerprint FROM peerwell_outbox WHERE key = ANY($1)",
                &[&keys],
            )
            .map_err(|e| pg_error(t, &e))
        })?;
        self.fingerprint_rows(rows)
    }

    fn write_messages(
        &mut self,
        writes: &[MessageWrite<'_>],
        settled: &[PendingNotice],
        now: Timestamp,
    ) -> Result<Vec<bool>, StoreError> {
        self.fenced(|c, t| {
            super::plan_lock(c, t)?;
            let mut applied = Vec::with_capacity(writes.len());
            for write in writes {
                let n = match write {
                    MessageWrite::Insert(m) => insert(c, m, now),
                    MessageWrite::Replace(m) => replace(c, m, now),
                };
                applied.push(n.map_err(|e| pg_error(t, &e))? > 0);
            }
            rows::settle(c, t, settled)?;
            Ok(applied)
        })
    }

    fn pending(&self) -> Result<BTreeMap<SessionKey, PendingNotice>, StoreError> {
        self.read(rows::pending)
    }

    fn withdraw(&mut self, keys: &[String]) -> Result<usize, StoreError> {
        self.fenced(|c, t| {
            let n = c
                .execute(
                    "UPDATE peerwell_outbox SET state = 'withdrawn' \
                     WHERE key = ANY($1) AND state = 'queued'",
                    &[&keys],
                )
                .map_err(|e| pg_error(t, &e))?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }

    fn recover(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        let older_than = match self.writer {
            Writer::Sole => i64::MAX,
            w => generation(w),
        };
        self.change(
            "UPDATE peerwell_outbox SET state = 'queued', \
             next_attempt_at = least(next_attempt_at, $1) \
             WHERE state = 'sending' AND claimed_generation < $2",
            &[&whole(now), &older_than],
        )
    }

    fn expire(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        self.change(
            "UPDATE peerwell_outbox SET state = 'expired' \
             WHERE state = 'queued' AND expires_at IS NOT NULL AND expires_at <= $1",
            &[&whole(now)],
        )
    }

    fn claim_due(&mut self, now: Timestamp, limit: usize) -> Result<Vec<Claimed>, StoreError> {
        let writer = self.writer;
        self.fenced(|c, t| claim(c, now, limit, writer).map_err(|e| pg_error(t, &e)))
    }

    fn begin(&mut self) -> Result<(), StoreError> {
        let target = self.target.clone();
        self.client_mut()?
            .batch_execute("BEGIN")
            .map_err(|e| pg_error(&target, &e))?;
        self.in_tx = true;
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        self.in_tx = false;
        let target = self.target.clone();
        self.client_mut()?
            .batch_execute("COMMIT")
            .map_err(|e| pg_error(&target, &e))
    }

    fn rollback(&mut self) {
        self.in_tx = false;
        if let Ok(c) = self.client_mut() {
            let _ = c.batch_execute("ROLLBACK");
        }
    }

    fn mark_sent(&mut self, key: &str, now: Timestamp) -> Result<(), StoreError> {
        self.change(
            "UPDATE peerwell_outbox SET state = 'sent', sent_at = $2, last_error = NULL \
             WHERE key = $1",
            &[&key, &whole(now)],
        )
        .map(drop)
    }

    fn mark_retry(&mut self, key: &str, error: &str, next_at: Timestamp) -> Result<(), StoreError> {
        self.change(
            "UPDATE peerwell_outbox SET state = 'queued', last_error = $2, next_attempt_at = $3 \
             WHERE key = $1",
            &[&key, &error, &whole(next_at)],
        )
        .map(drop)
    }

    fn mark_failed(&mut self, key: &str, error: &str) -> Result<(), StoreError> {
        self.change(
            "UPDATE peerwell_outbox SET state = 'failed', last_error = $2 WHERE key = $1",
            &[&key, &error],
        )
        .map(drop)
    }

    fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        self.read(|c, t| {
            c.query_one(
                "SELECT min(next_attempt_at) FROM peerwell_outbox WHERE state = 'queued'",
                &[],
            )
            .map(|r| r.get(0))
            .map_err(|e| pg_error(t, &e))
        })
    }

    fn list(&self, state: Option<MailState>) -> Result<Vec<OutboxRow>, StoreError> {
        let state = state.map(MailState::as_str);
        let rows = self.read(|c, t| {
            c.query(
                "SELECT key, message_id, group_id, idx, kind, recipient, due, send_at, state, \
                 attempts, next_attempt_at, last_error, sent_at FROM peerwell_outbox \
                 WHERE $1::text IS NULL OR state = $1 ORDER BY send_at, key COLLATE \"C\"",
                &[&state],
            )
            .map_err(|e| pg_error(t, &e))
        })?;
        rows.iter().map(|r| outbox_row(&self.target, r)).collect()
    }

    fn message(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|c, t| {
            c.query_opt(
                "SELECT message FROM peerwell_outbox WHERE key = $1",
                &[&key],
            )
            .map(|r| r.map(|r| r.get(0)))
            .map_err(|e| pg_error(t, &e))
        })
    }

    fn alerts(&self) -> Result<BTreeMap<String, (String, Timestamp)>, StoreError> {
        let rows = self.read(|c, t| {
            c.query(
                "SELECT group_id, kind, since FROM peerwell_mail_alerts",
                &[],
            )
            .map_err(|e| pg_error(t, &e))
        })?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect())
    }

    fn set_alert(
        &mut self,
        group: &str,
        alert: Option<(&str, Timestamp)>,
    ) -> Result<(), StoreError> {
        match alert {
            Some((kind, since)) => self.change(
                "INSERT INTO peerwell_mail_alerts (group_id, kind, since) VALUES ($1, $2, $3) \
                 ON CONFLICT (group_id) DO UPDATE SET kind = $2, since = $3",
                &[&group, &kind, &whole(since)],
            ),
            None => self.change(
                "DELETE FROM peerwell_mail_alerts WHERE group_id = $1",
                &[&group],
            ),
        }
        .map(drop)
    }
}
