//! `sched`: solve a `../shared/bench/sched/gen_instance.py` instance with the
//! production joint solver and write the solution in `solve.py`'s format,
//! so `verify_solution.py` can check it.
//!
//! Mapping: one period; a group's options are every start on the 15-minute
//! grid where a 60-minute meeting fits in the day (08:00–18:00, Mon–Fri) and
//! all members are free; score 1 when the meeting ends by 12:00, else 0 —
//! exactly the instance's objective (groups first, then morning meetings).

use std::time::Instant;

use anyhow::{Context, bail};
use peerwell_core::schedule::solver::{Effort, GroupChoice, Problem, SlotOption, solve_with_bound};
use serde_json::{Map, Value, json};

const SLOTS_PER_DAY: u32 = 40;
const DAYS: u32 = 5;
const MEET: u32 = 4;
const WEEK_SLOTS: u32 = SLOTS_PER_DAY * DAYS;

/// A 200-slot free/busy mask.
type Mask = [u64; 4];

fn bit(m: &Mask, t: u32) -> bool {
    m[(t / 64) as usize] >> (t % 64) & 1 == 1
}

/// Runs `sched INSTANCE.json SOLUTION.json [--steps N] [--seed S]`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let mut files = Vec::new();
    let mut steps = None;
    let mut seed = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--steps" => steps = Some(it.next().context("--steps needs a value")?.parse::<u64>()?),
            "--seed" => seed = Some(it.next().context("--seed needs a value")?.parse::<u64>()?),
            f if !f.starts_with("--") => files.push(f.to_string()),
            other => bail!("unexpected argument {other}"),
        }
    }
    let [inst_path, out_path] = files.as_slice() else {
        bail!("sched needs INSTANCE.json SOLUTION.json");
    };
    let whole = Instant::now();
    let text =
        std::fs::read_to_string(inst_path).with_context(|| format!("reading {inst_path}"))?;
    let inst: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {inst_path}"))?;
    let t_build = Instant::now();
    let (problem, starts) = build(&inst)?;
    let build_time = t_build.elapsed();
    let mut effort = Effort::default_for(&problem);
    effort.steps = steps.unwrap_or(effort.steps);
    effort.seed = seed.unwrap_or(effort.seed);
    let t_solve = Instant::now();
    let (solution, bound) = solve_with_bound(&problem, &effort);
    let solve_time = t_solve.elapsed();
    let mut assignments = Map::new();
    let mut morning = 0u64;
    for (g, c) in solution.chosen.iter().enumerate() {
        if let Some(o) = c {
            let s = starts[g][*o as usize];
            morning += u64::from(s % SLOTS_PER_DAY + MEET <= 16);
            assignments.insert(g.to_string(), json!(s));
        }
    }
    let w = problem.groups.len() as u64 + 1;
    let score = w * solution.scheduled as u64 + morning;
    let out = json!({"method": "peerwell", "score": score, "solve_s": solve_time.as_secs_f64(), "assignments": assignments});
    std::fs::write(out_path, serde_json::to_string(&out)?)
        .with_context(|| format!("writing {out_path}"))?;
    let options: usize = problem.groups.iter().map(|g| g.options.len()).sum();
    println!(
        "peerwell: groups={} options={} steps={} scheduled={} bound={} morning={} score={} build={:.1}ms solve={:.1}ms whole={:.1}ms",
        problem.groups.len(),
        options,
        effort.steps,
        solution.scheduled,
        bound,
        morning,
        score,
        build_time.as_secs_f64() * 1e3,
        solve_time.as_secs_f64() * 1e3,
        whole.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

/// The instance as a solver problem, and per group the start slot of each
/// option.
fn build(inst: &Value) -> anyhow::Result<(Problem, Vec<Vec<u32>>)> {
    let people = inst["people"]
        .as_array()
        .context("instance has no people array")?;
    let mut free: Vec<Mask> = Vec::with_capacity(people.len());
    for (i, p) in people.iter().enumerate() {
        let mut m: Mask = [
            u64::MAX,
            u64::MAX,
            u64::MAX,
            (1u64 << (WEEK_SLOTS - 192)) - 1,
        ];
        for iv in p["busy"]
            .as_array()
            .with_context(|| format!("person {i} has no busy array"))?
        {
            let a = iv[0]
                .as_u64()
                .with_context(|| format!("person {i}: bad interval"))?;
            let b = iv[1]
                .as_u64()
                .with_context(|| format!("person {i}: bad interval"))?;
            for t in a..b.min(u64::from(WEEK_SLOTS)) {
                m[(t / 64) as usize] &= !(1u64 << (t % 64));
            }
        }
        free.push(m);
    }
    let groups = inst["groups"]
        .as_array()
        .context("instance has no groups array")?;
    let mut problem = Problem {
        people: people.len() as u32,
        ..Problem::default()
    };
    let mut starts = Vec::with_capacity(groups.len());
    for (gi, g) in groups.iter().enumerate() {
        let members: Vec<u32> = g["members"]
            .as_array()
            .with_context(|| format!("group {gi} has no members"))?
            .iter()
            .map(|m| {
                m.as_u64()
                    .and_then(|m| u32::try_from(m).ok())
                    .filter(|&m| (m as usize) < free.len())
            })
            .collect::<Option<_>>()
            .with_context(|| format!("group {gi}: bad member"))?;
        let mut common: Mask = [u64::MAX; 4];
        for &m in &members {
            for k in 0..4 {
                common[k] &= free[m as usize][k];
            }
        }
        let mut options = Vec::new();
        let mut st = Vec::new();
        for day in 0..DAYS {
            for sod in 0..=SLOTS_PER_DAY - MEET {
                let s = day * SLOTS_PER_DAY + sod;
                if (s..s + MEET).all(|t| bit(&common, t)) {
                    let start = day * 1440 + 480 + sod * 15;
                    options.push(SlotOption {
                        start,
                        end: start + 60,
                        attends: vec![1; members.len()],
                        score: i64::from(sod + MEET <= 16),
                    });
                    st.push(s);
                }
            }
        }
        problem.groups.push(GroupChoice { members, options });
        starts.push(st);
    }
    Ok((problem, starts))
}
