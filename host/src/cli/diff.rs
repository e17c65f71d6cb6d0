//! `peerwell diff`: what the next export would change against the
//! published plan, as a table or JSON, and the absences members declared
//! for sessions ahead. Times are shown in each group's zone.

use std::fmt::Write;

use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::text::rfc3339;
use crate::pipeline::Loaded;
use peerwell_core::model::Interval;
use peerwell_store::{AbsenceRow, AbsenceSource, Changes};

/// One line: "3 added, 1 moved, 0 cancelled, 2 changed, 40 unchanged", or
/// "no changes".
pub fn summary(c: &Changes) -> String {
    if c.is_empty() {
        return format!("no changes ({} sessions unchanged)", c.unchanged);
    }
    format!(
        "{} added, {} moved, {} cancelled, {} changed, {} unchanged",
        c.added.len(),
        c.moved.len(),
        c.cancelled.len(),
        c.changed.len(),
        c.unchanged
    )
}

fn zone(loaded: &Loaded, group: &str) -> TimeZone {
    loaded
        .org
        .groups
        .iter()
        .find(|g| g.id == group)
        .map(|g| g.zone.tz.clone())
        .unwrap_or_else(|| loaded.org.org.zone.tz.clone())
}

/// `Mon 2026-03-02 09:00–09:45` in `tz`.
fn span(i: Interval, tz: &TimeZone) -> String {
    let start = i.start.to_zoned(tz.clone());
    let end = i.end.to_zoned(tz.clone());
    let end_format = if start.date() == end.date() {
        "%H:%M"
    } else {
        "%a %Y-%m-%d %H:%M"
    };
    format!(
        "{}–{}",
        start.strftime("%a %Y-%m-%d %H:%M"),
        end.strftime(end_format)
    )
}

/// The table for people. A session is named by its group and its local
/// date and time in the group's zone (a moved one by where it was), as
/// everywhere else; the internal index never shows.
pub fn table(loaded: &Loaded, c: &Changes, absences: &[(AbsenceRow, Option<Interval>)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", summary(c));
    absence_lines(loaded, absences, &mut out);
    if c.is_empty() {
        return out;
    }
    let _ = writeln!(out);
    for s in &c.added {
        let tz = zone(loaded, &s.group);
        let _ = writeln!(out, "+ added      {}  {}", s.group, span(s.time, &tz));
    }
    for m in &c.moved {
        let tz = zone(loaded, &m.group);
        let _ = writeln!(
            out,
            "~ moved      {}  {} → {}",
            m.group,
            span(m.from, &tz),
            span(m.to, &tz)
        );
    }
    for s in &c.cancelled {
        let tz = zone(loaded, &s.group);
        let _ = writeln!(out, "- cancelled  {}  {}", s.group, span(s.time, &tz));
    }
    for s in &c.changed {
        let tz = zone(loaded, &s.group);
        let _ = writeln!(
            out,
            "* changed    {}  {}  ({})",
            s.group,
            span(s.time, &tz),
            s.what.join(", ")
        );
    }
    out
}

/// "! absent" lines: each declared absence with its session's time in the
/// plan (or "not held" when the plan holds no such session).
fn absence_lines(loaded: &Loaded, absences: &[(AbsenceRow, Option<Interval>)], out: &mut String) {
    for (a, time) in absences {
        let tz = zone(loaded, &a.group);
        let when = time.map_or_else(|| "(session not held)".to_string(), |t| span(t, &tz));
        let by = match a.source {
            AbsenceSource::Link => "their link",
            AbsenceSource::Hr => "HR",
        };
        let _ = writeln!(
            out,
            "! absent     {}  {when}  {} (by {by})",
            a.group, a.member
        );
    }
}

/// The JSON document for tools. Times are RFC 3339 with the group zone's
/// offset, as in `plan --format json`.
pub fn json(loaded: &Loaded, c: &Changes, absences: &[(AbsenceRow, Option<Interval>)]) -> String {
    let at = |group: &str, i: Interval| {
        let tz = zone(loaded, group);
        json!({"start": rfc3339(i.start, &tz), "end": rfc3339(i.end, &tz)})
    };
    let refs = |list: &[peerwell_store::SessionRef]| -> Vec<Value> {
        list.iter()
            .map(|s| json!({"group": s.group, "index": s.index, "time": at(&s.group, s.time)}))
            .collect()
    };
    let doc = json!({
        "changed_any": !c.is_empty(),
        "added": refs(&c.added),
        "moved": c.moved.iter().map(|m| json!({
            "group": m.group,
            "index": m.index,
            "from": at(&m.group, m.from),
            "to": at(&m.group, m.to),
        })).collect::<Vec<_>>(),
        "cancelled": refs(&c.cancelled),
        "changed": c.changed.iter().map(|s| json!({
            "group": s.group,
            "index": s.index,
            "time": at(&s.group, s.time),
            "what": s.what,
        })).collect::<Vec<_>>(),
        "unchanged": c.unchanged,
        "absences": absences.iter().map(|(a, time)| json!({
            "group": a.group,
            "index": a.index,
            "member": a.member,
            "source": a.source.as_str(),
            "time": time.map(|t| at(&a.group, t)),
        })).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
