//! A component's options as one graph for the bound and the iterated local
//! search: vertex `v` is an option, and two vertices are adjacent when they
//! can never be booked together — they conflict (some person attends both
//! at overlapping times) or they belong to the same group (one option per
//! group). Built from a component's conflict lists, so only for components
//! where no cap can bind.

use super::Problem;
use super::state::Conflicts;

/// Compressed adjacency over a component's options.
pub(super) struct Net {
    /// Per vertex, where its neighbours start in `adj` (`len + 1` entries).
    pub start: Vec<u32>,
    /// Neighbours of each vertex, sorted, without duplicates.
    pub adj: Vec<u32>,
    /// Per vertex, its group.
    pub group: Vec<u32>,
    /// Per group, its first vertex (`groups + 1` entries).
    pub first: Vec<u32>,
    /// Per vertex, its option's soft score.
    pub score: Vec<i64>,
}

impl Net {
    /// The graph of `problem`'s options with the conflicts in `conflicts`
    /// (numbered as [`Conflicts::first`] numbers them).
    pub fn new(problem: &Problem, conflicts: &Conflicts) -> Net {
        let mut first = Vec::with_capacity(problem.groups.len() + 1);
        let mut group = Vec::new();
        let mut score = Vec::new();
        for (g, grp) in problem.groups.iter().enumerate() {
            first.push(group.len() as u32);
            for opt in &grp.options {
                group.push(g as u32);
                score.push(opt.score);
            }
        }
        first.push(group.len() as u32);
        let mut start = Vec::with_capacity(group.len() + 1);
        let mut adj = Vec::new();
        let mut row = Vec::new();
        for (v, &g) in group.iter().enumerate() {
            start.push(adj.len() as u32);
            let g = g as usize;
            row.clear();
            row.extend((first[g]..first[g + 1]).filter(|&u| u as usize != v));
            if let Some(list) = conflicts.lists.get(v) {
                row.extend(list.iter().filter_map(|&(h, p)| {
                    let f = *conflicts.first.get(h as usize)?;
                    Some(f + p)
                }));
            }
            row.sort_unstable();
            row.dedup();
            adj.extend_from_slice(&row);
        }
        start.push(adj.len() as u32);
        Net {
            start,
            adj,
            group,
            first,
            score,
        }
    }

    /// How many vertices.
    pub fn len(&self) -> usize {
        self.group.len()
    }

    /// The neighbours of `v`, sorted.
    pub fn nbrs(&self, v: u32) -> &[u32] {
        &self.adj[self.start[v as usize] as usize..self.start[v as usize + 1] as usize]
    }

    /// Whether `u` and `v` are adjacent.
    pub fn adjacent(&self, u: u32, v: u32) -> bool {
        self.nbrs(u).binary_search(&v).is_ok()
    }
}
