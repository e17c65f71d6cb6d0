//! Reminders, notices and the outbox at the library level, on a manual
//! clock: change notices when a calendar change moves a session, expiry,
//! quiet hours, opt-out, HR notices, and the privacy canary (text of input
//! events reaches no message, outbox row or key).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use peerwell::daemon::plan_pass;
use peerwell::mail::{SenderConfig, after_pass, drain};
use peerwell::state::{Clock, ServerState as Shared, Snapshot};
use peerwell_store::outbox::{MailState, Outbox, OutboxRow};
use peerwell_tests::cli::copy_example;
use peerwell_tests::smtp::{eml_files, inspect};

/// Copies the clinic with `mail` as its `[mail]` table and a marker in
/// every input event's SUMMARY.
fn clinic(dir: &Path, mail: &str) {
    copy_example(dir);
    let toml = dir.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}\n[mail]\n{mail}\n")).unwrap();
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

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn shared(snapshot: Snapshot, clock: Clock) -> Shared {
    let (shared, _stop) = Shared::new(Default::default(), clock);
    shared.publish(Arc::new(snapshot));
    shared
}

/// Plans at `now` (after `previous`) and queues what it gives rise to.
fn pass(dir: &Path, now: Timestamp, previous: Option<&Shared>) -> Shared {
    let old = previous.and_then(|s| s.current());
    let snap = plan_pass(dir, now, old.as_deref(), &|_| Default::default()).unwrap();
    let s = shared(snap, Clock::manual(now));
    after_pass(&s, &s.current().unwrap()).unwrap();
    s
}

fn state(dir: &Path) -> PathBuf {
    dir.join(".peerwell/state.sqlite3")
}

fn rows(dir: &Path) -> Vec<OutboxRow> {
    Outbox::open_read_only(&state(dir))
        .unwrap()
        .list(None)
        .unwrap()
}

fn message(dir: &Path, key: &str) -> String {
    let bytes = Outbox::open_read_only(&state(dir))
        .unwrap()
        .message(key)
        .unwrap()
        .unwrap_or_else(|| panic!("no message {key}"));
    String::from_utf8(bytes).unwrap()
}

/// The decoded text part of a stored message (Python's email package).
fn text_of(dir: &Path, key: &str) -> String {
    let path = dir.join(".peerwell/inspect.eml");
    std::fs::write(&path, message(dir, key)).unwrap();
    let parsed = inspect(&[path]);
    parsed[0]["text"].as_str().unwrap().to_string()
}

fn send_due(s: &Shared) -> usize {
    let config = SenderConfig::for_snapshot(&s.current().unwrap()).expect("the state location");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(drain(s, &config))
        .unwrap()
}

/// No marker in any outbox row, message, or `.eml` file.
fn assert_no_canary(dir: &Path) {
    for r in rows(dir) {
        let all = format!("{r:?}\n{}", message(dir, &r.key));
        assert!(
            !all.contains("PWCANARY"),
            "event text leaked into {}",
            r.key
        );
    }
    for f in eml_files(&dir.join(".peerwell/mail")) {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            !text.contains("PWCANARY"),
            "event text leaked into {}",
            f.display()
        );
    }
}

/// The morning walk's occurrence on Tuesday 10 March 2026 (08:00 Chicago).
const WALK: &str = "2026-03-10T13:00:00Z";

fn walk_index(s: &Shared) -> u32 {
    let snap = s.current().unwrap();
    snap.plan
        .sessions
        .iter()
        .find(|x| x.group == "morning-walk" && x.start == t(WALK))
        .expect("the walk on 10 March")
        .index
}

#[test]
fn a_calendar_change_that_moves_a_session_sends_change_notices_and_moves_its_reminders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    clinic(&dir, "reminders = [\"1h\"]");
    let now = t("2026-03-01T12:00:00Z");
    let first = pass(&dir, now, None);
    let i = walk_index(&first);
    let key = format!("morning-walk/{i}/upcoming-60m/amara");
    let before = rows(&dir).into_iter().find(|r| r.key == key).unwrap();
    assert_eq!(before.state, MailState::Queued);
    assert_eq!(before.send_at, t("2026-03-10T12:00:00Z"));

    // Two of four members become busy at the walk: short of quorum, it
    // moves within its week.
    add_busy(
        &dir,
        "carmen-apple.ics",
        "20260310T070000",
        "20260310T100000",
    );
    add_busy(&dir, "gus-apple.ics", "20260310T070000", "20260310T100000");
    let later = t("2026-03-01T13:00:00Z");
    let second = pass(&dir, later, Some(&first));
    let snap = second.current().unwrap();
    let moved = snap
        .commit
        .changes
        .moved
        .iter()
        .find(|m| m.group == "morning-walk" && m.index == i)
        .expect("the walk moved");
    let session = snap
        .plan
        .sessions
        .iter()
        .find(|s| s.group == "morning-walk" && s.index == i)
        .unwrap();
    assert_eq!(session.start, moved.to.start);

    let all = rows(&dir);
    // The queued reminder now goes an hour before the new time, under the
    // same Message-ID.
    let after = all.iter().find(|r| r.key == key).unwrap();
    assert_eq!(after.message_id, before.message_id);
    assert_eq!(
        after.send_at,
        moved
            .to
            .start
            .checked_sub(jiff::SignedDuration::from_hours(1))
            .unwrap()
    );
    // Each attendee of the new time is told, at once.
    let notices: Vec<&OutboxRow> = all.iter().filter(|r| r.kind == "moved").collect();
    let mut told: Vec<&str> = notices.iter().map(|r| r.recipient.as_str()).collect();
    told.sort();
    let mut attendees: Vec<&str> = session.attendees.iter().map(String::as_str).collect();
    attendees.sort();
    assert_eq!(told, attendees);
    assert!(notices.iter().all(|r| r.send_at == later));
    let text = message(&dir, &notices[0].key);
    assert!(text.contains("Subject: Moved: Morning walk"), "{text}");

    // The sender on the manual clock sends the notices (due now), not the
    // reminders (due on the day).
    let sent = send_due(&second);
    let now_sent: Vec<OutboxRow> = rows(&dir)
        .into_iter()
        .filter(|r| r.state == MailState::Sent)
        .collect();
    assert_eq!(sent, now_sent.len());
    assert!(now_sent.iter().all(|r| r.send_at <= later));
    assert_eq!(
        now_sent.iter().filter(|r| r.kind == "moved").count(),
        notices.len()
    );
    let files = eml_files(&dir.join(".peerwell/mail"));
    assert_eq!(files.len(), sent);
    // A third pass with nothing changed announces nothing again.
    let third = pass(&dir, t("2026-03-01T14:00:00Z"), Some(&second));
    assert!(third.current().unwrap().commit.changes.moved.is_empty());
    assert_eq!(rows(&dir).len(), all.len());

    // Started sessions' reminders expire instead of going out late.
    third.clock().set(
        moved
            .to
            .start
            .checked_add(jiff::SignedDuration::from_mins(5))
            .unwrap(),
    );
    send_due(&third);
    let row = rows(&dir).into_iter().find(|r| r.key == key).unwrap();
    assert_eq!(row.state, MailState::Expired);
    assert!(
        !third
            .metrics()
            .render()
            .contains("peerwell_reminders_expired_total 0\n")
    );
    let id = row.message_id.trim_matches(['<', '>']).to_string();
    assert!(
        eml_files(&dir.join(".peerwell/mail"))
            .iter()
            .all(|f| !f.to_string_lossy().contains(&id)),
        "an expired reminder was not written"
    );
    assert_no_canary(&dir);
}

#[test]
fn quiet_hours_and_opt_out() {
    let setup = |dir: &Path| {
        clinic(dir, "reminders = [\"1h\"]\nquiet_hours = \"21:00-06:45\"");
        let people = dir.join("people.toml");
        let text = std::fs::read_to_string(&people)
            .unwrap()
            .replace("id = \"amara\"\n", "id = \"amara\"\nreminders = false\n")
            .replace(
                "id = \"carmen\"\n",
                "id = \"carmen\"\nquiet_hours = \"06:30-09:00\"\n",
            );
        std::fs::write(&people, text).unwrap();
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    setup(&dir);
    let s = pass(&dir, t("2026-03-01T12:00:00Z"), None);
    let i = walk_index(&s);
    let all = rows(&dir);
    assert!(
        all.iter().all(|r| r.recipient != "amara"),
        "amara opted out"
    );
    let of = |who: &str| {
        all.iter()
            .find(|r| r.key == format!("morning-walk/{i}/upcoming-60m/{who}"))
            .unwrap()
            .clone()
    };
    // Gus: due 07:00, outside the default quiet hours 21:00–06:45.
    assert_eq!(of("gus").send_at, t("2026-03-10T12:00:00Z"));
    // Carmen: due 07:00 inside her own 06:30–09:00: just before they begin.
    assert_eq!(of("carmen").send_at, t("2026-03-10T11:29:00Z"));
    assert_eq!(of("carmen").due, t("2026-03-10T12:00:00Z"));
    let text = message(&dir, &of("carmen").key);
    assert!(
        text.contains("Date: Tue, 10 Mar 2026 11:29:00 +0000"),
        "{text}"
    );

    // Created inside her quiet hours (06:45 on the day): their end, 09:00,
    // is after the walk starts, so it is not sent at all.
    let tmp2 = tempfile::tempdir().unwrap();
    let dir2 = tmp2.path().join("clinic");
    setup(&dir2);
    let _ = pass(&dir2, t("2026-03-10T11:45:00Z"), None);
    let late = rows(&dir2);
    let carmen = late
        .iter()
        .find(|r| r.key == format!("morning-walk/{i}/upcoming-60m/carmen"))
        .unwrap();
    assert_eq!(carmen.state, MailState::Expired);
    let gus = late
        .iter()
        .find(|r| r.key == format!("morning-walk/{i}/upcoming-60m/gus"))
        .unwrap();
    assert_eq!(gus.state, MailState::Queued);
    assert_no_canary(&dir);
}

#[test]
fn hr_hears_once_when_a_group_loses_its_time_or_an_occurrence() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    clinic(
        &dir,
        "[[mail.hr]]\nname = \"Wellness lead\"\nemail = \"wellness@riverbend.example\"",
    );
    let walk = dir.join("groups/morning-walk.toml");
    let text = std::fs::read_to_string(&walk).unwrap();
    std::fs::write(
        &walk,
        text.replacen(
            "version = 1\n",
            "version = 1\nshort_of_quorum = \"skip\"\n",
            1,
        ),
    )
    .unwrap();
    let debrief = dir.join("groups/friday-debrief.toml");
    let text = std::fs::read_to_string(&debrief).unwrap();
    std::fs::write(
        &debrief,
        text.replace("days = [\"fri\"]", "days = [\"sun\"]"),
    )
    .unwrap();
    // Two of the walk's four members are busy every morning of one week.
    for day in 9..=13 {
        for file in ["carmen-apple.ics", "gus-apple.ics"] {
            add_busy(
                &dir,
                file,
                &format!("202603{day:02}T070000"),
                &format!("202603{day:02}T100000"),
            );
        }
    }

    let first = pass(&dir, t("2026-03-01T12:00:00Z"), None);
    let hr: Vec<OutboxRow> = rows(&dir).into_iter().filter(|r| r.kind == "hr").collect();
    let short = hr
        .iter()
        .find(|r| {
            r.key.starts_with("morning-walk/-/hr-short-2026-03-1")
                && r.key.ends_with("/hr:wellness@riverbend.example")
        })
        .unwrap_or_else(|| panic!("a notice for the skipped walk: {hr:?}"));
    let raw = message(&dir, &short.key);
    assert!(
        raw.contains("To: \"Wellness lead\" <wellness@riverbend.example>"),
        "{raw}"
    );
    let text = text_of(&dir, &short.key);
    assert!(
        text.contains("quorum not met: 2 can attend, 3 needed"),
        "{text}"
    );
    let lost = hr
        .iter()
        .find(|r| r.group == "friday-debrief")
        .expect("a notice for the debrief without a time");
    let text = text_of(&dir, &lost.key);
    assert!(text.contains("has lost its time"), "{text}");
    assert!(text.contains("Why, in detail"), "{text}");
    assert_eq!(hr.len(), 2, "{hr:?}");

    // Later passes do not tell HR again.
    let second = pass(&dir, t("2026-03-02T12:00:00Z"), Some(&first));
    let again = rows(&dir).into_iter().filter(|r| r.kind == "hr").count();
    assert_eq!(again, 2);
    send_due(&second);
    let hr_sent = rows(&dir)
        .into_iter()
        .filter(|r| r.kind == "hr" && r.state == MailState::Sent)
        .count();
    assert_eq!(hr_sent, 2);
    assert_no_canary(&dir);
}

#[test]
fn a_holiday_that_cancels_a_session_tells_its_attendees_and_withdraws_its_reminders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    clinic(&dir, "reminders = [\"1h\"]");
    let now = t("2026-03-01T12:00:00Z");
    let first = pass(&dir, now, None);
    let i = walk_index(&first);
    let snap = first.current().unwrap();
    let walk = snap
        .plan
        .sessions
        .iter()
        .find(|s| s.group == "morning-walk" && s.index == i)
        .unwrap()
        .clone();
    let reminder = format!("morning-walk/{i}/upcoming-60m/amara");
    assert!(
        rows(&dir)
            .iter()
            .any(|r| r.key == reminder && r.state == MailState::Queued)
    );

    // The walk's day becomes a holiday: the published session is cancelled.
    let toml = dir.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    assert!(text.contains("dates = [2026-05-25]"));
    std::fs::write(
        &toml,
        text.replace("dates = [2026-05-25]", "dates = [2026-03-10, 2026-05-25]"),
    )
    .unwrap();
    let later = t("2026-03-01T13:00:00Z");
    let second = pass(&dir, later, Some(&first));
    let snap = second.current().unwrap();
    assert!(
        snap.commit
            .changes
            .cancelled
            .iter()
            .any(|c| c.group == "morning-walk" && c.index == i),
        "the walk is cancelled"
    );

    let all = rows(&dir);
    // Its reminders are withdrawn, never sent.
    let withdrawn = all.iter().find(|r| r.key == reminder).unwrap();
    assert_eq!(withdrawn.state, MailState::Withdrawn);
    // Each attendee of the cancelled session is told, at once.
    let notices: Vec<&OutboxRow> = all.iter().filter(|r| r.kind == "cancelled").collect();
    let mut told: Vec<&str> = notices.iter().map(|r| r.recipient.as_str()).collect();
    told.sort();
    let mut attendees: Vec<&str> = walk.attendees.iter().map(String::as_str).collect();
    attendees.sort();
    assert_eq!(told, attendees);
    assert!(
        notices
            .iter()
            .all(|r| r.send_at == later && r.state == MailState::Queued)
    );
    let text = message(&dir, &notices[0].key);
    assert!(text.contains("Subject: Cancelled: Morning walk"), "{text}");

    // Sent once; a pass with nothing new announces nothing again.
    send_due(&second);
    let third = pass(&dir, t("2026-03-01T14:00:00Z"), Some(&second));
    assert_eq!(rows(&dir).len(), all.len());
    let sent: Vec<OutboxRow> = rows(&dir)
        .into_iter()
        .filter(|r| r.kind == "cancelled")
        .collect();
    assert!(sent.iter().all(|r| r.state == MailState::Sent), "{sent:?}");
    drop(third);
}
