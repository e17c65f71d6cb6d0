//! Faults of the planning state, through the real binary: a damaged state
//! file (0 bytes, truncated, another program's database, pages overwritten)
//! is refused by every command that uses it and reported by the daemon,
//! never silently replaced by a new state; a full data folder loses no
//! change notice — they are queued once space returns, exactly as in a run
//! that had space.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use peerwell_store::outbox::Outbox;
use peerwell_tests::cli::{binary, copy_example};
use peerwell_tests::daemon::Daemon;

const NOW: &str = "2026-03-02T08:00:00Z";
const WAIT: Duration = Duration::from_secs(150);

/// A copy of the clinic with mail on, and its data folder.
struct Clinic {
    _tmp: tempfile::TempDir,
    policy: PathBuf,
    data: PathBuf,
}

impl Clinic {
    fn new() -> Clinic {
        let tmp = tempfile::tempdir().unwrap();
        let policy = tmp.path().join("clinic");
        copy_example(&policy);
        let toml = policy.join("peerwell.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        std::fs::write(&toml, format!("{text}\n[mail]\nreminders = [\"1h\"]\n")).unwrap();
        let data = tmp.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        Clinic {
            _tmp: tmp,
            policy,
            data,
        }
    }

    fn state(&self) -> PathBuf {
        self.data.join("state.sqlite3")
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(binary())
            .args(args)
            .env("NO_COLOR", "1")
            .env("PEERWELL_DATA_DIR", &self.data)
            .output()
            .unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (
            out.status.code().unwrap_or(-1),
            text(&out.stdout),
            text(&out.stderr),
        )
    }

    fn daemon(&self) -> Daemon {
        let data = self.data.to_str().unwrap();
        Daemon::start_with_env(
            &self.policy,
            &["--now", NOW],
            &[("PEERWELL_DATA_DIR", data)],
        )
    }
}

fn healthz(d: &Daemon) -> (u16, serde_json::Value) {
    let (code, text) = d.get("/healthz");
    (code, serde_json::from_str(&text).expect("/healthz is JSON"))
}

/// The ways a state file gets damaged, applied to a good one.
fn damage(kind: &str, path: &Path) {
    let good = std::fs::read(path).unwrap();
    let _ = std::fs::remove_file(path.with_extension("sqlite3-wal"));
    let _ = std::fs::remove_file(path.with_extension("sqlite3-shm"));
    match kind {
        "empty" => std::fs::write(path, b"").unwrap(),
        "truncated" => std::fs::write(path, &good[..good.len() / 2]).unwrap(),
        "foreign" => {
            std::fs::remove_file(path).unwrap();
            let c = rusqlite::Connection::open(path).unwrap();
            c.execute_batch(
                "CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT);
                 INSERT INTO photos (name) VALUES ('beach.jpg');",
            )
            .unwrap();
        }
        "overwritten" => {
            // Two pages in the middle: SQLite's integrity check fails, yet
            // the file opens and its first pages read fine.
            let mut bytes = good.clone();
            let page = 4096;
            let middle = bytes.len() / page / 2;
            for (i, b) in bytes[middle * page..(middle + 2) * page]
                .iter_mut()
                .enumerate()
            {
                *b = (i * 7 % 251) as u8;
            }
            std::fs::write(path, bytes).unwrap();
        }
        other => panic!("no damage {other}"),
    }
}

const DAMAGE: [&str; 4] = ["empty", "truncated", "foreign", "overwritten"];

/// Every command that uses the state refuses a damaged file with the
/// file's path and both ways out, and leaves it as it was.
#[test]
fn a_damaged_state_file_is_refused_by_every_command_and_never_started_over() {
    let c = Clinic::new();
    let policy = c.policy.to_str().unwrap();
    let out = c.policy.parent().unwrap().join("out");
    let (code, _, err) = c.run(&[
        "export",
        policy,
        "--now",
        NOW,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let good = std::fs::read(c.state()).unwrap();
    let path = c.state().display().to_string();
    let commands: [&[&str]; 7] = [
        &["plan", policy, "--now", NOW],
        &[
            "export",
            policy,
            "--now",
            NOW,
            "--out",
            out.to_str().unwrap(),
        ],
        &["diff", policy, "--now", NOW],
        &["reminders", policy, "--now", NOW],
        &["feeds", policy],
        &["tokens", "rotate", policy, "--group", "morning-walk"],
        &["outbox", policy],
    ];
    for kind in DAMAGE {
        std::fs::write(c.state(), &good).unwrap();
        damage(kind, &c.state());
        let damaged = std::fs::read(c.state()).unwrap();
        for args in commands {
            let (code, stdout, stderr) = c.run(args);
            let what = format!("{kind}: peerwell {}", args.join(" "));
            assert_eq!(code, 1, "{what}\nstdout:\n{stdout}\nstderr:\n{stderr}");
            for needle in [
                path.as_str(),
                "damaged",
                "restore it from a backup",
                "move it aside",
            ] {
                assert!(
                    stderr.contains(needle),
                    "{what}: no {needle:?} in\n{stderr}"
                );
            }
            assert!(stderr.contains("new token"), "{what}: {stderr}");
            assert!(!stderr.contains("panicked"), "{what}: {stderr}");
            assert_eq!(std::fs::read(c.state()).unwrap(), damaged, "{what} wrote");
        }
    }
    // Absent, it starts over.
    std::fs::remove_file(c.state()).unwrap();
    assert_eq!(c.run(commands[1]).0, 0);
}

/// The daemon with a damaged state answers /healthz 503 with the error,
/// serves no feed, writes nothing, and recovers by itself once the file is
/// moved aside.
#[test]
fn the_daemon_reports_a_damaged_state_writes_nothing_and_recovers_when_it_is_moved_aside() {
    let c = Clinic::new();
    let policy = c.policy.to_str().unwrap();
    let (code, _, err) = c.run(&["feeds", policy]);
    assert_eq!(code, 0, "{err}");
    let good = std::fs::read(c.state()).unwrap();
    for kind in ["empty", "overwritten"] {
        std::fs::write(c.state(), &good).unwrap();
        damage(kind, &c.state());
        let damaged = std::fs::read(c.state()).unwrap();
        let mut d = c.daemon();
        let (code, health) = healthz(&d);
        assert_eq!(code, 503, "{kind}: {health:#}");
        assert_eq!(health["status"], "unavailable", "{kind}: {health:#}");
        let error = health["last_error"].as_str().unwrap_or_default();
        assert!(error.contains(&c.state().display().to_string()), "{error}");
        assert!(error.contains("damaged"), "{kind}: {error}");
        assert!(error.contains("restore it from a backup"), "{error}");
        assert_eq!(d.get("/feeds/anything.ics").0, 404);
        assert_eq!(
            std::fs::read(c.state()).unwrap(),
            damaged,
            "{kind}: written"
        );
        if kind == "overwritten" {
            // Moved aside: the daemon's retry starts a new state.
            std::fs::rename(c.state(), c.data.join("state.sqlite3.damaged")).unwrap();
            d.poll("recovery after the file was moved aside", WAIT, |d| {
                (healthz(d).0 == 200).then_some(())
            });
            assert!(c.state().exists());
        }
        drop(d);
    }
}

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts `size` at `dir`, or says why it cannot.
    fn mount(dir: &Path, size: &str) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system of `dir` with `dir/filler`, leaving `slack`
/// bytes free.
fn fill(dir: &Path, slack: usize) {
    std::fs::write(dir.join("slack"), vec![1u8; slack]).unwrap();
    let mut f = std::fs::File::create(dir.join("filler")).unwrap();
    for chunk in [1 << 20, 4096, 512, 1] {
        let buf = vec![0u8; chunk];
        while f.write_all(&buf).is_ok() {}
    }
    let _ = f.sync_all();
    std::fs::remove_file(dir.join("slack")).unwrap();
}

/// Outbox keys of change notices, and how many are still owed.
fn notices(state: &Path) -> (BTreeSet<String>, i64) {
    let keys = Outbox::open_read_only(state)
        .and_then(|o| o.list(None))
        .map(|rows| {
            rows.into_iter()
                .filter(|r| r.kind == "moved" || r.kind == "cancelled")
                .map(|r| r.key)
                .collect()
        })
        .unwrap_or_default();
    let owed =
        rusqlite::Connection::open_with_flags(state, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| c.query_row("SELECT count(*) FROM notices_pending", [], |r| r.get(0)))
            .unwrap_or(0);
    (keys, owed)
}

/// Starts the daemon on `c`, waits for its reminders, fills the data folder
/// when `full`, makes a change that moves and cancels sessions, frees the
/// space, and returns the change notices in the outbox once all are queued.
fn change_notices(c: &Clinic, full: Option<usize>) -> BTreeSet<String> {
    let mut d = c.daemon();
    d.poll("the first reminders", WAIT, |d| {
        (d.metric("peerwell_reminders_queued_total") > 0).then_some(())
    });
    if let Some(slack) = full {
        fill(&c.data, slack);
    }
    let planned = healthz(&d).1["planned_at"].clone();
    // Holidays cancel three Tuesdays' sessions; a later start of the
    // working day moves every session at 08:00.
    let toml = c.policy.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    let text = text
        .replace(
            "dates = [2026-05-25]",
            "dates = [2026-05-25, 2026-03-17, 2026-03-24, 2026-03-31]",
        )
        .replace("weekdays = \"08:00-17:00\"", "weekdays = \"09:00-17:00\"");
    std::fs::write(&toml, text).unwrap();
    if full.is_some() {
        let health = d.poll("the full disk on /healthz", WAIT, |d| {
            let (_, h) = healthz(d);
            let text = format!("{} {}", h["last_error"], h["state_error"]);
            text.contains("the disk is full").then_some(h)
        });
        assert_eq!(health["status"], "degraded", "{health:#}");
        assert!(health["planned_at"].is_string(), "a plan keeps serving");
        let said = format!("{health}");
        assert!(said.contains("free space"), "how to recover: {health:#}");
        assert!(
            said.contains(&c.state().display().to_string()),
            "{health:#}"
        );
        std::fs::remove_file(c.data.join("filler")).unwrap();
    }
    let keys = d.poll("every change notice queued", WAIT, |d| {
        let (code, h) = healthz(d);
        let (keys, owed) = notices(&c.state());
        let fresh = h["planned_at"] != planned;
        (code == 200 && h["status"] == "ok" && fresh && owed == 0 && !keys.is_empty())
            .then_some(keys)
    });
    drop(d);
    keys
}

/// A full data folder during a re-plan that moves and cancels sessions:
/// once space returns, the same change notices are queued as in a run with
/// space — whether the disk filled before the plan was recorded (no slack)
/// or after, while its notices were being queued (256 KiB left).
#[test]
fn a_full_data_folder_loses_no_change_notice() {
    let runs = [None, Some(0), Some(256 << 10)];
    let clinics: Vec<Clinic> = runs.iter().map(|_| Clinic::new()).collect();
    let mut mounts = Vec::new();
    for c in &clinics {
        match Tmpfs::mount(&c.data, "64m") {
            Ok(m) => mounts.push(m),
            Err(e) => {
                println!("skipped: cannot mount a tmpfs for the data folder ({e}); needs root");
                return;
            }
        }
    }
    let expected = change_notices(&clinics[0], runs[0]);
    let moved = expected.iter().filter(|k| k.contains("/moved-")).count();
    let cancelled = expected
        .iter()
        .filter(|k| k.contains("/cancelled-"))
        .count();
    assert!(moved > 0 && cancelled > 0, "{expected:#?}");
    println!("control: {moved} moved and {cancelled} cancelled notices");
    for (c, slack) in clinics.iter().zip(runs).skip(1) {
        let got = change_notices(c, slack);
        assert_eq!(got, expected, "slack {slack:?}");
    }
}
