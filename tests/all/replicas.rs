//! Several `peerwell serve` processes on one PostgreSQL database (a private
//! cluster from `peerwell-pgtest`): one leader at a time, followers serving
//! the leader's feeds byte for byte, takeover when the leader dies.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use peerwell_tests::cli::copy_example;
use peerwell_tests::daemon::Daemon;
use serde_json::Value;

const NOW: &str = "2026-03-02T08:00:00Z";

/// A database for one test and the replicas' settings.
pub struct Shared {
    /// The database, in the shared cluster (`None`: a test's own cluster).
    pub db: Option<peerwell_pgtest::Database<'static>>,
    pub tmp: tempfile::TempDir,
    pub url: String,
}

impl Shared {
    pub fn new() -> Shared {
        let db = peerwell_pgtest::shared().database();
        let url = with_password(&db.url());
        Shared {
            db: Some(db),
            tmp: tempfile::tempdir().expect("temp dir"),
            url,
        }
    }

    /// Replica `name`'s own copy of the example policy (and data folder).
    pub fn policy(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join(name);
        if !dir.exists() {
            copy_example(&dir);
        }
        dir
    }

    /// Starts replica `name` with `env` added.
    pub fn start(&self, name: &str, env: &[(&str, &str)]) -> Daemon {
        let dir = self.policy(name);
        let data = dir.join(".data");
        let data = data.to_str().expect("utf-8").to_string();
        let mut all: Vec<(&str, &str)> = vec![
            ("PEERWELL_STATE_URL", &self.url),
            ("PEERWELL_DATA_DIR", &data),
        ];
        all.extend_from_slice(env);
        Daemon::start_with_env(&dir, &["--now", NOW], &all)
    }

    /// The active tokens, read from the database.
    pub fn tokens(&self) -> Vec<String> {
        let db = self.db.as_ref().expect("a database in the shared cluster");
        let mut c = db.superuser();
        c.query(TOKENS, &[])
            .expect("read tokens")
            .iter()
            .map(|r| r.get(0))
            .collect()
    }
}

/// The query for the active tokens.
pub const TOKENS: &str =
    "SELECT token FROM peerwell_tokens WHERE revoked_at IS NULL ORDER BY token";

/// `url` with the test role's password (allowed in the environment).
pub fn with_password(url: &str) -> String {
    url.replace(
        &format!("{}@", peerwell_pgtest::ROLE),
        &format!("{}:{}@", peerwell_pgtest::ROLE, peerwell_pgtest::PASSWORD),
    )
}

/// `/healthz` as JSON (`Null` when it cannot be read).
pub fn health(d: &Daemon) -> Value {
    reqwest::blocking::get(d.url("/healthz"))
        .and_then(|r| r.text())
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

/// The role `/healthz` reports.
pub fn role(d: &Daemon) -> String {
    health(d)["role"].as_str().unwrap_or("").to_string()
}

/// The plan generation `/healthz` reports.
pub fn generation(d: &Daemon) -> u64 {
    health(d)["plan_generation"].as_u64().unwrap_or(0)
}

/// Waits until `d` reports `want` as its role.
pub fn wait_role(d: &mut Daemon, want: &str, within: Duration) {
    d.poll(&format!("role {want}"), within, |d| {
        (role(d) == want).then_some(())
    });
}

/// A feed's status, body and ETag.
pub fn feed(d: &Daemon, token: &str) -> (u16, Vec<u8>, String) {
    let r = reqwest::blocking::get(d.url(&format!("/feeds/{token}.ics"))).expect("GET a feed");
    let status = r.status().as_u16();
    let etag = r
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (
        status,
        r.bytes().map(|b| b.to_vec()).unwrap_or_default(),
        etag,
    )
}

/// Every feed `a` and `b` serve is the same bytes with the same ETag.
fn assert_identical_feeds(shared: &Shared, a: &Daemon, b: &Daemon) -> usize {
    let tokens = shared.tokens();
    assert!(!tokens.is_empty(), "no tokens were issued");
    for token in &tokens {
        let (sa, ba, ea) = feed(a, token);
        let (sb, bb, eb) = feed(b, token);
        assert_eq!((sa, sb), (200, 200), "feed {token}");
        assert!(ba == bb, "feed {token} differs between replicas");
        assert_eq!(ea, eb, "ETag of feed {token}");
    }
    tokens.len()
}

/// Two replicas: the first up leads, the second follows and serves the
/// same feeds byte for byte (ETag too) within 2 s of the leader's plan;
/// /metrics shows the roles; when the leader is killed the follower takes
/// over within 15 s and keeps serving the same feeds.
#[test]
fn two_replicas_one_leader_identical_feeds_and_takeover() {
    let shared = Shared::new();
    let mut a = shared.start("a", &[]);
    wait_role(&mut a, "leader", Duration::from_secs(10));
    let mut b = shared.start("b", &[]);
    wait_role(&mut b, "follower", Duration::from_secs(10));
    let ga = a.poll("a plan generation", Duration::from_secs(30), |d| {
        Some(generation(d)).filter(|g| *g > 0)
    });
    b.poll(
        "the follower at the leader's generation",
        Duration::from_secs(2),
        |d| (generation(d) == ga).then_some(()),
    );
    let n = assert_identical_feeds(&shared, &a, &b);
    assert!(n >= 2, "{n} feeds");
    b.poll(
        "the follower showing the lease age",
        Duration::from_secs(3),
        |d| health(d)["lease_age_seconds"].as_f64(),
    );
    let (_, metrics) = b.get("/metrics");
    assert!(
        metrics.contains("peerwell_role{role=\"follower\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("peerwell_plan_generation {ga}")),
        "{metrics}"
    );
    let h = health(&a);
    assert_eq!(h["status"], "ok", "{h}");
    assert!(h["lease_age_seconds"].as_f64().is_some(), "{h}");
    assert!(!h.to_string().contains(peerwell_pgtest::PASSWORD), "{h}");

    a.signal("KILL");
    let killed = Instant::now();
    wait_role(&mut b, "leader", Duration::from_secs(15));
    let took = killed.elapsed();
    println!("takeover after kill -9 with the default lease: {took:?}");
    assert!(took <= Duration::from_secs(15), "takeover took {took:?}");
    b.poll("the new leader's plan", Duration::from_secs(30), |d| {
        (generation(d) > ga).then_some(())
    });
    let mut c = shared.start("c", &[]);
    wait_role(&mut c, "follower", Duration::from_secs(10));
    let gb = generation(&b);
    c.poll(
        "the new follower at the leader's generation",
        Duration::from_secs(5),
        |d| (generation(d) == gb).then_some(()),
    );
    assert_identical_feeds(&shared, &b, &c);
}

/// Restarting PostgreSQL under load: two replicas on a cluster of the
/// test's own; while the server is down both keep serving their last good
/// feeds (200, same bytes) and report `degraded` with the database's
/// address and no password; when it is back both recover by themselves and
/// a new plan from the leader reaches the follower.
#[test]
fn restart_postgres_replicas_keep_serving_and_resume() {
    let mut cluster = peerwell_pgtest::Cluster::start().expect("a cluster");
    let name = "pw_restart";
    cluster
        .superuser_sql(&format!(
            "CREATE DATABASE {name} OWNER {}",
            peerwell_pgtest::ROLE
        ))
        .expect("create the database");
    let shared = Shared {
        db: None,
        tmp: tempfile::tempdir().expect("temp dir"),
        url: with_password(&cluster.url(name)),
    };
    let lease = [("PEERWELL_LEASE_SECONDS", "3")];
    let mut a = shared.start("a", &lease);
    wait_role(&mut a, "leader", Duration::from_secs(10));
    let mut b = shared.start("b", &lease);
    wait_role(&mut b, "follower", Duration::from_secs(10));
    let ga = a.poll("a plan", Duration::from_secs(30), |d| {
        Some(generation(d)).filter(|g| *g > 0)
    });
    b.poll("the follower at it", Duration::from_secs(2), |d| {
        (generation(d) == ga).then_some(())
    });
    let token: String = {
        let mut c = cluster.superuser(name).expect("connect");
        c.query(TOKENS, &[]).expect("tokens")[0].get(0)
    };
    let before = feed(&a, &token);

    cluster.stop().expect("stop PostgreSQL");
    for d in [&mut a, &mut b] {
        d.poll(
            "degraded while the database is down",
            Duration::from_secs(10),
            |d| {
                let h = health(d);
                (h["status"] == "degraded" && h["database_error"].is_string()).then_some(())
            },
        );
    }
    for d in [&a, &b] {
        let h = health(d);
        let err = h["database_error"].as_str().unwrap_or("").to_string();
        assert!(err.contains(name), "{h}");
        assert!(!h.to_string().contains(peerwell_pgtest::PASSWORD), "{h}");
        for _ in 0..10 {
            assert_eq!(feed(d, &token), before, "a feed while the database is down");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    cluster.restart().expect("start PostgreSQL again");
    let mut replicas = [a, b];
    for d in replicas.iter_mut() {
        d.poll("ok again", Duration::from_secs(20), |d| {
            let h = health(d);
            (h["status"] == "ok" && h["database_error"].is_null()).then_some(())
        });
    }
    let leader = replicas.iter_mut().position(|d| role(d) == "leader");
    let leader = match leader {
        Some(i) => i,
        None => {
            replicas[0].poll("a leader again", Duration::from_secs(15), |d| {
                (role(d) == "leader").then_some(())
            });
            0
        }
    };
    let g = generation(&replicas[leader]);
    replicas[leader].signal("HUP");
    let g2 = replicas[leader].poll("a new plan", Duration::from_secs(30), |d| {
        Some(generation(d)).filter(|n| *n > g)
    });
    let follower = &mut replicas[1 - leader];
    follower.poll(
        "the follower at the new plan",
        Duration::from_secs(3),
        |d| (generation(d) >= g2).then_some(()),
    );
    // Retry passes after the outage may publish more plans: once both
    // replicas are at the same generation they serve the same bytes.
    let deadline = Instant::now() + Duration::from_secs(20);
    while generation(&replicas[0]) != generation(&replicas[1]) {
        assert!(Instant::now() < deadline, "the replicas never met");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(feed(&replicas[0], &token).1, feed(&replicas[1], &token).1);
}

/// Runs `peerwell state check` against the shared database and asserts
/// that it finds the state sound (exit 0, no problem listed).
pub fn assert_state_sound(shared: &Shared) {
    let policy = shared.policy("check");
    let out = std::process::Command::new(peerwell_tests::cli::binary())
        .args(["state", "check"])
        .arg(&policy)
        .env("NO_COLOR", "1")
        .env("PEERWELL_STATE_URL", &shared.url)
        .env("PEERWELL_DATA_DIR", shared.tmp.path().join("cli-data"))
        .output()
        .expect("run peerwell state check");
    assert!(
        out.status.success(),
        "state check found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `peerwell tokens ARGS` against the shared database.
fn tokens_cli(shared: &Shared, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(peerwell_tests::cli::binary())
        .arg("tokens")
        .args(args)
        .env("NO_COLOR", "1")
        .env("PEERWELL_STATE_URL", &shared.url)
        .env("PEERWELL_DATA_DIR", shared.tmp.path().join("cli-data"))
        .output()
        .expect("run peerwell tokens");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A token revoked, and a group's token rotated, with the CLI: within 5 s
/// no replica serves the old tokens and every replica serves the new one.
#[test]
fn token_revocation_and_rotation_reach_every_replica_within_five_seconds() {
    let shared = Shared::new();
    let mut a = shared.start("a", &[]);
    wait_role(&mut a, "leader", Duration::from_secs(10));
    let mut b = shared.start("b", &[]);
    wait_role(&mut b, "follower", Duration::from_secs(10));
    let ga = a.poll("a plan", Duration::from_secs(30), |d| {
        Some(generation(d)).filter(|g| *g > 0)
    });
    b.poll("the follower at it", Duration::from_secs(2), |d| {
        (generation(d) == ga).then_some(())
    });
    let (revoked, group, old) = {
        let db = shared.db.as_ref().expect("a database");
        let mut c = db.superuser();
        let rows = c
            .query(
                "SELECT token, kind, id FROM peerwell_tokens WHERE revoked_at IS NULL ORDER BY kind, id",
                &[],
            )
            .expect("tokens");
        let member: String = rows
            .iter()
            .find(|r| r.get::<_, String>(1) == "member")
            .expect("a member")
            .get(0);
        let g = rows
            .iter()
            .find(|r| r.get::<_, String>(1) == "group")
            .expect("a group");
        (member, g.get::<_, String>(2), g.get::<_, String>(0))
    };
    for d in [&a, &b] {
        assert_eq!(feed(d, &revoked).0, 200);
        assert_eq!(feed(d, &old).0, 200);
    }
    let policy = shared.policy("cli");
    let policy = policy.to_str().expect("utf-8");
    let before = shared.tokens();
    tokens_cli(&shared, &["revoke", policy, &revoked]);
    tokens_cli(&shared, &["rotate", policy, "--group", &group]);
    let changed = Instant::now();
    let new = shared.tokens().into_iter().find(|t| !before.contains(t));
    for d in [&mut a, &mut b] {
        d.poll("the old tokens refused", Duration::from_secs(5), |d| {
            (feed(d, &revoked).0 == 404 && feed(d, &old).0 == 404).then_some(())
        });
        if let Some(new) = &new {
            d.poll("the rotated token served", Duration::from_secs(5), |d| {
                (feed(d, new).0 == 200).then_some(())
            });
        }
    }
    assert!(new.is_some(), "rotation gave no new token");
    assert!(
        changed.elapsed() <= Duration::from_secs(6),
        "{:?}",
        changed.elapsed()
    );
}

/// A leader stopped with SIGTERM exits cleanly and releases its lease: the
/// follower leads at once, not after the 10 s timeout.
#[test]
fn a_leader_stopping_gracefully_hands_over_at_once() {
    let shared = Shared::new();
    let mut a = shared.start("a", &[]);
    wait_role(&mut a, "leader", Duration::from_secs(10));
    let mut b = shared.start("b", &[]);
    wait_role(&mut b, "follower", Duration::from_secs(10));
    a.signal("TERM");
    let status = a.wait_exit(Duration::from_secs(15)).expect("exits");
    let stopped = Instant::now();
    let out = a.output().join("\n");
    assert!(status.success(), "{status:?}\n{out}");
    assert!(!out.contains("panicked"), "{out}");
    assert!(out.contains("lease released"), "{out}");
    wait_role(&mut b, "leader", Duration::from_secs(5));
    assert!(stopped.elapsed() < Duration::from_secs(5));
    b.signal("TERM");
    let status = b.wait_exit(Duration::from_secs(15)).expect("exits");
    let out = b.output().join("\n");
    assert!(status.success() && !out.contains("panicked"), "{out}");
}

/// A lease timeout that is not a whole number of seconds stops `peerwell
/// serve` at start with an error naming the variable.
#[test]
fn a_bad_lease_timeout_is_an_error_naming_the_variable() {
    let shared = Shared::new();
    let dir = shared.policy("a");
    for bad in ["0", "ten"] {
        let out = std::process::Command::new(peerwell_tests::cli::binary())
            .arg("serve")
            .arg(&dir)
            .args(["--listen", "127.0.0.1:0", "--now", NOW])
            .env("PEERWELL_STATE_URL", &shared.url)
            .env("PEERWELL_DATA_DIR", dir.join(".data"))
            .env("PEERWELL_LEASE_SECONDS", bad)
            .output()
            .expect("run peerwell serve");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(
            err.contains("PEERWELL_LEASE_SECONDS") && err.contains(bad),
            "{err}"
        );
        assert!(!err.contains(peerwell_pgtest::PASSWORD), "{err}");
    }
}
