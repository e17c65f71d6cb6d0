//! How many members of a group are free at each quarter hour of its week:
//! the numbers behind the overview's heatmap.
//!
//! One cell per allowed weekday and quarter hour of the group's window (the
//! policy window narrowed by the format's, as the planner uses it). Each
//! cell counts, over every week of the horizon, the members who could
//! attend that quarter hour under the planner's own rules ([`Member`]'s
//! check: start date, working hours in the member's zone, busy time and
//! the buffer after client-facing time, the sessions of *other* groups in
//! the plan) and, for the others, the rule that blocks them, as
//! [`Block::kind`] names it. A holiday blocks everyone ([`HOLIDAY`]). The
//! weekly cap is left out: a quarter hour is not a session, and the cap
//! depends on the session's length. A quarter hour that does not exist on
//! a date (a DST gap) is not counted there. Only counts leave this module:
//! never which member is blocked when.

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday};

use super::explain::block;
use super::members::Absence;
use super::planner::Planner;
use super::series::{self, seconds, time_at};
use super::{Availability, GroupOutcome, Plan, SeriesTime};
use crate::formats::Formats;
use crate::model::{Horizon, Organization};

/// Minutes in one cell.
pub const CELL_MINUTES: u32 = 15;

/// The rule kind a holiday is counted under.
pub const HOLIDAY: &str = "holiday";

/// One quarter hour of one weekday, accumulated over the horizon.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cell {
    /// Member-weeks free: the members who could attend this quarter hour,
    /// summed over the weeks of the horizon.
    pub free: u32,
    /// Member-weeks counted: members × the weeks in which this quarter hour
    /// exists.
    pub of: u32,
    /// The member-weeks not free, by the rule that blocks them (a
    /// [`Block::kind`](super::Block::kind) or [`HOLIDAY`]), most first,
    /// then by name.
    pub blocks: Vec<(&'static str, u32)>,
}

/// A group's heatmap: `cells[day][time]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Group id.
    pub group: String,
    /// Group name.
    pub name: String,
    /// IANA name of the group's zone; days and times are local to it.
    pub zone: String,
    /// The allowed weekdays, Monday first: the columns.
    pub days: Vec<Weekday>,
    /// The start of each quarter hour inside the window: the rows.
    pub times: Vec<Time>,
    /// Members of the group counted.
    pub members: u32,
    /// Weeks in the horizon.
    pub weeks: u32,
    /// One row of cells per day, one cell per time.
    pub cells: Vec<Vec<Cell>>,
    /// The series time in the plan, when the group has one.
    pub series: Option<SeriesTime>,
    /// The session length the format requires.
    pub duration_minutes: u32,
}

impl Heatmap {
    /// The cell of `day` at `time`, if both are in the map.
    pub fn cell(&self, day: Weekday, time: Time) -> Option<&Cell> {
        let d = self.days.iter().position(|w| *w == day)?;
        let t = self.times.iter().position(|x| *x == time)?;
        self.cells.get(d)?.get(t)
    }

    /// Whether the quarter hour of `day` at `time` lies inside the series
    /// time's session.
    pub fn in_series(&self, day: Weekday, time: Time) -> bool {
        let Some(s) = self.series else { return false };
        let start = seconds(s.start);
        let end = start + i64::from(self.duration_minutes) * 60;
        s.weekday == day && (start..end).contains(&seconds(time))
    }
}

/// The quarter hours of a window: every grid start with a whole cell
/// before `latest`.
fn quarter_hours(earliest: Time, latest: Time) -> Vec<Time> {
    let step = i64::from(CELL_MINUTES) * 60;
    let mut s = (seconds(earliest) + step - 1) / step * step;
    let mut out = Vec::new();
    while s + step <= seconds(latest) {
        if let Some(t) = time_at(s) {
            out.push(t);
        }
        s += step;
    }
    out
}

/// The heatmap of group `group_id` in `plan` (whose other groups' sessions
/// book their members); `None` if there is no such group. Deterministic.
pub fn heatmap(
    org: &Organization,
    availability: &Availability,
    horizon: Horizon,
    formats: &Formats,
    plan: &Plan,
    group_id: &str,
) -> Option<Heatmap> {
    let index = org.groups.iter().position(|g| g.id == group_id)?;
    let planner = Planner::new(org, availability, horizon, formats);
    let (setup, _) = planner.setup(index)?;
    let bookings = super::explain::others_bookings(&planner, plan, group_id);
    let mut days = setup.window.days.clone();
    days.sort_by_key(|d| d.to_monday_zero_offset());
    days.dedup();
    let times = quarter_hours(setup.window.earliest, setup.window.latest);
    let mut cells = Vec::with_capacity(days.len());
    for &day in &days {
        let dates: Vec<Date> = (0..horizon.weeks)
            .filter_map(|w| {
                let offset = i64::from(day.to_monday_zero_offset());
                horizon.week_start(w).checked_add(offset.days()).ok()
            })
            .collect();
        let row = times
            .iter()
            .map(|&start| {
                let series = SeriesTime {
                    weekday: day,
                    start,
                };
                count(&setup, &planner, &bookings, &dates, series)
            })
            .collect();
        cells.push(row);
    }
    let series = plan.outcome(group_id).and_then(|o| match o {
        GroupOutcome::Scheduled { series, .. } => Some(*series),
        _ => None,
    });
    Some(Heatmap {
        group: setup.group.id.clone(),
        name: setup.group.name.clone(),
        zone: setup.group.zone.name.clone(),
        days,
        times,
        members: u32::try_from(setup.members.len()).unwrap_or(u32::MAX),
        weeks: horizon.weeks,
        cells,
        series,
        duration_minutes: setup.req.duration_minutes,
    })
}

/// One cell: the quarter hour at `series` on each of `dates`, for every
/// member of the group.
fn count(
    setup: &super::evaluate::Setup<'_, '_>,
    planner: &Planner<'_>,
    bookings: &super::members::Bookings,
    dates: &[Date],
    series: SeriesTime,
) -> Cell {
    let tz = &setup.group.zone.tz;
    let mut free = 0u32;
    let mut of = 0u32;
    let mut blocks: BTreeMap<&'static str, u32> = BTreeMap::new();
    for &date in dates {
        let Ok(slot) = series::place(date, series, CELL_MINUTES, tz, setup.window.latest) else {
            continue;
        };
        let holiday = planner.holidays.contains(&date);
        for m in &setup.members {
            of += 1;
            let why = if holiday {
                Err(None)
            } else {
                m.check(slot, bookings).map_err(Some)
            };
            match why {
                Ok(()) | Err(Some(Absence::Cap)) => free += 1,
                Err(None) => *blocks.entry(HOLIDAY).or_default() += 1,
                Err(Some(a)) => {
                    *blocks
                        .entry(block(m, slot, a, planner.org).kind())
                        .or_default() += 1;
                }
            }
        }
    }
    let mut blocks: Vec<(&'static str, u32)> = blocks.into_iter().collect();
    blocks.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    Cell { free, of, blocks }
}
