//! Exact branch-and-bound for small problems (a handful of groups, as in a
//! single clinic): depth-first over groups, most constrained first, each
//! group taking one of its free options (best score first) or none;
//! pruned by "every remaining group scheduled at its best score". A budget
//! of nodes and option tests keeps it bounded; the incumbent it starts from is never lost.

use super::greedy;
use super::state::State;

/// Problems with at most this many schedulable groups are solved exactly.
pub(super) const MAX_GROUPS: usize = 16;

struct Bnb {
    order: Vec<usize>,
    /// Per depth: the group is a copy of the one before it in `order`
    /// (same members and options), so it takes a later option than that
    /// one, or none when that one has none (copies are interchangeable).
    twin: Vec<bool>,
    /// Per depth: the sum of the best option scores from there on.
    rest_score: Vec<i64>,
    best: (usize, i64, Vec<Option<u32>>),
    /// Option tests (the costly part) left before giving up.
    budget: u64,
    out: Vec<u32>,
}

/// Improves `st`'s assignment to an optimum when the search finishes
/// within `budget` option tests (else to the best found). Returns whether
/// it was proven optimal, and the tests spent.
pub(super) fn exact(st: &mut State, budget: u64) -> (bool, u64) {
    let order = greedy::order(st);
    let mut rest_score = vec![0i64; order.len() + 1];
    for (i, &g) in order.iter().enumerate().rev() {
        let top = st.usable[g]
            .iter()
            .map(|&o| st.score_of(g, o))
            .max()
            .unwrap_or(0);
        rest_score[i] = rest_score[i + 1] + top;
    }
    let twin = (0..order.len())
        .map(|d| {
            d > 0 && {
                let (a, b) = (
                    &st.problem.groups[order[d - 1]],
                    &st.problem.groups[order[d]],
                );
                a == b && st.usable[order[d - 1]] == st.usable[order[d]]
            }
        })
        .collect();
    let mut bnb = Bnb {
        order,
        twin,
        rest_score,
        best: (st.scheduled, st.score, st.chosen.clone()),
        budget,
        out: Vec::new(),
    };
    let incumbent = st.chosen.clone();
    st.load(&vec![None; incumbent.len()]);
    let done = bnb.dive(st, 0);
    st.load(&bnb.best.2);
    (done, budget - bnb.budget)
}

impl Bnb {
    /// Explores depth `d` onwards; false when the node budget ran out.
    fn dive(&mut self, st: &mut State, d: usize) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let rest = self.order.len() - d;
        let bound = (st.scheduled + rest, st.score + self.rest_score[d]);
        if bound <= (self.best.0, self.best.1) {
            return true;
        }
        if rest == 0 {
            self.best = (st.scheduled, st.score, st.chosen.clone());
            return true;
        }
        let g = self.order[d];
        let mut options: Vec<u32> = st.usable[g].clone();
        if self.twin[d] {
            match st.chosen[self.order[d - 1]] {
                Some(prev) => options.retain(|&o| o > prev),
                None => options.clear(),
            }
        }
        options.sort_by_key(|&o| (std::cmp::Reverse(st.score_of(g, o)), o));
        for o in options {
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            if st.blockers(g, o, 0, &mut self.out) {
                st.insert(g, o);
                let finished = self.dive(st, d + 1);
                st.remove(g);
                if !finished {
                    return false;
                }
            }
        }
        self.dive(st, d + 1)
    }
}
