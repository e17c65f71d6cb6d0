//! Format plugins end to end through the real binary: the check-in plugin
//! against the built-in format (plans, feeds, reminders), structured peer
//! supervision on `examples/clinic` across absences, the JavaScript plugin,
//! `peerwell plugin new`, and determinism with the compiled-plugin cache.

mod authoring;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use peerwell_tests::cli::{Run, copy_example, example_dir, oracle_python, peerwell};
use peerwell_tests::clinic::{
    CHECK_IN_PLUGIN, Member, add_client_event, copy_with_check_in_plugin, members,
};
use serde_json::Value;

const FROM: [&str; 2] = ["--from", "2026-03-02"];
const NOW: [&str; 2] = ["--now", "2026-03-01T00:00:00Z"];
const GROUP: &str = "peer-supervision";
/// The phases of structured peer supervision, in order.
const PHASES: [&str; 6] = [
    "Request for assistance",
    "Questioning round",
    "Feedback statements",
    "Pause",
    "Supervisee response",
    "Process discussion",
];

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn json(run: &Run) -> Value {
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("JSON on stdout")
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// Every `.ics` under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else if let Ok(rel) = p.strip_prefix(base) {
                out.push(rel.to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// One of each of plan (JSON and table), export and reminders on `dir`,
/// each with a fresh planning state.
struct Outputs {
    plan_json: String,
    plan_table: String,
    feeds: BTreeMap<PathBuf, Vec<u8>>,
    reminders: String,
}

fn outputs(dir: &Path) -> Outputs {
    let d = s(dir);
    let plan = peerwell(&[
        "plan", d, "--format", "json", FROM[0], FROM[1], NOW[0], NOW[1],
    ]);
    plan.assert_code(0);
    let table = peerwell(&["plan", d, FROM[0], FROM[1], NOW[0], NOW[1]]);
    table.assert_code(0);
    let out = tempfile::tempdir().expect("temp dir");
    let o = s(out.path());
    peerwell(&["export", d, "--out", o, FROM[0], FROM[1], NOW[0], NOW[1]]).assert_code(0);
    let feeds = files(out.path())
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(out.path().join(&rel)).expect("read a feed");
            (rel, bytes)
        })
        .collect();
    let reminders = peerwell(&["reminders", d, "--format", "json", "--all", NOW[0], NOW[1]]);
    reminders.assert_code(0);
    Outputs {
        plan_json: plan.stdout,
        plan_table: table.stdout,
        feeds,
        reminders: reminders.stdout,
    }
}

/// The check-in plugin gives the same plans, feeds and reminders as the
/// built-in check-in format. The format's name appears only in the table's
/// group headers, `(check-in, …)`; that one token is normalised there.
#[test]
fn check_in_plugin_matches_the_built_in_format_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (builtin, plugin) = (tmp.path().join("builtin"), tmp.path().join("plugin"));
    copy_example(&builtin);
    let moved = copy_with_check_in_plugin(&plugin);
    assert_eq!(
        moved,
        [
            "morning-walk",
            "north-clinicians",
            "south-site-circle",
            "telehealth-checkin"
        ],
        "the check-in groups of the example"
    );
    let a = outputs(&builtin);
    let b = outputs(&plugin);
    assert_eq!(a.plan_json, b.plan_json, "plan --format json differs");
    assert!(!b.plan_json.contains(CHECK_IN_PLUGIN));
    assert_eq!(a.reminders, b.reminders, "reminders --all differ");
    assert!(!b.reminders.contains(CHECK_IN_PLUGIN));
    assert_eq!(
        a.feeds.keys().collect::<Vec<_>>(),
        b.feeds.keys().collect::<Vec<_>>()
    );
    assert_eq!(a.feeds.len(), 9 + 14, "{:?}", a.feeds.keys());
    for (rel, bytes) in &a.feeds {
        assert!(
            Some(bytes) == b.feeds.get(rel),
            "{} differs between the built-in format and the plugin",
            rel.display()
        );
    }
    // The table names each group's format: the plugin's name is the only
    // difference, and it is there for every moved group.
    let plugin_token = format!("({CHECK_IN_PLUGIN}, ");
    assert_eq!(b.plan_table.matches(&plugin_token).count(), moved.len());
    assert_eq!(
        a.plan_table,
        b.plan_table.replace(&plugin_token, "(check-in, ")
    );
}

/// Minutes between two `HH:MM` times.
fn minutes(from: &str, to: &str) -> i64 {
    let m = |t: &str| -> i64 {
        let (h, m) = t
            .split_once(':')
            .unwrap_or_else(|| panic!("`{t}` is no HH:MM"));
        h.parse::<i64>().expect("hours") * 60 + m.parse::<i64>().expect("minutes")
    };
    m(to) - m(from)
}

/// The agenda of a feed event's description: (phase, minutes), checked to
/// run back to back from the session's start.
fn agenda(description: &str) -> Vec<(String, i64)> {
    let body = description
        .split_once("Agenda (America/Chicago time)\n")
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("no agenda in:\n{description}"));
    let mut out = Vec::new();
    let mut last_end: Option<String> = None;
    for line in body.lines().take_while(|l| !l.is_empty()) {
        let (times, rest) = line.split_once(' ').expect("time range and phase");
        let (from, to) = times.split_once('–').expect("an en dash range");
        if let Some(end) = &last_end {
            assert_eq!(end, from, "the agenda has a gap or overlap at: {line}");
        }
        last_end = Some(to.to_string());
        let phase = rest.split(" — ").next().unwrap_or(rest).to_string();
        out.push((phase, minutes(from, to)));
    }
    out
}

/// Checks the role `role` rotates fairly: each time, whoever takes it has
/// held it no more often than any other attendee of that session (so
/// nobody takes it twice while someone attending has not had it yet).
/// Returns how often each member held it.
fn assert_fair_rotation(sessions: &[&Value], role: &str) -> BTreeMap<String, usize> {
    let mut held: BTreeMap<String, usize> = BTreeMap::new();
    for s in sessions {
        let holder = holder(s, role);
        let mine = held.get(&holder).copied().unwrap_or(0);
        for a in arr(&s["attendees"]).iter().map(str_of) {
            let theirs = held.get(a).copied().unwrap_or(0);
            assert!(
                theirs >= mine,
                "session {}: {holder} is {role} for the {} time while {a}, attending, has been {role} {theirs} time(s)",
                s["index"],
                mine + 1
            );
        }
        *held.entry(holder).or_default() += 1;
    }
    held
}

/// The one member holding `role` in session `s`.
fn holder(s: &Value, role: &str) -> String {
    let who: Vec<&str> = arr(&s["roles"])
        .iter()
        .filter(|r| r["role"] == role)
        .map(|r| str_of(&r["member"]))
        .collect();
    assert_eq!(who.len(), 1, "session {}: one {role}: {s}", s["index"]);
    who[0].to_string()
}

/// Checks every session of the peer-supervision plan; returns the sessions.
fn check_supervision_plan(plan: &Value, people: &BTreeMap<String, Member>) -> Vec<Value> {
    let sessions: Vec<Value> = arr(&plan["sessions"])
        .iter()
        .filter(|s| s["group"] == GROUP)
        .cloned()
        .collect();
    assert!(sessions.len() >= 5, "{plan}");
    let supervisor = |id: &str| {
        people
            .get(id)
            .is_some_and(|m| m.tags.iter().any(|t| t == "supervisor"))
    };
    for s in &sessions {
        let attendees: Vec<&str> = arr(&s["attendees"]).iter().map(str_of).collect();
        assert_eq!(arr(&s["roles"]).len(), 2, "{s}");
        let presenter = holder(s, "presenter");
        let moderator = holder(s, "moderator");
        assert_ne!(presenter, moderator, "{s}");
        for who in [&presenter, &moderator] {
            assert!(
                attendees.contains(&who.as_str()),
                "{who} does not attend: {s}"
            );
        }
        if attendees
            .iter()
            .any(|a| *a != presenter.as_str() && supervisor(a))
        {
            assert!(
                supervisor(&moderator),
                "a supervisor attends but {moderator} moderates: {s}"
            );
        }
    }
    let refs: Vec<&Value> = sessions.iter().collect();
    assert_fair_rotation(&refs, "presenter");
    sessions
}

fn supervision_plan(dir: &Path) -> Value {
    json(&peerwell(&[
        "plan",
        s(dir),
        "--format",
        "json",
        "--group",
        GROUP,
        FROM[0],
        FROM[1],
    ]))
}

#[test]
fn structured_peer_supervision_plans_feeds_and_reminds() {
    let dir = example_dir();
    let people = members(&dir);
    let plan = supervision_plan(&dir);
    let sessions = check_supervision_plan(&plan, &people);
    // Every regular attendee presents before anyone presents again.
    let refs: Vec<&Value> = sessions.iter().collect();
    let held = assert_fair_rotation(&refs, "presenter");
    assert!(held.len() >= 3, "{held:?}");

    // The feed, read by Python's icalendar.
    let out = tempfile::tempdir().expect("temp dir");
    peerwell(&["export", s(&dir), "--out", s(out.path()), FROM[0], FROM[1]]).assert_code(0);
    let feed = out.path().join(format!("groups/{GROUP}.ics"));
    let lines = oracle_python("feed_events.py", &[s(&feed).to_string()]);
    let events: Value = serde_json::from_str(&lines[0]).expect("oracle JSON");
    let events = arr(&events);
    assert_eq!(events.len(), sessions.len());
    for (e, s) in events.iter().zip(&sessions) {
        assert_eq!(e["summary"], s["title"]);
        let start: jiff::Timestamp = str_of(&s["start"]).parse().expect("start");
        let utc = start.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        assert_eq!(e["start"], utc.as_str());
        let d = str_of(&e["description"]);
        let agenda = agenda(d);
        let phases: Vec<&str> = agenda.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(phases, PHASES, "{d}");
        assert_eq!(agenda.iter().map(|(_, m)| m).sum::<i64>(), 75, "{d}");
        for want in [
            "The supervisee stays silent",
            "Low-impact disclosure",
            "no graphic details",
        ] {
            assert!(d.contains(want), "`{want}` missing from:\n{d}");
        }
        let first = |id: &str| {
            people[id]
                .name
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string()
        };
        let presenter = first(&holder(s, "presenter"));
        let moderator = first(&holder(s, "moderator"));
        assert!(
            d.contains(&format!("presenter: {presenter}\nmoderator: {moderator}\n")),
            "{d}"
        );
    }

    // Reminders for the next session: the plugin's notices and a deadline.
    let next = &sessions[0];
    let presenter = holder(next, "presenter");
    let moderator = holder(next, "moderator");
    let reminders = json(&peerwell(&[
        "reminders",
        s(&dir),
        "--group",
        GROUP,
        "--format",
        "json",
        NOW[0],
        NOW[1],
    ]));
    let reminders = arr(&reminders);
    assert!(reminders.iter().all(|r| r["group"] == GROUP));
    let find = |who: &str, kind: &str| -> Vec<&Value> {
        reminders
            .iter()
            .filter(|r| r["recipient"] == who && str_of(&r["kind"]).starts_with(kind))
            .collect()
    };
    for (who, role) in [(&presenter, "presenter"), (&moderator, "moderator")] {
        let notice = find(who, &format!("role notice: {role}"));
        assert_eq!(notice.len(), 1, "{who}: {reminders:?}");
        assert_eq!(notice[0]["by_format"], true, "{}", notice[0]);
    }
    let deadline = find(&presenter, "deadline: request for assistance");
    assert_eq!(deadline.len(), 1, "{reminders:?}");
    let due: jiff::Timestamp = str_of(&deadline[0]["due"]).parse().expect("due");
    let start: jiff::Timestamp = str_of(&next["start"]).parse().expect("start");
    assert_eq!(
        (start - due).get_seconds(),
        48 * 3600,
        "prep_days = 2: {}",
        deadline[0]
    );
    assert!(
        reminders
            .iter()
            .filter(|r| str_of(&r["kind"]).starts_with("deadline"))
            .all(|r| r["recipient"] == presenter.as_str()),
        "only the presenter has a deadline"
    );
}

#[test]
fn peer_supervision_rotation_skips_absences_and_stays_fair() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("clinic");
    copy_example(&dir);
    let base = supervision_plan(&dir);
    let base_sessions = arr(&base["sessions"]);
    let on = |date: &str| -> Option<&Value> {
        base_sessions
            .iter()
            .find(|s| str_of(&s["start"]).starts_with(date))
    };
    // Jo is absent on the date she would present, Kwame (a supervisor) on
    // a later one; quorum 3 lets those sessions still meet.
    let changes = [
        ("jo", "jo-apple.ics", "2026-03-31"),
        ("kwame", "kwame-outlook.ics", "2026-04-28"),
    ];
    let canary = "CANARY-5f1e-ROTATION";
    for (who, file, date) in changes {
        let s = on(date).unwrap_or_else(|| panic!("no session on {date}: {base}"));
        assert!(arr(&s["attendees"]).iter().any(|a| a == who), "{s}");
        add_client_event(&dir, file, &date.replace('-', ""), canary);
    }
    assert_eq!(
        holder(on("2026-03-31").expect("session"), "presenter"),
        "jo"
    );
    let group = dir.join(format!("groups/{GROUP}.toml"));
    let text = std::fs::read_to_string(&group).expect("read group");
    assert!(text.contains("\nquorum = 4\n"));
    std::fs::write(&group, text.replace("\nquorum = 4\n", "\nquorum = 3\n")).expect("write group");

    let run = peerwell(&[
        "plan",
        s(&dir),
        "--format",
        "json",
        "--group",
        GROUP,
        FROM[0],
        FROM[1],
    ]);
    assert!(!run.stdout.contains(canary) && !run.stderr.contains(canary));
    let plan = json(&run);
    let sessions = check_supervision_plan(&plan, &members(&dir));
    for (who, _, date) in changes {
        let s = sessions
            .iter()
            .find(|s| str_of(&s["start"]).starts_with(date))
            .unwrap_or_else(|| panic!("no session on {date}: {plan}"));
        assert!(arr(&s["absentees"]).iter().any(|a| a == who), "{s}");
        assert!(arr(&s["roles"]).iter().all(|r| r["member"] != who), "{s}");
    }
    // Jo's turn waits for her and she presents at the next session she attends.
    let after: Vec<&Value> = sessions
        .iter()
        .filter(|s| str_of(&s["start"]) > "2026-03-31")
        .collect();
    let jo_back = after
        .iter()
        .find(|s| arr(&s["attendees"]).iter().any(|a| a == "jo"))
        .expect("jo attends again");
    assert_eq!(holder(jo_back, "presenter"), "jo", "{jo_back}");
    // It ends fair: among those who came, turns differ by at most one.
    let refs: Vec<&Value> = sessions.iter().collect();
    let held = assert_fair_rotation(&refs, "presenter");
    let mut came: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &sessions {
        for a in arr(&s["attendees"]) {
            came.entry(str_of(a)).or_insert(0);
        }
    }
    for (who, n) in &held {
        came.insert(who, *n);
    }
    let (lo, hi) = (came.values().min(), came.values().max());
    assert!(
        hi.zip(lo).is_some_and(|(h, l)| h - l <= 1),
        "unfair turns: {came:?}"
    );
}
