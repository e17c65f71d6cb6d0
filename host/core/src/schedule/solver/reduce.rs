//! Exact reductions on the conflict graph, applied before searching. Both
//! keep some optimal solution:
//!
//! - **Free best option:** a group with an option that conflicts with no
//!   remaining option and scores as well as any of its options is fixed to
//!   it; its other options leave the graph.
//! - **Dominated option:** an option whose remaining conflicts include all
//!   of another option's of the same group, and which scores no better, is
//!   dropped (a solution using it can switch to the other).
//!
//! Dropping options shrinks neighbours' conflict sets, so groups next to a
//! change are looked at again until nothing changes. Groups with a member
//! whose cap may bind (`Graph::capped`) are left alone: caps are not
//! pairwise. The subset tests are bounded by a deterministic work budget.

use std::collections::VecDeque;

use super::Problem;
use super::graph::Graph;

/// Element comparisons the dominance tests may spend in total.
const WORK: u64 = 30_000_000;

/// What the reductions decided.
pub(super) struct Reduced {
    /// Per vertex: still a candidate.
    pub alive: Vec<bool>,
    /// Per group: the option index (into `Problem` options) it is fixed to.
    pub fixed: Vec<Option<u32>>,
}

struct Run<'a> {
    graph: &'a Graph,
    /// Per vertex, its option's score.
    scores: Vec<i64>,
    alive: Vec<bool>,
    deg: Vec<u32>,
    queue: VecDeque<u32>,
    queued: Vec<bool>,
    work: u64,
}

/// Applies the reductions to a fixpoint (or until the work budget ends).
pub(super) fn reduce(problem: &Problem, graph: &Graph) -> Reduced {
    let groups = graph.capped.len();
    let scores = graph
        .vertex
        .iter()
        .map(|&(g, o)| problem.groups[g as usize].options[o as usize].score)
        .collect();
    let mut run = Run {
        graph,
        scores,
        alive: vec![true; graph.vertex.len()],
        deg: graph.adj.iter().map(|a| a.len() as u32).collect(),
        queue: (0..groups as u32).collect(),
        queued: vec![true; groups],
        work: 0,
    };
    let mut fixed = vec![None; groups];
    let mut vs = Vec::new();
    while let Some(g) = run.queue.pop_front() {
        let g = g as usize;
        run.queued[g] = false;
        if fixed[g].is_some() || graph.capped[g] {
            continue;
        }
        vs.clear();
        vs.extend((graph.first[g]..graph.first[g + 1]).filter(|&v| run.alive[v as usize]));
        let Some(top) = vs.iter().map(|&v| run.score(v)).max() else {
            continue;
        };
        if let Some(&a) = vs
            .iter()
            .find(|&&v| run.deg[v as usize] == 0 && run.score(v) == top)
        {
            fixed[g] = Some(graph.vertex[a as usize].1);
            for &v in &vs {
                run.kill(v);
            }
            continue;
        }
        for i in 0..vs.len() {
            let b = vs[i];
            for &a in &vs {
                if run.work > WORK {
                    break;
                }
                if a != b && run.alive[a as usize] && run.dominates(a, b) {
                    run.kill(b);
                    break;
                }
            }
        }
    }
    Reduced {
        alive: run.alive,
        fixed,
    }
}

impl Run<'_> {
    fn score(&self, v: u32) -> i64 {
        self.scores[v as usize]
    }

    /// Whether `a` (alive) makes `b` (same group) redundant: no worse score,
    /// remaining conflicts a subset of `b`'s; equal ones keep the lower.
    fn dominates(&mut self, a: u32, b: u32) -> bool {
        let (da, db) = (self.deg[a as usize], self.deg[b as usize]);
        let (sa, sb) = (self.score(a), self.score(b));
        if !self.alive[b as usize] || sa < sb || da > db || (sa == sb && da == db && a > b) {
            return false;
        }
        let big = &self.graph.adj[b as usize];
        let mut j = 0;
        for &x in &self.graph.adj[a as usize] {
            if !self.alive[x as usize] {
                continue;
            }
            let from = j;
            while j < big.len() && big[j] < x {
                j += 1;
            }
            self.work += (j - from) as u64 + 1;
            if j == big.len() || big[j] != x {
                return false;
            }
        }
        true
    }

    /// Drops vertex `v`; its neighbours' groups are looked at again.
    fn kill(&mut self, v: u32) {
        if !std::mem::replace(&mut self.alive[v as usize], false) {
            return;
        }
        for &u in &self.graph.adj[v as usize] {
            if self.alive[u as usize] {
                self.deg[u as usize] -= 1;
                let h = self.graph.vertex[u as usize].0 as usize;
                if !self.queued[h] {
                    self.queued[h] = true;
                    self.queue.push_back(h as u32);
                }
            }
        }
    }
}
