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
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn horizon(start: Date, weeks: u32) -> Horizon {
        Horizon::starting(start, weeks)
    }

    fn dates(v: Vec<(u32, Date)>) -> Vec<Date> {
        v.into_iter().map(|(_, d)| d).collect()
    }

    #[test]
    fn grid_is_clock_aligned_and_fits_the_window() {
        let c = candidates(
            &[Weekday::Tuesday, Weekday::Monday, Weekday::Tuesday],
            time(9, 10, 0, 0),
            time(10, 30, 0, 0),
            45,
        );
        let got: Vec<(Weekday, Time)> = c.iter().map(|s| (s.weekday, s.start)).collect();
        let want = [
            (Weekday::Monday, time(9, 15, 0, 0)),
            (Weekday::Monday, time(9, 30, 0, 0)),
            (Weekday::Monday, time(9, 45, 0, 0)),
            (Weekday::Tuesday, time(9, 15, 0, 0)),
            (Weekday::Tuesday, time(9, 30, 0, 0)),
            (Weekday::Tuesday, time(9, 45, 0, 0)),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn cadences() {
        let h = horizon(date(2025, 3, 3), 9);
        let weekly = dates(occurrence_dates(Cadence::Weekly, Weekday::Wednesday, h));
        assert_eq!(weekly.len(), 9);
        assert_eq!(weekly[0], date(2025, 3, 5));
        let every3 = dates(occurrence_dates(Cadence::EveryWeeks(3), Weekday::Monday, h));
        assert_eq!(
            every3,
            [date(2025, 3, 3), date(2025, 3, 24), date(2025, 4, 14)]
        );
        // 2025-03-03 .. 2025-05-05 (exclusive): second Tuesdays are
        // 11 March and 8 April; last Fridays are 28 March and 25 April.
        let second_tue = dates(occurrence_dates(
            Cadence::MonthlyNth(2),
            Weekday::Tuesday,
            h,
        ));
        assert_eq!(second_tue, [date(2025, 3, 11), date(2025, 4, 8)]);
        let last_fri = dates(occurrence_dates(
            Cadence::MonthlyNth(-1),
            Weekday::Friday,
            h,
        ));
        assert_eq!(last_fri, [date(2025, 3, 28), date(2025, 4, 25)]);
    }

    #[test]
    fn indices_and_phases_count_from_the_anchor() {
        let anchor = date(2025, 3, 3);
        let a = Horizon::anchored(date(2025, 3, 3), 6, anchor);
        // A week later, mid-week: the horizon moves to 2025-03-10.
        let b = Horizon::anchored(date(2025, 3, 12), 6, anchor);
        assert_eq!(b.start, date(2025, 3, 10));
        for cadence in [
            Cadence::Weekly,
            Cadence::EveryWeeks(2),
            Cadence::EveryWeeks(3),
            Cadence::MonthlyNth(1),
            Cadence::MonthlyNth(-1),
        ] {
            let first = occurrence_dates(cadence, Weekday::Thursday, a);
            let second = occurrence_dates(cadence, Weekday::Thursday, b);
            for (i, d) in &second {
                if *d < a.end() {
                    assert!(first.contains(&(*i, *d)), "{cadence:?}: {i} {d}");
                }
            }
        }
        let every2 = occurrence_dates(Cadence::EveryWeeks(2), Weekday::Monday, b);
        assert_eq!(every2[0], (1, date(2025, 3, 17)));
        let weekly = occurrence_dates(Cadence::Weekly, Weekday::Monday, b);
        assert_eq!(weekly[0], (1, date(2025, 3, 10)));
        // An anchor after the horizon's start falls back to the start.
        let early = Horizon::anchored(date(2025, 2, 24), 2, anchor);
        assert_eq!(early.anchor, date(2025, 2, 24));
    }

    #[test]
    fn local_time_is_kept_across_dst_and_gaps_are_refused() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let at = |d, h, m| {
            place(
                d,
                SeriesTime {
                    weekday: Weekday::Sunday,
                    start: time(h, m, 0, 0),
                },
                30,
                &tz,
                time(23, 0, 0, 0),
            )
        };
        let before = at(date(2025, 3, 2), 9, 0).unwrap();
        let after = at(date(2025, 3, 9), 9, 0).unwrap();
        assert_eq!(before.start.to_string(), "2025-03-02T14:00:00Z");
        assert_eq!(after.start.to_string(), "2025-03-09T13:00:00Z");
        assert_eq!(at(date(2025, 3, 9), 2, 30), Err(Placement::NoSuchTime));
        assert_eq!(at(date(2025, 3, 9), 22, 45), Err(Placement::OutsideWindow));
    }

    #[test]
    fn preferred_windows_and_days_combine() {
        let at = |weekday, h| SeriesTime {
            weekday,
            start: time(h, 0, 0, 0),
        };
        let windows = [(time(8, 0, 0, 0), time(10, 0, 0, 0))];
        let days = [Weekday::Tuesday];
        assert!(!preferred(at(Weekday::Tuesday, 8), 60, &[], &[]));
        assert!(preferred(at(Weekday::Monday, 8), 60, &windows, &[]));
        assert!(!preferred(at(Weekday::Monday, 9), 90, &windows, &[]));
        assert!(preferred(at(Weekday::Tuesday, 15), 60, &[], &days));
        assert!(!preferred(at(Weekday::Wednesday, 15), 60, &[], &days));
        assert!(preferred(at(Weekday::Tuesday, 8), 60, &windows, &days));
        assert!(!preferred(at(Weekday::Monday, 8), 60, &windows, &days));
        assert!(!preferred(at(Weekday::Tuesday, 12), 60, &windows, &days));
    }
}
