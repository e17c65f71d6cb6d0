//! Unit and property tests of the engine against the independent `check`
//! and a brute-force optimum.

use proptest::prelude::*;

use super::state::State;
use super::*;

/// The independent check, with its violation as the text users read.
pub(super) fn check(problem: &Problem, solution: &Solution) -> Result<(), String> {
    super::check(problem, solution).map_err(|e| e.to_string())
}

fn opt(start: u32, len: u32, attends: Vec<u128>, score: i64) -> SlotOption {
    SlotOption {
        start,
        end: start + len,
        attends,
        score,
    }
}

fn group(members: Vec<u32>, options: Vec<SlotOption>) -> GroupChoice {
    GroupChoice { members, options }
}

pub(super) fn sol(problem: &Problem, chosen: Vec<Option<u32>>) -> Solution {
    let mut scheduled = 0;
    let mut score = 0;
    for (g, c) in chosen.iter().enumerate() {
        if let Some(o) = c {
            scheduled += 1;
            score += problem.groups[g].options[*o as usize].score;
        }
    }
    Solution {
        chosen,
        scheduled,
        score,
    }
}

/// Two groups sharing person 1; options at 600 and 630 (overlapping) or 700.
fn two_groups() -> Problem {
    Problem {
        people: 3,
        caps: Vec::new(),
        fixed: Vec::new(),
        groups: vec![
            group(
                vec![0, 1],
                vec![opt(600, 60, vec![1, 1], 2), opt(700, 60, vec![1, 1], 0)],
            ),
            group(vec![1, 2], vec![opt(630, 60, vec![1, 1], 1)]),
        ],
    }
}

#[test]
fn check_accepts_valid_and_rejects_double_booking() {
    let p = two_groups();
    assert_eq!(check(&p, &sol(&p, vec![Some(1), Some(0)])), Ok(()));
    let err = check(&p, &sol(&p, vec![Some(0), Some(0)])).unwrap_err();
    assert!(err.contains("person 1 is booked twice"), "{err}");
}

#[test]
fn check_ignores_disjoint_periods() {
    let mut p = two_groups();
    p.groups[0].options[0].attends = vec![0b01, 0b01];
    p.groups[1].options[0].attends = vec![0b10, 0b10];
    assert_eq!(check(&p, &sol(&p, vec![Some(0), Some(0)])), Ok(()));
}

#[test]
fn check_rejects_fixed_collisions_caps_bad_indices_and_false_claims() {
    let mut p = two_groups();
    p.fixed.push(Booking {
        person: 2,
        start: 680,
        end: 700,
        periods: 1,
    });
    let err = check(&p, &sol(&p, vec![None, Some(0)])).unwrap_err();
    assert!(err.contains("fixed time 680..700"), "{err}");

    let mut p = two_groups();
    p.caps = vec![None, Some(100), None];
    p.fixed.push(Booking {
        person: 1,
        start: 0,
        end: 50,
        periods: 1,
    });
    let err = check(&p, &sol(&p, vec![Some(1), None])).unwrap_err();
    assert!(
        err.contains("110 minutes in period 0 exceed the cap of 100"),
        "{err}"
    );

    let p = two_groups();
    let bad = Solution {
        chosen: vec![Some(5), None],
        scheduled: 1,
        score: 0,
    };
    let err = check(&p, &bad).unwrap_err();
    assert!(err.contains("option 5 does not exist"), "{err}");
    let mut s = sol(&p, vec![Some(1), Some(0)]);
    s.score += 1;
    assert!(check(&p, &s).unwrap_err().contains("claims"));
    assert!(check(&p, &sol(&p, vec![None])).is_err());
}

#[test]
fn solve_prefers_more_groups_then_score() {
    let p = two_groups();
    let s = solve(&p, &Effort::default_for(&p));
    assert_eq!(s.chosen, vec![Some(1), Some(0)]);
    assert_eq!((s.scheduled, s.score), (2, 1));
}

#[test]
fn malformed_options_are_never_chosen() {
    let p = Problem {
        people: 2,
        caps: Vec::new(),
        fixed: Vec::new(),
        groups: vec![
            group(
                vec![0, 1],
                vec![
                    opt(10, 0, vec![1, 1], 9),
                    opt(WEEK_MINUTES, 10, vec![1, 1], 9),
                    opt(0, 10, vec![1], 9),
                ],
            ),
            group(vec![0, 7], vec![opt(0, 10, vec![1, 1], 9)]),
        ],
    };
    let s = solve(&p, &Effort::default_for(&p));
    assert_eq!(s.chosen, vec![None, None]);
    assert_eq!(check(&p, &s), Ok(()));
}

#[test]
fn eviction_chain_beats_greedy() {
    // Group 0 has two options; greedy gives it the better-scoring one, which
    // blocks group 1 (its only option). The search must move group 0.
    let p = Problem {
        people: 3,
        caps: Vec::new(),
        fixed: Vec::new(),
        groups: vec![
            group(
                vec![0, 1],
                vec![opt(0, 60, vec![1, 1], 5), opt(100, 60, vec![1, 1], 0)],
            ),
            group(
                vec![1, 2],
                vec![opt(30, 60, vec![1, 1], 0), opt(10, 60, vec![1, 1], 0)],
            ),
        ],
    };
    let mut st = State::new(&p);
    greedy::greedy(&mut st);
    assert_eq!((st.chosen[0], st.scheduled), (Some(0), 1));
    let mut st = State::new(&p);
    greedy::greedy(&mut st);
    search::search(&mut st, 1_000, 1);
    assert_eq!(st.scheduled, 2);
}

/// Random small problems: up to `groups` groups over 6 people, 1–3 periods.
pub(super) fn problems(groups: usize) -> impl Strategy<Value = Problem> {
    let option = (
        0u32..8,
        1u32..4,
        proptest::collection::vec(0u128..4, 4),
        -2i64..4,
    )
        .prop_map(|(s, l, att, score)| opt(s * 30, l * 30, att, score));
    let grp = (
        proptest::collection::btree_set(0u32..6, 1..4),
        proptest::collection::vec(option, 0..4),
    )
        .prop_map(|(members, mut options)| {
            let members: Vec<u32> = members.into_iter().collect();
            for o in &mut options {
                o.attends.truncate(members.len());
                o.attends.resize(members.len(), 1);
            }
            GroupChoice { members, options }
        });
    let caps = proptest::option::of(proptest::collection::vec(
        proptest::option::of(60u32..200),
        6,
    ));
    let fixed =
        proptest::collection::vec((0u32..6, 0u32..8, 1u32..4, 1u128..4), 0..3).prop_map(|v| {
            v.into_iter()
                .map(|(p, s, l, m)| Booking {
                    person: p,
                    start: s * 30,
                    end: s * 30 + l * 30,
                    periods: m,
                })
                .collect()
        });
    (proptest::collection::vec(grp, 0..=groups), caps, fixed).prop_map(|(groups, caps, fixed)| {
        Problem {
            people: 6,
            caps: caps.unwrap_or_default(),
            fixed,
            groups,
        }
    })
}

/// The best (scheduled, score) over every combination of choices.
pub(super) fn brute_force(p: &Problem) -> (usize, i64) {
    let mut best = (0usize, i64::MIN);
    let mut chosen = vec![None; p.groups.len()];
    fn rec(p: &Problem, g: usize, chosen: &mut Vec<Option<u32>>, best: &mut (usize, i64)) {
        if g == p.groups.len() {
            let s = sol(p, chosen.clone());
            if check(p, &s).is_ok() && (s.scheduled, s.score) > *best {
                *best = (s.scheduled, s.score);
            }
            return;
        }
        chosen[g] = None;
        rec(p, g + 1, chosen, best);
        for o in 0..p.groups[g].options.len() {
            chosen[g] = Some(o as u32);
            rec(p, g + 1, chosen, best);
        }
        chosen[g] = None;
    }
    rec(p, 0, &mut chosen, &mut best);
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn solve_is_valid_deterministic_and_no_worse_than_greedy(p in problems(12), seed in 0u64..1000) {
        let effort = Effort { steps: 500, seed };
        let s = solve(&p, &effort);
        prop_assert_eq!(check(&p, &s), Ok(()));
        prop_assert_eq!(&solve(&p, &effort), &s);
        let mut st = State::new(&p);
        greedy::greedy(&mut st);
        prop_assert!(s.scheduled >= st.scheduled);
    }

    #[test]
    fn search_alone_is_valid(p in problems(12), seed in 0u64..1000) {
        let mut st = State::new(&p);
        greedy::greedy(&mut st);
        let greedy_count = st.scheduled;
        search::search(&mut st, 300, seed);
        let s = Solution { chosen: st.chosen.clone(), scheduled: st.scheduled, score: st.score };
        prop_assert_eq!(check(&p, &s), Ok(()));
        prop_assert!(s.scheduled >= greedy_count);
    }

    #[test]
    fn small_problems_are_solved_optimally(p in problems(6)) {
        let s = solve(&p, &Effort::default_for(&p));
        let (count, score) = brute_force(&p);
        prop_assert_eq!(s.scheduled, count);
        if count > 0 {
            prop_assert_eq!(s.score, score);
        }
    }
}

/// The vertices of group `g` that survived the reductions, as option indices.
fn alive_options(
    graph: &super::graph::Graph,
    reduced: &super::reduce::Reduced,
    g: usize,
) -> Vec<u32> {
    (graph.first[g]..graph.first[g + 1])
        .filter(|&v| reduced.alive[v as usize])
        .map(|v| graph.vertex[v as usize].1)
        .collect()
}

/// Two copies of `p` over disjoint people.
fn doubled(p: &Problem) -> Problem {
    let mut d = p.clone();
    d.people = p.people * 2;
    if !p.caps.is_empty() {
        d.caps.extend(p.caps.iter().copied());
    }
    d.fixed.extend(p.fixed.iter().map(|b| Booking {
        person: b.person + p.people,
        ..*b
    }));
    d.groups.extend(p.groups.iter().map(|g| GroupChoice {
        members: g.members.iter().map(|m| m + p.people).collect(),
        options: g.options.clone(),
    }));
    d
}

/// A problem shaped like the planner's whole organization: `groups` groups
/// of 8 out of `people`, `options` one-hour options each over 12 periods
/// (some members missing some weeks), caps on every fifth person.
pub(super) fn organization(groups: usize, people: u32, options: i64, seed: u64) -> Problem {
    let mut rng = search::Rng::new(seed);
    let all = (1u128 << 12) - 1;
    let mut p = Problem {
        people,
        caps: (0..people).map(|i| (i % 5 == 0).then_some(180)).collect(),
        fixed: Vec::new(),
        groups: Vec::new(),
    };
    for _ in 0..groups {
        let site = rng.below(people as usize / 100) as u32 * 100;
        let members: Vec<u32> = (0..8).map(|_| site + rng.below(100) as u32).collect();
        let options = (0..options)
            .map(|k| {
                let day = rng.below(5) as u32;
                let start = day * 1440 + 480 + rng.below(36) as u32 * 15;
                let attends = members
                    .iter()
                    .map(|_| {
                        if rng.below(10) == 0 {
                            all & !(1 << rng.below(12))
                        } else {
                            all
                        }
                    })
                    .collect();
                opt(start, 60, attends, 1_000_000 + options - k)
            })
            .collect();
        p.groups.push(GroupChoice { members, options });
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn components_are_independent(p in problems(12)) {
        let usable = State::new(&p).usable;
        let graph = graph::Graph::build(&p, &usable);
        let reduced = reduce::reduce(&p, &graph);
        let comps = decompose::components(&graph, &reduced);
        let mut comp_of = vec![usize::MAX; p.groups.len()];
        for (i, c) in comps.iter().enumerate() {
            for &g in c {
                prop_assert_eq!(comp_of[g as usize], usize::MAX);
                comp_of[g as usize] = i;
            }
        }
        for g in 0..p.groups.len() {
            for h in g + 1..p.groups.len() {
                if comp_of[g] == usize::MAX || comp_of[h] == usize::MAX || comp_of[g] == comp_of[h] {
                    continue;
                }
                for a in alive_options(&graph, &reduced, g) {
                    for b in alive_options(&graph, &reduced, h) {
                        let mut chosen = vec![None; p.groups.len()];
                        chosen[g] = Some(a);
                        chosen[h] = Some(b);
                        prop_assert_eq!(check(&p, &sol(&p, chosen)), Ok(()));
                    }
                }
            }
        }
    }

    #[test]
    fn separate_parts_solve_like_each_alone(p in problems(6)) {
        let (count, score) = brute_force(&p);
        let d = doubled(&p);
        let s = solve(&d, &Effort::default_for(&d));
        prop_assert_eq!(check(&d, &s), Ok(()));
        prop_assert_eq!(s.scheduled, 2 * count);
        if count > 0 {
            prop_assert_eq!(s.score, 2 * score);
        }
    }

    #[test]
    fn early_stop_is_deterministic(seed in 0u64..1000) {
        let p = organization(40, 300, 8, seed);
        let stop = search::Stop { stall: 300, upper: (usize::MAX, i64::MAX) };
        let mut runs = Vec::new();
        for budget in [1_000_000u64, 2_000_000] {
            let mut st = State::new(&p);
            greedy::greedy(&mut st);
            let taken = search::search_until(&mut st, budget, seed, stop);
            runs.push((taken, st.chosen.clone()));
        }
        prop_assert!(runs[0].0 < 1_000_000);
        prop_assert_eq!(&runs[0], &runs[1]);
    }
}

#[test]
fn organization_scale_is_valid_and_deterministic() {
    let p = organization(200, 2_000, 16, 7);
    let effort = Effort::default_for(&p);
    let s = solve(&p, &effort);
    assert_eq!(check(&p, &s), Ok(()));
    assert_eq!(solve(&p, &effort), s);
    assert!(s.scheduled > 150, "{}", s.scheduled);
}

/// The planner's worst shape: `cargo test --release -p peerwell-core --lib
/// organization_timing -- --ignored --nocapture`.
#[test]
#[ignore]
fn organization_timing() {
    let p = organization(2_000, 20_000, 64, 42);
    let t = std::time::Instant::now();
    let s = solve(&p, &Effort::default_for(&p));
    let took = t.elapsed();
    assert_eq!(check(&p, &s), Ok(()));
    println!(
        "2,000 groups x 64 options, 12 periods: scheduled {} in {:.1} ms",
        s.scheduled,
        took.as_secs_f64() * 1e3
    );
}

/// `copies` groups of the same four people (a walk group copied), each
/// offered every 45-minute start on the 15-minute grid from 07:30 to 09:15
/// on five days over 12 weeks; `score(copy, option)` gives the scores.
pub(super) fn walk_groups(copies: usize, score: impl Fn(usize, usize) -> i64) -> Problem {
    let all = (1u128 << 12) - 1;
    let groups = (0..copies)
        .map(|c| {
            let options = (0..40)
                .map(|k| {
                    let start = (k / 8) as u32 * 1440 + 450 + (k % 8) as u32 * 15;
                    opt(start, 45, vec![all; 4], score(c, k))
                })
                .collect();
            group(vec![0, 1, 2, 3], options)
        })
        .collect();
    Problem {
        people: 4,
        caps: Vec::new(),
        fixed: Vec::new(),
        groups,
    }
}

/// At most three 45-minute walks fit in 07:30-10:00, on five days.
const WALKS_THAT_FIT: usize = 15;

#[test]
fn copies_of_one_group_are_cut_to_what_can_meet() {
    let p = walk_groups(1_000, |_, k| 100 - k as i64);
    let mut usable = State::new(&p).usable;
    assert_eq!(copies::limit(&p, &mut usable), 1_000 - WALKS_THAT_FIT);
    let left: Vec<usize> = (0..1_000).filter(|&g| !usable[g].is_empty()).collect();
    assert_eq!(left, (0..WALKS_THAT_FIT).collect::<Vec<_>>());
    let s = solve(&p, &Effort::default_for(&p));
    assert_eq!(check(&p, &s), Ok(()));
    assert_eq!(s.scheduled, WALKS_THAT_FIT);
}

#[test]
fn many_different_groups_over_few_people_are_not_listed_pairwise() {
    // Scores differ per group, so no two groups are copies.
    let p = walk_groups(400, |c, k| ((c * 7_919 + k * 104_729) % 1_009) as i64);
    let usable = State::new(&p).usable;
    let graph = graph::Graph::build(&p, &usable);
    let listed: u64 = graph.adj.iter().map(|a| a.len() as u64).sum();
    assert!(
        listed <= 2 * graph::TOTAL_PAIRS,
        "{listed} conflict entries"
    );
    assert!(
        graph.capped.iter().all(|&c| c),
        "dense people's groups are scanned"
    );
    let effort = Effort::default_for(&p);
    let s = solve(&p, &effort);
    assert_eq!(check(&p, &s), Ok(()));
    assert_eq!(solve(&p, &effort), s, "deterministic");
    assert_eq!(s.scheduled, WALKS_THAT_FIT);
}
