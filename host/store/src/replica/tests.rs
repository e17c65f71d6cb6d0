use std::collections::BTreeMap;

use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};

use super::*;
use crate::Store;
use peerwell_core::formats::{AgendaItem, Deadline, RoleAssignment, SessionPlan};

fn at(day: i8, hour: i8, minute: i8) -> Timestamp {
    date(2026, 3, day)
        .at(hour, minute, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn session(group: &str, index: u32, day: i8, hour: i8, title: &str) -> Session {
    Session {
        group: group.to_string(),
        index,
        date: date(2026, 3, day),
        start: at(day, hour, 0),
        end: at(day, hour, 45),
        attendees: vec!["amara".to_string(), "ben \"b\"".to_string()],
        absentees: vec!["chi".to_string()],
        plan: SessionPlan {
            title: title.to_string(),
            agenda: vec![AgendaItem {
                minutes: 10,
                title: "Check-in".to_string(),
                detail: "One word each — ünïcode".to_string(),
            }],
            roles: vec![RoleAssignment {
                role: "host".to_string(),
                member: "amara".to_string(),
            }],
            notes: "line one\nline two".to_string(),
            deadlines: vec![Deadline {
                label: "Prepare".to_string(),
                days_before: 2,
                role: Some("host".to_string()),
            }],
        },
        moved_from: (index % 2 == 1).then(|| at(day, hour - 1, 0)),
    }
}

fn plan(sessions: Vec<Session>) -> Plan {
    Plan {
        horizon: Horizon::anchored(date(2026, 3, 2), 4, date(2026, 1, 5)),
        sessions,
        outcomes: Vec::new(),
    }
}

fn zones() -> BTreeMap<String, String> {
    ["walk", "rounds"]
        .map(|g| (g.to_string(), "UTC".to_string()))
        .into_iter()
        .collect()
}

/// A real commit's plan and result come back exactly, after a second plan
/// cancelled a session (so `cancelled`, sequences and revisions are filled).
#[test]
fn a_committed_plan_comes_back_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("state.sqlite3")).expect("opens");
    let first = plan(vec![
        session("walk", 0, 3, 9, "Walk #0"),
        session("walk", 1, 10, 9, "Walk #1"),
        session("rounds", 0, 11, 14, "Rounds"),
    ]);
    let t0 = at(1, 8, 0);
    store.commit(&first, t0, &zones()).expect("commits");
    let second = plan(vec![
        session("walk", 0, 3, 10, "Walk #0 moved"),
        session("rounds", 0, 11, 14, "Rounds"),
    ]);
    let t1 = t0 + SignedDuration::from_mins(90) + SignedDuration::from_nanos(123);
    let commit = store.commit(&second, t1, &zones()).expect("commits");
    assert!(!commit.cancelled.is_empty());
    let text = encode(&second, &commit, t1);
    let back = decode(Path::new("db"), 7, &text).expect("decodes");
    assert_eq!(back.generation, 7);
    assert_eq!(back.planned_at, t1);
    assert_eq!(back.plan, second);
    assert_eq!(back.commit.sequences, commit.sequences);
    assert_eq!(back.commit.revised, commit.revised);
    assert_eq!(back.commit.cancelled, commit.cancelled);
    assert_eq!(encode(&back.plan, &back.commit, back.planned_at), text);
}

/// Damaged text is a typed error naming the database and the generation.
#[test]
fn damaged_text_is_corrupt_naming_the_generation() {
    for text in [
        "",
        "{}",
        r#"{"version":2}"#,
        r#"{"version":1,"planned_at":"x"}"#,
    ] {
        match decode(Path::new("postgres://db"), 3, text) {
            Err(StoreError::Corrupt { path, detail }) => {
                assert_eq!(path, Path::new("postgres://db"));
                assert!(detail.contains("plan publication 3"), "{detail}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

/// Many shapes of sessions and sequences come back exactly.
#[test]
fn varied_publications_roundtrip() {
    let titles = ["", "a", "ü — \"q\" \\ \n", "{}[],:", "x".repeat(300).leak()];
    for n in 1..titles.len() {
        let sessions: Vec<Session> = titles[..n]
            .iter()
            .enumerate()
            .map(|(i, t)| session("walk", i as u32, 3 + i as i8, 9, t))
            .collect();
        let p = plan(sessions);
        let mut commit = Commit {
            sequences: BTreeMap::new(),
            revised: BTreeMap::new(),
            cancelled: vec![session("rounds", 9, 4, 12, "gone")],
            earlier: Vec::new(),
            changes: Default::default(),
        };
        let nanos = SignedDuration::from_nanos(n as i64 * 7919);
        for i in 0..n as u32 {
            commit.sequences.insert(("walk".to_string(), i), i * 3);
            commit
                .revised
                .insert(("walk".to_string(), i), at(1, 8, 0) + nanos);
        }
        let planned = at(2, 7, 0) + nanos;
        let back = decode(Path::new("db"), 1, &encode(&p, &commit, planned)).expect("decodes");
        assert_eq!(back.plan, p);
        assert_eq!(back.commit, commit);
        assert_eq!(back.planned_at, planned);
    }
}
