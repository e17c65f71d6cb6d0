//! Anchored session identity: a horizon that moves with the clock keeps
//! every session's (group, index, start) and every every-N-weeks phase, so a
//! daemon re-planning a week later republishes nothing that did not change.

use std::collections::BTreeMap;
use std::path::Path;

use peerwell_tests::cli::{copy_example, peerwell_in};
use serde_json::Value;

const T: &str = "2026-03-02T08:00:00Z";
const T_PLUS_7: &str = "2026-03-09T08:00:00Z";

fn run_json(args: &[&str], data: &Path) -> Value {
    let run = peerwell_in(args, data);
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("JSON output")
}

/// (group, index) → start of every planned session.
fn sessions(plan: &Value) -> BTreeMap<(String, u64), String> {
    plan["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| {
            (
                (
                    s["group"].as_str().expect("group").to_string(),
                    s["index"].as_u64().expect("index"),
                ),
                s["start"].as_str().expect("start").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_moved_horizon_keeps_session_identity_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy");
    copy_example(&policy);
    let data = tmp.path().join("state");
    let dir = policy.to_str().unwrap();

    let plan = |now: &str| run_json(&["plan", dir, "--now", now, "--format", "json"], &data);
    let out = |name: &str| tmp.path().join(name).to_str().unwrap().to_string();
    let first = plan(T);
    let a_out = out("a");
    peerwell_in(&["export", dir, "--now", T, "--out", &a_out], &data).assert_code(0);
    // A week later the horizon has moved on by a week.
    let second = plan(T_PLUS_7);
    assert_eq!(first["horizon"]["start"], "2026-03-02");
    assert_eq!(second["horizon"]["start"], "2026-03-09");
    let (a, b) = (sessions(&first), sessions(&second));
    let common: Vec<_> = b.keys().filter(|k| a.contains_key(*k)).collect();
    assert!(common.len() > 20, "too few sessions in both: {common:?}");
    for key in &common {
        assert_eq!(a[*key], b[*key], "{key:?} moved with the horizon");
    }
    // Every session of the second plan that starts inside the first
    // horizon is one the first plan had, under the same index.
    for (key, start) in &b {
        if start.as_str() < "2026-05-25" {
            assert!(a.contains_key(key), "{key:?} at {start} is new");
        }
    }
    let diff = run_json(&["diff", dir, "--now", T_PLUS_7, "--format", "json"], &data);
    for kind in ["moved", "cancelled", "changed"] {
        assert_eq!(
            diff[kind].as_array().map(Vec::len),
            Some(0),
            "a week later, {kind}: {diff:#}"
        );
    }
    let b_out = out("b");
    peerwell_in(&["export", dir, "--now", T_PLUS_7, "--out", &b_out], &data).assert_code(0);
    // No SEQUENCE bump: every event of the first export still in the second
    // (same UID) carries the same SEQUENCE and start.
    let events = |root: &str| -> BTreeMap<String, (String, String)> {
        let mut out = BTreeMap::new();
        let groups = Path::new(root).join("groups");
        for entry in std::fs::read_dir(groups).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let unfolded = text.replace("\r\n ", "");
            for event in unfolded.split("BEGIN:VEVENT").skip(1) {
                let field = |name: &str| {
                    event
                        .lines()
                        .find(|l| l.starts_with(name))
                        .unwrap_or_default()
                        .to_string()
                };
                out.insert(field("UID:"), (field("SEQUENCE:"), field("DTSTART")));
            }
        }
        out
    };
    let (ea, eb) = (events(&a_out), events(&b_out));
    let mut shared = 0;
    for (uid, before) in &ea {
        if let Some(after) = eb.get(uid) {
            shared += 1;
            assert_eq!(before, after, "{uid} changed a week later");
        }
    }
    assert!(shared > 20, "too few events in both exports: {shared}");
    assert!(
        eb.values()
            .all(|(seq, _)| seq.is_empty() || seq == "SEQUENCE:0"),
        "a week later some event was re-sequenced"
    );
}
