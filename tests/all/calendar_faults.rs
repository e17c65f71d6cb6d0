//! Hostile and quirky calendars through the real binary: nesting and
//! VTIMEZONE bombs finish within bounds, and what was read leniently is
//! shown by `check`, `busy` and `plan` without any event text.

use std::path::Path;
use std::process::Command;

use peerwell_tests::cli::{binary, peerwell};
use serde_json::Value;

const MARKER: &str = "PWCANARY-Qx9 client Rosa Diaz";

/// A policy folder with member `zed` (calendar `zed.ics`) and `amy`
/// (calendar `amy.ics`), one group of both, horizon from 2 March 2026.
fn policy(dir: &Path, zed: &[u8], amy: &[u8]) {
    std::fs::create_dir_all(dir.join("groups")).unwrap();
    std::fs::write(
        dir.join("peerwell.toml"),
        "version = 1\nname = \"Faults\"\ntime_zone = \"UTC\"\nhorizon_weeks = 2\n\
         start = 2026-03-02\npeople = \"people.toml\"\ngroups = \"groups\"\n\n\
         [working_hours]\nweekdays = \"08:00-17:00\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("people.toml"),
        "version = 1\n\n[[person]]\nid = \"zed\"\nname = \"Zed\"\nemail = \"zed@example.test\"\n\
         calendars = [\"zed.ics\"]\n\n[[person]]\nid = \"amy\"\nname = \"Amy\"\n\
         email = \"amy@example.test\"\ncalendars = [\"amy.ics\"]\n",
    )
    .unwrap();
    std::fs::write(dir.join("zed.ics"), zed).unwrap();
    std::fs::write(dir.join("amy.ics"), amy).unwrap();
}

fn calendar(body: &str) -> Vec<u8> {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{body}END:VCALENDAR\r\n")
        .into_bytes()
}

const PLAIN: &str =
    "BEGIN:VEVENT\r\nUID:p\r\nDTSTART:20260303T090000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\n";

/// Peak resident memory (KiB) of `peerwell args`, measured by
/// `/usr/bin/time` where it is installed, with the run's exit code.
fn max_rss_kib(args: &[&str]) -> Option<(i32, u64)> {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        eprintln!("/usr/bin/time is not installed: memory not measured");
        return None;
    }
    let state = tempfile::tempdir().unwrap();
    let out = Command::new(time)
        .args(["-f", "max_rss_kib=%M"])
        .arg(binary())
        .args(args)
        .env("PEERWELL_DATA_DIR", state.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kib = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("max_rss_kib="))
        .and_then(|v| v.trim().parse().ok())?;
    Some((out.status.code().unwrap_or(-1), kib))
}

/// 100,000 nested BEGIN:VEVENT blocks (about 3.9 MB) once aborted the
/// process with a stack overflow; deeper blocks are now skipped with a
/// warning and the rest of the calendar reads.
#[test]
fn nesting_bomb_is_read_without_overflowing_the_stack() {
    let tmp = tempfile::tempdir().unwrap();
    let levels = 100_000;
    let mut body = String::new();
    body.push_str(&"BEGIN:VEVENT\r\nDTSTART:20260304T090000Z\r\nX:y\r\n".repeat(levels));
    body.push_str(&"END:VEVENT\r\n".repeat(levels));
    body.push_str(PLAIN);
    let zed = calendar(&body);
    assert!(zed.len() > 3_900_000, "{}", zed.len());
    policy(tmp.path(), &zed, &calendar(PLAIN));
    let d = tmp.path().to_str().unwrap();
    let check = peerwell(&["check", d]);
    check.assert_code(0);
    assert!(check.stderr.contains("zed.ics: line "), "{}", check.stderr);
    assert!(check.stderr.contains("nest deeper"), "{}", check.stderr);
    let busy = peerwell(&["busy", d, "zed", "--from", "2026-03-02"]);
    busy.assert_code(0);
    assert!(busy.stdout.contains("nest deeper"), "{}", busy.stdout);
    assert!(
        busy.stdout.contains("Tue 2026-03-03 09:00"),
        "{}",
        busy.stdout
    );
}

/// A VTIMEZONE with `n` observances, each with a daily RRULE.
fn timezone_bomb(n: usize) -> Vec<u8> {
    let mut body = String::from("BEGIN:VTIMEZONE\r\nTZID:Bomb\r\n");
    for i in 0..n {
        body.push_str(&format!(
            "BEGIN:STANDARD\r\nDTSTART:19700101T{:02}{:02}00\r\nRRULE:FREQ=DAILY\r\n\
             TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\n",
            i / 60 % 24,
            i % 60
        ));
    }
    body.push_str(
        "END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Bomb:20260303T100000\r\n\
         DURATION:PT1H\r\nEND:VEVENT\r\n",
    );
    calendar(&body)
}

/// 5,000 and 20,000 observances once took ~400 MB and 1.6 GB (21 s); the
/// expansion is now capped per VTIMEZONE with a warning naming its line,
/// and memory stays within the README's bound (checked where
/// /usr/bin/time is installed).
#[test]
fn vtimezone_bomb_is_capped_with_a_warning() {
    for n in [5_000, 20_000] {
        let tmp = tempfile::tempdir().unwrap();
        let zed = timezone_bomb(n);
        policy(tmp.path(), &zed, &calendar(PLAIN));
        let d = tmp.path().to_str().unwrap();
        let busy = peerwell(&["busy", d, "zed", "--from", "2026-03-02"]);
        busy.assert_code(0);
        assert!(
            busy.stdout.contains("Tue 2026-03-03 09:00–10:00"),
            "{}",
            busy.stdout
        );
        assert!(
            busy.stdout
                .contains("zed.ics: line 4: the time zone's observances"),
            "{}",
            busy.stdout
        );
        if let Some((code, kib)) = max_rss_kib(&["busy", d, "zed", "--from", "2026-03-02"]) {
            assert_eq!(code, 0);
            // README: at most 64 MiB plus 16 times the calendar's size.
            let bound = 64 * 1024 + 16 * zed.len() as u64 / 1024;
            assert!(kib < bound, "{n} observances: {kib} KiB > {bound} KiB");
        }
    }
}

/// `busy` shows the member's own calendar warnings (file, line, what was
/// assumed) in table and json; `check` and `plan` print them on stderr; no
/// output carries event text.
#[test]
fn busy_shows_calendar_warnings_without_event_text() {
    let tmp = tempfile::tempdir().unwrap();
    let zed = calendar(&format!(
        "BEGIN:VEVENT\r\nUID:{MARKER}\r\nSUMMARY:{MARKER}\r\nDESCRIPTION:{MARKER}\r\n\
         DTSTART:20260303T170000Z\r\nDTEND:20260303T090000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:m\r\nSUMMARY:{MARKER}\r\nDTSTART:20260304T090000Z\r\nDURATION:PT1H\r\n\
         RRULE:FREQ=DAILY;BYDAY={MARKER}\r\nEND:VEVENT\r\n"
    ));
    let amy = calendar(
        &format!("{PLAIN}RRULE:\r\n")
            .replace("END:VEVENT\r\nRRULE:\r\n", "RRULE:\r\nEND:VEVENT\r\n"),
    );
    policy(tmp.path(), &zed, &amy);
    let d = tmp.path().to_str().unwrap();
    let table = peerwell(&["busy", d, "zed", "--from", "2026-03-02"]);
    table.assert_code(0);
    assert!(
        table
            .stdout
            .contains("zed.ics: line 9: DTEND is before DTSTART"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("zed.ics: line 16: RRULE"),
        "{}",
        table.stdout
    );
    assert!(!table.stdout.contains("amy.ics"), "{}", table.stdout);
    // The swapped event is busy 09:00-17:00; the unreadable rule keeps
    // everything from its start busy.
    assert!(
        table.stdout.contains("Tue 2026-03-03 09:00–17:00"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("Wed 2026-03-04 09:00–Tue 2026-03-17 00:00"),
        "{}",
        table.stdout
    );
    let json = peerwell(&["busy", d, "zed", "--from", "2026-03-02", "--format", "json"]);
    json.assert_code(0);
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    let warnings = doc["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .starts_with("zed.ics: line 9: ")
    );
    let amy_busy = peerwell(&["busy", d, "amy", "--from", "2026-03-02", "--format", "json"]);
    let doc: Value = serde_json::from_str(&amy_busy.stdout).unwrap();
    assert_eq!(
        doc["warnings"][0],
        "amy.ics: line 8: an empty RRULE was ignored"
    );
    let check = peerwell(&["check", d]);
    check.assert_code(0);
    let plan = peerwell(&["plan", d, "--from", "2026-03-02"]);
    for run in [&check, &plan] {
        assert!(
            run.stderr
                .contains("warning: zed.ics: line 9: DTEND is before DTSTART"),
            "{}",
            run.stderr
        );
    }
    for run in [&table, &json, &amy_busy, &check, &plan] {
        for word in ["PWCANARY", "Rosa", "Diaz"] {
            assert!(
                !run.stdout.contains(word) && !run.stderr.contains(word),
                "{word} in {run:?}"
            );
        }
    }
}

/// The daemon starts on a calendar with 100,000 nested blocks (it once
/// aborted at every start) and reports what was read leniently in its log
/// and on `/healthz`, without event text, staying ok.
#[test]
fn serve_reports_calendar_warnings_in_log_and_healthz() {
    let tmp = tempfile::tempdir().unwrap();
    let levels = 100_000;
    let mut body = format!(
        "BEGIN:VEVENT\r\nUID:q\r\nSUMMARY:{MARKER}\r\nDTSTART:20260303T170000Z\r\n\
         DTEND:20260303T090000Z\r\nEND:VEVENT\r\n"
    );
    body.push_str(&"BEGIN:VEVENT\r\n".repeat(levels));
    body.push_str(&"END:VEVENT\r\n".repeat(levels));
    policy(tmp.path(), &calendar(&body), &calendar(PLAIN));
    let mut daemon =
        peerwell_tests::daemon::Daemon::start(tmp.path(), &["--now", "2026-03-02T08:00:00Z"]);
    let (code, text) = daemon.get("/healthz");
    assert_eq!(code, 200, "{text}");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["status"], "ok", "{text}");
    let warnings = doc["calendar_warnings"].to_string();
    assert!(
        warnings.contains("zed.ics: line 8: DTEND is before DTSTART"),
        "{text}"
    );
    assert!(warnings.contains("nest deeper"), "{text}");
    let log = daemon
        .wait_for_line(
            "DTEND is before DTSTART",
            std::time::Duration::from_secs(30),
        )
        .unwrap_or_else(|| panic!("no warning in the log: {:?}", daemon.output()));
    assert!(log.contains("zed.ics: line 8"), "{log}");
    let all = format!("{text}\n{}", daemon.output().join("\n"));
    for word in ["PWCANARY", "Rosa", "Diaz"] {
        assert!(!all.contains(word), "{word} leaked: {all}");
    }
}
