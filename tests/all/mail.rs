//! Reminder emails from `peerwell serve` to real mail servers on loopback:
//! the project's failure-injecting aiosmtpd peer, Postfix's smtp-sink, and
//! the default folder of `.eml` files.

use std::path::Path;
use std::time::{Duration, Instant};

use peerwell_tests::cli::{copy_example, peerwell_in};
use peerwell_tests::daemon::Daemon;
use peerwell_tests::smtp::{SmtpPeer, SmtpSink, eml_files, inspect, message_id};
use serde_json::Value;

/// Monday 2 March 2026, 00:00 in Chicago: every session of the first week
/// is at most 7 days ahead.
pub const NOW: &str = "2026-03-02T06:00:00Z";

/// Copies the clinic with a one-week horizon, reminders and role notices 7
/// days ahead (so every one falls due at [`NOW`]) and `mail` appended to
/// the `[mail]` table.
pub fn clinic_with_mail(dir: &Path, mail: &str) {
    copy_example(dir);
    let toml = dir.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let text = text.replace("horizon_weeks = 12", "horizon_weeks = 1");
    let text = format!(
        "{text}\n[mail]\nfrom = \"wellness@riverbend.example\"\nreminders = [\"7d\"]\nrole_notice = \"7d\"\n{mail}\n"
    );
    std::fs::write(&toml, text).unwrap();
}

/// `peerwell outbox DIR --format json` against the daemon's state.
pub fn outbox(dir: &Path, extra: &[&str]) -> Value {
    let d = dir.to_str().unwrap();
    let mut args = vec!["outbox", d, "--format", "json"];
    args.extend_from_slice(extra);
    let run = peerwell_in(&args, &dir.join(".peerwell"));
    run.assert_code(0);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Waits until nothing is queued or sending; the final listing.
pub fn wait_settled(dir: &Path, timeout: Duration) -> Value {
    let start = Instant::now();
    loop {
        let out = outbox(dir, &[]);
        let c = &out["counts"];
        let total: u64 = c
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_u64)
            .sum();
        if total > 0 && c["queued"] == 0 && c["sending"] == 0 {
            return out;
        }
        assert!(
            start.elapsed() < timeout,
            "the outbox did not settle: {}",
            serde_json::to_string_pretty(c).unwrap()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn rows(out: &Value) -> &Vec<Value> {
    out["messages"].as_array().unwrap()
}

fn smtp(port: u16, extra: &str) -> String {
    format!(
        "attach_ics = true\nretry_seconds = 1\nsend_timeout_seconds = 2\n{extra}\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n"
    )
}

#[test]
fn smtp_peer_retries_transient_failures_and_records_permanent_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    let rules = r#"{"451": {"amara.okafor@riverbend.example": 2},
        "550": ["ben.whitfield@riverbend.example"],
        "drop": {"carmen.reyes@riverbend.example": 1},
        "stall": {"devendra.rao@riverbend.example": 1}}"#;
    let peer = SmtpPeer::start(&tmp.path().join("accepted"), rules);
    clinic_with_mail(&dir, &smtp(peer.port, ""));
    let daemon = Daemon::start(&dir, &["--now", NOW]);
    let out = wait_settled(&dir, Duration::from_secs(120));
    let all = rows(&out);
    let of = |who: &str| -> Vec<&Value> { all.iter().filter(|r| r["recipient"] == who).collect() };

    // Ben's server refuses everything for good: recorded with the reply.
    let ben = of("ben");
    assert!(!ben.is_empty());
    for r in &ben {
        assert_eq!(r["state"], "failed", "{r}");
        assert!(r["last_error"].as_str().unwrap().contains("550"), "{r}");
    }
    let failed = outbox(&dir, &["--failed"]);
    assert_eq!(rows(&failed).len(), ben.len());
    assert!(rows(&failed).iter().all(|r| r["recipient"] == "ben"));
    let table = peerwell_in(
        &["outbox", dir.to_str().unwrap(), "--failed"],
        &dir.join(".peerwell"),
    );
    assert!(table.stdout.contains("last error: "), "{}", table.stdout);
    assert!(table.stdout.contains("550"), "{}", table.stdout);
    let metrics = reqwest::blocking::get(daemon.url("/metrics"))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains(&format!(
            "\npeerwell_reminders_failed_total {}\n",
            ben.len()
        )),
        "{metrics}"
    );

    // Everyone else's messages were delivered, the 451s, the dropped
    // connection and the stall after retries.
    for r in all.iter().filter(|r| r["recipient"] != "ben") {
        assert_eq!(r["state"], "sent", "{r}");
    }
    for who in ["amara", "carmen", "dev"] {
        let retried = of(who)
            .iter()
            .map(|r| r["attempts"].as_u64().unwrap())
            .max();
        assert!(retried >= Some(2), "{who} was retried: {:?}", of(who));
    }
    let amara_retries: u64 = of("amara")
        .iter()
        .map(|r| r["attempts"].as_u64().unwrap() - 1)
        .sum();
    assert_eq!(amara_retries, 2, "two 451s, each retried and delivered");
    let sent = all.iter().filter(|r| r["state"] == "sent").count() as u64;
    assert!(
        metrics.contains(&format!("\npeerwell_reminders_sent_total {sent}\n")),
        "{metrics}"
    );

    // What the server accepted: each sent reminder once, under its
    // Message-ID, with text and HTML parts and the session's .ics.
    let accepted = inspect(&peer.accepted());
    assert_eq!(accepted.len() as u64, sent);
    let ids: std::collections::BTreeSet<&str> = accepted
        .iter()
        .map(|m| m["message_id"].as_str().unwrap())
        .collect();
    for r in all.iter().filter(|r| r["state"] == "sent") {
        assert!(ids.contains(r["message_id"].as_str().unwrap()), "{r}");
    }
    for m in &accepted {
        assert!(
            m["text"].as_str().is_some_and(|t| t.starts_with("Hi ")),
            "{m}"
        );
        assert!(m["html"].as_str().is_some_and(|h| h.contains("<p>")), "{m}");
        assert_eq!(m["calendar"]["method"], "PUBLISH", "{m}");
        assert_eq!(m["calendar"]["events"].as_array().unwrap().len(), 1, "{m}");
        assert!(
            m["from"]
                .as_str()
                .unwrap()
                .contains("wellness@riverbend.example")
        );
        assert!(
            m["message_id"]
                .as_str()
                .unwrap()
                .ends_with("@riverbend.example>")
        );
    }
    let role = accepted
        .iter()
        .find(|m| {
            m["to"].as_str().unwrap().contains("amara")
                && m["subject"]
                    .as_str()
                    .unwrap()
                    .starts_with("Your role: presenter")
        })
        .expect("Amara's presenter notice for the Balint group");
    let text = role["text"].as_str().unwrap();
    assert!(text.contains("You are the presenter this time"), "{text}");
    assert!(text.contains("Purpose:"), "the charter: {text}");
    assert!(
        text.contains("Employee Assistance") || text.contains("If you need more"),
        "{text}"
    );
    let event = &role["calendar"]["events"][0];
    assert_eq!(event["start"], "2026-03-05T13:00:00-06:00", "{role}");
    drop(daemon);
}

#[test]
fn eml_folder_by_default_and_a_restart_sends_nothing_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    clinic_with_mail(&dir, "");
    let daemon = Daemon::start(&dir, &["--now", NOW]);
    let out = wait_settled(&dir, Duration::from_secs(120));
    drop(daemon);
    let sent: Vec<&Value> = rows(&out).iter().filter(|r| r["state"] == "sent").collect();
    assert!(sent.len() > 20, "{}", sent.len());
    let folder = dir.join(".peerwell/mail");
    let files = eml_files(&folder);
    assert_eq!(files.len(), sent.len());
    for f in &files {
        let raw = std::fs::read_to_string(f).unwrap();
        let id = message_id(&raw).expect("a Message-ID");
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(format!("<{}>", name.trim_end_matches(".eml")), id);
        assert!(raw.contains("multipart/alternative"), "{raw}");
    }
    // A second start at the same moment queues and sends nothing new.
    let before: Vec<_> = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().modified().unwrap())
        .collect();
    let daemon = Daemon::start(&dir, &["--now", NOW]);
    let again = wait_settled(&dir, Duration::from_secs(60));
    drop(daemon);
    assert_eq!(again["counts"], out["counts"]);
    let after: Vec<_> = eml_files(&folder)
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().modified().unwrap())
        .collect();
    assert_eq!(before, after, "no file was written again");
}

#[test]
fn postfix_smtp_sink_accepts_every_reminder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    let sink = SmtpSink::start();
    clinic_with_mail(&dir, &smtp(sink.port, ""));
    let daemon = Daemon::start(&dir, &["--now", NOW]);
    let out = wait_settled(&dir, Duration::from_secs(120));
    drop(daemon);
    let all = rows(&out);
    assert!(all.len() > 20);
    assert!(all.iter().all(|r| r["state"] == "sent"), "{out}");
    assert_eq!(out["counts"]["failed"], 0);
}

#[test]
fn mail_config_errors_name_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    copy_example(&dir);
    let toml = dir.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let lines = text.lines().count();
    std::fs::write(
        &toml,
        format!(
            "{text}\n[mail]\nreminders = [\"24\"]\nquiet_hours = \"21:00\"\n[mail.smtp]\nhost = \"smtp.example\"\ntls = \"ssl\"\nusername = \"u\"\npassword_env = \"hunter2@x\"\n"
        ),
    )
    .unwrap();
    let people = dir.join("people.toml");
    let p = std::fs::read_to_string(&people).unwrap();
    std::fs::write(
        &people,
        p.replacen(
            "id = \"amara\"\n",
            "id = \"amara\"\nreminders = \"no\"\n",
            1,
        ),
    )
    .unwrap();
    let run = peerwell_in(&["check", dir.to_str().unwrap()], &tmp.path().join("state"));
    run.assert_code(1);
    let err = &run.stderr;
    for (line, what) in [
        (lines + 3, "expected a duration like \"24h\""),
        (lines + 4, "expected quiet hours \"HH:MM-HH:MM\""),
        (
            lines + 7,
            "expected \"starttls\", \"tls\" or \"none\", found \"ssl\"",
        ),
        (lines + 9, "expected the name of an environment variable"),
    ] {
        assert!(
            err.contains(&format!("peerwell.toml:{line}:")) && err.contains(what),
            "{what} at line {line}:\n{err}"
        );
    }
    assert!(err.contains("people.toml:8:"), "{err}");
    assert!(err.contains("expected a boolean"), "{err}");
}
