//! Calendar invitations (iTIP over email) from `peerwell serve` to the
//! project's aiosmtpd peer: publish, a calendar change that moves a
//! session, a holiday that cancels a day's sessions, and a SIGKILL while
//! invitations are being sent. Every invitation is read by Python
//! `icalendar` (tests/oracles/itip_replay.py, which also replays them by
//! RFC 5546's rules) and by ical.js (tests/oracles/itip_events.mjs); the
//! replay gives each member exactly their sessions in `plan --format
//! json`, at the SEQUENCE their feed shows, under the feed's UIDs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use peerwell_tests::cli::{oracle_node, oracle_python, peerwell_in, root};
use peerwell_tests::daemon::Daemon;
use peerwell_tests::smtp::{SmtpPeer, message_id};
use peerwell_tests::web::client;
use serde_json::Value;

use crate::mail::{NOW, outbox};

const ORG: &str = "riverbend-community-mental-health.peerwell";
const CANARY: &str = "PWCANARY";

/// Copies examples/clinic without the plugin group (so no plugin build is
/// needed), with a two-week horizon, marker text in every input event,
/// Mei on `delivery = "both"`, Jo on `"feeds"`, and `mail` appended to
/// `[mail]`.
fn clinic(dir: &Path, mail: &str) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                if entry.file_name() != ".peerwell" {
                    copy(&entry.path(), &target);
                }
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    copy(&root().join("examples/clinic"), dir);
    std::fs::remove_file(dir.join("groups/peer-supervision.toml")).unwrap();
    let toml = dir.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let text = text
        .split("# Group formats from WebAssembly plugins")
        .next()
        .unwrap()
        .replace("horizon_weeks = 12", "horizon_weeks = 2");
    let text = format!(
        "{text}\n[mail]\nfrom = \"wellness@riverbend.example\"\nreminders = []\nrole_notice = \"1h\"\n{mail}\n"
    );
    std::fs::write(&toml, text).unwrap();
    let people = dir.join("people.toml");
    let text = std::fs::read_to_string(&people)
        .unwrap()
        .replace("id = \"mei\"\n", "id = \"mei\"\ndelivery = \"both\"\n")
        .replace("id = \"jo\"\n", "id = \"jo\"\ndelivery = \"feeds\"\n");
    std::fs::write(&people, text).unwrap();
    for entry in std::fs::read_dir(dir.join("calendars")).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "ics") {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("SUMMARY:", "SUMMARY:PWCANARY ")).unwrap();
        }
    }
}

/// Adds a busy event with marker text to `file` (Chicago local times).
fn add_busy(dir: &Path, file: &str, start: &str, end: &str) {
    let path = dir.join("calendars").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let event = format!(
        "BEGIN:VEVENT\r\nUID:pwcanary-{start}@x\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART;TZID=America/Chicago:{start}\r\nDTEND;TZID=America/Chicago:{end}\r\n\
         SUMMARY:PWCANARY client intake Jane Roe\r\nDESCRIPTION:PWCANARY diagnosis\r\n\
         LOCATION:PWCANARY room 4\r\nEND:VEVENT\r\nEND:VCALENDAR"
    );
    let text = text
        .trim_end()
        .trim_end_matches("END:VCALENDAR")
        .to_string()
        + &event
        + "\r\n";
    std::fs::write(&path, text).unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `peerwell plan DIR --format json` at [`NOW`] against the state.
fn plan(dir: &Path) -> Value {
    let run = peerwell_in(
        &["plan", s(dir), "--format", "json", "--now", NOW],
        &dir.join(".peerwell"),
    );
    serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{run:?}"))
}

fn utc(rfc3339: &str) -> String {
    let t: Timestamp = rfc3339.parse().unwrap();
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `peerwell reminders DIR --invitations --format json`: what the next
/// pass would queue.
fn preview(dir: &Path) -> Vec<Value> {
    let run = peerwell_in(
        &[
            "reminders",
            s(dir),
            "--invitations",
            "--format",
            "json",
            "--now",
            NOW,
        ],
        &dir.join(".peerwell"),
    );
    run.assert_code(0);
    let list: Value = serde_json::from_str(&run.stdout).unwrap();
    list.as_array().unwrap().clone()
}

/// Member id → UID → (start, end) in UTC of their sessions still ahead.
fn sessions_by_member(plan: &Value) -> BTreeMap<String, BTreeMap<String, (String, String)>> {
    let now: Timestamp = NOW.parse().unwrap();
    let mut out: BTreeMap<String, BTreeMap<String, (String, String)>> = BTreeMap::new();
    for session in plan["sessions"].as_array().unwrap() {
        let start: Timestamp = session["start"].as_str().unwrap().parse().unwrap();
        if start <= now {
            continue;
        }
        let uid = format!(
            "{}-{:04}@{ORG}",
            session["group"].as_str().unwrap(),
            session["index"].as_u64().unwrap()
        );
        let when = (
            utc(session["start"].as_str().unwrap()),
            utc(session["end"].as_str().unwrap()),
        );
        for a in session["attendees"].as_array().unwrap() {
            out.entry(a.as_str().unwrap().to_string())
                .or_default()
                .insert(uid.clone(), when.clone());
        }
    }
    out
}

/// Polls the outbox until `done` holds for its rows.
fn wait_for(dir: &Path, what: &str, done: impl Fn(&[Value]) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let out = outbox(dir, &[]);
        if done(out["messages"].as_array().unwrap()) {
            return out;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "waited for {what}: {}",
            out["counts"]
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until invitations were queued and none is queued or sending
/// (role notices stay queued: the clock is fixed); the final listing.
fn wait_settled(dir: &Path, what: &str) -> Value {
    wait_for(dir, what, |rows| {
        let all = invitations(rows);
        !all.is_empty()
            && all
                .iter()
                .all(|r| r["state"] != "queued" && r["state"] != "sending")
    })
}

fn invitations(rows: &[Value]) -> Vec<&Value> {
    rows.iter()
        .filter(|r| r["kind"] == "invitation" || r["kind"] == "invitation-cancel")
        .collect()
}

/// The accepted messages that are invitations, in the order accepted.
fn accepted_invitations(peer: &SmtpPeer) -> Vec<PathBuf> {
    peer.accepted()
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| t.contains("Content-Type: text/calendar"))
        })
        .collect()
}

/// The UID → (SEQUENCE, STATUS) of every event in a feed.
fn feed_events(ics: &str) -> BTreeMap<String, (u64, String)> {
    let text = ics.replace("\r\n ", "");
    let mut out = BTreeMap::new();
    for block in text.split("BEGIN:VEVENT").skip(1) {
        let field = |name: &str| {
            block
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}:")))
                .unwrap_or("")
                .to_string()
        };
        out.insert(
            field("UID"),
            (field("SEQUENCE").parse().unwrap(), field("STATUS")),
        );
    }
    out
}

/// The member feeds of `ids`, fetched from the daemon over HTTP.
fn member_feeds(dir: &Path, daemon: &Daemon, ids: &[&str]) -> BTreeMap<String, String> {
    let base = daemon.url("");
    let run = peerwell_in(
        &["feeds", s(dir), "--format", "json", "--base-url", &base],
        &dir.join(".peerwell"),
    );
    run.assert_code(0);
    let rows: Value = serde_json::from_str(&run.stdout).unwrap();
    let http = client();
    rows.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "member" && ids.contains(&r["id"].as_str().unwrap()))
        .map(|r| {
            let url = r["feed_url"].as_str().unwrap();
            let body = http.get(url).send().unwrap().text().unwrap();
            (r["id"].as_str().unwrap().to_string(), body)
        })
        .collect()
}

fn people_emails(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("people.toml")).unwrap();
    let mut out = BTreeMap::new();
    let mut id = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("id = ") {
            id = Some(v.trim_matches('"').to_string());
        }
        if let (Some(v), Some(i)) = (line.strip_prefix("email = "), id.as_ref()) {
            out.insert(i.clone(), v.trim_matches('"').to_lowercase());
        }
    }
    out
}

#[test]
fn invitations_follow_publish_move_and_holiday_and_survive_a_kill() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    let peer = SmtpPeer::start(&tmp.path().join("accepted"), r#"{"delay_ms": 700}"#);
    clinic(
        &dir,
        &format!(
            "delivery = \"invitations\"\nretry_seconds = 1\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n",
            peer.port
        ),
    );

    // The preview lists what the first pass will queue.
    let expected = preview(&dir);
    assert!(expected.len() > 20, "{expected:?}");
    assert!(
        expected
            .iter()
            .all(|p| p["method"] == "REQUEST" && p["sequence"] == 0)
    );
    assert!(
        expected.iter().all(|p| p["recipient"] != "jo"),
        "Jo is on feeds"
    );

    // Publish: every invitation arrives.
    let mut daemon = Daemon::start(&dir, &["--now", NOW]);
    let first = wait_settled(&dir, "the first invitations to go out");
    let rows = first["messages"].as_array().unwrap();
    let mut queued: Vec<&str> = invitations(rows)
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    let mut previewed: Vec<&str> = expected
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    queued.sort_unstable();
    previewed.sort_unstable();
    assert_eq!(queued, previewed, "the preview showed what was queued");
    assert!(preview(&dir).is_empty(), "nothing more is owed");
    let before = plan(&dir);

    // A calendar change moves the walk of 10 March (two of four busy), and
    // a holiday cancels a later day's sessions.
    let walk = before["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| {
            x["group"] == "morning-walk" && x["start"].as_str().unwrap().starts_with("2026-03-10")
        })
        .expect("the walk on 10 March")
        .clone();
    let walk_uid = format!("morning-walk-{:04}@{ORG}", walk["index"].as_u64().unwrap());
    let holiday = before["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["start"].as_str().unwrap()[..10].to_string())
        .filter(|d| d.as_str() >= "2026-03-04" && d.as_str() != "2026-03-10")
        .max_by_key(|d| {
            before["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["start"].as_str().unwrap().starts_with(d.as_str()))
                .count()
        })
        .unwrap();
    add_busy(
        &dir,
        "carmen-apple.ics",
        "20260310T070000",
        "20260310T100000",
    );
    add_busy(&dir, "gus-apple.ics", "20260310T070000", "20260310T100000");
    let toml = dir.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap().replace(
        "dates = [2026-05-25]",
        &format!("dates = [2026-05-25, {holiday}]"),
    );
    std::fs::write(&toml, text).unwrap();

    // Killed while the updates and cancellations go out.
    let walk_key = format!("morning-walk/{}/", walk["index"]);
    wait_for(&dir, "the updates to be queued", |rows| {
        rows.iter().any(|r| r["kind"] == "invitation-cancel")
            && rows.iter().any(|r| {
                r["kind"] == "invitation"
                    && r["key"].as_str().unwrap().starts_with(&walk_key)
                    && !r["key"].as_str().unwrap().contains("/invite-0/")
            })
    });
    let at_kill = wait_for(&dir, "a send in flight", |rows| {
        rows.iter().any(|r| r["state"] == "sending")
    });
    daemon.signal("KILL");
    assert!(daemon.wait_exit(Duration::from_secs(10)).is_some());
    drop(daemon);
    let after_kill = outbox(&dir, &[]);
    let sending: BTreeSet<String> = at_kill["messages"]
        .as_array()
        .unwrap()
        .iter()
        .chain(after_kill["messages"].as_array().unwrap())
        .filter(|r| r["state"] == "sending")
        .map(|r| r["message_id"].as_str().unwrap().to_string())
        .collect();

    let daemon = Daemon::start(&dir, &["--now", NOW]);
    // Settled, and the published plan owes nothing more.
    let start = Instant::now();
    let settled = loop {
        let settled = wait_settled(&dir, "the updates to go out");
        if preview(&dir).is_empty() {
            break settled;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "still owed");
        std::thread::sleep(Duration::from_millis(200));
    };
    let rows = settled["messages"].as_array().unwrap();
    for r in invitations(rows) {
        assert!(r["state"] == "sent" || r["state"] == "withdrawn", "{r}");
    }
    let after = plan(&dir);
    assert!(
        !after["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["start"].as_str().unwrap().starts_with(&holiday)),
        "the holiday {holiday} has no sessions"
    );
    let feeds = member_feeds(&dir, &daemon, &["mei", "amara", "jo"]);
    drop(daemon);

    let files = accepted_invitations(&peer);
    let args: Vec<String> = files.iter().map(|p| s(p).to_string()).collect();
    let replay: Value =
        serde_json::from_str(&oracle_python("itip_replay.py", &args).join("\n")).unwrap();
    let messages = replay["messages"].as_array().unwrap();
    assert_eq!(messages.len(), files.len());

    let count = |m: &str| messages.iter().filter(|x| x["method"] == m).count();
    eprintln!(
        "{} invitations accepted ({} REQUEST, {} CANCEL), {} sending at the kill, first pass {}",
        messages.len(),
        count("REQUEST"),
        count("CANCEL"),
        sending.len(),
        expected.len()
    );
    assert!(!sending.is_empty(), "the kill caught a send in flight");
    check_duplicates(&files, rows, &sending);
    check_each_message(&dir, messages);
    check_ical_js(messages);
    check_replay(&dir, &replay, &after, &feeds);

    // The move was an update of the same UID, the holiday CANCELs.
    let walk_requests: Vec<&Value> = messages
        .iter()
        .filter(|m| m["uid"] == walk_uid.as_str() && m["method"] == "REQUEST")
        .collect();
    assert!(walk_requests.iter().any(|m| m["sequence"] == 0));
    assert!(
        walk_requests
            .iter()
            .any(|m| m["sequence"].as_u64() > Some(0) && m["start"] != walk_requests[0]["start"]),
        "the moved walk was sent again under its UID with a higher SEQUENCE"
    );
    let cancels: Vec<&Value> = messages
        .iter()
        .filter(|m| m["method"] == "CANCEL")
        .collect();
    assert!(
        cancels
            .iter()
            .any(|m| m["start"].as_str().unwrap() >= holiday.as_str()),
        "{cancels:?}"
    );
}

/// A message accepted twice was `sending` at the kill (the documented
/// window), and every sent invitation was accepted.
fn check_duplicates(files: &[PathBuf], rows: &[Value], sending: &BTreeSet<String>) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for f in files {
        let raw = std::fs::read_to_string(f).unwrap();
        *seen.entry(message_id(&raw).unwrap()).or_default() += 1;
    }
    for (id, n) in &seen {
        assert!(
            *n == 1 || sending.contains(id),
            "{id} arrived {n} times but was not sending at the kill"
        );
    }
    for r in invitations(rows).iter().filter(|r| r["state"] == "sent") {
        assert!(
            seen.contains_key(r["message_id"].as_str().unwrap()),
            "lost: {r}"
        );
    }
}

/// Privacy and shape: one ATTENDEE, the recipient; the sender as
/// ORGANIZER; no input-calendar text; no buddy exclusion; Jo (on feeds)
/// gets none.
fn check_each_message(dir: &Path, messages: &[Value]) {
    let emails = people_emails(dir);
    let id_of: BTreeMap<&str, &str> = emails
        .iter()
        .map(|(i, e)| (e.as_str(), i.as_str()))
        .collect();
    for m in messages {
        let to = m["to"].as_str().unwrap();
        assert_eq!(m["attendees"], serde_json::json!([to]), "{m}");
        assert_eq!(m["organizer"], "wellness@riverbend.example");
        assert_eq!(m["from"], "wellness@riverbend.example");
        assert_ne!(id_of.get(to), Some(&"jo"), "Jo is on feeds: {m}");
        assert!(m["tzids"].as_array().is_some_and(|z| !z.is_empty()), "{m}");
        let raw = std::fs::read_to_string(m["file"].as_str().unwrap()).unwrap();
        let all = format!("{m}\n{raw}");
        assert!(!all.contains(CANARY), "input calendar text in {m}");
        for other in emails.values().filter(|e| e.as_str() != to) {
            assert!(
                !raw.contains(other.as_str()),
                "{other} in an invitation to {to}"
            );
        }
        // Ben asked not to be paired with Devendra: neither is named in
        // the other's buddy invitations, and the list is never shown.
        let buddies = m["uid"]
            .as_str()
            .unwrap()
            .starts_with("resilience-buddies-");
        let text = format!("{}\n{}", m["text"], m["description"]);
        assert!(!text.to_lowercase().contains("exclu"), "{m}");
        if buddies && id_of.get(to) == Some(&"ben") {
            assert!(!text.contains("Devendra"), "{m}");
        }
        if buddies && id_of.get(to) == Some(&"dev") {
            assert!(!text.contains("Ben"), "{m}");
        }
        if m["method"] == "REQUEST" {
            assert_eq!(
                m["text"].as_str().unwrap().trim_end(),
                m["description"].as_str().unwrap().trim_end()
            );
        }
    }
}

/// ical.js reads every calendar as icalendar did.
fn check_ical_js(messages: &[Value]) {
    let files: Vec<String> = messages
        .iter()
        .map(|m| m["ics"].as_str().unwrap().to_string())
        .collect();
    let lines = oracle_node("itip_events.mjs", &files);
    assert_eq!(lines.len(), messages.len());
    for (line, m) in lines.iter().zip(messages) {
        let js: Value = serde_json::from_str(line).unwrap();
        for k in [
            "method",
            "uid",
            "sequence",
            "start",
            "end",
            "status",
            "organizer",
            "attendees",
            "summary",
        ] {
            assert_eq!(js[k], m[k], "{k} of {}", m["file"]);
        }
    }
}

/// Replaying each member's invitations gives their sessions in the plan,
/// at their feed's SEQUENCE; for Mei (both), the feed's events and the
/// invitations' events are the same UIDs, so one calendar holding both
/// has each session once.
fn check_replay(dir: &Path, replay: &Value, plan: &Value, feeds: &BTreeMap<String, String>) {
    let emails = people_emails(dir);
    let want = sessions_by_member(plan);
    let calendars = replay["calendars"].as_object().unwrap();
    for (id, email) in &emails {
        let got: BTreeMap<String, (String, String)> = calendars
            .get(email)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(uid, e)| {
                        let f = |k: &str| e[k].as_str().unwrap().to_string();
                        (uid.clone(), (f("start"), f("end")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let expected = if id == "jo" {
            BTreeMap::new()
        } else {
            want.get(id).cloned().unwrap_or_default()
        };
        assert_eq!(got, expected, "{id}'s calendar");
        if id != "jo" && want.contains_key(id) {
            assert!(!got.is_empty(), "{id} holds sessions");
        }
    }
    for (id, feed) in feeds {
        let events = feed_events(feed);
        let held = calendars.get(&emails[id]).and_then(Value::as_object);
        if id == "jo" {
            assert!(held.is_none());
            continue;
        }
        let held = held.unwrap();
        let active: BTreeSet<&String> = events
            .iter()
            .filter(|(uid, (_, status))| status == "CONFIRMED" && want[id].contains_key(*uid))
            .map(|(uid, _)| uid)
            .collect();
        let invited: BTreeSet<&String> = held.keys().collect();
        assert_eq!(active, invited, "{id}: feed UIDs and invitation UIDs");
        for (uid, e) in held {
            assert_eq!(
                Some(e["sequence"].as_u64().unwrap()),
                events.get(uid).map(|(seq, _)| *seq),
                "{id} {uid}: the invitation's SEQUENCE is the feed's"
            );
        }
        // One calendar holding both sources: one event per UID.
        let mut merged: BTreeMap<&String, u32> = BTreeMap::new();
        for uid in active.iter().chain(invited.iter()) {
            *merged.entry(uid).or_default() += 1;
        }
        assert_eq!(merged.len(), want[id].len(), "{id}");
    }
}
