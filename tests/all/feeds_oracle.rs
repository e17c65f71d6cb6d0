//! Our feeds, read back by two independent iCalendar implementations:
//! Python `icalendar` + `recurring-ical-events` (tests/oracles/feed_events.py)
//! and ical.js (tests/oracles/feed_events.mjs, with our VTIMEZONEs
//! registered). Both must see exactly the sessions of the plan: the same
//! UTC instants, UIDs, titles, locations, sequences and description text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::ToSpan;
use jiff::civil::{Date, Time, date, time};
use jiff::{Timestamp, tz::TimeZone};
use serde_json::{Value, json};

use peerwell::feeds::describe::{Audience, description};
use peerwell::feeds::{FeedOptions, group_feed, member_feed};
use peerwell::formats::{AgendaItem, RoleAssignment, SessionPlan};
use peerwell::model::{
    Cadence, Charter, ClientFacing, Escalation, FeedSettings, Group, Horizon, Org, Organization,
    Person, WorkingHours, Zone,
};
use peerwell::schedule::{Plan, Session};

const ORG_NAME: &str = "Riverbend Community Mental Health, Inc.; East";
const ORG_SLUG: &str = "riverbend-community-mental-health-inc-east";
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

fn zone(name: &str) -> Zone {
    Zone::iana(name).unwrap_or_else(|| panic!("zone {name}"))
}

fn person(id: &str, name: &str, zone_name: &str) -> Person {
    Person {
        id: id.to_string(),
        name: name.to_string(),
        email: format!("{id}@riverbend.example.org"),
        zone: zone(zone_name),
        working_hours: WorkingHours::weekdays(time(8, 0, 0, 0), time(17, 0, 0, 0)),
        tags: vec!["clinician".to_string()],
        site: None,
        start_date: None,
        calendars: vec![],
        client_blocks: vec![],
        buffer_minutes: 15,
    }
}

struct GroupSpec {
    id: &'static str,
    name: &'static str,
    zone: &'static str,
    members: &'static [&'static str],
    neutral: bool,
    location: Option<&'static str>,
    video: Option<&'static str>,
    /// First local date, local start time, minutes, number of weekly sessions.
    first: Date,
    at: Time,
    minutes: u32,
    count: u32,
}

fn specs() -> Vec<GroupSpec> {
    vec![
        GroupSpec {
            id: "morning-walk",
            name: "Morning walk, east team; \"the loop\"",
            zone: "America/New_York",
            members: &["ana", "bo", "chen", "dev"],
            neutral: false,
            location: Some("Front steps, 12 River St.; rain: room 2\\B"),
            video: None,
            first: date(2026, 2, 24),
            at: time(8, 0, 0, 0),
            minutes: 45,
            count: 4, // crosses 2026-03-08
        },
        GroupSpec {
            id: "lunch-circle",
            name: "Lunch circle — Zoë's team ☕",
            zone: "Europe/London",
            members: &["eve", "ana", "zoe"],
            neutral: false,
            location: Some("Café Ñandú, 1st floor"),
            video: Some("https://video.example.org/j/123?pwd=a,b;c"),
            first: date(2026, 3, 18),
            at: time(12, 30, 0, 0),
            minutes: 60,
            count: 3, // crosses 2026-03-29
        },
        GroupSpec {
            id: "sydney-buddies",
            name: "Sydney buddies",
            zone: "Australia/Sydney",
            members: &["kai", "zoe"],
            neutral: false,
            location: None,
            video: None,
            first: date(2026, 3, 27),
            at: time(9, 15, 0, 0),
            minutes: 30,
            count: 3, // crosses 2026-04-05
        },
        GroupSpec {
            id: "kolkata-debrief",
            name: "Debrief after hard sessions",
            zone: "Asia/Kolkata",
            members: &["priya", "dev"],
            neutral: true,
            location: Some("Quiet room"),
            video: None,
            first: date(2026, 3, 2),
            at: time(16, 45, 0, 0),
            minutes: 20,
            count: 2,
        },
        GroupSpec {
            id: "remote-rounds",
            name: "Remote rounds",
            zone: "UTC",
            members: &["ana", "priya", "kai"],
            neutral: false,
            location: None,
            video: Some("https://video.example.org/rounds"),
            first: date(2026, 3, 5),
            at: time(14, 0, 0, 0),
            minutes: 90,
            count: 2,
        },
    ]
}

fn organization() -> Organization {
    let people = [
        person("ana", "Ana María Ortiz", "America/New_York"),
        person("bo", "Bo Lindqvist", "America/New_York"),
        person("chen", "陈 静", "America/New_York"),
        person("dev", "Dev, Jr. Patel", "America/Chicago"),
        person("eve", "Éve Dubois", "Europe/London"),
        person("zoe", "Zoë Ñúñez-Okafor", "Europe/Berlin"),
        person("kai", "Kai; the Second", "Australia/Sydney"),
        person("priya", "Priya Raghunathan", "Asia/Kolkata"),
    ];
    let groups = specs()
        .into_iter()
        .map(|s| Group {
            id: s.id.to_string(),
            name: s.name.to_string(),
            format: "check-in".to_string(),
            members: s.members.iter().map(|m| m.to_string()).collect(),
            cadence: Cadence::Weekly,
            duration_minutes: s.minutes,
            days: vec![s.first.weekday()],
            earliest: time(7, 0, 0, 0),
            latest: time(19, 0, 0, 0),
            preferred: vec![],
            quorum: 2,
            required_roles: vec![],
            charter: Charter {
                purpose: "Buffer secondary traumatic stress, together; \\ no agenda, no notes."
                    .to_string(),
                boundaries:
                    "Feelings and thoughts, not graphic details.\nWhat is said here stays here."
                        .to_string(),
                open: s.id != "kolkata-debrief",
                size_limit: Some(8),
            },
            escalation: vec![
                Escalation {
                    name: "Employee assistance (EAP)".to_string(),
                    contact: "+1 555 0100, eap.help@care.example.com".to_string(),
                    note: Some("24/7; confidential, free".to_string()),
                },
                Escalation {
                    name: "Clinical lead".to_string(),
                    contact: "Room 3".to_string(),
                    note: None,
                },
            ],
            location: s.location.map(str::to_string),
            video_url: s.video.map(str::to_string),
            neutral_title: s.neutral,
            zone: zone(s.zone),
            settings: toml::Table::new(),
        })
        .collect();
    Organization {
        org: Org {
            dir: PathBuf::from("/nonexistent"),
            name: ORG_NAME.to_string(),
            zone: zone("America/New_York"),
            working_hours: WorkingHours::weekdays(time(8, 0, 0, 0), time(17, 0, 0, 0)),
            horizon_weeks: 12,
            start: Some(date(2026, 2, 23)),
            holidays: vec![],
            holiday_calendars: vec![],
            buffer_minutes: 15,
            client_facing: ClientFacing::All,
            feeds: FeedSettings {
                refresh_minutes: 360,
            },
        },
        people: people.into_iter().map(|p| (p.id.clone(), p)).collect(),
        groups,
    }
}

fn long_detail(i: u32) -> String {
    format!(
        "Round {i}: each person — 👩‍⚕️ clinicians, 社会福祉士, travailleurs sociaux — says how \
         they are doing; pass if you like, no advice unless asked.\nA backslash \\ and a \
         semicolon; and a comma, all kept. Ünïcödé ✓ 🌿🚶‍♀️ {}",
        "ä".repeat(40)
    )
}

fn plan(org: &Organization) -> Plan {
    let mut sessions = Vec::new();
    for (g, s) in org.groups.iter().zip(specs()) {
        for k in 0..s.count {
            let day = s.first.checked_add((7 * k as i64).days()).unwrap();
            let start = day
                .to_datetime(s.at)
                .to_zoned(g.zone.tz.clone())
                .unwrap()
                .timestamp();
            let end = start.checked_add((s.minutes as i64).minutes()).unwrap();
            // The last member is absent from every other session.
            let absent = (k % 2 == 1).then(|| g.members[g.members.len() - 1].clone());
            let attendees: Vec<String> = g
                .members
                .iter()
                .filter(|m| Some(*m) != absent.as_ref())
                .cloned()
                .collect();
            let holder = attendees[k as usize % attendees.len()].clone();
            let third = s.minutes / 3;
            sessions.push(Session {
                group: g.id.clone(),
                index: k * 2 + 1, // indices need not be contiguous
                date: day,
                start,
                end,
                attendees,
                absentees: absent.into_iter().collect(),
                plan: SessionPlan {
                    title: format!("{} — peer check-in #{k}, week {}", g.name, k + 1),
                    agenda: vec![
                        AgendaItem {
                            minutes: s.minutes - 2 * third,
                            title: "Check-in round".to_string(),
                            detail: long_detail(k),
                        },
                        AgendaItem {
                            minutes: third,
                            title: "Success stories".to_string(),
                            detail: "One thing that went well.".to_string(),
                        },
                        AgendaItem {
                            minutes: third,
                            title: "Strategy share".to_string(),
                            detail: String::new(),
                        },
                    ],
                    roles: vec![RoleAssignment {
                        role: "strategy".to_string(),
                        member: holder,
                    }],
                    notes: "Peer support, not therapy.\r\nIf someone needs more, point to the \
                            contacts; keep welcoming them."
                        .to_string(),
                },
            });
        }
    }
    // One session on the second 01:30 of New York's fall-back night, which
    // a TZID cannot name: it must still come out at the right instant.
    let fold: Timestamp = "2026-11-01T06:30:00Z".parse().unwrap();
    let mut extra = sessions[0].clone();
    extra.index = 40;
    extra.date = date(2026, 11, 1);
    extra.start = fold;
    extra.end = fold.checked_add(45.minutes()).unwrap();
    sessions.push(extra);
    sessions.sort_by(|a, b| (a.start, &a.group).cmp(&(b.start, &b.group)));
    Plan {
        horizon: Horizon::starting(date(2026, 2, 23), 40),
        sessions,
        outcomes: vec![],
    }
}

fn options() -> FeedOptions {
    let mut sequence = BTreeMap::new();
    sequence.insert(("morning-walk".to_string(), 3), 2);
    sequence.insert(("lunch-circle".to_string(), 1), 7);
    FeedOptions {
        dtstamp: "2026-02-20T09:00:00Z".parse().unwrap(),
        sequence,
    }
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
                    peerwell::feeds::describe::EMAIL_WITHHELD,
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
    peerwell::feeds::writer::escape_text(s)
}
