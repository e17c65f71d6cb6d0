//! `check-in` as a plugin: the same settings, diagnostics, requirements and
//! plans as peerwell's built-in `host/src/formats/checkin.rs`.
//!
//! A small team meets at a time none of them sees clients. Each person checks
//! in about how they are doing and shares a success story from the past week;
//! each session one member, in turn, shares a strategy that helped them
//! practise mindfulness or build professional competence. The turn skips
//! absent members and goes to whoever has shared least.

use peerwell_plugin_sdk::rotation::next_in_rotation;
use peerwell_plugin_sdk::settings::{self, Settings};
use peerwell_plugin_sdk::{
    AgendaItem, Diagnostic, Format, FormatError, FormatInfo, Group, RoleAssignment, SessionPlan,
    SessionRequest, SettingInfo,
};

/// The check-in format.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckIn;

peerwell_plugin_sdk::export_format!(CheckIn);

/// The format's name.
pub const NAME: &str = "check-in";

/// The role of the member who shares a strategy this session.
pub const STRATEGY_ROLE: &str = "strategy";

const ACTIVITIES: &[&str] = &["walk", "sit-down", "video"];
const KNOWN: &[&str] = &["activity", "strategy_topics", "success_stories"];

struct Options {
    activity: String,
    topics: Vec<String>,
    success_stories: bool,
}

impl Options {
    /// Reads settings that `validate` has accepted; anything else falls back
    /// to the default.
    fn of(group: &Group) -> Options {
        let s = Settings::of(group);
        Options {
            activity: s.text("activity", "walk"),
            topics: s.strings("strategy_topics").unwrap_or_else(|| {
                vec![
                    "mindfulness".to_string(),
                    "professional competence".to_string(),
                ]
            }),
            success_stories: s.boolean("success_stories", true),
        }
    }
}

impl Format for CheckIn {
    fn describe(&self) -> FormatInfo {
        FormatInfo {
            name: NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            summary: "Peer check-in or walk: a check-in round, success stories, and one member \
                      in turn shares a strategy."
                .to_string(),
            settings: vec![
                SettingInfo::new(
                    "activity",
                    "string: walk | sit-down | video",
                    "\"walk\"",
                    "How the group meets; shapes the title and guidance.",
                ),
                SettingInfo::new(
                    "strategy_topics",
                    "array of strings",
                    "[\"mindfulness\", \"professional competence\"]",
                    "What the rotating strategy share may be about.",
                ),
                SettingInfo::new(
                    "success_stories",
                    "boolean",
                    "true",
                    "Whether each member shares a success story from the past week.",
                ),
            ],
        }
    }

    fn validate(&self, group: &Group) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (key, entry) in Settings::of(group).top_level() {
            let d = match key {
                "activity" => settings::check_one_of(key, entry, ACTIVITIES),
                "strategy_topics" => settings::check_strings(key, entry).map(|d| {
                    d.with_hint("e.g. strategy_topics = [\"mindfulness\", \"boundaries\"]")
                }),
                "success_stories" => settings::check_boolean(key, entry),
                other => Some(settings::unknown_key(NAME, other, KNOWN)),
            };
            out.extend(d);
        }
        out
    }

    fn plan_session(&self, request: &SessionRequest) -> Result<SessionPlan, FormatError> {
        let options = Options::of(&request.group);
        let sharer = next_in_rotation(request, STRATEGY_ROLE).ok_or_else(|| {
            FormatError::CannotPlan("no member can attend this session".to_string())
        })?;
        // `validate` rejects an empty list, but a plan must not panic on
        // settings that skipped validation.
        let topic = options
            .topics
            .get(request.index as usize % options.topics.len().max(1))
            .map_or("mindfulness", String::as_str);
        let agenda = agenda(request.group.duration_minutes, &options, topic);
        let title = match options.activity.as_str() {
            "walk" => format!("{} — peer walk", request.group.name),
            "video" => format!("{} — peer check-in (video)", request.group.name),
            _ => format!("{} — peer check-in", request.group.name),
        };
        let mut notes = String::from(
            "Peer support, not therapy: share how you are doing and what helped. Describe \
             feelings and thoughts, not the details of anyone's trauma. If someone needs more \
             than peers can give, point them to the escalation contacts below and keep \
             welcoming them.",
        );
        if options.activity == "walk" {
            notes.push_str(" Dress for the weather; a shorter loop is always fine.");
        }
        Ok(SessionPlan {
            title,
            agenda,
            roles: vec![RoleAssignment::new(STRATEGY_ROLE, sharer)],
            notes,
            deadlines: Vec::new(),
        })
    }
}

/// Splits the session into the check-in round, success stories and the
/// strategy share, so the phases add up to the whole duration.
fn agenda(duration: u32, options: &Options, topic: &str) -> Vec<AgendaItem> {
    let mut items = Vec::new();
    let phases = if options.success_stories { 3 } else { 2 };
    let minutes = peerwell_plugin_sdk::agenda::even(duration, phases);
    let share = minutes[phases - 1];
    items.push(AgendaItem {
        minutes: minutes[0],
        title: "Check-in round".to_string(),
        detail: "Each person says how they are doing this week.".to_string(),
    });
    if options.success_stories {
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
