//! `plugin org BUILTIN_DIR PLUGIN_DIR [--runs N]`: one organization
//! planned on the built-in `check-in` format and on the check-in plugin
//! (the same policy folder with its groups' `format` switched to a
//! `[plugins.<name>]` entry). Both are loaded once (policy, plugin from the
//! cache folder in `PEERWELL_CACHE_DIR`, every calendar), then planned
//! `runs` times, alternating; the plans must be equal. Prints the load and
//! planning times and the plugin's overhead on the planning step.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use peerwell::pipeline::{self, Loaded, Overrides};
use peerwell_core::schedule::{GroupOutcome, Plan};

use super::{median_p90, ms};

/// The planning moment: the evening before the generated horizon starts.
const NOW: &str = "2026-03-01T18:00:00Z";

/// `plugin org`: loads both folders, plans each `runs` times and prints
/// the comparison.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let (builtin_dir, plugin_dir, runs) = arguments(args)?;
    let (builtin, builtin_load) = load(Path::new(&builtin_dir))?;
    let (plugin, plugin_load) = load(Path::new(&plugin_dir))?;
    let plugins = plugin_names(&plugin, &plugin_dir)?;
    let (times, [a, b]) = plan_alternating(&builtin, &plugin, runs)?;
    report_plans(&builtin, &plugins, &a, &b)?;
    println!(
        "  load (policy + calendars, plugin from the warm cache): built-in {}, plugin {}",
        ms(builtin_load),
        ms(plugin_load)
    );
    report_times(times, a.sessions.len(), (builtin_load, plugin_load));
    Ok(())
}

/// `BUILTIN_DIR PLUGIN_DIR [--runs N]`.
fn arguments(args: &[String]) -> anyhow::Result<(String, String, usize)> {
    let mut dirs = Vec::new();
    let mut runs = 5usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--runs" {
            let v = it.next().context("--runs needs a value")?;
            runs = v.parse().with_context(|| format!("--runs {v}"))?;
        } else {
            dirs.push(a.clone());
        }
    }
    let [builtin_dir, plugin_dir] = dirs.as_slice() else {
        bail!("plugin org needs BUILTIN_DIR PLUGIN_DIR");
    };
    Ok((builtin_dir.clone(), plugin_dir.clone(), runs))
}

/// The plugin formats the second folder uses; an error when it names none
/// or one did not load.
fn plugin_names<'a>(plugin: &'a Loaded, plugin_dir: &str) -> anyhow::Result<Vec<&'a str>> {
    let plugins: Vec<&str> = plugin
        .formats
        .names()
        .filter(|n| !peerwell_core::formats::BUILTIN_NAMES.contains(n))
        .collect();
    if plugins.is_empty() {
        bail!("{plugin_dir} names no plugin in its peerwell.toml");
    }
    if let Some((name, reason)) = plugin.formats.broken().next() {
        bail!("plugin {name} did not load: {reason}");
    }
    Ok(plugins)
}

/// Plans both `runs` times, alternating which goes first so drift hits
/// both alike; each one's plan must be the same every time.
fn plan_alternating(
    builtin: &Loaded,
    plugin: &Loaded,
    runs: usize,
) -> anyhow::Result<([Vec<Duration>; 2], [Plan; 2])> {
    let mut times = [Vec::new(), Vec::new()];
    let mut plans: [Option<Plan>; 2] = [None, None];
    for run in 0..runs.max(1) {
        let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            let loaded = if k == 0 { builtin } else { plugin };
            let t = Instant::now();
            let plan = loaded.plan();
            times[k].push(t.elapsed());
            match &plans[k] {
                Some(first) if *first != plan => bail!("planning is not deterministic"),
                Some(_) => {}
                None => plans[k] = Some(plan),
            }
        }
    }
    let [Some(a), Some(b)] = plans else {
        bail!("no plan was made");
    };
    Ok((times, [a, b]))
}

/// Prints what was planned; an error when the two plans differ.
fn report_plans(builtin: &Loaded, plugins: &[&str], a: &Plan, b: &Plan) -> anyhow::Result<()> {
    let scheduled = |p: &Plan| {
        p.outcomes
            .iter()
            .filter(|(_, o)| matches!(o, GroupOutcome::Scheduled { .. }))
            .count()
    };
    println!(
        "organization: {} groups, {} people; plugin format(s): {}",
        builtin.org.groups.len(),
        builtin.org.people.len(),
        plugins.join(", ")
    );
    println!(
        "  built-in: {} sessions, {} groups scheduled; plugin: {} sessions, {} groups scheduled",
        a.sessions.len(),
        scheduled(a),
        b.sessions.len(),
        scheduled(b)
    );
    if a != b {
        bail!("the plans differ between the built-in format and the plugin");
    }
    println!("  plans equal (sessions, agendas, roles, outcomes): yes");
    Ok(())
}

/// Prints the planning times and the plugin's overhead: on medians, on the
/// median of the paired runs, on the fastest of each, and on load + plan.
fn report_times(times: [Vec<Duration>; 2], sessions: usize, loads: (Duration, Duration)) {
    let [mut tb, mut tp] = times;
    // Each run planned both, one right after the other: the ratio within a
    // pair is what drift and other load on the machine disturb least.
    let mut ratios: Vec<f64> = tb
        .iter()
        .zip(&tp)
        .map(|(b, p)| p.as_secs_f64() / b.as_secs_f64().max(1e-9))
        .collect();
    ratios.sort_by(f64::total_cmp);
    let paired = ratios.get(ratios.len() / 2).copied().unwrap_or(1.0);
    let (mb, _) = median_p90(&mut tb);
    let (mp, _) = median_p90(&mut tp);
    print_medians(&tb, mb, &tp, mp);
    let sessions = sessions.max(1) as u32;
    let per_session = |p: Duration, b: Duration| {
        super::us(
            p.saturating_sub(b)
                .checked_div(sessions)
                .unwrap_or_default(),
        )
    };
    println!(
        "  overhead on planning (medians): {:+.1}%  ({} per session)",
        overhead(mp, mb),
        per_session(mp, mb)
    );
    println!(
        "  overhead on planning (median of the {} paired runs): {:+.1}%",
        ratios.len(),
        (paired - 1.0) * 100.0
    );
    let (bb, bp) = (tb[0], tp[0]);
    println!(
        "  overhead on planning (fastest of each, {} vs {}): {:+.1}%  ({} per session)",
        ms(bb),
        ms(bp),
        overhead(bp, bb),
        per_session(bp, bb)
    );
    let (builtin_load, plugin_load) = loads;
    println!(
        "  overhead on load + plan: {:+.1}%",
        overhead(plugin_load + mp, builtin_load + mb)
    );
}

/// Prints each format's median and range (the samples are sorted).
fn print_medians(tb: &[Duration], mb: Duration, tp: &[Duration], mp: Duration) {
    let range = |s: &[Duration]| {
        format!(
            "{} – {}",
            ms(s.first().copied().unwrap_or_default()),
            ms(s.last().copied().unwrap_or_default())
        )
    };
    println!(
        "  plan, built-in format: median {} (range {}, {} runs)",
        ms(mb),
        range(tb),
        tb.len()
    );
    println!(
        "  plan, plugin format:   median {} (range {}, {} runs)",
        ms(mp),
        range(tp),
        tp.len()
    );
}

/// How much slower `p` is than `b`, in percent.
fn overhead(p: Duration, b: Duration) -> f64 {
    (p.as_secs_f64() - b.as_secs_f64()) / b.as_secs_f64().max(1e-9) * 100.0
}

/// Loads a policy folder with every calendar, as `peerwell plan` does.
fn load(dir: &Path) -> anyhow::Result<(Loaded, Duration)> {
    let now = NOW.parse().context("planning moment")?;
    let t = Instant::now();
    let loaded = pipeline::load(
        dir,
        Overrides {
            from: None,
            weeks: None,
            now: Some(now),
        },
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    Ok((loaded, t.elapsed()))
}
