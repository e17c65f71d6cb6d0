use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const NONE: [&str; 0] = [];

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn picks_least_held_then_after_last_holder() {
    let order = ids(&["a", "b", "c", "d"]);
    assert_eq!(rotate(&order, &order, ["a", "b"], 2), ids(&["c", "d"]));
    let h = ["a", "b", "c", "d"];
    assert_eq!(rotate(&order, &order, h, 2), ids(&["a", "b"]));
    // Absent `a` keeps its turn.
    let present = ids(&["b", "c", "d"]);
    assert_eq!(rotate(&order, &present, h, 1), ids(&["b"]));
    // Everyone held it once; the last holder was `b`, so `c` is next.
    let h = ["a", "d", "c", "b"];
    assert_eq!(rotate(&order, &order, h, 4), ids(&["c", "d", "a", "b"]));
    // Eligible ids outside the member order come after it.
    let eligible = ids(&["z", "a"]);
    assert_eq!(rotate(&order, &eligible, NONE, 2), ids(&["a", "z"]));
    // A last holder who left the group: from the first member again.
    assert_eq!(rotate(&order, &order, ["b", "z"], 1), ids(&["a"]));
}

#[test]
fn never_more_than_present() {
    let order = ids(&["a", "b"]);
    assert_eq!(rotate(&order, &ids(&["b"]), NONE, 3), ids(&["b"]));
    assert!(rotate(&order, &[] as &[String], NONE, 3).is_empty());
    assert!(rotate(&[] as &[String], &[] as &[String], ["a"], 1).is_empty());
}

/// The rule written out with maps and sets, as the module documentation
/// states it.
fn by_the_rule(order: &[String], eligible: &[String], held: &[String], k: usize) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for h in held {
        *counts.entry(h.as_str()).or_default() += 1;
    }
    let mut all: Vec<&str> = order.iter().map(String::as_str).collect();
    for e in eligible {
        if !all.contains(&e.as_str()) {
            all.push(e.as_str());
        }
    }
    let present: BTreeSet<&str> = eligible.iter().map(String::as_str).collect();
    let start = held
        .last()
        .and_then(|l| all.iter().position(|m| *m == l.as_str()))
        .map_or(0, |i| i + 1);
    let n = all.len();
    let mut due: Vec<(usize, usize, &str)> = (0..n)
        .map(|step| all[(start + step) % n])
        .filter(|m| present.contains(m))
        .enumerate()
        .map(|(pos, m)| (counts.get(m).copied().unwrap_or(0), pos, m))
        .collect();
    due.sort_unstable();
    due.into_iter()
        .take(k)
        .map(|(_, _, m)| m.to_string())
        .collect()
}

/// A group's member order, who attends and may hold the role (at least
/// one, sometimes someone outside the order), and `k`.
fn group() -> impl Strategy<Value = (Vec<String>, Vec<String>, usize)> {
    (1usize..9, any::<u16>(), any::<bool>(), 1usize..4).prop_map(|(n, mask, late, k)| {
        let order: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
        let mut eligible: Vec<String> = order
            .iter()
            .enumerate()
            .filter(|(i, _)| mask >> i & 1 == 1)
            .map(|(_, m)| m.clone())
            .collect();
        if eligible.is_empty() || late {
            eligible.push(format!("m{}", n + usize::from(late)));
        }
        (order, eligible, k)
    })
}

fn holders() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec((0usize..11).prop_map(|i| format!("m{i}")), 0..24)
}

proptest! {
    /// `rotate` picks exactly what the rule as written picks.
    #[test]
    fn picks_what_the_rule_picks((order, eligible, k) in group(), held in holders()) {
        prop_assert_eq!(
            rotate(&order, &eligible, &held, k),
            by_the_rule(&order, &eligible, &held, k)
        );
    }

    /// Picks are distinct eligible members, as many as asked and present.
    #[test]
    fn picks_are_distinct_and_eligible((order, eligible, k) in group(), held in holders()) {
        let pick = rotate(&order, &eligible, &held, k);
        prop_assert_eq!(pick.len(), k.min(eligible.len()));
        prop_assert!(pick.iter().all(|p| eligible.contains(p)));
        let distinct: BTreeSet<&String> = pick.iter().collect();
        prop_assert_eq!(distinct.len(), pick.len());
    }

    /// Over a series where some members miss sessions, the members who
    /// come every time hold the role equally often, give or take one.
    #[test]
    fn steady_members_stay_within_one(
        n in 2usize..9,
        flaky in any::<u16>(),
        absences in proptest::collection::vec(any::<u16>(), 1..60),
        k in 1usize..3,
    ) {
        let order: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
        // Member 0 always comes, so every session has someone.
        let flaky = |i: usize| i > 0 && flaky >> i & 1 == 1;
        let mut held: Vec<String> = Vec::new();
        for absent in absences {
            let present: Vec<String> = (0..n)
                .filter(|&i| !(flaky(i) && absent >> i & 1 == 1))
                .map(|i| order[i].clone())
                .collect();
            held.extend(rotate(&order, &present, &held, k));
            let count = |i: usize| held.iter().filter(|h| **h == order[i]).count();
            let steady: Vec<usize> = (0..n).filter(|&i| !flaky(i)).map(count).collect();
            let (lo, hi) = (steady.iter().min(), steady.iter().max());
            prop_assert!(hi.zip(lo).is_none_or(|(hi, lo)| hi - lo <= 1), "{:?}", steady);
        }
    }
}
