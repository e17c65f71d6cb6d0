//! Nothing of a file's text leaves the process except in a terminal
//! `check`: a group file linked to a secret file is refused unread (not on
//! stderr, not on `/healthz`, not in the daemon's log), and a secret pasted
//! into `peerwell.toml` never reaches `/healthz` or the daemon's log, while
//! both still say file, line, column and what is wrong.

use std::time::Duration;

use peerwell_tests::daemon::Daemon;

use crate::files::{minimal_policy, run};

const NOW: &str = "2026-03-02T08:00:00Z";
const WAIT: Duration = Duration::from_secs(60);
const CANARY: &str = "CANARY-SECRET";

/// Panics when `CANARY` is anywhere in the daemon's output so far.
fn assert_no_canary_in_log(d: &mut Daemon) {
    let out = d.output().join("\n");
    assert!(
        !out.contains(CANARY),
        "the daemon's log quotes a secret:\n{out}"
    );
}

#[test]
fn a_group_file_linked_to_a_secret_file_is_refused_unread() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", false);
    let shadow = outside.path().join("shadow");
    std::fs::write(
        &shadow,
        format!("root:{CANARY}-$6$x1:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"),
    )
    .expect("write");
    let group = tmp.path().join("groups/walk.toml");
    std::fs::remove_file(&group).expect("rm group");
    std::os::unix::fs::symlink(&shadow, &group).expect("symlink");

    let r = run(&["check", &tmp.path().display().to_string()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stderr.contains(CANARY), "{}", r.stderr);
    assert!(
        r.stderr.contains("error: groups/walk.toml: the file resolves (through a link or `..`) outside the policy folder; refused. To read files from that folder, list it in `allow_outside` in peerwell.toml"),
        "{}",
        r.stderr
    );

    let mut d = Daemon::start(tmp.path(), &["--now", NOW]);
    let (code, body) = d.get("/healthz");
    assert_eq!(code, 503, "{body}");
    assert!(!body.contains(CANARY), "{body}");
    assert!(
        body.contains("groups/walk.toml: the file resolves"),
        "{body}"
    );
    assert!(d.wait_for_line("planning failed", WAIT).is_some());
    assert_no_canary_in_log(&mut d);
}

/// Writes `peerwell.toml` with `line` as line `n` (after blank lines) and
/// waits until `/healthz` reports `peerwell.toml:n:` + `expected` (a
/// failed pass); returns the body.
fn healthz_after(
    d: &mut Daemon,
    toml: &std::path::Path,
    n: usize,
    line: &str,
    expected: &str,
) -> String {
    let base = "version = 1\nname = \"Minimal clinic\"\ntime_zone = \"Europe/London\"\n";
    let blank = "\n".repeat(n - 4);
    std::fs::write(toml, format!("{base}{blank}{line}\n")).expect("write peerwell.toml");
    let expected = format!("peerwell.toml:{n}:{expected}");
    d.poll(&expected.clone(), WAIT, |d| {
        let (_, body) = d.get("/healthz");
        body.contains(&expected).then_some(body)
    })
}

#[test]
fn a_secret_pasted_into_peerwell_toml_stays_off_healthz_and_the_log() {
    let tmp = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", false);
    let toml = tmp.path().join("peerwell.toml");
    let mut d = Daemon::start(tmp.path(), &["--now", NOW]);
    assert_eq!(d.get("/healthz").0, 200);

    // The value of an unknown key, and the key itself: neither is quoted.
    let cases = [
        (
            4,
            format!("smtp_password = \"{CANARY}-hunter2\""),
            "1: unknown key `…` in peerwell.toml",
        ),
        (
            5,
            format!("{CANARY}-key = 1"),
            "1: unknown key `…` in peerwell.toml",
        ),
        // A bare line: a TOML syntax error.
        (6, format!("{CANARY}-bare-line"), ""),
        // The value of a known key: the key is named, the value not quoted.
        (
            7,
            format!("horizon_weeks = \"{CANARY}\""),
            "17: expected an integer, found a string (the value of `horizon_weeks`)",
        ),
    ];
    for (n, line, expected) in &cases {
        let body = healthz_after(&mut d, &toml, *n, line, expected);
        assert!(!body.contains(CANARY), "{body}");
        assert!(body.contains("\"degraded\""), "{body}");
    }
    assert_no_canary_in_log(&mut d);

    // `check` in a terminal still quotes and underlines the line.
    let r = run(&["check", &tmp.path().display().to_string()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("7 | horizon_weeks = \"{CANARY}\"")),
        "{}",
        r.stderr
    );
}
