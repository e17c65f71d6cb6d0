//! The built-in formats: buddy pairing without repeats, confidential
//! exclusions, fair rotations, Balint leaders, Schwartz Round panels and
//! deadlines, debrief guidance, and settings diagnostics.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, date};
use peerwell_core::formats::{
    Format, Formats, PartitionRequest, PastSession, SessionPlan, SessionRequest, SettingDiagnostic,
};
use peerwell_core::model::{Group, Person, RequiredRole};
use peerwell_testkit::{GroupBuilder, PersonBuilder};
use peerwell_tests::schedule_gen::Rng;
use proptest::prelude::*;

fn person(id: &str, tags: &[&str], site: Option<&str>, start: Option<Date>) -> Person {
    PersonBuilder::new(id)
        .name(format!("Person {id}"))
        .tags(tags)
        .site(site)
        .start_date(start)
        .build()
}

fn group(format: &str, members: &[String], duration: u32, settings: toml::Table) -> Group {
    GroupBuilder::new("g")
        .name("Team")
        .format(format)
        .members(members)
        .duration_minutes(duration)
        .settings(settings)
        .build()
}

fn table(src: &str) -> toml::Table {
    src.parse().expect("test settings parse")
}

fn format(name: &str) -> &'static dyn Format {
    let formats: &'static Formats = Box::leak(Box::new(Formats::builtin()));
    formats.get(name).expect("built-in format")
}

fn ids(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

/// Every string a plan carries, and its Debug form.
fn plan_text(plan: &SessionPlan) -> String {
    format!("{plan:?}")
}

// ---------------------------------------------------------------- buddies

#[derive(Debug, Clone)]
struct BuddyCase {
    n: usize,
    matching: &'static str,
    excluded: Vec<(usize, usize)>,
    sites: Vec<u8>,
    roles: Vec<u8>,
    starts: Vec<Option<u8>>,
    cycles: usize,
}

fn buddy_case() -> impl Strategy<Value = BuddyCase> {
    (2usize..=12).prop_flat_map(|n| {
        (
            Just(n),
            prop::sample::select(vec!["any", "same-site", "same-role", "mix-tenure"]),
            prop::collection::vec((0..n, 0..n), 0..=n / 2),
            prop::collection::vec(0u8..3, n),
            prop::collection::vec(0u8..3, n),
            prop::collection::vec(prop::option::of(0u8..4), n),
            2 * n..=2 * n + 2,
        )
            .prop_map(
                |(n, matching, ex, sites, roles, starts, cycles)| BuddyCase {
                    n,
                    matching,
                    excluded: ex.into_iter().filter(|(a, b)| a != b).collect(),
                    sites,
                    roles,
                    starts,
                    cycles,
                },
            )
    })
}

struct Setup {
    members: Vec<String>,
    people: BTreeMap<String, Person>,
    group: Group,
    excluded: BTreeSet<(usize, usize)>,
}

fn buddy_setup(c: &BuddyCase) -> Setup {
    let members = ids("b", c.n);
    let mut people = BTreeMap::new();
    for (i, m) in members.iter().enumerate() {
        let role = format!("role{}", c.roles[i]);
        let site = format!("site{}", c.sites[i]);
        let start = c.starts[i].map(|y| date(2015 + i16::from(y), 1, 1));
        people.insert(m.clone(), person(m, &[&role], Some(&site), start));
    }
    let mut src = format!(
        "match = \"{}\"\nrole_tags = [\"role0\", \"role1\"]\n[exclusions]\n",
        c.matching
    );
    let mut excluded = BTreeSet::new();
    let mut lists: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(a, b) in &c.excluded {
        lists.entry(a).or_default().push(b);
        excluded.insert((a.min(b), a.max(b)));
    }
    for (a, list) in lists {
        let items: Vec<String> = list.iter().map(|b| format!("\"b{b}\"")).collect();
        src.push_str(&format!("b{a} = [{}]\n", items.join(", ")));
    }
    let settings = table(&src);
    assert!(format("buddies").validate(&settings).is_empty(), "{src}");
    let group = group("buddies", &members, 20, settings);
    Setup {
        members,
        people,
        group,
        excluded,
    }
}

/// The rule as the docs state it, written independently of the format.
fn rule(c: &BuddyCase, s: &Setup, a: usize, b: usize) -> bool {
    match c.matching {
        "same-site" => c.sites[a] == c.sites[b],
        "same-role" => c.roles[a] == c.roles[b] && c.roles[a] < 2,
        "mix-tenure" => {
            let mut order: Vec<usize> = (0..c.n).collect();
            order.sort_by_key(|&i| (s.people[&s.members[i]].start_date, i));
            let senior: BTreeSet<usize> = order[..c.n / 2].iter().copied().collect();
            senior.contains(&a) != senior.contains(&b)
        }
        _ => true,
    }
}

/// Every partition of `0..n` into pairs and at most one trio.
fn all_partitions(
    rest: &[usize],
    trio: bool,
    cur: &mut Vec<Vec<usize>>,
    out: &mut Vec<Vec<Vec<usize>>>,
) {
    let Some((&first, tail)) = rest.split_first() else {
        out.push(cur.clone());
        return;
    };
    for (k, &j) in tail.iter().enumerate() {
        let others: Vec<usize> = tail
            .iter()
            .enumerate()
            .filter(|(x, _)| *x != k)
            .map(|(_, &v)| v)
            .collect();
        cur.push(vec![first, j]);
        all_partitions(&others, trio, cur, out);
        cur.pop();
        if !trio && tail.len() % 2 == 0 {
            for (l, &m) in tail.iter().enumerate().skip(k + 1) {
                let others: Vec<usize> = tail
                    .iter()
                    .enumerate()
                    .filter(|(x, _)| *x != k && *x != l)
                    .map(|(_, &v)| v)
                    .collect();
                cur.push(vec![first, j, m]);
                all_partitions(&others, true, cur, out);
                cur.pop();
            }
        }
    }
}

fn pairs_of(g: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (x, &a) in g.iter().enumerate() {
        for &b in &g[x + 1..] {
            out.push((a.min(b), a.max(b)));
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Every cycle is a partition into pairs (one trio when odd), never pairs
    /// an excluded pair, keeps the matching rule as far as any partition can,
    /// and repeats a pair of the current round only when every partition
    /// would: no pair meets twice before all allowed pairs have met.
    #[test]
    fn buddies_rotate_without_repeats(c in buddy_case()) {
        let s = buddy_setup(&c);
        let n = c.n;
        let mut candidates = Vec::new();
        let everyone: Vec<usize> = (0..n).collect();
        all_partitions(&everyone, false, &mut Vec::new(), &mut candidates);
        // Each candidate as its pairs and its count of pairs outside the rule.
        let candidates: Vec<(Vec<(usize, usize)>, usize)> = candidates
            .iter()
            .map(|p| p.iter().flat_map(|g| pairs_of(g)).collect::<Vec<_>>())
            .filter(|ps| ps.iter().all(|pr| !s.excluded.contains(pr)))
            .map(|ps| {
                let mismatch = ps.iter().filter(|&&(a, b)| !rule(&c, &s, a, b)).count();
                (ps, mismatch)
            })
            .collect();
        let allowed: Vec<(usize, usize)> = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .filter(|p| !s.excluded.contains(p))
            .collect();
        let in_rule: Vec<(usize, usize)> = allowed.iter().copied().filter(|&(a, b)| rule(&c, &s, a, b)).collect();
        let round_set = if in_rule.is_empty() { allowed.clone() } else { in_rule };
        let index: BTreeMap<&str, usize> = s.members.iter().enumerate().map(|(i, m)| (m.as_str(), i)).collect();
        let mut history: Vec<Vec<Vec<String>>> = Vec::new();
        let mut met: BTreeSet<(usize, usize)> = BTreeSet::new();
        for cycle in 0..c.cycles {
            let req = PartitionRequest {
                group: &s.group,
                cycle: cycle as u32,
                week_start: date(2025, 1, 6),
                members: &s.members,
                history: &history,
                people: &s.people,
            };
            let got = format("buddies").partition(&req).expect("partition").expect("buddies partitions");
            let groups: Vec<Vec<usize>> = got.iter().map(|g| g.iter().map(|m| index[m.as_str()]).collect()).collect();
            // A partition: disjoint, pairs and at most one trio.
            let placed: Vec<usize> = groups.iter().flatten().copied().collect();
            let unique: BTreeSet<usize> = placed.iter().copied().collect();
            prop_assert_eq!(unique.len(), placed.len());
            prop_assert!(groups.iter().all(|g| g.len() == 2 || g.len() == 3));
            prop_assert!(groups.iter().filter(|g| g.len() == 3).count() <= 1);
            let pairs: Vec<(usize, usize)> = groups.iter().flat_map(|g| pairs_of(g)).collect();
            for p in &pairs {
                prop_assert!(!s.excluded.contains(p), "excluded pair {:?} met", p);
            }
            let best = candidates
                .iter()
                .map(|(ps, mismatch)| (*mismatch, ps.iter().filter(|p| met.contains(p)).count()))
                .min();
            if let Some(best) = best {
                prop_assert_eq!(placed.len(), n, "everyone can be placed");
                let mismatch = pairs.iter().filter(|&&(a, b)| !rule(&c, &s, a, b)).count();
                let repeats = pairs.iter().filter(|p| met.contains(p)).count();
                prop_assert_eq!((mismatch, repeats), best, "cycle {} of {:?}", cycle, c);
            }
            met.extend(pairs.iter().copied());
            if round_set.iter().all(|p| met.contains(p)) {
                met.clear();
            }
            history.push(got);
        }
    }
}

#[test]
fn buddies_without_rules_meet_everyone_before_anyone_twice() {
    for n in 2..=12usize {
        let members = ids("p", n);
        let people: BTreeMap<String, Person> = members
            .iter()
            .map(|m| (m.clone(), person(m, &[], None, None)))
            .collect();
        let g = group("buddies", &members, 20, toml::Table::new());
        let mut history: Vec<Vec<Vec<String>>> = Vec::new();
        let mut seen = BTreeSet::new();
        let total = n * (n - 1) / 2;
        while seen.len() < total {
            let req = PartitionRequest {
                group: &g,
                cycle: history.len() as u32,
                week_start: date(2025, 1, 6),
                members: &members,
                history: &history,
                people: &people,
            };
            let got = format("buddies").partition(&req).unwrap().unwrap();
            let mut fresh = 0;
            for sub in &got {
                for (x, a) in sub.iter().enumerate() {
                    for b in &sub[x + 1..] {
                        fresh += usize::from(seen.insert((a.clone(), b.clone())));
                    }
                }
            }
            let pairs: usize = got.iter().map(|s| s.len() * (s.len() - 1) / 2).sum();
            // In even groups only the cycle that completes the round could
            // repeat a pair (and none does); odd groups' trios force some
            // repeats, which the property test bounds.
            assert!(
                n % 2 == 1 || fresh == pairs || seen.len() == total,
                "n={n}: {history:?} then {got:?}"
            );
            assert!(
                fresh > 0,
                "n={n}: every cycle meets someone new until the round ends"
            );
            history.push(got);
        }
        // Even groups need exactly n - 1 cycles, like a round robin; odd
        // ones at most n.
        if n % 2 == 0 {
            assert_eq!(history.len(), n - 1, "n={n}");
        } else {
            assert!(history.len() <= n, "n={n}: {} cycles", history.len());
        }
    }
}

#[test]
fn exclusions_never_appear_in_any_output() {
    let members: Vec<String> = ["amara", "ben", "chen", "dana", "eli"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let people: BTreeMap<String, Person> = members
        .iter()
        .map(|m| (m.clone(), person(m, &[], None, None)))
        .collect();
    let settings = table("[exclusions]\namara = [\"ben\"]\nchen = [\"dana\"]\n");
    let buddies = format("buddies");
    assert!(buddies.validate(&settings).is_empty());
    let g = group("buddies", &members, 20, settings);
    let mut history: Vec<Vec<Vec<String>>> = Vec::new();
    for cycle in 0..12 {
        let req = PartitionRequest {
            group: &g,
            cycle,
            week_start: date(2025, 1, 6),
            members: &members,
            history: &history,
            people: &people,
        };
        let got = buddies.partition(&req).unwrap().unwrap();
        let text = format!("{got:?}");
        for sub in &got {
            assert!(
                !(sub.contains(&members[0]) && sub.contains(&members[1])),
                "{text}"
            );
            assert!(
                !(sub.contains(&members[2]) && sub.contains(&members[3])),
                "{text}"
            );
            let past: Vec<PastSession> = Vec::new();
            let sreq = SessionRequest {
                start: jiff::civil::Time::midnight(),
                group: &g,
                index: cycle,
                date: date(2025, 1, 7),
                attendees: sub,
                absentees: &[],
                history: &past,
                people: &people,
            };
            let plan = buddies.plan_session(&sreq).unwrap();
            let t = plan_text(&plan);
            assert!(
                !t.contains("ben") && !t.contains("dana") && !t.contains("amara"),
                "{t}"
            );
            assert!(!t.to_lowercase().contains("exclu"), "{t}");
            assert_eq!(plan.title, "Buddy check-in");
        }
        history.push(got);
    }

    // Diagnostics about exclusions never echo an id, and point at the table.
    let bad = table(
        "[exclusions]\nzelda-secret = [\"Yusuf-Secret\", 7]\nxavier-secret = \"wren-secret\"\nquinn-secret = [\"quinn-secret\"]\n",
    );
    let diags = buddies.validate(&bad);
    assert_eq!(diags.len(), 3, "{diags:?}");
    let text = format!("{diags:?}");
    assert!(
        !text.contains("secret") && !text.contains("Secret"),
        "{text}"
    );
    assert!(diags.iter().all(|d| d.key == "exclusions"));

    // An exclusion naming someone outside the group is an error that names no one.
    let outside = group(
        "buddies",
        &members,
        20,
        table("[exclusions]\namara = [\"olga-outside\"]\n"),
    );
    let req = PartitionRequest {
        group: &outside,
        cycle: 0,
        week_start: date(2025, 1, 6),
        members: &members,
        history: &[],
        people: &people,
    };
    let err = buddies.partition(&req).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("olga") && !text.contains("amara"), "{text}");
    assert!(text.contains("not a member of the group"), "{text}");
}

#[test]
fn buddies_plan_has_check_in_goal_and_escalation() {
    let members = ids("p", 2);
    let people = BTreeMap::new();
    let g = group("buddies", &members, 20, toml::Table::new());
    let req = SessionRequest {
        start: jiff::civil::Time::midnight(),
        group: &g,
        index: 0,
        date: date(2025, 1, 7),
        attendees: &members,
        absentees: &[],
        history: &[],
        people: &people,
    };
    let plan = format("buddies").plan_session(&req).unwrap();
    assert_eq!(plan.agenda.iter().map(|a| a.minutes).sum::<u32>(), 20);
    let text = plan_text(&plan);
    assert!(
        text.contains("feeling thermometer") && text.contains("accountability goal"),
        "{text}"
    );
    assert!(plan.notes.contains("escalation contacts"), "{}", plan.notes);
    let req_ = format("buddies").requirements(&g).unwrap();
    assert_eq!((req_.min_size, req_.quorum), (2, 2));
}

#[path = "formats_roles.rs"]
mod roles;
