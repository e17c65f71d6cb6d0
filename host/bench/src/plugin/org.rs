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

pub fn run(args: &[String]) -> anyhow::Result<()> {
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
    let (builtin, builtin_load) = load(Path::new(builtin_dir))?;
    let (plugin, plugin_load) = load(Path::new(plugin_dir))?;
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

    let mut times = [Vec::new(), Vec::new()];
    let mut plans: [Option<Plan>; 2] = [None, None];
    for run in 0..runs.max(1) {
        // Alternate which one goes first, so drift hits both alike.
        let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            let loaded = if k == 0 { &builtin } else { &plugin };
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
    let [Some(a), Some(b)] = &plans else {
        bail!("no plan was made");
    };
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
    println!(
        "  load (policy + calendars, plugin from the warm cache): built-in {}, plugin {}",
        ms(builtin_load),
        ms(plugin_load)
    );
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
        range(&tb),
        tb.len()
    );
    println!(
        "  plan, plugin format:   median {} (range {}, {} runs)",
        ms(mp),
        range(&tp),
        tp.len()
    );
    let overhead = |p: Duration, b: Duration| {
        (p.as_secs_f64() - b.as_secs_f64()) / b.as_secs_f64().max(1e-9) * 100.0
    };
    let sessions = a.sessions.len().max(1) as u32;
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
    println!(
        "  overhead on load + plan: {:+.1}%",
        overhead(plugin_load + mp, builtin_load + mb)
    );
    Ok(())
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
