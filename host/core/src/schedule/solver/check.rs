//! An independent validator of solutions: it shares no code with the
//! engine, so tests can hold one against the other.

use std::collections::BTreeMap;

use super::{Problem, Solution, WEEK_MINUTES};

/// One person's booking while checking: range, periods, owner (`None` for
/// fixed time).
type Held = (u32, u32, u128, Option<usize>);

/// See [`super::check`].
pub(super) fn check(problem: &Problem, solution: &Solution) -> Result<(), String> {
    if solution.chosen.len() != problem.groups.len() {
        return Err(format!(
            "solution has {} entries for {} groups",
            solution.chosen.len(),
            problem.groups.len()
        ));
    }
    let mut held: BTreeMap<u32, Vec<Held>> = BTreeMap::new();
    let mut scheduled = 0usize;
    let mut score = 0i64;
    for (g, choice) in solution.chosen.iter().enumerate() {
        let Some(o) = *choice else { continue };
        let group = &problem.groups[g];
        let Some(opt) = group.options.get(o as usize) else {
            return Err(format!(
                "group {g}: option {o} does not exist ({} options)",
                group.options.len()
            ));
        };
        if opt.start >= opt.end || opt.end > WEEK_MINUTES {
            return Err(format!(
                "group {g}: option {o} has range {}..{} outside the week",
                opt.start, opt.end
            ));
        }
        if opt.attends.len() != group.members.len() {
            return Err(format!(
                "group {g}: option {o} has {} attendance masks for {} members",
                opt.attends.len(),
                group.members.len()
            ));
        }
        // A person listed twice attends in the union of their masks.
        let mut merged: BTreeMap<u32, u128> = BTreeMap::new();
        for (&p, &m) in group.members.iter().zip(&opt.attends) {
            if p >= problem.people {
                return Err(format!(
                    "group {g}: member {p} is not a person (people: {})",
                    problem.people
                ));
            }
            *merged.entry(p).or_default() |= m;
        }
        for (p, m) in merged {
            if m != 0 {
                held.entry(p)
                    .or_default()
                    .push((opt.start, opt.end, m, Some(g)));
            }
        }
        scheduled += 1;
        score += opt.score;
    }
    for b in &problem.fixed {
        if b.start < b.end && b.periods != 0 && held.contains_key(&b.person) {
            held.entry(b.person)
                .or_default()
                .push((b.start, b.end, b.periods, None));
        }
    }
    for (&p, list) in &held {
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                let overlap = a.0 < b.1 && b.0 < a.1 && a.2 & b.2 != 0;
                if overlap && (a.3.is_some() || b.3.is_some()) {
                    return Err(conflict_text(p, a, b));
                }
            }
        }
        if let Some(Some(cap)) = problem.caps.get(p as usize) {
            let chosen_periods = list
                .iter()
                .filter(|h| h.3.is_some())
                .fold(0u128, |acc, h| acc | h.2);
            for k in 0..128 {
                let bit = 1u128 << k;
                if chosen_periods & bit == 0 {
                    continue;
                }
                let used: u64 = list
                    .iter()
                    .filter(|h| h.2 & bit != 0)
                    .map(|h| u64::from(h.1 - h.0))
                    .sum();
                if used > u64::from(*cap) {
                    return Err(format!(
                        "person {p}: {used} minutes in period {k} exceed the cap of {cap}"
                    ));
                }
            }
        }
    }
    if scheduled != solution.scheduled || score != solution.score {
        return Err(format!(
            "solution claims {} scheduled and score {}, but its choices give {scheduled} and {score}",
            solution.scheduled, solution.score
        ));
    }
    Ok(())
}

fn conflict_text(p: u32, a: &Held, b: &Held) -> String {
    let who = |h: &Held| match h.3 {
        Some(g) => format!("group {g} at {}..{}", h.0, h.1),
        None => format!("fixed time {}..{}", h.0, h.1),
    };
    format!("person {p} is booked twice: {} and {}", who(a), who(b))
}
