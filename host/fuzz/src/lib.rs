//! What the fuzz targets share: the fixed inputs around the fuzzed bytes
//! and the properties checked on every run.

use jiff::Timestamp;

use peerwell_core::model::Interval;

/// The planning window calendars are read over: all of 2026, which holds
/// both daylight-saving changes of the northern and southern zones.
pub fn window() -> Interval {
    Interval::new(ts("2026-01-01T00:00:00Z"), ts("2027-01-01T00:00:00Z"))
}

/// A timestamp from a literal.
pub fn ts(text: &str) -> Timestamp {
    text.parse().expect("a valid timestamp literal")
}

/// The marker the calendar seeds put into event text. When it occurs in
/// the input only inside SUMMARY, DESCRIPTION or LOCATION values, no
/// warning or error may contain it.
pub const MARKER: &str = "PRIVATEcanary";

/// Event text properties whose values must never reach a message.
const TEXT_PROPERTIES: [&str; 3] = ["SUMMARY", "DESCRIPTION", "LOCATION"];

/// True when every occurrence of [`MARKER`] in `data` sits in the value of
/// an unfolded SUMMARY, DESCRIPTION or LOCATION line (so the marker is
/// event text whatever else the bytes hold).
pub fn marker_only_in_event_text(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    if !text.contains(MARKER) {
        return false;
    }
    text.split(['\r', '\n'])
        .filter(|line| line.contains(MARKER))
        .all(|line| {
            TEXT_PROPERTIES.iter().any(|p| {
                line.strip_prefix(p)
                    .and_then(|rest| rest.split_once(':'))
                    .is_some_and(|(params, value)| {
                        !params.contains(MARKER) && value.contains(MARKER)
                    })
            })
        })
}

/// Splits `data` at NUL bytes (which no TOML or iCalendar text holds):
/// the policy and HTTP targets read several files or fields from one input.
pub fn parts(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == 0).collect()
}
pub mod ics;
pub mod plan;
pub mod site;
