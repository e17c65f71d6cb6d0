//! Sessions to and from their stored columns: the format's plan as JSON,
//! ids as JSON arrays, times as Unix seconds, and the content hash.
//!
//! Only scheduler and format output is encoded here — times, member ids,
//! and the format-generated plan text. Nothing here can hold input
//! calendar text, because [`Session`] holds none.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use serde_json::{Value, json};

use peerwell_core::formats::{AgendaItem, Deadline, RoleAssignment, SessionPlan};
use peerwell_core::schedule::Session;

/// Why a stored value could not be read back; the caller names the file.
pub type DecodeError = String;

/// The format's plan as canonical JSON (object keys sorted).
pub fn plan_json(plan: &SessionPlan) -> String {
    let value = json!({
        "title": plan.title,
        "agenda": plan.agenda.iter().map(|a| json!({
            "minutes": a.minutes,
            "title": a.title,
            "detail": a.detail,
        })).collect::<Vec<_>>(),
        "roles": plan.roles.iter().map(|r| json!({
            "role": r.role,
            "member": r.member,
        })).collect::<Vec<_>>(),
        "notes": plan.notes,
        "deadlines": plan.deadlines.iter().map(|d| json!({
            "label": d.label,
            "days_before": d.days_before,
            "role": d.role,
        })).collect::<Vec<_>>(),
    });
    value.to_string()
}

/// The roles alone, as canonical JSON.
pub fn roles_json(roles: &[RoleAssignment]) -> String {
    Value::Array(
        roles
            .iter()
            .map(|r| json!({"role": r.role, "member": r.member}))
            .collect(),
    )
    .to_string()
}

/// Member ids as a JSON array.
pub fn ids_json(ids: &[String]) -> String {
    Value::from(ids.to_vec()).to_string()
}

/// Reads [`plan_json`]'s output back.
pub fn parse_plan(text: &str) -> Result<SessionPlan, DecodeError> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("session plan: {e}"))?;
    let agenda = array(&v, "agenda")?
        .iter()
        .map(|a| {
            Ok(AgendaItem {
                minutes: uint(a, "minutes")?,
                title: string(a, "title")?,
                detail: string(a, "detail")?,
            })
        })
        .collect::<Result<_, DecodeError>>()?;
    let roles = array(&v, "roles")?
        .iter()
        .map(role)
        .collect::<Result<_, DecodeError>>()?;
    let deadlines = array(&v, "deadlines")?
        .iter()
        .map(|d| {
            Ok(Deadline {
                label: string(d, "label")?,
                days_before: uint(d, "days_before")?,
                role: match d.get("role") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(_) => return Err("session plan: deadline role is not text".to_string()),
                },
            })
        })
        .collect::<Result<_, DecodeError>>()?;
    Ok(SessionPlan {
        title: string(&v, "title")?,
        agenda,
        roles,
        notes: string(&v, "notes")?,
        deadlines,
    })
}

/// Reads [`ids_json`]'s output back.
pub fn parse_ids(text: &str) -> Result<Vec<String>, DecodeError> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("member ids: {e}"))?;
    let Value::Array(items) = v else {
        return Err("member ids are not a list".to_string());
    };
    items
        .into_iter()
        .map(|i| match i {
            Value::String(s) => Ok(s),
            _ => Err("a member id is not text".to_string()),
        })
        .collect()
}

fn role(v: &Value) -> Result<RoleAssignment, DecodeError> {
    Ok(RoleAssignment {
        role: string(v, "role")?,
        member: string(v, "member")?,
    })
}

fn array<'v>(v: &'v Value, key: &str) -> Result<&'v Vec<Value>, DecodeError> {
    v.get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("session plan: `{key}` is missing or not a list"))
}

fn string(v: &Value, key: &str) -> Result<String, DecodeError> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("session plan: `{key}` is missing or not text"))
}

fn uint(v: &Value, key: &str) -> Result<u32, DecodeError> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| format!("session plan: `{key}` is missing or not a count"))
}

/// A timestamp as whole Unix seconds (sessions are minute-aligned).
pub fn seconds(ts: Timestamp) -> i64 {
    ts.as_second()
}

/// Reads [`seconds`] back.
pub fn timestamp(secs: i64) -> Result<Timestamp, DecodeError> {
    Timestamp::from_second(secs).map_err(|e| format!("time {secs}: {e}"))
}

/// Reads a `YYYY-MM-DD` date back.
pub fn date(text: &str) -> Result<Date, DecodeError> {
    text.parse().map_err(|e| format!("date `{text}`: {e}"))
}

/// Reads an `HH:MM:SS` time back.
pub fn time(text: &str) -> Result<Time, DecodeError> {
    text.parse().map_err(|e| format!("time `{text}`: {e}"))
}

/// ISO weekday number, Monday = 1.
pub fn weekday_number(w: Weekday) -> i64 {
    i64::from(w.to_monday_one_offset())
}

/// Reads [`weekday_number`] back.
pub fn weekday(n: i64) -> Result<Weekday, DecodeError> {
    i8::try_from(n)
        .ok()
        .and_then(|n| Weekday::from_monday_one_offset(n).ok())
        .ok_or_else(|| format!("weekday {n} is not 1–7"))
}

/// The content hash of a session: 64-bit FNV-1a over its times, members,
/// and plan, as 16 hex digits. Stable across builds and platforms.
pub fn content_hash(session: &Session) -> String {
    let mut h = Fnv::new();
    h.field(&seconds(session.start).to_string());
    h.field(&seconds(session.end).to_string());
    h.field(&session.date.to_string());
    h.field(
        &session
            .moved_from
            .map_or_else(String::new, |t| seconds(t).to_string()),
    );
    h.field(&ids_json(&session.attendees));
    h.field(&ids_json(&session.absentees));
    h.field(&plan_json(&session.plan));
    format!("{:016x}", h.0)
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    /// Hashes `text` and a separator no JSON or number text contains.
    fn field(&mut self, text: &str) {
        for b in text.bytes().chain([0xff]) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests;
