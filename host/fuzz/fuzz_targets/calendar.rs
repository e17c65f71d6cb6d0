//! The calendar reader on arbitrary bytes: it never panics, and no warning
//! or error quotes event text (checked with [`MARKER`] placed in SUMMARY,
//! DESCRIPTION or LOCATION values by the seeds).
#![no_main]

use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;

use peerwell_core::calendar::{read_calendar, read_holiday_dates};
use peerwell_core::model::ClientFacing;
use peerwell_fuzz::{MARKER, marker_only_in_event_text, window};

fuzz_target!(|data: &[u8]| {
    let zone = TimeZone::get("America/New_York").expect("bundled zone");
    let matching = ClientFacing::Matching {
        categories: vec!["Client".to_string()],
        summary_contains: vec!["session".to_string(), MARKER.to_lowercase()],
    };
    let check = marker_only_in_event_text(data);
    let mut messages = Vec::new();
    match read_calendar("fuzz.ics", data, window(), &matching, &zone) {
        Ok(read) => {
            let key = |b: &peerwell_core::calendar::Busy| (b.interval.start, b.interval.end);
            assert!(
                read.busy.windows(2).all(|w| key(&w[0]) <= key(&w[1])),
                "busy spans not sorted"
            );
            assert!(
                read.busy.iter().all(|b| b.interval.start <= b.interval.end),
                "busy span ends before it starts"
            );
            messages.extend(read.warnings);
        }
        Err(e) => messages.push(e.to_string()),
    }
    if let Err(e) = read_holiday_dates("fuzz.ics", data, window(), &zone) {
        messages.push(e.to_string());
    }
    if check {
        for m in &messages {
            assert!(!m.contains(MARKER), "event text in a message: {m}");
        }
    }
});
