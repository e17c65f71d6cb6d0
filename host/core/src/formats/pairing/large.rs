use super::*;

#[test]
fn large_groups_stay_fast_and_complete() {
    let n = 301;
    let members: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
    let mut allowed = vec![vec![true; n]; n];
    for (i, row) in allowed.iter_mut().enumerate() {
        row[i] = false;
    }
    let rules = Rules {
        allowed,
        matches: vec![vec![true; n]; n],
    };
    let start = std::time::Instant::now();
    let mut history = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..3 {
        let g = partition(&members, &rules, &history);
        assert_eq!(g.iter().map(Vec::len).sum::<usize>(), n);
        for sub in &g {
            for (x, a) in sub.iter().enumerate() {
                for b in &sub[x + 1..] {
                    assert!(seen.insert((*a, *b)), "no repeat in the first cycles");
                }
            }
        }
        history.push(
            g.iter()
                .map(|g| g.iter().map(|&i| members[i].clone()).collect())
                .collect(),
        );
    }
    // Generous for debug builds on a shared machine.
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}
