//! Fair role rotation shared by the formats: the rule is
//! [`peerwell_rules::rotation`], which the plugin SDK calls too.
//!
//! A role goes to the eligible attendees who have held it least often in the
//! series so far; ties go to whoever comes first after the last holder in the
//! group's member order. Absent members are never picked and keep their turn.
//! The planner gives a series without published history the sessions since
//! its anchor as history (see `schedule::realise`), so roles do not depend
//! on where the horizon starts.
//!
//! Among members who are eligible and attend every session, the counts never
//! differ by more than one: the picked members always have the lowest counts
//! among those present, so a steady member at the lower count is picked
//! before anyone present at the higher count.

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
    let held = history
        .iter()
        .flat_map(|s| &s.roles)
        .filter(|r| r.role == role)
        .map(|r| r.member.as_str());
    peerwell_rules::rotation::rotate(order, eligible, held, k)
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
