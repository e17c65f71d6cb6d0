//! Turning chosen series times into sessions, in real instants.
//!
//! The solver works on an approximation of time (see `joint`); here every
//! occurrence is checked again against the real bookings made so far and
//! each member's weekly cap in their own local week, so whatever the solver
//! chose, nobody is double-booked or over their cap. Occurrences short of
//! quorum or roles are then moved within their week, or skipped, per the
//! group's `short_of_quorum`.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use super::evaluate::{self, Context, Setup, Skip};
use super::members::Bookings;
use super::series::{self, place};
use super::{SeriesTime, Session, SkipReason, Skipped};
use crate::formats::{
    Format, FormatError, PastSession, SeriesItem, SeriesRequest, SeriesSession, SessionPlan,
};
use crate::model::{Horizon, Interval, ShortOfQuorum};

/// The planning horizon and holidays, for searches that book as they go.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    pub horizon: Horizon,
    pub holidays: &'a BTreeSet<Date>,
    /// (Group index, session index) of frozen sessions.
    pub frozen: &'a BTreeSet<(usize, u32)>,
}

/// An occurrence that takes place.
#[derive(Debug, Clone)]
pub struct Held {
    /// Session index.
    pub index: u32,
    /// Local date in the group's zone.
    pub date: Date,
    pub slot: Interval,
    /// Positions (group member order) of attendees.
    pub attending: Vec<usize>,
    /// Positions of members who do not attend.
    pub absent: Vec<usize>,
    /// The series instant it was moved from.
    pub moved_from: Option<Timestamp>,
}

/// An occurrence waiting to be moved: its index, date, series slot and why
/// it fell short.
#[derive(Debug, Clone)]
pub struct Pending {
    pub index: u32,
    pub date: Date,
    pub slot: Interval,
    pub skip: Skip,
}

/// What the series of one group produced.
#[derive(Debug, Clone)]
pub struct Realised {
    pub series: SeriesTime,
    pub held: Vec<Held>,
    pub pending: Vec<Pending>,
    pub skipped: Vec<Skipped>,
}

/// Books every attendee of `held` for group `setup.index`.
pub fn book(setup: &Setup<'_, '_>, held: &Held, bookings: &mut Bookings) {
    for &p in &held.attending {
        if let Some(m) = setup.members.get(p) {
            bookings.book(&m.person.id, held.slot, setup.index, m.week(held.slot));
        }
    }
}

/// Evaluates the chosen series against the real bookings in `cx` and sets
/// aside what is short for moving; the caller books what is held (a
/// series' occurrences are a week or more apart, so they never clash or
/// share a week among themselves).
pub fn series(setup: &Setup<'_, '_>, chosen: SeriesTime, cx: &Context<'_>) -> Realised {
    let e = evaluate::evaluate(setup, chosen, cx);
    let mut out = Realised {
        series: chosen,
        held: Vec::new(),
        pending: Vec::new(),
        skipped: Vec::new(),
    };
    let moves = setup.group.short_of_quorum == ShortOfQuorum::Move;
    for occ in e.occurrences {
        match (occ.skip, occ.slot) {
            (None, Some(slot)) => {
                let held = Held {
                    index: occ.index,
                    date: occ.date,
                    slot,
                    attending: occ.attending,
                    absent: occ.absent.iter().map(|(p, _)| *p).collect(),
                    moved_from: None,
                };
                out.held.push(held);
            }
            (Some(Skip::Frozen), _) => {}
            (Some(skip @ (Skip::Quorum { .. } | Skip::Role { .. })), Some(slot)) if moves => {
                out.pending.push(Pending {
                    index: occ.index,
                    date: occ.date,
                    slot,
                    skip,
                });
            }
            (Some(skip), _) => out.skipped.push(Skipped {
                date: occ.date,
                reason: SkipReason::Occurrence(skip),
            }),
            // Every occurrence without a slot carries the reason why.
            (None, None) => {}
        }
    }
    out
}

/// The Monday of `date`'s week.
pub fn monday(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(back.days()).unwrap_or(date)
}

/// Every slot of the group's grid in the week starting `week`, inside the
/// horizon, on allowed days that are not holidays, in date and time order.
pub fn week_slots(setup: &Setup<'_, '_>, week: Date, frame: &Frame<'_>) -> Vec<(Date, Interval)> {
    let g = setup.group;
    let duration = setup.req.duration_minutes;
    let mut out = Vec::new();
    for offset in 0..7i64 {
        let Ok(date) = week.checked_add(offset.days()) else {
            continue;
        };
        if date < frame.horizon.start
            || date >= frame.horizon.end()
            || frame.holidays.contains(&date)
        {
            continue;
        }
        let day = date.weekday();
        let w = &setup.window;
        if !w.days.contains(&day) {
            continue;
        }
        for st in series::candidates(&[day], w.earliest, w.latest, duration) {
            if let Ok(slot) = place(date, st, duration, &g.zone.tz, w.latest) {
                out.push((date, slot));
            }
        }
    }
    out
}

/// Members (positions) of `setup` who can attend session `index` at
/// `slot`, and who cannot.
pub fn who(
    setup: &Setup<'_, '_>,
    (index, slot): (u32, Interval),
    bookings: &Bookings,
    among: Option<&[usize]>,
) -> (Vec<usize>, Vec<usize>) {
    let (mut yes, mut no) = (Vec::new(), Vec::new());
    for p in 0..setup.members.len() {
        if among.is_some_and(|a| !a.contains(&p)) {
            continue;
        }
        match setup.check(p, index, slot, bookings) {
            Ok(()) => yes.push(p),
            Err(_) => no.push(p),
        }
    }
    (yes, no)
}

/// Moves a short occurrence to the best other time in its week (most
/// attendees, preferred window, closest to the series time, earliest), or
/// skips it with its reason. Books the move.
pub fn move_or_skip(
    setup: &Setup<'_, '_>,
    pending: &Pending,
    frame: &Frame<'_>,
    bookings: &mut Bookings,
) -> Result<Held, Skipped> {
    let g = setup.group;
    let duration = setup.req.duration_minutes;
    let mut best: Option<(_, Held)> = None;
    for (date, slot) in week_slots(setup, monday(pending.date), frame) {
        if slot == pending.slot {
            continue;
        }
        let (attending, absent) = who(setup, (pending.index, slot), bookings, None);
        if evaluate::shortfall(setup, &attending).is_some() {
            continue;
        }
        let local = g.zone.tz.to_datetime(slot.start);
        let st = SeriesTime {
            weekday: local.weekday(),
            start: local.time(),
        };
        let distance = slot.start.duration_since(pending.slot.start).abs();
        let key = (
            Reverse(attending.len()),
            !series::preferred(st, duration, &g.preferred, &g.preferred_days),
            distance,
            slot.start,
        );
        if best.as_ref().is_none_or(|(k, _)| key < *k) {
            let held = Held {
                index: pending.index,
                date,
                slot,
                attending,
                absent,
                moved_from: Some(pending.slot.start),
            };
            best = Some((key, held));
        }
    }
    match best {
        Some((_, held)) => {
            book(setup, &held, bookings);
            Ok(held)
        }
        None => Err(Skipped {
            date: pending.date,
            reason: SkipReason::NotMoved(pending.skip.clone()),
        }),
    }
}

/// Why a group's sessions could not be built; the group is blocked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionsError {
    /// The format failed to plan the series.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The format returned fewer plans than sessions asked for.
    #[error("format `{format}` planned fewer sessions than group `{group}` holds")]
    TooFewPlans {
        /// The format's name.
        format: String,
        /// The group's id.
        group: String,
    },
}

/// A published session as history for the format.
fn fixed(s: &Session) -> SeriesItem {
    SeriesItem::Fixed(PastSession {
        date: s.date,
        attendees: s.attendees.clone(),
        roles: s.plan.roles.clone(),
    })
}

/// Builds the group's sessions from its frozen sessions (kept verbatim) and
/// its held occurrences, in index order, planned by the format in one
/// series with the earlier ones as history. `(past, frozen)`: the group's
/// published sessions that already started with an index before every
/// planned one open the history.
pub fn sessions(
    setup: &Setup<'_, '_>,
    format: &dyn Format,
    people: &std::collections::BTreeMap<String, crate::model::Person>,
    (past, frozen): (&[Session], &[Session]),
    mut held: Vec<Held>,
) -> Result<Vec<Session>, SessionsError> {
    let group = setup.group;
    held.sort_by_key(|h| h.index);
    let mut frozen: Vec<&Session> = frozen.iter().filter(|s| s.group == group.id).collect();
    frozen.sort_by_key(|s| s.index);
    let first = frozen
        .first()
        .map(|s| s.index)
        .into_iter()
        .chain(held.first().map(|h| h.index))
        .min();
    let mut before: Vec<&Session> = past
        .iter()
        .filter(|s| s.group == group.id && first.is_some_and(|f| s.index < f))
        .collect();
    before.sort_by_key(|s| s.index);
    // The series in index order: the published past and frozen sessions as
    // history, held ones to plan (each with its occurrence, to build its
    // session afterwards). `order` follows the items after the past ones.
    let mut items: Vec<SeriesItem> = before.into_iter().map(fixed).collect();
    let opening = items.len();
    let order = interleave(setup, frozen, held, &mut items);
    let plans = if items.iter().any(|i| matches!(i, SeriesItem::Plan(_))) {
        let request = SeriesRequest {
            group,
            items: &items,
            people,
        };
        format.plan_series(&request)?
    } else {
        Vec::new()
    };
    let planned = order.into_iter().zip(items.into_iter().skip(opening));
    built(setup, planned, plans)
}

/// Appends the frozen sessions and held occurrences to `items` in index
/// order (a frozen session first on a tie); returns, for each, the frozen
/// session (`Ok`) or the held occurrence (`Err`).
fn interleave<'s>(
    setup: &Setup<'_, '_>,
    frozen: Vec<&'s Session>,
    held: Vec<Held>,
    items: &mut Vec<SeriesItem>,
) -> Vec<Result<&'s Session, Held>> {
    let group = setup.group;
    let id = |p: &usize| setup.members.get(*p).map(|m| m.person.id.clone());
    let mut order: Vec<Result<&Session, Held>> = Vec::new();
    let (mut f, mut h) = (frozen.into_iter().peekable(), held.into_iter().peekable());
    loop {
        let take_frozen = match (f.peek(), h.peek()) {
            (Some(a), Some(b)) => a.index <= b.index,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_frozen {
            if let Some(s) = f.next() {
                items.push(fixed(s));
                order.push(Ok(s));
            }
            continue;
        }
        let Some(occ) = h.next() else { break };
        items.push(SeriesItem::Plan(SeriesSession {
            index: occ.index,
            date: occ.date,
            start: occ.slot.start.to_zoned(group.zone.tz.clone()).time(),
            attendees: occ.attending.iter().filter_map(id).collect(),
            absentees: occ.absent.iter().filter_map(id).collect(),
        }));
        order.push(Err(occ));
    }
    order
}

/// The sessions: frozen ones verbatim, held ones with the format's plans in
/// order.
fn built<'s>(
    setup: &Setup<'_, '_>,
    planned: impl Iterator<Item = (Result<&'s Session, Held>, SeriesItem)>,
    plans: Vec<SessionPlan>,
) -> Result<Vec<Session>, SessionsError> {
    let group = setup.group;
    let mut plans = plans.into_iter();
    let mut out = Vec::new();
    for (entry, item) in planned {
        let (occ, session) = match (entry, item) {
            (Ok(s), _) => {
                out.push(s.clone());
                continue;
            }
            (Err(occ), SeriesItem::Plan(session)) => (occ, session),
            (Err(_), SeriesItem::Fixed(_)) => continue,
        };
        let plan = plans.next().ok_or_else(|| SessionsError::TooFewPlans {
            format: group.format.clone(),
            group: group.id.clone(),
        })?;
        out.push(Session {
            group: group.id.clone(),
            index: occ.index,
            date: occ.date,
            start: occ.slot.start,
            end: occ.slot.end,
            attendees: session.attendees,
            absentees: session.absentees,
            plan,
            moved_from: occ.moved_from,
        });
    }
    Ok(out)
}
