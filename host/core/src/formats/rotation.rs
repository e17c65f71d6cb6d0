//! Fair role rotation shared by the formats.
//!
//! A role goes to the eligible attendees who have held it least often in the
//! series so far; ties go to whoever comes first after the last holder in the
//! group's member order. Absent members are never picked and keep their turn.
//!
//! Among members who are eligible and attend every session, the counts never
//! differ by more than one: the picked members always have the lowest counts
//! among those present, so a steady member at the lower count is picked
//! before anyone present at the higher count.

use std::collections::{BTreeMap, BTreeSet};

use super::{PastSession, SessionRequest};

/// Picks up to `k` distinct holders of `role` among `eligible` (members who
/// attend and may hold the role), fairly over the series `history`.
///
/// `order` is the group's member order; eligible ids missing from it come
/// after it, in the order given. The result is in picking order: the member
/// who is most due comes first.
pub fn rotate(
    order: &[String],
    eligible: &[String],
    history: &[PastSession],
    role: &str,
    k: usize,
) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut last = None;
    for r in history.iter().flat_map(|s| &s.roles) {
        if r.role == role {
            *counts.entry(r.member.as_str()).or_default() += 1;
            last = Some(r.member.as_str());
        }
    }
    let mut all: Vec<&str> = order.iter().map(String::as_str).collect();
    let known: BTreeSet<&str> = all.iter().copied().collect();
    for e in eligible {
        if !known.contains(e.as_str()) {
            all.push(e.as_str());
        }
    }
    let present: BTreeSet<&str> = eligible.iter().map(String::as_str).collect();
    let start = last
        .and_then(|l| all.iter().position(|m| *m == l))
        .map_or(0, |i| i + 1);
    let n = all.len();
    let mut due: Vec<(usize, usize, &str)> = (0..n)
        .map(|step| all[(start + step) % n])
        .filter(|m| present.contains(m))
        .enumerate()
        .map(|(pos, m)| (counts.get(m).copied().unwrap_or(0), pos, m))
        .collect();
    due.sort_unstable();
    due.into_iter()
        .take(k)
        .map(|(_, _, m)| m.to_string())
        .collect()
}

/// Picks who takes `role` this session among all attendees (see [`rotate`]).
pub fn next_in_rotation(request: &SessionRequest<'_>, role: &str) -> Option<String> {
    rotate(
        &request.group.members,
        request.attendees,
        request.history,
        role,
        1,
    )
    .into_iter()
    .next()
}

/// Whether `person` carries `tag`.
pub(crate) fn has_tag(request: &SessionRequest<'_>, person: &str, tag: &str) -> bool {
    request
        .people
        .get(person)
        .is_some_and(|p| p.tags.iter().any(|t| t == tag))
}

#[cfg(test)]
mod tests {
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
}
