//! The HR overview: `/admin/<token>/` on the real daemon and `peerwell
//! report`'s files, checked over HTTP, against `plan --format json` and
//! `peerwell busy`, and in a real headless Chromium (DOM, screenshots at
//! phone and desktop widths, axe-core).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use peerwell_tests::browser;
use peerwell_tests::cli::{Run, peerwell_in};
use peerwell_tests::web::{NOW, Site, client};
use serde_json::Value;

/// Markup in a group's name and charter, which must come out as text.
const MARKUP: &str = "<script>alert('pw')</script>";
/// The admin token the test daemons get.
const TOKEN: &str = "ov-9f2c41d8e0b7a6c5d4e3f2a1b0c9d8e7";
/// The variable `[server] admin_token_env` names.
const VAR: &str = "PW_TEST_ADMIN_TOKEN";

/// Adds `[server] admin_token_env = VAR` (when `admin`), markup to the
/// walk group's name and charter, and a privacy canary to every event.
fn edit(policy: &Path, admin: bool) {
    let walk = policy.join("groups/morning-walk.toml");
    let text = std::fs::read_to_string(&walk).unwrap();
    let text = text
        .replace(
            "name = \"Morning walk\"",
            &format!("name = \"Morning walk {MARKUP}\""),
        )
        .replace("purpose = \"", &format!("purpose = \"{MARKUP} & "));
    std::fs::write(&walk, text).unwrap();
    for entry in std::fs::read_dir(policy.join("calendars"))
        .unwrap()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "ics") {
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text
                .replace("SUMMARY:", "SUMMARY:PWCANARY ")
                .replace("LOCATION:", "LOCATION:PWCANARY ")
                .replace("DESCRIPTION:", "DESCRIPTION:PWCANARY ");
            std::fs::write(&path, text).unwrap();
        }
    }
    if admin {
        let toml = policy.join("peerwell.toml");
        let mut text = std::fs::read_to_string(&toml).unwrap();
        text.push_str(&format!("\n[server]\nadmin_token_env = \"{VAR}\"\n"));
        std::fs::write(&toml, text).unwrap();
    }
}

/// A daemon on the clinic with the overview on (`admin`) or off, once its
/// first plan serves.
fn site(admin: bool, env: &[(&str, &str)]) -> Site {
    let mut site = Site::start_with(env, |p| edit(p, admin));
    site.daemon
        .poll("the first plan", Duration::from_secs(120), |d| {
            (d.get("/healthz").0 == 200).then_some(())
        });
    site
}

fn get(site: &Site, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let resp = client().get(site.url(path)).send().unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().unwrap())
}

/// Every value of attribute `attr` on elements whose tag text contains
/// `marker`, in order.
fn attrs(html: &str, marker: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.split('<')
        .filter(|tag| tag.contains(marker))
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            let at = tag.find(&needle)? + needle.len();
            Some(tag[at..at + tag[at..].find('"')?].to_string())
        })
        .collect()
}

/// The value of attribute `attr` on the element with id `id`.
fn by_id(html: &str, id: &str, attr: &str) -> String {
    attrs(html, &format!("id=\"{id}\""), attr)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no #{id}[{attr}] in the page"))
}

fn canary_free(what: &str, text: &str) {
    assert!(
        !text.to_lowercase().contains("pwcanary"),
        "canary in {what}"
    );
}

#[test]
fn the_overview_answers_only_its_token_and_leaks_nothing() {
    let mut site = site(true, &[(VAR, TOKEN)]);
    let (status, headers, html) = get(&site, &format!("/admin/{TOKEN}/"));
    assert_eq!(status, 200, "{html}");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(!html.contains("<script"), "the page has no script");
    // The same page without the trailing slash.
    assert_eq!(get(&site, &format!("/admin/{TOKEN}")).2, html);

    let (_, _, unknown) = get(&site, "/no-such-page");
    let wrong = [
        "/admin/".to_string(),
        "/admin".to_string(),
        format!("/admin/{}/", &TOKEN[..TOKEN.len() - 1]),
        format!("/admin/{TOKEN}x/"),
        format!("/admin/{}/", TOKEN.to_uppercase()),
        format!("/admin/{TOKEN}/index.html"),
        format!("/admin//{TOKEN}/"),
    ];
    for path in &wrong {
        let (status, headers, body) = get(&site, path);
        assert_eq!((status, body.as_str()), (404, unknown.as_str()), "{path}");
        assert!(headers.get("content-security-policy").is_none(), "{path}");
    }

    // Markup in names and charters stays text; the canary never shows.
    assert!(!html.contains(MARKUP));
    assert!(html.contains("Morning walk &lt;script&gt;alert(&#39;pw&#39;)&lt;/script&gt;"));
    canary_free("the overview", &html);
    // The token is in no log line.
    let log = site.daemon.output().join("\n");
    assert!(!log.contains(TOKEN), "the token reached the log");
    assert!(
        !log.contains(&TOKEN[..12]),
        "part of the token reached the log"
    );
    assert!(
        log.contains(VAR) && log.contains("HR overview is on"),
        "{log}"
    );
    canary_free("the log", &log);
}

#[test]
fn without_a_token_the_overview_is_off() {
    // No admin_token_env: off, whatever the environment holds.
    let off = site(false, &[(VAR, TOKEN)]);
    let (_, _, unknown) = get(&off, "/no-such-page");
    let (status, _, body) = get(&off, &format!("/admin/{TOKEN}/"));
    assert_eq!((status, body.as_str()), (404, unknown.as_str()));
    // admin_token_env names a variable that is empty: off, and the log
    // says which variable.
    let mut empty = site(true, &[(VAR, "")]);
    let (status, _, body) = get(&empty, "/admin//");
    assert_eq!((status, body.as_str()), (404, unknown.as_str()));
    let (status, _, _) = get(&empty, &format!("/admin/{TOKEN}/"));
    assert_eq!(status, 404);
    let line = empty
        .daemon
        .wait_for_line("HR overview is off", Duration::from_secs(5))
        .expect("the daemon says the overview is off");
    assert!(line.contains(VAR), "{line}");
}

/// `plan --format json` at the daemon's moment, on the daemon's state.
fn plan_json(site: &Site) -> Value {
    let policy = site.policy();
    let run = site.cli(&[
        "plan",
        policy.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    serde_json::from_str(&run.stdout).unwrap()
}

/// (protected, people, scheduled, short, not scheduled) from the JSON plan
/// and the number of people.
fn expected_counts(plan: &Value, people: usize) -> [usize; 5] {
    let attendees: BTreeSet<&str> = plan["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["attendees"].as_array().unwrap())
        .map(|a| a.as_str().unwrap())
        .collect();
    let (mut scheduled, mut short, mut not) = (0, 0, 0);
    for g in plan["groups"].as_array().unwrap() {
        match g["status"].as_str().unwrap() {
            "scheduled" | "partitioned" => {
                let shortfalls = g["skipped"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|k| {
                        let r = k["reason"].as_str().unwrap();
                        r != "holiday" && !r.starts_with("holiday;")
                    })
                    .count();
                if shortfalls == 0 {
                    scheduled += 1;
                } else {
                    short += 1;
                }
            }
            _ => not += 1,
        }
    }
    [attendees.len(), people, scheduled, short, not]
}

fn page_counts(html: &str) -> [usize; 5] {
    let n = |id: &str, attr: &str| by_id(html, id, attr).parse::<usize>().unwrap();
    [
        n("fig-protected", "data-count"),
        n("fig-protected", "data-of"),
        n("fig-scheduled", "data-count"),
        n("fig-short", "data-count"),
        n("fig-not-scheduled", "data-count"),
    ]
}

/// Every group is on the page, and each scheduled group's outline is its
/// series time in the JSON plan.
fn check_groups(html: &str, plan: &Value) {
    let sections = attrs(html, "class=\"group\"", "data-group");
    let outlines: BTreeMap<String, (String, String)> = html
        .split("<svg ")
        .skip(1)
        .filter_map(|svg| {
            let group = attrs(&format!("<svg {svg}"), "class=\"heatmap\"", "data-group");
            let day = attrs(svg, "class=\"series\"", "data-day");
            let time = attrs(svg, "class=\"series\"", "data-time");
            Some((
                group.first()?.clone(),
                (day.first()?.clone(), time.first()?.clone()),
            ))
        })
        .collect();
    let groups = plan["groups"].as_array().unwrap();
    assert_eq!(sections.len(), groups.len(), "{sections:?}");
    for g in groups {
        let id = g["id"].as_str().unwrap();
        assert!(sections.iter().any(|s| s == id), "group {id} missing");
        match g["status"].as_str().unwrap() {
            "scheduled" => {
                let series = &g["series"];
                let want = (
                    series["weekday"].as_str().unwrap().to_string(),
                    series["start"].as_str().unwrap().to_string(),
                );
                assert_eq!(outlines.get(id), Some(&want), "outline of {id}");
            }
            _ => assert!(!outlines.contains_key(id), "{id} has no series time"),
        }
    }
}

#[test]
fn the_overview_and_the_report_show_what_plan_json_says() {
    let site = site(true, &[(VAR, TOKEN)]);
    let (_, _, html) = get(&site, &format!("/admin/{TOKEN}/"));
    let plan = plan_json(&site);
    let feeds = site.feeds();
    let people = feeds.iter().filter(|f| f.kind == "member").count();
    assert_eq!(page_counts(&html), expected_counts(&plan, people));
    check_groups(&html, &plan);
    // Every feed's subscribe page is linked.
    for f in &feeds {
        assert!(
            html.contains(&format!("href=\"{}\"", f.subscribe_url)),
            "{}",
            f.id
        );
    }

    // The report: the same figures from the same state, as files.
    let out = site.tmp.path().join("report");
    let policy = site.policy();
    let base = site.url("");
    let args = [
        "report",
        policy.to_str().unwrap(),
        "--now",
        NOW,
        "--out",
        out.to_str().unwrap(),
        "--base-url",
        base.as_str(),
    ];
    site.cli(&args).assert_code(0);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(page_counts(&index), expected_counts(&plan, people));
    check_groups(&index, &plan);
    for f in &feeds {
        assert!(
            index.contains(&format!("href=\"{}\"", f.subscribe_url)),
            "{}",
            f.id
        );
    }
}

/// Every file of a report folder, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_report_is_the_same_bytes_every_time_and_private() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy");
    peerwell_tests::cli::copy_example(&policy);
    edit(&policy, false);
    let state = tmp.path().join("state");
    let report = |name: &str| -> (Run, PathBuf) {
        let out = tmp.path().join(name);
        let run = peerwell_in(
            &[
                "report",
                policy.to_str().unwrap(),
                "--now",
                NOW,
                "--out",
                out.to_str().unwrap(),
            ],
            &state,
        );
        (run, out)
    };
    let (first, a) = report("a");
    first.assert_code(0);
    let (_, b) = report("b");
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa, fb, "two reports differ");
    let groups = std::fs::read_dir(policy.join("groups")).unwrap().count();
    assert!(fa.contains_key("index.html") && fa.contains_key("sessions-per-week.svg"));
    assert_eq!(
        fa.keys().filter(|k| k.starts_with("heatmap-")).count(),
        groups,
        "{:?}",
        fa.keys()
    );
    for (name, bytes) in &fa {
        let text = String::from_utf8(bytes.clone()).unwrap();
        canary_free(name, &text);
        assert!(!text.contains(MARKUP), "markup unescaped in {name}");
    }
    canary_free(
        "report's output",
        &format!("{}{}", first.stdout, first.stderr),
    );
    // Without tokens in the state, the report says how to get the links.
    let index = String::from_utf8(fa["index.html"].clone()).unwrap();
    assert!(index.contains("no subscribe page yet"));
    // The report only reads the state.
    assert!(
        !state.join("state.sqlite3").exists(),
        "the report wrote a state"
    );
}

/// A small organization: three people in UTC with calendars, one group
/// on Tuesdays and Wednesdays 09:00–12:00.
fn small_org(dir: &Path) {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "peerwell.toml",
        "version = 1\nname = \"Small\"\ntime_zone = \"UTC\"\nhorizon_weeks = 4\nbuffer_minutes = 15\n",
    );
    write(
        "people.toml",
        "version = 1\n\n[[person]]\nid = \"ann\"\nname = \"Ann A\"\nemail = \"ann@small.example\"\ncalendars = [\"ann.ics\"]\n\n\
         [[person]]\nid = \"bea\"\nname = \"Bea B\"\nemail = \"bea@small.example\"\ncalendars = [\"bea.ics\"]\n\
         [person.working_hours]\nweekdays = \"10:00-17:00\"\n\n\
         [[person]]\nid = \"cal\"\nname = \"Cal C\"\nemail = \"cal@small.example\"\ncalendars = [\"cal.ics\"]\n",
    );
    write(
        "groups/circle.toml",
        "version = 1\nname = \"Circle\"\nformat = \"check-in\"\nmembers = [\"ann\", \"bea\", \"cal\"]\n\
         duration_minutes = 30\ndays = [\"tue\", \"wed\"]\nwindow = \"09:00-12:00\"\nquorum = 2\n\n\
         [charter]\npurpose = \"Check in.\"\n\n[[escalation]]\nname = \"EAP\"\ncontact = \"1-800-555-0199\"\n",
    );
    let cal = |events: &[(&str, &str, &str)]| {
        let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
        for (i, (start, end, rule)) in events.iter().enumerate() {
            s.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:e{i}@small\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n{rule}SUMMARY:PWCANARY client\r\nEND:VEVENT\r\n"
            ));
        }
        s.push_str("END:VCALENDAR\r\n");
        s
    };
    write(
        "ann.ics",
        &cal(&[
            (
                "20260303T090000Z",
                "20260303T100000Z",
                "RRULE:FREQ=WEEKLY;BYDAY=TU,WE\r\n",
            ),
            ("20260311T104500Z", "20260311T111000Z", ""),
        ]),
    );
    write(
        "bea.ics",
        &cal(&[(
            "20260304T103000Z",
            "20260304T111500Z",
            "RRULE:FREQ=WEEKLY;COUNT=2\r\n",
        )]),
    );
    write(
        "cal.ics",
        &cal(&[
            ("20260310T110000Z", "20260310T113000Z", ""),
            ("20260317T000000Z", "20260318T000000Z", ""),
        ]),
    );
}

/// Busy intervals `[start, end + buffer)` (seconds since the epoch) from
/// `peerwell busy --format json`.
fn busy(dir: &Path, member: &str) -> Vec<(i64, i64)> {
    let run = peerwell_tests::cli::peerwell(&[
        "busy",
        dir.to_str().unwrap(),
        member,
        "--from",
        "2026-03-02",
        "--weeks",
        "4",
        "--format",
        "json",
    ]);
    run.assert_code(0);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let buffer = doc["buffer_minutes"].as_i64().unwrap() * 60;
    let secs = |v: &Value| {
        v.as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second()
    };
    doc["busy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let extra = if s["client_facing"].as_bool().unwrap() {
                buffer
            } else {
                0
            };
            (secs(&s["start"]), secs(&s["end"]) + extra)
        })
        .collect()
}

#[test]
fn heatmap_numbers_equal_a_count_from_busy_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("small");
    small_org(&dir);
    let svg_file = tmp.path().join("circle.svg");
    let args = [
        "plan",
        dir.to_str().unwrap(),
        "--from",
        "2026-03-02",
        "--weeks",
        "4",
        "--now",
        "2026-03-01T12:00:00Z",
        "--explain",
        "--group",
        "circle",
        "--svg",
        svg_file.to_str().unwrap(),
    ];
    let run = peerwell_tests::cli::peerwell(&args);
    run.assert_code(0);
    let svg = std::fs::read_to_string(&svg_file).unwrap();
    canary_free("the heatmap", &svg);
    // Working hours: Ann and Cal 09:00–17:00 (the default), Bea from 10:00.
    let starts = [("ann", 9 * 3600), ("bea", 10 * 3600), ("cal", 9 * 3600)];
    let spans: Vec<(i64, Vec<(i64, i64)>)> = starts
        .iter()
        .map(|(id, from)| (*from, busy(&dir, id)))
        .collect();
    let monday = jiff::civil::date(2026, 3, 2);
    let mut cells = 0;
    let mut seen = BTreeSet::new();
    for (day, offset) in [("tuesday", 1), ("wednesday", 2)] {
        for q in 0..12 {
            let local = 9 * 3600 + q * 900;
            let time = format!("{:02}:{:02}", local / 3600, local % 3600 / 60);
            let mut free = 0;
            for week in 0..4 {
                let date = monday
                    .checked_add(jiff::Span::new().days(offset + 7 * week))
                    .unwrap();
                let midnight = date
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .unwrap()
                    .timestamp()
                    .as_second();
                let (a, b) = (midnight + local, midnight + local + 900);
                for (from, busy) in &spans {
                    let working = local >= *from && local + 900 <= 17 * 3600;
                    let clear = busy.iter().all(|(s, e)| *e <= a || *s >= b);
                    free += usize::from(working && clear);
                }
            }
            let marker = format!("data-day=\"{day}\" data-time=\"{time}\"");
            let got = attrs(&svg, &marker, "data-free");
            assert_eq!(got, [free.to_string()], "{day} {time}");
            seen.insert(free);
            assert_eq!(attrs(&svg, &marker, "data-of"), ["12"], "{day} {time}");
            cells += 1;
        }
    }
    assert_eq!(cells, 24);
    // The calendars, buffers and working hours make many different counts.
    assert!(seen.len() >= 5, "{seen:?}");
    assert_eq!(svg.matches("class=\"cell\"").count(), 24);
    // --svg needs --explain and --group.
    let bad = peerwell_tests::cli::peerwell(&["plan", dir.to_str().unwrap(), "--svg", "x.svg"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// Where screenshots go for a person to look at: outside the repository.
fn shots() -> PathBuf {
    let dir = std::env::temp_dir().join("peerwell-overview-shots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn not_blank(stats: &Value, width: u64, height: u64) {
    assert_eq!(
        (stats["width"].as_u64(), stats["height"].as_u64()),
        (Some(width), Some(height))
    );
    assert!(stats["colours"].as_u64().unwrap() > 40, "{stats}");
    assert!(stats["non_background"].as_f64().unwrap() > 0.08, "{stats}");
}

fn serious(violations: &[Value]) -> Vec<&Value> {
    violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect()
}

#[test]
fn chromium_shows_the_overview_and_the_report_accessibly() {
    let site = site(true, &[(VAR, TOKEN)]);
    let plan = plan_json(&site);
    let profile = site.tmp.path().join("chromium-profile");
    let admin = site.url(&format!("/admin/{TOKEN}/"));
    let dom = browser::run(&profile, &["--dump-dom"], &admin);
    check_groups(&dom, &plan);
    let people = site.feeds().iter().filter(|f| f.kind == "member").count();
    assert_eq!(page_counts(&dom), expected_counts(&plan, people));

    let out = site.tmp.path().join("report");
    let policy = site.policy();
    site.cli(&[
        "report",
        policy.to_str().unwrap(),
        "--now",
        NOW,
        "--out",
        out.to_str().unwrap(),
    ])
    .assert_code(0);
    let index = format!("file://{}", out.join("index.html").display());
    let dom = browser::run(&profile, &["--dump-dom"], &index);
    check_groups(&dom, &plan);

    let dir = shots();
    for (name, url) in [("admin", &admin), ("report", &index)] {
        for (width, height) in [(400, 2400), (1280, 1600)] {
            let file = dir.join(format!("{name}-{width}.png"));
            let stats = browser::screenshot(&profile, url, &file, width, height);
            not_blank(&stats, u64::from(width), u64::from(height));
        }
    }

    let (_, _, html) = get(&site, &format!("/admin/{TOKEN}/"));
    let report = std::fs::read_to_string(out.join("index.html")).unwrap();
    for (name, page) in [("admin", &html), ("report", &report)] {
        for width in [400, 1280] {
            let work = site.tmp.path().join(format!("axe-{name}"));
            std::fs::create_dir_all(&work).unwrap();
            let violations = browser::axe(&profile, &work, page, width);
            let bad = serious(&violations);
            assert!(bad.is_empty(), "{name} at {width} px: {bad:#?}");
        }
    }
    // The checker finds what it should: an image without a text
    // alternative is a critical violation.
    let work = site.tmp.path().join("axe-control");
    std::fs::create_dir_all(&work).unwrap();
    let broken = "<!DOCTYPE html>\n<html lang=\"en\"><head><title>control</title></head>\n\
                  <body><main><img src=\"missing.png\"></main>\n</body></html>\n";
    let violations = browser::axe(&profile, &work, broken, 400);
    assert!(
        serious(&violations).iter().any(|v| v["id"] == "image-alt"),
        "{violations:#?}"
    );
}

/// Over random organizations (several zones, a DST change): every cell's
/// free and blocked member-weeks add up to those counted, and in each
/// quarter hour of a group's series time the members free, summed over the
/// horizon, are at least those attending its sessions held at that time
/// (attending implies free under every rule the heatmap counts).
/// Returns how many series quarter hours with attendees it checked.
fn heatmap_agrees_with_the_plan(seed: u64) -> usize {
    let mut checked = 0;
    use peerwell_core::schedule::{GroupOutcome, heatmap, plan};
    let g = peerwell_tests::schedule_gen::organization(seed);
    let formats = peerwell_tests::schedule_gen::formats();
    let p = plan(&g.org, &g.availability, g.horizon, &formats);
    for group in &g.org.groups {
        let map = heatmap(&g.org, &g.availability, g.horizon, &formats, &p, &group.id)
            .expect("every group has a heatmap");
        for row in &map.cells {
            for c in row {
                let blocked: u32 = c.blocks.iter().map(|b| b.1).sum();
                assert_eq!(c.free + blocked, c.of, "{seed}: {}", group.id);
                assert!(c.of <= map.members * map.weeks);
            }
        }
        let Some((_, GroupOutcome::Scheduled { series, .. })) =
            p.outcomes.iter().find(|(id, _)| *id == group.id)
        else {
            assert!(map.series.is_none());
            continue;
        };
        assert_eq!(map.series, Some(*series));
        let tz = &group.zone.tz;
        let attending: u32 = p
            .sessions
            .iter()
            .filter(|s| s.group == group.id && s.moved_from.is_none())
            .filter(|s| tz.to_datetime(s.start).time() == series.start)
            .map(|s| u32::try_from(s.attendees.len()).unwrap())
            .sum();
        for t in &map.times {
            if map.in_series(series.weekday, *t) {
                let cell = map.cell(series.weekday, *t).unwrap();
                assert!(
                    cell.free >= attending,
                    "{seed}: {} at {t}: {} free < {attending} attending",
                    group.id,
                    cell.free
                );
                checked += usize::from(attending > 0);
            }
        }
    }
    checked
}

#[test]
fn the_heatmap_property_is_not_vacuous() {
    let checked: usize = (0..24).map(heatmap_agrees_with_the_plan).sum();
    assert!(checked > 24, "{checked}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    #[test]
    fn the_heatmap_agrees_with_the_plan(seed in proptest::prelude::any::<u64>()) {
        heatmap_agrees_with_the_plan(seed);
    }
}
