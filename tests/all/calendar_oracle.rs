//! Differential test of calendar reading: random calendars from
//! `peerwell_tests::calendar_gen` (fixed seeds) are read by
//! `peerwell::calendar::read_calendar` and by Python `icalendar` +
//! `recurring-ical-events` (`tests/oracles/busy_intervals.py`, one process
//! for all files), and the busy intervals (UTC seconds) must be equal.
//!
//! Excluded constructs (libraries legitimately differ, or the oracle and
//! RFC 5545 disagree): local times in DST gaps and folds (the generator
//! keeps to 07:00–20:45); events spanning a DST change with DTEND (exact
//! vs nominal duration; generated events end the same day); VFREEBUSY
//! (recurring-ical-events does not expand it; unit-tested instead).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use peerwell::calendar::read_calendar;
use peerwell::model::{ClientFacing, Interval};
use peerwell_tests::calendar_gen;

/// Calendars per run (more with `PEERWELL_ORACLE_CALENDARS=N` for a
/// longer exploration; the seeds stay fixed).
fn calendars() -> u64 {
    std::env::var("PEERWELL_ORACLE_CALENDARS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(240)
}
const SEED_BASE: u64 = 20_260_302;

fn python() -> PathBuf {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(py.exists(), "run tests/setup to install the test oracles");
    py
}

fn window() -> Interval {
    let at = |s: &str| {
        s.parse::<Timestamp>()
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    };
    Interval::new(at("2026-03-02T00:00:00Z"), at("2026-05-25T00:00:00Z"))
}

#[test]
fn busy_intervals_match_recurring_ical_events() {
    let py = python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("oracles/busy_intervals.py");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let w = window();
    let mut files = Vec::new();
    let mut ours: BTreeMap<String, (Vec<(i64, i64)>, String)> = BTreeMap::new();
    for n in 0..calendars() {
        let (text, zone) = calendar_gen::calendar(SEED_BASE + n);
        let path = dir.path().join(format!("cal{n:03}.ics"));
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("write: {e}"));
        let path = path.to_string_lossy().into_owned();
        let tz = TimeZone::get(zone).unwrap_or_else(|e| panic!("{zone}: {e}"));
        let busy = read_calendar(&path, text.as_bytes(), w, &ClientFacing::All, &tz)
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert!(busy.warnings.is_empty(), "{:?}", busy.warnings);
        let mut spans: Vec<(i64, i64)> = busy
            .busy
            .iter()
            .map(|b| (b.interval.start.as_second(), b.interval.end.as_second()))
            .collect();
        spans.dedup();
        ours.insert(path.clone(), (spans, text));
        files.push(serde_json::json!({"path": path, "tz": zone}));
    }
    let manifest = dir.path().join("manifest.json");
    let m =
        serde_json::json!({"start": w.start.to_string(), "end": w.end.to_string(), "files": files});
    std::fs::write(&manifest, m.to_string()).unwrap_or_else(|e| panic!("write: {e}"));
    let out = Command::new(&py)
        .arg(&script)
        .arg(&manifest)
        .output()
        .unwrap_or_else(|e| panic!("run tests/setup to install the test oracles ({e})"));
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("oracle output: {e}"));
    let mut failures = Vec::new();
    let mut total = 0;
    for (path, (spans, text)) in &ours {
        let expected: Vec<(i64, i64)> = match theirs.get(path) {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .map(|p| (p[0].as_i64().unwrap_or(0), p[1].as_i64().unwrap_or(0)))
                .collect(),
            other => panic!("oracle has no answer for {path}: {other:?}"),
        };
        total += expected.len();
        if *spans != expected {
            let fmt = |v: &[(i64, i64)]| {
                v.iter()
                    .map(|(a, b)| {
                        let t = |s: i64| {
                            Timestamp::from_second(s)
                                .map(|t| t.to_string())
                                .unwrap_or_default()
                        };
                        format!("  {} .. {}", t(*a), t(*b))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            let only_ours: Vec<_> = spans
                .iter()
                .filter(|s| !expected.contains(s))
                .copied()
                .collect();
            let only_theirs: Vec<_> = expected
                .iter()
                .filter(|s| !spans.contains(s))
                .copied()
                .collect();
            failures.push(format!(
                "{path}\nonly ours:\n{}\nonly the oracle's:\n{}\n{text}",
                fmt(&only_ours),
                fmt(&only_theirs)
            ));
        }
    }
    assert!(
        total > 1_000,
        "too few busy intervals generated ({total}) to mean much"
    );
    assert!(
        failures.is_empty(),
        "{} of {} calendars differ; first:\n{}",
        failures.len(),
        calendars(),
        failures
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n----\n")
    );
}
