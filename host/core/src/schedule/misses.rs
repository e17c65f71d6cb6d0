//! `plan --explain` without a group: who misses which sessions across all
//! groups, and by which rule, plus the occurrences that do not take place
//! and the groups that got no time.
//!
//! Rules are named as in the per-group explanation ("client time",
//! "weekly cap reached", …), never by anything an input event says.

use std::collections::BTreeMap;
use std::fmt;

use super::explain::block;
use super::members::Bookings;
use super::planner::Planner;
use super::{Availability, GroupOutcome, Plan, SkipReason};
use crate::formats::Formats;
use crate::model::{Interval, Organization};

/// How often one member misses the sessions of one group, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Missed {
    /// Group id.
    pub group: String,
    /// Sessions of the group the member is absent from.
    pub missed: u32,
    /// Sessions of the group the member is planned for (attending or not).
    pub of: u32,
    /// Rule kinds with counts, most frequent first.
    pub reasons: Vec<(String, u32)>,
}

/// The organization-wide summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Misses {
    /// Member id → what they miss, in group id order; only members who
    /// miss something.
    pub members: BTreeMap<String, Vec<Missed>>,
    /// (group id, date, reason) of occurrences that do not take place.
    pub skipped: Vec<(String, jiff::civil::Date, SkipReason)>,
    /// (group id, why) of groups with no time at all.
    pub unplanned: Vec<(String, String)>,
}

/// Who misses what in `plan`: each absentee of each session with the rule
/// that keeps them away (checked against every other session of the plan),
/// every skipped occurrence, and every group left without a time.
pub fn misses(
    org: &Organization,
    availability: &Availability,
    formats: &Formats,
    plan: &Plan,
) -> Misses {
    let planner = Planner::new(org, availability, plan.horizon, formats);
    let mut members: BTreeMap<String, Vec<Missed>> = BTreeMap::new();
    for ((member, group), (missed, of, kinds)) in tally(&planner, org, plan) {
        if missed == 0 {
            continue;
        }
        let mut reasons: Vec<(String, u32)> = kinds.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        members.entry(member.to_string()).or_default().push(Missed {
            group: group.to_string(),
            missed,
            of,
            reasons,
        });
    }
    let (skipped, unplanned) = outcomes(plan);
    Misses {
        members,
        skipped,
        unplanned,
    }
}

/// One member in one group: sessions missed, sessions planned for, and
/// the rule kinds behind the misses with counts.
type Tally = (u32, u32, BTreeMap<String, u32>);

/// Every session's attendees booked, as the plan has them.
fn bookings(planner: &Planner<'_>, org: &Organization, plan: &Plan) -> Bookings {
    let mut bookings = Bookings::default();
    for s in &plan.sessions {
        let Some(g) = org.groups.iter().position(|g| g.id == s.group) else {
            continue;
        };
        let slot = Interval::new(s.start, s.end);
        for a in &s.attendees {
            if let Some(m) = planner.members.get(a.as_str()) {
                bookings.book(a, slot, g, m.week(slot));
            }
        }
    }
    bookings
}

/// (member, group) → [`Tally`] over every session of `plan`.
fn tally<'p>(
    planner: &Planner<'_>,
    org: &Organization,
    plan: &'p Plan,
) -> BTreeMap<(&'p str, &'p str), Tally> {
    let bookings = bookings(planner, org, plan);
    let mut out: BTreeMap<(&str, &str), Tally> = BTreeMap::new();
    for s in &plan.sessions {
        let slot = Interval::new(s.start, s.end);
        for a in &s.attendees {
            out.entry((a, &s.group)).or_default().1 += 1;
        }
        for a in &s.absentees {
            let t = out.entry((a, &s.group)).or_default();
            t.0 += 1;
            t.1 += 1;
            let kind = match planner.members.get(a.as_str()) {
                Some(m) => match m.check(slot, &bookings) {
                    Err(why) => block(m, slot, why, org).kind().to_string(),
                    Ok(()) => "not placed".to_string(),
                },
                None => "not a known person".to_string(),
            };
            *t.2.entry(kind).or_default() += 1;
        }
    }
    out
}

type Skips = Vec<(String, jiff::civil::Date, SkipReason)>;

/// Skipped occurrences and groups without a time, from the plan's outcomes.
fn outcomes(plan: &Plan) -> (Skips, Vec<(String, String)>) {
    let (mut skipped, mut unplanned) = (Vec::new(), Vec::new());
    for (group, outcome) in &plan.outcomes {
        match outcome {
            GroupOutcome::Scheduled { skipped: s, .. }
            | GroupOutcome::Partitioned { skipped: s } => {
                skipped.extend(s.iter().map(|k| (group.clone(), k.date, k.reason.clone())));
            }
            GroupOutcome::Unscheduled { reason } => {
                unplanned.push((group.clone(), format!("no time: {reason}")));
            }
            GroupOutcome::Blocked { reason } => {
                unplanned.push((group.clone(), format!("blocked: {reason}")));
            }
        }
    }
    (skipped, unplanned)
}

impl fmt::Display for Misses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Who misses what, by member (sessions they are absent from):"
        )?;
        if self.members.is_empty() {
            writeln!(
                f,
                "  nobody: every member attends every session planned for them"
            )?;
        }
        for (member, list) in &self.members {
            let parts: Vec<String> = list
                .iter()
                .map(|m| {
                    let why: Vec<String> =
                        m.reasons.iter().map(|(k, n)| format!("{k} {n}")).collect();
                    format!("{} {} of {} ({})", m.group, m.missed, m.of, why.join(", "))
                })
                .collect();
            writeln!(f, "  {member}: {}", parts.join("; "))?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "Occurrences that do not take place (no one meets):")?;
            for (group, date, reason) in &self.skipped {
                let day = &super::weekday_name(date.weekday())[..3];
                writeln!(f, "  {group} {day} {date}: {reason}")?;
            }
        }
        if !self.unplanned.is_empty() {
            writeln!(
                f,
                "Groups without a time (every member misses every session):"
            )?;
            for (group, why) in &self.unplanned {
                writeln!(f, "  {group}: {why}")?;
            }
        }
        Ok(())
    }
}
