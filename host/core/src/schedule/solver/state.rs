//! The occupancy index the engine works on: per person, the bookings in
//! force (fixed time and chosen options), and the queries "which scheduled
//! groups stand in the way of this option" and "book / unbook a group".
//!
//! Malformed input never panics: an option whose `attends` does not match
//! its group's members, whose range is empty or leaves the week, or that
//! names a person outside `Problem::people`, is simply never usable; so is
//! an option that collides with fixed time or breaks a cap on its own.

use super::{Problem, WEEK_MINUTES};

/// Owner of a fixed booking in a person's entry list.
pub(super) const FIXED: u32 = u32::MAX;

/// One booking of one person.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    end: u32,
    periods: u128,
    /// Group index, or [`FIXED`].
    owner: u32,
}

impl Entry {
    fn minutes(&self) -> u64 {
        u64::from(self.end.saturating_sub(self.start))
    }
}

/// Pairwise option conflicts, for problems where no cap can bind: then an
/// option's blockers are exactly the groups booked at a conflicting option.
#[derive(Clone)]
pub(super) struct Conflicts {
    /// Per group, the index of its option 0 in `lists`.
    pub first: Vec<u32>,
    /// Per (group, option): the conflicting (group, option) pairs of other
    /// groups, at most one entry per pair.
    pub lists: Vec<Vec<(u32, u32)>>,
    /// Per (group, option): how many booked groups conflict with it (kept
    /// by [`State::insert`] and [`State::remove`]).
    pub booked: Vec<u32>,
}

impl Conflicts {
    /// Lists with no bookings counted yet.
    pub fn new(first: Vec<u32>, lists: Vec<Vec<(u32, u32)>>) -> Conflicts {
        let booked = vec![0; lists.len()];
        Conflicts {
            first,
            lists,
            booked,
        }
    }

    /// The same lists with no bookings counted.
    pub fn unbooked(&self) -> Conflicts {
        Conflicts::new(self.first.clone(), self.lists.clone())
    }

    fn vertex(&self, g: usize, o: u32) -> usize {
        self.first.get(g).map_or(usize::MAX, |f| (f + o) as usize)
    }

    /// Counts group `g` booked at `o` (`add`) or no longer (`!add`).
    fn count(&mut self, g: usize, o: u32, add: bool) {
        let v = self.vertex(g, o);
        for &(h, p) in self.lists.get(v).map_or(&[][..], Vec::as_slice) {
            let u = self.first[h as usize] + p;
            let c = &mut self.booked[u as usize];
            *c = if add { *c + 1 } else { c.saturating_sub(1) };
        }
    }
}

/// Occupancy plus the current assignment.
pub(super) struct State<'p> {
    pub problem: &'p Problem,
    /// Per group, the indices of its usable options.
    pub usable: Vec<Vec<u32>>,
    /// Per group: does it list some person twice (then masks are merged).
    dup: Vec<bool>,
    book: Vec<Vec<Entry>>,
    /// Per person with a cap and some booking: minutes booked per period
    /// (all of `book`), so most cap checks need no scan; empty otherwise.
    minutes: Vec<Vec<u32>>,
    /// The chosen option per group.
    pub chosen: Vec<Option<u32>>,
    pub scheduled: usize,
    pub score: i64,
    /// Scratch: (person, periods) of the option being looked at.
    att: Vec<(u32, u128)>,
    /// When set, [`State::blockers`] reads these lists instead of scanning
    /// bookings (valid only when no cap can bind and every option is
    /// usable).
    pub conflicts: Option<Conflicts>,
}

impl<'p> State<'p> {
    /// An empty assignment over `problem`'s fixed time; works out which
    /// options are usable at all.
    pub fn new(problem: &'p Problem) -> State<'p> {
        let people = problem.people as usize;
        let mut book: Vec<Vec<Entry>> = vec![Vec::new(); people];
        let mut minutes: Vec<Vec<u32>> = vec![Vec::new(); people];
        for b in &problem.fixed {
            if b.start < b.end
                && b.periods != 0
                && let Some(list) = book.get_mut(b.person as usize)
            {
                list.push(Entry {
                    start: b.start,
                    end: b.end,
                    periods: b.periods,
                    owner: FIXED,
                });
                if matches!(problem.caps.get(b.person as usize), Some(Some(_))) {
                    tally(
                        &mut minutes[b.person as usize],
                        b.periods,
                        b.end - b.start,
                        true,
                    );
                }
            }
        }
        let dup = problem
            .groups
            .iter()
            .map(|g| {
                let mut m = g.members.clone();
                m.sort_unstable();
                m.windows(2).any(|w| w[0] == w[1])
            })
            .collect();
        let mut st = State {
            problem,
            usable: Vec::new(),
            dup,
            book,
            minutes,
            chosen: vec![None; problem.groups.len()],
            scheduled: 0,
            score: 0,
            att: Vec::new(),
            conflicts: None,
        };
        let mut out = Vec::new();
        let mut usable = Vec::with_capacity(problem.groups.len());
        for (g, grp) in problem.groups.iter().enumerate() {
            let members_ok = grp.members.iter().all(|&p| (p as usize) < people);
            let mut list = Vec::new();
            for (o, opt) in grp.options.iter().enumerate() {
                let well_formed = members_ok
                    && opt.start < opt.end
                    && opt.end <= WEEK_MINUTES
                    && opt.attends.len() == grp.members.len();
                // Only fixed time is booked yet: any blocker means "never".
                if well_formed && st.blockers(g, o as u32, 0, &mut out) {
                    list.push(o as u32);
                }
            }
            usable.push(list);
        }
        st.usable = usable;
        st
    }

    /// Fills `att` with (person, periods) of option `o` of group `g`,
    /// merging a person listed twice; people who never attend are left out.
    fn attendance(&mut self, g: usize, o: u32) {
        self.att.clear();
        let grp = &self.problem.groups[g];
        let opt = &grp.options[o as usize];
        for (&p, &m) in grp.members.iter().zip(&opt.attends) {
            if self.dup[g]
                && let Some(e) = self.att.iter_mut().find(|e| e.0 == p)
            {
                e.1 |= m;
            } else if m != 0 {
                self.att.push((p, m));
            }
        }
        self.att.retain(|e| e.1 != 0);
    }

    /// The scheduled groups (other than `g`) that must leave for option `o`
    /// of group `g` to be booked, in `out`. Returns false when fixed time
    /// (or a cap fixed time alone fills) makes the option impossible, or
    /// when more than `limit` groups are in the way (`out` is then partial).
    pub fn blockers(&mut self, g: usize, o: u32, limit: usize, out: &mut Vec<u32>) -> bool {
        out.clear();
        if let Some(c) = &self.conflicts {
            let v = c.vertex(g, o);
            if c.booked.get(v).is_some_and(|&n| n as usize > limit) {
                return false;
            }
            if c.booked.get(v) == Some(&0) {
                return true;
            }
            let list = c.lists.get(v).map_or(&[][..], Vec::as_slice);
            for &(h, p) in list {
                if self.chosen[h as usize] == Some(p) {
                    if out.len() == limit {
                        return false;
                    }
                    out.push(h);
                }
            }
            return true;
        }
        let grp = &self.problem.groups[g];
        let opt = &grp.options[o as usize];
        let (start, end) = (opt.start, opt.end);
        let own = g as u32;
        let dup = self.dup[g];
        if dup {
            self.attendance(g, o);
        }
        let n = if dup {
            self.att.len()
        } else {
            grp.members.len()
        };
        for i in 0..n {
            let (p, mask) = if dup {
                self.att[i]
            } else {
                (grp.members[i], opt.attends[i])
            };
            if mask == 0 {
                continue;
            }
            for e in &self.book[p as usize] {
                if e.owner != own && e.periods & mask != 0 && e.start < end && start < e.end {
                    if e.owner == FIXED {
                        return false;
                    }
                    if !out.contains(&e.owner) {
                        if out.len() == limit {
                            return false;
                        }
                        out.push(e.owner);
                    }
                }
            }
        }
        if self.problem.caps.is_empty() {
            return true;
        }
        let len = u64::from(end - start);
        for i in 0..n {
            let (p, mask) = if dup {
                self.att[i]
            } else {
                (grp.members[i], opt.attends[i])
            };
            if mask != 0
                && let Some(Some(cap)) = self.problem.caps.get(p as usize)
                && !self.fits(p, mask, len, u64::from(*cap))
                && !self.fit_cap(p, mask, len, u64::from(*cap), own, out)
            {
                return false;
            }
        }
        out.len() <= limit
    }

    /// Whether `len` more minutes fit under `cap` for person `p` in every
    /// period of `mask` with nobody leaving (then [`State::fit_cap`] would
    /// add no one to evict either).
    fn fits(&self, p: u32, mask: u128, len: u64, cap: u64) -> bool {
        let Some(used) = self.minutes.get(p as usize) else {
            return false;
        };
        if used.is_empty() {
            return len <= cap;
        }
        let mut bits = mask;
        while bits != 0 {
            let k = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if u64::from(used[k]) + len > cap {
                return false;
            }
        }
        true
    }

    /// Makes `len` more minutes fit under `cap` for person `p` in every
    /// period of `mask`, adding groups to evict to `out` (largest booking
    /// first). False when fixed time alone leaves no room.
    fn fit_cap(
        &self,
        p: u32,
        mask: u128,
        len: u64,
        cap: u64,
        own: u32,
        out: &mut Vec<u32>,
    ) -> bool {
        let entries = &self.book[p as usize];
        let counts = |e: &Entry, out: &Vec<u32>, bit: u128| {
            e.owner != own && e.periods & bit != 0 && !out.contains(&e.owner)
        };
        let loose: u64 = entries
            .iter()
            .filter(|e| counts(e, out, mask))
            .map(Entry::minutes)
            .sum();
        if loose + len <= cap {
            return true;
        }
        let mut bits = mask;
        while bits != 0 {
            let bit = 1u128 << bits.trailing_zeros();
            bits &= bits - 1;
            loop {
                let used: u64 = entries
                    .iter()
                    .filter(|e| counts(e, out, bit))
                    .map(Entry::minutes)
                    .sum();
                if used + len <= cap {
                    break;
                }
                let victim = entries
                    .iter()
                    .filter(|e| e.owner != FIXED && counts(e, out, bit))
                    .max_by_key(|e| (e.minutes(), std::cmp::Reverse(e.owner)));
                match victim {
                    Some(e) => out.push(e.owner),
                    None => return false,
                }
            }
        }
        true
    }

    /// Books option `o` for the (unscheduled) group `g`.
    pub fn insert(&mut self, g: usize, o: u32) {
        let opt = &self.problem.groups[g].options[o as usize];
        if let Some(c) = &mut self.conflicts {
            c.count(g, o, true);
            self.chosen[g] = Some(o);
            self.scheduled += 1;
            self.score += opt.score;
            return;
        }
        self.attendance(g, o);
        let opt = &self.problem.groups[g].options[o as usize];
        for &(p, periods) in &self.att {
            debug_assert!(periods != 0);
            if matches!(self.problem.caps.get(p as usize), Some(Some(_))) {
                tally(
                    &mut self.minutes[p as usize],
                    periods,
                    opt.end - opt.start,
                    true,
                );
            }
            self.book[p as usize].push(Entry {
                start: opt.start,
                end: opt.end,
                periods,
                owner: g as u32,
            });
        }
        self.chosen[g] = Some(o);
        self.scheduled += 1;
        self.score += opt.score;
    }

    /// Unbooks group `g` if it is scheduled.
    pub fn remove(&mut self, g: usize) {
        let Some(o) = self.chosen[g].take() else {
            return;
        };
        let grp = &self.problem.groups[g];
        if let Some(c) = &mut self.conflicts {
            c.count(g, o, false);
        } else {
            for &p in &grp.members {
                let (book, minutes) = (&mut self.book[p as usize], &mut self.minutes[p as usize]);
                book.retain(|e| {
                    let mine = e.owner == g as u32;
                    if mine && !minutes.is_empty() {
                        tally(minutes, e.periods, e.end - e.start, false);
                    }
                    !mine
                });
            }
        }
        self.scheduled -= 1;
        self.score -= grp.options[o as usize].score;
    }

    /// The option's soft score.
    pub fn score_of(&self, g: usize, o: u32) -> i64 {
        self.problem.groups[g].options[o as usize].score
    }

    /// Among `g`'s usable options that need no eviction, the best-scoring
    /// one (lowest index on ties).
    pub fn best_free(&mut self, g: usize, out: &mut Vec<u32>) -> Option<u32> {
        let mut best: Option<(i64, u32)> = None;
        for i in 0..self.usable[g].len() {
            let o = self.usable[g][i];
            let s = self.score_of(g, o);
            if best.is_some_and(|(bs, _)| bs >= s) {
                continue;
            }
            if self.blockers(g, o, 0, out) {
                best = Some((s, o));
            }
        }
        best.map(|(_, o)| o)
    }

    /// [`State::best_free`] among the options overlapping one of `spans`
    /// (week-minute ranges) only.
    pub fn best_free_within(
        &mut self,
        g: usize,
        spans: &[(u32, u32)],
        out: &mut Vec<u32>,
    ) -> Option<u32> {
        let mut best: Option<(i64, u32)> = None;
        for i in 0..self.usable[g].len() {
            let o = self.usable[g][i];
            let s = self.score_of(g, o);
            if best.is_some_and(|(bs, _)| bs >= s) {
                continue;
            }
            let opt = &self.problem.groups[g].options[o as usize];
            let near = spans.iter().any(|&(a, b)| opt.start < b && a < opt.end);
            if near && self.blockers(g, o, 0, out) {
                best = Some((s, o));
            }
        }
        best.map(|(_, o)| o)
    }

    /// Replaces the assignment with `chosen` (from the same problem).
    pub fn load(&mut self, chosen: &[Option<u32>]) {
        for g in 0..self.chosen.len() {
            self.remove(g);
        }
        for (g, c) in chosen.iter().enumerate() {
            if let Some(o) = *c {
                self.insert(g, o);
            }
        }
    }
}

/// Adds (`add`) or takes away `len` minutes in each period of `periods`
/// (a person's list is made on first use).
fn tally(minutes: &mut Vec<u32>, periods: u128, len: u32, add: bool) {
    if minutes.is_empty() {
        minutes.resize(128, 0);
    }
    let mut bits = periods;
    while bits != 0 {
        let k = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        minutes[k] = if add {
            minutes[k] + len
        } else {
            minutes[k].saturating_sub(len)
        };
    }
}
