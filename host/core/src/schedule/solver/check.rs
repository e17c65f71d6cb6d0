//! An independent validator of solutions: it shares no code with the
//! engine, so tests can hold one against the other.

use std::collections::BTreeMap;

use super::{Problem, Solution, WEEK_MINUTES};

/// One person's booking while checking: range, periods, owner (`None` for
/// fixed time).
type Held = (u32, u32, u128, Option<usize>);

/// Each person's bookings, the groups scheduled and the score.
type Tally = (BTreeMap<u32, Vec<Held>>, usize, i64);

/// The first rule a solution breaks, found by [`super::check`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// The solution does not have one entry per group.
    #[error("solution has {entries} entries for {groups} groups")]
    Entries {
        /// Entries in the solution.
        entries: usize,
        /// Groups in the problem.
        groups: usize,
    },
    /// A chosen option index is out of range.
    #[error("group {group}: option {option} does not exist ({options} options)")]
    NoSuchOption {
        /// Group index.
        group: usize,
        /// The chosen option.
        option: u32,
        /// How many options the group has.
        options: usize,
    },
    /// A chosen option's range is empty or leaves the week.
    #[error("group {group}: option {option} has range {start}..{end} outside the week")]
    OutsideWeek {
        /// Group index.
        group: usize,
        /// The chosen option.
        option: u32,
        /// Start minute of the range.
        start: u32,
        /// End minute of the range.
        end: u32,
    },
    /// A chosen option has not one attendance mask per member.
    #[error("group {group}: option {option} has {masks} attendance masks for {members} members")]
    Masks {
        /// Group index.
        group: usize,
        /// The chosen option.
        option: u32,
        /// Attendance masks of the option.
        masks: usize,
        /// Members of the group.
        members: usize,
    },
    /// A group lists a member that is not a person of the problem.
    #[error("group {group}: member {member} is not a person (people: {people})")]
    NotAPerson {
        /// Group index.
        group: usize,
        /// The member's person number.
        member: u32,
        /// People in the problem.
        people: u32,
    },
    /// A person is booked twice at once (two groups, or a group and fixed
    /// time).
    #[error("person {person} is booked twice: {} and {}", booking(*.first), booking(*.second))]
    BookedTwice {
        /// The person.
        person: u32,
        /// One booking: range start, end, periods, group (`None`: fixed).
        first: (u32, u32, u128, Option<usize>),
        /// The other booking.
        second: (u32, u32, u128, Option<usize>),
    },
    /// A person's booked minutes in one period exceed their cap.
    #[error("person {person}: {used} minutes in period {period} exceed the cap of {cap}")]
    OverCap {
        /// The person.
        person: u32,
        /// Minutes booked in the period.
        used: u64,
        /// The period (bit) index.
        period: u32,
        /// The person's cap in minutes.
        cap: u32,
    },
    /// The solution's claimed counts differ from what its choices give.
    #[error(
        "solution claims {claimed_scheduled} scheduled and score {claimed_score}, but its choices give {scheduled} and {score}"
    )]
    FalseClaim {
        /// Groups the solution claims to schedule.
        claimed_scheduled: usize,
        /// The score it claims.
        claimed_score: i64,
        /// Groups its choices schedule.
        scheduled: usize,
        /// The score of its choices.
        score: i64,
    },
}

/// One booking as the message names it.
fn booking(h: Held) -> String {
    match h.3 {
        Some(g) => format!("group {g} at {}..{}", h.0, h.1),
        None => format!("fixed time {}..{}", h.0, h.1),
    }
}

/// See [`super::check`].
pub(super) fn check(problem: &Problem, solution: &Solution) -> Result<(), Violation> {
    if solution.chosen.len() != problem.groups.len() {
        return Err(Violation::Entries {
            entries: solution.chosen.len(),
            groups: problem.groups.len(),
        });
    }
    let (mut held, scheduled, score) = chosen_bookings(problem, solution)?;
    for b in &problem.fixed {
        if b.start < b.end && b.periods != 0 && held.contains_key(&b.person) {
            held.entry(b.person)
                .or_default()
                .push((b.start, b.end, b.periods, None));
        }
    }
    for (&p, list) in &held {
        no_conflict(p, list)?;
        if let Some(Some(cap)) = problem.caps.get(p as usize) {
            within_cap(p, list, *cap)?;
        }
    }
    if scheduled != solution.scheduled || score != solution.score {
        return Err(Violation::FalseClaim {
            claimed_scheduled: solution.scheduled,
            claimed_score: solution.score,
            scheduled,
            score,
        });
    }
    Ok(())
}

/// Each person's bookings by the chosen options, with the number of groups
/// scheduled and the score, once every choice is checked to be well formed.
fn chosen_bookings(problem: &Problem, solution: &Solution) -> Result<Tally, Violation> {
    let mut held: BTreeMap<u32, Vec<Held>> = BTreeMap::new();
    let mut scheduled = 0usize;
    let mut score = 0i64;
    for (g, choice) in solution.chosen.iter().enumerate() {
        let Some(o) = *choice else { continue };
        let group = &problem.groups[g];
        let Some(opt) = group.options.get(o as usize) else {
            return Err(Violation::NoSuchOption {
                group: g,
                option: o,
                options: group.options.len(),
            });
        };
        if opt.start >= opt.end || opt.end > WEEK_MINUTES {
            return Err(Violation::OutsideWeek {
                group: g,
                option: o,
                start: opt.start,
                end: opt.end,
            });
        }
        if opt.attends.len() != group.members.len() {
            return Err(Violation::Masks {
                group: g,
                option: o,
                masks: opt.attends.len(),
                members: group.members.len(),
            });
        }
        // A person listed twice attends in the union of their masks.
        let mut merged: BTreeMap<u32, u128> = BTreeMap::new();
        for (&p, &m) in group.members.iter().zip(&opt.attends) {
            if p >= problem.people {
                return Err(Violation::NotAPerson {
                    group: g,
                    member: p,
                    people: problem.people,
                });
            }
            *merged.entry(p).or_default() |= m;
        }
        for (p, m) in merged {
            if m != 0 {
                held.entry(p)
                    .or_default()
                    .push((opt.start, opt.end, m, Some(g)));
            }
        }
        scheduled += 1;
        score += opt.score;
    }
    Ok((held, scheduled, score))
}

/// Person `p`'s bookings overlap only where both are fixed time.
fn no_conflict(p: u32, list: &[Held]) -> Result<(), Violation> {
    for (i, a) in list.iter().enumerate() {
        for b in &list[i + 1..] {
            let overlap = a.0 < b.1 && b.0 < a.1 && a.2 & b.2 != 0;
            if overlap && (a.3.is_some() || b.3.is_some()) {
                return Err(Violation::BookedTwice {
                    person: p,
                    first: *a,
                    second: *b,
                });
            }
        }
    }
    Ok(())
}

/// Person `p`'s minutes in each period a chosen option books stay within
/// `cap`.
fn within_cap(p: u32, list: &[Held], cap: u32) -> Result<(), Violation> {
    let chosen_periods = list
        .iter()
        .filter(|h| h.3.is_some())
        .fold(0u128, |acc, h| acc | h.2);
    for k in 0..128 {
        let bit = 1u128 << k;
        if chosen_periods & bit == 0 {
            continue;
        }
        let used: u64 = list
            .iter()
            .filter(|h| h.2 & bit != 0)
            .map(|h| u64::from(h.1 - h.0))
            .sum();
        if used > u64::from(cap) {
            return Err(Violation::OverCap {
                person: p,
                used,
                period: k,
                cap,
            });
        }
    }
    Ok(())
}
