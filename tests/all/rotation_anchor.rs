//! Role rotation does not depend on where a planning horizon starts: with
//! no planning state, `plan --from` two different Mondays gives every
//! session both horizons hold the same roles, in every built-in rotating
//! format and in a plugin format (structured peer supervision).

use std::collections::BTreeMap;
use std::path::Path;

use peerwell_tests::cli::peerwell;
use peerwell_tests::plugins::wasm;
use serde_json::Value;

const NOW: [&str; 2] = ["--now", "2026-02-01T00:00:00Z"];
/// Mondays two, five and seven weeks apart: every-2-weeks and monthly
/// series start at different points of their cycle in each.
const STARTS: [&str; 4] = ["2026-03-02", "2026-03-16", "2026-04-06", "2026-04-20"];

/// The charter and escalation every group file needs.
const CHARTER: &str = "\n[charter]\npurpose = \"Peer support.\"\n\n[[escalation]]\nname = \"Employee Assistance Program\"\ncontact = \"1-800-555-0142\"\n";

/// Six people free all week (no calendars), and one group of each rotating
/// format. No `start`: sessions count from the default anchor, so the
/// first session of each horizon has an index well above 0.
fn organization(dir: &Path) {
    std::fs::create_dir_all(dir.join("groups")).expect("policy folder");
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).expect("write");
    let plugin = wasm("structured-peer-supervision");
    write(
        "peerwell.toml",
        &format!(
            "version = 1\nname = \"Rotation clinic\"\ntime_zone = \"Europe/London\"\n\
             horizon_weeks = 12\n\n[working_hours]\nweekdays = \"08:00-17:00\"\n\n\
             [plugins.structured-peer-supervision]\npath = {:?}\n",
            plugin.display().to_string()
        ),
    );
    let people = [
        (
            "ada",
            "[\"accredited-leader\", \"supervisor\", \"facilitator\"]",
        ),
        ("bo", "[\"supervisor\"]"),
        ("cy", "[\"panelist\"]"),
        ("di", "[]"),
        ("ed", "[\"panelist\"]"),
        ("fay", "[]"),
    ];
    let mut text = String::from("version = 1\n");
    for (id, tags) in people {
        text.push_str(&format!(
            "\n[[person]]\nid = \"{id}\"\nname = \"{id}\"\nemail = \"{id}@rotation.example\"\ntags = {tags}\n"
        ));
    }
    write("people.toml", &text);
    let members = "members = [\"ada\", \"bo\", \"cy\", \"di\", \"ed\", \"fay\"]";
    let groups = [
        ("walk", "check-in", "weekly", 45, "tue", ""),
        ("debrief", "debrief", "weekly", 30, "fri", "listener = true"),
        ("balint", "balint", "every 2 weeks", 90, "thu", "cases = 2"),
        (
            "rounds",
            "schwartz-rounds",
            "monthly 3rd",
            60,
            "wed",
            "panel_size = 3",
        ),
        (
            "supervision",
            "structured-peer-supervision",
            "every 2 weeks",
            75,
            "mon",
            "cases = 1\nmoderator_tag = \"supervisor\"",
        ),
    ];
    for (id, format, cadence, minutes, day, settings) in groups {
        write(
            &format!("groups/{id}.toml"),
            &format!(
                "version = 1\nname = \"{id}\"\nformat = \"{format}\"\n{members}\n\
                 cadence = \"{cadence}\"\nduration_minutes = {minutes}\ndays = [\"{day}\"]\n\
                 window = \"09:00-16:00\"\nquorum = 4\n{CHARTER}\n[settings]\n{settings}\n"
            ),
        );
    }
}

/// Roles of each planned session by (group, index), from a plan with no
/// planning state starting `from`.
fn roles_from(dir: &Path, from: &str) -> BTreeMap<(String, u64), Value> {
    let run = peerwell(&[
        "plan",
        dir.to_str().expect("UTF-8 path"),
        "--format",
        "json",
        "--from",
        from,
        NOW[0],
        NOW[1],
    ]);
    run.assert_code(0);
    let plan: Value = serde_json::from_str(&run.stdout).expect("JSON plan");
    plan["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| {
            let key = (
                s["group"].as_str().expect("group").to_string(),
                s["index"].as_u64().expect("index"),
            );
            (key, s["roles"].clone())
        })
        .collect()
}

#[test]
fn common_sessions_get_the_same_roles_wherever_the_horizon_starts() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("policy");
    organization(&dir);
    let plans: Vec<_> = STARTS.iter().map(|from| roles_from(&dir, from)).collect();
    let groups = ["walk", "debrief", "balint", "rounds", "supervision"];
    for (i, early) in plans.iter().enumerate() {
        for (j, late) in plans.iter().enumerate().skip(i + 1) {
            let mut common: BTreeMap<&str, usize> = BTreeMap::new();
            for (key, roles) in late {
                let Some(before) = early.get(key) else {
                    continue;
                };
                assert_eq!(
                    before, roles,
                    "{key:?}: roles from --from {} differ from --from {}",
                    STARTS[i], STARTS[j]
                );
                assert!(
                    roles.as_array().is_some_and(|r| !r.is_empty()),
                    "{key:?} has roles"
                );
                *common.entry(key.0.as_str()).or_default() += 1;
            }
            for g in groups {
                assert!(
                    common.contains_key(g),
                    "{g}: no session in both {} and {}: {common:?}",
                    STARTS[i],
                    STARTS[j]
                );
            }
        }
    }
}
