//! The option conflict graph: which usable options of different groups can
//! never be booked together (some person attends both in a common period
//! at overlapping times), and which people's caps can bind at all.
//!
//! A cap binds only if the person's fixed minutes plus, per group, the
//! longest option they attend could exceed it in some period; otherwise it
//! never matters and the person behaves as uncapped. Groups with a member
//! whose cap may bind are marked `capped`: their interactions are not
//! pairwise, so the decomposition keeps all groups of such a person
//! together and the reductions leave them alone.
//!
//! A person in very many overlapping options (many different groups over
//! the same few people) is treated the same way instead of listing their
//! conflicts, which would take memory quadratic in their options: past
//! [`PERSON_PAIRS`] overlapping pairs for one person, or [`TOTAL_PAIRS`]
//! in all, that person's groups are marked `capped` too, and the search
//! finds their conflicts by scanning bookings.

use super::Problem;

/// Usable options as vertices, numbered group by group.
pub(super) struct Graph {
    /// Per group, its first vertex; group `g` owns `first[g]..first[g + 1]`.
    pub first: Vec<u32>,
    /// Per vertex: (group, index into that group's `options`).
    pub vertex: Vec<(u32, u32)>,
    /// Per vertex: the conflicting vertices of other groups, sorted.
    pub adj: Vec<Vec<u32>>,
    /// Per group: some member's cap may bind, or some member's conflicts
    /// are too many to list.
    pub capped: Vec<bool>,
    /// Groups that must stay in one component because they share a person
    /// whose cap may bind or whose conflicts are not listed (each list
    /// sorted).
    pub cap_links: Vec<Vec<u32>>,
}

/// Overlapping option pairs of one person listed at most.
pub(super) const PERSON_PAIRS: u64 = 1_000_000;
/// Overlapping option pairs listed at most over all people.
pub(super) const TOTAL_PAIRS: u64 = 8_000_000;

/// One person's use of one vertex while building.
#[derive(Clone, Copy)]
struct Use {
    start: u32,
    end: u32,
    periods: u128,
    vertex: u32,
    group: u32,
}

impl Graph {
    /// Builds the graph over the options `State::new` found usable.
    pub fn build(problem: &Problem, usable: &[Vec<u32>]) -> Graph {
        let mut first = Vec::with_capacity(usable.len() + 1);
        let mut vertex = Vec::new();
        for (g, list) in usable.iter().enumerate() {
            first.push(vertex.len() as u32);
            vertex.extend(list.iter().map(|&o| (g as u32, o)));
        }
        first.push(vertex.len() as u32);
        let people = problem.people as usize;
        let mut of_person: Vec<Vec<u32>> = vec![Vec::new(); people];
        for (g, grp) in problem.groups.iter().enumerate() {
            if usable[g].is_empty() {
                continue;
            }
            for &p in &grp.members {
                if let Some(list) = of_person.get_mut(p as usize)
                    && list.last() != Some(&(g as u32))
                {
                    list.push(g as u32);
                }
            }
        }
        let mut fixed_minutes: Vec<Vec<(u128, u64)>> = vec![Vec::new(); people];
        if !problem.caps.is_empty() {
            for b in &problem.fixed {
                if b.start < b.end
                    && let Some(list) = fixed_minutes.get_mut(b.person as usize)
                {
                    list.push((b.periods, u64::from(b.end - b.start)));
                }
            }
        }
        let mut graph = Graph {
            first,
            vertex,
            adj: Vec::new(),
            capped: vec![false; usable.len()],
            cap_links: Vec::new(),
        };
        let mut adj: Vec<Vec<u32>> = vec![Vec::new(); graph.vertex.len()];
        let mut uses: Vec<Use> = Vec::new();
        let mut listed = 0u64;
        for (p, groups) in of_person.iter_mut().enumerate() {
            groups.sort_unstable();
            groups.dedup();
            if groups.is_empty() {
                continue;
            }
            graph.person_uses(problem, p as u32, groups, &mut uses);
            uses.sort_unstable_by_key(|u| (u.start, u.vertex));
            let pairs = overlapping_pairs(&uses, PERSON_PAIRS.min(TOTAL_PAIRS - listed));
            let dense = pairs > PERSON_PAIRS || listed + pairs > TOTAL_PAIRS;
            if !dense {
                listed += pairs;
                list_pairs(&uses, &mut adj);
            }
            let binds = matches!(problem.caps.get(p), Some(Some(cap))
                if may_exceed(&uses, &fixed_minutes[p], u64::from(*cap)));
            if dense || binds {
                for &g in groups.iter() {
                    graph.capped[g as usize] = true;
                }
                graph.cap_links.push(groups.clone());
            }
        }
        for list in &mut adj {
            list.sort_unstable();
            list.dedup();
        }
        graph.adj = adj;
        graph
    }

    /// Fills `uses` with person `p`'s attendance in every vertex of
    /// `groups` (a person listed twice in a group gets the union).
    fn person_uses(&self, problem: &Problem, p: u32, groups: &[u32], uses: &mut Vec<Use>) {
        uses.clear();
        let mut at: Vec<usize> = Vec::new();
        for &g in groups {
            let grp = &problem.groups[g as usize];
            at.clear();
            at.extend((0..grp.members.len()).filter(|&i| grp.members[i] == p));
            for v in self.first[g as usize]..self.first[g as usize + 1] {
                let opt = &grp.options[self.vertex[v as usize].1 as usize];
                let periods = at.iter().fold(0u128, |acc, &i| {
                    acc | opt.attends.get(i).copied().unwrap_or(0)
                });
                if periods != 0 {
                    uses.push(Use {
                        start: opt.start,
                        end: opt.end,
                        periods,
                        vertex: v,
                        group: g,
                    });
                }
            }
        }
    }
}

/// How many pairs of `uses` (sorted by start) overlap in time, counting
/// up to just past `limit`.
fn overlapping_pairs(uses: &[Use], limit: u64) -> u64 {
    let mut pairs = 0u64;
    for (i, a) in uses.iter().enumerate() {
        let rest = &uses[i + 1..];
        pairs += rest.partition_point(|b| b.start < a.end) as u64;
        if pairs > limit {
            break;
        }
    }
    pairs
}

/// Adds the conflicts among one person's `uses` (sorted by start).
fn list_pairs(uses: &[Use], adj: &mut [Vec<u32>]) {
    for (i, a) in uses.iter().enumerate() {
        for b in &uses[i + 1..] {
            if b.start >= a.end {
                break;
            }
            if a.group != b.group && a.periods & b.periods != 0 {
                adj[a.vertex as usize].push(b.vertex);
                adj[b.vertex as usize].push(a.vertex);
            }
        }
    }
}

/// Whether one person's fixed minutes plus the longest use per group could
/// exceed `cap` in some period.
fn may_exceed(uses: &[Use], fixed: &[(u128, u64)], cap: u64) -> bool {
    let mut total = [0u64; 128];
    for &(periods, minutes) in fixed {
        add_bits(&mut total, periods, minutes);
    }
    let mut groups: Vec<u32> = uses.iter().map(|u| u.group).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut longest = [0u64; 128];
    for g in groups {
        longest.fill(0);
        for u in uses.iter().filter(|u| u.group == g) {
            let len = u64::from(u.end - u.start);
            let mut bits = u.periods;
            while bits != 0 {
                let k = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                longest[k] = longest[k].max(len);
            }
        }
        for k in 0..128 {
            total[k] += longest[k];
        }
    }
    total.iter().any(|&t| t > cap)
}

fn add_bits(total: &mut [u64; 128], periods: u128, minutes: u64) {
    let mut bits = periods;
    while bits != 0 {
        let k = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        total[k] += minutes;
    }
}
