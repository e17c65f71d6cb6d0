//! Hand-made cases for the heatmap: each cell's free count and blocking
//! rule follow the member's busy time, buffer, working hours and holidays.

use jiff::civil::{Date, Weekday, date, time};
use jiff::{SignedDuration, Timestamp};

use super::heatmap::*;
use super::*;
use crate::busy::{BusySource, BusySpan, PersonBusy};
use crate::formats::Formats;
use crate::model::*;
use crate::testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};

fn london() -> Zone {
    Zone::iana("Europe/London").unwrap()
}

/// Two members; the group meets Tuesdays 09:00–10:00 London, 30 minutes.
fn org(holidays: Vec<Date>) -> Organization {
    let people = ["ann", "ben"].map(|id| {
        PersonBuilder::new(id)
            .zone(london())
            .buffer_minutes(15)
            .build()
    });
    OrganizationBuilder::new()
        .zone(london())
        .working_hours(WorkingHours::default())
        .horizon_weeks(4)
        .buffer_minutes(15)
        .holidays(holidays)
        .people(people)
        .group(
            GroupBuilder::new("walk")
                .members(&["ann", "ben"])
                .window(time(9, 0, 0, 0), time(10, 0, 0, 0))
                .duration_minutes(30)
                .quorum(1)
                .zone(london())
                .build(),
        )
        .build()
}

/// Four weeks from Monday 3 March 2025 (London is on GMT until 30 March).
fn horizon() -> Horizon {
    Horizon::starting(date(2025, 3, 3), 4)
}

fn utc(d: Date, h: i8, m: i8) -> Timestamp {
    d.at(h, m, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
}

/// Ben sees a client 09:00–09:30 on the first `weeks` Tuesdays.
fn ben_busy(weeks: i64) -> Availability {
    let spans = (0..weeks)
        .map(|w| {
            let d = date(2025, 3, 4)
                .checked_add(jiff::Span::new().weeks(w))
                .unwrap();
            let start = utc(d, 9, 0);
            BusySpan::new(
                Interval::new(start, start + SignedDuration::from_mins(30)),
                BusySource::Calendar(0),
                true,
            )
        })
        .collect();
    let mut av = Availability::new();
    av.insert(
        "ben".into(),
        Ok(PersonBusy {
            spans,
            buffer_minutes: 15,
        }),
    );
    av
}

fn map(o: &Organization, av: &Availability) -> Heatmap {
    let formats = Formats::builtin();
    let plan = super::plan(o, av, horizon(), &formats);
    heatmap(o, av, horizon(), &formats, &plan, "walk").unwrap()
}

#[test]
fn cells_count_free_members_and_name_the_blocking_rule() {
    let o = org(Vec::new());
    let h = map(&o, &ben_busy(3));
    assert_eq!(h.days, [Weekday::Tuesday]);
    let times: Vec<String> = h.times.iter().map(|t| t.to_string()).collect();
    assert_eq!(times, ["09:00:00", "09:15:00", "09:30:00", "09:45:00"]);
    assert_eq!((h.members, h.weeks), (2, 4));
    let cell = |hh: i8, mm: i8| h.cell(Weekday::Tuesday, time(hh, mm, 0, 0)).unwrap();
    // 2 members × 4 weeks; ben is busy in 3 of them.
    for (hh, mm) in [(9, 0), (9, 15)] {
        assert_eq!(cell(hh, mm).of, 8);
        assert_eq!(cell(hh, mm).free, 5);
        assert_eq!(cell(hh, mm).blocks, [("client time", 3)]);
    }
    assert_eq!(cell(9, 30).free, 5);
    assert_eq!(cell(9, 30).blocks, [("buffer after client time", 3)]);
    assert_eq!(cell(9, 45).free, 8);
    assert!(cell(9, 45).blocks.is_empty());
    // The plan put the walk at 09:30 (the first time everyone is free
    // in the fourth week … and at 09:45 in all four): the outline follows
    // the plan's series, whatever it is.
    let series = h.series.expect("scheduled");
    assert!(h.in_series(series.weekday, series.start));
    assert!(!h.in_series(Weekday::Monday, series.start));
}

#[test]
fn a_holiday_blocks_everyone_and_outside_hours_is_named() {
    let o = org(vec![date(2025, 3, 11)]);
    let h = map(&o, &Availability::new());
    let c = h.cell(Weekday::Tuesday, time(9, 0, 0, 0)).unwrap();
    assert_eq!((c.free, c.of), (6, 8));
    assert_eq!(c.blocks, [(HOLIDAY, 2)]);

    // Working hours from 09:30: the first two quarter hours are outside.
    let late = {
        let mut o = org(Vec::new());
        for p in o.people.values_mut() {
            p.working_hours = WorkingHours::weekdays(time(9, 30, 0, 0), time(17, 0, 0, 0));
        }
        o
    };
    let h = map(&late, &Availability::new());
    let c = h.cell(Weekday::Tuesday, time(9, 15, 0, 0)).unwrap();
    assert_eq!(
        (c.free, c.blocks.clone()),
        (0, vec![("outside working hours", 8)])
    );
    let c = h.cell(Weekday::Tuesday, time(9, 30, 0, 0)).unwrap();
    assert_eq!(c.free, 8);
}

#[test]
fn every_count_adds_up_and_an_unknown_group_has_none() {
    let o = org(vec![date(2025, 3, 18)]);
    let h = map(&o, &ben_busy(4));
    for row in &h.cells {
        for c in row {
            let blocked: u32 = c.blocks.iter().map(|b| b.1).sum();
            assert_eq!(c.free + blocked, c.of);
        }
    }
    let formats = Formats::builtin();
    let av = Availability::new();
    let plan = super::plan(&o, &av, horizon(), &formats);
    assert!(heatmap(&o, &av, horizon(), &formats, &plan, "nope").is_none());
}
