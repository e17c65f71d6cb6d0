//! Variations of `examples/clinic` for the plugin tests: the built-in
//! check-in groups switched to the check-in plugin, client events added to
//! members' calendars, and runs with their own plugin cache folder.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::cli::{Run, binary, copy_example};
use crate::plugins::wasm;

/// The plugin name the check-in plugin is registered under in the copies.
pub const CHECK_IN_PLUGIN: &str = "check-in-wasm";

/// Copies `examples/clinic` to `to` and moves every group on the built-in
/// `check-in` format to the check-in plugin (as `check-in-wasm`). Returns
/// the ids of the groups it moved, sorted.
pub fn copy_with_check_in_plugin(to: &Path) -> Vec<String> {
    copy_example(to);
    let toml = to.join("peerwell.toml");
    let mut org = std::fs::read_to_string(&toml).expect("read peerwell.toml");
    org.push_str(&format!(
        "\n[plugins.{CHECK_IN_PLUGIN}]\npath = \"{}\"\n",
        wasm("check-in").display()
    ));
    std::fs::write(&toml, org).expect("write peerwell.toml");
    let mut moved = Vec::new();
    for entry in std::fs::read_dir(to.join("groups"))
        .expect("read groups")
        .flatten()
    {
        let path = entry.path();
        let text = std::fs::read_to_string(&path).expect("read a group file");
        let from = "\nformat = \"check-in\"\n";
        if text.contains(from) {
            let to = format!("\nformat = \"{CHECK_IN_PLUGIN}\"\n");
            std::fs::write(&path, text.replace(from, &to)).expect("write a group file");
            let stem = path.file_stem().expect("a file name");
            moved.push(stem.to_string_lossy().into_owned());
        }
    }
    moved.sort();
    moved
}

/// Appends a client session (07:30–09:00 America/Chicago on `date`,
/// `YYYYMMDD`) to `calendars/<file>` of a clinic copy. Its summary carries
/// `canary`, which must never reach any output.
pub fn add_client_event(dir: &Path, file: &str, date: &str, canary: &str) {
    let path = dir.join("calendars").join(file);
    let text = std::fs::read_to_string(&path).expect("read a calendar");
    let event = format!(
        "BEGIN:VEVENT\r\nUID:added-{date}@test\r\nDTSTAMP:20260301T000000Z\r\n\
         DTSTART;TZID=America/Chicago:{date}T073000\r\n\
         DTEND;TZID=America/Chicago:{date}T090000\r\n\
         SUMMARY:Client session {canary}\r\nCATEGORIES:Client\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n"
    );
    assert!(
        text.contains("END:VCALENDAR\r\n"),
        "{} has no end",
        path.display()
    );
    std::fs::write(&path, text.replace("END:VCALENDAR\r\n", &event)).expect("write a calendar");
}

/// A member of the clinic as `people.toml` has them.
#[derive(Debug, Clone)]
pub struct Member {
    /// The full name.
    pub name: String,
    /// The tags.
    pub tags: Vec<String>,
}

/// The members of the policy folder `dir`, by id.
pub fn members(dir: &Path) -> BTreeMap<String, Member> {
    let text = std::fs::read_to_string(dir.join("people.toml")).expect("read people.toml");
    let doc: toml::Table = text.parse().expect("people.toml is TOML");
    let people = doc
        .get("person")
        .and_then(|p| p.as_array())
        .expect("[[person]] entries");
    people
        .iter()
        .map(|p| {
            let s = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            let tags = p
                .get("tags")
                .and_then(|t| t.as_array())
                .map(|t| {
                    t.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (
                s("id").to_string(),
                Member {
                    name: s("name").to_string(),
                    tags,
                },
            )
        })
        .collect()
}

/// Runs the binary with its own planning state and plugin cache folders.
pub fn peerwell_cached(args: &[&str], data_dir: &Path, cache_dir: &Path) -> Run {
    let out = Command::new(binary())
        .args(args)
        .env("NO_COLOR", "1")
        .env("PEERWELL_DATA_DIR", data_dir)
        .env("PEERWELL_CACHE_DIR", cache_dir)
        .output()
        .expect("run peerwell");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
