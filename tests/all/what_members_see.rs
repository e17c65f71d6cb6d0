//! What members and HR see, through the real binary: buddies told who
//! their buddy is, every pair of a cycle in `reminders`, one session
//! numbering, explanations for pairs and for the whole organization, and
//! DTSTAMPs that record revisions.

use std::collections::BTreeSet;
use std::path::Path;

use peerwell_tests::cli::{Run, copy_example, example_dir, peerwell, peerwell_in};
use serde_json::Value;

const NOW: &str = "2026-03-01T00:00:00Z";
const FROM: [&str; 2] = ["--from", "2026-03-02"];
const BUDDIES: &str = "resilience-buddies";

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn json(run: &Run) -> Value {
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("JSON on stdout")
}

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().expect("an RFC 3339 timestamp")
}

/// The local date of an RFC 3339 time with offset.
fn local_date(s: &str) -> jiff::civil::Date {
    s[..10].parse().expect("a date")
}

/// The buddy sessions of the example's plan at `NOW`, by start.
fn buddy_sessions(dir: &Path) -> Vec<Value> {
    let plan = json(&peerwell(&[
        "plan",
        s(dir),
        "--format",
        "json",
        "--now",
        NOW,
    ]));
    plan["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter(|s| s["group"] == BUDDIES)
        .cloned()
        .collect()
}

/// `reminders` without `--all` shows every pair of the next buddies cycle,
/// not only the first pair's messages.
#[test]
fn reminders_show_every_pair_of_the_next_cycle() {
    let dir = example_dir();
    let sessions = buddy_sessions(&dir);
    let first = sessions.first().expect("buddy sessions");
    let monday = |v: &Value| {
        let d = local_date(v["start"].as_str().unwrap());
        d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
            .unwrap()
    };
    let week = monday(first);
    let cycle: Vec<&Value> = sessions.iter().filter(|s| monday(s) == week).collect();
    assert!(
        cycle.len() >= 2,
        "the first cycle has several pairs: {cycle:?}"
    );
    let reminders = json(&peerwell(&[
        "reminders",
        s(&dir),
        "--group",
        BUDDIES,
        "--format",
        "json",
        "--now",
        NOW,
    ]));
    let got: BTreeSet<(u64, String)> = reminders
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["recipient"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for pair in &cycle {
        for who in pair["attendees"].as_array().unwrap() {
            let key = (
                pair["index"].as_u64().unwrap(),
                who.as_str().unwrap().to_string(),
            );
            assert!(got.contains(&key), "no reminder for {key:?}: {got:?}");
        }
    }
    // Nothing from later cycles.
    let indices: BTreeSet<u64> = cycle.iter().map(|p| p["index"].as_u64().unwrap()).collect();
    assert!(got.iter().all(|(i, _)| indices.contains(i)), "{got:?}");
    let _ = ts(NOW);
}

/// (feed file, UID) → (SEQUENCE, DTSTAMP) of every event of an export.
fn stamps(out: &Path) -> std::collections::BTreeMap<(String, String), (u32, String)> {
    let mut all = std::collections::BTreeMap::new();
    for sub in ["groups", "members"] {
        for e in std::fs::read_dir(out.join(sub)).expect("exported feeds") {
            let path = e.expect("a feed").path();
            let text = std::fs::read_to_string(&path).expect("read a feed");
            let file = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            let (mut uid, mut seq, mut stamp) = (String::new(), 0, String::new());
            for line in text.replace("\r\n ", "").split("\r\n") {
                if let Some(v) = line.strip_prefix("UID:") {
                    uid = v.to_string();
                } else if let Some(v) = line.strip_prefix("SEQUENCE:") {
                    seq = v.parse().expect("a SEQUENCE");
                } else if let Some(v) = line.strip_prefix("DTSTAMP:") {
                    stamp = v.to_string();
                } else if line == "END:VEVENT" {
                    all.insert((file.clone(), uid.clone()), (seq, stamp.clone()));
                }
            }
        }
    }
    all
}

fn feed_bytes(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for sub in ["groups", "members"] {
        for e in std::fs::read_dir(out.join(sub)).expect("exported feeds") {
            let path = e.expect("a feed").path();
            let name = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            all.push((name, std::fs::read(&path).expect("read a feed")));
        }
    }
    all.sort();
    all
}

/// DTSTAMP is when the event was last revised, as recorded in the state:
/// never in the future, raised with SEQUENCE, and the same bytes for the
/// same inputs and state.
#[test]
fn dtstamp_is_the_time_of_the_last_revision() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = example_dir();
    let data = tmp.path().join("state");
    let export = |now: &str, weeks: &str, name: &str| {
        let out = tmp.path().join(name);
        peerwell_in(
            &[
                "export",
                s(&dir),
                "--out",
                s(&out),
                "--now",
                now,
                "--weeks",
                weeks,
                FROM[0],
                FROM[1],
            ],
            &data,
        )
        .assert_code(0);
        out
    };
    let first = export("2026-02-20T12:00:00Z", "8", "first");
    let before = stamps(&first);
    assert!(before.len() > 100, "{} events", before.len());
    for (key, (_, stamp)) in &before {
        assert_eq!(stamp, "20260220T120000Z", "{key:?}: stamped at the export");
    }
    // A shorter horizon cancels the later sessions: their SEQUENCE rises
    // and their DTSTAMP with it; every other event keeps both.
    let second = export("2026-02-25T08:30:00Z", "4", "second");
    let after = stamps(&second);
    let mut raised = 0;
    for (key, (seq, stamp)) in &after {
        let (old_seq, old_stamp) = &before[key];
        if seq > old_seq {
            raised += 1;
            assert_eq!(stamp, "20260225T083000Z", "{key:?}: revised");
        } else {
            assert_eq!((seq, stamp), (old_seq, old_stamp), "{key:?}: unchanged");
        }
    }
    assert!(raised > 10, "{raised} cancelled events");
    // Nothing changes: the same bytes, whatever the clock says.
    let third = export("2026-02-26T17:00:00Z", "4", "third");
    assert_eq!(feed_bytes(&second), feed_bytes(&third));
}

/// True when `text` has a `#` followed by a digit: a session number.
fn has_number(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'#' && w[1].is_ascii_digit())
}

/// One user-facing naming of sessions everywhere: group and local date
/// (and time); no command shows a session number, 0-based, 1-based or a
/// buddy pair's internal one.
#[test]
fn sessions_are_named_by_date_not_number() {
    let dir = example_dir();
    let d = s(&dir);
    // A fresh state: every planned session is "added".
    let diff = peerwell(&["diff", d, "--now", NOW, FROM[0], FROM[1]]);
    diff.assert_code(0);
    let plan = json(&peerwell(&[
        "plan", d, "--format", "json", "--now", NOW, FROM[0], FROM[1],
    ]));
    let walk = plan["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["group"] == "morning-walk")
        .expect("a walk");
    let date = &walk["start"].as_str().unwrap()[..10];
    assert!(
        diff.stdout
            .lines()
            .any(|l| l.starts_with("+ added      morning-walk  ") && l.contains(date)),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout.contains("+ added      resilience-buddies  "),
        "{}",
        diff.stdout
    );
    let mut runs = vec![diff];
    for group in ["morning-walk", "balint", BUDDIES] {
        runs.push(peerwell(&[
            "plan",
            d,
            "--explain",
            "--group",
            group,
            "--now",
            NOW,
            FROM[0],
            FROM[1],
        ]));
    }
    runs.push(peerwell(&[
        "plan",
        d,
        "--explain",
        "--now",
        NOW,
        FROM[0],
        FROM[1],
    ]));
    runs.push(peerwell(&["reminders", d, "--now", NOW]));
    for run in &runs {
        run.assert_code(0);
        assert!(
            !has_number(&run.stdout),
            "`peerwell {}` shows a session number:\n{}",
            run.args.join(" "),
            run.stdout
        );
    }
}

/// `plan --explain` without `--group` summarises who misses what across
/// groups, with the counts the plan itself shows, instead of "nothing to
/// explain".
#[test]
fn explain_without_a_group_summarises_who_misses_what() {
    let dir = example_dir();
    let d = s(&dir);
    let plan = json(&peerwell(&[
        "plan", d, "--format", "json", "--now", NOW, FROM[0], FROM[1],
    ]));
    // (member, group) → (absent, planned for)
    let mut want: std::collections::BTreeMap<(String, String), (u32, u32)> = Default::default();
    for s in plan["sessions"].as_array().unwrap() {
        let g = s["group"].as_str().unwrap().to_string();
        for (list, absent) in [("attendees", 0), ("absentees", 1)] {
            for m in s[list].as_array().unwrap() {
                let e = want
                    .entry((m.as_str().unwrap().to_string(), g.clone()))
                    .or_default();
                e.0 += absent;
                e.1 += 1;
            }
        }
    }
    want.retain(|_, (absent, _)| *absent > 0);
    assert!(!want.is_empty(), "someone misses a session in the example");
    let run = peerwell(&["plan", d, "--explain", "--now", NOW, FROM[0], FROM[1]]);
    run.assert_code(0);
    let out = &run.stdout;
    assert!(!out.contains("nothing to explain"), "{out}");
    assert!(out.contains("Who misses what"), "{out}");
    for ((member, group), (absent, of)) in &want {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{member}: ")))
            .unwrap_or_else(|| panic!("no line for {member}:\n{out}"));
        assert!(
            line.contains(&format!("{group} {absent} of {of} (")),
            "{member} misses {absent} of {of} {group} sessions: {line}"
        );
    }
}

/// id → (first name, email) of everyone in the policy's people.toml.
fn people(policy: &Path) -> std::collections::BTreeMap<String, (String, String)> {
    let text = std::fs::read_to_string(policy.join("people.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    doc["person"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_string();
            let first = s("name").split_whitespace().next().unwrap().to_string();
            (s("id"), (first, s("email")))
        })
        .collect()
}

/// The DESCRIPTION of the event with `uid` in the feed at `path`, unfolded
/// and unescaped enough to search.
fn description(path: &Path, uid: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap().replace("\r\n ", "");
    let event = text
        .split("BEGIN:VEVENT")
        .find(|e| e.contains(&format!("UID:{uid}\r\n")))
        .unwrap_or_else(|| panic!("no event {uid} in {}", path.display()));
    event
        .split("\r\n")
        .find_map(|l| l.strip_prefix("DESCRIPTION:"))
        .unwrap_or_default()
        .replace("\\n", "\n")
        .replace("\\,", ",")
        .replace("\\;", ";")
}

/// Each buddy is told who their buddy is: first name (and, as the
/// organization allows, the email address) in their own feed and
/// reminders; the shared group feed names no pairs; the confidential
/// exclusions stay invisible.
#[test]
fn buddies_are_told_who_their_buddy_is() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy");
    copy_example(&policy);
    let toml = policy.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let text = text.replace(
        "groups = \"groups\"\n",
        "groups = \"groups\"\npartner_contact = \"email\"\n",
    );
    std::fs::write(&toml, text).unwrap();
    let who = people(&policy);
    let d = s(&policy);
    let data = tmp.path().join("state");
    let pairs = buddy_sessions(&policy);
    assert!(pairs.len() >= 10, "{} buddy sessions", pairs.len());
    let out = tmp.path().join("out");
    peerwell_in(&["export", d, "--out", s(&out), "--now", NOW], &data).assert_code(0);
    let reminders = json(&peerwell(&[
        "reminders",
        d,
        "--all",
        "--group",
        BUDDIES,
        "--format",
        "json",
        "--now",
        NOW,
    ]));
    let reminders = reminders.as_array().unwrap();
    let mut texts = Vec::new();
    for pair in &pairs {
        let ids: Vec<&str> = pair["attendees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let uid = format!(
            "{BUDDIES}-{:04}@riverbend-community-mental-health.peerwell",
            pair["index"].as_u64().unwrap()
        );
        for me in &ids {
            let others: Vec<String> = ids
                .iter()
                .filter(|o| *o != me)
                .map(|o| format!("{} ({})", who[*o].0, who[*o].1))
                .collect();
            let want = others.join(" and ");
            let mine = description(&out.join(format!("members/{me}.ics")), &uid);
            assert!(mine.contains("this time: "), "{me}: {mine}");
            assert!(mine.contains(&want), "{me} is told {want}: {mine}");
            for r in reminders
                .iter()
                .filter(|r| r["recipient"] == *me && r["index"] == pair["index"])
            {
                let body = r["body"].as_str().unwrap();
                assert!(body.contains(&want), "{me}'s reminder names {want}: {body}");
                texts.push(body.to_string());
            }
            texts.push(mine);
        }
        // The shared group feed lists the pair's session without names.
        let shared = description(&out.join(format!("groups/{BUDDIES}.ics")), &uid);
        assert!(!shared.contains("this time: "), "{shared}");
        for id in &ids {
            assert!(!shared.contains(&who[*id].1), "{shared}");
        }
        texts.push(shared);
    }
    for t in texts {
        let t = t.to_lowercase();
        assert!(!t.contains("exclu") && !t.contains("don't pair"), "{t}");
    }
}

/// Without `partner_contact` a buddy learns the first name only, in the
/// feed and on the subscribe page's row of that session; the group's page
/// names no pairs.
#[test]
fn buddies_learn_first_names_only_by_default() {
    use peerwell_tests::web::{NOW as SITE_NOW, Site, client};
    let site = Site::start(&[]);
    let policy = site.policy();
    let who = people(&policy);
    let plan = json(&site.cli(&["plan", s(&policy), "--format", "json", "--now", SITE_NOW]));
    let pair = plan["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["group"] == BUDDIES && ts(s["start"].as_str().unwrap()) > ts(SITE_NOW))
        .expect("a buddy session ahead")
        .clone();
    let ids: Vec<&str> = pair["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let rows = site.feeds();
    let page = |kind: &str, id: &str| {
        let row = rows.iter().find(|r| r.kind == kind && r.id == id).unwrap();
        let res = client().get(&row.subscribe_url).send().unwrap();
        assert!(res.status().is_success());
        res.text().unwrap()
    };
    let (me, buddy) = (ids[0], ids[1]);
    let mine = page("member", me);
    assert!(
        mine.contains(&format!("with {}", who[buddy].0)),
        "{me}'s page names {buddy}: {mine}"
    );
    assert!(
        !mine.contains(&who[buddy].1),
        "no email on the page: {mine}"
    );
    let shared = page("group", BUDDIES);
    assert!(!shared.contains("class=\"partner\""), "{shared}");
    let text = mine.to_lowercase() + &shared.to_lowercase();
    assert!(!text.contains("exclu") && !text.contains("don't pair"));
}

/// `plan --explain --group` for buddies explains each pair's own times in
/// its cycle's week (the times the plan gives them), not whole-group
/// candidate series times.
#[test]
fn explain_for_buddies_shows_each_pairs_times() {
    let dir = example_dir();
    let d = s(&dir);
    let plan = json(&peerwell(&[
        "plan", d, "--format", "json", "--now", NOW, FROM[0], FROM[1],
    ]));
    let run = peerwell(&[
        "plan",
        d,
        "--explain",
        "--group",
        BUDDIES,
        "--now",
        NOW,
        FROM[0],
        FROM[1],
    ]);
    run.assert_code(0);
    let out = &run.stdout;
    assert!(!out.contains("Best candidate times"), "{out}");
    assert!(out.contains("There is no whole-group series time"), "{out}");
    let mut n = 0;
    for pair in plan["sessions"].as_array().unwrap() {
        if pair["group"] != BUDDIES {
            continue;
        }
        let names: Vec<&str> = pair["attendees"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let (start, end) = (
            pair["start"].as_str().unwrap(),
            pair["end"].as_str().unwrap(),
        );
        let date = local_date(start);
        let day = &format!("{:?}", date.weekday())[..3];
        let want = format!(
            "  {}: meets {day} {date} {}–{}; ",
            names.join(" & "),
            &start[11..16],
            &end[11..16]
        );
        assert!(out.contains(&want), "missing `{want}`:\n{out}");
        n += 1;
    }
    assert!(n >= 10, "{n} pairs");
}
