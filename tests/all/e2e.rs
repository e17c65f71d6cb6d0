//! End to end: the `peerwell` binary on `examples/clinic`, its feeds read
//! back by independent calendar libraries, and the privacy canary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use peerwell_tests::cli::{copy_example, example_dir, oracle_node, oracle_python, peerwell};
use serde_json::Value;

/// Horizon options every run here uses, so results do not depend on today.
const FROM: [&str; 2] = ["--from", "2026-03-02"];

fn plan_json(dir: &Path) -> Value {
    let run = peerwell(&[
        "plan",
        dir.to_str().unwrap(),
        "--format",
        "json",
        FROM[0],
        FROM[1],
    ]);
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("plan --format json prints JSON")
}

#[test]
fn example_checks_clean() {
    let run = peerwell(&["check", example_dir().to_str().unwrap()]);
    run.assert_code(0);
    assert!(run.stdout.starts_with("ok: Riverbend"), "{}", run.stdout);
    assert!(
        run.stderr.is_empty(),
        "check printed warnings: {}",
        run.stderr
    );
}

#[test]
fn example_plan_is_sensible() {
    let plan = plan_json(&example_dir());
    let groups = plan["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 9);
    for g in groups {
        let want = if g["id"] == "resilience-buddies" {
            "partitioned"
        } else {
            "scheduled"
        };
        assert_eq!(g["status"], want, "group not planned: {g}");
    }
    let sessions = plan["sessions"].as_array().unwrap();
    // The seeds' walk: weekly, one weekday and local time, in the morning
    // window, never on the clinic's holidays.
    let walk: Vec<&Value> = sessions
        .iter()
        .filter(|s| s["group"] == "morning-walk")
        .collect();
    assert!(walk.len() >= 10, "only {} walks in 12 weeks", walk.len());
    let starts: BTreeSet<(String, String)> = walk
        .iter()
        .map(|s| {
            let t = jiff::Zoned::strptime("%Y-%m-%dT%H:%M:%S%:z", s["start"].as_str().unwrap())
                .unwrap();
            let local = t.with_time_zone(jiff::tz::TimeZone::get("America/Chicago").unwrap());
            (
                format!("{:?}", local.weekday()),
                local.time().strftime("%H:%M").to_string(),
            )
        })
        .collect();
    assert_eq!(starts.len(), 1, "walk series moved: {starts:?}");
    let (_, time) = starts.iter().next().unwrap();
    assert!(
        ("07:30".to_string()..="09:15".to_string()).contains(time),
        "walk at {time}"
    );
    for s in &walk {
        let start = s["start"].as_str().unwrap();
        assert!(!start.starts_with("2026-04-03"), "walk on a holiday");
        assert!(!start.starts_with("2026-05-25"), "walk on a holiday");
        let roles = s["roles"].as_array().unwrap();
        assert_eq!(roles.len(), 1, "one strategy sharer per walk: {s}");
        let sharer = &roles[0]["member"];
        assert!(
            s["attendees"].as_array().unwrap().contains(sharer),
            "the sharer attends"
        );
    }
    // Rotation: over the series every walker shares a strategy, and the
    // counts differ by at most two (absences shift turns).
    let mut counts = std::collections::BTreeMap::new();
    for s in &walk {
        *counts
            .entry(s["roles"][0]["member"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    assert_eq!(counts.len(), 4, "every walker shares: {counts:?}");
    let (lo, hi) = (
        counts.values().min().unwrap(),
        counts.values().max().unwrap(),
    );
    assert!(hi - lo <= 2, "unfair rotation: {counts:?}");
    // Noor starts on 16 March: she is never an attendee before then.
    for s in sessions {
        if s["start"].as_str().unwrap() < "2026-03-16" {
            assert!(
                !s["attendees"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a == "noor")
            );
        }
    }
}

#[test]
fn same_inputs_same_bytes() {
    let dir = example_dir();
    let a = peerwell(&["plan", dir.to_str().unwrap(), FROM[0], FROM[1]]);
    let b = peerwell(&["plan", dir.to_str().unwrap(), FROM[0], FROM[1]]);
    a.assert_code(0);
    assert_eq!(a.stdout, b.stdout);
    let (x, y) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for out in [x.path(), y.path()] {
        peerwell(&[
            "export",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            FROM[0],
            FROM[1],
        ])
        .assert_code(0);
    }
    let files = ics_files(x.path());
    assert_eq!(files.len(), 9 + 14);
    for f in files {
        let rel = f.strip_prefix(x.path()).unwrap();
        assert_eq!(
            std::fs::read(&f).unwrap(),
            std::fs::read(y.path().join(rel)).unwrap(),
            "{} differs between runs",
            rel.display()
        );
    }
}

fn ics_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["groups", "members"] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            out.push(e.path());
        }
    }
    out.sort();
    out
}

/// (start UTC, end UTC) pairs, the way the oracle scripts print them.
fn utc(rfc3339: &str) -> String {
    let z = jiff::Zoned::strptime("%Y-%m-%dT%H:%M:%S%:z", rfc3339).unwrap();
    z.timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[test]
fn exported_feeds_match_the_plan_in_two_independent_readers() {
    let dir = example_dir();
    let plan = plan_json(&dir);
    let out = tempfile::tempdir().unwrap();
    peerwell(&[
        "export",
        dir.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        FROM[0],
        FROM[1],
    ])
    .assert_code(0);
    let files = ics_files(out.path());
    let args: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let python = oracle_python("feed_events.py", &args);
    let node = oracle_node("feed_events.mjs", &args);
    let sessions = plan["sessions"].as_array().unwrap();
    for (which, lines) in [("icalendar", &python), ("ical.js", &node)] {
        assert_eq!(lines.len(), files.len(), "{which}: one line per file");
        for (file, line) in files.iter().zip(lines) {
            let events: Value = serde_json::from_str(line).unwrap();
            let got: BTreeSet<(String, String)> = events
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["start"].as_str().unwrap().to_string(),
                        e["end"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let stem = file.file_stem().unwrap().to_str().unwrap();
            let is_group = file.parent().unwrap().ends_with("groups");
            let want: BTreeSet<(String, String)> = sessions
                .iter()
                .filter(|s| {
                    if is_group {
                        s["group"] == stem
                    } else {
                        s["attendees"].as_array().unwrap().iter().any(|a| a == stem)
                    }
                })
                .map(|s| {
                    (
                        utc(s["start"].as_str().unwrap()),
                        utc(s["end"].as_str().unwrap()),
                    )
                })
                .collect();
            assert_eq!(
                got,
                want,
                "{which} reads {} differently from the plan",
                file.display()
            );
            if is_group {
                assert!(!want.is_empty(), "{stem} has sessions");
            }
        }
    }
}

/// Copies the example and puts marker text into every text property of
/// every input event, then checks that no marker reaches any output.
#[test]
fn privacy_canary() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    copy_example(&dir);
    let mut n = 0;
    for entry in std::fs::read_dir(dir.join("calendars")).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "ics") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut out = String::new();
        // Unfold first so the markers land in whole values.
        let unfolded = text.replace("\r\n ", "");
        for line in unfolded.split("\r\n") {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            let base = name.split(';').next().unwrap();
            match base {
                "SUMMARY" | "DESCRIPTION" | "LOCATION" | "COMMENT" => {
                    n += 1;
                    out.push_str(&format!("{name}:{value} PWCANARY{n}x\r\n"));
                }
                "UID" => out.push_str(&format!("UID:PWCANARYUID{value}\r\n")),
                "ATTENDEE" => {
                    out.push_str("ATTENDEE;CN=PWCANARY Person:mailto:pwcanary@x.example\r\n")
                }
                "END" if value == "VEVENT" => {
                    out.push_str("X-NOTE:PWCANARY-X\r\nCONTACT:PWCANARY contact\r\n");
                    out.push_str("END:VEVENT\r\n");
                }
                _ if line.is_empty() => {}
                _ => {
                    out.push_str(line);
                    out.push_str("\r\n");
                }
            }
        }
        std::fs::write(&path, out).unwrap();
    }
    assert!(n > 100, "markers placed: {n}");
    // A calendar that does not parse, with markers on the broken lines.
    std::fs::write(
        dir.join("calendars/noor-google.ics"),
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY PWCANARY broken\r\nDTSTART:PWCANARY\r\nEND:VEVENT\r\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let out = tmp.path().join("out");
    let mut runs = vec![
        peerwell(&["check", d]),
        peerwell(&["plan", d, FROM[0], FROM[1]]),
        peerwell(&["plan", d, "--format", "json", FROM[0], FROM[1]]),
        peerwell(&["plan", d, "--explain", FROM[0], FROM[1]]),
        peerwell(&[
            "export",
            d,
            "--out",
            out.to_str().unwrap(),
            FROM[0],
            FROM[1],
        ]),
    ];
    for group in [
        "morning-walk",
        "telehealth-checkin",
        "south-site-circle",
        "north-clinicians",
        "balint",
        "resilience-buddies",
        "schwartz-rounds",
        "friday-debrief",
    ] {
        runs.push(peerwell(&[
            "plan",
            d,
            "--explain",
            "--group",
            group,
            FROM[0],
            FROM[1],
        ]));
    }
    for format in ["table", "json"] {
        runs.push(peerwell(&[
            "reminders",
            d,
            "--all",
            "--now",
            "2026-03-01T00:00:00Z",
            "--format",
            format,
        ]));
    }
    for member in ["amara", "ben", "carmen", "lucia", "noor", "farah"] {
        runs.push(peerwell(&["busy", d, member, FROM[0], FROM[1]]));
        runs.push(peerwell(&[
            "busy", d, member, "--format", "json", FROM[0], FROM[1],
        ]));
    }
    // The broken calendar is reported (file and line) and blocks only Noor's groups.
    let check = &runs[0];
    check.assert_code(1);
    assert!(
        check.stderr.contains("calendars/noor-google.ics"),
        "{}",
        check.stderr
    );
    let plan: Value = serde_json::from_str(&runs[2].stdout).unwrap();
    for g in plan["groups"].as_array().unwrap() {
        let noor = [
            "telehealth-checkin",
            "balint",
            "resilience-buddies",
            "schwartz-rounds",
        ];
        let want = if noor.iter().any(|id| g["id"] == *id) {
            "blocked"
        } else {
            "scheduled"
        };
        assert_eq!(g["status"], want, "{g}");
    }
    assert!(
        runs.iter()
            .any(|r| r.args.first().is_some_and(|a| a == "reminders")
                && r.stdout.contains("Subject:")),
        "reminders were composed"
    );
    for run in &runs {
        for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
            assert!(
                !text.to_lowercase().contains("pwcanary"),
                "`peerwell {}` leaked input event text on {what}:\n{text}",
                run.args.join(" ")
            );
        }
    }
    let files = ics_files(&out);
    assert_eq!(files.len(), 23);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            !text.to_lowercase().contains("pwcanary"),
            "{} leaked input event text",
            f.display()
        );
        if f.parent().unwrap().ends_with("groups") {
            // No email addresses in group feeds: only the UID has an `@`.
            let unfolded = text.replace("\r\n ", "");
            for line in unfolded.lines().filter(|l| !l.starts_with("UID:")) {
                assert!(
                    !line.contains('@') && !line.to_lowercase().contains("mailto"),
                    "group feed {} carries an email address: {line}",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn exit_codes() {
    let run = peerwell(&["plan", "/nonexistent/peerwell-policy"]);
    run.assert_code(1);
    assert!(run.stderr.contains("peerwell.toml"), "{}", run.stderr);
    peerwell(&["plan"]).assert_code(2);
    peerwell(&["plan", "x", "--weeks", "zero"]).assert_code(2);
    let run = peerwell(&[
        "plan",
        example_dir().to_str().unwrap(),
        "--group",
        "morning-wlak",
    ]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("did you mean `morning-walk`"),
        "{}",
        run.stderr
    );
    let run = peerwell(&["busy", example_dir().to_str().unwrap(), "amra"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("did you mean `amara`"),
        "{}",
        run.stderr
    );
}

/// The buddies group's "don't pair me with" list (Ben and Devendra) is
/// honoured and never shows in any output.
#[test]
fn buddy_exclusions_are_kept_and_stay_confidential() {
    let dir = example_dir();
    let d = dir.to_str().unwrap();
    let plan = plan_json(&dir);
    let pairs: Vec<&Value> = plan["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["group"] == "resilience-buddies")
        .collect();
    assert!(pairs.len() >= 20, "buddy sessions: {}", pairs.len());
    for s in &pairs {
        let who = s["attendees"].as_array().unwrap();
        assert!(
            !(who.iter().any(|a| a == "ben") && who.iter().any(|a| a == "dev")),
            "excluded pair met: {s}"
        );
    }
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let runs = [
        peerwell(&["plan", d, FROM[0], FROM[1]]),
        peerwell(&["plan", d, "--format", "json", FROM[0], FROM[1]]),
        peerwell(&[
            "plan",
            d,
            "--explain",
            "--group",
            "resilience-buddies",
            FROM[0],
            FROM[1],
        ]),
        peerwell(&["export", d, "--out", o, FROM[0], FROM[1]]),
    ];
    let mut texts: Vec<String> = runs
        .iter()
        .flat_map(|r| [r.stdout.clone(), r.stderr.clone()])
        .collect();
    for f in ics_files(out.path()) {
        texts.push(std::fs::read_to_string(f).unwrap());
    }
    for t in texts {
        let t = t.to_lowercase();
        assert!(!t.contains("exclu"), "exclusions mentioned:\n{t}");
        assert!(!t.contains("don't pair"), "exclusions mentioned:\n{t}");
    }
}

/// After the walk's Tuesday 08:00 series is published, two of the four
/// walkers get an early client on one Tuesday: that week's walk is short of
/// quorum at the series time. The series is kept (it is still feasible), so
/// that week moves within its week, and the plan says so in the table and
/// in JSON.
#[test]
fn an_occurrence_short_of_quorum_moves_within_its_week() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    copy_example(&dir);
    let d = dir.to_str().unwrap();
    let data = tmp.path().join("state");
    let data = data.to_str().unwrap();
    let out = tmp.path().join("out");
    let now = ["--now", "2026-02-27T12:00:00-06:00", "--data-dir", data];
    let mut args = vec!["export", d, "--out", out.to_str().unwrap()];
    args.extend(now);
    peerwell(&args).assert_code(0);
    let early = "BEGIN:VEVENT\r\nUID:early-client@test\r\nDTSTAMP:20260301T000000Z\r\n\
                 DTSTART;TZID=America/Chicago:20260317T073000\r\n\
                 DTEND;TZID=America/Chicago:20260317T090000\r\n\
                 SUMMARY:Client session\r\nCATEGORIES:Client\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    for file in ["carmen-apple.ics", "gus-apple.ics"] {
        let path = dir.join("calendars").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("END:VCALENDAR\r\n", early)).unwrap();
    }
    let mut args = vec!["plan", d, "--format", "json", "--group", "morning-walk"];
    args.extend(now);
    let run = peerwell(&args);
    run.assert_code(0);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    let walks = plan["sessions"].as_array().unwrap();
    let moved: Vec<&Value> = walks
        .iter()
        .filter(|s| !s["moved_from"].is_null())
        .collect();
    assert_eq!(moved.len(), 1, "one moved walk: {moved:?}");
    let m = moved[0];
    assert_eq!(m["moved_from"], "2026-03-17T08:00:00-05:00");
    let start = m["start"].as_str().unwrap();
    assert!(
        ("2026-03-16"..="2026-03-20").contains(&&start[..10]),
        "moved out of its week: {start}"
    );
    assert_ne!(start, "2026-03-17T08:00:00-05:00");
    for s in walks.iter().filter(|s| s["moved_from"].is_null()) {
        let at = s["start"].as_str().unwrap();
        assert!(at.contains("T08:00:00-0"), "series time kept: {at}");
    }
    let mut args = vec!["plan", d, "--group", "morning-walk"];
    args.extend(now);
    let table = peerwell(&args);
    table.assert_code(0);
    assert!(
        table.stdout.contains("series: Tuesdays at 08:00"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains("moved from Tue 08:00"),
        "{}",
        table.stdout
    );
}

/// `--weeks` and `--from` bound the horizon: with two weeks from a Wednesday,
/// every session falls in the Monday-started fortnight containing it.
#[test]
fn weeks_and_from_bound_the_horizon() {
    let d = example_dir();
    let run = peerwell(&[
        "plan",
        d.to_str().unwrap(),
        "--format",
        "json",
        "--weeks",
        "2",
        "--from",
        "2026-04-08",
    ]);
    run.assert_code(0);
    let plan: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(plan["horizon"]["start"], "2026-04-06");
    assert_eq!(plan["horizon"]["weeks"], 2);
    let sessions = plan["sessions"].as_array().unwrap();
    assert!(!sessions.is_empty());
    for s in sessions {
        let day = &s["start"].as_str().unwrap()[..10];
        assert!(("2026-04-06"..="2026-04-19").contains(&day), "{day}");
    }
}
