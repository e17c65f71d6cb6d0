//! The crash test: `peerwell serve` is killed with SIGKILL in the middle of
//! a burst of reminders, again and again; in the end every reminder was
//! accepted by the SMTP server at least once, and a reminder arrived twice
//! only if it was `sending` at a kill (the documented duplicate window).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use peerwell_tests::daemon::Daemon;
use peerwell_tests::smtp::{SmtpPeer, inspect};
use serde_json::Value;

use crate::mail::{NOW, clinic_with_mail, outbox, wait_settled};

#[test]
fn sigkill_during_a_send_burst_loses_no_reminder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clinic");
    // Every message takes the server 250 ms to accept; with the sender's 8
    // connections a burst lasts seconds and kills land in the middle of
    // exchanges, with up to 8 messages in flight.
    let peer = SmtpPeer::start(&tmp.path().join("accepted"), r#"{"delay_ms": 250}"#);
    clinic_with_mail(
        &dir,
        &format!(
            "retry_seconds = 1\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n",
            peer.port
        ),
    );
    // Two weeks of sessions, every reminder and role notice due at once.
    let toml = dir.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml)
        .unwrap()
        .replace("horizon_weeks = 1", "horizon_weeks = 2")
        .replace("\"7d\"", "\"14d\"");
    std::fs::write(&toml, text).unwrap();

    let mut sending_at_kill: BTreeSet<String> = BTreeSet::new();
    let mut kills_mid_burst = 0;
    for round in 0..9u64 {
        let before = peer.accepted().len();
        let mut daemon = Daemon::start(&dir, &["--now", NOW]);
        // Wait for the burst to be under way, then a little more.
        let start = Instant::now();
        while peer.accepted().len() == before && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(50 + (round * 71) % 400));
        daemon.signal("KILL");
        assert!(daemon.wait_exit(Duration::from_secs(10)).is_some());
        drop(daemon);
        let out = outbox(&dir, &[]);
        let rows = out["messages"].as_array().unwrap();
        let sending: Vec<&Value> = rows.iter().filter(|r| r["state"] == "sending").collect();
        sending_at_kill.extend(
            sending
                .iter()
                .map(|r| r["message_id"].as_str().unwrap().to_string()),
        );
        if out["counts"]["queued"].as_u64().unwrap() + sending.len() as u64 == 0 {
            break;
        }
        kills_mid_burst += 1;
    }
    assert!(
        kills_mid_burst >= 3,
        "only {kills_mid_burst} kills landed mid-burst"
    );
    assert!(
        !sending_at_kill.is_empty(),
        "no kill caught a send in flight"
    );

    let daemon = Daemon::start(&dir, &["--now", NOW]);
    let out = wait_settled(&dir, Duration::from_secs(180));
    drop(daemon);
    let rows = out["messages"].as_array().unwrap();
    assert!(rows.len() > 50, "a burst of {} reminders", rows.len());
    assert!(
        rows.iter().all(|r| r["state"] == "sent"),
        "{}",
        out["counts"]
    );

    let mut accepted: BTreeMap<String, usize> = BTreeMap::new();
    for m in inspect(&peer.accepted()) {
        *accepted
            .entry(m["message_id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    for r in rows {
        let id = r["message_id"].as_str().unwrap();
        assert!(accepted.contains_key(id), "lost: {r}");
    }
    for (id, n) in &accepted {
        if *n > 1 {
            assert!(
                sending_at_kill.contains(id),
                "{id} arrived {n} times but was never `sending` at a kill"
            );
        }
    }
    assert_eq!(accepted.len(), rows.len(), "nothing unknown was accepted");
}
