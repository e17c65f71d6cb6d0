//! "I can't make it" through the real daemon, a real HTTP client and the
//! project's aiosmtpd SMTP peer: a reminder carries the member's link; GET
//! shows a page and records nothing; POST records, the daemon plans at once
//! and only the member who takes over the role is told; a restart loses
//! nothing; undo restores. Forged, tampered and other members' links get
//! the one refusal page; a link over its budget gets 429 with Retry-After.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::mail::{NOW, clinic_with_mail, outbox, wait_settled};
use peerwell_tests::cli::peerwell_in;
use peerwell_tests::daemon::Daemon;
use peerwell_tests::smtp::{SmtpPeer, inspect};

const BASE: &str = "https://peerwell.example.org";

fn smtp(port: u16) -> String {
    format!(
        "retry_seconds = 1\nsend_timeout_seconds = 2\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n"
    )
}

fn start(dir: &Path) -> Daemon {
    Daemon::start_with_env(dir, &["--now", NOW], &[("PEERWELL_PUBLIC_URL", BASE)])
}

fn cli(dir: &Path, args: &[&str]) -> String {
    let mut all = vec![args[0], dir.to_str().unwrap()];
    all.extend_from_slice(&args[1..]);
    let run = peerwell_in(&all, &dir.join(".peerwell"));
    run.assert_code(0);
    run.stdout
}

/// Every accepted message as the inspector reads it.
fn accepted(peer: &SmtpPeer) -> Vec<Value> {
    inspect(&peer.accepted())
}

/// The strategy role notice of the walk: (session index, recipient).
fn walk_role(out: &Value) -> Vec<(u64, String)> {
    out["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["key"].as_str().unwrap().contains("/role-strategy/"))
        .filter(|r| r["key"].as_str().unwrap().starts_with("morning-walk/"))
        .filter(|r| r["state"] != "withdrawn" && r["state"] != "expired")
        .map(|r| {
            let key = r["key"].as_str().unwrap();
            let index = key.split('/').nth(1).unwrap().parse().unwrap();
            (index, r["recipient"].as_str().unwrap().to_string())
        })
        .collect()
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[test]
fn a_reminder_link_records_an_absence_the_role_passes_on_and_undo_restores() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    let peer = SmtpPeer::start(&tmp.path().join("accepted"), "{}");
    clinic_with_mail(&dir, &smtp(peer.port));
    let mut daemon = start(&dir);
    let settled = wait_settled(&dir, Duration::from_secs(120));
    let roles = walk_role(&settled);
    let (index, holder) = roles.first().cloned().expect("a strategy role notice");

    // The holder's reminder for that walk carries their link.
    let mails = accepted(&peer);
    let prefix = format!("{BASE}/absence/morning-walk.{index}.{holder}.");
    let link = mails
        .iter()
        .filter_map(|m| m["text"].as_str())
        .flat_map(|t| t.lines())
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no link {prefix}… in the reminders"))
        .trim()
        .to_string();
    let url = link.replace(BASE, &daemon.url(""));
    let http = client();

    // GET shows what the button does and records nothing.
    let page = http.get(&url).send().unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self'") && !csp.contains("script-src"),
        "{csp}"
    );
    let html = page.text().unwrap();
    assert!(html.contains("Morning walk"), "{html}");
    assert!(
        html.contains("method=\"post\"") && html.contains("I can&#39;t make it"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    for other in ["Carmen", "Gus", "Mei", "Amara"] {
        if !holder.starts_with(&other.to_lowercase()) {
            assert!(
                !html.contains(other),
                "another member's name on the page: {other}"
            );
        }
    }
    assert_eq!(cli(&dir, &["absences"]), "no absences recorded\n");
    let sent_before = accepted(&peer).len();

    // POST records it; the daemon plans at once and the role passes on.
    let clicked = std::time::Instant::now();
    let posted = http.post(format!("{url}/cant")).send().unwrap();
    assert_eq!(posted.status().as_u16(), 200);
    let html = posted.text().unwrap();
    assert!(html.contains("I can come after all"), "{html}");
    let listed = cli(&dir, &["absences"]);
    assert!(
        listed.contains(&format!("{holder}  recorded")) && listed.contains("link"),
        "{listed}"
    );
    let next = daemon.poll("the role to pass on", Duration::from_secs(60), |_| {
        let out = outbox(&dir, &[]);
        walk_role(&out)
            .into_iter()
            .find(|(i, who)| *i == index && *who != holder)
            .map(|(_, who)| who)
    });
    eprintln!(
        "absence click to the new holder's role notice queued: {} ms",
        clicked.elapsed().as_millis()
    );
    let settled = wait_settled(&dir, Duration::from_secs(60));
    let new: Vec<Value> = accepted(&peer).into_iter().skip(sent_before).collect();
    assert!(!new.is_empty(), "the new holder was told");
    for m in &new {
        let to = m["to"].as_str().unwrap().to_lowercase();
        assert!(
            to.contains(&next),
            "only the new role holder hears of it, not {to}"
        );
    }
    let withdrawn_or_sent: Vec<&Value> = settled["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["recipient"] == holder.as_str() && r["state"] == "queued")
        .filter(|r| {
            r["key"]
                .as_str()
                .unwrap()
                .starts_with(&format!("morning-walk/{index}/"))
        })
        .collect();
    assert!(
        withdrawn_or_sent.is_empty(),
        "nothing queued for the absent member"
    );

    // A restart loses nothing: the page still says it is recorded.
    drop(daemon);
    daemon = start(&dir);
    let url = link.replace(BASE, &daemon.url(""));
    let again = http.get(&url).send().unwrap().text().unwrap();
    assert!(again.contains("You are recorded as not coming"), "{again}");
    let plan: Value =
        serde_json::from_str(&cli(&dir, &["plan", "--format", "json", "--now", NOW])).unwrap();
    let s = plan["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["group"] == "morning-walk" && s["index"] == index)
        .unwrap()
        .clone();
    assert!(
        s["declared_absent"]
            .as_array()
            .unwrap()
            .contains(&Value::from(holder.as_str()))
    );

    // Replaying the POST is harmless; undo removes it.
    assert_eq!(
        http.post(format!("{url}/cant"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let undone = http.post(format!("{url}/can")).send().unwrap();
    assert_eq!(undone.status().as_u16(), 200);
    assert!(undone.text().unwrap().contains("you are expected"));
    assert_eq!(cli(&dir, &["absences"]), "no absences recorded\n");

    // Forged, tampered and another member's links: one refusal page.
    let token = link.rsplit('/').next().unwrap().to_string();
    let mac = token.rsplit('.').next().unwrap().to_string();
    let others = ["amara", "carmen", "gus", "mei"];
    let other = others.iter().find(|m| **m != holder).unwrap();
    let forged = [
        format!("morning-walk.{index}.{other}.{mac}"),
        format!("morning-walk.{}.{holder}.{mac}", index + 1),
        format!("morning-walk.{index}.{holder}.{}", "0".repeat(32)),
        format!("morning-walk.{index}.{holder}"),
        "nothing-at-all".to_string(),
    ];
    let mut bodies = Vec::new();
    for f in &forged {
        let r = http
            .get(daemon.url(&format!("/absence/{f}")))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{f}");
        bodies.push(r.text().unwrap());
        let p = http
            .post(daemon.url(&format!("/absence/{f}/cant")))
            .send()
            .unwrap();
        assert_eq!(p.status().as_u16(), 404, "{f}");
    }
    assert!(
        bodies.iter().all(|b| *b == bodies[0]),
        "the same answer for every refusal"
    );
    assert!(bodies[0].contains("This link cannot be used"));
    assert_eq!(cli(&dir, &["absences"]), "no absences recorded\n");

    // Over a link's budget: 429 with Retry-After.
    let limited = (0..30)
        .map(|_| {
            http.get(daemon.url(&format!("/absence/{}", forged[0])))
                .send()
                .unwrap()
        })
        .find(|r| r.status().as_u16() == 429)
        .expect("a 429 within 30 requests");
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&wait), "{wait}");
}
