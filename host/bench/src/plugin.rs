//! `plugin`: the cost of WebAssembly format plugins (issue 4, point 9).
//!
//! - `plugin calls NAME=FILE... [--rounds N]`: per-session planning cost
//!   of each plugin over the same realistic requests (6 members, history
//!   growing to 11 past sessions, one absentee each time): a warm call on
//!   one [`PluginInstance`], session by session and the whole series in
//!   one `plan_series` call; [`PluginFormat`] outside a planning pass (a
//!   fresh instance per call); the planner's path since, one planning pass
//!   per series (an instance per group and pass), session by session and
//!   as one `plan_series` call (time per session: the call's / sessions);
//!   and the built-in `check-in` format as the reference in the same run.
//!   Median and p90 per call after warm-up.
//! - `plugin load NAME=FILE... [--runs N]`: [`Plugin::load`] with an empty
//!   cache folder (compile) and with a warm one (deserialize).
//! - `plugin org BUILTIN_DIR PLUGIN_DIR [--runs N]`: the same organization
//!   planned on the built-in format and on a plugin (see
//!   `host/bench/plugin.sh`); checks that the plans are equal and reports the
//!   planning step's overhead.

mod org;
mod requests;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use peerwell_core::formats::{CheckIn, Format, SessionPlan};
use peerwell_plugins::{Limits, Plugin, PluginFormat, PluginInstance, PluginSpec};

use requests::Series;

/// Runs `plugin calls|load|org ...`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("calls") => calls(&args[1..]),
        Some("load") => load(&args[1..]),
        Some("org") => org::run(&args[1..]),
        _ => bail!(
            "usage: peerwell-bench plugin calls NAME=FILE... [--rounds N] | \
             load NAME=FILE... [--runs N] | org BUILTIN_DIR PLUGIN_DIR [--runs N]"
        ),
    }
}

/// `NAME=FILE` arguments and one numeric `--flag N`.
fn parse(args: &[String], flag: &str, default: usize) -> anyhow::Result<(Vec<PluginSpec>, usize)> {
    let mut specs = Vec::new();
    let mut n = default;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == flag {
            let v = it.next().with_context(|| format!("{flag} needs a value"))?;
            n = v
                .parse()
                .with_context(|| format!("{flag} {v}: not a number"))?;
            continue;
        }
        let Some((name, file)) = a.split_once('=') else {
            bail!("expected NAME=FILE.wasm or {flag} N, got {a}");
        };
        specs.push(PluginSpec {
            name: name.to_string(),
            path: PathBuf::from(file),
            label: file.to_string(),
            limits: Limits::default(),
        });
    }
    if specs.is_empty() {
        bail!("name at least one plugin as NAME=FILE.wasm");
    }
    Ok((specs, n.max(1)))
}

/// Median and 90th percentile of `samples` (sorted in place).
pub fn median_p90(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().unwrap_or_default()
    };
    (at(0.5), at(0.9))
}

/// Microseconds with two decimals.
pub fn us(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Times each call of `plan` over every request of `series`, `rounds` times
/// after `warmup` unmeasured rounds; returns one sample per call.
fn time_calls(
    series: &Series,
    warmup: usize,
    rounds: usize,
    mut plan: impl FnMut(usize) -> anyhow::Result<SessionPlan>,
) -> anyhow::Result<Vec<Duration>> {
    let n = series.len();
    for _ in 0..warmup {
        for i in 0..n {
            std::hint::black_box(plan(i)?);
        }
    }
    let mut samples = Vec::with_capacity(rounds * n);
    for _ in 0..rounds {
        for i in 0..n {
            let t = Instant::now();
            let p = plan(i)?;
            samples.push(t.elapsed());
            std::hint::black_box(p);
        }
    }
    Ok(samples)
}

/// Times `plan_series` (a whole series of `n` sessions) `rounds` times
/// after `warmup` unmeasured rounds; returns one sample per session (the
/// series' time divided by `n`), comparable with [`time_calls`].
fn time_series(
    n: usize,
    warmup: usize,
    rounds: usize,
    mut plan: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Vec<Duration>> {
    for _ in 0..warmup {
        plan()?;
    }
    let mut samples = Vec::with_capacity(rounds * n);
    for _ in 0..rounds {
        let t = Instant::now();
        plan()?;
        let each = t.elapsed() / n.max(1) as u32;
        samples.extend(std::iter::repeat_n(each, n));
    }
    Ok(samples)
}

fn line(label: &str, samples: &mut [Duration]) {
    let (median, p90) = median_p90(samples);
    println!(
        "  {label:<36} median {:>10}  p90 {:>10}  ({} calls)",
        us(median),
        us(p90),
        samples.len()
    );
}

/// `plugin calls`: warm, instantiate-per-call, one pass per series
/// (session by session, and as one `plan_series`) and native, per session.
/// `--only warm|fresh|pass|series|native` runs one of them (for profiling).
fn calls(args: &[String]) -> anyhow::Result<()> {
    let (only, rest) = only_flag(args)?;
    let (specs, rounds) = parse(&rest, "--rounds", 2000)?;
    let cache = scratch_dir("calls")?;
    for spec in &specs {
        calls_of(spec, &cache, rounds, only.as_deref())?;
    }
    remove(&cache);
    Ok(())
}

/// Splits `--only KIND` off the arguments.
fn only_flag(args: &[String]) -> anyhow::Result<(Option<String>, Vec<String>)> {
    let mut only = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--only" {
            let v = it
                .next()
                .context("--only needs warm, fresh, pass, series or native")?;
            if !["warm", "fresh", "pass", "series", "native"].contains(&v.as_str()) {
                bail!("--only {v}: expected warm, fresh, pass, series or native");
            }
            only = Some(v.clone());
        } else {
            rest.push(a.clone());
        }
    }
    Ok((only, rest))
}

/// One plugin's series and round counts, shared by its measurements.
struct Run<'a> {
    series: Series,
    duration: u32,
    rounds: usize,
    warmup: usize,
    only: Option<&'a str>,
}

impl Run<'_> {
    /// Whether the measurement `kind` is wanted.
    fn runs(&self, kind: &str) -> bool {
        self.only.is_none_or(|o| o == kind)
    }
}

/// Every measurement of one plugin.
fn calls_of(
    spec: &PluginSpec,
    cache: &Path,
    rounds: usize,
    only: Option<&str>,
) -> anyhow::Result<()> {
    let plugin =
        Plugin::load(spec, Some(cache), Default::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let info = plugin.info().clone();
    let group = requests::group(&spec.name);
    let mut warm = plugin
        .instance_for(&group)
        .map_err(|e| anyhow::anyhow!("plugin {}: instance: {e}", spec.name))?;
    let duration = warm
        .requirements(&group)
        .map_err(|e| anyhow::anyhow!("plugin {}: requirements: {e}", spec.name))?
        .duration_minutes;
    let series = Series::build(&group, |r| {
        warm.plan_session(r, duration)
            .map_err(|e| anyhow::anyhow!("plugin {}: plan-session: {e}", spec.name))
    })?;
    // The plugin's rounds are sized by its per-call cost (the JS plugin
    // is ~100x slower than the Rust ones).
    let probe = Instant::now();
    let _ = warm.plan_session(&series.request(0), duration);
    let scale = (probe.elapsed().as_micros() / 20).clamp(1, 100) as usize;
    let rounds = (rounds / scale).max(50);
    let run = Run {
        series,
        duration,
        rounds,
        warmup: (rounds / 10).max(5),
        only,
    };
    println!(
        "{} ({} {}, {} sessions of {} min, {} members, {} rounds)",
        spec.name,
        info.name,
        info.version,
        run.series.len(),
        duration,
        group.members.len(),
        rounds
    );
    if run.runs("warm") {
        warm_calls(&run, &mut warm)?;
    }
    drop(warm);
    let format = PluginFormat::new(plugin);
    format
        .requirements(&group)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    format_calls(&run, &format)?;
    native_calls(&run, &format, info.name == CheckIn::NAME)
}

/// Calls on one warm instance: session by session, then the whole series
/// at once (the planner's call, the history built inside the plugin).
fn warm_calls(run: &Run<'_>, warm: &mut PluginInstance) -> anyhow::Result<()> {
    let (series, duration) = (&run.series, run.duration);
    let mut s = time_calls(series, run.warmup, run.rounds, |i| {
        warm.plan_session(&series.request(i), duration)
            .map_err(|e| anyhow::anyhow!("warm plan-session {i}: {e}"))
    })?;
    line("warm (one PluginInstance)", &mut s);
    let items = series.items();
    let request = series.series_request(&items);
    let mut s = time_series(series.len(), run.warmup, run.rounds, || {
        warm.plan_series(&request, duration)
            .map_err(|e| anyhow::anyhow!("warm plan-series: {e}"))?
            .context("plan-series answered unsupported")?;
        Ok(())
    })?;
    line("warm, series per call (plan_series)", &mut s);
    Ok(())
}

/// Calls through the host's `PluginFormat`: an instance per call, and the
/// planner's path since instances are kept per group and pass (one
/// planning pass per round of the series; the first call makes the
/// instance), session by session and as one `plan-series` call.
fn format_calls(run: &Run<'_>, format: &PluginFormat) -> anyhow::Result<()> {
    let series = &run.series;
    if run.runs("fresh") {
        let mut s = time_calls(series, run.warmup, run.rounds, |i| {
            Format::plan_session(format, &series.request(i)).map_err(|e| anyhow::anyhow!("{e}"))
        })?;
        line("instantiate-per-call (PluginFormat)", &mut s);
    }
    if run.runs("pass") {
        let mut s = time_calls(series, run.warmup, run.rounds, |i| {
            if i == 0 {
                format.end_pass();
                format.begin_pass();
            }
            Format::plan_session(format, &series.request(i)).map_err(|e| anyhow::anyhow!("{e}"))
        })?;
        format.end_pass();
        line("one pass per series (plan_session)", &mut s);
    }
    if run.runs("series") {
        series_calls(run, format)?;
    }
    Ok(())
}

/// One pass per series as one `plan_series` call, checked against the
/// plans of `plan_session`.
fn series_calls(run: &Run<'_>, format: &PluginFormat) -> anyhow::Result<()> {
    let series = &run.series;
    let items = series.items();
    let request = series.series_request(&items);
    let mut plans = Vec::new();
    let mut s = time_series(series.len(), run.warmup, run.rounds, || {
        format.begin_pass();
        let out = Format::plan_series(format, &request);
        format.end_pass();
        plans = out.map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    })?;
    line("one pass per series (plan_series)", &mut s);
    let same = (0..series.len()).all(|i| {
        plans.get(i)
            == Format::plan_session(format, &series.request(i))
                .ok()
                .as_ref()
    });
    println!(
        "  plan_series gives the plans of plan_session: {}",
        if same { "yes" } else { "NO" }
    );
    if !same {
        bail!("plan_series planned differently from plan_session");
    }
    Ok(())
}

/// The reference: the built-in check-in format on the same requests, with
/// the same rounds, in the same run. It plans the same dates, attendees and
/// absentees; its history is made of its own plans. A check-in plugin's
/// plans must equal it.
fn native_calls(run: &Run<'_>, format: &PluginFormat, is_check_in: bool) -> anyhow::Result<()> {
    let native_group = requests::group(CheckIn::NAME);
    let native_series = Series::build(&native_group, |r| Ok(CheckIn.plan_session(r)?))?;
    if run.runs("native") {
        let mut s = time_calls(&native_series, run.warmup, run.rounds, |i| {
            CheckIn
                .plan_session(&native_series.request(i))
                .map_err(|e| anyhow::anyhow!("{e}"))
        })?;
        line("native built-in check-in (reference)", &mut s);
    }
    if is_check_in {
        let same = (0..run.series.len()).all(|i| {
            let p = Format::plan_session(format, &run.series.request(i));
            let n = CheckIn.plan_session(&native_series.request(i));
            matches!((p, n), (Ok(p), Ok(n)) if p == n)
        });
        println!(
            "  plans equal to the built-in check-in's: {}",
            if same { "yes" } else { "NO" }
        );
        if !same {
            bail!("the check-in plugin planned differently from the built-in format");
        }
    }
    Ok(())
}

/// `plugin load`: compile (empty cache) vs deserialize (warm cache).
fn load(args: &[String]) -> anyhow::Result<()> {
    let (specs, runs) = parse(args, "--runs", 5)?;
    // Start the engine (and its epoch thread) outside the measurements.
    let first = specs.first().context("no plugin")?;
    let warmup = scratch_dir("engine")?;
    Plugin::load(first, Some(&warmup), Default::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
    remove(&warmup);
    for spec in &specs {
        let size = std::fs::metadata(&spec.path)
            .with_context(|| format!("{}", spec.path.display()))?
            .len();
        println!("{} ({:.1} KiB)", spec.name, size as f64 / 1024.0);
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        for run in 0..runs {
            let dir = scratch_dir(&format!("load-{run}"))?;
            cold.push(timed_load(spec, &dir)?);
            // Each warm-cache run reads the entry the compile just wrote.
            for _ in 0..4 {
                warm.push(timed_load(spec, &dir)?);
            }
            remove(&dir);
        }
        for (label, s) in [
            ("empty cache (compile)", &mut cold),
            ("warm cache (deserialize)", &mut warm),
        ] {
            let (median, _) = median_p90(s);
            let (lo, hi) = (
                s.first().copied().unwrap_or_default(),
                s.last().copied().unwrap_or_default(),
            );
            println!(
                "  Plugin::load, {label:<26} median {:>11}  range {} – {}  ({} loads)",
                ms(median),
                ms(lo),
                ms(hi),
                s.len()
            );
        }
    }
    Ok(())
}

fn timed_load(spec: &PluginSpec, dir: &Path) -> anyhow::Result<Duration> {
    let t = Instant::now();
    let plugin =
        Plugin::load(spec, Some(dir), Default::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let took = t.elapsed();
    drop(plugin);
    Ok(took)
}

/// A fresh, empty folder under the temporary directory.
fn scratch_dir(what: &str) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "peerwell-bench-plugin-{}-{what}",
        std::process::id()
    ));
    remove(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn remove(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
