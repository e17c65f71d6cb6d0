//! Conversions between the WIT types and peerwell's own.
//!
//! Into the plugin (`*_out`, `group`, `request`…) is total. Out of the
//! plugin (`*_in`) checks what Rust's types cannot express in WIT (a month
//! of 13, a minute of 60) and says what was wrong; the semantic checks of a
//! plan live in [`super::check`].

use std::collections::BTreeMap;

use jiff::civil::{Date, Time, Weekday};

use super::bindings::{guest, types};
use super::check::{InvalidData, WindowEdge};
use peerwell_core::formats::{
    AgendaItem, Deadline, FormatInfo, PartitionRequest, PastSession, ReminderKind, ReminderRequest,
    ReminderText, Requirements, RoleAssignment, SeriesItem, SeriesRequest, SessionPlan,
    SessionRequest, SettingDiagnostic, SettingInfo, Window,
};
use peerwell_core::model::{Cadence, Group, Person, RequiredRole};

/// A date for the plugin.
pub fn date_out(d: Date) -> types::Date {
    types::Date {
        year: d.year(),
        month: d.month() as u8,
        day: d.day() as u8,
    }
}

/// A time of day for the plugin.
pub fn time_out(t: Time) -> types::TimeOfDay {
    types::TimeOfDay {
        hour: t.hour() as u8,
        minute: t.minute() as u8,
    }
}

fn weekday_out(d: Weekday) -> types::Weekday {
    match d {
        Weekday::Monday => types::Weekday::Monday,
        Weekday::Tuesday => types::Weekday::Tuesday,
        Weekday::Wednesday => types::Weekday::Wednesday,
        Weekday::Thursday => types::Weekday::Thursday,
        Weekday::Friday => types::Weekday::Friday,
        Weekday::Saturday => types::Weekday::Saturday,
        Weekday::Sunday => types::Weekday::Sunday,
    }
}

fn weekday_in(d: types::Weekday) -> Weekday {
    match d {
        types::Weekday::Monday => Weekday::Monday,
        types::Weekday::Tuesday => Weekday::Tuesday,
        types::Weekday::Wednesday => Weekday::Wednesday,
        types::Weekday::Thursday => Weekday::Thursday,
        types::Weekday::Friday => Weekday::Friday,
        types::Weekday::Saturday => Weekday::Saturday,
        types::Weekday::Sunday => Weekday::Sunday,
    }
}

fn cadence_out(c: Cadence) -> types::Cadence {
    match c {
        Cadence::Weekly => types::Cadence::Weekly,
        Cadence::EveryWeeks(n) => types::Cadence::EveryWeeks(n),
        Cadence::MonthlyNth(n) => types::Cadence::MonthlyNth(n),
    }
}

fn cadence_in(c: types::Cadence) -> Result<Cadence, InvalidData> {
    match c {
        types::Cadence::Weekly => Ok(Cadence::Weekly),
        types::Cadence::EveryWeeks(n) if (2..=52).contains(&n) => Ok(Cadence::EveryWeeks(n)),
        types::Cadence::EveryWeeks(n) => Err(InvalidData::EveryWeeks(n)),
        types::Cadence::MonthlyNth(n) if n == -1 || (1..=4).contains(&n) => {
            Ok(Cadence::MonthlyNth(n))
        }
        types::Cadence::MonthlyNth(n) => Err(InvalidData::MonthlyNth(n)),
    }
}

fn time_in(t: &types::TimeOfDay, what: WindowEdge) -> Result<Time, InvalidData> {
    if t.hour > 23 || t.minute > 59 {
        return Err(InvalidData::TimeOfDay {
            what,
            hour: t.hour,
            minute: t.minute,
        });
    }
    Ok(Time::constant(t.hour as i8, t.minute as i8, 0, 0))
}

/// A group's `[settings]` flattened to sorted dotted keys, as the WIT
/// documents: nested tables as `a.b`, arrays holding tables or arrays as
/// `a.0.b`, arrays of scalars as arrays, empty tables as `empty-table`.
pub fn settings_out(settings: &toml::Table) -> Vec<types::Setting> {
    let mut flat = BTreeMap::new();
    flatten_table("", settings, &mut flat);
    flat.into_iter()
        .map(|(key, value)| types::Setting { key, value })
        .collect()
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn flatten_table(prefix: &str, t: &toml::Table, out: &mut BTreeMap<String, types::SettingValue>) {
    if t.is_empty() && !prefix.is_empty() {
        out.insert(prefix.to_string(), types::SettingValue::EmptyTable);
    }
    for (k, v) in t {
        flatten_value(&join(prefix, k), v, out);
    }
}

fn flatten_value(key: &str, v: &toml::Value, out: &mut BTreeMap<String, types::SettingValue>) {
    match v {
        toml::Value::Table(t) => flatten_table(key, t, out),
        toml::Value::Array(a) => {
            let scalars: Option<Vec<types::Scalar>> = a.iter().map(scalar).collect();
            match scalars {
                Some(list) => {
                    out.insert(key.to_string(), types::SettingValue::Array(list));
                }
                None => {
                    for (i, e) in a.iter().enumerate() {
                        flatten_value(&join(key, &i.to_string()), e, out);
                    }
                }
            }
        }
        other => {
            if let Some(s) = scalar(other) {
                out.insert(key.to_string(), types::SettingValue::Scalar(s));
            }
        }
    }
}

fn scalar(v: &toml::Value) -> Option<types::Scalar> {
    Some(match v {
        toml::Value::Boolean(b) => types::Scalar::Boolean(*b),
        toml::Value::Integer(i) => types::Scalar::Integer(*i),
        toml::Value::Float(f) => types::Scalar::Float(*f),
        toml::Value::String(s) => types::Scalar::Text(s.clone()),
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => types::Scalar::Date(types::Date {
                year: d.year as i16,
                month: d.month,
                day: d.day,
            }),
            _ => types::Scalar::Datetime(dt.to_string()),
        },
        toml::Value::Array(_) | toml::Value::Table(_) => return None,
    })
}

/// The parts of a group's policy a plugin may see.
pub fn group(g: &Group) -> types::Group {
    types::Group {
        id: g.id.clone(),
        name: g.name.clone(),
        format: g.format.clone(),
        members: g.members.clone(),
        cadence: cadence_out(g.cadence),
        duration_minutes: g.duration_minutes,
        days: g.days.iter().copied().map(weekday_out).collect(),
        earliest: time_out(g.earliest),
        latest: time_out(g.latest),
        quorum: g.quorum,
        required_roles: g.required_roles.iter().map(role_out).collect(),
        purpose: g.charter.purpose.clone(),
        boundaries: g.charter.boundaries.clone(),
        size_limit: g.charter.size_limit,
        time_zone: g.zone.name.clone(),
        settings: settings_out(&g.settings),
    }
}

fn role_out(r: &RequiredRole) -> types::RequiredRole {
    types::RequiredRole {
        tag: r.tag.clone(),
        min: r.min,
    }
}

/// What a plugin may know about the group's members: no email, no calendars.
fn members(g: &Group, people: &BTreeMap<String, Person>) -> Vec<types::Member> {
    g.members
        .iter()
        .filter_map(|id| people.get(id))
        .map(|p| types::Member {
            id: p.id.clone(),
            first_name: p.first_name().to_string(),
            tags: p.tags.clone(),
            site: p.site.clone(),
            start_date: p.start_date.map(date_out),
        })
        .collect()
}

fn assignment_out(r: &RoleAssignment) -> types::RoleAssignment {
    types::RoleAssignment {
        role: r.role.clone(),
        member: r.member.clone(),
    }
}

fn past_out(p: &PastSession) -> types::PastSession {
    types::PastSession {
        date: date_out(p.date),
        attendees: p.attendees.clone(),
        roles: p.roles.iter().map(assignment_out).collect(),
    }
}

/// A session request for the plugin.
pub fn session_request(r: &SessionRequest<'_>) -> guest::SessionRequest {
    guest::SessionRequest {
        group: group(r.group),
        index: r.index,
        date: date_out(r.date),
        start: time_out(r.start),
        attendees: r.attendees.to_vec(),
        absentees: r.absentees.to_vec(),
        history: r.history.iter().map(past_out).collect(),
        members: members(r.group, r.people),
    }
}

/// A series request for the plugin: the group and its members once, then
/// every session in index order.
pub fn series_request(r: &SeriesRequest<'_>) -> guest::SeriesRequest {
    guest::SeriesRequest {
        group: group(r.group),
        members: members(r.group, r.people),
        items: r
            .items
            .iter()
            .map(|i| match i {
                SeriesItem::Fixed(p) => guest::SeriesItem::Fixed(past_out(p)),
                SeriesItem::Plan(s) => guest::SeriesItem::Plan(guest::SeriesSession {
                    index: s.index,
                    date: date_out(s.date),
                    start: time_out(s.start),
                    attendees: s.attendees.clone(),
                    absentees: s.absentees.clone(),
                }),
            })
            .collect(),
    }
}

/// A partition request for the plugin.
pub fn partition_request(r: &PartitionRequest<'_>) -> guest::PartitionRequest {
    guest::PartitionRequest {
        group: group(r.group),
        cycle: r.cycle,
        week_start: date_out(r.week_start),
        eligible: r.members.to_vec(),
        history: r.history.to_vec(),
        members: members(r.group, r.people),
    }
}

fn deadline_out(d: &Deadline) -> types::Deadline {
    types::Deadline {
        label: d.label.clone(),
        days_before: d.days_before,
        role: d.role.clone(),
    }
}

/// A plan as the plugin made it (for reminders).
pub fn plan_out(p: &SessionPlan) -> guest::SessionPlan {
    guest::SessionPlan {
        title: p.title.clone(),
        agenda: p
            .agenda
            .iter()
            .map(|a| types::AgendaItem {
                minutes: a.minutes,
                title: a.title.clone(),
                detail: a.detail.clone(),
            })
            .collect(),
        roles: p.roles.iter().map(assignment_out).collect(),
        notes: p.notes.clone(),
        deadlines: p.deadlines.iter().map(deadline_out).collect(),
    }
}

/// A reminder request for the plugin.
pub fn reminder_request(r: &ReminderRequest<'_>) -> guest::ReminderRequest {
    let kind = match &r.kind {
        ReminderKind::Upcoming(m) => guest::ReminderKind::Upcoming(*m),
        ReminderKind::RoleNotice(role) => guest::ReminderKind::RoleNotice(role.clone()),
        ReminderKind::Deadline(d) => guest::ReminderKind::Deadline(deadline_out(d)),
        ReminderKind::Moved(t) => guest::ReminderKind::Moved(time_out(*t)),
        ReminderKind::Cancelled(why) => guest::ReminderKind::Cancelled(why.clone()),
    };
    guest::ReminderRequest {
        group: group(r.group),
        kind,
        recipient: r.recipient.to_string(),
        recipient_first_name: r.recipient_first_name.to_string(),
        date: date_out(r.date),
        start: time_out(r.start),
        end: time_out(r.end),
        plan: plan_out(r.plan),
        recipient_roles: r.recipient_roles.to_vec(),
    }
}

/// The plugin's description.
pub fn info_in(i: guest::FormatInfo) -> FormatInfo {
    FormatInfo {
        name: i.name,
        version: i.version,
        summary: i.summary,
        settings: i
            .settings
            .into_iter()
            .map(|s| SettingInfo {
                key: s.key,
                kind: s.kind,
                default: s.default,
                doc: s.doc,
            })
            .collect(),
    }
}

/// The plugin's diagnostics.
pub fn diagnostics_in(list: Vec<types::Diagnostic>) -> Vec<SettingDiagnostic> {
    list.into_iter()
        .map(|d| SettingDiagnostic {
            key: d.key,
            message: d.message,
            hint: d.hint,
        })
        .collect()
}

/// The plugin's schedule requirements, with dates and times checked.
pub fn requirements_in(r: guest::ScheduleRequirements) -> Result<Requirements, InvalidData> {
    let window = match r.window {
        Some(w) => Some(Window {
            days: w.days.into_iter().map(weekday_in).collect(),
            earliest: time_in(&w.earliest, WindowEdge::Start)?,
            latest: time_in(&w.latest, WindowEdge::End)?,
        }),
        None => None,
    };
    Ok(Requirements {
        duration_minutes: r.duration_minutes,
        cadence: cadence_in(r.cadence)?,
        quorum: r.quorum,
        required_roles: r
            .required_roles
            .into_iter()
            .map(|x| RequiredRole {
                tag: x.tag,
                min: x.min,
            })
            .collect(),
        min_size: r.min_size,
        max_size: r.max_size,
        window,
    })
}

/// The plugin's plan.
pub fn plan_in(p: guest::SessionPlan) -> SessionPlan {
    SessionPlan {
        title: p.title,
        agenda: p
            .agenda
            .into_iter()
            .map(|a| AgendaItem {
                minutes: a.minutes,
                title: a.title,
                detail: a.detail,
            })
            .collect(),
        roles: p
            .roles
            .into_iter()
            .map(|r| RoleAssignment {
                role: r.role,
                member: r.member,
            })
            .collect(),
        notes: p.notes,
        deadlines: p
            .deadlines
            .into_iter()
            .map(|d| Deadline {
                label: d.label,
                days_before: d.days_before,
                role: d.role,
            })
            .collect(),
    }
}

/// The plugin's reminder text.
pub fn reminder_in(t: guest::ReminderText) -> ReminderText {
    ReminderText {
        subject: t.subject,
        body: t.body,
    }
}

#[cfg(test)]
mod tests;
