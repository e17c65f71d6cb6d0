//! The generated bindings and the conversions between them and the SDK's
//! plain types. Not part of the SDK's API: [`export_format!`](crate::export_format)
//! is the only way in.

#![allow(missing_docs)]

wit_bindgen::generate!({
    world: "plugin",
    path: "../wit",
    default_bindings_module: "peerwell_plugin_sdk::__glue",
    pub_export_macro: true,
    export_macro_name: "__export_raw",
});

use exports::peerwell::format::format as f;
use peerwell::format::host as h;
use peerwell::format::types as t;

use crate::{Format, host};

/// Ties an exported marker type to the user's format.
pub trait Export {
    type F: Format + Default;
}

impl<E: Export> f::Guest for E {
    fn describe() -> f::FormatInfo {
        let info = E::F::default().describe();
        f::FormatInfo {
            name: info.name,
            version: info.version,
            summary: info.summary,
            settings: info
                .settings
                .into_iter()
                .map(|s| f::SettingInfo {
                    key: s.key,
                    kind: s.kind,
                    default: s.default,
                    doc: s.doc,
                })
                .collect(),
            sdk_version: Some(crate::SDK_VERSION.to_string()),
        }
    }

    fn validate(group: t::Group) -> Vec<t::Diagnostic> {
        E::F::default()
            .validate(&group.into())
            .into_iter()
            .map(|d| t::Diagnostic {
                key: d.key,
                message: d.message,
                hint: d.hint,
            })
            .collect()
    }

    fn requirements(group: t::Group) -> Result<f::ScheduleRequirements, t::FormatError> {
        let r = E::F::default()
            .requirements(&group.into())
            .map_err(t::FormatError::from)?;
        Ok(f::ScheduleRequirements {
            duration_minutes: r.duration_minutes,
            cadence: r.cadence.into(),
            quorum: r.quorum,
            required_roles: r.required_roles.into_iter().map(Into::into).collect(),
            window: r.window.map(|w| f::Window {
                days: w.days.into_iter().map(Into::into).collect(),
                earliest: w.earliest.into(),
                latest: w.latest.into(),
            }),
            min_size: r.min_size,
            max_size: r.max_size,
        })
    }

    fn plan_session(request: f::SessionRequest) -> Result<f::SessionPlan, t::FormatError> {
        let request = crate::SessionRequest {
            group: request.group.into(),
            index: request.index,
            date: request.date.into(),
            start: request.start.into(),
            attendees: request.attendees,
            absentees: request.absentees,
            history: request.history.into_iter().map(Into::into).collect(),
            members: request.members.into_iter().map(Into::into).collect(),
        };
        E::F::default()
            .plan_session(&request)
            .map(Into::into)
            .map_err(Into::into)
    }

    /// Plans the series by calling the format's `plan_session` for each
    /// session in turn, on one request whose history grows as it goes (the
    /// group and members are lifted once for the whole series).
    fn plan_series(request: f::SeriesRequest) -> f::SeriesPlans {
        let format = E::F::default();
        let mut session = crate::SessionRequest {
            group: request.group.into(),
            index: 0,
            date: Default::default(),
            start: Default::default(),
            attendees: Vec::new(),
            absentees: Vec::new(),
            history: Vec::with_capacity(request.items.len()),
            members: request.members.into_iter().map(Into::into).collect(),
        };
        let mut plans = Vec::with_capacity(request.items.len());
        for item in request.items {
            let s = match item {
                f::SeriesItem::Fixed(past) => {
                    session.history.push(past.into());
                    continue;
                }
                f::SeriesItem::Plan(s) => s,
            };
            session.index = s.index;
            session.date = s.date.into();
            session.start = s.start.into();
            session.attendees = s.attendees;
            session.absentees = s.absentees;
            match format.plan_session(&session) {
                Ok(plan) => {
                    session.history.push(crate::PastSession {
                        date: session.date,
                        attendees: std::mem::take(&mut session.attendees),
                        roles: plan.roles.clone(),
                    });
                    plans.push(plan.into());
                }
                Err(e) => {
                    return f::SeriesPlans {
                        plans,
                        error: Some(e.into()),
                    };
                }
            }
        }
        f::SeriesPlans { plans, error: None }
    }

    fn partition(request: f::PartitionRequest) -> Result<Option<Vec<Vec<String>>>, t::FormatError> {
        let request = crate::PartitionRequest {
            group: request.group.into(),
            cycle: request.cycle,
            week_start: request.week_start.into(),
            eligible: request.eligible,
            history: request.history,
            members: request.members.into_iter().map(Into::into).collect(),
        };
        E::F::default().partition(&request).map_err(Into::into)
    }

    fn compose_reminder(
        request: f::ReminderRequest,
    ) -> Result<Option<f::ReminderText>, t::FormatError> {
        let kind = match request.kind {
            f::ReminderKind::Upcoming(m) => crate::ReminderKind::Upcoming(m),
            f::ReminderKind::RoleNotice(r) => crate::ReminderKind::RoleNotice(r),
            f::ReminderKind::Deadline(d) => crate::ReminderKind::Deadline(d.into()),
            f::ReminderKind::Moved(t) => crate::ReminderKind::Moved(t.into()),
            f::ReminderKind::Cancelled(r) => crate::ReminderKind::Cancelled(r),
        };
        let request = crate::ReminderRequest {
            group: request.group.into(),
            kind,
            recipient: request.recipient,
            recipient_first_name: request.recipient_first_name,
            date: request.date.into(),
            start: request.start.into(),
            end: request.end.into(),
            plan: request.plan.into(),
            recipient_roles: request.recipient_roles,
        };
        E::F::default()
            .compose_reminder(&request)
            .map(|r| {
                r.map(|r| f::ReminderText {
                    subject: r.subject,
                    body: r.body,
                })
            })
            .map_err(Into::into)
    }
}

pub fn host_log(level: host::Level, message: &str) {
    let level = match level {
        host::Level::Debug => h::Level::Debug,
        host::Level::Info => h::Level::Info,
        host::Level::Warn => h::Level::Warn,
        host::Level::Error => h::Level::Error,
    };
    h::log(level, message);
}

pub fn host_now() -> host::Instant {
    let n = h::now();
    host::Instant {
        unix_seconds: n.unix_seconds,
        local_date: n.local_date.into(),
        local_time: n.local_time.into(),
    }
}

impl From<crate::FormatError> for t::FormatError {
    fn from(e: crate::FormatError) -> t::FormatError {
        match e {
            crate::FormatError::InvalidSettings(m) => t::FormatError::InvalidSettings(m),
            crate::FormatError::CannotPlan(m) => t::FormatError::CannotPlan(m),
            crate::FormatError::Unsupported => t::FormatError::Unsupported,
            crate::FormatError::Internal(m) => t::FormatError::Internal(m),
        }
    }
}

impl From<t::Date> for crate::Date {
    fn from(d: t::Date) -> crate::Date {
        crate::Date {
            year: d.year,
            month: d.month,
            day: d.day,
        }
    }
}

impl From<t::TimeOfDay> for crate::TimeOfDay {
    fn from(v: t::TimeOfDay) -> crate::TimeOfDay {
        crate::TimeOfDay {
            hour: v.hour,
            minute: v.minute,
        }
    }
}

impl From<crate::TimeOfDay> for t::TimeOfDay {
    fn from(v: crate::TimeOfDay) -> t::TimeOfDay {
        t::TimeOfDay {
            hour: v.hour,
            minute: v.minute,
        }
    }
}

impl From<t::Weekday> for crate::Weekday {
    fn from(w: t::Weekday) -> crate::Weekday {
        match w {
            t::Weekday::Monday => crate::Weekday::Monday,
            t::Weekday::Tuesday => crate::Weekday::Tuesday,
            t::Weekday::Wednesday => crate::Weekday::Wednesday,
            t::Weekday::Thursday => crate::Weekday::Thursday,
            t::Weekday::Friday => crate::Weekday::Friday,
            t::Weekday::Saturday => crate::Weekday::Saturday,
            t::Weekday::Sunday => crate::Weekday::Sunday,
        }
    }
}

impl From<crate::Weekday> for t::Weekday {
    fn from(w: crate::Weekday) -> t::Weekday {
        match w {
            crate::Weekday::Monday => t::Weekday::Monday,
            crate::Weekday::Tuesday => t::Weekday::Tuesday,
            crate::Weekday::Wednesday => t::Weekday::Wednesday,
            crate::Weekday::Thursday => t::Weekday::Thursday,
            crate::Weekday::Friday => t::Weekday::Friday,
            crate::Weekday::Saturday => t::Weekday::Saturday,
            crate::Weekday::Sunday => t::Weekday::Sunday,
        }
    }
}

impl From<t::Cadence> for crate::Cadence {
    fn from(c: t::Cadence) -> crate::Cadence {
        match c {
            t::Cadence::Weekly => crate::Cadence::Weekly,
            t::Cadence::EveryWeeks(n) => crate::Cadence::EveryWeeks(n),
            t::Cadence::MonthlyNth(n) => crate::Cadence::MonthlyNth(n),
        }
    }
}

impl From<crate::Cadence> for t::Cadence {
    fn from(c: crate::Cadence) -> t::Cadence {
        match c {
            crate::Cadence::Weekly => t::Cadence::Weekly,
            crate::Cadence::EveryWeeks(n) => t::Cadence::EveryWeeks(n),
            crate::Cadence::MonthlyNth(n) => t::Cadence::MonthlyNth(n),
        }
    }
}

impl From<t::RequiredRole> for crate::RequiredRole {
    fn from(r: t::RequiredRole) -> crate::RequiredRole {
        crate::RequiredRole {
            tag: r.tag,
            min: r.min,
        }
    }
}

impl From<crate::RequiredRole> for t::RequiredRole {
    fn from(r: crate::RequiredRole) -> t::RequiredRole {
        t::RequiredRole {
            tag: r.tag,
            min: r.min,
        }
    }
}

impl From<t::Scalar> for crate::Scalar {
    fn from(s: t::Scalar) -> crate::Scalar {
        match s {
            t::Scalar::Boolean(b) => crate::Scalar::Boolean(b),
            t::Scalar::Integer(i) => crate::Scalar::Integer(i),
            t::Scalar::Float(x) => crate::Scalar::Float(x),
            t::Scalar::Text(s) => crate::Scalar::Text(s),
            t::Scalar::Date(d) => crate::Scalar::Date(d.into()),
            t::Scalar::Datetime(s) => crate::Scalar::Datetime(s),
        }
    }
}

impl From<t::Group> for crate::Group {
    fn from(g: t::Group) -> crate::Group {
        crate::Group {
            id: g.id,
            name: g.name,
            format: g.format,
            members: g.members,
            cadence: g.cadence.into(),
            duration_minutes: g.duration_minutes,
            days: g.days.into_iter().map(Into::into).collect(),
            earliest: g.earliest.into(),
            latest: g.latest.into(),
            quorum: g.quorum,
            required_roles: g.required_roles.into_iter().map(Into::into).collect(),
            purpose: g.purpose,
            boundaries: g.boundaries,
            size_limit: g.size_limit,
            time_zone: g.time_zone,
            settings: g
                .settings
                .into_iter()
                .map(|s| crate::Setting {
                    key: s.key,
                    value: match s.value {
                        t::SettingValue::Scalar(v) => crate::SettingValue::Scalar(v.into()),
                        t::SettingValue::Array(a) => {
                            crate::SettingValue::Array(a.into_iter().map(Into::into).collect())
                        }
                        t::SettingValue::EmptyTable => crate::SettingValue::EmptyTable,
                    },
                })
                .collect(),
        }
    }
}

impl From<t::Member> for crate::Member {
    fn from(m: t::Member) -> crate::Member {
        crate::Member {
            id: m.id,
            first_name: m.first_name,
            tags: m.tags,
            site: m.site,
            start_date: m.start_date.map(Into::into),
        }
    }
}

impl From<t::RoleAssignment> for crate::RoleAssignment {
    fn from(r: t::RoleAssignment) -> crate::RoleAssignment {
        crate::RoleAssignment {
            role: r.role,
            member: r.member,
        }
    }
}

impl From<crate::RoleAssignment> for t::RoleAssignment {
    fn from(r: crate::RoleAssignment) -> t::RoleAssignment {
        t::RoleAssignment {
            role: r.role,
            member: r.member,
        }
    }
}

impl From<t::PastSession> for crate::PastSession {
    fn from(p: t::PastSession) -> crate::PastSession {
        crate::PastSession {
            date: p.date.into(),
            attendees: p.attendees,
            roles: p.roles.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<t::Deadline> for crate::Deadline {
    fn from(d: t::Deadline) -> crate::Deadline {
        crate::Deadline {
            label: d.label,
            days_before: d.days_before,
            role: d.role,
        }
    }
}

impl From<crate::Deadline> for t::Deadline {
    fn from(d: crate::Deadline) -> t::Deadline {
        t::Deadline {
            label: d.label,
            days_before: d.days_before,
            role: d.role,
        }
    }
}

impl From<f::SessionPlan> for crate::SessionPlan {
    fn from(p: f::SessionPlan) -> crate::SessionPlan {
        crate::SessionPlan {
            title: p.title,
            agenda: p
                .agenda
                .into_iter()
                .map(|a| crate::AgendaItem {
                    minutes: a.minutes,
                    title: a.title,
                    detail: a.detail,
                })
                .collect(),
            roles: p.roles.into_iter().map(Into::into).collect(),
            notes: p.notes,
            deadlines: p.deadlines.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<crate::SessionPlan> for f::SessionPlan {
    fn from(p: crate::SessionPlan) -> f::SessionPlan {
        f::SessionPlan {
            title: p.title,
            agenda: p
                .agenda
                .into_iter()
                .map(|a| t::AgendaItem {
                    minutes: a.minutes,
                    title: a.title,
                    detail: a.detail,
                })
                .collect(),
            roles: p.roles.into_iter().map(Into::into).collect(),
            notes: p.notes,
            deadlines: p.deadlines.into_iter().map(Into::into).collect(),
        }
    }
}
