//! The daemon's lifecycle as a real process: reload on a file change and on
//! SIGHUP, a broken change keeps the last good plan (and /healthz says why,
//! with file:line), a fix recovers, a first pass that fails still serves
//! /healthz, SIGTERM exits 0, settings come from [server] and the
//! environment.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use peerwell_tests::cli::{binary, copy_example};
use peerwell_tests::daemon::Daemon;

const NOW: &str = "2026-03-02T08:00:00Z";
const WAIT: Duration = Duration::from_secs(60);

/// `planned_at` of `/healthz` (the last good plan's moment, to the
/// nanosecond), if a plan is served.
fn planned_at(d: &Daemon) -> Option<jiff::Timestamp> {
    let (_, text) = d.get("/healthz");
    let json: serde_json::Value = serde_json::from_str(&text).expect("/healthz is JSON");
    json["planned_at"].as_str().map(|t| t.parse().unwrap())
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn a_file_change_replans_and_a_broken_change_keeps_the_last_good_plan() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let mut d = Daemon::start(tmp.path(), &["--now", NOW]);
    let first = planned_at(&d).expect("a plan");
    assert!(
        first.to_string().starts_with("2026-03-02T08:00:"),
        "{first}"
    );
    assert_eq!(d.metric("peerwell_plans_total"), 1);

    let balint = tmp.path().join("groups/balint.toml");
    edit(&balint, "duration_minutes = 90", "duration_minutes = 75");
    d.poll("a re-plan after the edit", WAIT, |d| {
        (d.metric("peerwell_plans_total") >= 2).then_some(())
    });
    let second = planned_at(&d).expect("a plan");
    assert!(second > first, "{second} after {first}");
    assert!(
        d.wait_for_line("files changed: groups/balint.toml", WAIT)
            .is_some(),
        "the reload's cause is logged"
    );

    // A broken change: the old plan keeps serving, /healthz names file:line.
    let text = std::fs::read_to_string(&balint).unwrap();
    let line = text.lines().count() + 1;
    std::fs::write(&balint, format!("{text}oops = \n")).unwrap();
    let health = d.poll("the failed reload on /healthz", WAIT, |d| {
        let (code, body) = d.get("/healthz");
        body.contains("last attempt failed").then_some((code, body))
    });
    assert_eq!(health.0, 200, "{}", health.1);
    assert!(
        health.1.contains(&format!("groups/balint.toml:{line}:")),
        "{}",
        health.1
    );
    assert_eq!(
        planned_at(&d),
        Some(second),
        "the last good plan keeps serving"
    );
    assert_eq!(d.metric("peerwell_plan_failures_total"), 1);
    let plans = d.metric("peerwell_plans_total");

    // Fixing it recovers.
    std::fs::write(&balint, &text).unwrap();
    d.poll("recovery after the fix", WAIT, |d| {
        let (_, body) = d.get("/healthz");
        (d.metric("peerwell_plans_total") > plans && !body.contains("failed")).then_some(())
    });
    assert!(planned_at(&d) > Some(second));
}

#[test]
fn sighup_replans_and_sigterm_exits_zero() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let mut d = Daemon::start(tmp.path(), &["--now", NOW]);
    assert_eq!(d.metric("peerwell_plans_total"), 1);
    d.signal("HUP");
    d.poll("a re-plan after SIGHUP", WAIT, |d| {
        (d.metric("peerwell_plans_total") == 2).then_some(())
    });
    assert!(d.wait_for_line("cause=SIGHUP", WAIT).is_some());
    d.signal("TERM");
    let status = d
        .wait_exit(Duration::from_secs(15))
        .expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}");
    assert!(d.wait_for_line("shutting down", WAIT).is_some());
}

#[test]
fn a_failing_first_pass_still_serves_healthz_and_retries_on_change() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let toml = tmp.path().join("peerwell.toml");
    edit(&toml, "horizon_weeks = 12", "horizon_weeks = \"twelve\"");
    let mut d = Daemon::start(tmp.path(), &["--now", NOW]);
    let (code, body) = d.get("/healthz");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("peerwell.toml:"), "{body}");
    assert!(body.contains("horizon_weeks"), "{body}");
    assert_eq!(d.metric("peerwell_plan_failures_total"), 1);
    assert!(d.wait_for_line("no plan yet", WAIT).is_some());
    edit(&toml, "horizon_weeks = \"twelve\"", "horizon_weeks = 12");
    d.poll("the first good plan", WAIT, |d| {
        (d.get("/healthz").0 == 200).then_some(())
    });
    assert_eq!(d.metric("peerwell_plans_total"), 1);
}

#[test]
fn settings_come_from_server_table_then_environment() {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    let toml = tmp.path().join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{text}\n[server]\nlisten = \"127.0.0.1:1\"\nlog_format = \"text\"\n"),
    )
    .unwrap();
    // The environment beats [server]: a free port and JSON logs.
    let mut d = Daemon::start_bare(
        tmp.path(),
        &["--now", NOW],
        &[
            ("PEERWELL_LISTEN", "127.0.0.1:0"),
            ("PEERWELL_LOG_FORMAT", "json"),
        ],
    );
    assert_eq!(d.get("/healthz").0, 200);
    let planned = d
        .wait_for_line("\"planned\"", WAIT)
        .expect("a JSON pass line");
    let v: serde_json::Value = serde_json::from_str(&planned).expect("JSON log line");
    assert_eq!(
        v["sessions"].as_u64().map(|n| n > 0),
        Some(true),
        "{planned}"
    );
    assert_eq!(v["groups"], 9, "{planned}");
    drop(d);

    // An invalid value names the variable and stops before serving.
    let out = Command::new(binary())
        .args(["serve", tmp.path().to_str().unwrap()])
        .env("PEERWELL_REPLAN_MINUTES", "soon")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PEERWELL_REPLAN_MINUTES"), "{err}");
    assert!(err.contains("whole number"), "{err}");

    // A misspelt key in [server] is reported by `check` with a suggestion.
    std::fs::write(&toml, format!("{text}\n[server]\nreplan_minute = 5\n")).unwrap();
    let out = Command::new(binary())
        .args(["check", tmp.path().to_str().unwrap()])
        .output()
        .unwrap();
    let err = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(err.contains("did you mean `replan_minutes`"), "{err}");
}
