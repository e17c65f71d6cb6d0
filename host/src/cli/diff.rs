//! `peerwell diff`: what the next export would change against the
//! published plan, as a table or JSON. Times are shown in each group's zone.

use std::fmt::Write;

use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::text::rfc3339;
use crate::pipeline::Loaded;
use peerwell_core::model::Interval;
use peerwell_store::Changes;

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
pub fn table(loaded: &Loaded, c: &Changes) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", summary(c));
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

/// The JSON document for tools. Times are RFC 3339 with the group zone's
/// offset, as in `plan --format json`.
pub fn json(loaded: &Loaded, c: &Changes) -> String {
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
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
