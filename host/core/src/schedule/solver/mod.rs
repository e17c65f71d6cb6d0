//! The joint solver: picks at most one option (a series time) per group so
//! that nobody is booked twice at once and nobody goes over their weekly
//! cap, scheduling as many groups as possible, then maximising the options'
//! soft scores.
//!
//! The model is deliberately small and independent of policy files, so the
//! benchmark (`peerwell-bench sched`) and the planner use the same engine:
//!
//! - Time is a week of minutes, `0..10_080` from Monday 00:00; an option
//!   meets at the same week-minute in each of its weeks (periods).
//! - A group's option says, per member, in which periods that member
//!   attends (a bitmask over up to 128 periods). Members who do not attend
//!   in a period use none of their time then.
//! - Two options conflict when some person attends both in a common period
//!   and their week-minute ranges overlap.
//! - A person's cap bounds the minutes they attend per period.
//!
//! Results are deterministic: the same problem and effort give the same
//! solution (no wall clock, no unseeded randomness).

/// Minutes in a week; option times are week-minutes below this.
pub const WEEK_MINUTES: u32 = 7 * 24 * 60;

/// A whole problem.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problem {
    /// Number of people; every person index is below this.
    pub people: u32,
    /// Per person, the most minutes they may attend in one period; `None`
    /// for no cap. Either empty (no caps) or `people` long.
    pub caps: Vec<Option<u32>>,
    /// Time already booked before solving (frozen sessions, sessions of
    /// partitioned groups): options must not conflict with it, and it
    /// counts towards caps.
    pub fixed: Vec<Booking>,
    /// One entry per group, in a stable order.
    pub groups: Vec<GroupChoice>,
}

/// Time a person is booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booking {
    /// The person's index.
    pub person: u32,
    /// Week-minute range `[start, end)`.
    pub start: u32,
    /// End of the week-minute range (exclusive).
    pub end: u32,
    /// Periods (weeks) in which it applies.
    pub periods: u128,
}

/// One group: choose at most one of its options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupChoice {
    /// Person indices of the group's members.
    pub members: Vec<u32>,
    /// Candidate series times. An empty list means the group cannot be
    /// scheduled.
    pub options: Vec<SlotOption>,
}

/// A candidate series time of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotOption {
    /// Week-minute range `[start, end)`.
    pub start: u32,
    /// End of the week-minute range (exclusive).
    pub end: u32,
    /// Aligned with the group's `members`: the periods each attends.
    pub attends: Vec<u128>,
    /// Soft score; higher is better. Compared only after the number of
    /// scheduled groups.
    pub score: i64,
}

/// How hard to search. Deterministic: an iteration budget, not a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effort {
    /// Local-search steps after the greedy start.
    pub steps: u64,
    /// Seed of the search's pseudo-random choices.
    pub seed: u64,
}

/// The chosen option per group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// Aligned with `Problem::groups`: index into that group's options.
    pub chosen: Vec<Option<u32>>,
    /// How many groups got an option.
    pub scheduled: usize,
    /// The summed score of the chosen options.
    pub score: i64,
}

mod bound;
mod check;
pub use check::Violation;
mod copies;
mod decompose;
mod exact;
mod graph;
mod greedy;
mod net;
mod reduce;
mod search;
mod state;

impl Effort {
    /// A deterministic budget scaled to the problem's size (1,000 steps per
    /// group, 2,000 … 2,000,000), shared among conflict components in
    /// proportion to their size; a component's search also ends after a
    /// stretch without improvement, so sparse problems use a small part.
    pub fn default_for(problem: &Problem) -> Effort {
        let groups = problem.groups.len() as u64;
        Effort {
            steps: (groups * 1_000).clamp(2_000, 2_000_000),
            seed: 0x5eed_9e37_79b9_7f4a,
        }
    }
}

/// Picks at most one option per group: as many groups as possible, then the
/// highest total score; nobody booked twice at once, no cap exceeded, no
/// collision with fixed time. Deterministic for a given problem and effort.
///
/// The problem is reduced (surplus copies of identical groups, free and
/// dominated options), split into independent conflict components, and
/// each is solved on its own (greedy, then exact branch-and-bound when
/// small or local search when large; see `decompose`), stopping once it
/// reaches an upper bound (`bound`). Components of 200 groups or more run
/// two seeded searches on two threads and keep the better (the first on
/// ties).
pub fn solve(problem: &Problem, effort: &Effort) -> Solution {
    solve_with_bound(problem, effort).0
}

/// [`solve`], with an upper bound on how many groups any solution
/// schedules (proved by the solver: the clique bound, what the exact search
/// proved, or the number of groups; equal to `scheduled` when the solution
/// is known to schedule as many as possible).
pub fn solve_with_bound(problem: &Problem, effort: &Effort) -> (Solution, usize) {
    let (chosen, bound) = decompose::solve(problem, effort);
    let mut scheduled = 0;
    let mut score = 0;
    for (g, c) in chosen.iter().enumerate() {
        if let Some(opt) = c.and_then(|o| problem.groups[g].options.get(o as usize)) {
            scheduled += 1;
            score += opt.score;
        }
    }
    let solution = Solution {
        chosen,
        scheduled,
        score,
    };
    (solution, bound)
}

/// Validates a solution independently (conflicts, caps, fixed bookings,
/// option indices, the claimed counts); `Err` names the first violation.
pub fn check(problem: &Problem, solution: &Solution) -> Result<(), Violation> {
    check::check(problem, solution)
}

#[cfg(test)]
mod bound_tests;
#[cfg(test)]
mod tests;
