//! `peerwell busy`: one member's busy time, times and sources only.

use std::fmt::Write;

use serde_json::json;

use super::text::rfc3339;
use crate::pipeline::Loaded;
use peerwell_core::busy::{BusySource, BusySpan};
use peerwell_core::model::{Interval, Person};

fn source_label(person: &Person, source: BusySource) -> String {
    match source {
        BusySource::Calendar(i) => person
            .calendars
            .get(i)
            .map(|c| format!("calendar {}", c.label))
            .unwrap_or_else(|| format!("calendar {}", i + 1)),
        BusySource::ClientBlock(i) => format!("client block {}", i + 1),
    }
}

/// The member's spans that overlap the horizon, in order.
fn spans<'a>(loaded: &'a Loaded, person: &Person) -> Vec<&'a BusySpan> {
    let tz = &person.zone.tz;
    let bound = |d: jiff::civil::Date| {
        d.to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .unwrap_or(jiff::Timestamp::MIN)
    };
    let horizon = Interval::new(bound(loaded.horizon.start), bound(loaded.horizon.end()));
    match loaded.availability.get(&person.id) {
        Some(Ok(busy)) => busy
            .spans
            .iter()
            .filter(|s| s.interval().overlaps(&horizon))
            .collect(),
        _ => Vec::new(),
    }
}

/// The person's buffer after client-facing time, as planning used it.
fn buffer_minutes(loaded: &Loaded, person: &Person) -> u32 {
    loaded
        .availability
        .get(&person.id)
        .and_then(|b| b.as_ref().ok())
        .map(|b| b.buffer_minutes)
        .unwrap_or(0)
}

pub fn table(loaded: &Loaded, person: &Person) -> String {
    let tz = &person.zone.tz;
    let mut out = String::new();
    let buffer = buffer_minutes(loaded, person);
    let _ = writeln!(
        out,
        "{} ({}) — busy time from {} for {} weeks, times in {}; {buffer} min buffer after client-facing time\n",
        person.name, person.id, loaded.horizon.start, loaded.horizon.weeks, person.zone.name
    );
    let list = spans(loaded, person);
    for s in &list {
        let start = s.interval().start.to_zoned(tz.clone());
        let end = s.interval().end.to_zoned(tz.clone());
        let end_text = if end.date() == start.date() {
            end.strftime("%H:%M").to_string()
        } else {
            end.strftime("%a %Y-%m-%d %H:%M").to_string()
        };
        let _ = writeln!(
            out,
            "{}–{}  {}{}",
            start.strftime("%a %Y-%m-%d %H:%M"),
            end_text,
            source_label(person, s.source()),
            if s.client_facing() {
                "  (client-facing)"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(out, "\n{} busy spans", list.len());
    let warnings = warnings(loaded, person);
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n{} warnings (read leniently; what was assumed):",
            warnings.len()
        );
        for w in warnings {
            let _ = writeln!(out, "warning: {w}");
        }
    }
    out
}

/// What reading the member's calendars warned about: file, line and what
/// was assumed (never event text).
fn warnings<'a>(loaded: &'a Loaded, person: &Person) -> &'a [String] {
    loaded
        .member_warnings
        .get(&person.id)
        .map_or(&[], Vec::as_slice)
}

pub fn json(loaded: &Loaded, person: &Person) -> String {
    let tz = &person.zone.tz;
    let buffer = buffer_minutes(loaded, person);
    let list: Vec<serde_json::Value> = spans(loaded, person)
        .into_iter()
        .map(|s| {
            json!({
                "start": rfc3339(s.interval().start, tz),
                "end": rfc3339(s.interval().end, tz),
                "source": source_label(person, s.source()),
                "client_facing": s.client_facing(),
            })
        })
        .collect();
    let doc = json!({
        "member": person.id,
        "time_zone": person.zone.name,
        "buffer_minutes": buffer,
        "horizon": {"start": loaded.horizon.start.to_string(), "weeks": loaded.horizon.weeks},
        "busy": list,
        "warnings": warnings(loaded, person),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
