//! The whole organization as one [`solver::Problem`].
//!
//! # Encoding time
//! The solver sees time as periods of one week (10,080 minutes) and, in
//! each period, a week-minute range. Real time is cut into consecutive
//! periods starting at [`Encoder::origin`]: Sunday 12:00 UTC before the
//! horizon's first Monday, a moment when hardly any zone works, so that few
//! sessions straddle two periods. A session's period is the one holding its
//! start, and its week-minute range is its UTC offset from that period's
//! start. Periods are disjoint in real time, so two bookings can only
//! overlap when they share a period and their ranges overlap.
//!
//! A series keeps its *local* time in the group's zone, so across a DST
//! change its UTC week-minute shifts. An option's range is therefore the
//! hull of its occurrences' ranges (e.g. 13:00–14:00 UTC before and
//! 12:00–13:00 UTC after a change gives 12:00–14:00): the model
//! over-approximates the time an option uses, which can only make the solver
//! more careful, never let it double-book. Caps are counted per period,
//! not per local week. The solver's choice is therefore re-checked in real
//! instants when sessions are built (see `realise`), where each member's
//! cap is counted in their own local week and anyone who would clash or go
//! over is left out; that re-check is what guarantees the hard rules.
//!
//! # Size
//! Each group offers at most [`MAX_OPTIONS`] candidate times — its best by
//! the candidate ranking (most occurrences held, attendance, preferred
//! window, earliest) — and only candidates that hold at least one
//! occurrence. A group whose previous series is still feasible offers only
//! that one (stability).

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use super::evaluate::{self, Context, Evaluation, Setup};
use super::members::minutes;
use super::solver::{self, Booking, GroupChoice, Problem, SlotOption, WEEK_MINUTES};
use super::{SeriesTime, Session};
use crate::model::{Horizon, Interval, Organization};

/// Most options offered to the solver per group.
pub const MAX_OPTIONS: usize = 64;

/// Periods the model can express (bits of `u128`).
const PERIODS: i64 = 128;

/// Maps people and real time onto the solver's indices and week-minutes.
pub struct Encoder<'o> {
    /// Start of period 0.
    pub origin: Timestamp,
    people: BTreeMap<&'o str, u32>,
}

impl<'o> Encoder<'o> {
    /// People are numbered in id order.
    pub fn new(org: &'o Organization, horizon: Horizon) -> Self {
        let monday = horizon
            .start
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let origin = monday
            .checked_sub(SignedDuration::from_hours(12))
            .unwrap_or(monday);
        let people = org
            .people
            .keys()
            .enumerate()
            .map(|(i, id)| (id.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        Encoder { origin, people }
    }

    /// The person's solver index.
    pub fn person(&self, id: &str) -> Option<u32> {
        self.people.get(id).copied()
    }

    /// Number of people.
    pub fn people(&self) -> u32 {
        u32::try_from(self.people.len()).unwrap_or(u32::MAX)
    }

    /// The period of `slot` and its week-minute range in that period (the
    /// end clamped to the period), or `None` outside the 128 periods.
    pub fn place(&self, slot: Interval) -> Option<(u32, u32, u32)> {
        let from = slot.start.duration_since(self.origin).as_mins();
        let week = i64::from(WEEK_MINUTES);
        let period = from.div_euclid(week);
        if !(0..PERIODS).contains(&period) {
            return None;
        }
        let start = u32::try_from(from.rem_euclid(week)).ok()?;
        let end = start.saturating_add(minutes(slot)).min(WEEK_MINUTES);
        Some((u32::try_from(period).ok()?, start, end))
    }
}

/// The soft score of a candidate: occurrences held dominate, then
/// attendance, then the preferred window, then (slightly) the ranking
/// position, so that ties keep the earliest weekday and time.
fn score(e: &Evaluation, position: usize) -> i64 {
    i64::from(e.held) * 1_000_000
        + i64::from(e.attendance) * 1_000
        + if e.preferred { 200 } else { 0 }
        + (MAX_OPTIONS as i64 - position as i64).max(0)
}

/// A candidate as a solver option; `None` when no held occurrence can be
/// expressed.
fn option(enc: &Encoder<'_>, e: &Evaluation, members: usize, score: i64) -> Option<SlotOption> {
    let mut attends = vec![0u128; members];
    let (mut lo, mut hi) = (WEEK_MINUTES, 0u32);
    for occ in e.occurrences.iter().filter(|o| o.skip.is_none()) {
        let Some((period, start, end)) = occ.slot.and_then(|s| enc.place(s)) else {
            continue;
        };
        lo = lo.min(start);
        hi = hi.max(end);
        for &p in &occ.attending {
            if let Some(a) = attends.get_mut(p) {
                *a |= 1u128 << period;
            }
        }
    }
    (lo < hi).then_some(SlotOption {
        start: lo,
        end: hi,
        attends,
        score,
    })
}

/// What one group offers the solver: its best candidates as options.
/// Computing offers only reads the bookings, so groups can make theirs in
/// parallel and be added in group order.
pub struct Offer {
    /// The group's index in `org.groups`.
    pub index: usize,
    pub choice: GroupChoice,
    /// The series time of each option.
    pub series: Vec<SeriesTime>,
}

impl Offer {
    /// The group's best candidates against `cx`'s bookings (the frozen
    /// sessions and kept series); `None` when no candidate holds an
    /// occurrence.
    pub fn new(enc: &Encoder<'_>, setup: &Setup<'_, '_>, cx: &Context<'_>) -> Option<Offer> {
        let ranked = evaluate::best(setup, cx, MAX_OPTIONS);
        let members: Vec<u32> = setup
            .members
            .iter()
            .map(|m| enc.person(&m.person.id).unwrap_or(0))
            .collect();
        let mut options = Vec::new();
        let mut series = Vec::new();
        for (i, e) in ranked.iter().enumerate() {
            if let Some(o) = option(enc, e, members.len(), score(e, i)) {
                options.push(o);
                series.push(e.series);
            }
        }
        (!options.is_empty()).then_some(Offer {
            index: setup.index,
            choice: GroupChoice { members, options },
            series,
        })
    }
}

/// The groups given to the solver and, per group, the candidates behind
/// its options.
pub struct Joint {
    pub problem: Problem,
    /// Aligned with `problem.groups`: the group's index in `org.groups`.
    pub groups: Vec<usize>,
    /// Aligned with `problem.groups`: the series time of each option.
    pub series: Vec<Vec<SeriesTime>>,
}

impl Joint {
    /// An empty problem over the organization's people and their caps,
    /// with the frozen sessions as fixed bookings.
    pub fn new(enc: &Encoder<'_>, org: &Organization, frozen: &[Session]) -> Joint {
        let caps = org.people.values().map(|p| p.weekly_cap_minutes).collect();
        let mut fixed = Vec::new();
        for s in frozen {
            let Some((period, start, end)) = enc.place(Interval::new(s.start, s.end)) else {
                continue;
            };
            for a in &s.attendees {
                if let Some(person) = enc.person(a) {
                    fixed.push(Booking {
                        person,
                        start,
                        end,
                        periods: 1u128 << period,
                    });
                }
            }
        }
        Joint {
            problem: Problem {
                people: enc.people(),
                caps,
                fixed,
                groups: Vec::new(),
            },
            groups: Vec::new(),
            series: Vec::new(),
        }
    }

    /// Books `people` at `slot` as fixed time (a kept series' session).
    pub fn fix<'p>(
        &mut self,
        enc: &Encoder<'_>,
        people: impl Iterator<Item = &'p str>,
        slot: Interval,
    ) {
        let Some((period, start, end)) = enc.place(slot) else {
            return;
        };
        for id in people {
            if let Some(person) = enc.person(id) {
                self.problem.fixed.push(Booking {
                    person,
                    start,
                    end,
                    periods: 1u128 << period,
                });
            }
        }
    }

    /// Adds a group's offer (see [`Offer::new`]).
    pub fn push(&mut self, offer: Offer) {
        self.problem.groups.push(offer.choice);
        self.groups.push(offer.index);
        self.series.push(offer.series);
    }

    /// Solves and returns the chosen series time per group index.
    ///
    /// Spreading a person's sessions is a soft preference that depends on
    /// the other groups' choices, so it is a second pass: the first
    /// solution's weekdays give each option a penalty for every other group
    /// of its members meeting on the same weekday, and the problem is solved
    /// again with those scores. The second solution is kept only when it
    /// schedules at least as many groups.
    pub fn solve(&self) -> BTreeMap<usize, SeriesTime> {
        let effort = solver::Effort::default_for(&self.problem);
        let first = solver::solve(&self.problem, &effort);
        let spread = self.spread(&first.chosen);
        let second = solver::solve(&spread, &solver::Effort::default_for(&spread));
        let solution = if second.scheduled >= first.scheduled {
            second
        } else {
            first
        };
        let mut out = BTreeMap::new();
        for (k, chosen) in solution.chosen.iter().enumerate() {
            let pick = chosen.and_then(|c| self.series.get(k)?.get(c as usize).copied());
            if let (Some(series), Some(&group)) = (pick, self.groups.get(k)) {
                out.insert(group, series);
            }
        }
        out
    }
}

/// Score taken off an option for each other group one of its members meets
/// on the same weekday: below the preferred window, above tie-breaking.
const SAME_DAY_PENALTY: i64 = 50;

impl Joint {
    /// The problem with each option's score lowered by its same-weekday
    /// load for its members. A group counts only the current choices of the
    /// groups before it, so two groups never both flee the same day: the
    /// earlier keeps its day and the later one moves.
    fn spread(&self, chosen: &[Option<u32>]) -> Problem {
        let weekday = |k: usize, c: Option<u32>| {
            c.and_then(|c| self.series.get(k)?.get(c as usize))
                .map(|s| s.weekday.to_monday_zero_offset() as usize)
        };
        let mut load: BTreeMap<(u32, usize), i64> = BTreeMap::new();
        let mut problem = self.problem.clone();
        for (k, g) in problem.groups.iter_mut().enumerate() {
            for (c, option) in g.options.iter_mut().enumerate() {
                let Some(day) = weekday(k, Some(c as u32)) else {
                    continue;
                };
                let earlier: i64 = g
                    .members
                    .iter()
                    .map(|&m| load.get(&(m, day)).copied().unwrap_or(0))
                    .sum();
                option.score -= earlier * SAME_DAY_PENALTY;
            }
            if let Some(day) = weekday(k, chosen.get(k).copied().flatten()) {
                for &m in &g.members {
                    *load.entry((m, day)).or_default() += 1;
                }
            }
        }
        problem
    }
}

#[cfg(test)]
mod spread_tests;
