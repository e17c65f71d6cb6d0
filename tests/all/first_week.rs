//! What members and HR see in their first week, through the real binary:
//! wording of reminders, feeds and command output, and horizons that
//! start later than the published plan.

use std::collections::BTreeMap;
use std::path::Path;

use peerwell_tests::cli::{Run, copy_example, example_dir, peerwell, peerwell_in};
use serde_json::Value;

const FROM: [&str; 2] = ["--from", "2026-03-02"];
const NOW: [&str; 2] = ["--now", "2026-03-01T00:00:00Z"];

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn json(run: &Run) -> Value {
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("JSON on stdout")
}

/// A small organization: two people (one calendar between them) in one
/// check-in group.
fn tiny_policy(dir: &Path) {
    std::fs::create_dir_all(dir.join("groups")).expect("create the policy");
    std::fs::copy(
        example_dir().join("calendars/amara-google.ics"),
        dir.join("amara.ics"),
    )
    .expect("copy a calendar");
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write");
    write(
        "peerwell.toml",
        "version = 1\nname = \"Tiny clinic\"\ntime_zone = \"America/Chicago\"\nstart = 2026-03-02\nhorizon_weeks = 4\n",
    );
    write(
        "people.toml",
        "version = 1\n\n[[person]]\nid = \"amara\"\nname = \"Amara Okafor\"\nemail = \"amara@tiny.example\"\ncalendars = [\"amara.ics\"]\n\n[[person]]\nid = \"ben\"\nname = \"Ben Whitfield\"\nemail = \"ben@tiny.example\"\n",
    );
    write(
        "groups/walk.toml",
        &format!(
            "version = 1\nname = \"Walk\"\nformat = \"check-in\"\nmembers = [\"amara\", \"ben\"]\ncadence = \"weekly\"\nduration_minutes = 30\nquorum = 2\n{CHARTER}"
        ),
    );
}

/// The charter and escalation every group file needs.
const CHARTER: &str = "\n[charter]\npurpose = \"Peer support.\"\n\n[[escalation]]\nname = \"Employee Assistance Program\"\ncontact = \"1-800-555-0142\"\n";

mod wording {
    use super::*;

    fn reminder_bodies() -> Vec<String> {
        let dir = example_dir();
        let run = peerwell(&[
            "reminders",
            s(&dir),
            "--all",
            "--format",
            "json",
            NOW[0],
            NOW[1],
        ]);
        json(&run)
            .as_array()
            .expect("a list of messages")
            .iter()
            .map(|m| m["body"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// "The escalation contacts below" stands above them; "You are the
    /// strategy this time" and a role named twice in one message are gone.
    #[test]
    fn reminders_point_down_to_the_contacts_and_name_a_role_once() {
        let bodies = reminder_bodies();
        let mut pointing = 0;
        for body in &bodies {
            if let Some(at) = body.find("escalation contacts below") {
                pointing += 1;
                let contacts = body
                    .find("When peer support is not enough")
                    .unwrap_or_else(|| panic!("no contacts in:\n{body}"));
                assert!(at < contacts, "the contacts are above:\n{body}");
            }
            assert!(!body.contains("You are the strategy this time"), "{body}");
            assert!(
                body.matches("Your role this time").count() <= 1,
                "the role is named twice:\n{body}"
            );
        }
        assert!(pointing > 10, "only {pointing} messages point to contacts");
        assert!(
            bodies
                .iter()
                .any(|b| b.contains("You are the strategy sharer this time")),
            "no role notice for a strategy sharer"
        );
    }

    #[test]
    fn check_counts_in_the_singular_when_there_is_one() {
        let tmp = tempfile::tempdir().expect("temp dir");
        tiny_policy(tmp.path());
        let run = peerwell(&["check", s(tmp.path())]);
        run.assert_code(0);
        assert!(
            run.stdout
                .contains("Tiny clinic — 2 people, 1 group, 1 calendar read"),
            "{}",
            run.stdout
        );
    }

    /// With a two-digit line number, the `|` gutter and `= hint` line up.
    #[test]
    fn hint_lines_up_with_a_two_digit_gutter() {
        let tmp = tempfile::tempdir().expect("temp dir");
        copy_example(tmp.path());
        let walk = tmp.path().join("groups/morning-walk.toml");
        let text = std::fs::read_to_string(&walk).expect("read the walk");
        assert!(text.lines().nth(11).unwrap().starts_with("window = "));
        std::fs::write(&walk, text.replace("\nwindow = ", "\nwindw = ")).expect("write");
        let run = peerwell(&["check", s(tmp.path())]);
        run.assert_code(1);
        let lines: Vec<&str> = run.stderr.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("12 | windw"))
            .unwrap_or_else(|| panic!("no snippet in:\n{}", run.stderr));
        let gutter = lines[at].find('|').unwrap();
        assert_eq!(lines[at - 1].find('|'), Some(gutter), "{}", run.stderr);
        let hint = lines[at..]
            .iter()
            .find(|l| l.trim_start().starts_with("= hint"))
            .unwrap_or_else(|| panic!("no hint in:\n{}", run.stderr));
        assert_eq!(hint.find('='), Some(gutter), "{}", run.stderr);
    }

    /// The header names sit over their columns.
    #[test]
    fn feeds_header_is_padded_to_its_columns() {
        let run = peerwell(&["feeds", s(&example_dir())]);
        run.assert_code(0);
        let mut lines = run.stdout.lines();
        let header = lines.next().expect("a header");
        let row = lines.next().expect("a row");
        let column = header.find("SUBSCRIBE PAGE").expect("a subscribe column");
        let page = row.find("/subscribe/").expect("a subscribe URL");
        let start = row[..page].rfind(' ').map_or(0, |i| i + 1);
        assert_eq!(column, start, "\n{header}\n{row}");
    }

    /// `diff --format json` gives the same local offsets as `plan`.
    #[test]
    fn diff_json_uses_local_offsets_like_plan() {
        let dir = example_dir();
        let d = s(&dir);
        let plan = json(&peerwell(&[
            "plan", d, "--format", "json", FROM[0], FROM[1], NOW[0], NOW[1],
        ]));
        let diff = json(&peerwell(&[
            "diff", d, "--format", "json", FROM[0], FROM[1], NOW[0], NOW[1],
        ]));
        let planned: BTreeMap<(String, u64), String> = plan["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let key = (
                    s["group"].as_str().unwrap().to_string(),
                    s["index"].as_u64().unwrap(),
                );
                (key, s["start"].as_str().unwrap().to_string())
            })
            .collect();
        let added = diff["added"].as_array().expect("added sessions");
        assert_eq!(added.len(), planned.len());
        for a in added {
            let key = (
                a["group"].as_str().unwrap().to_string(),
                a["index"].as_u64().unwrap(),
            );
            assert_eq!(
                a["time"]["start"].as_str(),
                planned.get(&key).map(String::as_str)
            );
        }
    }
}

/// One rule for every cause that blocks a group: `plan` and `export` exit
/// 1 naming the cause, and `check` asks each format whether it can plan.
mod blocking {
    use super::*;
    use peerwell_tests::plugins::wasm;

    /// The tiny policy plus a group on the `trap` fixture, a plugin that
    /// loads and validates but fails to plan a session.
    fn with_failing_plugin(dir: &Path) {
        tiny_policy(dir);
        let org = dir.join("peerwell.toml");
        let mut text = std::fs::read_to_string(&org).expect("read peerwell.toml");
        text.push_str(&format!(
            "\n[plugins.trap]\npath = \"{}\"\n",
            wasm("trap").display()
        ));
        std::fs::write(&org, text).expect("write peerwell.toml");
        std::fs::write(
            dir.join("groups/trapped.toml"),
            format!("version = 1\nname = \"Trapped\"\nformat = \"trap\"\nmembers = [\"amara\", \"ben\"]\nduration_minutes = 30\nquorum = 2\n{CHARTER}"),
        )
        .expect("write the group");
    }

    #[test]
    fn a_plugin_failure_blocks_like_an_unreadable_calendar() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("policy");
        with_failing_plugin(&dir);
        let d = s(&dir);
        let check = peerwell(&["check", d]);
        check.assert_code(1);
        assert!(
            check
                .stderr
                .contains("format `trap` failed for group `trapped`"),
            "{}",
            check.stderr
        );
        let plan = peerwell(&["plan", d, NOW[0], NOW[1]]);
        plan.assert_code(1);
        assert!(plan.stdout.contains("BLOCKED"), "{}", plan.stdout);
        assert!(
            plan.stderr
                .contains("error: group `trapped` is not planned: format `trap` failed"),
            "{}",
            plan.stderr
        );
        let out = tmp.path().join("out");
        let export = peerwell(&["export", d, "--out", s(&out), NOW[0], NOW[1]]);
        export.assert_code(1);
        assert!(
            export.stderr.contains("group `trapped`"),
            "{}",
            export.stderr
        );
        // The other group is planned and published all the same.
        assert!(out.join("groups/walk.ics").exists());
    }

    /// Without the failing group the same policy checks and plans clean.
    #[test]
    fn a_policy_every_format_accepts_checks_clean() {
        let tmp = tempfile::tempdir().expect("temp dir");
        tiny_policy(tmp.path());
        peerwell(&["check", s(tmp.path())]).assert_code(0);
        peerwell(&["plan", s(tmp.path()), NOW[0], NOW[1]]).assert_code(0);
    }
}

/// A horizon that starts later (`--from`) continues the published series:
/// same roles for the same session, nothing published is cancelled.
mod later_horizon {
    use super::*;

    /// (group, index) → (start, attendees, roles) of every planned session.
    fn sessions(plan: &Value) -> BTreeMap<(String, u64), (String, String, String)> {
        plan["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .map(|s| {
                let key = (
                    s["group"].as_str().unwrap().to_string(),
                    s["index"].as_u64().unwrap(),
                );
                let value = (
                    s["start"].to_string(),
                    s["attendees"].to_string(),
                    s["roles"].to_string(),
                );
                (key, value)
            })
            .collect()
    }

    #[test]
    fn from_keeps_roles_and_cancels_nothing_published() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let policy = tmp.path().join("policy");
        copy_example(&policy);
        let data = tmp.path().join("state");
        let d = s(&policy);
        let plan = |from: &str| {
            json(&peerwell_in(
                &[
                    "plan", d, "--format", "json", "--from", from, NOW[0], NOW[1],
                ],
                &data,
            ))
        };
        let first = plan(FROM[1]);
        let out = tmp.path().join("a");
        peerwell_in(
            &[
                "export",
                d,
                "--out",
                s(&out),
                FROM[0],
                FROM[1],
                NOW[0],
                NOW[1],
            ],
            &data,
        )
        .assert_code(0);
        let later = "2026-03-30";
        let second = plan(later);
        let (a, b) = (sessions(&first), sessions(&second));
        let common: Vec<_> = b.keys().filter(|k| a.contains_key(*k)).collect();
        assert!(common.len() > 20, "too few sessions in both: {common:?}");
        for key in common {
            assert_eq!(a[key], b[key], "{key:?} changed with a later --from");
        }
        let out = tmp.path().join("b");
        let export = peerwell_in(
            &[
                "export",
                d,
                "--out",
                s(&out),
                "--from",
                later,
                NOW[0],
                NOW[1],
            ],
            &data,
        );
        export.assert_code(0);
        assert!(
            export.stdout.contains("no changes")
                || export.stdout.contains(" 0 cancelled, 0 changed"),
            "{}",
            export.stdout
        );
        for entry in std::fs::read_dir(out.join("groups"))
            .expect("group feeds")
            .flatten()
        {
            let text = std::fs::read_to_string(entry.path()).expect("read a feed");
            assert!(
                !text.contains("STATUS:CANCELLED"),
                "{}",
                entry.path().display()
            );
            assert!(!text.contains("SEQUENCE:1"), "{}", entry.path().display());
            // Every session published by the first export is still ahead
            // at `--now`, so the later export keeps publishing it.
            let earlier =
                std::fs::read_to_string(tmp.path().join("a/groups").join(entry.file_name()))
                    .expect("the first export's feed");
            let uids = |t: &str| -> std::collections::BTreeSet<String> {
                t.lines()
                    .filter(|l| l.starts_with("UID:"))
                    .map(str::to_string)
                    .collect()
            };
            let missing: Vec<_> = uids(&earlier).difference(&uids(&text)).cloned().collect();
            assert!(
                missing.is_empty(),
                "{}: dropped {missing:?}",
                entry.path().display()
            );
        }
    }
}

/// `peerwell feeds` hands out links to where the daemon listens, read
/// from the same settings `peerwell serve` reads.
mod feed_links {
    use super::*;
    use peerwell_tests::daemon::Daemon;
    use std::process::Command;
    use std::time::Duration;

    #[test]
    fn feeds_link_to_the_address_the_daemon_listens_on() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let policy = tmp.path().join("policy");
        copy_example(&policy);
        let state = tmp.path().join("state");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let listen = format!("127.0.0.1:{port}");
        let env = [
            ("PEERWELL_LISTEN", listen.as_str()),
            ("PEERWELL_DATA_DIR", s(&state)),
        ];
        let mut daemon = Daemon::start_bare(&policy, &["--now", "2026-03-01T00:00:00Z"], &env);
        assert_eq!(daemon.addr.port(), port);
        let out = Command::new(peerwell_tests::cli::binary())
            .args(["feeds", s(&policy), "--format", "json"])
            .envs(env)
            .env("NO_COLOR", "1")
            .output()
            .expect("run peerwell feeds");
        assert!(out.status.success());
        let rows: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let first = rows[0]["feed_url"]
            .as_str()
            .expect("a feed URL")
            .to_string();
        assert!(
            first.starts_with(&format!("http://{listen}/feeds/")),
            "{first}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--base-url"), "{stderr}");
        // The link works: the daemon serves it (once it has re-read the
        // tokens `feeds` created).
        let path = first
            .trim_start_matches(&format!("http://{listen}"))
            .to_string();
        daemon.poll("the feed to be served", Duration::from_secs(30), |d| {
            (d.get(&path).0 == 200).then_some(())
        });
    }
}

/// A member's subscribe page: each escalation contact once, the groups'
/// locations, and no sideways scrolling on a phone.
mod subscribe_page {
    use super::*;
    use peerwell_tests::web::{Site, client};
    use std::process::Command;

    /// The example with Balint's note on the shared EAP line worded apart
    /// from the walk's and the north clinicians'.
    fn site() -> Site {
        Site::start_with(&[], |policy| {
            let balint = policy.join("groups/balint.toml");
            let text = std::fs::read_to_string(&balint).expect("read balint");
            let text = text.replace(
                "note = \"Free, confidential counselling, 24/7\"",
                "note = \"Confidential counselling, any hour\"",
            );
            std::fs::write(&balint, text).expect("write balint");
        })
    }

    fn page(site: &Site, id: &str) -> String {
        let rows = site.feeds();
        let row = rows.iter().find(|r| r.id == id).expect("a feed row");
        let resp = client()
            .get(&row.subscribe_url)
            .send()
            .expect("GET the page");
        assert_eq!(resp.status().as_u16(), 200);
        resp.text().expect("page text")
    }

    #[test]
    fn each_contact_once_and_the_groups_locations() {
        let site = site();
        let html = page(&site, "amara");
        assert_eq!(html.matches("1-800-555-0142").count(), 1, "{html}");
        assert_eq!(html.matches("ext. 2201").count(), 1, "{html}");
        assert!(
            html.contains("Front entrance, then the Riverside Trail loop"),
            "the walk's location is missing:\n{html}"
        );
        let walk = page(&site, "morning-walk");
        assert!(
            walk.contains("Front entrance, then the Riverside Trail loop"),
            "{walk}"
        );
    }

    /// `scrollWidth` and `innerWidth` of `html` rendered 400 px wide in
    /// headless Chromium: in a 400 px frame (the headless window is at
    /// least 500 px wide), which posts its widths to the page around it.
    fn widths_at_400px(html: &str, tmp: &Path) -> (u64, u64) {
        let probe = "<script>parent.postMessage(document.documentElement.scrollWidth + ' ' + \
                     window.innerWidth, '*');</script>";
        std::fs::write(
            tmp.join("page.html"),
            html.replace("</body>", &format!("{probe}</body>")),
        )
        .expect("write the page");
        let frame = tmp.join("frame.html");
        std::fs::write(
            &frame,
            "<!DOCTYPE html><html><body style=\"margin:0\">\
             <iframe src=\"page.html\" style=\"width:400px;height:900px;border:0\"></iframe>\
             <script>addEventListener('message', function (e) { \
             document.body.setAttribute('data-widths', e.data); });</script></body></html>",
        )
        .expect("write the frame");
        let out = Command::new("timeout")
            .arg("120")
            .arg("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
                "--window-size=800,1000",
                "--virtual-time-budget=5000",
                "--dump-dom",
            ])
            .arg(format!("--user-data-dir={}", tmp.join("profile").display()))
            .arg(format!("file://{}", frame.display()))
            .output()
            .expect("run chromium (tests/setup installs it)");
        let dom = String::from_utf8_lossy(&out.stdout);
        let widths = dom
            .split("data-widths=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no widths in:\n{dom}"));
        let mut n = widths
            .split(' ')
            .map(|w| w.parse::<u64>().expect("a width"));
        (n.next().unwrap(), n.next().unwrap())
    }

    #[test]
    fn pages_do_not_scroll_sideways_at_400_px() {
        let site = site();
        for id in ["amara", "morning-walk"] {
            let html = page(&site, id);
            let tmp = tempfile::tempdir().expect("temp dir");
            let (scroll, inner) = widths_at_400px(&html, tmp.path());
            assert_eq!(inner, 400, "{id}: the window is not 400 px wide");
            assert!(
                scroll <= inner,
                "{id}: {scroll} px wide in a {inner} px window"
            );
        }
    }
}

/// Plugin authoring from an installed `peerwell`.
mod plugin_authoring {
    use super::*;
    use peerwell_tests::cli::root;
    use peerwell_tests::plugins::wasm;
    use std::process::Command;

    /// Every file under `dir`, skipping `target/`.
    fn texts(dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                if e.file_name() != "target" {
                    texts(&p, out);
                }
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                out.push((p.display().to_string(), text));
            }
        }
    }

    /// `plugin new` from a copy of the binary outside the checkout writes a
    /// crate that names nothing of the checkout, builds, and checks.
    #[test]
    fn an_installed_binary_scaffolds_a_plugin_that_builds() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let bin = tmp.path().join("bin/peerwell");
        std::fs::create_dir_all(bin.parent().unwrap()).expect("bin folder");
        std::fs::copy(peerwell_tests::cli::binary(), &bin).expect("install the binary");
        let work = tmp.path().join("work");
        std::fs::create_dir_all(&work).expect("work folder");
        let made = Command::new(&bin)
            .args(["plugin", "new", "quiet-hour"])
            .current_dir(&work)
            .output()
            .expect("run the installed peerwell");
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let crate_dir = work.join("quiet-hour");
        // Nothing points into a source checkout (this one or the one the
        // binary was built in): the SDK is the crate's own copy.
        let checkout = root().display().to_string();
        let mut files = Vec::new();
        texts(&crate_dir, &mut files);
        for (path, text) in &files {
            assert!(
                !text.contains(&checkout),
                "{path} names the source checkout"
            );
            assert!(
                !text.contains("plugins/sdk\""),
                "{path} names a checkout's SDK"
            );
        }
        let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).expect("manifest");
        assert!(
            manifest.contains("peerwell-plugin-sdk = { path = \"sdk\" }"),
            "{manifest}"
        );
        let script = crate_dir.join("build");
        let out = Command::new(&script)
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO")
            .env_remove("RUSTC")
            .env_remove("RUSTDOC")
            .output()
            .expect("run the scaffold's build");
        assert!(
            out.status.success(),
            "{} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let built = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let check = Command::new(&bin)
            .args(["plugin", "check", &built])
            .output()
            .expect("run plugin check");
        let stdout = String::from_utf8_lossy(&check.stdout);
        assert!(check.status.success(), "{stdout}");
        assert!(stdout.contains("format:     quiet-hour "), "{stdout}");
    }

    #[test]
    fn plugin_check_tries_the_groups_that_use_it() {
        let file = wasm("structured-peer-supervision");
        let f = s(&file);
        let tmp = tempfile::tempdir().expect("temp dir");
        copy_example(tmp.path());
        let run = peerwell(&["plugin", "check", f, "--policy", s(tmp.path())]);
        run.assert_code(0);
        assert!(
            run.stdout.contains("group peer-supervision: ok (75 min"),
            "{}",
            run.stdout
        );
        // Two cases do not fit the group's 75 minutes: the sample group
        // passes, the policy's group does not.
        let group = tmp.path().join("groups/peer-supervision.toml");
        let text = std::fs::read_to_string(&group).expect("read the group");
        std::fs::write(&group, text.replace("cases = 1", "cases = 2")).expect("write");
        peerwell(&["plugin", "check", f]).assert_code(0);
        let run = peerwell(&["plugin", "check", f, "--policy", s(tmp.path())]);
        run.assert_code(1);
        assert!(
            run.stderr.contains("groups/peer-supervision.toml") && run.stderr.contains("cases"),
            "{}",
            run.stderr
        );
    }
}
