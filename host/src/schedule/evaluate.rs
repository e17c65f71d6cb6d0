//! Evaluating one candidate series time over every occurrence of a group's
//! cadence: who can attend, which occurrences are held, and the ranking of
//! candidates.

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::{Date, Time};

use super::SeriesTime;
use super::members::{Absence, Bookings, Member};
use super::series::{self, Placement};
use crate::formats::Requirements;
use crate::model::{Group, Horizon, Interval};

/// A group ready to be planned: its policy, what its format requires, and
/// its members in group order.
pub struct Setup<'o, 'm> {
    /// Index in `org.groups`.
    pub index: usize,
    pub group: &'o Group,
    pub req: Requirements,
    pub members: Vec<&'m Member<'o>>,
}

impl Setup<'_, '_> {
    /// The quorum actually enforced: a session needs at least one attendee.
    pub fn quorum(&self) -> u32 {
        self.req.quorum.max(1)
    }

    /// Every candidate series time of the group, in weekday/time order.
    pub fn candidates(&self) -> Vec<SeriesTime> {
        series::candidates(
            &self.group.days,
            self.group.earliest,
            self.group.latest,
            self.req.duration_minutes,
        )
    }
}

/// Why an occurrence of a candidate is not held. Never holds event text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    Holiday,
    /// A published session inside the freeze window stands for it.
    Frozen,
    Placement(Placement),
    Quorum {
        attending: u32,
        quorum: u32,
    },
    Role {
        tag: String,
        attending: u32,
        min: u32,
    },
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::Holiday => write!(f, "holiday"),
            Skip::Frozen => write!(f, "kept as published (frozen)"),
            Skip::Placement(Placement::NoSuchTime) => {
                write!(f, "the series time does not exist that day (DST change)")
            }
            Skip::Placement(Placement::OutsideWindow) => {
                write!(f, "the session would end outside the group's window")
            }
            Skip::Quorum { attending, quorum } => {
                write!(f, "quorum not met: {attending} can attend, {quorum} needed")
            }
            Skip::Role {
                tag,
                attending,
                min,
            } => write!(
                f,
                "role `{tag}` not filled: {attending} can attend, {min} needed"
            ),
        }
    }
}

/// One occurrence of a candidate series.
#[derive(Debug, Clone)]
pub struct Occurrence {
    /// Position in the series (the session index).
    pub index: u32,
    /// Local date in the group's zone.
    pub date: Date,
    /// The session's span, when it can be placed at all.
    pub slot: Option<Interval>,
    /// Positions (in group member order) of members who can attend.
    pub attending: Vec<usize>,
    /// Positions of members who cannot, and why.
    pub absent: Vec<(usize, Absence)>,
    /// Why the occurrence is not held; `None` when it is.
    pub skip: Option<Skip>,
}

/// A candidate series time evaluated over the horizon.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub series: SeriesTime,
    pub held: u32,
    /// Attendees summed over held occurrences.
    pub attendance: u32,
    /// Inside one of the group's preferred windows.
    pub preferred: bool,
    pub occurrences: Vec<Occurrence>,
}

/// Sort key: most held, most attendance, preferred, earliest weekday/time.
pub type RankKey = (Reverse<u32>, Reverse<u32>, bool, i8, Time);

impl Evaluation {
    /// The ranking key; smaller is better.
    pub fn rank(&self) -> RankKey {
        (
            Reverse(self.held),
            Reverse(self.attendance),
            !self.preferred,
            self.series.weekday.to_monday_zero_offset(),
            self.series.start,
        )
    }
}

/// What the evaluation needs besides the group.
pub struct Context<'a> {
    pub horizon: Horizon,
    pub holidays: &'a BTreeSet<Date>,
    pub bookings: &'a Bookings,
    /// (Group index, session index) of occurrences frozen as published:
    /// they are not evaluated again.
    pub frozen: &'a BTreeSet<(usize, u32)>,
}

/// Evaluates `series` for every occurrence of the group's cadence.
pub fn evaluate(setup: &Setup<'_, '_>, series: SeriesTime, cx: &Context<'_>) -> Evaluation {
    let group = setup.group;
    let duration = setup.req.duration_minutes;
    let dates = series::occurrence_dates(setup.req.cadence, series.weekday, cx.horizon);
    let mut occurrences = Vec::with_capacity(dates.len());
    let (mut held, mut attendance) = (0u32, 0u32);
    for (index, date) in dates.into_iter().enumerate() {
        let mut occ = Occurrence {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            date,
            slot: None,
            attending: Vec::new(),
            absent: Vec::new(),
            skip: None,
        };
        let placed = series::place(date, series, duration, &group.zone.tz, group.latest);
        if cx.frozen.contains(&(setup.index, occ.index)) {
            occ.skip = Some(Skip::Frozen);
            occurrences.push(occ);
            continue;
        }
        match placed {
            Err(p) => occ.skip = Some(Skip::Placement(p)),
            Ok(slot) => {
                occ.slot = Some(slot);
                for (pos, m) in setup.members.iter().enumerate() {
                    match m.check(slot, cx.bookings) {
                        Ok(()) => occ.attending.push(pos),
                        Err(why) => occ.absent.push((pos, why)),
                    }
                }
                occ.skip = if cx.holidays.contains(&date) {
                    Some(Skip::Holiday)
                } else {
                    shortfall(setup, &occ.attending)
                };
            }
        }
        if occ.skip.is_none() {
            held += 1;
            attendance += u32::try_from(occ.attending.len()).unwrap_or(u32::MAX);
        }
        occurrences.push(occ);
    }
    Evaluation {
        series,
        held,
        attendance,
        preferred: series::preferred(series, duration, &group.preferred),
        occurrences,
    }
}

/// The quorum or role the attendees fall short of, if any.
pub fn shortfall(setup: &Setup<'_, '_>, attending: &[usize]) -> Option<Skip> {
    let n = u32::try_from(attending.len()).unwrap_or(u32::MAX);
    if n < setup.quorum() {
        return Some(Skip::Quorum {
            attending: n,
            quorum: setup.quorum(),
        });
    }
    for role in &setup.req.required_roles {
        let have = attending
            .iter()
            .filter(|&&p| setup.members[p].person.tags.contains(&role.tag))
            .count();
        let have = u32::try_from(have).unwrap_or(u32::MAX);
        if have < role.min {
            return Some(Skip::Role {
                tag: role.tag.clone(),
                attending: have,
                min: role.min,
            });
        }
    }
    None
}

/// Every candidate, evaluated and ranked best first.
pub fn ranked(setup: &Setup<'_, '_>, cx: &Context<'_>) -> Vec<Evaluation> {
    let mut all: Vec<Evaluation> = setup
        .candidates()
        .into_iter()
        .map(|c| evaluate(setup, c, cx))
        .collect();
    all.sort_by_key(Evaluation::rank);
    all
}
