//! What `peerwell state check` reports of an [`Image`]: counts
//! ([`Census`]) and the problems any backend's rows can have
//! ([`problems`]): sessions and series that do not decode, owed notices
//! of sessions not stored, values outside what peerwell writes.

use std::collections::{BTreeMap, BTreeSet};

use super::{Image, Table, Value, decode_session, key_of, table};
use crate::codec;
use crate::outbox::MailState;

/// Counts of one state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    /// Sessions that take place.
    pub sessions_active: usize,
    /// Sessions withdrawn (feeds show them cancelled).
    pub sessions_cancelled: usize,
    /// Groups with a published series time.
    pub series: usize,
    /// Tokens that open a feed.
    pub tokens_active: usize,
    /// Tokens revoked.
    pub tokens_revoked: usize,
    /// Outbox rows by state name (every state listed, zeros too).
    pub outbox: BTreeMap<&'static str, usize>,
    /// Change notices owed to members, not queued yet.
    pub notices_pending: usize,
    /// Groups HR has been told lost their time.
    pub alerts: usize,
}

const STATES: [MailState; 6] = [
    MailState::Queued,
    MailState::Sending,
    MailState::Sent,
    MailState::Failed,
    MailState::Expired,
    MailState::Withdrawn,
];

/// The text in column `name` of `row`, if it is text.
fn text<'r>(t: &Table, row: &'r [Value], name: &str) -> Option<&'r str> {
    match t.position(name).and_then(|i| row.get(i)) {
        Some(Value::Text(s)) => Some(s),
        _ => None,
    }
}

/// How many rows of `t` satisfy `pred`.
fn count(image: &Image, t: &Table, pred: impl Fn(&[Value]) -> bool) -> usize {
    image.table(t.name).iter().filter(|r| pred(r)).count()
}

impl Census {
    /// Counts `image`.
    pub fn of(image: &Image) -> Census {
        let tables = |n| table(n).expect("a table of TABLES");
        let (sessions, tokens, outbox) = (tables("sessions"), tables("tokens"), tables("outbox"));
        let revoked = tokens.position("revoked_at").expect("revoked_at");
        let mut census = Census {
            sessions_active: count(image, sessions, |r| {
                text(sessions, r, "status") == Some("active")
            }),
            sessions_cancelled: count(image, sessions, |r| {
                text(sessions, r, "status") == Some("cancelled")
            }),
            series: image.table("series").len(),
            tokens_active: count(image, tokens, |r| r[revoked] == Value::Null),
            tokens_revoked: count(image, tokens, |r| r[revoked] != Value::Null),
            outbox: BTreeMap::new(),
            notices_pending: image.table("notices_pending").len(),
            alerts: image.table("mail_alerts").len(),
        };
        for state in STATES {
            let n = count(image, outbox, |r| {
                text(outbox, r, "state") == Some(state.as_str())
            });
            census.outbox.insert(state.as_str(), n);
        }
        census
    }
}

/// Everything wrong with the rows of `image` that any backend could hold:
/// one line per problem naming the table and the row by ids (never a
/// token, an address or a message).
pub fn problems(image: &Image) -> Vec<String> {
    let mut out = Vec::new();
    session_problems(image, &mut out);
    series_problems(image, &mut out);
    orphan_notices(image, &mut out);
    value_problems(image, &mut out);
    out
}

fn session_problems(image: &Image, out: &mut Vec<String>) {
    let t = table("sessions").expect("sessions");
    for row in image.table(t.name) {
        if let Err(e) = decode_session(row) {
            out.push(format!(
                "sessions: session {} does not decode ({e})",
                key_of(t, row)
            ));
        }
    }
}

fn series_problems(image: &Image, out: &mut Vec<String>) {
    let t = table("series").expect("series");
    for row in image.table(t.name) {
        let weekday = match row.get(1) {
            Some(Value::Int(n)) => codec::weekday(*n).map(drop),
            _ => Err("no weekday".to_string()),
        };
        let time = match row.get(2) {
            Some(Value::Text(s)) => codec::time(s).map(drop),
            _ => Err("no start time".to_string()),
        };
        if let Err(e) = weekday.and(time) {
            out.push(format!(
                "series: the series of {} does not decode ({e})",
                key_of(t, row)
            ));
        }
    }
}

/// Owed notices whose session is not stored.
fn orphan_notices(image: &Image, out: &mut Vec<String>) {
    let key = |row: &Vec<Value>| (row.first().cloned(), row.get(1).cloned());
    let sessions: BTreeSet<_> = image.table("sessions").iter().map(key).collect();
    let t = table("notices_pending").expect("notices_pending");
    for row in image.table(t.name) {
        if !sessions.contains(&key(row)) {
            out.push(format!(
                "notices_pending: a notice owed for {} whose session is not stored",
                key_of(t, row)
            ));
        }
    }
}

/// Outbox states and token kinds peerwell never writes.
fn value_problems(image: &Image, out: &mut Vec<String>) {
    let outbox = table("outbox").expect("outbox");
    for row in image.table(outbox.name) {
        let state = text(outbox, row, "state").unwrap_or("");
        if MailState::parse(state).is_none() {
            out.push(format!(
                "outbox: the message for {} has an unknown state",
                key_of(outbox, row)
            ));
        }
    }
    let tokens = table("tokens").expect("tokens");
    for row in image.table(tokens.name) {
        if !matches!(text(tokens, row, "kind"), Some("group" | "member")) {
            out.push(format!(
                "tokens: {} has an unknown feed kind",
                key_of(tokens, row)
            ));
        }
    }
}
