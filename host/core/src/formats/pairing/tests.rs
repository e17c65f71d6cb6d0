use super::*;

fn full(n: usize) -> Rules {
    let mut allowed = vec![vec![true; n]; n];
    for (i, row) in allowed.iter_mut().enumerate() {
        row[i] = false;
    }
    Rules {
        allowed,
        matches: vec![vec![true; n]; n],
    }
}

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("m{i}")).collect()
}

fn to_names(members: &[String], groups: &[Vec<usize>]) -> Vec<Vec<String>> {
    groups
        .iter()
        .map(|g| g.iter().map(|&i| members[i].clone()).collect())
        .collect()
}

#[test]
fn even_groups_meet_everyone_once_per_round() {
    for n in [2usize, 4, 6, 8, 10, 12] {
        let members = names(n);
        let rules = full(n);
        let mut history = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..n - 1 {
            let g = partition(&members, &rules, &history);
            assert_eq!(g.len(), n / 2);
            for p in &g {
                assert!(
                    seen.insert((p[0], p[1])),
                    "n={n}: repeat {p:?} in {history:?}"
                );
            }
            history.push(to_names(&members, &g));
        }
        assert_eq!(seen.len(), n * (n - 1) / 2);
    }
}

#[test]
fn excluded_pairs_never_meet_and_impossible_members_sit_out() {
    let members = names(3);
    let mut rules = full(3);
    rules.allowed[0][1] = false;
    rules.allowed[1][0] = false;
    let g = partition(&members, &rules, &[]);
    assert_eq!(g.len(), 1);
    assert!(g[0] != vec![0, 1]);
}
