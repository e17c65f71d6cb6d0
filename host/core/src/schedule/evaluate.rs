//! Evaluating one candidate series time over every occurrence of a group's
//! cadence: who can attend, which occurrences are held, and the ranking of
//! candidates.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::civil::{Date, Time};

use super::SeriesTime;
use super::members::{Absence, Bookings, Member};
use super::series::{self, Placement};
use crate::formats::{Requirements, Window};
use crate::model::{Group, Horizon, Interval};

/// A group ready to be planned: its policy, what its format requires, and
/// its members in group order.
pub struct Setup<'o, 'm> {
    /// Index in `org.groups`.
    pub index: usize,
    pub group: &'o Group,
    pub req: Requirements,
    /// The policy window narrowed by the format's.
    pub window: Window,
    pub members: Vec<&'m Member<'o>>,
    /// The group's declared absences: session index → member ids.
    pub declared: &'m BTreeMap<u32, BTreeSet<String>>,
}

/// No declared absences, for setups built without a planner.
pub static NO_ABSENCES: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();

impl Setup<'_, '_> {
    /// Whether the member at `pos` can attend session `index` at `slot`:
    /// not when they declared themselves absent from it, else as
    /// [`Member::check`] says.
    pub fn check(
        &self,
        pos: usize,
        index: u32,
        slot: Interval,
        bookings: &Bookings,
    ) -> Result<(), Absence> {
        let m = self.members.get(pos).ok_or(Absence::Unreadable)?;
        if self
            .declared
            .get(&index)
            .is_some_and(|ids| ids.contains(&m.person.id))
        {
            return Err(Absence::Declared);
        }
        m.check(slot, bookings)
    }

    /// The quorum actually enforced: a session needs at least one attendee.
    pub fn quorum(&self) -> u32 {
        self.req.quorum.max(1)
    }

    /// Every candidate series time of the group, in weekday/time order.
    pub fn candidates(&self) -> Vec<SeriesTime> {
        series::candidates(
            &self.window.days,
            self.window.earliest,
            self.window.latest,
            self.req.duration_minutes,
        )
    }
}

/// Why an occurrence of a candidate is not held. Never holds event text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The occurrence falls on a holiday.
    Holiday,
    /// A published session inside the freeze window stands for it.
    Frozen,
    /// The series time cannot be placed that day.
    Placement(Placement),
    /// Fewer members can attend than the quorum.
    Quorum {
        /// Members who can attend.
        attending: u32,
        /// The quorum enforced.
        quorum: u32,
    },
    /// Fewer members with a required role can attend than it needs.
    Role {
        /// The role's tag.
        tag: String,
        /// Members with the tag who can attend.
        attending: u32,
        /// How many the role needs.
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
    for (index, date) in dates {
        let mut occ = Occurrence {
            index,
            date,
            slot: None,
            attending: Vec::new(),
            absent: Vec::new(),
            skip: None,
        };
        let placed = series::place(date, series, duration, &group.zone.tz, setup.window.latest);
        if cx.frozen.contains(&(setup.index, occ.index)) {
            occ.skip = Some(Skip::Frozen);
            occurrences.push(occ);
            continue;
        }
        match placed {
            Err(p) => occ.skip = Some(Skip::Placement(p)),
            Ok(slot) => {
                occ.slot = Some(slot);
                for pos in 0..setup.members.len() {
                    match setup.check(pos, index, slot, cx.bookings) {
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
        preferred: series::preferred(series, duration, &group.preferred, &group.preferred_days),
        occurrences,
    }
}

/// What [`evaluate`] counts for `series` — occurrences held and attendance
/// summed over them — without recording who attends or why not. It stops
/// checking an occurrence's members once quorum can no longer be met, skips
/// holidays and unplaceable occurrences before looking at anyone, and gives
/// up (`None`) as soon as even holding every remaining occurrence with every
/// member could not rank strictly better than `bar`.
pub fn tally(
    setup: &Setup<'_, '_>,
    series: SeriesTime,
    cx: &Context<'_>,
    bar: Option<&RankKey>,
) -> Option<(u32, u32)> {
    let group = setup.group;
    let duration = setup.req.duration_minutes;
    let preferred = series::preferred(series, duration, &group.preferred, &group.preferred_days);
    let dates = series::occurrence_dates(setup.req.cadence, series.weekday, cx.horizon);
    let size = u32::try_from(setup.members.len()).unwrap_or(u32::MAX);
    let quorum = setup.quorum();
    // Members who may be absent while quorum still holds.
    let spare = size.saturating_sub(quorum);
    let mut attending: Vec<usize> = Vec::with_capacity(setup.members.len());
    let (mut held, mut attendance) = (0u32, 0u32);
    let total = u32::try_from(dates.len()).unwrap_or(u32::MAX);
    for (pos, (index, date)) in dates.into_iter().enumerate() {
        if let Some(bar) = bar {
            let left = total - u32::try_from(pos).unwrap_or(u32::MAX);
            let best = (
                Reverse(held.saturating_add(left)),
                Reverse(attendance.saturating_add(left.saturating_mul(size))),
                !preferred,
                series.weekday.to_monday_zero_offset(),
                series.start,
            );
            if best >= *bar {
                return None;
            }
        }
        if size < quorum || cx.frozen.contains(&(setup.index, index)) || cx.holidays.contains(&date)
        {
            continue;
        }
        let Ok(slot) = series::place(date, series, duration, &group.zone.tz, setup.window.latest)
        else {
            continue;
        };
        attending.clear();
        let mut absent = 0u32;
        for pos in 0..setup.members.len() {
            if setup.check(pos, index, slot, cx.bookings).is_ok() {
                attending.push(pos);
            } else {
                absent += 1;
                if absent > spare {
                    break;
                }
            }
        }
        if absent <= spare && shortfall(setup, &attending).is_none() {
            held += 1;
            attendance += u32::try_from(attending.len()).unwrap_or(u32::MAX);
        }
    }
    Some((held, attendance))
}

/// The rank key of a tallied candidate (see [`Evaluation::rank`]).
pub fn tally_rank(
    setup: &Setup<'_, '_>,
    series: SeriesTime,
    held: u32,
    attendance: u32,
) -> RankKey {
    (
        Reverse(held),
        Reverse(attendance),
        !series::preferred(
            series,
            setup.req.duration_minutes,
            &setup.group.preferred,
            &setup.group.preferred_days,
        ),
        series.weekday.to_monday_zero_offset(),
        series.start,
    )
}

/// The group's best `n` candidates that hold at least one occurrence, fully
/// evaluated and ranked best first: the same as the first `n` of [`ranked`]
/// without the ones holding nothing, computed with [`tally`] so that only
/// the kept candidates are evaluated in full.
pub fn best(setup: &Setup<'_, '_>, cx: &Context<'_>, n: usize) -> Vec<Evaluation> {
    if n == 0 {
        return Vec::new();
    }
    // Max-heap of the best `n` so far: its top is the worst kept.
    let mut kept: std::collections::BinaryHeap<(RankKey, usize)> =
        std::collections::BinaryHeap::with_capacity(n + 1);
    let candidates = setup.candidates();
    for (i, &c) in candidates.iter().enumerate() {
        let bar = if kept.len() >= n {
            kept.peek().map(|(k, _)| k)
        } else {
            None
        };
        let Some((held, attendance)) = tally(setup, c, cx, bar) else {
            continue;
        };
        if held == 0 {
            continue;
        }
        kept.push((tally_rank(setup, c, held, attendance), i));
        if kept.len() > n {
            kept.pop();
        }
    }
    kept.into_sorted_vec()
        .into_iter()
        .filter_map(|(_, i)| candidates.get(i).map(|&c| evaluate(setup, c, cx)))
        .collect()
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
