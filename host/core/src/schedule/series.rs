//! Candidate series times and the dates a cadence puts them on.
//!
//! A candidate is one weekday and one local start time in the group's zone;
//! start times lie on a 15-minute clock grid inside the group's window. The
//! cadence turns a weekday into the list of occurrence dates in the horizon.

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::SeriesTime;
use crate::model::{Cadence, Horizon, Interval};

/// Start times are multiples of this many minutes after midnight.
pub const GRID_MINUTES: i64 = 15;

/// Seconds since local midnight.
pub fn seconds(t: Time) -> i64 {
    i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second())
}

/// The local time `secs` seconds after midnight, if that is within the day.
pub fn time_at(secs: i64) -> Option<Time> {
    if !(0..86_400).contains(&secs) {
        return None;
    }
    let h = i8::try_from(secs / 3600).ok()?;
    let m = i8::try_from((secs % 3600) / 60).ok()?;
    let s = i8::try_from(secs % 60).ok()?;
    Time::new(h, m, s, 0).ok()
}

/// Every candidate series time: each allowed weekday (Monday first, without
/// repeats) × each grid start with `start + duration <= latest`, sorted by
/// weekday then time. A zero duration has no candidates.
pub fn candidates(
    days: &[Weekday],
    earliest: Time,
    latest: Time,
    duration: u32,
) -> Vec<SeriesTime> {
    if duration == 0 {
        return Vec::new();
    }
    let mut weekdays: Vec<Weekday> = days.to_vec();
    weekdays.sort_by_key(|d| d.to_monday_zero_offset());
    weekdays.dedup();
    let grid = GRID_MINUTES * 60;
    let first = (seconds(earliest) + grid - 1) / grid * grid;
    let last_start = seconds(latest) - i64::from(duration) * 60;
    let mut out = Vec::new();
    for weekday in weekdays {
        let mut s = first;
        while s <= last_start {
            if let Some(start) = time_at(s) {
                out.push(SeriesTime { weekday, start });
            }
            s += grid;
        }
    }
    out
}

/// The dates a series on `weekday` meets within the horizon, in order, each
/// with its session index. Indices and every-N-weeks phases count from the
/// horizon's anchor ([`Horizon::anchor`]), not from its first week, so a
/// session keeps its index (and an every-2-weeks group its weeks) when the
/// horizon moves: weekly sessions are numbered by week since the anchor,
/// every-N-weeks ones by cycle since the anchor, monthly ones by month since
/// the anchor's month.
pub fn occurrence_dates(cadence: Cadence, weekday: Weekday, horizon: Horizon) -> Vec<(u32, Date)> {
    let offset = i64::from(weekday.to_monday_zero_offset());
    let base = horizon.weeks_since_anchor();
    let in_week = |week: u32| horizon.week_start(week).checked_add(offset.days()).ok();
    match cadence {
        Cadence::Weekly => (0..horizon.weeks)
            .filter_map(|w| Some((base.saturating_add(w), in_week(w)?)))
            .collect(),
        Cadence::EveryWeeks(n) => {
            let n = n.max(1);
            (0..horizon.weeks)
                .filter(|w| base.saturating_add(*w) % n == 0)
                .filter_map(|w| Some((base.saturating_add(w) / n, in_week(w)?)))
                .collect()
        }
        Cadence::MonthlyNth(nth) => {
            let end = horizon.end();
            let anchor = horizon.anchor.first_of_month();
            let months = |d: Date| {
                let m = (i64::from(d.year()) - i64::from(anchor.year())) * 12
                    + i64::from(d.month())
                    - i64::from(anchor.month());
                u32::try_from(m).unwrap_or(0)
            };
            let mut out = Vec::new();
            let mut month = horizon.start.first_of_month();
            while month < end {
                if let Ok(d) = month.nth_weekday_of_month(nth, weekday)
                    && d >= horizon.start
                    && d < end
                {
                    out.push((months(d), d));
                }
                match month.checked_add(1.month()) {
                    Ok(next) => month = next,
                    Err(_) => break,
                }
            }
            out
        }
    }
}

/// Why an occurrence cannot be placed at all, before looking at anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The local start time does not exist that day (DST gap).
    NoSuchTime,
    /// The session would end after the window or on the next day.
    OutsideWindow,
}

/// The absolute span of the session on `date` at the series' local start
/// (compatible disambiguation), checked against the group's window.
pub fn place(
    date: Date,
    series: SeriesTime,
    duration: u32,
    tz: &TimeZone,
    latest: Time,
) -> Result<Interval, Placement> {
    let local = date.to_datetime(series.start);
    let start: Timestamp = tz
        .to_ambiguous_timestamp(local)
        .compatible()
        .map_err(|_| Placement::NoSuchTime)?;
    if tz.to_datetime(start) != local {
        return Err(Placement::NoSuchTime);
    }
    let end = start
        .checked_add(SignedDuration::from_mins(i64::from(duration)))
        .map_err(|_| Placement::OutsideWindow)?;
    let local_end = tz.to_datetime(end);
    if local_end.date() != date || local_end.time() > latest {
        return Err(Placement::OutsideWindow);
    }
    Ok(Interval::new(start, end))
}

/// True when `[start, start + duration)` lies inside one of `windows`.
pub fn preferred(
    series: SeriesTime,
    duration: u32,
    windows: &[(Time, Time)],
    days: &[Weekday],
) -> bool {
    let s = seconds(series.start);
    let e = s + i64::from(duration) * 60;
    let in_window = windows
        .iter()
        .any(|(a, b)| seconds(*a) <= s && e <= seconds(*b));
    let on_day = days.contains(&series.weekday);
    match (windows.is_empty(), days.is_empty()) {
        (true, true) => false,
        (false, true) => in_window,
        (true, false) => on_day,
        (false, false) => in_window && on_day,
    }
}

#[cfg(test)]
mod tests;
