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
