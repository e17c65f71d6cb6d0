//! `peerwell state migrate` and `peerwell state check` through the real
//! binary: the clinic's SQLite state (after `export` and a daemon that
//! queued and sent reminders) copied into a real PostgreSQL 15 cluster
//! (`peerwell-pgtest`), compared row for row, and checked on both
//! backends, damaged ones too.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use peerwell_store::backend::{OutboxBackend, StateBackend};
use peerwell_store::image::Imaging;
use peerwell_store::postgres::{PasswordSource, PgTarget, Postgres};
use peerwell_store::sqlite::Sqlite;
use peerwell_tests::cli::{Run, binary, copy_example};
use peerwell_tests::daemon::Daemon;
use serde_json::Value;

/// Monday 2 March 2026, 00:00 in Chicago: reminders 7 days ahead of the
/// first week are due, those of later weeks are queued.
const NOW: &str = "2026-03-02T06:00:00Z";

/// A copy of the clinic with its state in `.peerwell`.
struct Clinic {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Clinic {
    /// The clinic with its plan exported once into its SQLite state.
    fn exported() -> Clinic {
        let clinic = Clinic::new();
        clinic.export();
        clinic
    }

    /// Runs `export` at `NOW` into `export/` and expects success.
    fn export(&self) {
        let out = self.dir.join("export");
        let out = out.to_str().expect("a UTF-8 path");
        self.run(&["export", "--now", NOW, "--out", out], &[])
            .assert_code(0);
    }

    /// The clinic with reminders 7 days ahead (written as `.eml` files).
    fn new() -> Clinic {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("clinic");
        copy_example(&dir);
        let toml = dir.join("peerwell.toml");
        let text = std::fs::read_to_string(&toml).expect("read peerwell.toml");
        let text = format!(
            "{text}\n[mail]\nfrom = \"wellness@riverbend.example\"\nreminders = [\"7d\"]\n"
        );
        std::fs::write(&toml, text).expect("write peerwell.toml");
        Clinic { _tmp: tmp, dir }
    }

    fn state_file(&self) -> PathBuf {
        self.dir.join(".peerwell").join("state.sqlite3")
    }

    /// `peerwell COMMAND DIR ARGS…` (COMMAND: one word, or two for
    /// `state …` and `tokens …`) with `env` and nothing else of peerwell's in the
    /// environment.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let dir = self.dir.to_str().expect("a UTF-8 path");
        let words = if matches!(args[0], "state" | "tokens") {
            2
        } else {
            1
        };
        let mut all = args[..words].to_vec();
        all.push(dir);
        all.extend_from_slice(&args[words..]);
        run(&all, env)
    }

    /// `export` once, then a daemon until it has sent the due reminders
    /// and queued the others; stopped cleanly.
    fn with_reminders(self) -> Clinic {
        self.export();
        let mut daemon = Daemon::start(&self.dir, &["--now", NOW]);
        let start = Instant::now();
        loop {
            let c = self.outbox_counts(&[]);
            if c["sent"].as_u64() > Some(0) && c["queued"].as_u64() > Some(0) && c["sending"] == 0 {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "no mail: {c}");
            std::thread::sleep(Duration::from_millis(200));
        }
        daemon.signal("TERM");
        assert!(daemon.wait_exit(Duration::from_secs(30)).is_some());
        self
    }

    fn outbox_counts(&self, env: &[(&str, &str)]) -> Value {
        let run = self.run(&["outbox", "--format", "json"], env);
        run.assert_code(0);
        let out: Value = serde_json::from_str(&run.stdout).expect("JSON");
        out["counts"].clone()
    }
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(binary());
    cmd.args(args).env("NO_COLOR", "1");
    for var in [
        "PEERWELL_DATA_DIR",
        "PEERWELL_STATE_URL",
        "PEERWELL_STATE_PASSWORD",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run peerwell");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The password in the environment, as an operator gives it.
const PASSWORD_ENV: (&str, &str) = ("PEERWELL_STATE_PASSWORD", peerwell_pgtest::PASSWORD);

/// The database `url` names, opened read-only through the store.
fn postgres(url: &str) -> Postgres {
    let source = PasswordSource {
        env: Some("PEERWELL_TEST_NO_SUCH_VARIABLE".to_string()),
        url_may_hold_password: true,
        ..PasswordSource::default()
    };
    let with_password = url.replace(
        &format!("{}@", peerwell_pgtest::ROLE),
        &format!("{}:{}@", peerwell_pgtest::ROLE, peerwell_pgtest::PASSWORD),
    );
    let target = PgTarget::parse(&with_password, "test", &source).expect("a URL");
    Postgres::open_read_only(Arc::new(target)).expect("opens")
}

fn migrate(clinic: &Clinic, url: &str) -> Run {
    clinic.run(&["state", "migrate", "--to", url], &[PASSWORD_ENV])
}

fn check_json(clinic: &Clinic, env: &[(&str, &str)]) -> (i32, Value) {
    let run = clinic.run(&["state", "check", "--format", "json"], env);
    let value = serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("{run:?}"));
    (run.code, value)
}

fn digest(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read the state file")
}

#[test]
fn migrating_the_clinic_keeps_sessions_tokens_and_the_outbox() {
    let clinic = Clinic::new().with_reminders();
    let feeds = clinic.run(&["feeds", "--format", "json"], &[]);
    feeds.assert_code(0);
    let before = digest(&clinic.state_file());
    let db = peerwell_pgtest::shared().database();
    let run = migrate(&clinic, &db.url());
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("verified: every row reads back identical")
    );
    assert!(!run.stdout.contains(peerwell_pgtest::PASSWORD));
    assert_eq!(
        digest(&clinic.state_file()),
        before,
        "the source is unchanged"
    );

    let sqlite = Sqlite::open_read_only(&clinic.state_file()).expect("opens");
    let pg = postgres(&db.url());
    assert_eq!(
        pg.dump().expect("dump").rows,
        sqlite.dump().expect("dump").rows
    );
    let sessions = StateBackend::sessions(&pg).expect("sessions");
    assert!(sessions.len() > 10);
    assert_eq!(sessions, StateBackend::sessions(&sqlite).expect("sessions"));
    assert_eq!(
        pg.tokens().expect("tokens"),
        sqlite.tokens().expect("tokens")
    );
    let rows = pg.list(None).expect("outbox");
    assert_eq!(rows, sqlite.list(None).expect("outbox"));
    for row in &rows {
        assert_eq!(
            pg.message(&row.key).expect("message"),
            sqlite.message(&row.key).expect("message")
        );
    }

    let (code, on_sqlite) = check_json(&clinic, &[]);
    assert_eq!(
        (code, &on_sqlite["ok"]),
        (0, &Value::Bool(true)),
        "{on_sqlite}"
    );
    let env = [
        ("PEERWELL_STATE_URL", db.url()),
        (PASSWORD_ENV.0, PASSWORD_ENV.1.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, on_pg) = check_json(&clinic, &env);
    assert_eq!((code, &on_pg["ok"]), (0, &Value::Bool(true)), "{on_pg}");
    assert_eq!(on_pg["counts"], on_sqlite["counts"]);
    assert_eq!(on_pg["backend"], "postgres");
    assert!(on_pg["counts"]["outbox"]["queued"].as_u64() > Some(0));
}

#[test]
fn migrating_into_a_database_that_holds_a_state_is_refused() {
    let clinic = Clinic::exported();
    let db = peerwell_pgtest::shared().database();
    migrate(&clinic, &db.url()).assert_code(0);
    let copied = postgres(&db.url()).dump().expect("dump");
    let again = migrate(&clinic, &db.url());
    again.assert_code(1);
    assert!(
        again.stderr.contains("already holds a state"),
        "{}",
        again.stderr
    );
    assert!(
        again
            .stderr
            .contains(&db.url().replace("?sslmode=disable", ""))
    );
    assert_eq!(
        postgres(&db.url()).dump().expect("dump"),
        copied,
        "nothing written"
    );
}

#[test]
fn migrate_refuses_passwords_on_the_command_line_and_foreign_databases() {
    let clinic = Clinic::exported();
    let db = peerwell_pgtest::shared().database();
    let secret = db.url().replace("peerwell@", "peerwell:hunter2secret@");
    let run = migrate(&clinic, &secret);
    run.assert_code(1);
    assert!(run.stderr.contains("--to") && run.stderr.contains("command line"));
    assert!(!run.stderr.contains("hunter2secret"), "{}", run.stderr);

    let wrong = clinic.run(
        &["state", "migrate", "--to", &db.url()],
        &[("PEERWELL_STATE_PASSWORD", "not-the-password")],
    );
    wrong.assert_code(1);
    assert!(wrong.stderr.contains("--to"), "{}", wrong.stderr);
    assert!(!wrong.stderr.contains("not-the-password"));

    let mut admin = db.superuser();
    admin
        .batch_execute("CREATE TABLE invoices (id int); GRANT ALL ON invoices TO peerwell")
        .expect("another application's table");
    let foreign = migrate(&clinic, &db.url());
    foreign.assert_code(1);
    assert!(
        foreign.stderr.contains("another application's tables"),
        "{}",
        foreign.stderr
    );
    let tables = admin
        .query(
            "SELECT 1 FROM pg_tables WHERE tablename LIKE 'peerwell_%'",
            &[],
        )
        .expect("tables");
    assert!(tables.is_empty(), "nothing written");
}

#[test]
fn state_check_reports_damage_on_both_backends() {
    let clinic = Clinic::exported();
    let db = peerwell_pgtest::shared().database();
    migrate(&clinic, &db.url()).assert_code(0);

    let conn = rusqlite::Connection::open(clinic.state_file()).expect("open");
    conn.execute(
        "UPDATE sessions SET plan = '{broken PWCANARY' WHERE rowid = (SELECT min(rowid) FROM sessions)",
        [],
    )
    .expect("damage");
    drop(conn);
    let run = clinic.run(&["state", "check"], &[]);
    run.assert_code(1);
    assert!(run.stdout.contains("does not decode"), "{}", run.stdout);
    assert!(!run.stdout.contains("PWCANARY"));
    let (code, json) = check_json(&clinic, &[]);
    assert_eq!((code, &json["ok"]), (1, &Value::Bool(false)));

    let mut admin = db.superuser();
    admin
        .batch_execute(
            "UPDATE peerwell_sessions SET attendees = 'PWCANARY[' \
             WHERE (group_id, idx) = (SELECT group_id, idx FROM peerwell_sessions \
             ORDER BY group_id, idx LIMIT 1); \
             DELETE FROM peerwell_lease",
        )
        .expect("damage");
    let env = [
        ("PEERWELL_STATE_URL", db.url()),
        (PASSWORD_ENV.0, PASSWORD_ENV.1.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = clinic.run(&["state", "check"], &env);
    run.assert_code(1);
    assert!(
        run.stdout.contains("lease row is missing"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("does not decode"), "{}", run.stdout);
    assert!(!run.stdout.contains("PWCANARY"));
}

/// A week after [`NOW`]: the plan moves on, reminders fall due.
const LATER: &str = "2026-03-09T12:00:00-06:00";

/// The files under `dir` by path, with their bytes.
fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read the export").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("under").display().to_string();
                out.insert(rel, std::fs::read(&p).expect("read a feed"));
            }
        }
    }
    out
}

/// `args` on the migrated clinic, once on SQLite and once with `pg`'s
/// variables; both must succeed and print the same.
fn same(clinic: &Clinic, pg: &[(&str, &str)], args: &[&str]) -> String {
    let (a, b) = (clinic.run(args, &[]), clinic.run(args, pg));
    a.assert_code(0);
    b.assert_code(0);
    assert_eq!(a.stdout, b.stdout, "`{}` differs", args.join(" "));
    a.stdout
}

#[test]
fn after_migrating_the_cli_gives_the_same_output_on_both_states() {
    let clinic = Clinic::new().with_reminders();
    let db = peerwell_pgtest::shared().database();
    migrate(&clinic, &db.url()).assert_code(0);
    let url = db.url();
    let pg = [("PEERWELL_STATE_URL", url.as_str()), PASSWORD_ENV];
    let feeds = same(&clinic, &pg, &["feeds"]);
    assert!(feeds.matches("/feeds/").count() > 10, "{feeds}");
    same(&clinic, &pg, &["outbox", "--format", "json"]);
    same(&clinic, &pg, &["diff", "--format", "json", "--now", LATER]);
    let (a, b) = (clinic.dir.join("lite"), clinic.dir.join("pg"));
    let export = |out: &Path, env: &[(&str, &str)]| {
        let out_arg = out.to_str().expect("UTF-8");
        let run = clinic.run(&["export", "--now", LATER, "--out", out_arg], env);
        run.assert_code(0);
        run.stdout.replace(out_arg, "OUT")
    };
    assert_eq!(export(&a, &[]), export(&b, &pg));
    assert!(files(&a).len() > 10);
    assert_eq!(files(&a), files(&b), "every exported feed byte-identical");
    same(
        &clinic,
        &pg,
        &["tokens", "revoke", "--group", "morning-walk"],
    );
    let after = same(&clinic, &pg, &["outbox", "--format", "json"]);
    assert!(after.contains("\"queued\""));
}
