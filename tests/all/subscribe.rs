//! Subscribe pages: served by the real daemon, read over HTTP and rendered
//! in a real headless Chromium (DOM after scripts ran, and a screenshot
//! decoded by pypng).

use std::path::{Path, PathBuf};
use std::process::Command;

use peerwell_tests::cli::{oracle_python, peerwell_in};
use peerwell_tests::web::{FeedRow, NOW, Site, client};
use reqwest::StatusCode;
use serde_json::Value;

/// Markup in a group's name and charter, which must come out as text.
const MARKUP: &str = "<script>alert('pw')</script>";

/// A site whose walk group has markup in its name and charter, whose
/// calendars carry a privacy canary in every event text, and whose state
/// holds 8 published weeks while the daemon plans 4, so later sessions are
/// published as cancelled.
fn site() -> Site {
    Site::start_with(&[], |policy| {
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
                    .replace("LOCATION:", "LOCATION:PWCANARY ");
                std::fs::write(&path, text).unwrap();
            }
        }
        let state = policy.parent().unwrap().join("state");
        let out = policy.parent().unwrap().join("first-export");
        peerwell_in(
            &[
                "export",
                policy.to_str().unwrap(),
                "--now",
                NOW,
                "--weeks",
                "8",
                "--out",
                out.to_str().unwrap(),
            ],
            &state,
        )
        .assert_code(0);
        let toml = policy.join("peerwell.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        std::fs::write(
            &toml,
            text.replace("horizon_weeks = 12", "horizon_weeks = 4"),
        )
        .unwrap();
    })
}

fn row<'a>(rows: &'a [FeedRow], id: &str) -> &'a FeedRow {
    rows.iter().find(|r| r.id == id).unwrap()
}

/// Full names of the people in people.toml, by id.
fn full_names(policy: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(policy.join("people.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    doc["person"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The `href` of the element with `id` in serialized HTML.
fn href(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in\n{html}"));
    let rest = &html[at..];
    let start = rest.find("href=\"").unwrap() + 6;
    let end = rest[start..].find('"').unwrap();
    rest[start..start + end].replace("&amp;", "&")
}

fn enc(s: &str) -> String {
    peerwell::web::urls::encode(s)
}

#[test]
fn pages_show_the_group_with_first_names_escaped_text_and_safe_headers() {
    let mut site = site();
    let rows = site.feeds();
    let walk = row(&rows, "morning-walk");
    let http = client();
    let res = http.get(&walk.subscribe_url).send().unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = |n: &str| {
        res.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(h("content-type"), "text/html; charset=utf-8");
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "no-referrer");
    let csp = h("content-security-policy");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && csp.contains("script-src 'sha256-"),
        "{csp}"
    );
    let html = res.text().unwrap();

    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(!html.contains(MARKUP), "markup served raw");
    assert!(html.contains("Morning walk &lt;script&gt;alert(&#39;pw&#39;)&lt;/script&gt;"));
    assert!(html.contains("&lt;script&gt;alert(&#39;pw&#39;)&lt;/script&gt; &amp; A weekly walk"));
    assert_eq!(html.matches("<script").count(), 1, "only our own script");
    assert!(html.contains("<label for=\"feed-url\">"));
    assert!(html.contains(&format!("readonly value=\"{}\"", walk.feed_url)));
    assert!(html.contains("Employee Assistance Program"));
    // Next sessions: planned ones, then those published earlier and no
    // longer in the (shorter) plan, marked cancelled.
    assert!(
        html.contains("<td>Tue 03 Mar 2026</td><td>08:00–08:45</td><td>America/Chicago (CST)</td>"),
        "{html}"
    );
    assert!(
        html.matches("<tr class=\"cancelled\">").count() >= 2,
        "{html}"
    );
    assert!(html.contains("<td class=\"state\">Cancelled</td>"));

    // First names only.
    let names = full_names(&site.policy());
    for id in ["amara", "carmen", "gus", "mei"] {
        let full = &names.iter().find(|(i, _)| i == id).unwrap().1;
        let mut parts = full.split_whitespace();
        let first = parts.next().unwrap();
        assert!(html.contains(first), "{first}");
        for rest in parts {
            assert!(!html.contains(rest), "{full}: `{rest}` on the page");
        }
    }

    // A member's page: their groups and sessions, first names only.
    let amara = row(&rows, "amara");
    let page = http
        .get(&amara.subscribe_url)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("<h1 id=\"title\">Peer support for Amara</h1>"),
        "{page}"
    );
    assert!(page.contains("<strong>Morning walk &lt;script&gt;"));
    assert!(page.contains("<th scope=\"col\">Group</th>"));
    assert!(!page.contains(&names.iter().find(|(i, _)| i == "amara").unwrap().1));
    assert!(page.contains(&format!("readonly value=\"{}\"", amara.feed_url)));

    // Nothing from an input calendar anywhere.
    let mut seen = vec![html, page];
    for r in &rows {
        seen.push(http.get(&r.subscribe_url).send().unwrap().text().unwrap());
        seen.push(http.get(&r.feed_url).send().unwrap().text().unwrap());
    }
    seen.push(
        http.get(site.url("/healthz"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    );
    seen.push(
        http.get(site.url("/metrics"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    );
    seen.extend(site.daemon.output());
    for text in &seen {
        assert!(
            !text.to_lowercase().contains("pwcanary"),
            "canary leaked:\n{text}"
        );
    }
}

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let path = dir.join(name);
            if path.exists() {
                return path;
            }
        }
    }
    panic!("Chromium is missing: run tests/setup (it installs Debian's chromium)");
}

/// Runs headless Chromium with `args` on `url`, with its own profile.
fn run_chromium(profile: &Path, args: &[&str], url: &str) -> String {
    let out = Command::new("timeout")
        .arg("120")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn chromium_renders_the_page_with_working_links_and_script() {
    let site = site();
    let rows = site.feeds();
    let walk = row(&rows, "morning-walk");
    let profile = site.tmp.path().join("chromium-profile");
    let dom = run_chromium(&profile, &["--dump-dom"], &walk.subscribe_url);

    let webcal = walk.feed_url.replacen("http://", "webcal://", 1);
    let name = format!("Morning walk {MARKUP}");
    assert_eq!(href(&dom, "link-webcal"), webcal);
    assert_eq!(
        href(&dom, "link-google"),
        format!(
            "https://calendar.google.com/calendar/render?cid={}",
            enc(&webcal)
        )
    );
    assert_eq!(
        href(&dom, "link-outlook"),
        format!(
            "https://outlook.live.com/calendar/0/addfromweb?url={}&name={}",
            enc(&walk.feed_url),
            enc(&name)
        )
    );
    assert_eq!(
        href(&dom, "link-office365"),
        format!(
            "https://outlook.office.com/calendar/0/addfromweb?url={}&name={}",
            enc(&walk.feed_url),
            enc(&name)
        )
    );
    // The script ran under the page's CSP: it showed the Copy button.
    assert!(
        dom.contains("<button id=\"copy-button\" type=\"button\">Copy</button>"),
        "{dom}"
    );
    // The markup stayed text: the title element holds it escaped.
    assert!(
        dom.contains("<h1 id=\"title\">Morning walk &lt;script&gt;alert('pw')&lt;/script&gt;</h1>"),
        "{dom}"
    );

    // A screenshot: the page is not blank, the header band is dark with
    // light title text, the body light with dark text.
    let shot = site.tmp.path().join("page.png");
    run_chromium(
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1000,1400",
        ],
        &walk.subscribe_url,
    );
    assert!(shot.exists(), "chromium wrote no screenshot");
    let stats: Value = serde_json::from_str(
        &oracle_python(
            "png_stats.py",
            &[
                shot.display().to_string(),
                "0,0,1000,40".to_string(),
                "0,0,1000,70".to_string(),
                "0,200,1000,1400".to_string(),
            ],
        )[0],
    )
    .unwrap();
    assert_eq!(stats["width"], 1000);
    assert_eq!(stats["height"], 1400);
    assert!(stats["colours"].as_u64().unwrap() > 20, "{stats}");
    assert!(stats["non_background"].as_f64().unwrap() > 0.02, "{stats}");
    let band = &stats["boxes"][0];
    assert!(
        band["dark"].as_f64().unwrap() > 0.9,
        "header band not dark: {stats}"
    );
    let title = &stats["boxes"][1];
    assert!(
        title["light"].as_f64().unwrap() > 0.005,
        "no title text: {stats}"
    );
    let body = &stats["boxes"][2];
    assert!(
        body["light"].as_f64().unwrap() > 0.6,
        "body not light: {stats}"
    );
    assert!(
        body["dark"].as_f64().unwrap() > 0.005,
        "no text in the body: {stats}"
    );
}
