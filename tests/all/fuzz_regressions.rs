//! Inputs the fuzz targets (host/fuzz, see FUZZING.md) found, as ordinary
//! tests, and the committed calendar and policy corpora replayed with the
//! targets' properties, so a stable `cargo test` keeps every input the
//! fuzzers kept without the nightly toolchain.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use peerwell_core::calendar::{read_calendar, read_holiday_dates};
use peerwell_core::model::{ClientFacing, Interval};

/// The marker the calendar seeds put into event text (as in host/fuzz).
const MARKER: &str = "PRIVATEcanary";

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../host/fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn window() -> Interval {
    let at = |s: &str| s.parse::<Timestamp>().unwrap();
    Interval::new(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))
}

/// True when every occurrence of [`MARKER`] is in a SUMMARY, DESCRIPTION
/// or LOCATION value (the fuzz target's precondition for its check).
fn marker_only_in_event_text(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    text.contains(MARKER)
        && text
            .split(['\r', '\n'])
            .filter(|l| l.contains(MARKER))
            .all(|l| {
                ["SUMMARY", "DESCRIPTION", "LOCATION"].iter().any(|p| {
                    l.strip_prefix(p)
                        .and_then(|r| r.split_once(':'))
                        .is_some_and(|(params, v)| !params.contains(MARKER) && v.contains(MARKER))
                })
            })
}

/// What the calendar target checks: no panic, sorted spans, and no
/// message quoting event text. Returns the messages.
fn read_checked(label: &str, data: &[u8]) -> Vec<String> {
    let zone = TimeZone::get("America/New_York").unwrap();
    let matching = ClientFacing::Matching {
        categories: vec!["Client".to_string()],
        summary_contains: vec!["session".to_string(), MARKER.to_lowercase()],
    };
    let mut messages = Vec::new();
    match read_calendar(label, data, window(), &matching, &zone) {
        Ok(read) => {
            let key = |b: &peerwell_core::calendar::Busy| (b.interval.start, b.interval.end);
            assert!(
                read.busy.windows(2).all(|w| key(&w[0]) <= key(&w[1])),
                "{label}: spans not sorted"
            );
            messages.extend(read.warnings);
        }
        Err(e) => messages.push(e.to_string()),
    }
    if let Err(e) = read_holiday_dates(label, data, window(), &zone) {
        messages.push(e.to_string());
    }
    if marker_only_in_event_text(data) {
        for m in &messages {
            assert!(!m.contains(MARKER), "{label}: event text in {m}");
        }
    }
    messages
}

#[test]
fn calendar_corpus_replays_without_panic_or_event_text() {
    let files = corpus("calendar");
    assert!(!files.is_empty());
    for f in files {
        read_checked(&f.display().to_string(), &std::fs::read(&f).unwrap());
    }
}

/// Loads a policy input of the policy target: peerwell.toml, the people
/// file, then group files, separated by NUL bytes.
fn load_policy(data: &[u8]) -> Result<peerwell_core::model::Organization, String> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("groups")).unwrap();
    std::fs::create_dir_all(root.join("people")).unwrap();
    let mut parts = data.split(|&b| b == 0);
    std::fs::write(root.join("peerwell.toml"), parts.next().unwrap_or_default()).unwrap();
    if let Some(people) = parts.next() {
        std::fs::write(root.join("people.toml"), people).unwrap();
        std::fs::write(root.join("people/staff.toml"), people).unwrap();
    }
    for (i, g) in parts.take(4).enumerate() {
        std::fs::write(root.join(format!("groups/g{i}.toml")), g).unwrap();
    }
    let _ = peerwell_config::server::load(root).map_err(|d| d.to_string());
    peerwell::pipeline::policy(root).map_err(|d| {
        assert!(!d.0.is_empty(), "a failed load without a diagnostic");
        d.to_string()
    })
}

#[test]
fn policy_corpus_replays_without_panic() {
    let files = corpus("policy");
    assert!(!files.is_empty());
    for f in files {
        let _ = load_policy(&std::fs::read(&f).unwrap());
    }
}

/// A calendar of `events` copies of one event the calendar fuzzer found
/// slow: it starts in the year 1013, lasts until 2026 and repeats every
/// weekday, so every occurrence overlaps the planning window.
fn year_1013_calendar(events: usize) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for i in 0..events {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:x{i}\r\nDTSTART;TZID=America/Chicago:10130111T100000\r\n\
             DTEND;TZID=America/Chicago:20260223T105000\r\n\
             RRULE:FREQ=WEEKLY;UNTIL=20260630T235959Z;BYDAY=MO,TU,WE,TH,FR\r\nEND:VEVENT\r\n"
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

/// Calendar fuzzer timeout: a holiday calendar of long recurring events
/// (20,000 occurrences each, each covering the whole window) made
/// `read_holiday_dates` visit every day of every span: 20 such events,
/// 3.8 KB, took minutes. Each date is now visited once.
#[test]
fn holiday_calendar_of_long_recurring_events_reads_each_date_once() {
    let zone = TimeZone::get("America/New_York").unwrap();
    let cal = year_1013_calendar(20);
    let dates = read_holiday_dates("holidays.ics", cal.as_bytes(), window(), &zone).unwrap();
    // Every local date the window touches in New York, once each.
    let first = jiff::civil::date(2025, 12, 31);
    let want: Vec<_> = (0..366)
        .map(|i| first.checked_add(jiff::Span::new().days(i)).unwrap())
        .collect();
    assert_eq!(dates, want);
    let read = read_calendar(
        "busy.ics",
        cal.as_bytes(),
        window(),
        &ClientFacing::All,
        &zone,
    )
    .unwrap();
    assert!(
        read.warnings.iter().all(|w| w.starts_with("line ")),
        "{:?}",
        read.warnings
    );
}
