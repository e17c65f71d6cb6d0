//! Reading policy and calendar files safely, through the real binary: a
//! FIFO or a device is refused without hanging or reading it, files are
//! bounded in size (`max_calendar_mib` for calendar files too, 4 MiB for a
//! policy file), files that resolve outside the policy folder are refused
//! unless `allow_outside` lists their folder, and a long line is quoted in
//! a short window.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use peerwell_tests::cli::binary;
use peerwell_tests::daemon::Daemon;

/// How long a command may take before it counts as hung (it takes well
/// under a second when it works).
const HUNG: Duration = Duration::from_secs(60);

/// A one-group policy of three people in `dir`; `extra` is appended to
/// `peerwell.toml`; Ada reads `calendars/ada.ics` when `calendar` is set.
pub fn minimal_policy(dir: &Path, extra: &str, calendar: bool) {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write a policy file");
    };
    write(
        "peerwell.toml",
        &format!("version = 1\nname = \"Minimal clinic\"\ntime_zone = \"Europe/London\"\n{extra}"),
    );
    let ada_calendar = if calendar {
        "calendars = [\"calendars/ada.ics\"]\n"
    } else {
        ""
    };
    write(
        "people.toml",
        &format!(
            "version = 1\n\n[[person]]\nid = \"ada\"\nname = \"Ada\"\nemail = \"ada@clinic.example\"\n{ada_calendar}\n\
             [[person]]\nid = \"bo\"\nname = \"Bo\"\nemail = \"bo@clinic.example\"\n\n\
             [[person]]\nid = \"cy\"\nname = \"Cy\"\nemail = \"cy@clinic.example\"\n"
        ),
    );
    std::fs::create_dir_all(dir.join("calendars")).expect("mkdir calendars");
    write("groups/walk.toml", GROUP);
}

/// A valid group file.
pub const GROUP: &str = "version = 1\nname = \"Walk\"\nformat = \"check-in\"\nmembers = [\"ada\", \"bo\", \"cy\"]\n\
duration_minutes = 30\n\n[charter]\npurpose = \"Check in.\"\n\n[[escalation]]\nname = \"EAP\"\ncontact = \"1-800-555-0199\"\n";

/// A finished run.
pub struct Run {
    pub code: i32,
    pub stderr: String,
}

/// Runs `peerwell ARGS` (with a fresh data folder); panics when it has not
/// finished within [`HUNG`] (it is killed first).
pub fn run(args: &[&str]) -> Run {
    let tmp = tempfile::tempdir().expect("temp dir");
    let err_path = tmp.path().join("stderr");
    let err = std::fs::File::create(&err_path).expect("stderr file");
    let mut child = Command::new(binary())
        .args(args)
        .env("NO_COLOR", "1")
        .env("PEERWELL_DATA_DIR", tmp.path().join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("run peerwell");
    let deadline = Instant::now() + HUNG;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for peerwell") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`peerwell {}` hung: killed after {HUNG:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    }
}

fn check(dir: &Path) -> Run {
    run(&["check", &dir.display().to_string()])
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A valid calendar of `events` one-hour events in 2001 (outside any
/// horizon), about 200 bytes each.
fn calendar(events: usize) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    for i in 0..events {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:e{i}@test\r\nDTSTAMP:20010101T000000Z\r\n\
             DTSTART:20010101T090000Z\r\nDTEND:20010101T100000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

#[test]
fn a_fifo_as_a_calendar_is_refused_without_hanging() {
    let tmp = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", true);
    mkfifo(&tmp.path().join("calendars/ada.ics"));
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("calendars/ada.ics: is a FIFO (named pipe), not a regular file; refused"),
        "{}",
        r.stderr
    );
}

#[test]
fn dev_zero_as_a_calendar_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // Outside the policy folder: refused as such by default; allowed, it
    // is still not a regular file.
    minimal_policy(tmp.path(), "", true);
    let people = tmp.path().join("people.toml");
    let text = std::fs::read_to_string(&people).expect("read people");
    std::fs::write(&people, text.replace("calendars/ada.ics", "/dev/zero")).expect("write");
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("/dev/zero: resolves (through a link or `..`) outside the policy folder; refused. To read files from that folder, list it in `allow_outside` in peerwell.toml"),
        "{}",
        r.stderr
    );
    minimal_policy(tmp.path(), "allow_outside = [\"/dev\"]\n", false);
    std::fs::write(&people, text.replace("calendars/ada.ics", "/dev/zero")).expect("write");
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("/dev/zero: is a character device, not a regular file; refused"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_daemon_refuses_a_fifo_calendar_and_keeps_planning() {
    let tmp = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", true);
    mkfifo(&tmp.path().join("calendars/ada.ics"));
    let d = Daemon::start(tmp.path(), &["--now", "2026-03-02T08:00:00Z"]);
    let (code, body) = d.get("/healthz");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"degraded\""), "{body}");
    assert!(
        body.contains("calendars/ada.ics: is a FIFO (named pipe), not a regular file; refused"),
        "{body}"
    );
}

#[test]
fn max_calendar_mib_bounds_calendar_files_too() {
    let tmp = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "[server]\nmax_calendar_mib = 1\n", true);
    let big = calendar(10_000);
    assert!(big.len() > 1024 * 1024, "{}", big.len());
    std::fs::write(tmp.path().join("calendars/ada.ics"), &big).expect("write");
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "calendars/ada.ics: is larger than 1 MiB; refused (the limit is `max_calendar_mib` in [server])"
        ),
        "{}",
        r.stderr
    );
    // Under the limit it reads.
    std::fs::write(tmp.path().join("calendars/ada.ics"), calendar(100)).expect("write");
    let r = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_policy_file_over_4_mib_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", false);
    let comment = format!("# {}\n", "x".repeat(1000));
    let padded = format!("{GROUP}{}", comment.repeat(4300));
    std::fs::write(tmp.path().join("groups/walk.toml"), padded).expect("write");
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("error: groups/walk.toml: the file is larger than 4 MiB; refused (the limit is 4 MiB for a policy file)"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_fifo_group_file_is_reported_not_skipped() {
    let tmp = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", false);
    mkfifo(&tmp.path().join("groups/pipe.toml"));
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "error: groups/pipe.toml: the file is a FIFO (named pipe), not a regular file; refused"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn a_groups_folder_linked_outside_the_policy_folder_is_refused_unless_allowed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", false);
    std::fs::write(outside.path().join("walk.toml"), GROUP).expect("write");
    std::fs::remove_dir_all(tmp.path().join("groups")).expect("rm groups");
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("groups")).expect("symlink");
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("error: groups: the groups folder resolves (through a link or `..`) outside the policy folder; refused. To read files from that folder, list it in `allow_outside` in peerwell.toml"),
        "{}",
        r.stderr
    );
    // /etc, as the finding had it.
    std::fs::remove_file(tmp.path().join("groups")).expect("rm link");
    std::os::unix::fs::symlink("/etc", tmp.path().join("groups")).expect("symlink");
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("error: groups: the groups folder resolves"),
        "{}",
        r.stderr
    );
    // Allowed explicitly, the linked folder is read.
    std::fs::remove_file(tmp.path().join("groups")).expect("rm link");
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("groups")).expect("symlink");
    let allow = format!(
        "allow_outside = [{:?}]\n",
        outside.path().display().to_string()
    );
    minimal_policy(tmp.path(), &allow, false);
    let r = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_calendar_linked_outside_the_policy_folder_is_refused_unless_allowed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", true);
    std::fs::write(outside.path().join("ada.ics"), calendar(3)).expect("write");
    std::os::unix::fs::symlink(
        outside.path().join("ada.ics"),
        tmp.path().join("calendars/ada.ics"),
    )
    .expect("symlink");
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("calendars/ada.ics: resolves (through a link or `..`) outside the policy folder; refused"),
        "{}",
        r.stderr
    );
    let allow = format!(
        "allow_outside = [{:?}]\n",
        outside.path().display().to_string()
    );
    let toml = tmp.path().join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).expect("read");
    std::fs::write(&toml, format!("{text}{allow}")).expect("write");
    let r = check(tmp.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_long_line_is_quoted_in_a_short_window() {
    let tmp = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", false);
    // One 400 KB line nested too deeply for the TOML reader.
    let line = format!("deep = {}1{}\n", "[".repeat(200_000), "]".repeat(200_000));
    let toml = tmp.path().join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).expect("read");
    std::fs::write(&toml, format!("{text}{line}")).expect("write");
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("error: peerwell.toml:4:"), "{}", r.stderr);
    assert!(
        r.stderr.len() < 2_000,
        "{} bytes of stderr:\n{}",
        r.stderr.len(),
        r.stderr
    );
}

#[test]
fn a_peerwell_toml_linked_outside_the_policy_folder_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let outside = tempfile::tempdir().expect("temp dir");
    minimal_policy(tmp.path(), "", false);
    let toml = tmp.path().join("peerwell.toml");
    std::fs::rename(&toml, outside.path().join("peerwell.toml")).expect("move");
    std::os::unix::fs::symlink(outside.path().join("peerwell.toml"), &toml).expect("symlink");
    let r = check(tmp.path());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "error: peerwell.toml: the file resolves (through a link) outside the policy folder; refused"
        ),
        "{}",
        r.stderr
    );
}
