//! Fair role rotation.
//!
//! A role goes to the eligible attendees who have held it least often in
//! the series so far; ties go to whoever comes first after the last holder
//! in the group's member order (from the first member when nobody in the
//! order held it). Absent members are never picked and keep their turn.
//! Among members who are eligible and attend every session, the counts
//! never differ by more than one.
//!
//! The rule reads only the series' history, so the host gives every series
//! its history from the series' first session on: published sessions when
//! there are any, else the sessions since the series' anchor planned as if
//! everyone had come. That is what keeps roles from depending on where a
//! planning horizon starts.

/// Picks up to `k` distinct holders of a role among `eligible` (members
/// who attend and may hold the role), fairly over `held`: who held that
/// role in the series so far, oldest first (one entry per holding).
///
/// `order` is the group's member order; eligible ids missing from it come
/// after it, in the order given. The result is in picking order: the member
/// who is most due comes first.
///
/// ```
/// use peerwell_rules::rotation::rotate;
///
/// let order = ["a", "b", "c", "d"];
/// // `a` and `b` held the role; `c` and `d` are due.
/// assert_eq!(rotate(&order, &order, ["a", "b"], 2), ["c", "d"]);
/// // Absent `c` keeps its turn for later.
/// assert_eq!(rotate(&order, &["a", "b", "d"], ["a", "b"], 1), ["d"]);
/// ```
pub fn rotate<O, E, H>(order: &[O], eligible: &[E], held: H, k: usize) -> Vec<String>
where
    O: AsRef<str>,
    E: AsRef<str>,
    H: IntoIterator,
    H::Item: AsRef<str>,
{
    // Groups are small: plain scans over the member order beat building
    // maps and sets on every call.
    let line = line(order, eligible);
    let (counts, last) = tally(&line, held);
    let known = order.len();
    let present = |i: usize| i >= known || eligible.iter().any(|e| e.as_ref() == line[i]);
    let n = line.len();
    let start = last.map_or(0, |i| i + 1);
    let mut due: Vec<(usize, usize, usize)> = (0..n)
        .map(|step| (start + step) % n)
        .filter(|&i| present(i))
        .enumerate()
        .map(|(pos, i)| (counts[i], pos, i))
        .collect();
    due.sort_unstable();
    due.into_iter()
        .take(k)
        .map(|(_, _, i)| line[i].to_string())
        .collect()
}

/// The member order followed by eligible ids missing from it.
fn line<'a, O: AsRef<str>, E: AsRef<str>>(order: &'a [O], eligible: &'a [E]) -> Vec<&'a str> {
    let mut line: Vec<&str> = order.iter().map(AsRef::as_ref).collect();
    for e in eligible {
        let e = e.as_ref();
        if !line.contains(&e) {
            line.push(e);
        }
    }
    line
}

/// How often each member of `line` held the role, and the position of the
/// last holder (`None` when nobody held it, or the last holder has left
/// the line).
fn tally<H>(line: &[&str], held: H) -> (Vec<usize>, Option<usize>)
where
    H: IntoIterator,
    H::Item: AsRef<str>,
{
    let mut counts = vec![0usize; line.len()];
    let mut last = None;
    for member in held {
        last = line.iter().position(|m| *m == member.as_ref());
        if let Some(i) = last {
            counts[i] += 1;
        }
    }
    (counts, last)
}

#[cfg(test)]
mod tests {
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
    fn by_the_rule(
        order: &[String],
        eligible: &[String],
        held: &[String],
        k: usize,
    ) -> Vec<String> {
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
}
