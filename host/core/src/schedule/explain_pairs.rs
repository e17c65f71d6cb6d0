//! `plan --explain --group` for a group its format splits (buddy pairs):
//! each pair's own candidate times in its cycle's week, the time it got,
//! or who blocks it and by which rule. A split group has no whole-group
//! series time, so whole-group candidates would explain nothing.
//!
//! Subgroups are named by member id, as in `plan`; nothing here says why
//! the format formed them (its confidential exclusions never show).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::civil::Date;

use super::evaluate::{Context, Setup};
use super::explain::block;
use super::members::Bookings;
use super::partition;
use super::realise::{self, Frame};
use super::{Plan, weekday_name};
use crate::formats::Format;
use crate::model::{Interval, Organization};

/// One subgroup of one cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct PairReport {
    /// Member ids, in group order.
    pub members: Vec<String>,
    /// When it meets in the plan, in the group's zone (date, start, end).
    pub met: Option<(Date, jiff::civil::Time, jiff::civil::Time)>,
    /// Candidate times in the cycle's week (the group's days and window,
    /// holidays left out).
    pub candidates: u32,
    /// Candidate times every member of the subgroup can attend.
    pub common: u32,
    /// Per member, the rules that block them at the candidate times, with
    /// counts, most frequent first; only members blocked at least once.
    pub blocked: Vec<(String, Vec<(String, u32)>)>,
}

/// One cycle of a split group.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleReport {
    /// Monday of the cycle's week.
    pub week: Date,
    /// Each pair (or trio) of the cycle and how it fares.
    pub pairs: Vec<PairReport>,
}

/// The cycles of the group in the horizon with each subgroup's candidate
/// times against the other groups' `bookings`, and when `plan` put it.
/// `None` when the format does not split the group.
pub fn cycles(
    setup: &Setup<'_, '_>,
    format: &dyn Format,
    org: &Organization,
    cx: &Context<'_>,
    plan: &Plan,
) -> Option<Vec<CycleReport>> {
    let cycles = partition::cycles(setup, format, org, cx).ok()??;
    let frozen = BTreeSet::new();
    let frame = Frame {
        horizon: cx.horizon,
        holidays: cx.holidays,
        frozen: &frozen,
    };
    let reports = cycles
        .iter()
        .map(|c| {
            let slots = realise::week_slots(setup, c.week, &frame);
            CycleReport {
                week: c.week,
                pairs: c
                    .subgroups
                    .iter()
                    .map(|sub| pair(setup, org, cx.bookings, &slots, sub, c.week, plan))
                    .collect(),
            }
        })
        .collect();
    Some(reports)
}

fn pair(
    setup: &Setup<'_, '_>,
    org: &Organization,
    bookings: &Bookings,
    slots: &[(Date, Interval)],
    sub: &[usize],
    week: Date,
    plan: &Plan,
) -> PairReport {
    let members: Vec<String> = sub
        .iter()
        .filter_map(|p| setup.members.get(*p))
        .map(|m| m.person.id.clone())
        .collect();
    let mut common = 0u32;
    let mut kinds: BTreeMap<usize, BTreeMap<&'static str, u32>> = BTreeMap::new();
    for (_, slot) in slots {
        let mut all = true;
        for &p in sub {
            let Some(m) = setup.members.get(p) else {
                continue;
            };
            if let Err(why) = m.check(*slot, bookings) {
                all = false;
                *kinds
                    .entry(p)
                    .or_default()
                    .entry(block(m, *slot, why, org).kind())
                    .or_default() += 1;
            }
        }
        common += u32::from(all);
    }
    let blocked = kinds
        .into_iter()
        .filter_map(|(p, k)| {
            let mut reasons: Vec<(String, u32)> =
                k.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
            reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Some((setup.members.get(p)?.person.id.clone(), reasons))
        })
        .collect();
    PairReport {
        met: met(setup, plan, &members, week),
        members,
        candidates: u32::try_from(slots.len()).unwrap_or(u32::MAX),
        common,
        blocked,
    }
}

/// When the plan has `members` meet in the week of `week`.
fn met(
    setup: &Setup<'_, '_>,
    plan: &Plan,
    members: &[String],
    week: Date,
) -> Option<(Date, jiff::civil::Time, jiff::civil::Time)> {
    let tz = &setup.group.zone.tz;
    plan.sessions
        .iter()
        .find(|s| {
            s.group == setup.group.id
                && realise::monday(s.date) == week
                && s.attendees.as_slice() == members
        })
        .map(|s| {
            let (a, b) = (tz.to_datetime(s.start), tz.to_datetime(s.end));
            (a.date(), a.time(), b.time())
        })
}

/// The pairs' part of an explanation.
pub struct Cycles<'a>(pub &'a [CycleReport]);

impl fmt::Display for Cycles<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "The group is split each cycle into pairs (one trio when the count is odd), and \
             each pair meets on its own at the first time in its cycle's week that all of it \
             can attend (a preferred time first). There is no whole-group series time: below \
             are each pair's candidate times in its week."
        )?;
        for c in self.0 {
            writeln!(f, "Week of Mon {}:", c.week)?;
            for p in &c.pairs {
                write!(f, "  {}: ", p.members.join(" & "))?;
                match p.met {
                    Some((date, start, end)) => write!(
                        f,
                        "meets {} {date} {}–{}",
                        &weekday_name(date.weekday())[..3],
                        start.strftime("%H:%M"),
                        end.strftime("%H:%M")
                    )?,
                    None => write!(f, "no time")?,
                }
                write!(
                    f,
                    "; {} of {} candidate times suit all of them",
                    p.common, p.candidates
                )?;
                for (who, reasons) in &p.blocked {
                    let r: Vec<String> = reasons.iter().map(|(k, n)| format!("{k} {n}")).collect();
                    write!(f, "; {who} blocked: {}", r.join(", "))?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}
