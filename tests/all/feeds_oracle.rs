//! Our feeds, read back by two independent iCalendar implementations:
//! Python `icalendar` + `recurring-ical-events` (tests/oracles/feed_events.py)
//! and ical.js (tests/oracles/feed_events.mjs, with our VTIMEZONEs
//! registered). Both must see exactly the sessions of the plan: the same
//! UTC instants, UIDs, titles, locations, sequences and description text.

mod fixture;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::{Timestamp, tz::TimeZone};
use serde_json::{Value, json};

use peerwell_core::feeds::describe::{Audience, description};
use peerwell_core::feeds::{group_feed, member_feed};
use peerwell_core::model::Organization;
use peerwell_core::schedule::Session;

use fixture::{ORG_SLUG, options, organization, plan};

const SETUP_HINT: &str = "run tests/setup to install the test oracles";

fn oracles() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oracles")
}

fn python() -> PathBuf {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(py.exists(), "{SETUP_HINT}: {} is missing", py.display());
    py
}

fn ical_js_present() {
    let dir = oracles().join("node_modules/ical.js");
    assert!(dir.exists(), "{SETUP_HINT}: {} is missing", dir.display());
}

fn rfc3339(ts: Timestamp) -> String {
    ts.to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// What the oracles must report for these sessions.
fn expected(org: &Organization, sessions: &[&Session], audience: Audience<'_>) -> Value {
    let opts = options();
    let mut rows: Vec<(String, String, Value)> = sessions
        .iter()
        .map(|s| {
            let g = org.groups.iter().find(|g| g.id == s.group).unwrap();
            let uid = format!("{}-{:04}@{ORG_SLUG}.peerwell", s.group, s.index);
            let summary = if g.neutral_title {
                "Protected time".to_string()
            } else {
                s.plan.title.clone()
            };
            // Line breaks of any kind come out as one `\n`.
            let mut text = description(org, g, s, audience)
                .replace("\r\n", "\n")
                .replace('\r', "\n");
            if matches!(audience, Audience::Group) {
                text = text.replace(
                    "eap.help@care.example.com",
                    peerwell_core::feeds::describe::EMAIL_WITHHELD,
                );
            }
            let start = rfc3339(s.start);
            let row = json!({
                "uid": uid,
                "start": start,
                "end": rfc3339(s.end),
                "summary": summary,
                "description": text,
                "location": g.location,
                "sequence": opts.sequence.get(&(s.group.clone(), s.index)).copied().unwrap_or(0),
            });
            (start, uid, row)
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    Value::Array(rows.into_iter().map(|r| r.2).collect())
}

struct Written {
    dir: tempfile::TempDir,
    /// (file, expected oracle output)
    files: Vec<(PathBuf, Value)>,
}

fn write_feeds() -> Written {
    let org = organization();
    let plan = plan(&org);
    let opts = options();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for g in &org.groups {
        let path = dir.path().join(format!("group-{}.ics", g.id));
        std::fs::write(&path, group_feed(&org, g, &plan, &opts)).unwrap();
        let sessions: Vec<&Session> = plan.sessions.iter().filter(|s| s.group == g.id).collect();
        files.push((path, expected(&org, &sessions, Audience::Group)));
    }
    for p in org.people.values() {
        let path = dir.path().join(format!("member-{}.ics", p.id));
        std::fs::write(&path, member_feed(&org, p, &plan, &opts)).unwrap();
        let sessions: Vec<&Session> = plan
            .sessions
            .iter()
            .filter(|s| s.attendees.contains(&p.id))
            .collect();
        files.push((path, expected(&org, &sessions, Audience::Member(p))));
    }
    Written { dir, files }
}

/// Runs an oracle over all files; one parsed JSON value per file.
fn run(mut cmd: Command, files: &[(PathBuf, Value)]) -> Vec<Value> {
    for (f, _) in files {
        cmd.arg(f);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{SETUP_HINT}: {e}"));
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let values: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(values.len(), files.len(), "one JSON line per file:\n{text}");
    values
}

fn assert_oracle(name: &str, got: &[Value], files: &[(PathBuf, Value)]) {
    let mut total = 0;
    for (value, (path, want)) in got.iter().zip(files) {
        let n = want.as_array().map_or(0, Vec::len);
        total += n;
        if value != want {
            let (g, w) = (value.as_array().unwrap(), want.as_array().unwrap());
            for (a, b) in g.iter().zip(w) {
                assert_eq!(a, b, "{name} disagrees on {}", path.display());
            }
            panic!(
                "{name}: {} events, plan has {}: {}",
                g.len(),
                w.len(),
                path.display()
            );
        }
    }
    assert!(
        total > 30,
        "the fixture should exercise many events, got {total}"
    );
}

#[test]
fn python_icalendar_reads_exactly_the_plan() {
    let py = python();
    let w = write_feeds();
    let mut cmd = Command::new(py);
    cmd.arg(oracles().join("feed_events.py"));
    let got = run(cmd, &w.files);
    assert_oracle("icalendar", &got, &w.files);
    drop(w.dir);
}

#[test]
fn ical_js_reads_exactly_the_plan() {
    ical_js_present();
    let w = write_feeds();
    let mut cmd = Command::new("node");
    cmd.arg(oracles().join("feed_events.mjs"));
    let got = run(cmd, &w.files);
    assert_oracle("ical.js", &got, &w.files);
}

/// Python checks the raw bytes: every physical line ends in CRLF and has at
/// most 75 octets; every VTIMEZONE, read by icalendar's own `to_tz`, gives
/// the same UTC offset as the system's zoneinfo at every event start.
const LINE_AND_ZONE_CHECK: &str = r#"
import sys, datetime as dt, zoneinfo, icalendar
bad = []
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    if not data.endswith(b"\r\n"):
        bad.append(f"{path}: no CRLF at end")
    for n, line in enumerate(data.split(b"\r\n")[:-1], 1):
        if b"\n" in line or b"\r" in line:
            bad.append(f"{path}:{n}: bare line break")
        if len(line) > 75:
            bad.append(f"{path}:{n}: {len(line)} octets")
        line.decode("utf-8")
    cal = icalendar.Calendar.from_ical(data)
    zones = {str(z["TZID"]): z.to_tz(lookup_tzid=False) for z in cal.walk("VTIMEZONE")}
    for ev in cal.walk("VEVENT"):
        tzid = ev["DTSTART"].params.get("TZID")
        if tzid is None:
            continue
        start = ev.decoded("DTSTART").astimezone(dt.timezone.utc)
        ours, real = zones[tzid], zoneinfo.ZoneInfo(tzid)
        if True:
            for probe in (start, start - dt.timedelta(days=20), start + dt.timedelta(days=20)):
                a, b = probe.astimezone(ours).utcoffset(), probe.astimezone(real).utcoffset()
                if a != b:
                    bad.append(f"{path}: {tzid} at {probe}: ours {a}, zoneinfo {b}")
print("\n".join(bad) if bad else "ok")
"#;

#[test]
fn python_sees_short_crlf_lines_and_right_vtimezones() {
    let py = python();
    let w = write_feeds();
    let mut cmd = Command::new(py);
    cmd.arg("-c").arg(LINE_AND_ZONE_CHECK);
    for (f, _) in &w.files {
        cmd.arg(f);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim() == "ok",
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn feeds_are_deterministic_and_private() {
    let org = organization();
    let plan = plan(&org);
    let opts = options();
    let mut shuffled = plan.clone();
    shuffled.sessions.reverse();
    for g in &org.groups {
        let feed = group_feed(&org, g, &plan, &opts);
        assert_eq!(feed, group_feed(&org, g, &shuffled, &opts), "{}", g.id);
        assert!(!feed.contains("ATTENDEE") && !feed.contains("ORGANIZER"));
        assert!(!feed.to_ascii_lowercase().contains("mailto"));
        let unfolded = feed.replace("\r\n ", "");
        for line in unfolded.lines().filter(|l| !l.starts_with("UID:")) {
            assert!(
                !line.contains('@'),
                "group feed {} holds an '@': {line}",
                g.id
            );
        }
        for p in org.people.values() {
            assert!(!unfolded.contains(&p.email), "{} in {}", p.email, g.id);
        }
        // Times: one VTIMEZONE per TZID used, none for UTC.
        let tzids: BTreeSet<&str> = unfolded
            .lines()
            .filter_map(|l| {
                l.split_once(";TZID=")
                    .map(|(_, r)| r.split(':').next().unwrap())
            })
            .collect();
        let defined: BTreeSet<&str> = unfolded
            .lines()
            .filter_map(|l| l.strip_prefix("TZID:"))
            .collect();
        assert_eq!(tzids, defined, "{}", g.id);
        assert!(!defined.contains("UTC"));
    }
    for p in org.people.values() {
        let feed = member_feed(&org, p, &plan, &opts);
        assert_eq!(feed, member_feed(&org, p, &shuffled, &opts));
        let feed = feed.replace("\r\n ", "");
        assert!(feed.contains(&format!("X-WR-CALNAME:{} — peer support", escape(&p.name))));
    }
}

#[test]
fn descriptions_name_agenda_times_roles_and_charter() {
    let org = organization();
    let plan = plan(&org);
    let walk = &org.groups[0];
    let first = &plan.sessions.iter().find(|s| s.group == walk.id).unwrap();
    let text = description(&org, walk, first, Audience::Group);
    // 45 minutes from 08:00 New York time: 15 + 15 + 15.
    assert!(
        text.contains("08:00–08:15 Check-in round — Round 0"),
        "{text}"
    );
    assert!(text.contains("08:15–08:30 Success stories — One thing that went well."));
    assert!(text.contains("08:30–08:45 Strategy share"));
    assert!(text.contains("strategy: Ana"), "{text}");
    assert!(text.contains("Purpose: Buffer secondary traumatic stress"));
    assert!(text.contains("Membership: open"));
    assert!(text.contains("size limit 8"));
    assert!(text.contains("Employee assistance (EAP)"));
    assert!(text.contains("Location: Front steps"));
    assert!(text.contains("Peer support, not therapy."));
    assert!(!text.contains("Your role"));
    let ana = &org.people["ana"];
    let mine = description(&org, walk, first, Audience::Member(ana));
    assert!(mine.contains("Your role this time: strategy"), "{mine}");
    // A member in another zone sees the agenda in their own clock.
    let dev = &org.people["dev"];
    let theirs = description(&org, walk, first, Audience::Member(dev));
    assert!(
        theirs.contains("Agenda (America/Chicago time)\n07:00–07:15"),
        "{theirs}"
    );
}

fn escape(s: &str) -> String {
    peerwell_core::feeds::writer::escape_text(s)
}
