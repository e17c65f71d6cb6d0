//! `check-in`: the peer check-in or walk from the seeds.
//!
//! A small team meets at a time none of them sees clients. Each person checks
//! in about how they are doing and shares a success story from the past week;
//! each session one member, in turn, shares a strategy that helped them
//! practise mindfulness or build professional competence. The turn skips
//! absent members and goes to whoever has shared least.

use super::rotation::next_in_rotation;
use super::{
    AgendaItem, Format, FormatError, FormatInfo, Requirements, RoleAssignment, SessionPlan,
    SessionRequest, SettingDiagnostic, SettingInfo,
};

use crate::model::Group;

/// The built-in check-in format.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckIn;

/// The role of the member who shares a strategy this session.
pub const STRATEGY_ROLE: &str = "strategy";

/// How the group meets: the `activity` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activity {
    /// A walk together.
    Walk,
    /// Sitting down together.
    SitDown,
    /// A video call.
    Video,
}

impl Activity {
    /// The activity a policy names, if it is one.
    fn parse(name: &str) -> Option<Activity> {
        match name {
            "walk" => Some(Activity::Walk),
            "sit-down" => Some(Activity::SitDown),
            "video" => Some(Activity::Video),
            _ => None,
        }
    }
}

struct Settings {
    activity: Activity,
    topics: Vec<String>,
    success_stories: bool,
}

impl Settings {
    /// Reads settings that `validate` has accepted; anything else falls back
    /// to the default.
    fn from_table(table: &toml::Table) -> Settings {
        let activity = table
            .get("activity")
            .and_then(|v| v.as_str())
            .map_or(Some(Activity::Walk), Activity::parse)
            // Settings that skipped validation plan as a plain check-in.
            .unwrap_or(Activity::SitDown);
        let topics = table
            .get("strategy_topics")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_else(|| {
                vec![
                    "mindfulness".to_string(),
                    "professional competence".to_string(),
                ]
            });
        let success_stories = table
            .get("success_stories")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        Settings {
            activity,
            topics,
            success_stories,
        }
    }
}

impl CheckIn {
    /// The format's name in policy files.
    pub const NAME: &'static str = "check-in";
}

impl Format for CheckIn {
    fn describe(&self) -> FormatInfo {
        FormatInfo {
            name: Self::NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            summary: "Peer check-in or walk: a check-in round, success stories, and one member \
                      in turn shares a strategy."
                .to_string(),
            settings: vec![
                SettingInfo {
                    key: "activity".to_string(),
                    kind: "string: walk | sit-down | video".to_string(),
                    default: "\"walk\"".to_string(),
                    doc: "How the group meets; shapes the title and guidance.".to_string(),
                },
                SettingInfo {
                    key: "strategy_topics".to_string(),
                    kind: "array of strings".to_string(),
                    default: "[\"mindfulness\", \"professional competence\"]".to_string(),
                    doc: "What the rotating strategy share may be about.".to_string(),
                },
                SettingInfo {
                    key: "success_stories".to_string(),
                    kind: "boolean".to_string(),
                    default: "true".to_string(),
                    doc: "Whether each member shares a success story from the past week."
                        .to_string(),
                },
            ],
        }
    }

    fn validate(&self, settings: &toml::Table) -> Vec<SettingDiagnostic> {
        let mut out = Vec::new();
        for (key, value) in settings {
            match key.as_str() {
                "activity" => match value.as_str() {
                    Some(a) if Activity::parse(a).is_some() => {}
                    _ => out.push(SettingDiagnostic {
                        key: key.clone(),
                        message: "expected one of \"walk\", \"sit-down\", \"video\"".to_string(),
                        hint: Some("e.g. activity = \"walk\"".to_string()),
                    }),
                },
                "strategy_topics" => {
                    let ok = value.as_array().is_some_and(|a| {
                        !a.is_empty()
                            && a.iter()
                                .all(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()))
                    });
                    if !ok {
                        out.push(SettingDiagnostic {
                            key: key.clone(),
                            message: "expected a non-empty array of non-empty strings".to_string(),
                            hint: Some(
                                "e.g. strategy_topics = [\"mindfulness\", \"boundaries\"]"
                                    .to_string(),
                            ),
                        });
                    }
                }
                "success_stories" => {
                    if value.as_bool().is_none() {
                        out.push(SettingDiagnostic {
                            key: key.clone(),
                            message: "expected a boolean".to_string(),
                            hint: Some("use true or false, without quotes".to_string()),
                        });
                    }
                }
                other => out.push(SettingDiagnostic {
                    key: other.to_string(),
                    message: format!("unknown setting `{other}` for format `check-in`"),
                    hint: Some(
                        "known settings: activity, strategy_topics, success_stories".to_string(),
                    ),
                }),
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
            max_size: group.charter.size_limit,
            window: None,
        })
    }

    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError> {
        let settings = Settings::from_table(&request.group.settings);
        let presenter = next_in_rotation(request, STRATEGY_ROLE).ok_or_else(|| FormatError {
            format: Self::NAME.to_string(),
            group: request.group.id.clone(),
            message: "no member can attend this session".to_string(),
        })?;
        // `validate` rejects an empty list, but a plan must not panic on
        // settings that skipped validation.
        let topic = settings
            .topics
            .get(request.index as usize % settings.topics.len().max(1))
            .map_or("mindfulness", String::as_str);
        let agenda = agenda(request.group.duration_minutes, &settings, topic);
        let title = match settings.activity {
            Activity::Walk => format!("{} — peer walk", request.group.name),
            Activity::Video => format!("{} — peer check-in (video)", request.group.name),
            Activity::SitDown => format!("{} — peer check-in", request.group.name),
        };
        let mut notes = String::from(
            "Peer support, not therapy: share how you are doing and what helped. Describe \
             feelings and thoughts, not the details of anyone's trauma. If someone needs more \
             than peers can give, point them to the escalation contacts below and keep \
             welcoming them.",
        );
        if settings.activity == Activity::Walk {
            notes.push_str(" Dress for the weather; a shorter loop is always fine.");
        }
        Ok(SessionPlan {
            title,
            agenda,
            roles: vec![RoleAssignment {
                role: STRATEGY_ROLE.to_string(),
                member: presenter,
            }],
            notes,
            deadlines: Vec::new(),
        })
    }
}

/// Splits the session into the check-in round, success stories and the
/// strategy share, so the phases add up to the whole duration.
fn agenda(duration: u32, settings: &Settings, topic: &str) -> Vec<AgendaItem> {
    let mut items = Vec::new();
    let phases = if settings.success_stories { 3 } else { 2 };
    let minutes = peerwell_rules::split::even(duration, phases);
    let share = minutes[phases - 1];
    items.push(AgendaItem {
        minutes: minutes[0],
        title: "Check-in round".to_string(),
        detail: "Each person says how they are doing this week.".to_string(),
    });
    if settings.success_stories {
        items.push(AgendaItem {
            minutes: share,
            title: "Success stories".to_string(),
            detail: "Each person shares one thing that went well in the past week.".to_string(),
        });
    }
    items.push(AgendaItem {
        minutes: share,
        title: "Strategy share".to_string(),
        detail: format!("This session's sharer offers a strategy for {topic}."),
    });
    items
}

#[cfg(test)]
mod tests;
