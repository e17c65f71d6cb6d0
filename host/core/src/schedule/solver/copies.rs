//! Interchangeable groups. Groups with the same members and the same usable
//! options (times, attendance and scores) can trade places in any
//! solution, and only so many of them can be booked together: each booked
//! copy takes an option of its own, and no two booked copies may take
//! conflicting options. Copies beyond that bound can never all be booked,
//! so only the first ones (in group order) stay candidates. This keeps some
//! optimal solution, and turns "a thousand copies of one walk group over
//! the same four people" into a handful of groups.
//!
//! The bound is the size of a greedy clique cover of the options' conflict
//! graph (options sorted by end; each clique takes every later option that
//! conflicts with all of it): an upper bound on how many options can be
//! pairwise compatible, and exact when the options are intervals that
//! everyone attends. Caps and fixed time only lower the true number.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::{Problem, SlotOption};

/// Leaves each class of identical groups with at most as many candidate
/// groups as can be booked together: the usable options of the later
/// copies are cleared. Returns how many groups lost their options.
pub(super) fn limit(problem: &Problem, usable: &mut [Vec<u32>]) -> usize {
    let mut classes: BTreeMap<u64, Vec<Vec<usize>>> = BTreeMap::new();
    for g in 0..usable.len() {
        if usable[g].is_empty() {
            continue;
        }
        let bucket = classes.entry(fingerprint(problem, usable, g)).or_default();
        match bucket
            .iter_mut()
            .find(|class| same(problem, usable, class[0], g))
        {
            Some(class) => class.push(g),
            None => bucket.push(vec![g]),
        }
    }
    let mut dropped = 0;
    for class in classes.values().flatten().filter(|c| c.len() > 1) {
        let Some(room) = room(problem, usable, class[0]) else {
            continue;
        };
        for &g in class.iter().skip(room) {
            usable[g].clear();
            dropped += 1;
        }
    }
    dropped
}

/// The usable options of group `g`.
fn options<'p>(problem: &'p Problem, usable: &[Vec<u32>], g: usize) -> Vec<&'p SlotOption> {
    let grp = &problem.groups[g];
    usable[g]
        .iter()
        .map(|&o| &grp.options[o as usize])
        .collect()
}

/// A hash of the members and usable options of `g` (deterministic).
fn fingerprint(problem: &Problem, usable: &[Vec<u32>], g: usize) -> u64 {
    let mut h = DefaultHasher::new();
    problem.groups[g].members.hash(&mut h);
    for o in options(problem, usable, g) {
        (o.start, o.end, o.score, &o.attends).hash(&mut h);
    }
    h.finish()
}

/// Whether groups `a` and `b` are interchangeable.
fn same(problem: &Problem, usable: &[Vec<u32>], a: usize, b: usize) -> bool {
    problem.groups[a].members == problem.groups[b].members
        && options(problem, usable, a) == options(problem, usable, b)
}

/// How many copies of group `g` could be booked together at most, or
/// `None` when an option uses nobody's time (then copies never collide).
fn room(problem: &Problem, usable: &[Vec<u32>], g: usize) -> Option<usize> {
    let members = &problem.groups[g].members;
    let mut people: Vec<u32> = members.clone();
    people.sort_unstable();
    people.dedup();
    // Per usable option: (start, end, per person the periods attended).
    let opts: Vec<(u32, u32, Vec<u128>)> = options(problem, usable, g)
        .into_iter()
        .map(|o| {
            let mut masks = vec![0u128; people.len()];
            for (m, a) in members.iter().zip(&o.attends) {
                if let Ok(i) = people.binary_search(m) {
                    masks[i] |= a;
                }
            }
            (o.start, o.end, masks)
        })
        .collect();
    if opts.iter().any(|o| o.2.iter().all(|&m| m == 0)) {
        return None;
    }
    let conflict = |a: usize, b: usize| {
        let (x, y) = (&opts[a], &opts[b]);
        x.0 < y.1 && y.0 < x.1 && x.2.iter().zip(&y.2).any(|(p, q)| p & q != 0)
    };
    let mut order: Vec<usize> = (0..opts.len()).collect();
    order.sort_by_key(|&i| (opts[i].1, opts[i].0, i));
    let mut covered = vec![false; opts.len()];
    let mut cliques = 0;
    let mut clique = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        if covered[i] {
            continue;
        }
        cliques += 1;
        clique.clear();
        clique.push(i);
        for &j in &order[k + 1..] {
            if !covered[j] && clique.iter().all(|&c| conflict(c, j)) {
                covered[j] = true;
                clique.push(j);
            }
        }
    }
    Some(cliques)
}
