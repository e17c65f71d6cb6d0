//! Config UI tests: every folder under `tests/config/valid/` must load (and a
//! few facts about it are checked); every folder under
//! `tests/config/invalid/` must fail with exactly the diagnostics text in its
//! `expected.txt`. Run with `PEERWELL_BLESS=1` to rewrite the expected files
//! from the current output, then review each change by eye.

use std::path::{Path, PathBuf};

use jiff::civil::{Time, Weekday, date};
use peerwell::pipeline::policy as load;
use peerwell_core::mail::Delivery;
use peerwell_core::model::{Cadence, ClientFacing, Organization};

fn cases(kind: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("config")
        .join(kind);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases under {}", root.display());
    dirs
}

fn t(h: i8, m: i8) -> Time {
    Time::constant(h, m, 0, 0)
}

#[test]
fn invalid_policies_report_exactly_the_expected_diagnostics() {
    let bless = std::env::var_os("PEERWELL_BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for dir in cases("invalid") {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let actual = match load(&dir) {
            Ok(_) => "loaded without errors\n".to_string(),
            Err(d) => format!("{d}\n"),
        };
        let expected_path = dir.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, &actual)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", expected_path.display()));
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "--- case {name}: expected\n{expected}--- actual\n{actual}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ (PEERWELL_BLESS=1 rewrites them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_policies_load() {
    for dir in cases("valid") {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match load(&dir) {
            Ok(org) => facts(&name, &dir, &org),
            Err(d) => panic!("case {name} should load but failed:\n{d}"),
        }
    }
}

/// A few facts per valid case, written from the policy files by hand.
fn facts(name: &str, dir: &Path, o: &Organization) {
    match name {
        "minimal" => {
            assert_eq!(
                o.org.zone.name, "Europe/London",
                "zone names are spelled as in the tz database"
            );
            assert_eq!(o.org.horizon_weeks, 12);
            assert_eq!(o.org.buffer_minutes, 15);
            assert_eq!(o.org.feeds.refresh_minutes, 720);
            assert_eq!(o.org.start, None);
            assert_eq!(o.org.client_facing, ClientFacing::All);
            assert_eq!(
                o.org.working_hours.on(Weekday::Monday),
                &[(t(9, 0), t(17, 0))]
            );
            assert!(o.org.working_hours.on(Weekday::Saturday).is_empty());
            let g = &o.groups[0];
            assert_eq!(g.id, "walk");
            assert_eq!(g.quorum, 2, "default quorum: more than half of 3");
            assert_eq!(g.cadence, Cadence::Weekly);
            assert_eq!(g.days.len(), 5);
            assert_eq!(g.earliest, t(0, 0));
            assert!(g.latest > t(23, 59));
            assert!(!g.charter.open);
            assert_eq!(o.people["ada"].zone.name, "Europe/London");
            assert_eq!(o.people["ada"].working_hours, o.org.working_hours);
            assert_eq!(o.org.mail.delivery, Delivery::Feeds, "feeds by default");
            assert_eq!(o.org.mail.invitations_ahead_minutes, 28 * 24 * 60);
            assert_eq!(o.people["ada"].mail.delivery, None);
        }
        "riverbend" => {
            assert_eq!(o.org.name, "Riverbend Community Mental Health");
            assert_eq!(o.org.start, Some(date(2026, 3, 2)));
            assert_eq!(o.org.holidays, vec![date(2026, 3, 2), date(2026, 5, 25)]);
            assert_eq!(o.org.holiday_calendars, vec![dir.join("holidays.ics")]);
            assert_eq!(
                o.org.working_hours.on(Weekday::Thursday),
                &[(t(8, 30), t(17, 0))]
            );
            assert_eq!(
                o.org.working_hours.on(Weekday::Friday),
                &[(t(8, 30), t(12, 0)), (t(13, 0), t(16, 0))]
            );
            assert_eq!(
                o.people.keys().collect::<Vec<_>>(),
                ["amara", "ben", "chen", "dana"]
            );
            let amara = &o.people["amara"];
            assert_eq!(amara.buffer_minutes, 20);
            assert_eq!(amara.calendars[0].path, dir.join("calendars/amara.ics"));
            assert_eq!(amara.calendars[0].label, "../calendars/amara.ics");
            assert!(matches!(
                amara.calendars[0].client_facing,
                ClientFacing::Matching { .. }
            ));
            assert_eq!(amara.calendars[1].client_facing, ClientFacing::None);
            let block = &amara.client_blocks[0];
            assert_eq!(block.days, [Weekday::Tuesday, Weekday::Thursday]);
            assert_eq!(
                (block.start, block.end, block.every_weeks),
                (t(9, 0), t(12, 0), 2)
            );
            let ben = &o.people["ben"];
            assert_eq!(ben.zone.name, "America/New_York");
            assert_eq!(ben.buffer_minutes, 0);
            assert_eq!(
                ben.working_hours.on(Weekday::Monday),
                &[(t(9, 0), t(13, 0))]
            );
            assert!(
                ben.working_hours.on(Weekday::Tuesday).is_empty(),
                "a person's table replaces the org's"
            );
            assert_eq!(
                o.groups.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
                ["morning-walk", "video-circle"]
            );
            let walk = &o.groups[0];
            assert_eq!(
                walk.members,
                ["dana", "amara", "ben", "chen"],
                "policy order, tags expanded by id, deduplicated"
            );
            assert_eq!(walk.quorum, 3);
            assert_eq!(
                walk.preferred_days,
                [Weekday::Tuesday, Weekday::Thursday],
                "preferred days in week order"
            );
            assert_eq!(
                walk.days,
                [Weekday::Monday, Weekday::Tuesday, Weekday::Thursday]
            );
            assert_eq!((walk.earliest, walk.latest), (t(7, 30), t(10, 0)));
            assert_eq!(walk.escalation.len(), 2);
            assert_eq!(walk.charter.size_limit, Some(6));
            assert!(walk.neutral_title);
            assert_eq!(
                walk.settings.get("activity").and_then(|v| v.as_str()),
                Some("walk")
            );
            let video = &o.groups[1];
            assert_eq!(video.cadence, Cadence::MonthlyNth(-1));
            assert_eq!(video.zone.name, "America/New_York");
            assert_eq!(video.members, ["amara", "ben", "chen"]);
            assert!(video.charter.open);
            assert_eq!(video.required_roles[0].min, 2);
        }
        "delivery" => {
            assert_eq!(o.org.mail.delivery, Delivery::Invitations);
            assert_eq!(o.org.mail.invitations_ahead_minutes, 14 * 24 * 60);
            let of = |id: &str| o.org.mail.delivery_of(&o.people[id].mail);
            assert_eq!(of("ada"), Delivery::Invitations, "the organization's");
            assert_eq!(of("bo"), Delivery::Both, "her own");
            assert_eq!(of("cy"), Delivery::Feeds, "his own");
        }
        other => panic!("valid case {other} has no facts; add some to config_ui.rs"),
    }
}

/// The complete minimal example in the README's policy reference must load,
/// so the reference cannot drift from the loader.
#[test]
fn reference_example_loads() {
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let doc = std::fs::read_to_string(&doc_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", doc_path.display()));
    let section = doc
        .split("### A complete minimal example")
        .nth(1)
        .and_then(|s| s.split("\n### ").next())
        .unwrap_or_else(|| panic!("the reference has no complete minimal example"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut written = 0;
    let (mut file, mut body): (Option<&str>, Option<String>) = (None, None);
    for line in section.lines() {
        match (&mut body, line) {
            (None, "```toml") => body = Some(String::new()),
            (Some(_), "```") => {
                let (Some(name), Some(text)) = (file.take(), body.take()) else {
                    continue;
                };
                let path = dir.path().join(name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
                }
                std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {name}: {e}"));
                written += 1;
            }
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            (None, _) => {
                if let Some(name) = line.strip_prefix('`').and_then(|l| l.strip_suffix("`:")) {
                    file = Some(name);
                }
            }
        }
    }
    assert_eq!(
        written, 3,
        "expected peerwell.toml, people.toml and one group file"
    );
    match load(dir.path()) {
        Ok(o) => {
            assert_eq!(o.groups.len(), 1);
            assert_eq!(o.groups[0].members, ["amara", "ben", "chen"]);
            assert_eq!(
                o.people["amara"].calendars[0].path,
                dir.path().join("calendars/amara.ics")
            );
        }
        Err(d) => panic!("the reference's minimal example does not load:\n{d}"),
    }
}
