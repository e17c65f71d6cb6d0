//! Tests of the upper bound against brute force and the independent check.

use proptest::prelude::*;

use super::net::Net;
use super::state::Conflicts;
use super::tests::{brute_force, check, organization, problems, sol, walk_groups};
use super::*;

/// `p` without caps and fixed time, so every conflict is pairwise.
fn uncapped(mut p: Problem) -> Problem {
    p.caps.clear();
    p.fixed.clear();
    p
}

/// The net of an uncapped `p` (see [`conflicts_of`]).
fn net_of(p: &Problem) -> Net {
    Net::new(p, &conflicts_of(p))
}

/// The conflict lists of an uncapped `p`, found by the independent check
/// (two options conflict when choosing both is rejected).
fn conflicts_of(p: &Problem) -> Conflicts {
    let mut first = Vec::new();
    let mut n = 0u32;
    for g in &p.groups {
        first.push(n);
        n += g.options.len() as u32;
    }
    let mut lists = vec![Vec::new(); n as usize];
    for (g, grp) in p.groups.iter().enumerate() {
        for a in 0..grp.options.len() {
            for (h, other) in p.groups.iter().enumerate() {
                for b in 0..other.options.len() {
                    let mut chosen = vec![None; p.groups.len()];
                    chosen[g] = Some(a as u32);
                    chosen[h] = Some(b as u32);
                    if h != g && check(p, &sol(p, chosen)).is_err() {
                        lists[(first[g] + a as u32) as usize].push((h as u32, b as u32));
                    }
                }
            }
        }
    }
    Conflicts::new(first, lists)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn bound_is_never_below_the_optimum(p in problems(6)) {
        let p = uncapped(p);
        let (count, score) = brute_force(&p);
        let net = net_of(&p);
        // Aiming at nothing and aiming at the optimum both give a bound.
        for known in [(0, 0), (count, score)] {
            let b = bound::bound(&net, known);
            prop_assert!(b.count >= count, "{b:?} below {count}");
            if b.count == count {
                prop_assert!(b.score >= score, "{b:?} below {count}, {score}");
            }
        }
    }

    #[test]
    fn the_shortcut_answers_what_the_relaxation_answers(p in problems(6), wide in any::<bool>()) {
        // Scores a billion apart take the shortcut when every group is
        // scheduled; either way `bound` equals the relaxation's answer.
        let mut p = uncapped(p);
        if wide {
            for (g, grp) in p.groups.iter_mut().enumerate() {
                for (i, o) in grp.options.iter_mut().enumerate() {
                    o.score = o.score.saturating_add(((g + i) as i64 % 3) * 1_000_000_000);
                }
            }
        }
        let net = net_of(&p);
        let best = brute_force(&p);
        for known in [(0, 0), best] {
            prop_assert_eq!(bound::bound(&net, known), bound::relaxed(&net, known));
        }
    }

    #[test]
    fn solve_never_claims_a_bound_below_the_optimum(p in problems(6)) {
        let (s, bound) = solve_with_bound(&p, &Effort::default_for(&p));
        let (count, _) = brute_force(&p);
        prop_assert!(bound >= count);
        prop_assert!(bound >= s.scheduled);
        prop_assert_eq!(s, solve(&p, &Effort::default_for(&p)));
    }
}

#[test]
fn bound_is_tight_on_groups_over_the_same_people() {
    // 30 different walk groups of the same four people, each offered the
    // eight Monday starts: three walks fit, and the clique bound proves it,
    // so the search stops there.
    let mut p = walk_groups(30, |c, k| ((c * 7_919 + k * 104_729) % 1_009) as i64);
    for g in &mut p.groups {
        g.options.truncate(8);
    }
    let (s, bound) = solve_with_bound(&p, &Effort::default_for(&p));
    assert_eq!(check(&p, &s), Ok(()));
    assert_eq!((s.scheduled, bound), (3, 3));
}

#[test]
fn uncapped_organization_is_valid_bounded_and_deterministic() {
    let p = uncapped(organization(300, 2_000, 16, 11));
    let effort = Effort::default_for(&p);
    let (s, bound) = solve_with_bound(&p, &effort);
    assert_eq!(check(&p, &s), Ok(()));
    assert_eq!(solve(&p, &effort), s);
    assert!(bound >= s.scheduled);
    assert!(bound <= p.groups.len());
}
