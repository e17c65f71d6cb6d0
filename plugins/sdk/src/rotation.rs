//! Fair role rotation, the same rule as peerwell's built-in formats: both
//! call [`peerwell_rules::rotation`].
//!
//! A role goes to the eligible attendees who have held it least often in the
//! series so far; ties go to whoever comes first after the last holder in the
//! group's member order. Absent members are never picked and keep their turn.
//! Among members who are eligible and attend every session, the counts never
//! differ by more than one.
//!
//! The history a plugin receives starts at the series' first session (the
//! host plans the sessions since the series' anchor when nothing is
//! published yet), so roles do not depend on where a planning horizon
//! starts.

use std::collections::BTreeMap;

use crate::{PastSession, SessionRequest};

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
    peerwell_rules::rotation::rotate(order, eligible, held(history, role), k)
}

/// [`rotate`] with the eligible ids borrowed (e.g. attendees filtered
/// without copying them).
pub fn rotate_among(
    order: &[String],
    eligible: &[&str],
    history: &[PastSession],
    role: &str,
    k: usize,
) -> Vec<String> {
    peerwell_rules::rotation::rotate(order, eligible, held(history, role), k)
}

/// Who held `role` in `history`, oldest first.
fn held<'a>(history: &'a [PastSession], role: &'a str) -> impl Iterator<Item = &'a str> {
    history
        .iter()
        .flat_map(|s| &s.roles)
        .filter(move |r| r.role == role)
        .map(|r| r.member.as_str())
}

/// Picks who takes `role` this session among all attendees (see [`rotate`]).
pub fn next_in_rotation(request: &SessionRequest, role: &str) -> Option<String> {
    rotate(
        &request.group.members,
        &request.attendees,
        &request.history,
        role,
        1,
    )
    .into_iter()
    .next()
}

/// How often each member held `role` in `history`.
pub fn counts(history: &[PastSession], role: &str) -> BTreeMap<String, usize> {
    let mut c = BTreeMap::new();
    for r in history.iter().flat_map(|s| &s.roles) {
        if r.role == role {
            *c.entry(r.member.clone()).or_default() += 1;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Date, RoleAssignment};

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn past(roles: &[&str]) -> PastSession {
        PastSession {
            date: Date {
                year: 2025,
                month: 1,
                day: 1,
            },
            attendees: Vec::new(),
            roles: roles
                .iter()
                .map(|m| RoleAssignment::new("presenter", *m))
                .collect(),
        }
    }

    /// The host's own worked examples (`host/src/formats/rotation.rs`).
    #[test]
    fn host_worked_examples() {
        let order = ids(&["a", "b", "c", "d"]);
        let h = vec![past(&["a", "b"])];
        assert_eq!(rotate(&order, &order, &h, "presenter", 2), ids(&["c", "d"]));
        let h = vec![past(&["a", "b"]), past(&["c", "d"])];
        assert_eq!(rotate(&order, &order, &h, "presenter", 2), ids(&["a", "b"]));
        let present = ids(&["b", "c", "d"]);
        assert_eq!(rotate(&order, &present, &h, "presenter", 1), ids(&["b"]));
        assert_eq!(rotate(&order, &order, &h, "facilitator", 1), ids(&["a"]));
        let order = ids(&["a", "b"]);
        assert_eq!(rotate(&order, &ids(&["b"]), &[], "x", 3), ids(&["b"]));
        assert!(rotate(&order, &[], &[], "x", 3).is_empty());
    }

    #[test]
    fn ties_go_after_the_last_holder_in_member_order() {
        let order = ids(&["a", "b", "c", "d"]);
        // Everyone held it once; the last holder was `b`, so `c` is next.
        let h = vec![past(&["a"]), past(&["d"]), past(&["c"]), past(&["b"])];
        assert_eq!(
            rotate(&order, &order, &h, "presenter", 4),
            ids(&["c", "d", "a", "b"])
        );
        // Eligible ids outside the member order come after it.
        let eligible = ids(&["z", "a"]);
        assert_eq!(
            rotate(&order, &eligible, &[], "presenter", 2),
            ids(&["a", "z"])
        );
    }

    #[test]
    fn fair_over_many_sessions_and_absentees_keep_their_turn() {
        let order = ids(&["a", "b", "c", "d", "e"]);
        let mut history = Vec::new();
        for s in 0..60usize {
            // `e` misses two sessions in three; `c` misses every fourth.
            let absent = |i: usize| (i == 4 && s % 3 != 0) || (i == 2 && s % 4 == 0);
            let present: Vec<String> = order
                .iter()
                .enumerate()
                .filter(|(i, _)| !absent(*i))
                .map(|(_, m)| m.clone())
                .collect();
            let pick = rotate(&order, &present, &history, "presenter", 1);
            assert_eq!(pick.len(), 1);
            assert!(
                present.contains(&pick[0]),
                "session {s}: absent member picked"
            );
            history.push(PastSession {
                date: Date::default(),
                attendees: present,
                roles: vec![RoleAssignment::new("presenter", pick[0].clone())],
            });
            let c = counts(&history, "presenter");
            let steady: Vec<usize> = ["a", "b", "d"]
                .iter()
                .map(|m| c.get(*m).copied().unwrap_or(0))
                .collect();
            let (lo, hi) = (steady.iter().min(), steady.iter().max());
            if let (Some(lo), Some(hi)) = (lo, hi) {
                assert!(hi - lo <= 1, "session {s}: {c:?}");
            }
        }
        // The flaky members catch up: nobody is more than one behind a
        // steady member once they have been present often enough.
        let c = counts(&history, "presenter");
        assert!(c.get("e").copied().unwrap_or(0) >= 10, "{c:?}");
        assert!(c.get("c").copied().unwrap_or(0) >= 11, "{c:?}");
    }

    /// The rule written out with maps and sets, as it reads in the module
    /// documentation: `rotate` must pick exactly what this picks.
    fn rotate_by_the_rule(
        order: &[String],
        eligible: &[String],
        history: &[PastSession],
        role: &str,
        k: usize,
    ) -> Vec<String> {
        use std::collections::BTreeSet;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut last = None;
        for r in history.iter().flat_map(|s| &s.roles) {
            if r.role == role {
                *counts.entry(r.member.as_str()).or_default() += 1;
                last = Some(r.member.as_str());
            }
        }
        let mut all: Vec<&str> = order.iter().map(String::as_str).collect();
        for e in eligible {
            if !all.contains(&e.as_str()) {
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

    #[test]
    fn picks_what_the_rule_picks_on_generated_series() {
        // A small linear congruential generator: the same cases every run.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n.max(1)
        };
        let pool: Vec<String> = (0..12).map(|i| format!("m{i}")).collect();
        for case in 0..2000 {
            let size = 1 + next(8);
            let order: Vec<String> = pool[..size].to_vec();
            // Attendees: a subset of the group, sometimes with people from
            // outside its member order (late joiners).
            let mut eligible: Vec<String> =
                order.iter().filter(|_| next(4) != 0).cloned().collect();
            if next(5) == 0 {
                eligible.push(pool[size + next(12 - size)].clone());
            }
            let roles = ["presenter", "moderator"];
            let history: Vec<PastSession> = (0..next(14))
                .map(|_| PastSession {
                    date: Date::default(),
                    attendees: Vec::new(),
                    roles: (0..next(3))
                        .map(|_| RoleAssignment::new(roles[next(2)], pool[next(12)].clone()))
                        .collect(),
                })
                .collect();
            let k = 1 + next(3);
            for role in roles {
                let want = rotate_by_the_rule(&order, &eligible, &history, role, k);
                let context =
                    format!("case {case}: order {order:?}, eligible {eligible:?}, role {role}");
                assert_eq!(
                    rotate(&order, &eligible, &history, role, k),
                    want,
                    "{context}"
                );
                let borrowed: Vec<&str> = eligible.iter().map(String::as_str).collect();
                assert_eq!(
                    rotate_among(&order, &borrowed, &history, role, k),
                    want,
                    "{context}"
                );
            }
        }
    }

    #[test]
    fn next_in_rotation_uses_the_request() {
        let mut group = crate::settings::tests::group(&[]);
        group.members = ids(&["a", "b", "c"]);
        let request = SessionRequest {
            group,
            index: 1,
            date: Date::default(),
            start: crate::TimeOfDay::default(),
            attendees: ids(&["a", "c"]),
            absentees: ids(&["b"]),
            history: vec![past(&["a"])],
            members: Vec::new(),
        };
        assert_eq!(
            next_in_rotation(&request, "presenter").as_deref(),
            Some("c")
        );
    }
}
