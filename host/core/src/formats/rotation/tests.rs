use super::*;
use crate::formats::RoleAssignment;
use jiff::civil::date;

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn past(roles: &[&str]) -> PastSession {
    PastSession {
        date: date(2025, 1, 1),
        attendees: Vec::new(),
        roles: roles
            .iter()
            .map(|m| RoleAssignment {
                role: "presenter".to_string(),
                member: m.to_string(),
            })
            .collect(),
    }
}

#[test]
fn picks_least_held_then_after_last_holder() {
    let order = ids(&["a", "b", "c", "d"]);
    let h = vec![past(&["a", "b"])];
    assert_eq!(rotate(&order, &order, &h, "presenter", 2), ids(&["c", "d"]));
    let h = vec![past(&["a", "b"]), past(&["c", "d"])];
    assert_eq!(rotate(&order, &order, &h, "presenter", 2), ids(&["a", "b"]));
    // Absent `a` keeps its turn.
    let present = ids(&["b", "c", "d"]);
    assert_eq!(rotate(&order, &present, &h, "presenter", 1), ids(&["b"]));
    // Other roles do not count.
    assert_eq!(rotate(&order, &order, &h, "facilitator", 1), ids(&["a"]));
}

#[test]
fn never_more_than_present() {
    let order = ids(&["a", "b"]);
    assert_eq!(rotate(&order, &ids(&["b"]), &[], "x", 3), ids(&["b"]));
    assert!(rotate(&order, &[], &[], "x", 3).is_empty());
}
