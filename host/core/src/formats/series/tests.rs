use super::*;
use crate::formats::CheckIn;
use crate::formats::RoleAssignment;
use crate::formats::test_group::walk;
use jiff::civil::{date, time};
use std::collections::BTreeMap;

fn plan(index: u32, attendees: &[&str]) -> SeriesItem {
    SeriesItem::Plan(SeriesSession {
        index,
        date: date(2025, 1, 7),
        start: time(10, 0, 0, 0),
        attendees: attendees.iter().map(|a| a.to_string()).collect(),
        absentees: Vec::new(),
    })
}

fn holders(plans: &[SessionPlan]) -> Vec<&str> {
    plans.iter().map(|p| p.roles[0].member.as_str()).collect()
}

#[test]
fn fixed_and_planned_sessions_are_the_history_of_later_ones() {
    let g = walk(&["a", "b", "c"]);
    let fixed = SeriesItem::Fixed(PastSession {
        date: date(2024, 12, 31),
        attendees: g.members.clone(),
        roles: vec![RoleAssignment {
            role: "strategy".to_string(),
            member: "a".to_string(),
        }],
    });
    let items = [fixed, plan(1, &["a", "b", "c"]), plan(2, &["a", "b", "c"])];
    let people = BTreeMap::new();
    let request = SeriesRequest {
        group: &g,
        items: &items,
        people: &people,
    };
    let plans = one_by_one(&CheckIn, &request).unwrap();
    assert_eq!(holders(&plans), ["b", "c"]);
    // Without the fixed session, the rotation starts at the first member.
    let request = SeriesRequest {
        group: &g,
        items: &items[1..],
        people: &people,
    };
    assert_eq!(
        holders(&one_by_one(&CheckIn, &request).unwrap()),
        ["a", "b"]
    );
}

#[test]
fn planning_stops_at_the_first_error() {
    let g = walk(&["a", "b", "c"]);
    let items = [plan(0, &["a"]), plan(1, &[]), plan(2, &["a"])];
    let people = BTreeMap::new();
    let request = SeriesRequest {
        group: &g,
        items: &items,
        people: &people,
    };
    assert!(one_by_one(&CheckIn, &request).is_err());
}
