//! `peerwell reminders`: the reminders and role notices sessions give rise
//! to, as the daemon would send them, without sending anything; with
//! `--invitations`, the calendar invitations the next pass would queue.

use std::fmt::Write;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::text::rfc3339;
use crate::mail::invitations::Preview;
use crate::pipeline::Loaded;
use peerwell_core::formats::ReminderKind;
use peerwell_core::reminders::{self, Reminder};
use peerwell_core::schedule::{Plan, Session};

/// Which sessions to preview.
pub struct Selection<'a> {
    /// Only this group.
    pub group: Option<&'a str>,
    /// Every session still ahead instead of each group's next one.
    pub all: bool,
    pub now: Timestamp,
}

/// The sessions chosen, with their reminders; format errors per session.
pub fn collect(loaded: &Loaded, plan: &Plan, sel: &Selection<'_>) -> (Vec<Reminder>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let by = super::plan::ByGroup::new(plan);
    for group in &loaded.org.groups {
        if sel.group.is_some_and(|g| g != group.id) {
            continue;
        }
        let Some(format) = loaded.formats.get(&group.format) else {
            continue;
        };
        let timing = crate::mail::schedule::timing(&loaded.org.org.mail, group);
        let ahead: Vec<&Session> = by
            .sessions(&group.id)
            .iter()
            .copied()
            .filter(|s| s.start > sel.now)
            .collect();
        // The next session is every meeting in the week (in the group's
        // zone) of the first one still ahead: a series meets at most once a
        // week, and the pairs of a buddies cycle each meet on their own in
        // their cycle's week, so every pair of the next cycle is shown.
        let week = |s: &Session| peerwell_core::model::monday_of(s.date);
        let next = ahead.first().map(|s| week(s));
        let chosen = ahead.iter().filter(|s| sel.all || Some(week(s)) == next);
        for session in chosen {
            match reminders::for_session(&loaded.org, group, session, format, &timing) {
                Ok(mut r) => out.append(&mut r),
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    out.sort_by(|a, b| (a.due, &a.group, &a.recipient).cmp(&(b.due, &b.group, &b.recipient)));
    (out, errors)
}

/// "upcoming (1440 min)", "role notice: presenter", …
pub fn kind_label(kind: &ReminderKind) -> String {
    match kind {
        ReminderKind::Upcoming(m) => format!("upcoming ({m} min before)"),
        ReminderKind::RoleNotice(role) => format!("role notice: {role}"),
        ReminderKind::Deadline(d) => format!("deadline: {}", d.label),
        ReminderKind::Moved(_) => "moved".to_string(),
        ReminderKind::Cancelled(_) => "cancelled".to_string(),
    }
}

/// Every message in full, one after another.
pub fn table(reminders: &[Reminder]) -> String {
    let mut out = String::new();
    for r in reminders {
        let _ = writeln!(
            out,
            "── due {} · to {} · {} · {}",
            rfc3339(r.due, &TimeZone::UTC),
            r.recipient,
            kind_label(&r.kind),
            r.group
        );
        let _ = writeln!(out, "Subject: {}\n", r.subject);
        let _ = writeln!(out, "{}\n", r.body);
    }
    let _ = writeln!(out, "{} messages", reminders.len());
    out
}

/// The same as JSON, for tools.
pub fn json(reminders: &[Reminder]) -> String {
    let items: Vec<Value> = reminders
        .iter()
        .map(|r| {
            json!({
                "group": r.group,
                "index": r.index,
                "recipient": r.recipient,
                "kind": kind_label(&r.kind),
                "due": rfc3339(r.due, &TimeZone::UTC),
                "subject": r.subject,
                "body": r.body,
                "by_format": r.by_format,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_default();
    s.push('\n');
    s
}

/// Invitations in full, one after another.
pub fn invitation_table(list: &[Preview]) -> String {
    let mut out = String::new();
    for p in list {
        let _ = writeln!(
            out,
            "── due {} · to {} · {} SEQUENCE {} · {} · {}",
            rfc3339(p.due, &TimeZone::UTC),
            p.recipient,
            p.method.as_str(),
            p.sequence,
            p.group,
            p.uid
        );
        let _ = writeln!(out, "Subject: {}\n", p.subject);
        let _ = writeln!(out, "{}\n", p.body);
    }
    let _ = writeln!(out, "{} invitations", list.len());
    out
}

/// The same as JSON, for tools.
pub fn invitation_json(list: &[Preview]) -> String {
    let items: Vec<Value> = list
        .iter()
        .map(|p| {
            json!({
                "key": p.key,
                "group": p.group,
                "index": p.index,
                "recipient": p.recipient,
                "method": p.method.as_str(),
                "sequence": p.sequence,
                "uid": p.uid,
                "due": rfc3339(p.due, &TimeZone::UTC),
                "subject": p.subject,
                "body": p.body,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_default();
    s.push('\n');
    s
}
