//! Authoring plugins: the JavaScript example through the host,
//! `peerwell plugin new` built and checked, and determinism with the
//! compiled-plugin cache.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use peerwell_tests::cli::{example_dir, peerwell};
use peerwell_tests::clinic::peerwell_cached;
use peerwell_tests::plugins::wasm;
use serde_json::Value;

use super::{FROM, arr, assert_fair_rotation, holder, json, s};

const PEOPLE: [&str; 6] = ["ada", "bo", "cy", "dee", "eli", "fay"];

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create folder");
    }
    std::fs::write(path, text).expect("write file");
}

/// A policy folder of six people without calendars and one weekly group
/// `circle` on the plugin `wasm`, registered as `name`.
fn policy(name: &str, wasm: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        &dir.path().join("peerwell.toml"),
        &format!(
            "version = 1\nname = \"Plugin clinic\"\ntime_zone = \"Europe/London\"\nstart = 2026-03-02\nhorizon_weeks = 6\n\n[plugins.{name}]\npath = \"{}\"\n",
            wasm.display()
        ),
    );
    let mut people = String::from("version = 1\n");
    for p in PEOPLE {
        people.push_str(&format!(
            "\n[[person]]\nid = \"{p}\"\nname = \"{p}\"\nemail = \"{p}@clinic.example\"\n"
        ));
    }
    write(&dir.path().join("people.toml"), &people);
    let members: Vec<String> = PEOPLE.iter().map(|p| format!("\"{p}\"")).collect();
    write(
        &dir.path().join("groups/circle.toml"),
        &format!(
            "version = 1\nname = \"Circle\"\nformat = \"{name}\"\nmembers = [{}]\ncadence = \"weekly\"\nduration_minutes = 30\nquorum = 3\n\n[charter]\npurpose = \"Peer support.\"\n\n[[escalation]]\nname = \"EAP\"\ncontact = \"1-800-555-0199\"\n",
            members.join(", ")
        ),
    );
    dir
}

#[test]
fn javascript_plugin_checks_and_rotates_its_opener() {
    let file = wasm("js-example");
    let cache = tempfile::tempdir().expect("temp dir");
    let data = tempfile::tempdir().expect("temp dir");
    let check = peerwell_cached(&["plugin", "check", s(&file)], data.path(), cache.path());
    check.assert_code(0);
    assert!(
        check.stdout.contains("format:     gratitude-round "),
        "{}",
        check.stdout
    );
    let dir = policy("gratitude", &file);
    let run = peerwell_cached(
        &["plan", s(dir.path()), "--format", "json", FROM[0], FROM[1]],
        data.path(),
        cache.path(),
    );
    let plan = json(&run);
    assert_eq!(arr(&plan["groups"])[0]["status"], "scheduled", "{plan}");
    let sessions: Vec<&Value> = arr(&plan["sessions"]).iter().collect();
    assert_eq!(sessions.len(), 6, "{plan}");
    let held = assert_fair_rotation(&sessions, "opener");
    // Everyone attends every week, so six weeks give six different openers.
    assert_eq!(held.len(), 6, "{held:?}");
    let openers: Vec<String> = sessions.iter().map(|s| holder(s, "opener")).collect();
    assert_eq!(openers, PEOPLE, "in member order");
}

#[test]
fn plugin_new_builds_and_passes_plugin_check() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let name = "reflection-circle";
    peerwell(&["plugin", "new", name, "--dir", s(tmp.path())]).assert_code(0);
    let script = tmp.path().join(name).join("build");
    let out = Command::new(&script)
        // The scaffold's build must not inherit this test's toolchain.
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .output()
        .expect("run the scaffold's build");
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let built = stdout.trim();
    assert!(
        built.ends_with(".wasm") && Path::new(built).is_file(),
        "build printed `{built}`"
    );
    let check = peerwell(&["plugin", "check", built]);
    check.assert_code(0);
    assert!(
        check.stdout.contains(&format!("format:     {name} ")),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("ok: every call succeeded"),
        "{}",
        check.stdout
    );

    // The folder now exists: a second `new` refuses it.
    let again = peerwell(&["plugin", "new", name, "--dir", s(tmp.path())]);
    again.assert_code(1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert!(again.stderr.contains("hint:"), "{}", again.stderr);
    for bad in ["Reflection", "reflection_circle", "9lives", "a--b"] {
        let run = peerwell(&["plugin", "new", bad, "--dir", s(tmp.path())]);
        run.assert_code(1);
        assert!(
            run.stderr
                .contains(&format!("`{bad}` cannot name a plugin")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("hint:"), "{}", run.stderr);
        assert!(!tmp.path().join(bad).exists(), "{bad} was created");
    }
}

/// Each cache entry's name and modification time.
fn entries(cache: &Path) -> BTreeMap<String, std::time::SystemTime> {
    std::fs::read_dir(cache)
        .map(|d| {
            d.flatten()
                .map(|e| {
                    let modified = e.metadata().and_then(|m| m.modified()).expect("mtime");
                    (e.file_name().to_string_lossy().into_owned(), modified)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn plans_with_plugins_are_deterministic_and_compile_once() {
    let dir = example_dir();
    let cache = tempfile::tempdir().expect("temp dir");
    let args = ["plan", s(&dir), "--format", "json", FROM[0], FROM[1]];
    let state = || tempfile::tempdir().expect("temp dir");
    let first = peerwell_cached(&args, state().path(), cache.path());
    first.assert_code(0);
    let wasm_file = wasm("structured-peer-supervision");
    let bytes = std::fs::read(&wasm_file).expect("read the plugin");
    let hash = peerwell_plugins::cache::content_hash(&bytes);
    let after_first = entries(cache.path());
    assert_eq!(after_first.len(), 1, "{after_first:?}");
    assert!(
        after_first.keys().all(|k| k.starts_with(&hash)),
        "{after_first:?} is not keyed by {hash}"
    );
    let second = peerwell_cached(&args, state().path(), cache.path());
    second.assert_code(0);
    assert_eq!(first.stdout, second.stdout, "plans differ between runs");
    let plan = json(&first);
    assert!(
        arr(&plan["sessions"])
            .iter()
            .any(|s| s["group"] == "peer-supervision"),
        "the plugin's group is planned"
    );
    // Compiled once: the second run read the entry and did not rewrite it.
    assert_eq!(entries(cache.path()), after_first);
    let check = peerwell_cached(
        &["plugin", "check", s(&wasm_file)],
        state().path(),
        cache.path(),
    );
    check.assert_code(0);
    assert!(
        check.stdout.contains("\ncompiled:   from the cache\n"),
        "{}",
        check.stdout
    );
}
