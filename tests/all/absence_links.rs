//! "I can't make it" links end to end on a small organization built for
//! it: the real daemon, a real HTTP client and the project's aiosmtpd
//! peer. A link that costs a session its quorum moves it within its week
//! (`short_of_quorum = "move"`) or skips it (`"skip"`) at the daemon's next
//! pass, only the members affected are told, and undo restores it; a link
//! whose session started or ended gets exactly a forged link's answer;
//! markup in names is escaped and no calendar text or colleague's address
//! reaches a page or a message; invitations and change notices carry the
//! link (a CANCEL does not); and a link posted to a PostgreSQL follower is
//! planned by the leader.
//!
//! The organization (America/Chicago, two weeks from Monday 2 March
//! 2026): the walk (Ana, Ben, Cy; quorum 2; Tuesdays or Wednesdays
//! 09:00–10:00) meets on Tuesdays, because everyone is busy on Wednesdays
//! but the first; Cy has a client on the first Tuesday, so session 0 is
//! Ana and Ben. Ben saying he cannot come leaves only Ana at the series
//! time: the session moves to Wednesday 4 March (Ana and Cy) or is
//! skipped. The circle (Dee, Eli) on Thursdays is never affected.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use peerwell_tests::cli::binary;
use peerwell_tests::daemon::Daemon;
use peerwell_tests::smtp::{SmtpPeer, eml_files, inspect};

use crate::replicas::{Shared, wait_role};

/// Monday 2 March 2026, 00:00 in Chicago: both weeks ahead, the first
/// Tuesday outside the 24 h freeze window.
const NOW: &str = "2026-03-02T06:00:00Z";
const BASE: &str = "https://links.example.org";
/// Text of every input event; it must reach no output.
const CANARY: &str = "PWLINKCANARY";
/// Ana's name: markup and quotes, first word included.
const ANA: &str = "<script>alert(1)</script> \"&' Ana";
const WALK: &str = "Walk <script>alert(1)</script> \"&'";
/// Every member's address (each unique, so a leak is found).
const EMAILS: [(&str, &str); 5] = [
    ("ana", "ana.secret-a@canary.example"),
    ("ben", "ben.secret-b@canary.example"),
    ("cy", "cy.secret-c@canary.example"),
    ("dee", "dee.secret-d@canary.example"),
    ("eli", "eli.secret-e@canary.example"),
];

/// One copy of the organization: its folder and the environment its
/// commands and daemons run with.
struct Org {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

/// A one-hour client event at `start` (Chicago, `YYYYMMDDTHH0000`).
fn event(uid: &str, start: &str, extra: &str) -> String {
    let hour: u32 = start[9..11].parse().unwrap();
    let end = format!("{}{:02}{}", &start[..9], hour + 1, &start[11..]);
    format!(
        "BEGIN:VEVENT\r\nUID:{uid}@test\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART;TZID=America/Chicago:{start}\r\nDTEND;TZID=America/Chicago:{end}\r\n\
         SUMMARY:Client {CANARY} Jane Roe\r\nDESCRIPTION:{CANARY} diagnosis\r\n\
         LOCATION:{CANARY} room 4\r\n{extra}END:VEVENT\r\n"
    )
}

fn calendar(events: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{events}END:VCALENDAR\r\n")
}

impl Org {
    /// Writes the organization into `dir` with `walk` added to the walk's
    /// file and `mail` to `[mail]`; `env` for every command and daemon.
    fn new(dir: &Path, walk: &str, mail: &str, env: &[(&str, &str)]) -> Org {
        std::fs::create_dir_all(dir.join("groups")).unwrap();
        std::fs::create_dir_all(dir.join("calendars")).unwrap();
        let write = |p: &str, text: &str| std::fs::write(dir.join(p), text).unwrap();
        write(
            "peerwell.toml",
            &format!(
                "version = 1\nname = \"Canary Care\"\ntime_zone = \"America/Chicago\"\n\
                 horizon_weeks = 2\nstart = 2026-03-02\nbuffer_minutes = 0\n\
                 people = \"people.toml\"\ngroups = \"groups\"\n\n[working_hours]\n\
                 weekdays = \"08:00-17:00\"\n\n[mail]\nfrom = \"wellness@canary.example\"\n\
                 reminders = [\"14d\"]\nrole_notice = \"14d\"\ndelivery = \"both\"\n{mail}\n"
            ),
        );
        let mut people = String::from("version = 1\n");
        for (id, email) in EMAILS {
            let name = match id {
                "ana" => ANA.replace('"', "\\\""),
                other => format!("{}{} Doe", other[..1].to_uppercase(), &other[1..]),
            };
            people.push_str(&format!(
                "\n[[person]]\nid = \"{id}\"\nname = \"{name}\"\nemail = \"{email}\"\n\
                 calendars = [\"calendars/{id}.ics\"]\n"
            ));
        }
        write("people.toml", &people);
        write(
            "groups/walk.toml",
            &format!(
                "version = 1\nname = \"{}\"\nformat = \"check-in\"\n\
                 members = [\"ana\", \"ben\", \"cy\"]\nduration_minutes = 60\n\
                 days = [\"tue\", \"wed\"]\nwindow = \"09:00-10:00\"\npreferred_days = [\"tue\"]\n\
                 quorum = 2\n{walk}\n[charter]\n\
                 purpose = \"Talk <b>markup</b> & \\\"quotes\\\" <script>alert(2)</script>\"\n\n\
                 [[escalation]]\nname = \"EAP\"\ncontact = \"1-800-555-0100\"\n",
                WALK.replace('"', "\\\"")
            ),
        );
        write(
            "groups/circle.toml",
            "version = 1\nname = \"Circle\"\nformat = \"check-in\"\nmembers = [\"dee\", \"eli\"]\n\
             duration_minutes = 60\ndays = [\"thu\"]\nwindow = \"09:00-10:00\"\nquorum = 2\n\n\
             [charter]\npurpose = \"A quiet circle.\"\n\n[[escalation]]\nname = \"EAP\"\n\
             contact = \"1-800-555-0100\"\n",
        );
        // Busy every Wednesday 09:00 but the first (the week's only other
        // time); Cy also on the first Tuesday.
        let wednesdays = |id: &str| {
            event(
                &format!("wed-{id}"),
                "20260304T090000",
                "RRULE:FREQ=WEEKLY;BYDAY=WE\r\nEXDATE;TZID=America/Chicago:20260304T090000\r\n",
            )
        };
        for (id, _) in EMAILS {
            let events = match id {
                "ana" | "ben" => wednesdays(id),
                "cy" => wednesdays(id) + &event("client-cy", "20260303T090000", ""),
                _ => event(&format!("late-{id}"), "20260303T140000", ""),
            };
            write(&format!("calendars/{id}.ics"), &calendar(&events));
        }
        let mut all: Vec<(String, String)> = vec![(
            "PEERWELL_DATA_DIR".into(),
            dir.join(".peerwell").to_str().unwrap().into(),
        )];
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Org {
            dir: dir.to_path_buf(),
            env: all,
        }
    }

    /// `peerwell WORD DIR ARGS…`, which must succeed; its stdout.
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new(binary())
            .arg(args[0])
            .arg(&self.dir)
            .args(&args[1..])
            .env("NO_COLOR", "1")
            .env_remove("PEERWELL_STATE_URL")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run peerwell");
        assert!(
            out.status.success(),
            "peerwell {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--format", "json"]);
        serde_json::from_str(&self.run(&all)).expect("JSON")
    }

    /// `plan --format json` at [`NOW`] (the published state and absences).
    fn plan(&self) -> Value {
        self.json(&["plan", "--now", NOW])
    }

    /// Session `index` of the walk in [`Org::plan`], if planned.
    fn walk(&self, index: u64) -> Option<Value> {
        self.plan()["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["group"] == "walk" && s["index"] == index)
            .cloned()
    }

    fn absences(&self) -> Vec<Value> {
        self.json(&["absences", "--now", NOW])["absences"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn outbox(&self) -> Vec<Value> {
        self.json(&["outbox"])["messages"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// Waits until the outbox has rows and none is queued or sending.
    fn settled(&self) -> Vec<Value> {
        poll("the outbox to settle", Duration::from_secs(120), || {
            let rows = self.outbox();
            let busy = rows
                .iter()
                .any(|r| r["state"] == "queued" || r["state"] == "sending");
            (!rows.is_empty() && !busy).then_some(rows)
        })
    }

    /// `feeds --format json` with links under `base`.
    fn feeds(&self, base: &str) -> Vec<Value> {
        self.json(&["feeds", "--base-url", base])
            .as_array()
            .unwrap()
            .clone()
    }

    /// Member `id`'s feed path (`/feeds/<token>.ics`) and subscribe page
    /// path.
    fn member_paths(&self, id: &str) -> (String, String) {
        let rows = self.feeds("http://x");
        let row = rows
            .iter()
            .find(|r| r["kind"] == "member" && r["id"] == id)
            .unwrap_or_else(|| panic!("no feed of {id}"));
        let path = |k: &str| row[k].as_str().unwrap().replace("http://x", "");
        (path("feed_url"), path("subscribe_url"))
    }

    fn start(&self, now: &str) -> Daemon {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain([("PEERWELL_PUBLIC_URL", BASE)])
            .collect();
        Daemon::start_with_env(&self.dir, &["--now", now], &env)
    }
}

/// Polls `check` every 100 ms until it gives `Some`; panics after `within`.
fn poll<T>(what: &str, within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(start.elapsed() < within, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn smtp(port: u16) -> String {
    format!(
        "retry_seconds = 1\nsend_timeout_seconds = 2\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n"
    )
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// An answer: status, content type and body.
fn answer(r: reqwest::blocking::Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ctype, r.text().unwrap())
}

fn get(url: &str) -> (u16, String, String) {
    answer(client().get(url).send().unwrap())
}

fn post(url: &str) -> (u16, String, String) {
    answer(client().post(url).send().unwrap())
}

/// The absence link in `text` that starts with `prefix`.
fn link_in(text: &str, prefix: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with(prefix))
        .map(str::to_string)
}

/// The start of `member`'s link to session `index` of the walk.
fn prefix(member: &str, index: u32) -> String {
    format!("{BASE}/absence/walk.{index}.{member}.")
}

/// The event with `uid_start` (e.g. `walk-0000@`) in a feed, unfolded.
fn feed_event(ics: &str, uid_start: &str) -> Option<String> {
    let unfolded = ics.replace("\r\n ", "");
    unfolded
        .split("BEGIN:VEVENT")
        .skip(1)
        .find(|e| e.contains(&format!("UID:{uid_start}")))
        .map(str::to_string)
}

/// The DTSTART value (local time as written) of the first walk session in
/// the daemon's feed `path`, or `None` when it is not there or cancelled.
fn first_walk_start(daemon: &Daemon, path: &str) -> Option<String> {
    let (status, body) = daemon.get(path);
    assert_eq!(status, 200, "{path}");
    let event = feed_event(&body, "walk-0000@")?;
    if event.contains("STATUS:CANCELLED") {
        return None;
    }
    event
        .lines()
        .find(|l| l.starts_with("DTSTART"))
        .and_then(|l| l.rsplit(':').next())
        .map(str::to_string)
}

/// The message of outbox row `row` among `mails`.
fn mail_of<'m>(mails: &'m [Value], row: &Value) -> &'m Value {
    let id = row["message_id"].as_str().unwrap().trim_matches(['<', '>']);
    mails
        .iter()
        .find(|m| m["message_id"].as_str().unwrap().trim_matches(['<', '>']) == id)
        .unwrap_or_else(|| panic!("no accepted message for {}", row["key"]))
}

/// Everything a message shows: plain text, HTML and the calendar as sent.
fn everything(mail: &Value) -> String {
    let part = |k: &str| mail[k].as_str().unwrap_or_default().to_string();
    let raw = std::fs::read_to_string(mail["file"].as_str().unwrap()).unwrap();
    [
        part("subject"),
        part("to"),
        part("text"),
        part("html"),
        mail["calendar"]["raw"].as_str().unwrap_or_default().into(),
        raw,
    ]
    .join("\n")
}

/// Rows of `after` not in `before` (by key and state), of `kinds`.
fn new_rows(before: &[Value], after: &[Value], kinds: &[&str]) -> Vec<Value> {
    let seen: BTreeSet<(String, String)> = before
        .iter()
        .map(|r| (r["key"].to_string(), r["state"].to_string()))
        .collect();
    after
        .iter()
        .filter(|r| kinds.contains(&r["kind"].as_str().unwrap()))
        .filter(|r| r["state"] != "withdrawn" && r["state"] != "expired")
        .filter(|r| !seen.contains(&(r["key"].to_string(), r["state"].to_string())))
        .cloned()
        .collect()
}

fn recipients(rows: &[Value]) -> BTreeSet<String> {
    rows.iter()
        .map(|r| r["recipient"].as_str().unwrap().to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Every invitation (REQUEST) carries its recipient's own link for its
/// session in the plain text and in the event's DESCRIPTION, the same
/// link; the links it found, by (member, uid).
fn check_invitation_links(mails: &[Value]) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for m in mails
        .iter()
        .filter(|m| m["calendar"]["method"] == "REQUEST")
    {
        let to = m["to"].as_str().unwrap();
        let (member, _) = EMAILS
            .iter()
            .find(|(_, e)| to.contains(e))
            .unwrap_or_else(|| panic!("an invitation to {to}"));
        let event = &m["calendar"]["events"][0];
        let uid = event["uid"].as_str().unwrap();
        let (group, rest) = uid.split_once('-').unwrap();
        let index: u32 = rest[..4].parse().unwrap();
        let want = format!("{BASE}/absence/{group}.{index}.{member}.");
        let text = link_in(m["text"].as_str().unwrap(), &want)
            .unwrap_or_else(|| panic!("no {want}… in the invitation's text:\n{m}"));
        let desc = link_in(event["description"].as_str().unwrap(), &want)
            .unwrap_or_else(|| panic!("no {want}… in the DESCRIPTION:\n{m}"));
        assert_eq!(text, desc, "one link in text and DESCRIPTION");
        found.push((member.to_string(), uid.to_string(), text));
    }
    found
}

/// A message that must not carry an absence link (a CANCEL, a cancelled
/// session's notice).
fn assert_no_link(mail: &Value) {
    assert!(
        !everything(mail).contains("/absence/"),
        "a link in a message about a session that does not take place: {mail}"
    );
}

/// Neither the canary nor unescaped markup in any accepted message's
/// parts nor in the files as sent.
fn assert_mail_clean(mails: &[Value]) {
    assert!(!mails.is_empty());
    for m in mails {
        let all = everything(m);
        assert!(!all.contains(CANARY), "calendar text in a message: {m}");
        if let Some(html) = m["html"].as_str() {
            assert!(!html.contains("<script"), "markup in an HTML part: {html}");
        }
    }
}

/// Ben's link for the walk's first session costs it its quorum, through
/// the daemon: with `"move"` it is held on Wednesday 4 March (Ana and Cy),
/// with `"skip"` it is skipped, as the plan and Ana's feed served by the
/// daemon show; only the members affected get a change notice (and the
/// iTIP update their calendar needs), and a CANCEL or a cancelled
/// session's notice carries no link while a moved session's notice does;
/// undo through the same link restores Tuesday 3 March with Ana and Ben.
fn quorum_lost_through_a_link(policy: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let peer = SmtpPeer::start(&tmp.path().join("accepted"), "{}");
    let walk = match policy {
        "move" => String::new(),
        p => format!("short_of_quorum = \"{p}\"\n"),
    };
    let org = Org::new(&tmp.path().join("org"), &walk, &smtp(peer.port), &[]);
    let daemon = org.start(NOW);
    let before = org.settled();
    let original = org.walk(0).expect("the first walk");
    assert_eq!(original["start"], "2026-03-03T09:00:00-06:00");
    assert_eq!(original["attendees"], serde_json::json!(["ana", "ben"]));
    let (ana_feed, _) = org.member_paths("ana");
    assert_eq!(
        first_walk_start(&daemon, &ana_feed).as_deref(),
        Some("20260303T090000")
    );

    // Every invitation carries its member's link in text and DESCRIPTION;
    // Ben's for the first walk opens his page for that session.
    let mails = inspect(&peer.accepted());
    let links = check_invitation_links(&mails);
    let invited: BTreeSet<(String, String)> = links
        .iter()
        .map(|(m, u, _)| (m.clone(), u[..9].to_string()))
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("ana", "walk-0000"),
        ("ben", "walk-0000"),
        ("ana", "walk-0001"),
        ("ben", "walk-0001"),
        ("cy", "walk-0001"),
        ("dee", "circle-00"),
        ("eli", "circle-00"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(invited, want, "who was invited to what");
    let link = links
        .iter()
        .find(|(m, u, _)| m == "ben" && u.starts_with("walk-0000@"))
        .map(|(_, _, l)| l.clone())
        .unwrap();
    let reminder = mails
        .iter()
        .filter(|m| m["calendar"].is_null())
        .filter_map(|m| link_in(m["text"].as_str()?, &prefix("ben", 0)))
        .next();
    assert_eq!(
        reminder.as_deref(),
        Some(link.as_str()),
        "the reminder's link"
    );
    let url = link.replace(BASE, &daemon.url(""));
    let (status, _, page) = get(&url);
    assert_eq!(status, 200);
    assert!(
        page.contains("Tuesday 3 March 2026, 09:00–10:00 (America/Chicago)")
            && page.contains("Hello Ben."),
        "{page}"
    );

    // The click: the daemon plans at once.
    let clicked = Instant::now();
    let (status, _, page) = post(&format!("{url}/cant"));
    assert_eq!(status, 200, "{page}");
    let change_kind = if policy == "move" {
        "moved"
    } else {
        "cancelled"
    };
    poll("the change notice", Duration::from_secs(60), || {
        let rows = org.outbox();
        (!new_rows(&before, &rows, &[change_kind]).is_empty()).then_some(())
    });
    eprintln!(
        "{policy}: click to change notice queued in {} ms",
        clicked.elapsed().as_millis()
    );
    let after = org.settled();
    let mails = inspect(&peer.accepted());
    assert_mail_clean(&mails);
    let notices = new_rows(&before, &after, &["moved", "cancelled"]);
    let cancels = new_rows(&before, &after, &["invitation-cancel"]);
    let updates = new_rows(&before, &after, &["invitation"]);
    assert!(
        notices
            .iter()
            .chain(&cancels)
            .all(|r| r["group"] == "walk" && r["index"] == 0),
        "only the first walk changed: {notices:?} {cancels:?}"
    );
    let all_kinds = [
        "upcoming",
        "role",
        "deadline",
        "moved",
        "cancelled",
        "invitation",
        "invitation-cancel",
    ];
    let circle = new_rows(&before, &after, &all_kinds)
        .into_iter()
        .filter(|r| r["group"] != "walk")
        .collect::<Vec<_>>();
    assert!(circle.is_empty(), "the circle is not told: {circle:?}");
    let session = org.walk(0);
    let ana_sees = first_walk_start(&daemon, &ana_feed);
    if policy == "move" {
        let s = session.expect("the first walk is held");
        assert_eq!(s["start"], "2026-03-04T09:00:00-06:00", "{s}");
        assert_eq!(s["attendees"], serde_json::json!(["ana", "cy"]));
        assert_eq!(s["declared_absent"], serde_json::json!(["ben"]));
        assert!(!s["moved_from"].is_null(), "{s}");
        assert_eq!(ana_sees.as_deref(), Some("20260304T090000"));
        // Ana and Cy are told (the new time, with their own link); Ben's
        // calendar gets a CANCEL without a link, Cy's a new invitation.
        assert_eq!(recipients(&notices), set(&["ana", "cy"]));
        for n in &notices {
            let member = n["recipient"].as_str().unwrap();
            let text = mail_of(&mails, n)["text"].as_str().unwrap().to_string();
            assert!(
                link_in(&text, &prefix(member, 0)).is_some(),
                "the moved notice carries {member}'s link:\n{text}"
            );
        }
        assert_eq!(recipients(&cancels), set(&["ben"]));
        assert_eq!(recipients(&updates), set(&["ana", "cy"]));
    } else {
        assert!(session.is_none(), "skipped: {session:?}");
        let plan = org.plan();
        let walk = plan["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == "walk")
            .unwrap()
            .clone();
        assert_eq!(walk["skipped"][0]["date"], "2026-03-03", "{walk}");
        assert_eq!(ana_sees, None, "Ana's feed drops or cancels it");
        // The session's attendees as published are told (Ben, who said
        // he cannot come, among them: the cancellation notice goes to the
        // published session's attendees, where a moved session's notice
        // goes to the new attendees); nobody else. Ben's and Ana's
        // calendars get a CANCEL; none of these carries a link.
        assert_eq!(recipients(&notices), set(&["ana", "ben"]));
        assert_eq!(recipients(&cancels), set(&["ana", "ben"]));
        // Ana now shares the strategy at the second walk (her turn kept):
        // its invitations are updated, nothing else.
        assert!(updates.iter().all(|r| r["index"] == 1), "{updates:?}");
        for n in &notices {
            assert_no_link(mail_of(&mails, n));
        }
    }
    for c in &cancels {
        let m = mail_of(&mails, c);
        assert_eq!(m["calendar"]["method"], "CANCEL");
        assert_no_link(m);
    }
    for u in &updates {
        check_invitation_links(std::slice::from_ref(mail_of(&mails, u)));
    }

    // Undo through the same link: the original session comes back.
    let (status, _, page) = post(&format!("{url}/can"));
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("you are expected"), "{page}");
    poll("the original time back", Duration::from_secs(60), || {
        (first_walk_start(&daemon, &ana_feed).as_deref() == Some("20260303T090000")).then_some(())
    });
    let back = org.walk(0).expect("the first walk again");
    assert_eq!(back["start"], original["start"]);
    assert_eq!(back["attendees"], original["attendees"]);
    assert!(org.absences().is_empty());
}

#[test]
fn a_link_that_costs_quorum_moves_the_session_within_its_week() {
    quorum_lost_through_a_link("move");
}

#[test]
fn a_link_that_costs_quorum_skips_the_session_under_skip() {
    quorum_lost_through_a_link("skip");
}

/// Once its session has started, and once it has ended, a member's link
/// gets exactly the page and status of a forged one, for GET and both
/// POSTs, and nothing is recorded; the same member's link to a later
/// session still works.
#[test]
fn a_link_whose_session_started_or_ended_is_refused_like_a_forged_one() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::new(&tmp.path().join("org"), "", "", &[]);
    let daemon = org.start(NOW);
    org.settled();
    let mails = inspect(&eml_files(&org.dir.join(".peerwell/mail")));
    let find = |index| {
        mails
            .iter()
            .filter_map(|m| link_in(m["text"].as_str()?, &prefix("ben", index)))
            .next()
            .unwrap_or_else(|| panic!("Ben's link to walk {index}"))
    };
    let (first, second) = (find(0), find(1));
    let token = first.rsplit('/').next().unwrap();
    let forged = format!(
        "{}{}",
        &token[..token.len() - 32],
        "0123456789abcdef0123456789abcdef"
    );
    drop(daemon);
    // 09:30 on the first Tuesday (started), then 11:00 (ended).
    for now in ["2026-03-03T15:30:00Z", "2026-03-03T17:00:00Z"] {
        let daemon = org.start(now);
        let at = |t: &str| daemon.url(&format!("/absence/{t}"));
        let refusal = get(&at(&forged));
        assert_eq!(refusal.0, 404);
        assert!(
            refusal.2.contains("This link cannot be used"),
            "{}",
            refusal.2
        );
        for (what, got) in [
            ("GET", get(&at(token))),
            ("POST cant", post(&format!("{}/cant", at(token)))),
            ("POST can", post(&format!("{}/can", at(token)))),
            ("forged POST", post(&format!("{}/cant", at(&forged)))),
        ] {
            assert_eq!(
                got, refusal,
                "{what} at {now}: not the forged link's answer"
            );
        }
        let later = get(&second.replace(BASE, &daemon.url("")));
        assert_eq!(later.0, 200, "the later session's link at {now}");
        assert!(org.absences().is_empty(), "nothing recorded at {now}");
    }
}

/// Markup in a member's name and a group's name and charter is escaped on
/// every absence page (shown, recorded, undone, refused); no page shows
/// another member's address or name; the text of a client event (summary,
/// description, location) reaches no absence page, no message (reminder,
/// invitation, role notice) and no subscribe page or feed.
#[test]
fn absence_pages_escape_markup_and_show_no_calendar_text_or_colleague() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::new(&tmp.path().join("org"), "", "", &[]);
    let daemon = org.start(NOW);
    org.settled();
    let mails = inspect(&eml_files(&org.dir.join(".peerwell/mail")));
    assert_mail_clean(&mails);
    let link = mails
        .iter()
        .filter_map(|m| link_in(m["text"].as_str()?, &prefix("ana", 1)))
        .next()
        .expect("Ana's link to the second walk");
    let url = link.replace(BASE, &daemon.url(""));
    let forged = format!("{}{}", &url[..url.len() - 32], "f".repeat(32));
    let pages = [
        ("shown", get(&url)),
        ("recorded", post(&format!("{url}/cant"))),
        ("shown again", get(&url)),
        ("undone", post(&format!("{url}/can"))),
        ("refused", get(&forged)),
    ];
    let others = ["Ben", "Cy", "Dee", "Eli"];
    for (what, (status, ctype, html)) in &pages {
        assert_eq!(ctype, "text/html; charset=utf-8", "{what}");
        assert!(!html.contains(CANARY), "calendar text on the {what} page");
        assert!(
            !html.contains("<script") && !html.contains("<b>"),
            "markup on the {what} page:\n{html}"
        );
        for (id, email) in EMAILS {
            assert!(!html.contains(email), "{id}'s address on the {what} page");
        }
        for name in others {
            assert!(!html.contains(name), "{name} on the {what} page");
        }
        if *what != "refused" {
            assert_eq!(*status, 200, "{what}");
            assert!(
                html.contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;."),
                "the first name escaped on the {what} page:\n{html}"
            );
            assert!(
                html.contains("Walk &lt;script&gt;alert(1)&lt;/script&gt; &quot;&amp;&#39;"),
                "the group's name escaped on the {what} page:\n{html}"
            );
        }
    }
    assert!(org.absences().is_empty());

    // Subscribe pages and feeds, group and member.
    let rows = org.feeds(&daemon.url(""));
    assert!(rows.len() >= 7, "{rows:?}");
    for r in &rows {
        for k in ["feed_url", "subscribe_url"] {
            let (status, _, body) = get(r[k].as_str().unwrap());
            assert_eq!(status, 200, "{}", r[k]);
            assert!(!body.contains(CANARY), "calendar text at {}", r[k]);
        }
        // Feeds are plain text (the name as written); pages escape it.
        let (_, _, page) = get(r["subscribe_url"].as_str().unwrap());
        assert!(
            !page.contains("<script>alert"),
            "markup at {}",
            r["subscribe_url"]
        );
        assert!(!page.contains("<b>"), "markup at {}", r["subscribe_url"]);
    }
    let (_, ana_page) = org.member_paths("ana");
    let (_, _, page) = get(&daemon.url(&ana_page));
    assert!(
        page.contains(&link.replace(BASE, "")) || page.contains(&link),
        "Ana's subscribe page lists her link:\n{page}"
    );
}

/// A link posted to a PostgreSQL follower: the follower records it in the
/// shared state and the leader plans it within its absence poll and a
/// pass (the first walk moves, as both replicas' feeds show); undo through
/// the follower brings it back.
#[test]
fn a_link_posted_to_a_follower_is_planned_by_the_leader() {
    let shared = Shared::new();
    let orgs: Vec<Org> = ["a", "b"]
        .iter()
        .map(|n| {
            let dir = shared.tmp.path().join(n);
            let data = dir.join(".data");
            Org::new(
                &dir,
                "",
                "enabled = false\n",
                &[
                    ("PEERWELL_STATE_URL", &shared.url),
                    ("PEERWELL_DATA_DIR", data.to_str().unwrap()),
                ],
            )
        })
        .collect();
    let mut leader = orgs[0].start(NOW);
    wait_role(&mut leader, "leader", Duration::from_secs(30));
    let mut follower = orgs[1].start(NOW);
    wait_role(&mut follower, "follower", Duration::from_secs(30));
    let (ana_feed, _) = orgs[1].member_paths("ana");
    let (_, ben_page) = orgs[1].member_paths("ben");
    let both = |want: &str| {
        [&leader, &follower]
            .iter()
            .all(|d| first_walk_start(d, &ana_feed).as_deref() == Some(want))
    };
    poll("both replicas at the plan", Duration::from_secs(30), || {
        both("20260303T090000").then_some(())
    });
    let (_, _, page) = get(&follower.url(&ben_page));
    let at = page
        .find("/absence/walk.0.ben.")
        .expect("Ben's link on his subscribe page");
    let token: String = page[at + "/absence/".len()..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let url = follower.url(&format!("/absence/{token}"));

    let clicked = Instant::now();
    let (status, _, body) = post(&format!("{url}/cant"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(orgs[0].absences().len(), 1, "recorded in the shared state");
    let deadline = Instant::now() + Duration::from_secs(90);
    while !both("20260304T090000") {
        if Instant::now() > deadline {
            panic!(
                "the leader did not plan it within 90 s\nleader:\n{}\nfollower:\n{}",
                leader.output().join("\n"),
                follower.output().join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "follower click to both replicas serving the move: {} ms",
        clicked.elapsed().as_millis()
    );
    assert_eq!(crate::replicas::role(&leader), "leader");
    assert_eq!(crate::replicas::role(&follower), "follower");

    let undone = Instant::now();
    let (status, _, body) = post(&format!("{url}/can"));
    assert_eq!(status, 200, "{body}");
    assert!(orgs[0].absences().is_empty());
    poll(
        "the leader to plan the undo",
        Duration::from_secs(90),
        || both("20260303T090000").then_some(()),
    );
    eprintln!(
        "follower undo to both replicas serving the original: {} ms",
        undone.elapsed().as_millis()
    );
}
