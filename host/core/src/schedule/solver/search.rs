//! Local search after the greedy start: a conflict-driven walk over
//! ejection chains. Each step takes an unscheduled group (the one just
//! evicted, to continue a chain, or a random one) and its option with the
//! fewest scheduled groups in the way (ties: higher score, then a seeded
//! random pick), skipping options that would evict a group booked in the
//! last few steps (tabu). With nobody in the way the group is booked; with
//! one, the two swap (the count stays, the chain goes on); with more, the
//! move is taken only rarely (a perturbation). Evicted groups and their
//! neighbours are re-booked at once where they fit. The best assignment
//! seen (groups, then score) is kept.

use super::state::State;

/// A seeded xorshift64* generator: deterministic tie-breaking.
pub(super) struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value, zero included).
    pub fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so nearby seeds start far apart.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }
}

const NONE: u32 = u32::MAX;

/// The unscheduled groups that have usable options, with O(1) add/remove.
struct Pool {
    list: Vec<u32>,
    pos: Vec<u32>,
}

impl Pool {
    fn add(&mut self, g: usize) {
        if self.pos[g] == NONE {
            self.pos[g] = self.list.len() as u32;
            self.list.push(g as u32);
        }
    }

    fn take(&mut self, g: usize) {
        let i = self.pos[g];
        if i != NONE {
            self.pos[g] = NONE;
            let last = self.list.pop().unwrap_or(g as u32);
            if last as usize != g {
                self.list[i as usize] = last;
                self.pos[last as usize] = i;
            }
        }
    }
}

/// When a walk may end before its step budget (both deterministic).
#[derive(Debug, Clone, Copy)]
pub(super) struct Stop {
    /// Steps without a better assignment after which the walk ends; the
    /// patience grows to the step of the last gain (a walk that needed
    /// long to improve is given as long again).
    pub stall: u64,
    /// An upper bound on (scheduled, score): reaching it ends the walk.
    pub upper: (usize, i64),
}

#[cfg(test)]
impl Stop {
    /// Only the step budget ends the walk.
    pub const NEVER: Stop = Stop {
        stall: u64::MAX,
        upper: (usize::MAX, i64::MAX),
    };
}

/// Runs `steps` steps of the walk from `st`'s assignment and leaves the
/// best assignment seen in `st`.
#[cfg(test)]
pub(super) fn search(st: &mut State, steps: u64, seed: u64) {
    search_until(st, steps, seed, Stop::NEVER);
}

/// [`search`] that also ends as `stop` says. Returns the steps taken.
pub(super) fn search_until(st: &mut State, steps: u64, seed: u64, stop: Stop) -> u64 {
    let n = st.usable.len();
    let mut pool = Pool {
        list: Vec::new(),
        pos: vec![NONE; n],
    };
    for g in 0..n {
        if st.chosen[g].is_none() && !st.usable[g].is_empty() {
            pool.add(g);
        }
    }
    let mut refill = Refill::new(st);
    let mut best = (st.scheduled, st.score, st.chosen.clone());
    let mut tabu = vec![0u64; n];
    let mut rng = Rng::new(seed);
    let (mut out, mut pick_out, mut evicted) = (Vec::new(), Vec::new(), Vec::new());
    let mut next: Option<usize> = None;
    let (mut last_gain, mut taken) = (0u64, 0u64);
    for step in 1..=steps {
        if pool.list.is_empty()
            || step - last_gain > stop.stall.max(last_gain)
            || (best.0, best.1) >= stop.upper
        {
            break;
        }
        taken = step;
        let g = match next.take() {
            Some(h) if pool.pos[h] != NONE => h,
            _ => pool.list[rng.below(pool.list.len())] as usize,
        };
        let picked = pick_option(st, g, step, &tabu, &mut rng, &mut out, &mut pick_out);
        let Some((k, o)) = picked else { continue };
        if k >= 2 && rng.below(64 * k) != 0 {
            continue;
        }
        evicted.clear();
        evicted.extend_from_slice(&pick_out);
        refill.freed(st, &evicted);
        for &b in &evicted {
            st.remove(b as usize);
            pool.add(b as usize);
        }
        pool.take(g);
        st.insert(g, o);
        tabu[g] = step + 2 + rng.below(8) as u64;
        for &b in &evicted {
            refill.run(st, &mut pool, b as usize, &mut out);
        }
        let mut left: Vec<u32> = evicted
            .iter()
            .copied()
            .filter(|&b| pool.pos[b as usize] != NONE)
            .collect();
        if !left.is_empty() {
            let i = rng.below(left.len());
            next = Some(left.swap_remove(i) as usize);
        }
        if (st.scheduled, st.score) > (best.0, best.1) {
            best = (st.scheduled, st.score, st.chosen.clone());
            last_gain = step;
        }
    }
    st.load(&best.2);
    polish(st, &mut out);
    taken
}

/// The option of group `g` with the fewest scheduled groups in the way,
/// none of them tabu at `step` (ties: higher score, then a seeded random
/// pick): how many it evicts and the option, with the groups it evicts in
/// `evicts`. `out` is scratch space.
fn pick_option(
    st: &mut State,
    g: usize,
    step: u64,
    tabu: &[u64],
    rng: &mut Rng,
    out: &mut Vec<u32>,
    evicts: &mut Vec<u32>,
) -> Option<(usize, u32)> {
    let mut pick: Option<(usize, i64, u32)> = None;
    let mut ties = 0usize;
    for i in 0..st.usable[g].len() {
        let o = st.usable[g][i];
        let limit = pick.map_or(usize::MAX, |(k, _, _)| k);
        if !st.blockers(g, o, limit, out) || out.iter().any(|&b| tabu[b as usize] > step) {
            continue;
        }
        let key = (out.len(), st.score_of(g, o));
        let better = match pick {
            None => true,
            Some((k, s, _)) if (key.0, -key.1) < (k, -s) => true,
            Some((k, s, _)) if (key.0, key.1) == (k, s) => {
                ties += 1;
                rng.below(ties + 1) == 0
            }
            Some(_) => false,
        };
        if better {
            if pick.is_none_or(|(k, s, _)| (k, s) != key) {
                ties = 0;
            }
            pick = Some((key.0, key.1, o));
            std::mem::swap(evicts, out);
        }
    }
    pick.map(|(k, _, o)| (k, o))
}

/// Re-booking after evictions: who may fit once someone leaves.
struct Refill {
    /// Per person, the groups with usable options they are in.
    of_person: Vec<Vec<u32>>,
    /// Per group, the pass that last looked at it (each looks once).
    seen: Vec<u64>,
    pass: u64,
    /// Week-minute ranges the evicted groups held, when only options
    /// overlapping them can have become free (no lists, no caps); `None`
    /// to look at every option.
    freed: Option<Vec<(u32, u32)>>,
}

impl Refill {
    fn new(st: &State) -> Refill {
        let mut of_person: Vec<Vec<u32>> = vec![Vec::new(); st.problem.people as usize];
        for (g, grp) in st.problem.groups.iter().enumerate() {
            if !st.usable[g].is_empty() {
                for &p in &grp.members {
                    if let Some(list) = of_person.get_mut(p as usize)
                        && list.last() != Some(&(g as u32))
                    {
                        list.push(g as u32);
                    }
                }
            }
        }
        Refill {
            of_person,
            seen: vec![0; st.usable.len()],
            pass: 0,
            freed: None,
        }
    }

    /// Notes what the (still booked) groups `evicted` are about to free.
    /// Scanning bookings is the costly case (many groups over the same
    /// people): there, with no cap in play, an unscheduled group can only
    /// have gained a free option that overlaps a freed range, since every
    /// unscheduled group had none before (greedy leaves none, and only
    /// evictions free time).
    fn freed(&mut self, st: &State, evicted: &[u32]) {
        let capped = |b: &u32| {
            st.problem.groups[*b as usize]
                .members
                .iter()
                .any(|&p| matches!(st.problem.caps.get(p as usize), Some(Some(_))))
        };
        self.freed = (st.conflicts.is_none() && !evicted.iter().any(capped)).then(|| {
            evicted
                .iter()
                .filter_map(|&b| {
                    let o = st.chosen[b as usize]?;
                    let opt = &st.problem.groups[b as usize].options[o as usize];
                    Some((opt.start, opt.end))
                })
                .collect()
        });
    }

    /// After group `b` left: re-books `b` if it fits somewhere, and any
    /// unscheduled group sharing a member with it that now fits.
    fn run(&mut self, st: &mut State, pool: &mut Pool, b: usize, out: &mut Vec<u32>) {
        self.pass += 1;
        if st.chosen[b].is_none()
            && let Some(o) = st.best_free(b, out)
        {
            st.insert(b, o);
            pool.take(b);
        }
        for &p in &st.problem.groups[b].members {
            for &h in &self.of_person[p as usize] {
                let h = h as usize;
                if self.seen[h] == self.pass || st.chosen[h].is_some() || st.usable[h].is_empty() {
                    continue;
                }
                self.seen[h] = self.pass;
                let free = match &self.freed {
                    Some(spans) => st.best_free_within(h, spans, out),
                    None => st.best_free(h, out),
                };
                if let Some(o) = free {
                    st.insert(h, o);
                    pool.take(h);
                }
            }
        }
    }
}

/// Moves scheduled groups to better-scoring options that are free, until
/// none can improve (each pass strictly raises the score).
pub(super) fn polish(st: &mut State, out: &mut Vec<u32>) {
    loop {
        let mut changed = false;
        for g in 0..st.chosen.len() {
            let Some(cur) = st.chosen[g] else { continue };
            let cur_score = st.score_of(g, cur);
            if let Some(o) = st.best_free(g, out)
                && st.score_of(g, o) > cur_score
            {
                st.remove(g);
                st.insert(g, o);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}
