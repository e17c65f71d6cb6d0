//! `debrief`: short low-impact debriefing check-ins.
//!
//! Two to four colleagues take 10–20 minutes after hard work to put it down
//! together, using low-impact processing: ask for consent before sharing,
//! give a content warning, and share feelings and thoughts, not graphic
//! details. Optionally one member in turn is the listener who keeps time and
//! the guidance.

use super::rotation::next_in_rotation;
use super::settings::{boolean, check_bool, split_minutes, unknown};
use super::{
    AgendaItem, Format, FormatError, FormatInfo, Requirements, RoleAssignment, SessionPlan,
    SessionRequest, SettingDiagnostic, SettingInfo,
};
use crate::model::Group;

/// The built-in debriefing format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Debrief;

impl Debrief {
    /// The format's name in policy files.
    pub const NAME: &'static str = "debrief";
}

/// The role of the member who listens and keeps the guidance, when enabled.
pub const LISTENER_ROLE: &str = "listener";

/// The guidance every debrief carries in its notes.
pub const GUIDANCE: &str = "Low-impact debriefing: before you share, ask \"Is now a good time \
     to tell you about something hard?\" and wait for a yes (consent). Give a content warning: \
     say in one line what it is about before you start. Share feelings and thoughts, not \
     details: leave out graphic or identifying details of what happened. Listeners may say \
     \"that's enough detail for me\" at any time. Peer support, not therapy: if someone needs \
     more than peers can give, point them to the escalation contacts below.";

fn settings_info() -> Vec<SettingInfo> {
    vec![
        SettingInfo {
            key: "listener".to_string(),
            kind: "boolean".to_string(),
            default: "false".to_string(),
            doc: "Name one attendee per session, in turn, as the listener who keeps time and the \
                  low-impact guidance."
                .to_string(),
        },
        SettingInfo {
            key: "check_out".to_string(),
            kind: "boolean".to_string(),
            default: "true".to_string(),
            doc: "End with a short check-out: one thing each person will do to look after \
                  themselves today."
                .to_string(),
        },
    ]
}

impl Format for Debrief {
    fn describe(&self) -> FormatInfo {
        FormatInfo {
            name: Self::NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            summary: "Low-impact debriefing check-in: 10-20 minutes with consent, a content \
                      warning, and feelings, not details."
                .to_string(),
            settings: settings_info(),
        }
    }

    fn validate(&self, settings: &toml::Table) -> Vec<SettingDiagnostic> {
        let mut out = Vec::new();
        for (key, value) in settings {
            match key.as_str() {
                "listener" | "check_out" => check_bool(key, value, &mut out),
                other => out.push(unknown(Self::NAME, other, &settings_info())),
            }
        }
        out
    }

    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError> {
        Ok(Requirements {
            duration_minutes: group.duration_minutes,
            cadence: group.cadence,
            quorum: group.quorum,
            required_roles: group.required_roles.clone(),
            min_size: 2,
            max_size: Some(group.charter.size_limit.unwrap_or(4)),
            window: None,
        })
    }

    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError> {
        let s = &request.group.settings;
        let check_out = boolean(s, "check_out", true);
        let mut roles = Vec::new();
        if boolean(s, "listener", false)
            && let Some(m) = next_in_rotation(request, LISTENER_ROLE)
        {
            roles.push(RoleAssignment {
                role: LISTENER_ROLE.to_string(),
                member: m,
            });
        }
        let weights: &[u32] = if check_out { &[1, 4, 1] } else { &[1, 5] };
        let minutes = split_minutes(request.group.duration_minutes, weights);
        let mut agenda = vec![
            AgendaItem {
                minutes: minutes[0],
                title: "Consent and content warning".to_string(),
                detail: "Ask whether now is a good time, and say in one line what it is about \
                         before sharing."
                    .to_string(),
            },
            AgendaItem {
                minutes: minutes[1],
                title: "Feelings, not details".to_string(),
                detail: "Each person who wants to says how it was for them: feelings and \
                         thoughts, not graphic details."
                    .to_string(),
            },
        ];
        if check_out {
            agenda.push(AgendaItem {
                minutes: minutes[2],
                title: "Check-out".to_string(),
                detail: "One thing each of you will do to look after yourself today.".to_string(),
            });
        }
        Ok(SessionPlan {
            title: format!("{} — debrief", request.group.name),
            agenda,
            roles,
            notes: GUIDANCE.to_string(),
            deadlines: Vec::new(),
        })
    }
}
