//! Several `peerwell serve` processes on one shared database: the lease
//! that makes one of them the leader ([`Coordinator`]), and the
//! publication of each committed plan that the others (followers) serve.
//!
//! The leader writes a publication in the same transaction as its plan
//! commit ([`crate::Store::set_publishing`]): what a follower needs to
//! build the exact same feeds — the planned sessions, the cancelled ones
//! still shown, every session's SEQUENCE and revision time, the horizon
//! and the planning moment. The policy (groups, people, zones) each
//! replica reads from its own copy of the policy folder. Nothing in a
//! publication comes from an input calendar: sessions hold times, member
//! ids and format-generated text only.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::{Commit, StoreError, codec};
use peerwell_core::model::Horizon;
use peerwell_core::schedule::{Plan, Session};

/// The lease as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The generation last granted (0: never granted).
    pub generation: u64,
    /// Who holds (or last held) it.
    pub holder: String,
    /// How long ago it was last granted or renewed, by the database clock.
    pub age: Duration,
    /// True while it has not expired, by the database clock.
    pub live: bool,
}

/// A plan as a follower serves it, read back from a publication.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// The publication's number: one more with every plan commit.
    pub generation: u64,
    /// The moment the leader planned at.
    pub planned_at: Timestamp,
    /// The plan's horizon and sessions (no outcomes: followers send no
    /// mail and serve no explanations).
    pub plan: Plan,
    /// Sequences, revision times and cancelled sessions as committed
    /// (`earlier` and `changes` are empty).
    pub commit: Commit,
}

/// Leadership among the processes sharing one database, and the plan
/// publications followers read. Every time comes from the database's
/// clock, never a process's own.
pub trait Coordinator: Send {
    /// What error messages name: the database without credentials.
    fn location(&self) -> &Path;

    /// Takes the lease for `me` when it is free or expired, for `timeout`
    /// from now: the new generation, or `None` when another holds it.
    fn acquire(&mut self, me: &str, timeout: Duration) -> Result<Option<u64>, StoreError>;

    /// Extends the lease of `generation` held by `me` to `timeout` from
    /// now; false when that generation is no longer current (another took
    /// over).
    fn renew(&mut self, me: &str, generation: u64, timeout: Duration) -> Result<bool, StoreError>;

    /// Lets the lease of `generation` expire now (a graceful stop), so
    /// another process takes over at once.
    fn release(&mut self, me: &str, generation: u64) -> Result<(), StoreError>;

    /// The lease as stored.
    fn lease(&mut self) -> Result<Lease, StoreError>;

    /// The generation of the latest publication, if any.
    fn published_generation(&mut self) -> Result<Option<u64>, StoreError>;

    /// The latest publication: its generation and text ([`encode`]).
    fn publication(&mut self) -> Result<Option<(u64, String)>, StoreError>;
}

/// The text of a publication: `plan` and `commit` as planned at
/// `planned_at`, as canonical JSON.
pub fn encode(plan: &Plan, commit: &Commit, planned_at: Timestamp) -> String {
    let h = plan.horizon;
    let keyed = |m: Vec<Value>| Value::Array(m);
    json!({
        "version": 1,
        "planned_at": planned_at.to_string(),
        "horizon": {
            "start": h.start.to_string(),
            "weeks": h.weeks,
            "anchor": h.anchor.to_string(),
        },
        "sessions": plan.sessions.iter().map(session_json).collect::<Vec<_>>(),
        "cancelled": commit.cancelled.iter().map(session_json).collect::<Vec<_>>(),
        "sequences": keyed(commit.sequences.iter()
            .map(|((g, i), s)| json!([g, i, s])).collect()),
        "revised": keyed(commit.revised.iter()
            .map(|((g, i), t)| json!([g, i, t.to_string()])).collect()),
    })
    .to_string()
}

/// Reads [`encode`]'s text of publication `generation` back; `path` names
/// the database in the error.
pub fn decode(path: &Path, generation: u64, text: &str) -> Result<Published, StoreError> {
    let bad = |d: String| StoreError::corrupt(path, format!("plan publication {generation}: {d}"));
    let v: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    decode_value(&v)
        .map_err(bad)
        .map(|(planned_at, plan, commit)| Published {
            generation,
            planned_at,
            plan,
            commit,
        })
}

fn decode_value(v: &Value) -> Result<(Timestamp, Plan, Commit), String> {
    if v.get("version").and_then(Value::as_u64) != Some(1) {
        return Err("unknown publication version".to_string());
    }
    let planned_at = timestamp(field(v, "planned_at")?)?;
    let h = field(v, "horizon")?;
    let horizon = Horizon {
        start: codec::date(text(field(h, "start")?)?)?,
        weeks: count(field(h, "weeks")?)?,
        anchor: codec::date(text(field(h, "anchor")?)?)?,
    };
    let sessions = list(v, "sessions")?
        .iter()
        .map(session)
        .collect::<Result<_, _>>()?;
    let cancelled = list(v, "cancelled")?
        .iter()
        .map(session)
        .collect::<Result<_, _>>()?;
    let mut sequences = BTreeMap::new();
    for row in list(v, "sequences")? {
        let (key, value) = keyed(row)?;
        sequences.insert(key, count(value)?);
    }
    let mut revised = BTreeMap::new();
    for row in list(v, "revised")? {
        let (key, value) = keyed(row)?;
        revised.insert(key, timestamp(value)?);
    }
    let plan = Plan {
        horizon,
        sessions,
        outcomes: Vec::new(),
    };
    let commit = Commit {
        sequences,
        revised,
        cancelled,
        earlier: Vec::new(),
        changes: Default::default(),
    };
    Ok((planned_at, plan, commit))
}

/// One session as JSON: every field, times as RFC 3339.
fn session_json(s: &Session) -> Value {
    json!({
        "group": s.group,
        "index": s.index,
        "date": s.date.to_string(),
        "start": s.start.to_string(),
        "end": s.end.to_string(),
        "attendees": s.attendees,
        "absentees": s.absentees,
        "plan": codec::plan_json(&s.plan),
        "moved_from": s.moved_from.map(|t| t.to_string()),
    })
}

fn session(v: &Value) -> Result<Session, String> {
    let ids = |key: &str| -> Result<Vec<String>, String> {
        codec::parse_ids(&field(v, key)?.to_string())
    };
    Ok(Session {
        group: text(field(v, "group")?)?.to_string(),
        index: count(field(v, "index")?)?,
        date: codec::date(text(field(v, "date")?)?)?,
        start: timestamp(field(v, "start")?)?,
        end: timestamp(field(v, "end")?)?,
        attendees: ids("attendees")?,
        absentees: ids("absentees")?,
        plan: codec::parse_plan(text(field(v, "plan")?)?)?,
        moved_from: match field(v, "moved_from")? {
            Value::Null => None,
            t => Some(timestamp(t)?),
        },
    })
}

/// A `[group, index, value]` row.
fn keyed(row: &Value) -> Result<((String, u32), &Value), String> {
    match row.as_array().map(Vec::as_slice) {
        Some([g, i, value]) => Ok(((text(g)?.to_string(), count(i)?), value)),
        _ => Err("a keyed row is not [group, index, value]".to_string()),
    }
}

fn field<'v>(v: &'v Value, key: &str) -> Result<&'v Value, String> {
    v.get(key).ok_or_else(|| format!("`{key}` is missing"))
}

fn list<'v>(v: &'v Value, key: &str) -> Result<&'v Vec<Value>, String> {
    field(v, key)?
        .as_array()
        .ok_or_else(|| format!("`{key}` is not a list"))
}

fn text(v: &Value) -> Result<&str, String> {
    v.as_str().ok_or_else(|| format!("{v} is not text"))
}

fn count(v: &Value) -> Result<u32, String> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("{v} is not a count"))
}

fn timestamp(v: &Value) -> Result<Timestamp, String> {
    let t = text(v)?;
    t.parse().map_err(|e| format!("time `{t}`: {e}"))
}

#[cfg(test)]
mod tests;
