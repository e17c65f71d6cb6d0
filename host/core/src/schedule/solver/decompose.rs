//! Solving by independent parts. Surplus copies of identical groups are
//! set aside first (see `copies`). After the reductions, groups whose
//! remaining options can conflict (directly, or through chains of such
//! groups), or that share a person whose cap may bind, form a component;
//! components share no constraint, so each is solved on its own as a small
//! [`Problem`] with local people and only its remaining options:
//!
//! - greedy first; a component whose every group got its best-scoring
//!   option is optimal at once (most are);
//! - small components (≤ [`exact::MAX_GROUPS`] groups) are finished by the
//!   exact branch-and-bound;
//! - larger ones get the local search, with a share of the step budget in
//!   proportion to their size, ending early after a stretch without
//!   improvement or on reaching the upper bound.
//!
//! Components are visited in order of their lowest group index and each has
//! its own seed derived from the effort's seed, so results are deterministic.

use super::bound::{self, Bound};
use super::graph::Graph;
use super::net::Net;
use super::reduce::{self, Reduced};
use super::search::{self, Stop};
use super::state::{Conflicts, State};
use super::{Booking, Effort, GroupChoice, Problem, copies, exact, greedy};

/// Steps without improvement after which a component's search ends: per
/// group, times the square of the mean conflict degree (dense conflict
/// graphs improve rarely but still late), at least [`MIN_STALL`] (steps
/// are cheap with conflict lists) or [`MIN_STALL_CAPPED`] (steps scan
/// bookings and caps).
const STALL_PER_GROUP: u64 = 8;
const MIN_STALL: u64 = 10_000;
const MIN_STALL_CAPPED: u64 = 1_000;

/// Components with at least this many groups get two walks in parallel.
const TWO_WALKS_FROM: usize = 200;

/// Components with at least this many groups, or with at most
/// [`FEW_OPTIONS`] options per group on average, get the clique bound (on
/// smaller ones with many options per group, the walk ends sooner than the
/// bound's cliques are listed).
const BOUND_FROM: usize = 200;
const FEW_OPTIONS: usize = 8;

/// Option tests the exact phases may spend, per component and in total.
const EXACT_PER_PART: u64 = 100_000;
const EXACT_TOTAL: u64 = 300_000;

/// Search steps before the exact phase of a small component.
const PRE_EXACT_STEPS: u64 = 200;

const NONE: u32 = u32::MAX;

/// The chosen option per group of `problem` (see [`super::solve`]), and an
/// upper bound on how many groups any solution schedules.
pub(super) fn solve(problem: &Problem, effort: &Effort) -> (Vec<Option<u32>>, usize) {
    let mut usable = State::new(problem).usable;
    // Set-aside copies keep their share of the step budget out of reach:
    // the budget follows the groups that still compete.
    let dropped = copies::limit(problem, &mut usable) as u64;
    let graph = Graph::build(problem, &usable);
    let reduced = reduce::reduce(problem, &graph);
    let mut chosen = reduced.fixed.clone();
    let mut most = chosen.iter().filter(|c| c.is_some()).count();
    let comps = components(&graph, &reduced);
    let total: u64 = comps.iter().map(|c| c.len() as u64).sum::<u64>() + dropped;
    let mut parts = Parts::new(problem, &graph, &reduced);
    let mut exact_left = EXACT_TOTAL;
    for comp in &comps {
        let Part {
            problem: sub,
            conflicts,
            origin,
        } = parts.part(comp);
        let share = (effort.steps as u128 * comp.len() as u128 / u128::from(total.max(1))) as u64;
        let seed = effort.seed ^ u64::from(comp[0]).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let (local, bound) = solve_part(&sub, conflicts, share, seed, &mut exact_left);
        most += bound;
        for (i, c) in local.iter().enumerate() {
            if let Some(o) = *c {
                chosen[comp[i] as usize] = origin[i].get(o as usize).copied();
            }
        }
    }
    (chosen, most)
}

/// The groups (ascending) of each component with remaining options, in
/// order of their lowest group.
pub(super) fn components(graph: &Graph, reduced: &Reduced) -> Vec<Vec<u32>> {
    let n = graph.capped.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn root(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            let up = parent[parent[x as usize] as usize];
            parent[x as usize] = up;
            x = up;
        }
        x
    }
    let union = |parent: &mut Vec<u32>, a: u32, b: u32| {
        let (ra, rb) = (root(parent, a), root(parent, b));
        if ra != rb {
            parent[ra.max(rb) as usize] = ra.min(rb);
        }
    };
    for (v, list) in graph.adj.iter().enumerate() {
        if !reduced.alive[v] {
            continue;
        }
        for &u in list {
            if reduced.alive[u as usize] {
                union(&mut parent, graph.vertex[v].0, graph.vertex[u as usize].0);
            }
        }
    }
    for link in &graph.cap_links {
        for w in link.windows(2) {
            union(&mut parent, w[0], w[1]);
        }
    }
    let mut index = vec![NONE; n];
    let mut comps: Vec<Vec<u32>> = Vec::new();
    for g in 0..n {
        let has = (graph.first[g]..graph.first[g + 1]).any(|v| reduced.alive[v as usize]);
        if !has || reduced.fixed[g].is_some() {
            continue;
        }
        let r = root(&mut parent, g as u32) as usize;
        if index[r] == NONE {
            index[r] = comps.len() as u32;
            comps.push(Vec::new());
        }
        comps[index[r] as usize].push(g as u32);
    }
    comps
}

/// A component as its own problem.
struct Part {
    problem: Problem,
    conflicts: Option<Conflicts>,
    /// Per local group, per local option: the option's index in the whole
    /// problem.
    origin: Vec<Vec<u32>>,
}

/// Builds component problems, reusing index scratch between components.
struct Parts<'a> {
    problem: &'a Problem,
    graph: &'a Graph,
    reduced: &'a Reduced,
    /// Per person: local index in the current component, or [`NONE`].
    local_person: Vec<u32>,
    /// Per vertex: (local group, local option) in the current component.
    local_vertex: Vec<(u32, u32)>,
    /// Per person: their fixed bookings (only when caps exist).
    fixed_of: Vec<Vec<u32>>,
}

impl<'a> Parts<'a> {
    fn new(problem: &'a Problem, graph: &'a Graph, reduced: &'a Reduced) -> Parts<'a> {
        let mut fixed_of = vec![Vec::new(); problem.people as usize];
        if !problem.caps.is_empty() {
            for (i, b) in problem.fixed.iter().enumerate() {
                if let Some(list) = fixed_of.get_mut(b.person as usize) {
                    list.push(i as u32);
                }
            }
        }
        Parts {
            problem,
            graph,
            reduced,
            local_person: vec![NONE; problem.people as usize],
            local_vertex: vec![(NONE, NONE); graph.vertex.len()],
            fixed_of,
        }
    }

    /// The component of `groups` as a problem over local people holding
    /// only its remaining options, and its conflict lists when no cap in it
    /// can bind.
    fn part(&mut self, groups: &[u32]) -> Part {
        let (problem, graph) = (self.problem, self.graph);
        let capped = groups.iter().any(|&g| graph.capped[g as usize]);
        let mut people: Vec<u32> = Vec::new();
        let mut sub = Problem::default();
        let mut origin = Vec::with_capacity(groups.len());
        let mut first = Vec::with_capacity(groups.len());
        let mut count = 0u32;
        for (i, &g) in groups.iter().enumerate() {
            let grp = &problem.groups[g as usize];
            let members = grp
                .members
                .iter()
                .map(|&p| {
                    let slot = &mut self.local_person[p as usize];
                    if *slot == NONE {
                        *slot = people.len() as u32;
                        people.push(p);
                    }
                    *slot
                })
                .collect();
            let mut options = Vec::new();
            let mut from = Vec::new();
            for v in graph.first[g as usize]..graph.first[g as usize + 1] {
                if self.reduced.alive[v as usize] {
                    let o = graph.vertex[v as usize].1;
                    self.local_vertex[v as usize] = (i as u32, options.len() as u32);
                    options.push(grp.options[o as usize].clone());
                    from.push(o);
                }
            }
            origin.push(from);
            first.push(count);
            count += options.len() as u32;
            sub.groups.push(GroupChoice { members, options });
        }
        sub.people = people.len() as u32;
        if capped {
            sub.caps = people
                .iter()
                .map(|&p| problem.caps.get(p as usize).copied().flatten())
                .collect();
            for (local, &p) in people.iter().enumerate() {
                for &b in &self.fixed_of[p as usize] {
                    let b = problem.fixed[b as usize];
                    sub.fixed.push(Booking {
                        person: local as u32,
                        ..b
                    });
                }
            }
        }
        let conflicts = (!capped).then(|| {
            let mut lists = Vec::with_capacity(count as usize);
            for &g in groups {
                for v in graph.first[g as usize]..graph.first[g as usize + 1] {
                    if self.reduced.alive[v as usize] {
                        let list = graph.adj[v as usize]
                            .iter()
                            .filter(|&&u| self.reduced.alive[u as usize])
                            .map(|&u| self.local_vertex[u as usize])
                            .collect();
                        lists.push(list);
                    }
                }
            }
            Conflicts::new(first, lists)
        });
        for &p in &people {
            self.local_person[p as usize] = NONE;
        }
        Part {
            problem: sub,
            conflicts,
            origin,
        }
    }
}

/// The stall patience for a component of `groups` groups and `options`
/// options with `edges` conflict-list entries (0 when capped: then per
/// group only).
fn patience(groups: u64, options: u64, edges: u64) -> u64 {
    let degree_sq = (edges * edges / options.max(1).pow(2)).max(1);
    let least = if edges == 0 {
        MIN_STALL_CAPPED
    } else {
        MIN_STALL
    };
    (STALL_PER_GROUP * groups * degree_sq).max(least)
}

/// Solves one component; returns its local choices and an upper bound on
/// how many of its groups any solution schedules.
fn solve_part(
    problem: &Problem,
    conflicts: Option<Conflicts>,
    steps: u64,
    seed: u64,
    exact_left: &mut u64,
) -> (Vec<Option<u32>>, usize) {
    let mut st = State::new(problem);
    let groups = st.usable.iter().filter(|u| !u.is_empty()).count();
    let top: i64 = (0..st.usable.len())
        .filter_map(|g| st.usable[g].iter().map(|&o| st.score_of(g, o)).max())
        .sum();
    let mut upper = (groups, top);
    let options: usize = problem.groups.iter().map(|g| g.options.len()).sum();
    let edges: u64 = conflicts
        .as_ref()
        .map_or(0, |c| c.lists.iter().map(|l| l.len() as u64).sum());
    st.conflicts = conflicts;
    greedy::greedy(&mut st);
    if (st.scheduled, st.score) >= upper {
        return (st.chosen, st.scheduled);
    }
    if groups <= exact::MAX_GROUPS {
        return small(st, steps, seed, upper, exact_left);
    }
    let worth = groups >= BOUND_FROM || options <= FEW_OPTIONS * groups;
    if let Some(c) = st.conflicts.as_ref().filter(|_| worth) {
        let Bound { count, score } = bound::bound(&Net::new(problem, c), (st.scheduled, st.score));
        upper = upper.min((count, score));
        if (st.scheduled, st.score) >= upper {
            return (st.chosen, st.scheduled);
        }
    }
    let stall = patience(groups as u64, options as u64, edges);
    let chosen = walk(problem, st, steps, seed, Stop { stall, upper });
    (chosen, upper.0)
}

/// A component of at most [`exact::MAX_GROUPS`] groups: a short search,
/// then the exact branch-and-bound. Its bound is what the branch-and-bound
/// proves, or the number of its groups when that runs out of budget (the
/// clique bound costs more than these components take to solve).
fn small(
    mut st: State,
    steps: u64,
    seed: u64,
    upper: (usize, i64),
    exact_left: &mut u64,
) -> (Vec<Option<u32>>, usize) {
    search::search_until(
        &mut st,
        steps.min(PRE_EXACT_STEPS),
        seed,
        Stop {
            stall: u64::MAX,
            upper,
        },
    );
    if (st.scheduled, st.score) >= upper {
        return (st.chosen, st.scheduled);
    }
    let (done, spent) = exact::exact(&mut st, EXACT_PER_PART.min(*exact_left));
    *exact_left -= spent;
    if done {
        return (st.chosen, st.scheduled);
    }
    (st.chosen, upper.0)
}

/// The seeds of the two parallel searches of a large component.
fn seeds(seed: u64) -> [u64; 2] {
    [0u64, 1].map(|w| seed ^ w.wrapping_mul(0xa076_1d64_78bd_642f))
}

/// Runs `search` with the two seeds, on two threads when the component is
/// large; the better result wins, the first on ties, so the outcome does
/// not depend on timing.
fn two<T: Send>(groups: usize, seed: u64, search: impl Fn(u64) -> (usize, i64, T) + Sync) -> T {
    let [a, b] = seeds(seed);
    if groups < TWO_WALKS_FROM {
        return search(a).2;
    }
    let (first, second) = std::thread::scope(|s| {
        let other = s.spawn(|| search(b));
        let first = search(a);
        (first, other.join().ok())
    });
    match second {
        Some(b) if (b.0, b.1) > (first.0, first.1) => b.2,
        _ => first.2,
    }
}

/// The conflict-driven walk (see `search`) from `st`'s assignment.
fn walk(problem: &Problem, st: State, steps: u64, seed: u64, stop: Stop) -> Vec<Option<u32>> {
    let groups = st.usable.iter().filter(|u| !u.is_empty()).count();
    let start = st.chosen.clone();
    let conflicts = st.conflicts;
    two(groups, seed, |seed| {
        let mut st = State::new(problem);
        st.conflicts = conflicts.as_ref().map(Conflicts::unbooked);
        st.load(&start);
        search::search_until(&mut st, steps, seed, stop);
        (st.scheduled, st.score, st.chosen)
    })
}
