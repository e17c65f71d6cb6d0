//! Group formats: how a session is structured, what it needs from the
//! schedule, and who takes which role.
//!
//! [`Format`] is the boundary the WebAssembly plugin interface mirrors: every
//! input and output is plain data, so a plugin can implement the same calls.

use jiff::civil::Date;

use crate::model::{Cadence, Group, RequiredRole};

/// What a format says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatInfo {
    pub name: String,
    pub version: String,
    pub summary: String,
    /// The keys its `[settings]` table accepts.
    pub settings: Vec<SettingInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SettingInfo {
    pub key: String,
    /// e.g. "integer", "string", "boolean", "array of strings".
    pub kind: String,
    pub default: String,
    pub doc: String,
}

/// A problem with a group's `[settings]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingDiagnostic {
    /// Dotted path inside `[settings]`, e.g. `strategy_topics` (empty for the
    /// table itself). The config loader turns it into a file position.
    pub key: String,
    pub message: String,
    pub hint: Option<String>,
}

/// What a group needs from the schedule, after the format has applied its
/// own defaults to the group's policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirements {
    pub duration_minutes: u32,
    pub cadence: Cadence,
    pub quorum: u32,
    pub required_roles: Vec<RequiredRole>,
    pub min_size: u32,
    pub max_size: Option<u32>,
}

/// A past session of the same group, for rotations.
#[derive(Debug, Clone, PartialEq)]
pub struct PastSession {
    pub date: Date,
    pub attendees: Vec<String>,
    pub roles: Vec<RoleAssignment>,
}

/// Everything a format may look at to plan one session.
#[derive(Debug, Clone)]
pub struct SessionRequest<'a> {
    pub group: &'a Group,
    /// 0-based index of the session in the series.
    pub index: u32,
    /// Local date of the session in the group's zone.
    pub date: Date,
    /// Members who can attend, in the group's member order.
    pub attendees: &'a [String],
    /// Members who cannot attend this time.
    pub absentees: &'a [String],
    /// Earlier sessions of this series, oldest first.
    pub history: &'a [PastSession],
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleAssignment {
    /// e.g. "strategy", "facilitator".
    pub role: String,
    pub member: String,
}

/// One timed phase of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaItem {
    pub minutes: u32,
    pub title: String,
    pub detail: String,
}

/// A format's plan for one session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionPlan {
    pub title: String,
    pub agenda: Vec<AgendaItem>,
    pub roles: Vec<RoleAssignment>,
    /// Format guidance for the description (e.g. "feelings, not details").
    pub notes: String,
    /// Preparation deadlines before the session (e.g. a Schwartz Round
    /// panel's 2-week and 1-week prep), for reminders.
    pub deadlines: Vec<Deadline>,
}

/// A preparation deadline before a session, exposed to reminders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// What is due, e.g. "panel prep meeting".
    pub label: String,
    /// Days before the session's start.
    pub days_before: u32,
    /// The role whose holders it concerns; `None` for every attendee.
    pub role: Option<String>,
}

/// Everything a format may look at to split a group for one cycle.
#[derive(Debug, Clone)]
pub struct PartitionRequest<'a> {
    pub group: &'a Group,
    /// 0-based cycle of the cadence.
    pub cycle: u32,
    /// First local date of the cycle's week (a Monday) in the group's zone.
    pub week_start: Date,
    /// Members who may take part this cycle (started, calendar readable),
    /// in the group's member order.
    pub members: &'a [String],
    /// Earlier cycles' subgroups, oldest first.
    pub history: &'a [Vec<Vec<String>>],
    /// Everyone, by id (for matching on site, tags and start date).
    pub people: &'a std::collections::BTreeMap<String, crate::model::Person>,
}

/// An error a format reports for one group; it affects only that group.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("format `{format}` failed for group `{group}`: {message}")]
pub struct FormatError {
    pub format: String,
    pub group: String,
    pub message: String,
}

/// A group format. Implementations must be deterministic: the same request
/// gives the same plan.
pub trait Format: Send + Sync {
    fn describe(&self) -> FormatInfo;

    /// Checks the group's `[settings]` table; an empty list means valid.
    fn validate(&self, settings: &toml::Table) -> Vec<SettingDiagnostic>;

    /// What the group needs from the schedule.
    fn requirements(&self, group: &Group) -> Requirements;

    /// Plans one session: title, agenda, roles.
    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError>;

    /// Splits the group into subgroups that meet separately this cycle,
    /// each at its own common free time (e.g. buddy pairs). `None`, the
    /// default, means the whole group meets together at its series time.
    fn partition(
        &self,
        request: &PartitionRequest<'_>,
    ) -> Result<Option<Vec<Vec<String>>>, FormatError> {
        let _ = request;
        Ok(None)
    }
}

mod checkin;

pub use checkin::CheckIn;

/// The formats groups can use, by name: the built-in ones, and later the
/// plugins named in `peerwell.toml`.
pub struct Formats {
    by_name: std::collections::BTreeMap<String, Box<dyn Format>>,
}

impl Formats {
    /// Only the built-in formats.
    pub fn builtin() -> Formats {
        let mut by_name: std::collections::BTreeMap<String, Box<dyn Format>> =
            std::collections::BTreeMap::new();
        by_name.insert(CheckIn::NAME.to_string(), Box::new(CheckIn));
        Formats { by_name }
    }

    pub fn get(&self, name: &str) -> Option<&dyn Format> {
        self.by_name.get(name).map(|f| f.as_ref())
    }

    /// Names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Adds (or replaces) a format under `name`.
    pub fn insert(&mut self, name: &str, format: Box<dyn Format>) {
        self.by_name.insert(name.to_string(), format);
    }
}
