//! Failover of `peerwell serve` replicas on one PostgreSQL database, with
//! reminders going to the project's SMTP test peer: the leader killed with
//! SIGKILL again and again, and the leader paused (SIGSTOP) past its lease.
//!
//! The documented in-flight window (see `host/src/mail/send.rs`): a message
//! handed to the server just before its leader died or stopped is still
//! `sending` under the old lease generation, and the next leader sends it
//! again with the same Message-ID. So a message may arrive twice only if it
//! was `sending` when its leader was killed or paused.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peerwell_tests::daemon::Daemon;
use peerwell_tests::smtp::{SmtpPeer, inspect};

use crate::mail::{NOW, clinic_with_mail};
use crate::replicas::{Shared, TOKENS, assert_state_sound, generation, role};

/// The lease timeout the failover tests run with (seconds).
const LEASE: &str = "3";

/// Replica `name` of the clinic with mail to `peer`, two weeks of reminders
/// all due at [`NOW`].
fn start(shared: &Shared, name: &str, peer: &SmtpPeer) -> Daemon {
    let dir = shared.tmp.path().join(name);
    if !dir.exists() {
        clinic_with_mail(
            &dir,
            &format!(
                "retry_seconds = 1\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\n",
                peer.port
            ),
        );
        let toml = dir.join("peerwell.toml");
        let text = std::fs::read_to_string(&toml)
            .expect("read")
            .replace("horizon_weeks = 1", "horizon_weeks = 2")
            .replace("\"7d\"", "\"14d\"");
        std::fs::write(&toml, text).expect("write");
    }
    let data = dir.join(".data");
    let data = data.to_str().expect("utf-8").to_string();
    Daemon::start_with_env(
        &dir,
        &["--now", NOW],
        &[
            ("PEERWELL_STATE_URL", &shared.url),
            ("PEERWELL_DATA_DIR", &data),
            ("PEERWELL_LEASE_SECONDS", LEASE),
        ],
    )
}

/// The outbox rows: message id → state.
fn outbox(shared: &Shared) -> BTreeMap<String, String> {
    let mut c = shared.db.as_ref().expect("a database").superuser();
    c.query("SELECT message_id, state FROM peerwell_outbox", &[])
        .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
        .unwrap_or_default()
}

/// The message ids now `sending`.
fn sending(shared: &Shared) -> BTreeSet<String> {
    outbox(shared)
        .into_iter()
        .filter(|(_, s)| s == "sending")
        .map(|(id, _)| id)
        .collect()
}

/// The index of the replica reporting `leader`, waiting up to `within`.
fn leader_of(replicas: &mut [Daemon], within: Duration) -> Option<usize> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(i) = replicas.iter().position(|d| role(d) == "leader") {
            return Some(i);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How often each message id was accepted by the peer.
fn accepted(peer: &SmtpPeer) -> BTreeMap<String, usize> {
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for m in inspect(&peer.accepted()) {
        let id = m["message_id"].as_str().unwrap_or("").to_string();
        *out.entry(id).or_default() += 1;
    }
    out
}

/// Waits until the outbox holds rows and none is queued or sending.
fn wait_settled(shared: &Shared, within: Duration) -> BTreeMap<String, String> {
    let deadline = Instant::now() + within;
    loop {
        let rows = outbox(shared);
        if !rows.is_empty() && rows.values().all(|s| s != "queued" && s != "sending") {
            return rows;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox did not settle: {rows:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Every row sent, every message accepted, duplicates only in `window`.
fn assert_delivered(shared: &Shared, peer: &SmtpPeer, window: &BTreeSet<String>) -> usize {
    let rows = wait_settled(shared, Duration::from_secs(240));
    assert!(rows.values().all(|s| s == "sent"), "{rows:?}");
    let got = accepted(peer);
    for id in rows.keys() {
        assert!(got.contains_key(id), "lost: {id}");
    }
    let mut twice = 0;
    for (id, n) in &got {
        if *n > 1 {
            twice += 1;
            assert!(
                window.contains(id),
                "{id} arrived {n} times but was never in flight at a failover"
            );
        }
    }
    assert_eq!(got.len(), rows.len(), "nothing unknown was accepted");
    twice
}

/// A client polling one feed and `/healthz` on every live replica every
/// 50 ms, as a proxy in front of them would.
struct Poller {
    stop: Arc<AtomicBool>,
    /// The base URLs of the replicas alive now.
    urls: Arc<Mutex<Vec<String>>>,
    handle: std::thread::JoinHandle<(u64, Vec<String>)>,
}

impl Poller {
    fn start(token: String) -> Poller {
        let stop = Arc::new(AtomicBool::new(false));
        let urls: Arc<Mutex<Vec<String>>> = Arc::default();
        let (s, u) = (stop.clone(), urls.clone());
        let handle = std::thread::spawn(move || poll_feeds(&s, &u, &token));
        Poller { stop, urls, handle }
    }

    fn set(&self, replicas: &[Daemon]) {
        let mut urls = self.urls.lock().unwrap_or_else(|p| p.into_inner());
        *urls = replicas.iter().map(|d| d.url("")).collect();
    }

    /// Stops; how many feeds were served and every error seen.
    fn finish(self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().expect("the poller")
    }
}

/// The poller's loop: an error is a replica that served before answering
/// anything but 200 for the feed, a replica's plan generation going back,
/// or a round where no replica served the feed. A replica that cannot be
/// reached (killed a moment ago) is one a proxy skips.
fn poll_feeds(stop: &AtomicBool, urls: &Mutex<Vec<String>>, token: &str) -> (u64, Vec<String>) {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .expect("a client");
    let (mut served, mut errors) = (0u64, Vec::new());
    let mut last: BTreeMap<String, u64> = BTreeMap::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while !stop.load(Ordering::Relaxed) {
        let now: Vec<String> = urls.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut round_ok = now.is_empty() || seen.is_empty();
        for base in now {
            let g = client
                .get(format!("{base}/healthz"))
                .send()
                .ok()
                .and_then(|r| r.text().ok())
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|h| h["plan_generation"].as_u64());
            if let Some(g) = g {
                let before = last.insert(base.clone(), g).unwrap_or(0);
                if g < before {
                    errors.push(format!("{base}: generation {g} after {before}"));
                }
            }
            let Ok(r) = client.get(format!("{base}/feeds/{token}.ics")).send() else {
                continue;
            };
            match r.status().as_u16() {
                200 => {
                    served += 1;
                    round_ok = true;
                    seen.insert(base);
                }
                code if seen.contains(&base) => errors.push(format!("{base}: status {code}")),
                _ => {}
            }
        }
        if !round_ok {
            errors.push("no replica served the feed".to_string());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (served, errors)
}

/// Three replicas; the leader is killed 20 times at varied moments (while
/// planning, committing or sending) and restarted as a new process: each
/// time another leads within the bound (lease timeout + 1 s poll + slack),
/// and at the end every reminder was delivered, twice only inside the
/// documented window. Failover times are printed (p50 / max).
#[test]
fn kill_the_leader_twenty_times_loses_no_reminder() {
    let shared = Shared::new();
    let peer = SmtpPeer::start(&shared.tmp.path().join("accepted"), r#"{"delay_ms": 300}"#);
    let names = ["a", "b", "c"];
    let mut replicas: Vec<Daemon> = names.iter().map(|n| start(&shared, n, &peer)).collect();
    let mut owner: Vec<&str> = names.to_vec();
    let mut window: BTreeSet<String> = BTreeSet::new();
    let mut failovers: Vec<Duration> = Vec::new();
    let mut seed: u64 = 0x5eed;
    let first = leader_of(&mut replicas, Duration::from_secs(15)).expect("a leader");
    replicas[first].poll("a plan", Duration::from_secs(30), |d| {
        Some(generation(d)).filter(|g| *g > 0)
    });
    let token: String = {
        let mut c = shared.db.as_ref().expect("a database").superuser();
        c.query(TOKENS, &[]).expect("tokens")[0].get(0)
    };
    let poller = Poller::start(token);
    poller.set(&replicas);
    for round in 0..20 {
        let leader = leader_of(&mut replicas, Duration::from_secs(15))
            .unwrap_or_else(|| panic!("no leader before kill {round}"));
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        std::thread::sleep(Duration::from_millis(200 + (seed >> 33) % 1500));
        replicas[leader].signal("KILL");
        assert!(
            replicas[leader]
                .wait_exit(Duration::from_secs(10))
                .is_some()
        );
        let killed = Instant::now();
        window.extend(sending(&shared));
        let name = owner[leader];
        // The killed process comes back as a new one (a restarted node).
        replicas.remove(leader);
        owner.remove(leader);
        poller.set(&replicas);
        let next = leader_of(&mut replicas, Duration::from_secs(15))
            .unwrap_or_else(|| panic!("no new leader within 15 s after kill {round}"));
        failovers.push(killed.elapsed());
        assert!(generation(&replicas[next]) > 0 || round == 0);
        replicas.push(start(&shared, name, &peer));
        owner.push(name);
        poller.set(&replicas);
    }
    let (served, errors) = poller.finish();
    assert!(errors.is_empty(), "the polling client saw: {errors:#?}");
    assert!(served > 100, "only {served} feeds served while polling");
    failovers.sort();
    let p50 = failovers[failovers.len() / 2];
    let max = failovers[failovers.len() - 1];
    println!("failover after kill -9 (lease {LEASE} s): p50 {p50:?}, max {max:?} over 20 kills");
    assert!(max <= Duration::from_secs(15), "max failover {max:?}");
    let twice = assert_delivered(&shared, &peer, &window);
    println!(
        "in flight at a kill: {}, delivered twice: {twice}",
        window.len()
    );
    assert_state_sound(&shared);
}

/// Two replicas; the leader is paused (SIGSTOP) past its lease while it
/// sends: the follower takes over and sends; the old leader, resumed
/// (SIGCONT), commits and sends nothing more — only what it had handed to
/// the server before the pause may arrive twice.
#[test]
fn a_paused_leader_sends_nothing_when_it_wakes() {
    let shared = Shared::new();
    let peer = SmtpPeer::start(&shared.tmp.path().join("accepted"), r#"{"delay_ms": 300}"#);
    let mut replicas = vec![start(&shared, "a", &peer), start(&shared, "b", &peer)];
    let leader = leader_of(&mut replicas, Duration::from_secs(15)).expect("a leader");
    let other = 1 - leader;
    let started = Instant::now();
    while peer.accepted().is_empty() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    replicas[leader].signal("STOP");
    let paused_at = peer.accepted().len();
    let window = sending(&shared);
    let mut follower = replicas.remove(other);
    follower.poll("the follower leading", Duration::from_secs(15), |d| {
        (role(d) == "leader").then_some(())
    });
    // Let the new leader send for a while, then wake the old one.
    let resumed_at = loop {
        let n = peer.accepted().len();
        if n > paused_at + 3 || started.elapsed() > Duration::from_secs(120) {
            break n;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut old = replicas.remove(0);
    std::thread::sleep(Duration::from_millis(300));
    let before_wake = old.output().len();
    old.signal("CONT");
    old.poll("the old leader following", Duration::from_secs(10), |d| {
        (role(d) == "follower").then_some(())
    });
    let twice = assert_delivered(&shared, &peer, &window);
    println!(
        "paused with {} in flight; accepted {paused_at} before, {resumed_at} when resumed; delivered twice: {twice}",
        window.len()
    );
    let out = old.output()[before_wake..].join("\n");
    assert!(
        !out.contains("reminder sent"),
        "the old leader sent after waking:\n{out}"
    );
    assert!(
        out.contains("following"),
        "the old leader did not step down:\n{out}"
    );
    assert_state_sound(&shared);
}
