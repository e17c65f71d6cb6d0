//! The fast candidate tally agrees with the full evaluation: same counts
//! for every candidate, and the same best candidates in the same order.

use std::collections::BTreeSet;

use jiff::civil::{Weekday, date, time};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::evaluate::{self, Context};
use super::members::Bookings;
use super::planner::Planner;
use crate::busy::{BusySource, BusySpan, PersonBusy};
use crate::formats::Formats;
use crate::model::*;
use crate::testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};

fn chicago() -> Zone {
    Zone::iana("America/Chicago").unwrap()
}

fn person(i: usize, tag: bool) -> Person {
    let tags: &[&str] = if tag { &["lead"] } else { &[] };
    PersonBuilder::new(&format!("p{i}"))
        .name(format!("P {i}"))
        .zone(chicago())
        .weekdays(time(8, 0, 0, 0), time(18, 0, 0, 0))
        .tags(tags)
        .buffer_minutes(10)
        .build()
}

fn group(size: usize, quorum: u32, role: bool, fortnightly: bool) -> Group {
    let members: Vec<String> = (0..size).map(|i| format!("p{i}")).collect();
    let roles = if role {
        vec![RequiredRole {
            tag: "lead".to_string(),
            min: 1,
        }]
    } else {
        Vec::new()
    };
    GroupBuilder::new("g")
        .name("G")
        .members(&members)
        .cadence(if fortnightly {
            Cadence::EveryWeeks(2)
        } else {
            Cadence::Weekly
        })
        .days(&[Weekday::Monday, Weekday::Wednesday, Weekday::Friday])
        .window(time(8, 0, 0, 0), time(18, 0, 0, 0))
        .preferred(vec![(time(12, 0, 0, 0), time(14, 0, 0, 0))])
        .quorum(quorum)
        .required_roles(roles)
        .zone(chicago())
        .build()
}

fn org(people: Vec<Person>, g: Group, holiday: bool) -> Organization {
    let holidays = if holiday {
        vec![date(2026, 3, 11)]
    } else {
        Vec::new()
    };
    OrganizationBuilder::new()
        .zone(chicago())
        .working_hours(WorkingHours::default())
        .horizon_weeks(4)
        .holidays(holidays)
        .buffer_minutes(10)
        .people(people)
        .group(g)
        .build()
}

/// Busy spans: (person, day 0..28, start quarter-hour 0..48 from 07:00, length in quarters 1..8, client-facing).
type Spans = Vec<(usize, i64, i64, i64, bool)>;

fn busy_of(size: usize, spans: &Spans) -> crate::schedule::Availability {
    // 2026-03-02 07:00 Chicago is 13:00 UTC (before the DST change; the
    // shift afterwards only moves spans by an hour, which is fine here).
    let origin: Timestamp = "2026-03-02T13:00:00Z".parse().unwrap();
    let mut out = crate::schedule::Availability::new();
    for i in 0..size {
        let mut spans: Vec<BusySpan> = spans
            .iter()
            .filter(|s| s.0 % size == i)
            .map(|&(_, day, q, len, client)| {
                let start = origin + SignedDuration::from_mins(day * 1440 + q * 15);
                BusySpan::new(
                    Interval::new(start, start + SignedDuration::from_mins(len * 15)),
                    BusySource::Calendar(0),
                    client,
                )
            })
            .collect();
        spans.sort();
        out.insert(
            format!("p{i}"),
            Ok(PersonBusy {
                spans,
                buffer_minutes: 10,
            }),
        );
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn tally_and_best_agree_with_the_full_evaluation(
        size in 2usize..7,
        quorum in 0u32..7,
        role in any::<bool>(),
        fortnightly in any::<bool>(),
        holiday in any::<bool>(),
        spans in prop::collection::vec((0usize..7, 0i64..28, 0i64..48, 1i64..8, any::<bool>()), 0..160),
        booked in prop::collection::vec((0usize..7, 0i64..28, 0i64..40), 0..12),
        n in 1usize..12,
    ) {
        let people = (0..size).map(|i| person(i, i == 0)).collect();
        let o = org(people, group(size, quorum, role, fortnightly), holiday);
        let availability = busy_of(size, &spans);
        let formats = Formats::builtin();
        let horizon = Horizon::starting(date(2026, 3, 2), 4);
        let planner = Planner::new(&o, &availability, horizon, &formats);
        let mut bookings = Bookings::default();
        let origin: Timestamp = "2026-03-02T13:00:00Z".parse().unwrap();
        for &(p, day, q) in &booked {
            let start = origin + SignedDuration::from_mins(day * 1440 + q * 15);
            let slot = Interval::new(start, start + SignedDuration::from_mins(45));
            bookings.book(&format!("p{}", p % size), slot, 7, date(2026, 3, 2));
        }
        let frozen = BTreeSet::new();
        let cx: Context<'_> = planner.context(&bookings, &frozen);
        let (setup, _) = planner.setup(0).unwrap();
        let full = evaluate::ranked(&setup, &cx);
        for e in &full {
            prop_assert_eq!(
                evaluate::tally(&setup, e.series, &cx, None),
                Some((e.held, e.attendance))
            );
        }
        let want: Vec<_> = full
            .iter()
            .filter(|e| e.held > 0)
            .take(n)
            .map(|e| (e.series, e.held, e.attendance))
            .collect();
        let got: Vec<_> = evaluate::best(&setup, &cx, n)
            .iter()
            .map(|e| (e.series, e.held, e.attendance))
            .collect();
        prop_assert_eq!(got, want);
    }
}
