//! An upper bound on what a component can reach: how many groups at most,
//! and the best score at that many.
//!
//! The problem is a maximum-weight independent set over options: at most one
//! option per group, never two adjacent options of the [`Net`]. Every clique
//! of the net holds at most one chosen option, so the linear relaxation with
//! one constraint per clique bounds the optimum. The cliques are the net's
//! maximal cliques (Bron–Kerbosch with pivoting, up to a work budget: any set
//! of cliques gives a valid, if weaker, bound). The relaxation is solved
//! approximately by Lagrangian relaxation of the clique constraints, keeping
//! "one option per group" in the subproblem, with subgradient steps: every
//! multiplier vector gives a valid bound, so stopping early only weakens it.
//!
//! Both objectives are folded into one weight per option, `1 + ε·(score −
//! lowest score)` with ε small enough that all the score of a solution is
//! worth less than one group; the bound's whole part bounds the count, and
//! at that count the rest bounds the score. Deterministic: plain f64
//! arithmetic in a fixed order, a fixed iteration budget.

use super::net::Net;

/// Candidate looks (pivot choices) allowed when listing cliques, per
/// vertex of the net.
const CLIQUE_WORK: u64 = 2_000;
/// Cliques listed at most.
const MAX_CLIQUES: usize = 200_000;
/// Subgradient iterations at most.
const ITERATIONS: u32 = 3_000;
/// Added before rounding down, so float error can only loosen the bound.
const SLACK: f64 = 1e-6;

/// An upper bound on a component's (scheduled, score).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bound {
    /// No solution schedules more groups.
    pub count: usize,
    /// No solution scheduling `count` groups scores more.
    pub score: i64,
}

/// Lists the net's maximal cliques that span more than one group (a clique
/// inside one group adds nothing to "one option per group").
pub(super) fn cliques(net: &Net) -> Vec<Vec<u32>> {
    let mut run = Lister {
        net,
        out: Vec::new(),
        clique: Vec::new(),
        work: 0,
        limit: CLIQUE_WORK * net.len() as u64,
    };
    let mut p = Vec::new();
    let mut x = Vec::new();
    for v in 0..net.len() as u32 {
        if run.work > run.limit || run.out.len() >= MAX_CLIQUES {
            break;
        }
        p.clear();
        x.clear();
        for &u in net.nbrs(v) {
            if u > v {
                p.push(u);
            } else {
                x.push(u);
            }
        }
        run.clique.clear();
        run.clique.push(v);
        run.expand(&p, &x);
    }
    run.out
}

struct Lister<'n> {
    net: &'n Net,
    out: Vec<Vec<u32>>,
    clique: Vec<u32>,
    work: u64,
    limit: u64,
}

impl Lister<'_> {
    /// Bron–Kerbosch with Tomita's pivot: `p` candidates, `x` excluded,
    /// both sorted.
    fn expand(&mut self, p: &[u32], x: &[u32]) {
        self.work += (p.len() + x.len()) as u64 + 1;
        if self.work > self.limit || self.out.len() >= MAX_CLIQUES {
            return;
        }
        if p.is_empty() {
            if x.is_empty() {
                let g = self.net.group[self.clique[0] as usize];
                if self.clique.iter().any(|&v| self.net.group[v as usize] != g) {
                    let mut c = self.clique.clone();
                    c.sort_unstable();
                    self.out.push(c);
                }
            }
            return;
        }
        let net = self.net;
        let pivot = p
            .iter()
            .chain(x)
            .copied()
            .max_by_key(|&u| (common(p, net.nbrs(u)), std::cmp::Reverse(u)))
            .unwrap_or(p[0]);
        let mut p_left: Vec<u32> = p.to_vec();
        let mut x_now: Vec<u32> = x.to_vec();
        for &v in p {
            if net.adjacent(pivot, v) {
                continue;
            }
            let nv = net.nbrs(v);
            let p2 = intersect(&p_left, nv);
            let x2 = intersect(&x_now, nv);
            self.clique.push(v);
            self.expand(&p2, &x2);
            self.clique.pop();
            if let Ok(i) = p_left.binary_search(&v) {
                p_left.remove(i);
            }
            let i = x_now.binary_search(&v).unwrap_or_else(|i| i);
            x_now.insert(i, v);
        }
    }
}

/// How many elements two sorted lists share.
fn common(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The elements two sorted lists share, sorted.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// The Lagrangian relaxation of the clique constraints.
struct Relaxation<'n> {
    net: &'n Net,
    /// Clique members, compressed: clique `k` is `members[at[k]..at[k+1]]`.
    at: Vec<u32>,
    members: Vec<u32>,
    /// Per vertex, the cliques holding it (compressed like the cliques).
    of_at: Vec<u32>,
    of: Vec<u32>,
    weight: Vec<f64>,
}

impl<'n> Relaxation<'n> {
    fn new(net: &'n Net, cliques: &[Vec<u32>], weight: Vec<f64>) -> Relaxation<'n> {
        let mut at = vec![0u32];
        let mut members = Vec::new();
        let mut count = vec![0u32; net.len() + 1];
        for c in cliques {
            members.extend_from_slice(c);
            at.push(members.len() as u32);
            for &v in c {
                count[v as usize + 1] += 1;
            }
        }
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        let of_at = count.clone();
        let mut of = vec![0u32; members.len()];
        for (k, c) in cliques.iter().enumerate() {
            for &v in c {
                of[count[v as usize] as usize] = k as u32;
                count[v as usize] += 1;
            }
        }
        Relaxation {
            net,
            at,
            members,
            of_at,
            of,
            weight,
        }
    }

    /// The bound at multipliers `lam`, with the subproblem's choice (per
    /// vertex, chosen or not) in `x`.
    fn value(&self, lam: &[f64], x: &mut [bool]) -> f64 {
        let net = self.net;
        let mut total: f64 = lam.iter().sum();
        x.fill(false);
        for g in 0..net.first.len() - 1 {
            let mut best: Option<(f64, usize)> = None;
            for v in net.first[g] as usize..net.first[g + 1] as usize {
                let cut: f64 = self.of[self.of_at[v] as usize..self.of_at[v + 1] as usize]
                    .iter()
                    .map(|&k| lam[k as usize])
                    .sum();
                let r = self.weight[v] - cut;
                if r > 0.0 && best.is_none_or(|(b, _)| r > b) {
                    best = Some((r, v));
                }
            }
            if let Some((r, v)) = best {
                total += r;
                x[v] = true;
            }
        }
        total
    }

    /// Subgradient descent from zero multipliers; the lowest value seen.
    /// `floor` is a known solution's value (the descent aims at it); the
    /// descent stops once `tight` says the value proves that solution best.
    fn minimise(&self, floor: f64, tight: impl Fn(f64) -> bool) -> f64 {
        let cliques = self.at.len() - 1;
        let mut lam = vec![0.0f64; cliques];
        let mut x = vec![false; self.net.len()];
        let mut grad = vec![0.0f64; cliques];
        let mut best = f64::INFINITY;
        let (mut mu, mut since) = (2.0f64, 0u32);
        for _ in 0..ITERATIONS {
            let value = self.value(&lam, &mut x);
            if value < best - 1e-9 {
                best = value;
                since = 0;
            } else {
                since += 1;
                if since >= 20 {
                    mu /= 2.0;
                    since = 0;
                }
            }
            if tight(best) || mu < 1e-5 {
                break;
            }
            let mut norm = 0.0;
            for k in 0..cliques {
                let inside = self.members[self.at[k] as usize..self.at[k + 1] as usize]
                    .iter()
                    .filter(|&&v| x[v as usize])
                    .count();
                let g = 1.0 - inside as f64;
                grad[k] = if lam[k] <= 0.0 && g > 0.0 { 0.0 } else { g };
                norm += grad[k] * grad[k];
            }
            if norm == 0.0 {
                break;
            }
            let step = mu * (value - floor).max(1e-3) / norm;
            for k in 0..cliques {
                lam[k] = (lam[k] - step * grad[k]).max(0.0);
            }
        }
        best
    }
}

/// An upper bound on the net's (count, score); `known` is a solution's
/// (count, score), which the descent aims at.
///
/// When `known` already schedules every group and the scores spread too
/// widely to be bounded, the relaxation could only answer (every group,
/// unbounded score), so that is returned without listing a clique: on
/// organization-shaped components (thousands of groups, scores in the
/// millions) it took seconds and could never stop the search.
pub(super) fn bound(net: &Net, known: (usize, i64)) -> Bound {
    let (groups, lowest, highest) = extent(net);
    if known.0 >= groups && fold(groups, lowest, highest) == 0.0 && highest != lowest {
        return Bound {
            count: groups,
            score: i64::MAX,
        };
    }
    relaxed(net, known)
}

/// The net's groups with options, lowest and highest option score.
fn extent(net: &Net) -> (usize, i64, i64) {
    let groups = (0..net.first.len() - 1)
        .filter(|&g| net.first[g] < net.first[g + 1])
        .count();
    let lowest = net.score.iter().copied().min().unwrap_or(0);
    let highest = net.score.iter().copied().max().unwrap_or(0);
    (groups, lowest, highest)
}

/// The ε folding scores into weights: scores spread too widely to fold into
/// f64 weights only bound the count (ε = 0, score unbounded).
fn fold(groups: usize, lowest: i64, highest: i64) -> f64 {
    let range = (highest as f64 - lowest as f64) * groups as f64;
    if range > 0.0 && range < 1e9 {
        1.0 / (range + 1.0)
    } else {
        0.0
    }
}

/// [`bound`] by the clique relaxation, always.
pub(super) fn relaxed(net: &Net, known: (usize, i64)) -> Bound {
    let (groups, lowest, highest) = extent(net);
    let eps = fold(groups, lowest, highest);
    let weight = net
        .score
        .iter()
        .map(|&s| 1.0 + eps * (s as f64 - lowest as f64))
        .collect();
    let cliques = cliques(net);
    let relax = Relaxation::new(net, &cliques, weight);
    let floor = known.0 as f64 + eps * (known.1 as f64 - lowest as f64 * known.0 as f64);
    let at = |value: f64| {
        let value = value + SLACK;
        let count = (value.floor() as usize).min(groups);
        let score = if eps > 0.0 {
            let rest = ((value - count as f64) / eps).floor();
            (rest as i64).saturating_add(lowest.saturating_mul(count as i64))
        } else if highest == lowest {
            lowest.saturating_mul(count as i64)
        } else {
            i64::MAX
        };
        Bound { count, score }
    };
    let value = relax.minimise(floor, |v| {
        let b = at(v);
        (b.count, b.score) <= known
    });
    at(value)
}
