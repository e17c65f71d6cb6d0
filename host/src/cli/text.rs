//! Small text helpers shared by the commands.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// " (did you mean `x`?)" when a close candidate exists, else "".
pub fn did_you_mean(input: &str, candidates: &[&str]) -> String {
    match peerwell_config::closest(input, candidates.iter().copied()) {
        Some(c) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

/// RFC 3339 with the zone's offset, e.g. `2026-03-03T08:00:00-06:00`.
pub fn rfc3339(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// `HH:MM` in the zone.
pub fn clock(ts: Timestamp, tz: &TimeZone) -> String {
    ts.to_zoned(tz.clone()).strftime("%H:%M").to_string()
}

pub use peerwell_core::schedule::weekday_name;

/// "1 calendar", "3 calendars": `n` with the singular or plural noun.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
