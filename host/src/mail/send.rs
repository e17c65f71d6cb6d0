//! The sender: takes due messages from the outbox in batches of up to
//! `connections` (marking them `sending` in one transaction), hands each to
//! the transport under a deadline (`send_timeout_seconds`; lettre's own
//! timeout covers only the connect), all at once over as many SMTP
//! connections, and records the outcomes in one transaction. A crash
//! between a server's acceptance and that record leaves the batch
//! `sending`: those messages are sent again at the next start (the
//! duplicate window, at most `connections` messages). Transient failures retry with exponential
//! backoff (`retry_seconds`, doubling, at most an hour, `max_attempts` in
//! all); permanent ones are recorded with the server's reply. It sleeps
//! until the next message is due by the daemon's clock, or until a pass
//! queues something ([`super::wake`]), or until shutdown; a send in flight
//! at shutdown finishes first.
//!
//! Who may send: with an embedded state, this process. Among replicas on a
//! shared database, only the leader, and only while its lease is valid by
//! its own monotonic clock ([`crate::state::Replica::may_send`]), checked
//! before each claim and again right before each message is handed to the
//! server; the database refuses the claims and marks of a leader that lost
//! its lease (fencing). The remaining window: a message handed to the
//! server just before the leader was paused or cut off stays `sending`
//! under the old lease generation, and the next leader sends it again
//! (same Message-ID) — at most `connections` messages per lost lease.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::WAKE;
use super::transport::{BuildError, SendError, Transport};
use crate::state::{Metrics, ServerState, off_runtime};
use peerwell_core::mail::MailSettings;
use peerwell_store::StoreError;
use peerwell_store::outbox::{Claimed, Outbox};

/// Why the sender could not use the outbox; it tries again later.
#[derive(Debug, thiserror::Error)]
pub enum SenderError {
    /// The outbox could not be opened, read or written.
    #[error(transparent)]
    Outbox(#[from] StoreError),
}

/// Where the sender finds the outbox and writes `.eml` files by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderConfig {
    /// The state holding the outbox.
    pub state: peerwell_store::StateLocation,
    /// The default `.eml` folder (`mail/` beside the state file).
    pub folder: PathBuf,
}

impl SenderConfig {
    /// The outbox of the organization in `snapshot`, in its data folder
    /// (`$PEERWELL_DATA_DIR` or `data_dir`).
    pub fn for_snapshot(snapshot: &crate::state::Snapshot) -> Result<SenderConfig, StoreError> {
        let org = &snapshot.loaded.org;
        let folder = crate::pipeline::state_path(org, None)
            .parent()
            .map_or_else(|| PathBuf::from("mail"), |d| d.join("mail"));
        let state = crate::pipeline::state_location(org, None)?;
        Ok(SenderConfig { state, folder })
    }
}

/// A transport built for the settings it was built from.
struct Current {
    settings: MailSettings,
    transport: Arc<Transport>,
}

/// The delay before attempt `attempt + 1` after `attempt` failed.
pub fn backoff(settings: &MailSettings, attempt: u32) -> SignedDuration {
    let base = i64::from(settings.retry_seconds);
    let factor = 1i64 << attempt.saturating_sub(1).min(20);
    SignedDuration::from_secs(base.saturating_mul(factor).min(3600))
}

/// The sender's state between wakes.
struct Sender {
    shared: ServerState,
    config: SenderConfig,
    outbox: Option<Outbox>,
    current: Option<Current>,
    /// The lease generation the outbox was last recovered under.
    recovered: Option<u64>,
}

impl Sender {
    /// The outbox, opened on first use (and recovered: rows left
    /// `sending` go back to the queue), writing as this process's current
    /// [`crate::state::Replica::writer`]. Recovered again whenever this
    /// process starts leading under a new lease generation (rows a lost
    /// leader left `sending` are requeued). Call it off the runtime's
    /// threads ([`off_runtime`]): the database client blocks.
    fn outbox(&mut self) -> Result<&mut Outbox, StoreError> {
        let generation = self.shared.replica().lease_generation();
        let writer = self.shared.replica().writer();
        let mut outbox = match self.outbox.take() {
            Some(outbox) => outbox,
            None => {
                self.recovered = None;
                Outbox::open_location(&self.config.state)?
            }
        };
        outbox.set_writer(writer);
        if self.recovered != Some(generation) {
            let back = outbox.recover(self.shared.now())?;
            self.recovered = Some(generation);
            if back > 0 {
                tracing::warn!(
                    count = back,
                    "reminders interrupted while sending are queued again (they may arrive twice)"
                );
            }
        }
        Ok(self.outbox.insert(outbox))
    }

    /// The transport for `settings`, built again when they changed.
    fn transport(&mut self, settings: &MailSettings) -> Result<&Arc<Transport>, BuildError> {
        let current = match self.current.take() {
            Some(c) if &c.settings == settings => c,
            _ => Current {
                settings: settings.clone(),
                transport: Arc::new(Transport::build(settings, &self.config.folder)?),
            },
        };
        Ok(&self.current.insert(current).transport)
    }

    /// Sends the due messages, up to `connections` at once (each claimed,
    /// that is marked `sending`, before it is handed over, and its outcome
    /// recorded when it returns); how many (0: none is due).
    async fn send_due(&mut self, settings: &MailSettings) -> Result<usize, SenderError> {
        if !self.shared.replica().may_send() {
            return Ok(0);
        }
        let now = self.shared.now();
        let batch = off_runtime(|| self.claim(now, settings))?;
        if batch.is_empty() {
            return Ok(0);
        }
        let deadline = Duration::from_secs(u64::from(settings.send_timeout_seconds));
        let mut results: Vec<Option<Result<(), SendError>>> = vec![None; batch.len()];
        let replica = self.shared.replica().clone();
        match self.transport(settings) {
            Ok(transport) => {
                let mut sends = JoinSet::new();
                for (i, claimed) in batch.iter().enumerate() {
                    let (transport, claimed) = (transport.clone(), claimed.clone());
                    let from = settings.from.clone();
                    let timeout_seconds = settings.send_timeout_seconds;
                    let replica = replica.clone();
                    sends.spawn(async move {
                        if !replica.may_send() {
                            let why = "this process's lease ran out before sending";
                            return (i, Err(SendError::Transient(why.to_string())));
                        }
                        let send = transport.send(
                            &from,
                            &claimed.address,
                            &claimed.message_id,
                            &claimed.message,
                        );
                        let result = match tokio::time::timeout(deadline, send).await {
                            Ok(r) => r,
                            Err(_) => Err(SendError::Transient(format!(
                                "no answer within {timeout_seconds} s"
                            ))),
                        };
                        (i, result)
                    });
                }
                while let Some(done) = sends.join_next().await {
                    if let Ok((i, result)) = done {
                        results[i] = Some(result);
                    }
                }
            }
            Err(e) => results.fill(Some(Err(SendError::Transient(e.to_string())))),
        }
        let now = self.shared.now();
        let mut transient = false;
        let metrics = self.shared.metrics().clone();
        off_runtime(|| {
            self.outbox()?.in_transaction(|outbox| {
                for (claimed, result) in batch.iter().zip(results) {
                    let result = result.unwrap_or_else(|| {
                        Err(SendError::Transient("the send task failed".to_string()))
                    });
                    transient |= matches!(result, Err(SendError::Transient(_)));
                    record(outbox, &metrics, settings, claimed, result, now)?;
                }
                Ok::<(), StoreError>(())
            })
        })?;
        if transient {
            // A connection that failed or timed out may be half-used:
            // build a fresh transport for the next messages.
            self.current = None;
        }
        Ok(batch.len())
    }

    /// Expires what started unsent and claims up to `connections` due
    /// messages at `now`.
    fn claim(
        &mut self,
        now: Timestamp,
        settings: &MailSettings,
    ) -> Result<Vec<Arc<Claimed>>, StoreError> {
        let metrics = self.shared.metrics().clone();
        let outbox = self.outbox()?;
        let expired = outbox.expire(now)?;
        metrics
            .reminders_expired
            .fetch_add(expired as u64, Ordering::Relaxed);
        Ok(outbox
            .claim_due(now, settings.connections.max(1) as usize)?
            .into_iter()
            .map(Arc::new)
            .collect())
    }

    /// How long to sleep before the next message is due (at most an hour).
    fn idle_for(&mut self) -> Duration {
        let now = self.shared.now();
        let next = off_runtime(|| self.outbox().ok().and_then(|o| o.next_due().ok().flatten()));
        let hour = Duration::from_secs(3600);
        match next {
            None => hour,
            Some(t) => Duration::try_from(t.duration_since(now))
                .unwrap_or(Duration::ZERO)
                .min(hour),
        }
    }
}

/// Records the outcome of sending `claimed` at `now`.
fn record(
    outbox: &mut Outbox,
    metrics: &Metrics,
    settings: &MailSettings,
    claimed: &Claimed,
    result: Result<(), SendError>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let attempt = claimed.attempts + 1;
    match result {
        Ok(()) => {
            outbox.mark_sent(&claimed.key, now)?;
            Metrics::inc(&metrics.reminders_sent);
            tracing::info!(key = %claimed.key, message_id = %claimed.message_id, attempt, "reminder sent");
        }
        Err(SendError::Permanent(reply)) => {
            outbox.mark_failed(&claimed.key, &reply)?;
            Metrics::inc(&metrics.reminders_failed);
            tracing::warn!(key = %claimed.key, %reply, "reminder refused for good");
        }
        Err(SendError::Transient(reply)) if attempt >= settings.max_attempts => {
            let error = format!("gave up after {attempt} attempts; last: {reply}");
            outbox.mark_failed(&claimed.key, &error)?;
            Metrics::inc(&metrics.reminders_failed);
            tracing::warn!(key = %claimed.key, %reply, attempt, "reminder failed for good");
        }
        Err(SendError::Transient(reply)) => {
            let next = now
                .checked_add(backoff(settings, attempt))
                .unwrap_or(Timestamp::MAX);
            outbox.mark_retry(&claimed.key, &reply, next)?;
            tracing::info!(key = %claimed.key, %reply, attempt, retry_at = %next, "reminder will be retried");
        }
    }
    Ok(())
}

/// `[mail]` of the plan being served (mail off before the first plan).
fn mail_settings(shared: &ServerState) -> MailSettings {
    shared
        .current()
        .map(|s| s.loaded.org.org.mail.clone())
        .unwrap_or_else(|| MailSettings {
            enabled: false,
            ..MailSettings::default()
        })
}

/// Sends every message due now, one after another; how many were handed
/// to the transport (sent, failed or put back for a retry).
pub async fn drain(shared: &ServerState, config: &SenderConfig) -> Result<usize, SenderError> {
    let settings = mail_settings(shared);
    let mut sender = Sender {
        shared: shared.clone(),
        config: config.clone(),
        outbox: None,
        current: None,
        recovered: None,
    };
    let mut n = 0;
    loop {
        match sender.send_due(&settings).await? {
            0 => return Ok(n),
            sent => n += sent,
        }
    }
}

/// Starts the sender on the current runtime; it stops when `shutdown`
/// turns true (or its sender is dropped), after any send in flight.
pub fn spawn_sender(
    shared: ServerState,
    config: SenderConfig,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut sender = Sender {
            shared,
            config,
            outbox: None,
            current: None,
            recovered: None,
        };
        loop {
            if *shutdown.borrow() {
                break;
            }
            if !sender.shared.replica().may_send() {
                // A follower (or a leader whose lease ran out) waits until
                // it leads; the role is looked at again every second.
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    r = shutdown.changed() => if r.is_err() { break },
                }
                continue;
            }
            let settings = mail_settings(&sender.shared);
            let mut pause = None;
            if settings.enabled {
                match sender.send_due(&settings).await {
                    Ok(0) => {}
                    Ok(_) => continue,
                    Err(e) => {
                        tracing::error!(error = %e, "the outbox cannot be used; trying again in a minute");
                        sender.outbox = None;
                        pause = Some(Duration::from_secs(60));
                    }
                }
            }
            let wait = pause.unwrap_or_else(|| {
                if settings.enabled {
                    sender.idle_for()
                } else {
                    Duration::from_secs(3600)
                }
            });
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = WAKE.notified() => {}
                r = shutdown.changed() => if r.is_err() { break },
            }
        }
    })
}
