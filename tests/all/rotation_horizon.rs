//! With no published state, `plan --from` a later Monday continues the
//! rotation of the weeks before it (issue 14, point 2): it plans what the
//! stateful flow (`export`, then `--from` later) would have published
//! before the horizon, in memory, so every session both plans hold has the
//! same time, attendees and roles, built-in formats and plugins alike,
//! also when a member was away or a holiday fell before the later start;
//! `export --from` publishes the same events for those sessions; and
//! nothing is written by a preview. With a saved state that ends before
//! the later start, the weeks between are continued from it the same way.

use std::collections::BTreeMap;
use std::path::Path;

use peerwell_tests::cli::{Run, copy_example, example_dir, peerwell_in};
use serde_json::Value;

use peerwell_tests::clinic::copy_with_check_in_plugin;

const NOW: [&str; 2] = ["--now", "2026-03-01T00:00:00Z"];
/// Later Mondays, three to six weeks after the policies' start.
const LATER: [&str; 4] = ["2026-03-23", "2026-03-30", "2026-04-06", "2026-04-13"];

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn json(run: &Run) -> Value {
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("JSON on stdout")
}

/// (group, index) → the session as `plan --format json` gives it.
type Sessions = BTreeMap<(String, u64), Value>;

fn sessions(plan: &Value) -> Sessions {
    plan["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| {
            let group = s["group"].as_str().expect("group").to_string();
            ((group, s["index"].as_u64().expect("index")), s.clone())
        })
        .collect()
}

/// `plan --format json` of `policy` at [`NOW`] with `extra` arguments, in
/// the data folder `data`; checks that the run published no state when
/// there was none.
fn plan_in(policy: &Path, extra: &[&str], data: &Path) -> Value {
    let had_state = data.join("state.sqlite3").exists();
    let mut args = vec!["plan", s(policy), "--format", "json", NOW[0], NOW[1]];
    args.extend(extra);
    let plan = json(&peerwell_in(&args, data));
    assert!(
        had_state || !data.join("state.sqlite3").exists(),
        "plan {extra:?} published a state"
    );
    plan
}

/// Plans `policy` without `--from` and from each later Monday, each with
/// an empty state, and checks that every session both plans hold is the
/// same session (time, attendees, roles, title), with sessions of each of
/// `groups` among them, at least `min` sessions. Returns the plan without
/// `--from`.
fn assert_later_starts_continue(policy: &Path, groups: &[&str], min: usize) -> Sessions {
    let tmp = tempfile::tempdir().expect("temp dir");
    let first = sessions(&plan_in(policy, &[], &tmp.path().join("state-now")));
    for later in LATER {
        let data = tmp.path().join(format!("state-{later}"));
        let second = sessions(&plan_in(policy, &["--from", later], &data));
        let both: Vec<_> = second.keys().filter(|k| first.contains_key(*k)).collect();
        assert!(
            both.len() >= min,
            "from {later}: only {} in both",
            both.len()
        );
        for group in groups {
            assert!(
                both.iter().any(|(g, _)| g == group),
                "from {later}: no session of {group} in both"
            );
        }
        for key in both {
            assert_eq!(first[key], second[key], "from {later}: {key:?} differs");
        }
    }
    first
}

/// Every rotating built-in format of the clinic and its structured peer
/// supervision plugin: each session keeps its time and roles.
#[test]
fn plan_from_a_later_monday_keeps_every_session_with_no_state() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = tmp.path().join("policy");
    copy_example(&policy);
    assert_later_starts_continue(
        &policy,
        &[
            "morning-walk",
            "friday-debrief",
            "balint",
            "schwartz-rounds",
            "peer-supervision",
        ],
        15,
    );
}

/// The same with the clinic's check-in groups on the check-in plugin.
#[test]
fn the_check_in_plugin_keeps_each_session_with_no_state_too() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = tmp.path().join("policy");
    let moved = copy_with_check_in_plugin(&policy);
    assert!(moved.iter().any(|g| g == "morning-walk"), "{moved:?}");
    assert_later_starts_continue(&policy, &["morning-walk", "peer-supervision"], 15);
}

/// A week of leave of a member of many groups and a holiday, both before
/// the later starts: sessions after them keep their roles all the same.
#[test]
fn an_absence_and_a_holiday_before_the_later_start_change_no_later_session() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = tmp.path().join("policy");
    copy_example(&policy);
    add_leave(&policy.join("calendars/amara-google.ics"));
    let toml = policy.join("peerwell.toml");
    let org = std::fs::read_to_string(&toml).expect("read peerwell.toml");
    let org = org.replace("dates = [2026-05-25]", "dates = [2026-03-12, 2026-05-25]");
    std::fs::write(&toml, org).expect("write peerwell.toml");

    let first = assert_later_starts_continue(
        &policy,
        &[
            "morning-walk",
            "friday-debrief",
            "balint",
            "peer-supervision",
        ],
        15,
    );
    assert_leave_and_holiday_took_effect(&first);
}

/// Appends a week of leave (16–20 March 2026) to a calendar.
fn add_leave(calendar: &Path) {
    let text = std::fs::read_to_string(calendar).expect("read a calendar");
    let leave = "BEGIN:VEVENT\r\nUID:leave-20260316@test\r\nDTSTAMP:20260301T000000Z\r\n\
                 DTSTART;VALUE=DATE:20260316\r\nDTEND;VALUE=DATE:20260321\r\n\
                 SUMMARY:Annual leave\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    std::fs::write(calendar, text.replace("END:VCALENDAR\r\n", leave)).expect("write");
}

/// Amara's leave kept her away from a session, and nothing falls on the
/// holiday of 12 March.
fn assert_leave_and_holiday_took_effect(plan: &Sessions) {
    let away = plan
        .values()
        .filter(|p| {
            p["start"]
                .as_str()
                .is_some_and(|t| t.starts_with("2026-03-1"))
        })
        .filter(|p| !p["attendees"].to_string().contains("\"amara\""))
        .count();
    assert!(away > 0, "amara's leave kept nobody away");
    assert!(
        !plan.values().any(|p| p["start"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-03-12"))),
        "a session on the holiday"
    );
}

/// A small organization starting on Monday 2 March 2026 with horizons of
/// `weeks` weeks: four people (amara's calendar has a week of leave from
/// 16 March), a holiday on 12 March, a walk and a debrief group whose
/// roles rotate.
fn small_org(dir: &Path, weeks: u32) {
    std::fs::create_dir_all(dir.join("groups")).expect("create the policy");
    std::fs::copy(
        example_dir().join("calendars/amara-google.ics"),
        dir.join("amara.ics"),
    )
    .expect("copy a calendar");
    add_leave(&dir.join("amara.ics"));
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write");
    write(
        "peerwell.toml",
        &format!(
            "version = 1\nname = \"Small clinic\"\ntime_zone = \"America/Chicago\"\n\
             start = 2026-03-02\nhorizon_weeks = {weeks}\n\n[holidays]\ndates = [2026-03-12]\n"
        ),
    );
    let mut people = String::from("version = 1\n");
    for (id, name) in [
        ("amara", "Amara Okafor"),
        ("ben", "Ben Whitfield"),
        ("carmen", "Carmen Reyes"),
        ("gus", "Gus Lindqvist"),
    ] {
        let calendar = if id == "amara" {
            "calendars = [\"amara.ics\"]\n"
        } else {
            ""
        };
        people.push_str(&format!(
            "\n[[person]]\nid = \"{id}\"\nname = \"{name}\"\nemail = \"{id}@small.example\"\n{calendar}"
        ));
    }
    write("people.toml", &people);
    let group = |format: &str, days: &str, settings: &str| {
        format!(
            "version = 1\nname = \"{format} group\"\nformat = \"{format}\"\n\
             members = [\"amara\", \"ben\", \"carmen\", \"gus\"]\ncadence = \"weekly\"\n\
             duration_minutes = 30\ndays = {days}\nquorum = 3\n{CHARTER}\n[settings]\n{settings}"
        )
    };
    write(
        "groups/walk.toml",
        &group(
            "check-in",
            "[\"tue\", \"thu\"]",
            "activity = \"walk\"\nstrategy_topics = [\"mindfulness\", \"boundaries\"]\n",
        ),
    );
    write(
        "groups/debrief.toml",
        &group("debrief", "[\"thu\", \"fri\"]", "listener = true\n"),
    );
}

/// The charter and escalation every group file needs.
const CHARTER: &str = "\n[charter]\npurpose = \"Peer support.\"\n\n[[escalation]]\nname = \"Employee Assistance Program\"\ncontact = \"1-800-555-0142\"\n";

/// On the small organization with horizons longer than the gap, an absence
/// and a holiday before the later start change no later session.
#[test]
fn a_small_org_with_leave_and_a_holiday_keeps_every_later_session() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = tmp.path().join("policy");
    small_org(&policy, 10);
    let first = assert_later_starts_continue(&policy, &["walk", "debrief"], 8);
    assert_leave_and_holiday_took_effect(&first);
    let roles: std::collections::BTreeSet<String> = first
        .values()
        .filter(|p| p["group"] == "walk")
        .map(|p| p["roles"].to_string())
        .collect();
    assert!(roles.len() > 1, "the walk's roles do not rotate: {roles:?}");
}

/// `--from` several horizons ahead with no state plans exactly what the
/// stateful flow gives: `export`, `export --from` the end of each
/// published horizon, then `plan --from`.
#[test]
fn from_several_horizons_ahead_equals_exporting_horizon_by_horizon() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = tmp.path().join("policy");
    small_org(&policy, 2);
    let later = "2026-04-13";
    let fresh = plan_in(&policy, &["--from", later], &tmp.path().join("fresh"));

    let data = tmp.path().join("state");
    for from in [None, Some("2026-03-16"), Some("2026-03-30")] {
        let out = tmp.path().join(format!("out-{}", from.unwrap_or("now")));
        let mut args = vec!["export", s(&policy), "--out", s(&out), NOW[0], NOW[1]];
        args.extend(from.iter().flat_map(|f| ["--from", f]));
        peerwell_in(&args, &data).assert_code(0);
    }
    let stateful = plan_in(&policy, &["--from", later], &data);
    assert_eq!(fresh["horizon"]["start"], later);
    let (fresh, stateful) = (sessions(&fresh), sessions(&stateful));
    assert!(fresh.len() >= 4, "too few sessions: {fresh:?}");
    assert_eq!(fresh, stateful);
}

/// `--from` within the week of `now`, or the policy's `start` when that is
/// later, plans what a run without `--from` plans; `--from` before it too
/// plans from that week, with nothing before it to continue, and a
/// preview writes no state.
#[test]
fn from_this_week_or_before_plans_no_earlier_horizon() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = tmp.path().join("policy");
    small_org(&policy, 4);
    let data = tmp.path().join("state");
    let plain = plan_in(&policy, &[], &data);
    // `now` is a Sunday before the policy's start: its first week plans.
    for from in ["2026-03-02", "2026-03-04"] {
        assert_eq!(plan_in(&policy, &["--from", from], &data), plain, "{from}");
    }
    let earlier = plan_in(&policy, &["--from", "2026-02-23"], &data);
    assert_eq!(earlier["horizon"]["start"], "2026-02-23");
    // A Wednesday inside the horizon: the week's Monday is its start.
    let now = "2026-03-18T12:00:00Z";
    let run = |extra: &[&str]| {
        let mut args = vec!["plan", s(&policy), "--format", "json", "--now", now];
        args.extend(extra);
        json(&peerwell_in(&args, &data))
    };
    let plain = run(&[]);
    assert_eq!(plain["horizon"]["start"], "2026-03-16");
    assert_eq!(run(&["--from", "2026-03-19"]), plain);
    // Two weeks before the week of `now`: that week starts the horizon.
    let before = run(&["--from", "2026-03-02"]);
    assert_eq!(before["horizon"]["start"], "2026-03-02");
    let first_week = sessions(&before)
        .values()
        .filter(|p| p["start"].as_str().is_some_and(|t| t < "2026-03-09"))
        .count();
    assert!(first_week > 0, "nothing planned in the week of --from");
    assert!(!data.join("state.sqlite3").exists(), "a plan wrote a state");
}

/// The group feeds' events by UID, unfolded, without DTSTAMP (the time of
/// the revision, which differs with the horizon a session was first
/// published in).
fn events(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir.join("groups"))
        .expect("group feeds")
        .flatten()
    {
        let text = std::fs::read_to_string(entry.path()).expect("read a feed");
        let text = text.replace("\r\n ", "");
        for event in text.split("BEGIN:VEVENT\r\n").skip(1) {
            let lines: Vec<&str> = event
                .lines()
                .take_while(|l| *l != "END:VEVENT")
                .filter(|l| !l.starts_with("DTSTAMP:"))
                .collect();
            let uid = lines
                .iter()
                .find_map(|l| l.strip_prefix("UID:"))
                .expect("a UID")
                .to_string();
            out.insert(uid, lines.join("\n"));
        }
    }
    out
}

/// `export --from` a later Monday with no state publishes, for every
/// session the export without `--from` holds, the same event (UID,
/// SEQUENCE, time, roles, text), and publishes nothing before `--from`.
#[test]
fn export_from_a_later_monday_publishes_the_same_events() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = tmp.path().join("policy");
    copy_example(&policy);
    let export = |from: Option<&str>| {
        let name = from.unwrap_or("now");
        let out = tmp.path().join(format!("out-{name}"));
        let mut args = vec!["export", s(&policy), "--out", s(&out), NOW[0], NOW[1]];
        args.extend(from.iter().flat_map(|f| ["--from", f]));
        peerwell_in(&args, &tmp.path().join(format!("state-{name}"))).assert_code(0);
        events(&out)
    };
    let first = export(None);
    let later = export(Some(LATER[2]));
    let both: Vec<&String> = later
        .keys()
        .filter(|uid| first.contains_key(*uid))
        .collect();
    assert!(both.len() >= 15, "only {} events in both", both.len());
    for uid in both {
        assert!(first[uid].contains("\nSEQUENCE:0\n"), "{}", first[uid]);
        assert_eq!(first[uid], later[uid], "{uid} differs");
    }
    // Only the requested horizon was published.
    for event in later.values() {
        let start = event
            .lines()
            .find(|l| l.starts_with("DTSTART"))
            .and_then(|l| l.rsplit(':').next())
            .expect("a DTSTART");
        assert!(start >= "20260406", "published before --from: {event}");
    }
}

/// With a saved state that ends before the requested start (one horizon
/// exported, `--from` two to four horizons later), the weeks between are
/// continued from that state: every later start gives each session it
/// shares with the next the same time, attendees and roles, and equals
/// exporting horizon by horizon up to it; the saved state is not written.
#[test]
fn from_beyond_a_saved_state_continues_through_the_weeks_between() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let policy = tmp.path().join("policy");
    small_org(&policy, 2);
    let export = |data: &Path, from: Option<&str>| {
        let out = tmp.path().join(format!("out-{}", from.unwrap_or("now")));
        let mut args = vec!["export", s(&policy), "--out", s(&out), NOW[0], NOW[1]];
        args.extend(from.iter().flat_map(|f| ["--from", f]));
        peerwell_in(&args, data).assert_code(0);
    };
    let saved = tmp.path().join("saved");
    export(&saved, None);
    let state = std::fs::read(saved.join("state.sqlite3")).expect("the saved state");

    let later = ["2026-03-30", "2026-04-06", "2026-04-13"];
    let plans: Vec<Sessions> = later
        .iter()
        .map(|from| sessions(&plan_in(&policy, &["--from", from], &saved)))
        .collect();
    // Two-week horizons a week apart share their middle week.
    for pair in plans.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let both: Vec<_> = b.keys().filter(|k| a.contains_key(*k)).collect();
        assert!(both.len() >= 2, "only {} sessions in both", both.len());
        for key in both {
            assert_eq!(a[key], b[key], "{key:?} differs between later starts");
        }
    }
    let stepwise = tmp.path().join("stepwise");
    for from in [None, Some("2026-03-16"), Some("2026-03-30")] {
        export(&stepwise, from);
    }
    let stateful = sessions(&plan_in(&policy, &["--from", later[2]], &stepwise));
    assert!(stateful.len() >= 4, "too few sessions: {stateful:?}");
    assert_eq!(plans[2], stateful);
    let after = std::fs::read(saved.join("state.sqlite3")).expect("the saved state");
    assert!(after == state, "a plan wrote to the saved state");
}
