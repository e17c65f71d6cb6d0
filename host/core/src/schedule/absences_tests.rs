//! Declared absences: an absent member is never an attendee or a role
//! holder of that session, frozen or not; quorum is re-checked (moved or
//! skipped per `short_of_quorum`, never below quorum); frozen sessions keep
//! their time; and the rotation stays fair among those present.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Weekday, date, time};
use proptest::prelude::*;

use super::{Absences, Plan, Previous, plan_with};
use crate::formats::Formats;
/// The check-in format's rotating role.
const STRATEGY_ROLE: &str = "strategy";
use crate::model::*;
use crate::testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};

fn org(size: usize, quorum: u32, skip: bool) -> Organization {
    let zone = Zone::iana("Europe/Berlin").unwrap();
    let people: Vec<Person> = (0..size)
        .map(|i| {
            PersonBuilder::new(&format!("p{i}"))
                .name(format!("P {i}"))
                .zone(zone.clone())
                .weekdays(time(9, 0, 0, 0), time(17, 0, 0, 0))
                .build()
        })
        .collect();
    let members: Vec<String> = (0..size).map(|i| format!("p{i}")).collect();
    let group = GroupBuilder::new("g")
        .name("G")
        .format("check-in")
        .members(&members)
        .days(&[Weekday::Tuesday, Weekday::Thursday])
        .window(time(9, 0, 0, 0), time(17, 0, 0, 0))
        .quorum(quorum)
        .short_of_quorum(if skip {
            ShortOfQuorum::Skip
        } else {
            ShortOfQuorum::Move
        })
        .zone(zone.clone())
        .build();
    OrganizationBuilder::new()
        .zone(zone)
        .horizon_weeks(6)
        .people(people)
        .group(group)
        .build()
}

fn planned(o: &Organization, previous: &Previous) -> Plan {
    let horizon = Horizon::starting(date(2026, 5, 4), 6);
    plan_with(o, &BTreeMap::new(), horizon, &Formats::builtin(), previous)
}

fn holders(s: &super::Session) -> Vec<&str> {
    s.plan
        .roles
        .iter()
        .filter(|r| r.role == STRATEGY_ROLE)
        .map(|r| r.member.as_str())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn absent_members_never_attend_and_roles_rotate_among_those_present(
        size in 3usize..7,
        quorum in 1u32..5,
        skip in any::<bool>(),
        freeze_first in any::<bool>(),
        picks in prop::collection::vec((0usize..6, 0usize..7), 0..12),
    ) {
        let o = org(size, quorum.min(size as u32), skip);
        let first = planned(&o, &Previous::default());
        prop_assert_eq!(first.sessions.len(), 6);
        let mut absent = Absences::new();
        for (week, member) in picks {
            let s = &first.sessions[week];
            absent
                .entry((s.group.clone(), s.index))
                .or_default()
                .insert(format!("p{}", member % size));
        }
        let frozen: Vec<_> = first.sessions.iter().take(usize::from(freeze_first)).cloned().collect();
        let previous = Previous { frozen: frozen.clone(), absent: absent.clone(), ..Previous::default() };
        let plan = planned(&o, &previous);
        let none = BTreeSet::new();
        for s in &plan.sessions {
            let declared = absent.get(&(s.group.clone(), s.index)).unwrap_or(&none);
            for m in declared {
                prop_assert!(!s.attendees.contains(m), "{} attends {}", m, s.index);
                prop_assert!(s.absentees.contains(m), "{} not listed absent", m);
                prop_assert!(s.plan.roles.iter().all(|r| &r.member != m));
            }
            for h in holders(s) {
                prop_assert!(s.attendees.iter().any(|a| a == h));
            }
            match frozen.iter().find(|f| f.index == s.index) {
                Some(f) => prop_assert_eq!((f.start, f.end), (s.start, s.end)),
                None => prop_assert!(s.attendees.len() >= quorum.min(size as u32) as usize),
            }
        }
        // Every declared-absent occurrence that is not frozen and lost
        // quorum is gone from the plan (skipped: nobody else can be found).
        for ((_, index), ids) in &absent {
            let left = size - ids.len();
            let is_frozen = frozen.iter().any(|f| f.index == *index);
            if !is_frozen && left < quorum.min(size as u32) as usize {
                prop_assert!(plan.sessions.iter().all(|s| s.index != *index));
            }
        }
        // Fair among members present at every session held.
        let always: Vec<String> = (0..size)
            .map(|i| format!("p{i}"))
            .filter(|m| plan.sessions.iter().all(|s| s.attendees.contains(m)))
            .collect();
        let counts: Vec<usize> = always
            .iter()
            .map(|m| plan.sessions.iter().filter(|s| holders(s).contains(&m.as_str())).count())
            .collect();
        if let (Some(lo), Some(hi)) = (counts.iter().min(), counts.iter().max()) {
            prop_assert!(hi - lo <= 1, "counts {:?} of {:?}", counts, always);
        }
    }
}

#[test]
fn a_role_held_in_a_frozen_session_passes_to_the_next_in_rotation() {
    let o = org(4, 2, false);
    let first = planned(&o, &Previous::default());
    let s = first.sessions[1].clone();
    let holder = holders(&s)[0].to_string();
    let mut absent = Absences::new();
    absent.insert((s.group.clone(), s.index), BTreeSet::from([holder.clone()]));
    let previous = Previous {
        frozen: vec![first.sessions[0].clone(), s.clone()],
        absent,
        ..Previous::default()
    };
    let plan = planned(&o, &previous);
    let again = plan.sessions.iter().find(|x| x.index == s.index).unwrap();
    assert_eq!((again.start, again.end), (s.start, s.end));
    assert!(!again.attendees.contains(&holder));
    assert_eq!(again.absentees, vec![holder.clone()]);
    let next = holders(again)[0];
    assert_ne!(next, holder);
    // The next in the rotation: who the rule picks without the absentee.
    let order: Vec<String> = o.groups[0].members.clone();
    let history = holders(&first.sessions[0]);
    let want = peerwell_rules::rotation::rotate(&order, &again.attendees, history, 1);
    assert_eq!(vec![next.to_string()], want);
    // The session before keeps its verbatim plan.
    assert_eq!(plan.sessions[0], first.sessions[0]);
}
