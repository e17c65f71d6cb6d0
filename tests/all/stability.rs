//! Stability: re-planning keeps every still-feasible series and every
//! frozen session.

use std::collections::BTreeMap;

use jiff::civil::{Weekday, date, time};
use peerwell_core::busy::{BusySource, BusySpan, PersonBusy};
use peerwell_core::formats::Formats;
use peerwell_core::model::*;
use peerwell_core::schedule::{Availability, GroupOutcome, Plan, Previous, SeriesTime, plan_with};
use peerwell_testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};

fn person(id: &str) -> Person {
    PersonBuilder::new(id).build()
}

fn group(id: &str, members: &[&str]) -> Group {
    GroupBuilder::new(id)
        .members(members)
        .days(&[Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday])
        .window(time(9, 0, 0, 0), time(12, 0, 0, 0))
        .quorum(members.len() as u32)
        .short_of_quorum(ShortOfQuorum::Skip)
        .build()
}

/// Five groups sharing `hub`, so no two can meet at once.
fn org() -> Organization {
    let ids = ["hub", "a1", "b1", "c1", "d1", "e1"];
    OrganizationBuilder::new()
        .working_hours(WorkingHours::default())
        .people(ids.iter().map(|i| person(i)))
        .groups([
            group("a", &["hub", "a1"]),
            group("b", &["hub", "b1"]),
            group("c", &["hub", "c1"]),
            group("d", &["hub", "d1"]),
            group("e", &["a1", "e1"]),
        ])
        .build()
}

/// Six weeks across London's change to summer time.
fn horizon() -> Horizon {
    Horizon::starting(date(2025, 3, 17), 6)
}

fn series(p: &Plan) -> BTreeMap<String, SeriesTime> {
    p.outcomes
        .iter()
        .filter_map(|(id, o)| match o {
            GroupOutcome::Scheduled { series, .. } => Some((id.clone(), *series)),
            _ => None,
        })
        .collect()
}

/// Busy time during every session of `group` in `p`.
fn busy_at_sessions(p: &Plan, group: &str) -> PersonBusy {
    let spans = p
        .sessions
        .iter()
        .filter(|s| s.group == group)
        .map(|s| BusySpan::new(Interval::new(s.start, s.end), BusySource::Calendar(0), true))
        .collect();
    PersonBusy {
        spans,
        buffer_minutes: 0,
    }
}

#[test]
fn a_calendar_change_moves_only_the_broken_group() {
    let o = org();
    let f = Formats::builtin();
    let first = plan_with(
        &o,
        &Availability::new(),
        horizon(),
        &f,
        &Previous::default(),
    );
    let kept = series(&first);
    assert_eq!(kept.len(), 5, "{first:#?}");
    let previous = Previous {
        series: kept.clone(),
        frozen: Vec::new(),
        ..Previous::default()
    };
    // Unchanged inputs: nothing moves at all.
    let again = plan_with(&o, &Availability::new(), horizon(), &f, &previous);
    assert_eq!(again, first);

    // c1 is now busy at every session of group c: only c must move.
    let mut av = Availability::new();
    av.insert("c1".to_string(), Ok(busy_at_sessions(&first, "c")));
    let next = plan_with(&o, &av, horizon(), &f, &previous);
    let now = series(&next);
    assert_ne!(now.get("c"), kept.get("c"), "c's series broke and moved");
    assert!(now.contains_key("c"), "c is scheduled again");
    for g in ["a", "b", "d", "e"] {
        assert_eq!(now.get(g), kept.get(g), "{g} keeps its series");
        let before: Vec<_> = first.sessions.iter().filter(|s| s.group == g).collect();
        let after: Vec<_> = next.sessions.iter().filter(|s| s.group == g).collect();
        assert_eq!(before, after, "{g} keeps its sessions");
    }
    // Without Previous, the same change may move any group; with it, the
    // number of changed sessions is exactly c's.
    let changed = next
        .sessions
        .iter()
        .filter(|s| !first.sessions.contains(s))
        .count();
    assert_eq!(
        changed,
        next.sessions.iter().filter(|s| s.group == "c").count()
    );
}

#[test]
fn frozen_sessions_stay_even_when_they_now_conflict() {
    let o = org();
    let f = Formats::builtin();
    let first = plan_with(
        &o,
        &Availability::new(),
        horizon(),
        &f,
        &Previous::default(),
    );
    let frozen: Vec<_> = first
        .sessions
        .iter()
        .filter(|s| s.group == "b")
        .take(2)
        .cloned()
        .collect();
    assert_eq!(frozen.len(), 2);
    // b1 is now busy at all of b's sessions, frozen ones included.
    let mut av = Availability::new();
    av.insert("b1".to_string(), Ok(busy_at_sessions(&first, "b")));
    let previous = Previous {
        series: BTreeMap::new(),
        frozen: frozen.clone(),
        ..Previous::default()
    };
    let next = plan_with(&o, &av, horizon(), &f, &previous);
    for s in &frozen {
        assert!(next.sessions.contains(s), "frozen session kept: {s:?}");
        let same_index = next
            .sessions
            .iter()
            .filter(|x| x.group == "b" && x.index == s.index)
            .count();
        assert_eq!(same_index, 1, "a frozen occurrence is not planned again");
        // Nobody else is booked over a frozen session's attendees.
        for other in next.sessions.iter().filter(|x| *x != s) {
            let clash = other.start < s.end && s.start < other.end;
            assert!(
                !(clash && other.attendees.iter().any(|a| s.attendees.contains(a))),
                "{other:?} overlaps frozen {s:?}"
            );
        }
    }
}
