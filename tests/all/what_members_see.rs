//! What members and HR see, through the real binary: buddies told who
//! their buddy is, every pair of a cycle in `reminders`, one session
//! numbering, explanations for pairs and for the whole organization, and
//! DTSTAMPs that record revisions.

use std::collections::BTreeSet;
use std::path::Path;

use peerwell_tests::cli::{Run, copy_example, example_dir, peerwell, peerwell_in};
use serde_json::Value;

const NOW: &str = "2026-03-01T00:00:00Z";
const FROM: [&str; 2] = ["--from", "2026-03-02"];
const BUDDIES: &str = "resilience-buddies";

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn json(run: &Run) -> Value {
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("JSON on stdout")
}

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().expect("an RFC 3339 timestamp")
}

/// The local date of an RFC 3339 time with offset.
fn local_date(s: &str) -> jiff::civil::Date {
    s[..10].parse().expect("a date")
}

/// The buddy sessions of the example's plan at `NOW`, by start.
fn buddy_sessions(dir: &Path) -> Vec<Value> {
    let plan = json(&peerwell(&[
        "plan", s(dir), "--format", "json", "--now", NOW,
    ]));
    plan["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter(|s| s["group"] == BUDDIES)
        .cloned()
        .collect()
}

/// `reminders` without `--all` shows every pair of the next buddies cycle,
/// not only the first pair's messages.
#[test]
fn reminders_show_every_pair_of_the_next_cycle() {
    let dir = example_dir();
    let sessions = buddy_sessions(&dir);
    let first = sessions.first().expect("buddy sessions");
    let monday = |v: &Value| {
        let d = local_date(v["start"].as_str().unwrap());
        d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
            .unwrap()
    };
    let week = monday(first);
    let cycle: Vec<&Value> = sessions.iter().filter(|s| monday(s) == week).collect();
    assert!(cycle.len() >= 2, "the first cycle has several pairs: {cycle:?}");
    let reminders = json(&peerwell(&[
        "reminders",
        s(&dir),
        "--group",
        BUDDIES,
        "--format",
        "json",
        "--now",
        NOW,
    ]));
    let got: BTreeSet<(u64, String)> = reminders
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["recipient"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for pair in &cycle {
        for who in pair["attendees"].as_array().unwrap() {
            let key = (
                pair["index"].as_u64().unwrap(),
                who.as_str().unwrap().to_string(),
            );
            assert!(got.contains(&key), "no reminder for {key:?}: {got:?}");
        }
    }
    // Nothing from later cycles.
    let indices: BTreeSet<u64> = cycle.iter().map(|p| p["index"].as_u64().unwrap()).collect();
    assert!(got.iter().all(|(i, _)| indices.contains(i)), "{got:?}");
    let _ = ts(NOW);
}

/// (feed file, UID) → (SEQUENCE, DTSTAMP) of every event of an export.
fn stamps(out: &Path) -> std::collections::BTreeMap<(String, String), (u32, String)> {
    let mut all = std::collections::BTreeMap::new();
    for sub in ["groups", "members"] {
        for e in std::fs::read_dir(out.join(sub)).expect("exported feeds") {
            let path = e.expect("a feed").path();
            let text = std::fs::read_to_string(&path).expect("read a feed");
            let file = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            let (mut uid, mut seq, mut stamp) = (String::new(), 0, String::new());
            for line in text.replace("\r\n ", "").split("\r\n") {
                if let Some(v) = line.strip_prefix("UID:") {
                    uid = v.to_string();
                } else if let Some(v) = line.strip_prefix("SEQUENCE:") {
                    seq = v.parse().expect("a SEQUENCE");
                } else if let Some(v) = line.strip_prefix("DTSTAMP:") {
                    stamp = v.to_string();
                } else if line == "END:VEVENT" {
                    all.insert((file.clone(), uid.clone()), (seq, stamp.clone()));
                }
            }
        }
    }
    all
}

fn feed_bytes(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for sub in ["groups", "members"] {
        for e in std::fs::read_dir(out.join(sub)).expect("exported feeds") {
            let path = e.expect("a feed").path();
            let name = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            all.push((name, std::fs::read(&path).expect("read a feed")));
        }
    }
    all.sort();
    all
}

/// DTSTAMP is when the event was last revised, as recorded in the state:
/// never in the future, raised with SEQUENCE, and the same bytes for the
/// same inputs and state.
#[test]
fn dtstamp_is_the_time_of_the_last_revision() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = example_dir();
    let data = tmp.path().join("state");
    let export = |now: &str, weeks: &str, name: &str| {
        let out = tmp.path().join(name);
        peerwell_in(
            &[
                "export",
                s(&dir),
                "--out",
                s(&out),
                "--now",
                now,
                "--weeks",
                weeks,
                FROM[0],
                FROM[1],
            ],
            &data,
        )
        .assert_code(0);
        out
    };
    let first = export("2026-02-20T12:00:00Z", "8", "first");
    let before = stamps(&first);
    assert!(before.len() > 100, "{} events", before.len());
    for (key, (_, stamp)) in &before {
        assert_eq!(stamp, "20260220T120000Z", "{key:?}: stamped at the export");
    }
    // A shorter horizon cancels the later sessions: their SEQUENCE rises
    // and their DTSTAMP with it; every other event keeps both.
    let second = export("2026-02-25T08:30:00Z", "4", "second");
    let after = stamps(&second);
    let mut raised = 0;
    for (key, (seq, stamp)) in &after {
        let (old_seq, old_stamp) = &before[key];
        if seq > old_seq {
            raised += 1;
            assert_eq!(stamp, "20260225T083000Z", "{key:?}: revised");
        } else {
            assert_eq!((seq, stamp), (old_seq, old_stamp), "{key:?}: unchanged");
        }
    }
    assert!(raised > 10, "{raised} cancelled events");
    // Nothing changes: the same bytes, whatever the clock says.
    let third = export("2026-02-26T17:00:00Z", "4", "third");
    assert_eq!(feed_bytes(&second), feed_bytes(&third));
}
