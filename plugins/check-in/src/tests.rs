//! The host's own check-in tests, run against the plugin, plus its exact
//! texts and diagnostics.

use super::*;
use peerwell_plugin_sdk::{
    Cadence, Date, PastSession, Requirements, Scalar, Setting, SettingValue, TimeOfDay,
};
use std::collections::BTreeMap;

fn group(n: usize) -> Group {
    Group {
        id: "walk".to_string(),
        name: "Walk".to_string(),
        format: NAME.to_string(),
        members: (0..n).map(|i| format!("m{i}")).collect(),
        cadence: Cadence::Weekly,
        duration_minutes: 45,
        days: Vec::new(),
        earliest: TimeOfDay { hour: 9, minute: 0 },
        latest: TimeOfDay {
            hour: 17,
            minute: 0,
        },
        quorum: 1,
        required_roles: Vec::new(),
        purpose: String::new(),
        boundaries: String::new(),
        size_limit: None,
        time_zone: "Europe/London".to_string(),
        settings: Vec::new(),
    }
}

fn set(g: &mut Group, key: &str, value: SettingValue) {
    g.settings.push(Setting {
        key: key.to_string(),
        value,
    });
    g.settings.sort_by(|a, b| a.key.cmp(&b.key));
}

fn text(s: &str) -> SettingValue {
    SettingValue::Scalar(Scalar::Text(s.to_string()))
}

fn request(
    g: &Group,
    index: u32,
    att: &[String],
    abs: &[String],
    h: &[PastSession],
) -> SessionRequest {
    SessionRequest {
        group: g.clone(),
        index,
        date: Date {
            year: 2025,
            month: 1,
            day: 7,
        },
        start: TimeOfDay {
            hour: 12,
            minute: 0,
        },
        attendees: att.to_vec(),
        absentees: abs.to_vec(),
        history: h.to_vec(),
        members: Vec::new(),
    }
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
        let plan = CheckIn
            .plan_session(&request(g, s, &att, &abs, &history))
            .unwrap_or_default();
        assert_eq!(plan.roles.len(), 1);
        assert!(att.contains(&plan.roles[0].member), "holder attends");
        history.push(PastSession {
            date: Date::default(),
            attendees: att,
            roles: plan.roles,
        });
    }
    history
}

#[test]
fn everyone_present_rotates_in_member_order() {
    let h = run(&group(4), 9, |_, _| false);
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
        let flaky: Vec<bool> = (0..n).map(|i| i % 2 == 1 && next() % 2 == 0).collect();
        let table: Vec<u64> = (0..64).map(|_| next()).collect();
        let sessions = 5 + (next() % 40) as u32;
        let absent = |s: u32, i: usize| flaky[i] && (table[s as usize % 64] >> i) & 1 == 1;
        let h = run(&g, sessions, absent);
        let mut c: BTreeMap<String, usize> = BTreeMap::new();
        for past in &h {
            assert!(
                past.attendees.contains(&past.roles[0].member),
                "trial {trial}"
            );
            *c.entry(past.roles[0].member.clone()).or_default() += 1;
        }
        let steady: Vec<usize> = (0..n)
            .filter(|i| !flaky[*i])
            .map(|i| c.get(&format!("m{i}")).copied().unwrap_or(0))
            .collect();
        if let (Some(lo), Some(hi)) = (steady.iter().min(), steady.iter().max()) {
            assert!(hi - lo <= 1, "trial {trial}: counts {c:?}, flaky {flaky:?}");
        }
    }
}

#[test]
fn plan_texts_match_the_built_in() {
    let mut g = group(3);
    let att: Vec<String> = g.members.clone();
    let plan = CheckIn
        .plan_session(&request(&g, 1, &att, &[], &[]))
        .unwrap_or_default();
    assert_eq!(plan.title, "Walk — peer walk");
    let minutes: Vec<u32> = plan.agenda.iter().map(|a| a.minutes).collect();
    assert_eq!(minutes, [15, 15, 15]);
    assert_eq!(
        plan.agenda[2].detail,
        "This session's sharer offers a strategy for professional competence."
    );
    assert!(
        plan.notes.ends_with(
            "keep welcoming them. Dress for the weather; a shorter loop is always fine."
        )
    );
    assert_eq!(plan.roles, vec![RoleAssignment::new("strategy", "m0")]);
    assert!(plan.deadlines.is_empty());

    set(&mut g, "activity", text("video"));
    set(
        &mut g,
        "success_stories",
        SettingValue::Scalar(Scalar::Boolean(false)),
    );
    g.duration_minutes = 45;
    let plan = CheckIn
        .plan_session(&request(&g, 0, &att, &[], &[]))
        .unwrap_or_default();
    assert_eq!(plan.title, "Walk — peer check-in (video)");
    let minutes: Vec<u32> = plan.agenda.iter().map(|a| a.minutes).collect();
    assert_eq!(minutes, [23, 22]);
    assert!(plan.notes.ends_with("keep welcoming them."));
}

#[test]
fn empty_topics_do_not_panic_and_nobody_attending_cannot_plan() {
    let mut g = group(2);
    set(&mut g, "strategy_topics", SettingValue::Array(Vec::new()));
    let att = g.members.clone();
    assert!(
        CheckIn
            .plan_session(&request(&g, 3, &att, &[], &[]))
            .is_ok()
    );
    assert!(!CheckIn.validate(&g).is_empty());
    assert_eq!(
        CheckIn.plan_session(&request(&g, 0, &[], &att, &[])),
        Err(FormatError::CannotPlan(
            "no member can attend this session".into()
        ))
    );
}

#[test]
fn validation_messages_match_the_built_in() {
    let mut g = group(2);
    assert!(CheckIn.validate(&g).is_empty());
    set(&mut g, "activity", text("run"));
    set(&mut g, "success_stories", text("yes"));
    set(
        &mut g,
        "strategy_topics",
        SettingValue::Array(vec![Scalar::Integer(1)]),
    );
    set(&mut g, "colour.x", text("blue"));
    set(&mut g, "colour.y", text("red"));
    let d = CheckIn.validate(&g);
    let want = vec![
        Diagnostic::new(
            "activity",
            "expected one of \"walk\", \"sit-down\", \"video\"",
            "e.g. activity = \"walk\"",
        ),
        Diagnostic::new(
            "colour",
            "unknown setting `colour` for format `check-in`",
            "known settings: activity, strategy_topics, success_stories",
        ),
        Diagnostic::new(
            "strategy_topics",
            "expected a non-empty array of non-empty strings",
            "e.g. strategy_topics = [\"mindfulness\", \"boundaries\"]",
        ),
        Diagnostic::new(
            "success_stories",
            "expected a boolean",
            "use true or false, without quotes",
        ),
    ];
    assert_eq!(d, want);
}

#[test]
fn requirements_are_the_policy_with_min_size_two() {
    let mut g = group(5);
    g.size_limit = Some(8);
    g.quorum = 3;
    let r = CheckIn.requirements(&g);
    assert_eq!(
        r,
        Ok(Requirements {
            duration_minutes: 45,
            cadence: Cadence::Weekly,
            quorum: 3,
            required_roles: Vec::new(),
            window: None,
            min_size: 2,
            max_size: Some(8),
        })
    );
    assert_eq!(CheckIn.describe().name, "check-in");
    assert_eq!(CheckIn.describe().settings.len(), 3);
}
