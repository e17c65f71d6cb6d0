//! `plan --explain GROUP`: the best candidate times of a group and, for each,
//! which members and occurrences block it and by which rule.
//!
//! Busy time is named by its source kind and index ("calendar 1", "declared
//! client block 2"), never by anything an input event says.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::SignedDuration;
use jiff::civil::Date;

use super::evaluate::{self, Evaluation, Setup, Skip};
use super::explain_pairs::{self, CycleReport};
use super::members::{Absence, Bookings, Member};
use super::planner::Planner;
use super::relax::{Base, Relaxation};
use super::{Availability, GroupOutcome, SeriesTime};

use crate::busy::BusySource;
use crate::formats::Formats;
use crate::model::{Cadence, Horizon, Interval, Organization};

/// How many candidate times an explanation shows.
pub const SHOWN: usize = 5;

/// Why one member cannot attend one occurrence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Block {
    /// The member's calendar could not be read.
    UnreadableCalendar,
    /// The session is before the member's start date.
    BeforeStartDate(Date),
    /// The session falls outside the member's working hours.
    OutsideWorkingHours,
    /// Client-facing busy time from this source.
    ClientTime(BusySource),
    /// Busy time that is not client-facing, from this source.
    Busy(Option<BusySource>),
    /// The buffer after client-facing time from this source.
    BufferAfterClientTime(BusySource),
    /// In a session of another group (by id).
    OtherGroup(String),
    /// The session would take the member over their weekly cap.
    WeeklyCap,
    /// The member said they cannot come to this session.
    Declared,
}

fn source(s: &BusySource) -> String {
    match s {
        BusySource::Calendar(i) => format!("calendar {}", i + 1),
        BusySource::ClientBlock(i) => format!("declared client block {}", i + 1),
    }
}

impl Block {
    /// The rule without its source, for summaries.
    pub fn kind(&self) -> &'static str {
        match self {
            Block::UnreadableCalendar => "unreadable calendar",
            Block::BeforeStartDate(_) => "before start date",
            Block::OutsideWorkingHours => "outside working hours",
            Block::ClientTime(_) => "client time",
            Block::Busy(_) => "busy",
            Block::BufferAfterClientTime(_) => "buffer after client time",
            Block::OtherGroup(_) => "in another group's session",
            Block::WeeklyCap => "weekly cap reached",
            Block::Declared => "said they cannot come",
        }
    }
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Block::BeforeStartDate(d) => write!(f, "before start date {d}"),
            Block::ClientTime(s) => write!(f, "client time ({})", source(s)),
            Block::Busy(Some(s)) => write!(f, "busy ({})", source(s)),
            Block::BufferAfterClientTime(s) => {
                write!(f, "buffer after client time ({})", source(s))
            }
            Block::OtherGroup(g) => write!(f, "in a session of group `{g}`"),
            other => f.write_str(other.kind()),
        }
    }
}

/// One occurrence of a candidate that is not held or lacks someone.
#[derive(Debug, Clone, PartialEq)]
pub struct OccurrenceReport {
    /// Position in the series (0-based).
    pub index: u32,
    /// Local date in the group's zone.
    pub date: Date,
    /// Why it is not held (holiday, quorum, role…); `None` when held.
    pub skipped: Option<String>,
    /// Members who cannot attend, in group order, and why.
    pub blocked: Vec<(String, Block)>,
}

/// One candidate series time and how it fares.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateReport {
    /// The candidate series time.
    pub series: SeriesTime,
    /// Occurrences that would take place.
    pub held: u32,
    /// Occurrences of the cadence in the horizon.
    pub occurrences: u32,
    /// Attendees summed over held occurrences.
    pub attendance: u32,
    /// Inside one of the group's preferred windows.
    pub preferred: bool,
    /// Only occurrences that are not held or miss someone.
    pub problems: Vec<OccurrenceReport>,
}

/// How often one member is blocked at the best candidate time.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSummary {
    /// Member id.
    pub member: String,
    /// Occurrences the member cannot attend.
    pub blocked: u32,
    /// Occurrences the member could have attended (placeable, not holidays).
    pub of: u32,
    /// Rule kinds with counts, most frequent first.
    pub reasons: Vec<(String, u32)>,
}

/// Why a group got the time it got, or none.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Group id.
    pub group: String,
    /// Group name.
    pub name: String,
    /// IANA name of the group's zone, which series times are in.
    pub zone: String,
    /// Session length the format requires.
    pub duration_minutes: u32,
    /// Cadence the format requires.
    pub cadence: Cadence,
    /// The group's outcome in the plan.
    pub outcome: GroupOutcome,
    /// Number of candidate times evaluated.
    pub evaluated: usize,
    /// The best few candidates, best first.
    pub candidates: Vec<CandidateReport>,
    /// Per member, at the best candidate time.
    pub members: Vec<MemberSummary>,
    /// What relaxing one rule would gain, most gain first (only rules that
    /// gain something).
    pub relaxations: Vec<Relaxation>,
    /// For a group its format splits (buddy pairs): each cycle's subgroups
    /// with their own candidate times, instead of whole-group candidates
    /// (`candidates`, `members` and `relaxations` are then empty).
    pub pairs: Option<Vec<CycleReport>>,
}

/// Refines a coarse absence into the rule and source that caused it.
pub(super) fn block(m: &Member<'_>, slot: Interval, why: Absence, org: &Organization) -> Block {
    match why {
        Absence::Unreadable => Block::UnreadableCalendar,
        Absence::BeforeStart(d) => Block::BeforeStartDate(d),
        Absence::OutsideHours => Block::OutsideWorkingHours,
        Absence::Cap => Block::WeeklyCap,
        Absence::Declared => Block::Declared,
        Absence::Booked(g) => {
            Block::OtherGroup(org.groups.get(g).map(|g| g.id.clone()).unwrap_or_default())
        }
        Absence::Busy => {
            let Ok(Some(busy)) = m.busy else {
                return Block::Busy(None);
            };
            let buffer = SignedDuration::from_mins(i64::from(busy.buffer_minutes));
            let upto = busy
                .spans
                .partition_point(|s| s.interval().start < slot.end);
            let before = &busy.spans[..upto];
            if let Some(s) = before.iter().find(|s| s.interval().overlaps(&slot)) {
                return if s.client_facing() {
                    Block::ClientTime(s.source())
                } else {
                    Block::Busy(Some(s.source()))
                };
            }
            let in_buffer = |s: &&crate::busy::BusySpan| {
                let i = s.interval();
                let end = i.end.checked_add(buffer).unwrap_or(i.end);
                s.client_facing() && Interval::new(i.end, end).overlaps(&slot)
            };
            match before.iter().find(in_buffer) {
                Some(s) => Block::BufferAfterClientTime(s.source()),
                None => Block::Busy(None),
            }
        }
    }
}

fn report(setup: &Setup<'_, '_>, e: &Evaluation, org: &Organization) -> CandidateReport {
    let problems = e
        .occurrences
        .iter()
        .filter(|o| o.skip.is_some() || !o.absent.is_empty())
        .map(|o| OccurrenceReport {
            index: o.index,
            date: o.date,
            skipped: o.skip.as_ref().map(ToString::to_string),
            blocked: match o.slot {
                Some(slot) => o
                    .absent
                    .iter()
                    .filter_map(|(p, why)| {
                        let m = setup.members.get(*p)?;
                        Some((m.person.id.clone(), block(m, slot, *why, org)))
                    })
                    .collect(),
                None => Vec::new(),
            },
        })
        .collect();
    CandidateReport {
        series: e.series,
        held: e.held,
        occurrences: u32::try_from(e.occurrences.len()).unwrap_or(u32::MAX),
        attendance: e.attendance,
        preferred: e.preferred,
        problems,
    }
}

fn summaries(setup: &Setup<'_, '_>, best: &Evaluation, org: &Organization) -> Vec<MemberSummary> {
    let mut of = 0u32;
    let mut kinds: Vec<BTreeMap<&'static str, u32>> = vec![BTreeMap::new(); setup.members.len()];
    for o in &best.occurrences {
        let Some(slot) = o.slot else { continue };
        if o.skip == Some(Skip::Holiday) {
            continue;
        }
        of += 1;
        for (p, why) in &o.absent {
            if let (Some(m), Some(k)) = (setup.members.get(*p), kinds.get_mut(*p)) {
                *k.entry(block(m, slot, *why, org).kind()).or_default() += 1;
            }
        }
    }
    setup
        .members
        .iter()
        .zip(kinds)
        .map(|(m, kinds)| {
            let mut reasons: Vec<(String, u32)> =
                kinds.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
            reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            MemberSummary {
                member: m.person.id.clone(),
                blocked: reasons.iter().map(|r| r.1).sum(),
                of,
                reasons,
            }
        })
        .collect()
}

fn reasons_text(reasons: &[(String, u32)]) -> String {
    reasons
        .iter()
        .map(|(k, n)| format!("{k} ({n})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A short reason for `GroupOutcome::Unscheduled`, from the ranked
/// candidates (best first).
pub fn unscheduled_reason(
    setup: &Setup<'_, '_>,
    ranked: &[Evaluation],
    org: &Organization,
) -> String {
    let Some(best) = ranked.first() else {
        return format!(
            "no start time fits: the window {}–{} on the allowed days cannot hold {} minutes",
            setup.window.earliest, setup.window.latest, setup.req.duration_minutes
        );
    };
    let mut out = format!(
        "none of {} candidate times holds a session; at the best ({})",
        ranked.len(),
        best.series
    );
    let mut members = summaries(setup, best, org);
    members.retain(|m| m.blocked > 0);
    members.sort_by(|a, b| {
        b.blocked
            .cmp(&a.blocked)
            .then_with(|| a.member.cmp(&b.member))
    });
    if members.is_empty() {
        out.push_str(" no occurrence can be placed");
    }
    for (i, m) in members.iter().take(3).enumerate() {
        out.push_str(if i == 0 { " " } else { "; " });
        out.push_str(&format!(
            "{} is blocked {} of {}: {}",
            m.member,
            m.blocked,
            m.of,
            reasons_text(&m.reasons)
        ));
    }
    out
}

/// Explains group `group_id`: its outcome in the plan, the best few
/// candidate times against every other group's sessions with who blocks
/// which occurrence and why, how often each member is blocked at the best
/// time, and what relaxing one rule would gain. `None` if there is no such
/// group.
pub fn explain(
    org: &Organization,
    availability: &Availability,
    horizon: Horizon,
    formats: &Formats,
    group_id: &str,
) -> Option<Explanation> {
    org.groups.iter().find(|g| g.id == group_id)?;
    let plan = super::plan(org, availability, horizon, formats);
    explain_in(org, availability, formats, &plan, group_id)
}

/// As [`explain`], against a plan already made (its horizon, its other
/// groups' sessions and this group's outcome): the HR overview explains
/// the plan it shows, without planning again.
pub fn explain_in(
    org: &Organization,
    availability: &Availability,
    formats: &Formats,
    plan: &super::Plan,
    group_id: &str,
) -> Option<Explanation> {
    let horizon = plan.horizon;
    let index = org.groups.iter().position(|g| g.id == group_id)?;
    let planner = Planner::new(org, availability, horizon, formats);
    let (setup, blocked) = planner.setup(index)?;
    let bookings = others_bookings(&planner, plan, group_id);
    let frozen = BTreeSet::new();
    let pairs = match (&blocked, formats.get(&setup.group.format)) {
        (None, Some(format)) => {
            let _pass = formats.pass();
            let cx = planner.context(&bookings, &frozen);
            explain_pairs::cycles(&setup, format, org, &cx, plan)
        }
        _ => None,
    };
    let ranked = match pairs {
        Some(_) => Vec::new(),
        None => evaluate::ranked(&setup, &planner.context(&bookings, &frozen)),
    };
    let candidates: Vec<CandidateReport> = ranked
        .iter()
        .take(SHOWN)
        .map(|e| report(&setup, e, org))
        .collect();
    let members = ranked
        .first()
        .map(|b| summaries(&setup, b, org))
        .unwrap_or_default();
    let outcome = match blocked {
        Some(reason) => GroupOutcome::Blocked { reason },
        None => plan.outcome(group_id).cloned()?,
    };
    let relaxations = relaxations(&planner, availability, (&setup, &ranked), &bookings);
    Some(Explanation {
        group: setup.group.id.clone(),
        name: setup.group.name.clone(),
        zone: setup.group.zone.name.clone(),
        duration_minutes: setup.req.duration_minutes,
        cadence: setup.req.cadence,
        outcome,
        evaluated: ranked.len(),
        candidates,
        members,
        relaxations,
        pairs,
    })
}

/// Every person's bookings by the sessions of the other groups in `plan`.
pub(super) fn others_bookings(
    planner: &Planner<'_>,
    plan: &super::Plan,
    group_id: &str,
) -> Bookings {
    let org = planner.org;
    let mut bookings = Bookings::default();
    for s in plan.sessions.iter().filter(|s| s.group != group_id) {
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

/// What relaxing one rule would gain over the best of `ranked` (nothing
/// when no candidate was evaluated).
fn relaxations(
    planner: &Planner<'_>,
    availability: &Availability,
    (setup, ranked): (&Setup<'_, '_>, &[Evaluation]),
    bookings: &Bookings,
) -> Vec<Relaxation> {
    let org = planner.org;
    let blocking: Vec<(usize, Absence)> = ranked
        .iter()
        .take(SHOWN)
        .flat_map(|e| e.occurrences.iter().flat_map(|o| o.absent.iter().copied()))
        .collect();
    let names: BTreeMap<usize, String> = org
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (i, g.id.clone()))
        .collect();
    let base = Base {
        group: setup.group,
        index: setup.index,
        req: setup.req.clone(),
        people: setup.members.iter().map(|m| m.person).collect(),
        availability,
        horizon: planner.horizon,
        holidays: &planner.holidays,
        bookings,
    };
    let baseline = ranked.first().map_or(0, |e| e.held);
    if ranked.is_empty() {
        Vec::new()
    } else {
        base.gains(baseline, &blocking, &names)
    }
}
