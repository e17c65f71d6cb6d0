//! `peerwell-bench state commit ORG_DIR --url URL... [--now RFC3339]`: how
//! long committing one organization's plan takes on SQLite and on
//! PostgreSQL.
//!
//! The organization is planned once at `--now` (as the daemon's first pass
//! does; `$PEERWELL_DATA_DIR` should name an empty folder and
//! `PEERWELL_STATE_URL` be unset). Then, once per `--url` (one fresh, empty
//! database each), the same plan is committed with [`Store::commit`] into a
//! fresh SQLite file and into that database, alternating, SQLite first. Each
//! store is opened (schema created) before the clock starts: the figure is
//! the commit's transaction alone. Every round and the medians are printed;
//! both backends must report the same number of sessions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use jiff::Timestamp;
use peerwell::daemon::plan_pass;
use peerwell_core::schedule::Plan;
use peerwell_store::{StateConfig, StateLocation, Store, URL_ENV};

/// What `state commit` was given.
struct Arguments {
    dir: PathBuf,
    urls: Vec<String>,
    now: Timestamp,
}

/// `state commit ORG_DIR --url URL... [--now RFC3339]`: plans once, then
/// times one commit per backend per URL.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let a = arguments(args)?;
    let started = Instant::now();
    let snapshot =
        plan_pass(&a.dir, a.now, None, &|_| Default::default()).map_err(anyhow::Error::msg)?;
    println!(
        "planned {} sessions of {} groups in {:.2} s",
        snapshot.plan.sessions.len(),
        snapshot.loaded.zones().len(),
        started.elapsed().as_secs_f64()
    );
    let zones = snapshot.loaded.zones();
    let scratch = scratch_dir()?;
    let (mut sqlite, mut postgres) = (Vec::new(), Vec::new());
    for (round, url) in a.urls.iter().enumerate() {
        let file = scratch.join(format!("round-{round}.sqlite"));
        let s = time_commit(&StateLocation::Sqlite(file), &snapshot.plan, a.now, &zones)?;
        let p = time_commit(&postgres_location(url)?, &snapshot.plan, a.now, &zones)?;
        println!(
            "round {}: SQLite {:.3} s, PostgreSQL {:.3} s",
            round + 1,
            s.as_secs_f64(),
            p.as_secs_f64()
        );
        sqlite.push(s);
        postgres.push(p);
    }
    std::fs::remove_dir_all(&scratch).ok();
    let (s, p) = (median(&mut sqlite), median(&mut postgres));
    println!(
        "median over {} rounds: SQLite {s:.3} s, PostgreSQL {p:.3} s ({:.1}x SQLite)",
        a.urls.len(),
        p / s
    );
    Ok(())
}

/// `commit ORG_DIR --url URL... [--now RFC3339]`.
fn arguments(args: &[String]) -> anyhow::Result<Arguments> {
    const USAGE: &str = "usage: peerwell-bench state commit ORG_DIR --url URL... [--now RFC3339]";
    if args.first().map(String::as_str) != Some("commit") {
        bail!(USAGE);
    }
    let mut dir: Option<PathBuf> = None;
    let mut urls = Vec::new();
    let mut now: Timestamp = "2026-03-01T12:00:00Z".parse()?;
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--url" => urls.push(it.next().context("--url URL")?.clone()),
            "--now" => now = it.next().context("--now RFC3339")?.parse()?,
            other if dir.is_none() => dir = Some(PathBuf::from(other)),
            other => bail!("unexpected argument {other:?}\n{USAGE}"),
        }
    }
    if urls.is_empty() {
        bail!("no --url given (one fresh database per round)\n{USAGE}");
    }
    let dir = dir.context(USAGE)?;
    Ok(Arguments { dir, urls, now })
}

/// A PostgreSQL location from `url`, as `PEERWELL_STATE_URL` would give it
/// (so the URL may hold a password).
fn postgres_location(url: &str) -> anyhow::Result<StateLocation> {
    let env = |name: &str| (name == URL_ENV).then(|| url.to_string());
    let location = StateLocation::resolve(PathBuf::new(), &StateConfig::default(), env)?;
    if !location.is_shared() {
        bail!("--url {url:?} does not name a PostgreSQL database");
    }
    Ok(location)
}

/// Opens a fresh state at `location` (untimed), then times committing `plan`.
fn time_commit(
    location: &StateLocation,
    plan: &Plan,
    now: Timestamp,
    zones: &BTreeMap<String, String>,
) -> anyhow::Result<Duration> {
    let mut store = Store::open_location(location)?;
    if !store.sessions()?.is_empty() {
        bail!("{} is not empty", location.display().display());
    }
    let started = Instant::now();
    store.commit(plan, now, zones)?;
    let took = started.elapsed();
    let stored = store.sessions()?.len();
    if stored != plan.sessions.len() {
        bail!(
            "{} holds {stored} sessions after the commit, the plan {}",
            location.display().display(),
            plan.sessions.len()
        );
    }
    Ok(took)
}

/// An empty folder for the SQLite files, under the data directory when set.
fn scratch_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("PEERWELL_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("bench-commit-{}", std::process::id()));
    create_empty(&dir)?;
    Ok(dir)
}

fn create_empty(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

/// The median of `times`, in seconds.
fn median(times: &mut [Duration]) -> f64 {
    times.sort();
    let n = times.len();
    let mid = if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    };
    mid.as_secs_f64()
}
