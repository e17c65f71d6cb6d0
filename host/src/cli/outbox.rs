//! `peerwell outbox DIR`: every message in the reminder outbox with its
//! state, attempts, last error and due time (never its text), and counts
//! per state.

use std::collections::BTreeMap;
use std::fmt::Write;

use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::text::rfc3339;
use peerwell_store::outbox::{MailState, OutboxRow};

const STATES: [MailState; 6] = [
    MailState::Queued,
    MailState::Sending,
    MailState::Sent,
    MailState::Failed,
    MailState::Expired,
    MailState::Withdrawn,
];

/// How many rows are in each state, every state listed.
pub fn counts(rows: &[OutboxRow]) -> BTreeMap<&'static str, usize> {
    let mut out: BTreeMap<&'static str, usize> = STATES.iter().map(|s| (s.as_str(), 0)).collect();
    for r in rows {
        *out.entry(r.state.as_str()).or_default() += 1;
    }
    out
}

/// One line per message, then the counts.
pub fn table(rows: &[OutboxRow], all: &[OutboxRow]) -> String {
    let utc = TimeZone::UTC;
    let mut out = String::new();
    for r in rows {
        let _ = write!(
            out,
            "{:<9} send {}  attempts {}  {}  <{}>",
            r.state.as_str(),
            rfc3339(r.send_at, &utc),
            r.attempts,
            r.key,
            r.message_id.trim_matches(['<', '>'])
        );
        if let Some(e) = &r.last_error {
            let _ = write!(out, "\n          last error: {}", e.replace('\n', " "));
        }
        out.push('\n');
    }
    let summary: Vec<String> = counts(all)
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let _ = writeln!(
        out,
        "{} messages{}{}",
        all.len(),
        if summary.is_empty() { "" } else { ": " },
        summary.join(", ")
    );
    out
}

/// The same as JSON: `{"messages": [...], "counts": {...}}`.
pub fn json(rows: &[OutboxRow], all: &[OutboxRow]) -> String {
    let utc = TimeZone::UTC;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "key": r.key,
                "message_id": r.message_id,
                "group": r.group,
                "index": r.index,
                "kind": r.kind.as_str(),
                "recipient": r.recipient,
                "state": r.state.as_str(),
                "attempts": r.attempts,
                "due": rfc3339(r.due, &utc),
                "send_at": rfc3339(r.send_at, &utc),
                "next_attempt_at": rfc3339(r.next_attempt_at, &utc),
                "sent_at": r.sent_at.map(|t| rfc3339(t, &utc)),
                "last_error": r.last_error,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({
        "messages": items,
        "counts": counts(all),
    }))
    .unwrap_or_default();
    s.push('\n');
    s
}
