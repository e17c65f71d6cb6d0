//! Rotating pairs for `buddies`: one cycle's partition into pairs (one trio
//! when the count is odd), chosen against the history of earlier cycles.
//!
//! A partition is scored lexicographically, lower is better:
//!
//! 1. members left out (only when exclusions leave no way to place everyone),
//! 2. pairs outside the matching rule (same site, same role, mixed tenure),
//! 3. pairs that already met in the current round,
//! 4. recency: pairs that met more recently cost more.
//!
//! A round ends once every allowed pair (not excluded, and within the rule
//! when any such pair exists) has met; then every pair is fresh again. The
//! search is an exact branch and bound for small groups and is bounded by a
//! work budget for large ones, where its first descent is already a greedy
//! partition. Excluded pairs are never formed: that is a hard rule, not a
//! cost.

/// Whether each pair may meet and whether it satisfies the matching rule,
/// over indices into the cycle's member list.
pub(crate) struct Rules {
    /// `allowed[i][j]`: not excluded.
    pub allowed: Vec<Vec<bool>>,
    /// `matches[i][j]`: within the matching rule.
    pub matches: Vec<Vec<bool>>,
}

/// Work budget (options generated) after which the search keeps the best
/// partition found so far.
const BUDGET: u64 = 3_000_000;

/// Trios are considered only when at most this many members are left to
/// place, which covers every trio in groups up to this size.
const TRIO_SPAN: usize = 17;

type Cost = [u64; 4];

fn add(a: Cost, b: Cost) -> Cost {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]
}

/// The met-in-round and last-met state of every pair after `history`.
struct Memory {
    met: Vec<Vec<bool>>,
    /// Cycle index + 1 of the last meeting; 0 when never.
    last: Vec<Vec<u64>>,
}

fn remember(members: &[String], rules: &Rules, history: &[Vec<Vec<String>>]) -> Memory {
    let n = members.len();
    let index: std::collections::BTreeMap<&str, usize> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut met = vec![vec![false; n]; n];
    let mut last = vec![vec![0u64; n]; n];
    let rule_pairs = (0..n).any(|i| (i + 1..n).any(|j| rules.allowed[i][j] && rules.matches[i][j]));
    let counts = |i: usize, j: usize| rules.allowed[i][j] && (!rule_pairs || rules.matches[i][j]);
    for (c, cycle) in history.iter().enumerate() {
        for sub in cycle {
            let ids: Vec<usize> = sub
                .iter()
                .filter_map(|m| index.get(m.as_str()).copied())
                .collect();
            for (a, &i) in ids.iter().enumerate() {
                for &j in &ids[a + 1..] {
                    met[i][j] = true;
                    met[j][i] = true;
                    last[i][j] = c as u64 + 1;
                    last[j][i] = c as u64 + 1;
                }
            }
        }
        let complete = (0..n).all(|i| (i + 1..n).all(|j| !counts(i, j) || met[i][j]));
        if complete {
            met = vec![vec![false; n]; n];
        }
    }
    Memory { met, last }
}

struct Search<'r> {
    rules: &'r Rules,
    memory: Memory,
    order: Vec<usize>,
    placed: Vec<bool>,
    groups: Vec<Vec<usize>>,
    trio: bool,
    work: u64,
    best: Option<(Cost, Vec<Vec<usize>>)>,
}

impl Search<'_> {
    fn pair_cost(&self, i: usize, j: usize) -> Cost {
        [
            0,
            u64::from(!self.rules.matches[i][j]),
            u64::from(self.memory.met[i][j]),
            self.memory.last[i][j],
        ]
    }

    fn beats_best(&self, cost: &Cost) -> bool {
        self.best.as_ref().is_none_or(|(b, _)| cost < b)
    }

    fn run(&mut self, cost: Cost) {
        let Some(&i) = self.order.iter().find(|&&i| !self.placed[i]) else {
            if self.beats_best(&cost) {
                self.best = Some((cost, self.groups.clone()));
            }
            return;
        };
        let rest: Vec<usize> = self
            .order
            .iter()
            .copied()
            .filter(|&j| j != i && !self.placed[j])
            .collect();
        let mut options: Vec<(Cost, Vec<usize>)> = Vec::new();
        for &j in &rest {
            if self.rules.allowed[i][j] {
                options.push((self.pair_cost(i, j), vec![i, j]));
            }
        }
        if !self.trio && rest.len().is_multiple_of(2) && rest.len() < TRIO_SPAN {
            for (a, &j) in rest.iter().enumerate() {
                for &k in &rest[a + 1..] {
                    let r = &self.rules.allowed;
                    if r[i][j] && r[i][k] && r[j][k] {
                        let c = add(
                            add(self.pair_cost(i, j), self.pair_cost(i, k)),
                            self.pair_cost(j, k),
                        );
                        options.push((c, vec![i, j, k]));
                    }
                }
            }
        }
        options.push(([1, 0, 0, 0], vec![i]));
        self.work += options.len() as u64;
        options.sort_by_key(|o| o.0);
        for (step, group) in options {
            let next = add(cost, step);
            if !self.beats_best(&next) {
                // Options are sorted, so no later one is cheaper.
                break;
            }
            if self.best.is_some() && self.work > BUDGET {
                return;
            }
            for &m in &group {
                self.placed[m] = true;
            }
            let trio = group.len() == 3;
            self.trio |= trio;
            let single = group.len() == 1;
            if !single {
                self.groups.push(group.clone());
            }
            self.run(next);
            if !single {
                self.groups.pop();
            }
            if trio {
                self.trio = false;
            }
            for &m in &group {
                self.placed[m] = false;
            }
        }
    }
}

/// Partitions `members` for the next cycle after `history`. Returns groups of
/// member indices (pairs, at most one trio) in a stable order: each group
/// sorted, groups by their first member. Members in no group sit this cycle
/// out, which happens only when exclusions leave no other way.
pub(crate) fn partition(
    members: &[String],
    rules: &Rules,
    history: &[Vec<Vec<String>>],
) -> Vec<Vec<usize>> {
    let n = members.len();
    let memory = remember(members, rules, history);
    // Most constrained first: fewest allowed partners, then member order.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| ((0..n).filter(|&j| j != i && rules.allowed[i][j]).count(), i));
    let mut search = Search {
        rules,
        memory,
        order,
        placed: vec![false; n],
        groups: Vec::new(),
        trio: false,
        work: 0,
        best: None,
    };
    search.run([0; 4]);
    let mut groups = search.best.map(|(_, g)| g).unwrap_or_default();
    for g in &mut groups {
        g.sort_unstable();
    }
    groups.sort();
    groups
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod large;
