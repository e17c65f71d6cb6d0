//! `examples/clinic` stays current: planned from any date — today's and a
//! spread of years and seasons — its members have client hours in the
//! horizon, and every planned session avoids each attendee's busy time (and
//! the buffer after client sessions) as `peerwell busy` reports it, rather
//! than every group sitting at the first slot of its window.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use peerwell_tests::cli::{example_dir, peerwell};
use serde_json::Value;

/// The clinic's time zone.
const ZONE: &str = "America/Chicago";

/// Dates a newcomer might run the example on, besides today.
const DATES: [&str; 4] = [
    "2027-03-15T15:00:00Z",
    "2029-11-05T15:00:00Z",
    "2031-06-02T15:00:00Z",
    "2034-09-18T15:00:00Z",
];

/// One busy span of a member, its end pushed out by the buffer when it is
/// client-facing.
#[derive(Debug)]
struct Busy {
    start: Timestamp,
    end: Timestamp,
    client_facing: bool,
}

fn ts(v: &Value) -> Timestamp {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an RFC 3339 time: {v}"))
}

fn json(args: &[&str]) -> Value {
    let run = peerwell(args);
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("JSON on stdout")
}

fn plan(dir: &Path, now: &str) -> Value {
    let dir = dir.to_str().expect("a UTF-8 path");
    json(&["plan", dir, "--now", now, "--format", "json"])
}

/// `member`'s busy time over the plan's horizon, from `peerwell busy`.
fn busy(dir: &Path, plan: &Value, member: &str) -> Vec<Busy> {
    let horizon = &plan["horizon"];
    let weeks = horizon["weeks"].to_string();
    let from = horizon["start"].as_str().expect("horizon start");
    let dir = dir.to_str().expect("a UTF-8 path");
    let out = json(&[
        "busy", dir, member, "--from", from, "--weeks", &weeks, "--format", "json",
    ]);
    let buffer = SignedDuration::from_mins(out["buffer_minutes"].as_i64().expect("buffer"));
    let spans = out["busy"].as_array().expect("busy spans");
    spans
        .iter()
        .map(|b| {
            let client_facing = b["client_facing"] == true;
            let end = ts(&b["end"]);
            Busy {
                start: ts(&b["start"]),
                end: if client_facing { end + buffer } else { end },
                client_facing,
            }
        })
        .collect()
}

/// Each group's window start (the later of its `window` and the working
/// day's start, 08:00), from the group files.
fn first_slots(dir: &Path) -> BTreeMap<String, Time> {
    let day_start = Time::constant(8, 0, 0, 0);
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir.join("groups"))
        .expect("groups")
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).expect("read a group");
        let doc: toml::Table = text.parse().expect("a group is TOML");
        let window = doc["window"]
            .as_str()
            .expect("every example group has a window");
        let start: Time = window[..5].parse().expect("HH:MM");
        let id = entry
            .path()
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        out.insert(id, start.max(day_start));
    }
    out
}

fn local(t: Timestamp) -> jiff::Zoned {
    t.to_zoned(TimeZone::get(ZONE).expect("zone"))
}

/// Plans the example from `now` and checks every session of every group
/// against its attendees' busy time.
fn check_from(dir: &Path, now: &str, slots: &BTreeMap<String, Time>) {
    let plan = plan(dir, now);
    let sessions = plan["sessions"].as_array().expect("sessions");
    for g in plan["groups"].as_array().expect("groups") {
        let id = &g["id"];
        assert!(
            sessions.iter().any(|s| &s["group"] == id),
            "from {now}: no session of {g}"
        );
    }
    let members: BTreeSet<&str> = sessions
        .iter()
        .flat_map(|s| s["attendees"].as_array().unwrap())
        .chain(
            sessions
                .iter()
                .flat_map(|s| s["absentees"].as_array().unwrap()),
        )
        .map(|m| m.as_str().unwrap())
        .collect();
    let busy: BTreeMap<&str, Vec<Busy>> =
        members.iter().map(|m| (*m, busy(dir, &plan, m))).collect();
    has_client_hours(now, &busy);
    for s in sessions {
        let (start, end) = (ts(&s["start"]), ts(&s["end"]));
        for a in s["attendees"].as_array().unwrap() {
            let a = a.as_str().unwrap();
            let clash = busy[a].iter().find(|b| b.start < end && start < b.end);
            assert!(
                clash.is_none(),
                "from {now}: {a} attends {} {} but is busy {clash:?}",
                s["group"],
                s["start"]
            );
        }
    }
    around_client_hours(now, sessions, &busy, slots);
}

/// Every member has client-facing time in the horizon, most of them many
/// hours of it (the stale example had none from July 2026 on).
fn has_client_hours(now: &str, busy: &BTreeMap<&str, Vec<Busy>>) {
    let hours = |spans: &Vec<Busy>| {
        let total: i64 = spans
            .iter()
            .filter(|b| b.client_facing)
            .map(|b| b.end.as_second() - b.start.as_second())
            .sum();
        total / 3600
    };
    let few: Vec<(&str, i64)> = busy
        .iter()
        .map(|(m, spans)| (*m, hours(spans)))
        .filter(|(_, h)| *h < 20)
        .collect();
    assert!(few.len() <= 2, "from {now}: little client time: {few:?}");
}

/// Groups are placed around client hours: most groups' series do not sit
/// at their window's first slot, and for most groups an attendee has client
/// time close to (within two hours of) one of its sessions.
fn around_client_hours(
    now: &str,
    sessions: &[Value],
    busy: &BTreeMap<&str, Vec<Busy>>,
    slots: &BTreeMap<String, Time>,
) {
    let mut groups: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for s in sessions {
        groups
            .entry(s["group"].as_str().unwrap())
            .or_default()
            .push(s);
    }
    let at_first: Vec<&str> = groups
        .iter()
        .filter(|(g, ss)| {
            ss.iter()
                .all(|s| local(ts(&s["start"])).time() == slots[**g])
        })
        .map(|(g, _)| *g)
        .collect();
    assert!(
        at_first.len() * 2 < groups.len(),
        "from {now}: groups at their window's first slot: {at_first:?}"
    );
    let worked_around = groups
        .iter()
        .filter(|(_, ss)| ss.iter().any(|s| near_client_time(s, busy)))
        .count();
    assert!(
        worked_around * 2 > groups.len(),
        "from {now}: only {worked_around} of {} groups have client time to avoid",
        groups.len()
    );
}

/// Whether an attendee of `s` has client time within two hours either side
/// of it.
fn near_client_time(s: &Value, busy: &BTreeMap<&str, Vec<Busy>>) -> bool {
    let near = SignedDuration::from_hours(2);
    let (start, end) = (ts(&s["start"]) - near, ts(&s["end"]) + near);
    s["attendees"].as_array().unwrap().iter().any(|a| {
        busy[a.as_str().unwrap()]
            .iter()
            .any(|b| b.client_facing && b.start < end && start < b.end)
    })
}

#[test]
fn example_plans_around_client_hours_from_any_date() {
    let dir = example_dir();
    let slots = first_slots(&dir);
    let today = Timestamp::now().round(jiff::Unit::Second).expect("round");
    check_from(&dir, &today.to_string(), &slots);
    for now in DATES {
        check_from(&dir, now, &slots);
    }
}

/// The README's excerpt of `plan examples/clinic` (pinned with `--now`) is
/// what the command prints: its lines, `…` aside, in the same order.
#[test]
fn readme_plan_excerpt_is_current() {
    let readme = std::fs::read_to_string(peerwell_tests::cli::root().join("README.md"))
        .expect("read README.md");
    let command = "`peerwell plan examples/clinic --now ";
    let at = readme
        .find(command)
        .expect("the README pins a plan excerpt");
    let now = readme[at + command.len()..]
        .split('`')
        .next()
        .expect("the --now value");
    let block = readme[at..]
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the excerpt's text block");
    let dir = example_dir();
    let run = peerwell(&["plan", dir.to_str().unwrap(), "--now", now]);
    run.assert_code(0);
    let mut printed = run.stdout.lines();
    for line in block.lines().filter(|l| *l != "…") {
        assert!(
            printed.any(|p| p == line),
            "the README's excerpt line is not printed (in order) from {now}: {line:?}\n{}",
            run.stdout
        );
    }
}
