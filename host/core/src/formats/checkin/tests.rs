use super::*;
use crate::formats::test_group::walk;
use crate::formats::{PastSession, SessionRequest};
use jiff::civil::date;
use std::collections::BTreeMap;

fn group(n: usize) -> Group {
    let members: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
    walk(&members)
}

/// Plans `sessions` sessions where member `i` is absent when `absent(s, i)`.
fn run(g: &Group, sessions: u32, absent: impl Fn(u32, usize) -> bool) -> Vec<PastSession> {
    let mut history: Vec<PastSession> = Vec::new();
    for s in 0..sessions {
        let (mut att, mut abs) = (Vec::new(), Vec::new());
        for (i, m) in g.members.iter().enumerate() {
            if absent(s, i) {
                abs.push(m.clone());
            } else {
                att.push(m.clone());
            }
        }
        if att.is_empty() {
            continue;
        }
        let d = date(2025, 1, 7);
        let req = SessionRequest {
            start: jiff::civil::Time::midnight(),
            group: g,
            index: s,
            date: d,
            attendees: &att,
            absentees: &abs,
            history: &history,
            people: &BTreeMap::new(),
        };
        let plan = CheckIn.plan_session(&req).unwrap();
        assert_eq!(plan.roles.len(), 1);
        assert!(att.contains(&plan.roles[0].member), "holder attends");
        history.push(PastSession {
            date: d,
            attendees: att,
            roles: plan.roles,
        });
    }
    history
}

fn counts(history: &[PastSession]) -> BTreeMap<String, usize> {
    let mut c = BTreeMap::new();
    for s in history {
        for r in &s.roles {
            *c.entry(r.member.clone()).or_default() += 1;
        }
    }
    c
}

#[test]
fn everyone_present_rotates_in_member_order() {
    let g = group(4);
    let h = run(&g, 9, |_, _| false);
    let who: Vec<&str> = h.iter().map(|s| s.roles[0].member.as_str()).collect();
    assert_eq!(who, ["m0", "m1", "m2", "m3", "m0", "m1", "m2", "m3", "m0"]);
}

#[test]
fn rotation_is_fair_among_always_present_and_skips_absentees() {
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for trial in 0..200 {
        let n = 2 + (next() % 7) as usize;
        let g = group(n);
        // Members with an odd index are sometimes absent (pattern by trial).
        let flaky: Vec<bool> = (0..n).map(|i| i % 2 == 1 && next() % 2 == 0).collect();
        let table: Vec<u64> = (0..64).map(|_| next()).collect();
        let sessions = 5 + (next() % 40) as u32;
        let absent = |s: u32, i: usize| flaky[i] && (table[s as usize % 64] >> i) & 1 == 1;
        let h = run(&g, sessions, absent);
        for (s, past) in h.iter().enumerate() {
            let holder = &past.roles[0].member;
            assert!(past.attendees.contains(holder), "trial {trial} session {s}");
        }
        let c = counts(&h);
        let steady: Vec<usize> = (0..n)
            .filter(|i| !flaky[*i])
            .map(|i| c.get(&format!("m{i}")).copied().unwrap_or(0))
            .collect();
        let (lo, hi) = (steady.iter().min(), steady.iter().max());
        if let (Some(lo), Some(hi)) = (lo, hi) {
            assert!(hi - lo <= 1, "trial {trial}: counts {c:?}, flaky {flaky:?}");
        }
    }
}

#[test]
fn empty_topics_do_not_panic() {
    let mut g = group(2);
    g.settings
        .insert("strategy_topics".into(), toml::Value::Array(Vec::new()));
    let att = vec!["m0".to_string(), "m1".to_string()];
    let req = SessionRequest {
        start: jiff::civil::Time::midnight(),
        group: &g,
        index: 3,
        date: date(2025, 1, 7),
        attendees: &att,
        absentees: &[],
        history: &[],
        people: &BTreeMap::new(),
    };
    assert!(CheckIn.plan_session(&req).is_ok());
    assert!(!CheckIn.validate(&g.settings).is_empty());
}
