//! Planning state end to end: the real binary on a copy of
//! `examples/clinic` with its state in a temporary data directory and a
//! simulated clock (`--now`). Feeds are read back with Python `icalendar`;
//! the state file is read with Python's own `sqlite3`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use peerwell_tests::cli::{Run, copy_example, peerwell_in, root};
use serde_json::Value;

/// Before the horizon (which starts Monday 2026-03-02).
const BEFORE: &str = "2026-03-01T12:00:00-06:00";
/// Monday noon: the walk on Tuesday 2026-03-03 08:00 is inside the 24-hour
/// freeze window.
const MONDAY_NOON: &str = "2026-03-02T12:00:00-06:00";
const CANARY: &str = "PWCANARY";

struct Scenario {
    _tmp: tempfile::TempDir,
    policy: PathBuf,
    data: PathBuf,
    root: PathBuf,
}

impl Scenario {
    fn new() -> Scenario {
        let tmp = tempfile::tempdir().unwrap();
        let policy = tmp.path().join("policy");
        copy_example(&policy);
        let data = tmp.path().join("state");
        let root = tmp.path().to_path_buf();
        Scenario {
            _tmp: tmp,
            policy,
            data,
            root,
        }
    }

    fn state_file(&self) -> PathBuf {
        self.data.join("state.sqlite3")
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec![args[0], self.policy.to_str().unwrap()];
        all.extend_from_slice(&args[1..]);
        // The data directory comes from the environment here; --data-dir
        // is exercised separately.
        peerwell_in(&all, &self.data)
    }

    fn export(&self, now: &str, name: &str, extra: &[&str]) -> (Run, PathBuf) {
        let out = self.root.join(name);
        let mut args = vec!["export", "--out", out.to_str().unwrap(), "--now", now];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        run.assert_code(0);
        (run, out)
    }

    fn diff(&self, now: &str, extra: &[&str]) -> Value {
        let mut args = vec!["diff", "--format", "json", "--now", now];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        run.assert_code(0);
        serde_json::from_str(&run.stdout).expect("diff --format json prints JSON")
    }

    /// Makes Carmen and Gus busy every Tuesday 07:30–09:00 from 3 March,
    /// so the morning walk (Tuesdays 08:00) loses its quorum of three and
    /// must move. The events carry canary text.
    fn block_tuesday_mornings(&self) {
        for file in ["carmen-apple.ics", "gus-apple.ics"] {
            add_event(
                &self.policy.join("calendars").join(file),
                "DTSTART;TZID=America/Chicago:20260303T073000\r\n\
                 DTEND;TZID=America/Chicago:20260303T090000\r\n\
                 RRULE:FREQ=WEEKLY;BYDAY=TU\r\n",
            );
        }
    }
}

/// Adds a top-level key to `peerwell.toml` (before its first table).
fn set_top_level(policy: &Path, line: &str) {
    let path = policy.join("peerwell.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("version = 1\n", &format!("version = 1\n{line}\n"), 1);
    assert!(text.contains(line));
    std::fs::write(path, text).unwrap();
}

/// Appends a VEVENT with `times` and canary text to an ICS file.
fn add_event(path: &Path, times: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let uid = format!(
        "{CANARY}-uid-{}",
        path.file_name().unwrap().to_string_lossy()
    );
    let event = format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{times}\
         SUMMARY:{CANARY} client Jane Roe intake\r\nDESCRIPTION:{CANARY} diagnosis notes\r\n\
         LOCATION:{CANARY} room 4\r\nATTENDEE;CN={CANARY} Jane:mailto:pwcanary@example.com\r\n\
         END:VEVENT\r\nEND:VCALENDAR"
    );
    let end = text.rfind("END:VCALENDAR").unwrap();
    std::fs::write(path, format!("{}{}\r\n", &text[..end], event)).unwrap();
}

/// Every VEVENT of the feeds under `out`, read by Python `icalendar`:
/// (feed file relative to `out`, UID) → (SEQUENCE, STATUS, UTC start).
fn read_feeds(out: &Path) -> BTreeMap<(String, String), (i64, String, String)> {
    let mut files = Vec::new();
    for sub in ["groups", "members"] {
        for e in std::fs::read_dir(out.join(sub)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    let script = r#"
import datetime, json, sys, icalendar
rows = []
for f in sys.argv[1:]:
    cal = icalendar.Calendar.from_ical(open(f, 'rb').read())
    for e in cal.walk('VEVENT'):
        start = e.decoded('DTSTART').astimezone(datetime.timezone.utc)
        rows.append([f, str(e['UID']), int(e.get('SEQUENCE', 0)), str(e.get('STATUS', '')),
                     start.strftime('%Y-%m-%dT%H:%M:%SZ')])
print(json.dumps(rows))
"#;
    let stdout = python(script, &files);
    let rows: Vec<(String, String, i64, String, String)> = serde_json::from_str(&stdout).unwrap();
    rows.into_iter()
        .map(|(f, uid, seq, status, start)| {
            let rel = Path::new(&f)
                .strip_prefix(out)
                .unwrap()
                .display()
                .to_string();
            ((rel, uid), (seq, status, start))
        })
        .collect()
}

fn python(script: &str, args: &[PathBuf]) -> String {
    let py = root().join("tests/.venv/bin/python");
    assert!(py.exists(), "run tests/setup to install the test oracles");
    let out = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn group_of(uid: &str) -> &str {
    let local = uid.split_once('@').map_or(uid, |(l, _)| l);
    local.rsplit_once('-').map_or(local, |(g, _)| g)
}

fn feed_bytes(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut all = BTreeMap::new();
    for sub in ["groups", "members"] {
        for e in std::fs::read_dir(out.join(sub)).unwrap() {
            let p = e.unwrap().path();
            all.insert(
                p.strip_prefix(out).unwrap().to_path_buf(),
                std::fs::read(&p).unwrap(),
            );
        }
    }
    all
}

fn listing(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                m.len(),
                m.modified().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn list_len(v: &Value, key: &str) -> usize {
    v[key].as_array().map_or(0, Vec::len)
}

#[test]
fn export_twice_changes_nothing() {
    let s = Scenario::new();
    let (first, a) = s.export(BEFORE, "a", &[]);
    assert!(
        first.stdout.contains(" added, 0 moved, 0 cancelled"),
        "{}",
        first.stdout
    );
    let (second, b) = s.export(BEFORE, "b", &[]);
    assert!(second.stdout.contains("no changes"), "{}", second.stdout);
    assert_eq!(feed_bytes(&a), feed_bytes(&b));
    let events = read_feeds(&b);
    assert!(events.len() > 20);
    assert!(
        events
            .values()
            .all(|(seq, status, _)| *seq == 0 && status == "CONFIRMED")
    );
    let diff = s.diff(BEFORE, &[]);
    assert_eq!(diff["changed_any"], false);
    assert!(diff["unchanged"].as_u64().unwrap() > 20);
    let table = s.run(&["diff", "--now", BEFORE]);
    table.assert_code(0);
    assert!(table.stdout.starts_with("no changes"), "{}", table.stdout);
}

#[test]
fn a_calendar_change_moves_only_the_affected_group() {
    let s = Scenario::new();
    let (_, before) = s.export(BEFORE, "before", &[]);
    let old = read_feeds(&before);
    s.block_tuesday_mornings();

    let diff = s.diff(BEFORE, &[]);
    let moved = diff["moved"].as_array().unwrap();
    assert!(!moved.is_empty(), "{diff:#}");
    for key in ["added", "cancelled", "changed", "moved"] {
        for entry in diff[key].as_array().unwrap() {
            assert_eq!(entry["group"], "morning-walk", "{key}: {diff:#}");
        }
    }
    let walk_sessions = old
        .keys()
        .filter(|(f, _)| f == "groups/morning-walk.ics")
        .count();
    assert_eq!(
        moved.len(),
        walk_sessions,
        "every walk is on a Tuesday: {diff:#}"
    );

    let (run, after) = s.export(BEFORE, "after", &[]);
    assert!(
        run.stdout.contains(&format!("{} moved", moved.len())),
        "{}",
        run.stdout
    );
    let new = read_feeds(&after);
    let groups = |m: &BTreeMap<(String, String), _>| -> Vec<(String, String)> {
        m.keys()
            .filter(|(f, _)| f.starts_with("groups/"))
            .cloned()
            .collect()
    };
    assert_eq!(groups(&old), groups(&new));
    for (key, (seq, status, start)) in &new {
        // Members' feeds list the walks each attends, which changed.
        let Some((old_seq, _, old_start)) = old.get(key) else {
            assert_eq!(group_of(&key.1), "morning-walk", "{key:?}");
            continue;
        };
        assert_eq!(status, "CONFIRMED");
        if group_of(&key.1) == "morning-walk" {
            assert_eq!(*seq, old_seq + 1, "{key:?}");
            assert_ne!(start, old_start, "{key:?}");
        } else {
            assert_eq!(seq, old_seq, "{key:?}");
            assert_eq!(start, old_start, "{key:?}");
        }
    }
    // Stable from here on.
    assert_eq!(s.diff(BEFORE, &[])["changed_any"], false);
}

#[test]
fn sessions_inside_the_freeze_window_stay_put() {
    let s = Scenario::new();
    let (_, before) = s.export(BEFORE, "before", &[]);
    let old = read_feeds(&before);
    s.block_tuesday_mornings();

    let diff = s.diff(MONDAY_NOON, &[]);
    let moved: Vec<u64> = diff["moved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["index"].as_u64().unwrap())
        .collect();
    assert!(!moved.is_empty(), "{diff:#}");
    assert!(
        !moved.contains(&0),
        "the walk tomorrow morning is frozen: {diff:#}"
    );
    assert_eq!(list_len(&diff, "cancelled"), 0, "{diff:#}");

    let (_, after) = s.export(MONDAY_NOON, "after", &[]);
    let new = read_feeds(&after);
    let first = new
        .iter()
        .find(|((f, uid), _)| {
            f == "groups/morning-walk.ics" && uid.starts_with("morning-walk-0000@")
        })
        .expect("the frozen walk is still published");
    assert_eq!(first.1, &old[first.0], "kept verbatim, same SEQUENCE");
    assert_eq!(first.1.2, "2026-03-03T14:00:00Z");

    // With no freeze window it would have moved.
    set_top_level(&s.policy, "freeze_hours = 0");
    let (_, fresh) = s.export(
        BEFORE,
        "fresh",
        &["--data-dir", s.root.join("fresh-state").to_str().unwrap()],
    );
    let unfrozen = read_feeds(&fresh);
    let walk0 = unfrozen
        .iter()
        .find(|((f, uid), _)| {
            f == "groups/morning-walk.ics" && uid.starts_with("morning-walk-0000@")
        })
        .unwrap();
    assert_ne!(walk0.1.2, "2026-03-03T14:00:00Z");
}

#[test]
fn sessions_no_longer_planned_are_published_as_cancelled() {
    let s = Scenario::new();
    let (_, before) = s.export(BEFORE, "before", &["--weeks", "8"]);
    let old = read_feeds(&before);
    let diff = s.diff(BEFORE, &["--weeks", "4"]);
    let cancelled = list_len(&diff, "cancelled");
    assert!(cancelled > 0, "{diff:#}");
    assert_eq!(
        list_len(&diff, "moved") + list_len(&diff, "added"),
        0,
        "{diff:#}"
    );

    let (_, after) = s.export(BEFORE, "after", &["--weeks", "4"]);
    let new = read_feeds(&after);
    let gone: Vec<_> = new.iter().filter(|(_, v)| v.1 == "CANCELLED").collect();
    let group_gone = gone
        .iter()
        .filter(|((f, _), _)| f.starts_with("groups/"))
        .count();
    assert_eq!(group_gone, cancelled);
    for (key, (seq, _, start)) in gone {
        let (old_seq, old_status, old_start) = &old[key];
        assert_eq!(old_status, "CONFIRMED");
        assert_eq!(*seq, old_seq + 1, "{key:?}");
        assert_eq!(start, old_start, "same UID, same time: {key:?}");
        assert!(start.as_str() >= "2026-03-30", "{key:?}");
    }
    // Still published, unchanged, on the next run.
    let (_, again) = s.export(BEFORE, "again", &["--weeks", "4"]);
    assert_eq!(feed_bytes(&after), feed_bytes(&again));
}

#[test]
fn plan_and_diff_write_nothing() {
    let s = Scenario::new();
    // No state yet: nothing may be created.
    s.run(&["diff", "--now", BEFORE]).assert_code(0);
    s.run(&["plan", "--now", BEFORE]).assert_code(0);
    assert!(!s.data.exists(), "a dry run created {}", s.data.display());

    s.export(BEFORE, "out", &[]);
    s.block_tuesday_mornings();
    let files = listing(&s.data);
    let bytes = std::fs::read(s.state_file()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let diff = s.run(&["diff", "--now", BEFORE]);
    diff.assert_code(0);
    assert!(diff.stdout.contains("moved"), "{}", diff.stdout);
    assert!(
        diff.stdout
            .contains("~ moved      morning-walk  Tue 2026-03-03 08:00"),
        "{}",
        diff.stdout
    );
    s.run(&["plan", "--now", BEFORE]).assert_code(0);
    s.run(&["plan", "--now", BEFORE, "--format", "json"])
        .assert_code(0);
    assert_eq!(listing(&s.data), files);
    assert_eq!(std::fs::read(s.state_file()).unwrap(), bytes);
}

#[test]
fn a_damaged_state_file_is_a_clear_error() {
    let s = Scenario::new();
    std::fs::create_dir_all(&s.data).unwrap();
    let junk = b"not a database, just some bytes ".repeat(200);
    std::fs::write(s.state_file(), &junk).unwrap();
    let policy_before = std::fs::read(s.policy.join("peerwell.toml")).unwrap();
    for args in [
        vec![
            "export",
            "--out",
            s.root.join("out").to_str().unwrap(),
            "--now",
            BEFORE,
        ],
        vec!["diff", "--now", BEFORE],
        vec!["plan", "--now", BEFORE],
    ] {
        let run = s.run(&args);
        run.assert_code(1);
        let path = s.state_file().display().to_string();
        assert!(run.stderr.contains(&path), "{}", run.stderr);
        assert!(run.stderr.contains("damaged"), "{}", run.stderr);
        assert!(run.stderr.contains("move it aside"), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    assert_eq!(std::fs::read(s.state_file()).unwrap(), junk);
    assert_eq!(
        std::fs::read(s.policy.join("peerwell.toml")).unwrap(),
        policy_before
    );
    assert!(!s.root.join("out").exists());
}

#[test]
fn the_state_file_holds_no_calendar_text() {
    let s = Scenario::new();
    for file in std::fs::read_dir(s.policy.join("calendars")).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_some_and(|e| e == "ics") {
            // Busy all of a Wednesday afternoon, one week: still plannable.
            add_event(
                &path,
                "DTSTART;TZID=America/Chicago:20260311T130000\r\n\
                 DTEND;TZID=America/Chicago:20260311T140000\r\n",
            );
        }
    }
    s.export(BEFORE, "a", &[]);
    s.block_tuesday_mornings();
    s.export(BEFORE, "b", &[]);
    let mut seen = 0;
    for e in std::fs::read_dir(&s.data).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(CANARY), "canary text in the state");
        assert!(
            !text.to_lowercase().contains("jane"),
            "canary text in the state"
        );
        assert!(!text.contains("pwcanary"), "canary text in the state");
        seen += usize::from(text.contains("Morning walk"));
    }
    assert!(
        seen > 0,
        "the state is readable text, so the check means something"
    );
}

#[test]
fn the_schema_is_versioned_wal_and_migrations_are_idempotent() {
    let s = Scenario::new();
    s.export(BEFORE, "a", &[]);
    let path = s.state_file();
    let a = peerwell_store::Store::open(&path).unwrap();
    let first = a.sessions().unwrap();
    drop(a);
    let b = peerwell_store::Store::open(&path).unwrap();
    assert_eq!(b.sessions().unwrap(), first);
    drop(b);
    let script = r#"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute('PRAGMA user_version').fetchone()[0])
print(c.execute('PRAGMA journal_mode').fetchone()[0])
print(c.execute("SELECT count(*) FROM sessions WHERE status = 'active'").fetchone()[0])
print(c.execute('PRAGMA integrity_check').fetchone()[0])
"#;
    let out = python(script, &[path]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], peerwell_store::SCHEMA_VERSION.to_string());
    assert_eq!(lines[1], "wal");
    assert_eq!(lines[2], first.len().to_string());
    assert_eq!(lines[3], "ok");
}

#[test]
fn the_data_dir_comes_from_the_flag_the_environment_or_the_policy() {
    let s = Scenario::new();
    let flag = s.root.join("flag");
    s.export(BEFORE, "a", &["--data-dir", flag.to_str().unwrap()]);
    assert!(flag.join("state.sqlite3").is_file());
    assert!(!s.data.exists());
    s.export(BEFORE, "b", &[]);
    assert!(s.state_file().is_file());

    set_top_level(&s.policy, "data_dir = \"var/state\"");
    let out = s.root.join("c");
    let run = peerwell_in(
        &[
            "export",
            s.policy.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--now",
            BEFORE,
        ],
        Path::new(""),
    );
    run.assert_code(0);
    assert!(s.policy.join("var/state/state.sqlite3").is_file());
}
