//! WebAssembly format plugins: the hostile suite through the real binary,
//! `peerwell plugin check`, `[plugins.x]` config errors and the disk cache.
//! The plugins and fixtures are built from source by `plugins/build`.

use std::path::Path;
use std::time::{Duration, Instant};

use peerwell_tests::cli::peerwell;
use peerwell_tests::plugins::wasm;
use serde_json::Value;

/// Hostile fixtures that load and misbehave when called, with the cause
/// each must be reported with.
const RUNTIME: [(&str, &str); 6] = [
    ("loop", "ran past its 300 ms deadline"),
    ("memory-bomb", "exceeded its 16 MiB memory limit"),
    ("recursion", "overflowed its stack (deep recursion)"),
    ("huge-output", "over its 1 MiB output limit"),
    ("trap", "trapped: "),
    ("invalid-data", "returned invalid data: "),
];

/// Fixtures refused at load, with the refusal.
const REFUSED: [(&str, &str); 3] = [
    ("missing-export", "is missing the export `"),
    (
        "foreign-import",
        "imports fixture:sneaky/net, which peerwell does not offer (plugins get only peerwell:format/host",
    ),
    (
        "old-version",
        "targets peerwell:format@0.0.1; this peerwell supports peerwell:format@0.1.x — rebuild it against plugins/wit of this release",
    ),
];

const PEOPLE: [&str; 6] = ["ada", "bo", "cy", "dee", "eli", "fay"];

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create folder");
    }
    std::fs::write(path, text).expect("write file");
}

fn group(dir: &Path, id: &str, format: &str) {
    let members: Vec<String> = PEOPLE.iter().map(|p| format!("\"{p}\"")).collect();
    write(
        &dir.join(format!("groups/{id}.toml")),
        &format!(
            "version = 1\nname = \"{id}\"\nformat = \"{format}\"\nmembers = [{}]\nduration_minutes = 60\nquorum = 3\n\n[charter]\npurpose = \"Peer support.\"\n\n[[escalation]]\nname = \"EAP\"\ncontact = \"1-800-555-0199\"\n",
            members.join(", ")
        ),
    );
}

/// A policy folder with one group per fixture in `fixtures`, plus two
/// groups on the built-in check-in format.
fn policy(fixtures: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut org = String::from(
        "version = 1\nname = \"Plugin clinic\"\ntime_zone = \"Europe/London\"\nstart = 2026-03-02\nhorizon_weeks = 4\n",
    );
    for f in fixtures {
        let limits = match *f {
            // Fuel enough for minutes: the deadline must stop it.
            "loop" => "timeout_ms = 300\nfuel = 1000000000000\n",
            "memory-bomb" => "memory_mib = 16\n",
            _ => "",
        };
        org.push_str(&format!(
            "\n[plugins.{f}]\npath = \"{}\"\n{limits}",
            wasm(f.strip_suffix("-plugin").unwrap_or(f)).display()
        ));
        group(dir.path(), &format!("g-{f}"), f);
    }
    write(&dir.path().join("peerwell.toml"), &org);
    let mut people = String::from("version = 1\n");
    for p in PEOPLE {
        people.push_str(&format!(
            "\n[[person]]\nid = \"{p}\"\nname = \"{p}\"\nemail = \"{p}@clinic.example\"\n"
        ));
    }
    write(&dir.path().join("people.toml"), &people);
    group(dir.path(), "normal-a", "check-in");
    group(dir.path(), "normal-b", "check-in");
    dir
}

fn status<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["groups"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["id"] == id))
        .unwrap_or_else(|| panic!("no group {id} in {plan}"))
}

#[test]
fn hostile_plugins_block_only_their_own_groups() {
    let all: Vec<&str> = RUNTIME
        .iter()
        .chain(REFUSED.iter())
        .map(|(f, _)| *f)
        .collect();
    let dir = policy(&all);
    let path = dir.path().to_str().expect("utf-8 path");
    let started = Instant::now();
    let run = peerwell(&["plan", path, "--format", "json"]);
    let took = started.elapsed();
    // Blocked groups make the run exit 1, whatever blocks them.
    run.assert_code(1);
    let plan: Value = serde_json::from_str(&run.stdout).expect("JSON");
    for id in ["normal-a", "normal-b"] {
        assert_eq!(status(&plan, id)["status"], "scheduled", "{id}: {plan}");
    }
    for (fixture, cause) in RUNTIME.iter().chain(REFUSED.iter()) {
        let g = status(&plan, &format!("g-{fixture}"));
        assert_eq!(g["status"], "blocked", "{fixture}: {g}");
        let reason = g["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains(&format!(
                "format `{fixture}` failed for group `g-{fixture}`"
            )),
            "{fixture}: {reason}"
        );
        assert!(
            reason.contains(cause),
            "{fixture}: expected `{cause}` in: {reason}"
        );
    }
    // Refused plugins are warned about, and the run goes on.
    for (fixture, _) in REFUSED {
        assert!(
            run.stderr.contains(&format!("warning: plugin `{fixture}`")),
            "{}",
            run.stderr
        );
    }
    // The loop is stopped near its 300 ms deadline each time it is called,
    // not after seconds (a handful of calls at most reach it).
    assert!(took < Duration::from_secs(20), "plan took {took:?}");
}

#[test]
fn the_loop_is_stopped_near_its_deadline() {
    let dir = policy(&["loop"]);
    let org = peerwell::pipeline::policy(dir.path()).expect("policy loads");
    let format = org.formats.get("loop").expect("loop is registered");
    let group = org.groups.iter().find(|g| g.id == "g-loop").expect("group");
    let attendees: Vec<String> = PEOPLE.iter().map(|p| p.to_string()).collect();
    let request = peerwell_core::formats::SessionRequest {
        group,
        index: 0,
        date: jiff::civil::date(2026, 3, 2),
        start: jiff::civil::time(10, 0, 0, 0),
        attendees: &attendees,
        absentees: &[],
        history: &[],
        people: &org.people,
    };
    let started = Instant::now();
    let err = format
        .plan_session(&request)
        .expect_err("the loop cannot answer");
    let took = started.elapsed();
    assert!(
        err.to_string().contains("ran past its 300 ms deadline"),
        "{err}"
    );
    assert!(
        took >= Duration::from_millis(300),
        "stopped early: {took:?}"
    );
    assert!(
        took < Duration::from_millis(1000),
        "plan_session took {took:?}"
    );
}

#[test]
fn check_reports_refused_plugins_and_exits_1() {
    let refused: Vec<&str> = REFUSED.iter().map(|(f, _)| *f).collect();
    let dir = policy(&refused);
    let run = peerwell(&["check", dir.path().to_str().expect("utf-8 path")]);
    run.assert_code(1);
    for (fixture, refusal) in REFUSED {
        assert!(
            run.stderr.contains(&format!("error: plugin `{fixture}`"))
                && run.stderr.contains(refusal),
            "{fixture}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("g-{fixture}")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn plugin_check_runs_the_check_in_plugin() {
    let file = wasm("check-in");
    let run = peerwell(&["plugin", "check", file.to_str().expect("utf-8 path")]);
    run.assert_code(0);
    for want in [
        "interface:  peerwell:format@0.1.",
        // The SDK's version, embedded in the plugin by the SDK.
        "sdk:        0.1.",
        "format:     check-in",
        "session 4 on 2026-03-23",
        "ok: every call succeeded within the limits",
    ] {
        assert!(
            run.stdout.contains(want),
            "missing `{want}`:\n{}",
            run.stdout
        );
    }
}

#[test]
fn plugin_check_names_the_cause_for_each_fixture() {
    for (fixture, cause) in RUNTIME.iter().chain(REFUSED.iter()) {
        let file = wasm(fixture);
        let mut args = vec!["plugin", "check", file.to_str().expect("utf-8 path")];
        match *fixture {
            "loop" => args.extend(["--timeout-ms", "300", "--fuel", "1000000000000"]),
            "memory-bomb" => args.extend(["--memory-mib", "16"]),
            _ => {}
        }
        let run = peerwell(&args);
        run.assert_code(1);
        assert!(
            run.stderr.contains(cause),
            "{fixture}: expected `{cause}` in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn plugin_check_usage_errors_exit_2() {
    peerwell(&["plugin", "check"]).assert_code(2);
    peerwell(&["plugin", "check", "x.wasm", "--timeout-ms", "0"]).assert_code(2);
}

#[test]
fn plugin_config_errors_point_at_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "[plugins.peer]\npath = \"p.wasm\"\ntimout_ms = 5\n",
            "peerwell.toml:9:1: unknown key `timout_ms` in [plugins.peer]",
            "did you mean `timeout_ms`?",
        ),
        (
            "[plugins.peer]\npath = \"p.wasm\"\nfuel = \"lots\"\n",
            "peerwell.toml:9:8: expected an integer, found a string",
            "",
        ),
        (
            "[plugins.check-in]\npath = \"p.wasm\"\n",
            "peerwell.toml:7:10: plugin name \"check-in\" is the name of a built-in format",
            "[plugins.check-in-plugin]",
        ),
        (
            "[plugins.peer]\ntimeout_ms = 100\n",
            "peerwell.toml:7:1: missing required key `path` in [plugins.peer]",
            "",
        ),
        (
            "[plugins.peer]\npath = \"p.wasm\"\nmemory_mib = 0\n",
            "peerwell.toml:9:14: expected an integer from 1 to 4096, found 0",
            "",
        ),
    ];
    let base = policy(&[]);
    for (table, message, hint) in cases {
        let org = std::fs::read_to_string(base.path().join("peerwell.toml")).expect("read");
        let case = dir.path().join("case");
        let _ = std::fs::remove_dir_all(&case);
        copy(base.path(), &case);
        write(&case.join("peerwell.toml"), &format!("{org}\n{table}"));
        let text = match peerwell::pipeline::policy(&case) {
            Ok(_) => panic!("loaded with {table}"),
            Err(d) => d.to_string(),
        };
        assert!(text.contains(message), "expected `{message}` in:\n{text}");
        assert!(text.contains(hint), "expected `{hint}` in:\n{text}");
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

#[test]
fn compiled_plugins_are_cached_on_disk_and_corrupt_entries_recompiled() {
    use peerwell_plugins::cache::{Source, content_hash};
    use peerwell_plugins::{Limits, Plugin, PluginSpec};
    let file = wasm("check-in");
    let bytes = std::fs::read(&file).expect("read wasm");
    let data = tempfile::tempdir().expect("temp dir");
    let spec = PluginSpec {
        name: "check-in-plugin".to_string(),
        path: file.clone(),
        label: "check-in.wasm".to_string(),
        limits: Limits::default(),
    };
    let clock = peerwell_core::formats::PlanningClock::default();
    let load = || Plugin::load(&spec, Some(data.path()), clock.clone()).expect("loads");
    assert_eq!(load().source(), Source::CompiledAndCached);
    let entries: Vec<_> = std::fs::read_dir(data.path())
        .expect("cache folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let name = entries[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with(&content_hash(&bytes)), "{name}");
    assert_eq!(load().source(), Source::Cached);
    // Flip one byte in the middle: the checksum fails, it compiles again.
    let mut cached = std::fs::read(&entries[0]).expect("read entry");
    let mid = cached.len() / 2;
    cached[mid] ^= 0xff;
    std::fs::write(&entries[0], &cached).expect("corrupt");
    assert_eq!(load().source(), Source::CompiledAndCached);
    assert_eq!(load().source(), Source::Cached);
    // A truncated entry too.
    std::fs::write(&entries[0], b"short").expect("truncate");
    assert_eq!(load().source(), Source::CompiledAndCached);
}

#[test]
fn policies_cache_plugins_in_the_cache_dir_not_the_data_dir() {
    let dir = policy(&["check-in-plugin"]);
    let data = tempfile::tempdir().expect("temp dir");
    let cache = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_str().expect("utf-8 path");
    let run = std::process::Command::new(peerwell_tests::cli::binary())
        .args(["check", path])
        .env("PEERWELL_DATA_DIR", data.path())
        .env("PEERWELL_CACHE_DIR", cache.path())
        .output()
        .expect("run peerwell");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let n = std::fs::read_dir(cache.path())
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(n, 1, "no cache entry in {}", cache.path().display());
    assert!(
        !data.path().exists()
            || std::fs::read_dir(data.path())
                .map(|d| d.count())
                .unwrap_or(0)
                == 0,
        "check writes nothing to the data dir"
    );
}

#[test]
fn a_loop_with_little_fuel_runs_out_of_fuel_first() {
    let file = wasm("loop");
    let run = peerwell(&[
        "plugin",
        "check",
        file.to_str().expect("utf-8 path"),
        "--fuel",
        "1000000",
    ]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("used all of its fuel (1000000 units)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_group_keeps_one_instance_for_its_calls_in_a_planning_pass() {
    // More groups than a plugin kept instances for before (8): each one's
    // `requirements` (before the solver) and its series (after it) still
    // share an instance, and no two groups share one.
    let dir = policy(&["stateful"]);
    let ids: Vec<String> = std::iter::once("g-stateful".to_string())
        .chain((2..=12).map(|i| format!("g-stateful-{i}")))
        .collect();
    for id in &ids[1..] {
        group(dir.path(), id, "stateful");
    }
    let path = dir.path().to_str().expect("utf-8 path");
    let run = peerwell(&["plan", path, "--format", "json"]);
    run.assert_code(0);
    let plan: Value = serde_json::from_str(&run.stdout).expect("JSON");
    for id in &ids {
        assert_eq!(status(&plan, id)["status"], "scheduled", "{id}: {plan}");
        let mut sessions: Vec<&Value> = plan["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .filter(|s| s["group"] == id.as_str())
            .collect();
        sessions.sort_by_key(|s| s["index"].as_u64());
        assert!(sessions.len() >= 3, "{id}: {sessions:?}");
        for (k, s) in sessions.iter().enumerate() {
            // Asked for its requirements once, then its plans in order, all
            // in the one instance.
            assert_eq!(
                s["title"],
                format!("requirements 1, plans {}", k + 1),
                "{id}: {s}"
            );
        }
    }
}
