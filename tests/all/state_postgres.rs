//! The CLI against a PostgreSQL state: the real binary on copies of
//! `examples/clinic`, one with the SQLite state in its data directory, one
//! with `PEERWELL_STATE_URL` naming a fresh database in a private cluster
//! (password login over TCP, the password in `PEERWELL_STATE_PASSWORD`).
//! `export`, `diff`, `feeds`, `tokens` and `outbox` give the same output on
//! both; bad settings are clear errors naming the setting and write nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use peerwell_tests::cli::{Run, binary, copy_example};

const BEFORE: &str = "2026-03-01T12:00:00-06:00";
const LATER: &str = "2026-03-09T12:00:00-06:00";

/// A copy of the example with its own data directory, and the state
/// variables to run with.
struct Site {
    _tmp: tempfile::TempDir,
    policy: PathBuf,
    data: PathBuf,
    root: PathBuf,
    env: Vec<(String, String)>,
}

impl Site {
    fn new(env: &[(&str, &str)]) -> Site {
        let tmp = tempfile::tempdir().expect("temp dir");
        let policy = tmp.path().join("policy");
        copy_example(&policy);
        Site {
            policy,
            data: tmp.path().join("data"),
            root: tmp.path().to_path_buf(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            _tmp: tmp,
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        let policy = self.policy.to_str().expect("UTF-8 path");
        let at = if args[0] == "tokens" { 2 } else { 1 };
        all.insert(at, policy);
        let out = Command::new(binary())
            .args(&all)
            .env("NO_COLOR", "1")
            .env("PEERWELL_DATA_DIR", &self.data)
            .env_remove("PEERWELL_STATE_URL")
            .env_remove("PEERWELL_STATE_PASSWORD")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run peerwell");
        Run {
            args: all.iter().map(|s| s.to_string()).collect(),
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        run.assert_code(0);
        run.stdout
    }

    /// Every file under `dir`, by relative path.
    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("read dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(dir).expect("under").display().to_string();
                    out.insert(rel, std::fs::read(&p).expect("read"));
                }
            }
        }
        out
    }

    fn export(&self, now: &str, name: &str) -> (String, BTreeMap<String, Vec<u8>>) {
        let out = self.root.join(name);
        let stdout = self.ok(&[
            "export",
            "--out",
            out.to_str().expect("UTF-8"),
            "--now",
            now,
        ]);
        (
            stdout.replace(out.to_str().expect("UTF-8"), "OUT"),
            Site::files(&out),
        )
    }
}

/// Feed listing lines with each token replaced by its position, so two
/// states' listings compare (tokens are random) while a token that changes
/// between two listings of one state still shows.
fn tokens_of(listing: &str) -> Vec<String> {
    listing
        .split("/feeds/")
        .skip(1)
        .filter_map(|rest| rest.split(".ics").next())
        .map(str::to_string)
        .collect()
}

fn masked(listing: &str) -> String {
    let mut out = listing.to_string();
    for (i, t) in tokens_of(listing).iter().enumerate() {
        out = out.replace(t, &format!("{i:0>32}"));
    }
    out
}

fn postgres_site(db: &peerwell_pgtest::Database<'_>) -> Site {
    Site::new(&[
        ("PEERWELL_STATE_URL", &db.url()),
        ("PEERWELL_STATE_PASSWORD", peerwell_pgtest::PASSWORD),
    ])
}

#[test]
fn the_cli_gives_the_same_output_on_postgresql_as_on_sqlite() {
    let db = peerwell_pgtest::shared().database();
    let (lite, pg) = (Site::new(&[]), postgres_site(&db));
    for (now, name) in [(BEFORE, "first"), (LATER, "second")] {
        let diff = |s: &Site| s.ok(&["diff", "--format", "json", "--now", now]);
        assert_eq!(diff(&lite), diff(&pg), "diff before export at {now}");
        let (a, b) = (lite.export(now, name), pg.export(now, name));
        assert_eq!(a.0, b.0, "export's report at {now}");
        assert!(a.1.len() > 10, "the export wrote feeds");
        assert_eq!(a.1, b.1, "every exported feed byte-identical at {now}");
    }
    assert!(
        !pg.data.join("state.sqlite3").exists(),
        "no SQLite file beside"
    );
    let feeds = |s: &Site| s.ok(&["feeds"]);
    let (lite_feeds, pg_feeds) = (feeds(&lite), feeds(&pg));
    assert_eq!(masked(&lite_feeds), masked(&pg_feeds));
    assert_eq!(feeds(&pg), pg_feeds, "tokens are kept in the database");
    let rotated = pg.ok(&["tokens", "rotate", "--group", "morning-walk"]);
    let after = feeds(&pg);
    let (old, new) = (tokens_of(&pg_feeds), tokens_of(&after));
    let changed: Vec<_> = old.iter().zip(&new).filter(|(a, b)| a != b).collect();
    assert_eq!(changed.len(), 1, "only the rotated feed has a new token");
    assert!(rotated.contains(changed[0].1.as_str()), "{rotated}");
    let revoked = pg.run(&["tokens", "revoke", changed[0].0]);
    assert_ne!(revoked.code, 0, "the old token is already revoked");
    let outbox = |s: &Site| s.ok(&["outbox", "--format", "json"]);
    assert_eq!(outbox(&lite), outbox(&pg));
    let mut su = db.superuser();
    let sessions: i64 = su
        .query_one("SELECT count(*) FROM peerwell_sessions", &[])
        .expect("count")
        .get(0);
    assert!(sessions > 10, "the sessions are in the database");
}

/// The setting named in every bad-input error, and nothing written: no
/// SQLite file either, and an untouched database.
fn assert_refused(site: &Site, setting: &str, secret: Option<&str>) -> String {
    let run = site.run(&["feeds"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains(setting), "{}", run.stderr);
    if let Some(secret) = secret {
        assert!(!run.stderr.contains(secret), "{}", run.stderr);
        assert!(!run.stdout.contains(secret), "{}", run.stdout);
    }
    assert!(!site.data.join("state.sqlite3").exists());
    run.stderr
}

#[test]
fn bad_state_settings_are_clear_errors_that_write_nothing() {
    let cluster = peerwell_pgtest::shared();
    let db = cluster.database();
    let env = "`PEERWELL_STATE_URL`";
    let site = |url: &str, pw: &str| {
        Site::new(&[("PEERWELL_STATE_URL", url), ("PEERWELL_STATE_PASSWORD", pw)])
    };
    let pw = peerwell_pgtest::PASSWORD;
    assert_refused(&site("mysql://pw@127.0.0.1/state", pw), env, None);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let unreachable = format!("postgres://pw@127.0.0.1:{closed}/state?connect_timeout=2");
    let text = assert_refused(&site(&unreachable, pw), env, None);
    assert!(text.contains(&format!("127.0.0.1:{closed}")), "{text}");
    let text = assert_refused(
        &site(&db.url(), "wrong-pw-7731"),
        env,
        Some("wrong-pw-7731"),
    );
    assert!(text.contains("password"), "{text}");
    db.superuser()
        .batch_execute("CREATE TABLE invoices (id int)")
        .expect("another application's table");
    let text = assert_refused(&site(&db.url(), pw), env, Some(pw));
    assert!(text.contains("invoices"), "{text}");
    let tables: i64 = db
        .superuser()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(tables, 1, "nothing was created beside their table");
}

#[test]
fn a_newer_schema_is_refused_and_left_as_it_is() {
    let db = peerwell_pgtest::shared().database();
    let pg = postgres_site(&db);
    pg.ok(&["feeds"]);
    db.superuser()
        .batch_execute("INSERT INTO peerwell_schema (version) VALUES (999)")
        .expect("a newer schema");
    let text = assert_refused(&pg, "schema version 999", Some(peerwell_pgtest::PASSWORD));
    assert!(
        text.contains(&db.url().replace("?sslmode=disable", "")),
        "{text}"
    );
}

#[test]
fn a_password_in_the_policy_files_url_is_a_check_error() {
    let site = Site::new(&[]);
    let toml = site.policy.join("peerwell.toml");
    let mut text = std::fs::read_to_string(&toml).expect("read");
    text.push_str("\n[state]\nurl = \"postgres://app:hunter2@db.example.org/state\"\n");
    std::fs::write(&toml, text).expect("write");
    let run = site.run(&["check"]);
    assert_ne!(run.code, 0, "{run:?}");
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("[state] url"), "{all}");
    assert!(all.contains("password"), "{all}");
    assert!(all.contains("peerwell.toml:"), "{all}");
    assert!(
        !all.contains("hunter2"),
        "the password is never shown: {all}"
    );
    let feeds = site.run(&["feeds"]);
    assert_ne!(feeds.code, 0);
    assert!(!site.data.join("state.sqlite3").exists());
}
