//! `peerwell reminders` on the example: who gets which message when, and
//! what every message carries.

use std::collections::BTreeSet;

use peerwell_tests::cli::{example_dir, peerwell};
use serde_json::Value;

const NOW: &str = "2026-03-01T00:00:00Z";

fn json(args: &[&str]) -> Value {
    let run = peerwell(args);
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("JSON on stdout")
}

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().expect("an RFC 3339 timestamp")
}

#[test]
fn next_sessions_give_reminders_role_notices_and_deadlines() {
    let dir = example_dir();
    let d = dir.to_str().unwrap();
    let plan = json(&["plan", d, "--format", "json", "--now", NOW]);
    let reminders = json(&["reminders", d, "--format", "json", "--now", NOW]);
    let reminders = reminders.as_array().unwrap();
    let sessions = plan["sessions"].as_array().unwrap();
    let mut groups_seen = BTreeSet::new();
    for group in plan["groups"].as_array().unwrap() {
        let id = group["id"].as_str().unwrap();
        let ahead: Vec<&Value> = sessions
            .iter()
            .filter(|s| s["group"] == id && ts(s["start"].as_str().unwrap()) > ts(NOW))
            .collect();
        let Some(first) = ahead.first() else { continue };
        let next: Vec<&Value> = ahead
            .iter()
            .copied()
            .filter(|s| s["index"] == first["index"])
            .collect();
        groups_seen.insert(id.to_string());
        for s in &next {
            let start = ts(s["start"].as_str().unwrap());
            let mine = |who: &str, kind: &str| -> Vec<&Value> {
                reminders
                    .iter()
                    .filter(|r| {
                        r["group"] == id
                            && r["index"] == s["index"]
                            && r["recipient"] == who
                            && r["kind"].as_str().unwrap().starts_with(kind)
                    })
                    .collect()
            };
            for who in s["attendees"].as_array().unwrap() {
                let who = who.as_str().unwrap();
                let upcoming = mine(who, "upcoming");
                let dues: BTreeSet<i64> = upcoming
                    .iter()
                    .map(|r| (start - ts(r["due"].as_str().unwrap())).get_seconds() / 60)
                    .collect();
                assert_eq!(
                    dues,
                    BTreeSet::from([60, 1440]),
                    "{id}: {who} gets 24 h and 1 h reminders"
                );
                for r in upcoming {
                    let subject = r["subject"].as_str().unwrap();
                    assert!(subject.contains(s["title"].as_str().unwrap()), "{subject}");
                    let body = r["body"].as_str().unwrap();
                    assert!(body.contains("About this group"), "{body}");
                    assert!(body.contains("When peer support is not enough"), "{body}");
                }
            }
            for role in s["roles"].as_array().unwrap() {
                let who = role["member"].as_str().unwrap();
                let name = role["role"].as_str().unwrap();
                let notices = mine(who, &format!("role notice: {name}"));
                assert_eq!(notices.len(), 1, "{id}: {who} is told they are {name}");
                if notices[0]["by_format"] == false {
                    assert!(
                        notices[0]["body"]
                            .as_str()
                            .unwrap()
                            .contains(&format!("You are the {name}")),
                        "{}",
                        notices[0]["body"]
                    );
                }
            }
            for absent in s["absentees"].as_array().unwrap() {
                assert!(
                    mine(absent.as_str().unwrap(), "").is_empty(),
                    "{id}: nobody who cannot attend is reminded"
                );
            }
        }
    }
    assert!(groups_seen.len() >= 6, "{groups_seen:?}");
    // Schwartz Rounds panels have preparation deadlines.
    assert!(
        reminders.iter().any(|r| r["group"] == "schwartz-rounds"
            && r["kind"].as_str().unwrap().starts_with("deadline")),
        "panel prep deadlines are reminded"
    );
    // Nothing is due after its session starts, and the list is in due order.
    let dues: Vec<jiff::Timestamp> = reminders
        .iter()
        .map(|r| ts(r["due"].as_str().unwrap()))
        .collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn reminders_are_deterministic_and_filter_by_group() {
    let dir = example_dir();
    let d = dir.to_str().unwrap();
    let a = peerwell(&["reminders", d, "--all", "--now", NOW]);
    let b = peerwell(&["reminders", d, "--all", "--now", NOW]);
    a.assert_code(0);
    assert_eq!(a.stdout, b.stdout);
    let only = json(&[
        "reminders",
        d,
        "--group",
        "balint",
        "--format",
        "json",
        "--now",
        NOW,
    ]);
    let only = only.as_array().unwrap();
    assert!(!only.is_empty());
    assert!(only.iter().all(|r| r["group"] == "balint"));
    let unknown = peerwell(&["reminders", d, "--group", "balnt", "--now", NOW]);
    unknown.assert_code(1);
    assert!(unknown.stderr.contains("balint"), "{}", unknown.stderr);
}
