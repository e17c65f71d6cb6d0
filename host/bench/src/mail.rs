//! `peerwell-bench mail drain ORG_DIR [--count N] [--now RFC3339]`: how fast
//! the daemon's sender empties its outbox into an SMTP server.
//!
//! ORG_DIR's `peerwell.toml` names the server in `[mail.smtp]` (the bench
//! script points it at Postfix's `smtp-sink`); `$PEERWELL_DATA_DIR` should
//! name an empty folder. The organization is planned at `--now` and its
//! reminders queued exactly as the daemon does after a pass (timed: the
//! enqueue). Then the first `--count` queued messages by due time are made
//! due now (the rest deleted) and [`peerwell::mail::drain`] sends them, one
//! SMTP transaction each over a reused connection, each claimed and marked in
//! the state file as in the daemon (timed: the drain). Every row must end
//! `sent`; the figure is printed with the count.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use jiff::Timestamp;
use peerwell::daemon::plan_pass;
use peerwell::mail::{self, SenderConfig};
use peerwell::state::{Clock, ServerState};
use peerwell_config::server::ServerSettings;
use tokio::sync::watch;

/// `mail drain ORG_DIR [--count N] [--now RFC3339]`: plans, queues every
/// reminder, keeps the first `count` and times draining them.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let (dir, count, now) = arguments(args)?;
    let (shared, _stop, config) = plan_and_queue(&dir, now)?;
    keep_first(&config, count, now)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let started = Instant::now();
    // On a worker thread, as the daemon's sender task runs.
    let task = {
        let (shared, config) = (shared.clone(), config.clone());
        runtime.spawn(async move { mail::drain(&shared, &config).await })
    };
    let sent = runtime.block_on(task)?.map_err(anyhow::Error::msg)?;
    report_drain(&config, count, sent, started.elapsed())
}

/// `drain ORG_DIR [--count N] [--now RFC3339]`.
fn arguments(args: &[String]) -> anyhow::Result<(PathBuf, usize, Timestamp)> {
    if args.first().map(String::as_str) != Some("drain") {
        bail!("usage: peerwell-bench mail drain ORG_DIR [--count N] [--now RFC3339]");
    }
    let mut dir: Option<PathBuf> = None;
    let mut count: usize = 10_000;
    let mut now: Timestamp = "2026-03-01T12:00:00Z".parse()?;
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--count" => count = it.next().context("--count N")?.parse()?,
            "--now" => now = it.next().context("--now RFC3339")?.parse()?,
            other if dir.is_none() => dir = Some(PathBuf::from(other)),
            other => bail!("unexpected argument {other:?}"),
        }
    }
    Ok((dir.context("ORG_DIR")?, count, now))
}

/// Plans the organization once and queues its reminders, as the daemon's
/// first pass does; prints how long each took.
fn plan_and_queue(
    dir: &Path,
    now: Timestamp,
) -> anyhow::Result<(ServerState, watch::Sender<bool>, SenderConfig)> {
    let started = Instant::now();
    let snapshot =
        plan_pass(dir, now, None, &|_| Default::default()).map_err(anyhow::Error::msg)?;
    let plan_time = started.elapsed();
    let (shared, stop) = ServerState::new(ServerSettings::default(), Clock::manual(now));
    let snapshot = Arc::new(snapshot);
    shared.publish(snapshot.clone());
    let started = Instant::now();
    let queued = mail::after_pass(&shared, &snapshot).map_err(anyhow::Error::msg)?;
    let enqueue_time = started.elapsed();
    let config = SenderConfig::for_snapshot(&snapshot)?;
    println!(
        "planned {} sessions in {:.2} s; queued {} messages in {:.2} s ({:.1} µs each)",
        snapshot.plan.sessions.len(),
        plan_time.as_secs_f64(),
        queued.queued,
        enqueue_time.as_secs_f64(),
        enqueue_time.as_secs_f64() * 1e6 / queued.queued.max(1) as f64
    );
    Ok((shared, stop, config))
}

/// The SQLite state file the drain bench reads directly.
fn sqlite_file(config: &SenderConfig) -> anyhow::Result<&std::path::Path> {
    config
        .state
        .sqlite_path()
        .ok_or_else(|| anyhow::anyhow!("the mail bench runs on the SQLite state only"))
}

/// Keeps the first `count` queued messages by due time and makes them due
/// now.
fn keep_first(config: &SenderConfig, count: usize, now: Timestamp) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(sqlite_file(config)?)?;
    let kept = conn.execute(
        "DELETE FROM outbox WHERE key NOT IN \
         (SELECT key FROM outbox WHERE state = 'queued' ORDER BY due, key LIMIT ?1)",
        [count as i64],
    )?;
    conn.execute(
        "UPDATE outbox SET next_attempt_at = ?1, send_at = ?1, expires_at = NULL",
        [now.as_second()],
    )?;
    let rows: i64 = conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
    if rows as usize != count {
        bail!("only {rows} messages to send (wanted {count}; {kept} deleted): use a larger org");
    }
    Ok(())
}

/// Prints the drain's rate and the outbox's states; an error unless every
/// message was sent.
fn report_drain(
    config: &SenderConfig,
    count: usize,
    sent: usize,
    drain_time: std::time::Duration,
) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(sqlite_file(config)?)?;
    let states: Vec<(String, i64)> = conn
        .prepare("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let sent_rows = states
        .iter()
        .find(|(s, _)| s == "sent")
        .map_or(0, |(_, n)| *n);
    println!(
        "drained {sent} messages in {:.3} s ({:.0} per second); outbox: {}",
        drain_time.as_secs_f64(),
        sent as f64 / drain_time.as_secs_f64(),
        states
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if sent_rows as usize != count || sent != count {
        bail!("not every message was sent: {sent} handed over, {sent_rows} marked sent");
    }
    Ok(())
}
