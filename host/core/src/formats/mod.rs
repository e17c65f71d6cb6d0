//! Group formats: how a session is structured, what it needs from the
//! schedule, and who takes which role.
//!
//! [`Format`] is the boundary the WebAssembly plugin interface mirrors: every
//! input and output is plain data, so a plugin can implement the same calls.

use jiff::civil::{Date, Time, Weekday};

use crate::model::{Cadence, Group, RequiredRole};

/// What a format says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatInfo {
    /// The name groups use in their policy's `format`.
    pub name: String,
    /// The format's version.
    pub version: String,
    /// One paragraph on what the format is for.
    pub summary: String,
    /// The keys its `[settings]` table accepts.
    pub settings: Vec<SettingInfo>,
}

#[derive(Debug, Clone, PartialEq)]
/// One key of a format's `[settings]` table.
pub struct SettingInfo {
    /// The key in `[settings]`.
    pub key: String,
    /// e.g. "integer", "string", "boolean", "array of strings".
    pub kind: String,
    /// The value used when the key is absent, as written in TOML.
    pub default: String,
    /// What the setting does.
    pub doc: String,
}

/// A problem with a group's `[settings]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingDiagnostic {
    /// Dotted path inside `[settings]`, e.g. `strategy_topics` (empty for the
    /// table itself). The config loader turns it into a file position.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is a hint.
    pub hint: Option<String>,
}

/// What a group needs from the schedule, after the format has applied its
/// own defaults to the group's policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirements {
    /// Length of each session.
    pub duration_minutes: u32,
    /// How often the group meets.
    pub cadence: Cadence,
    /// Attendees a session needs to take place.
    pub quorum: u32,
    /// Roles that must attend each session, with their minimum counts.
    pub required_roles: Vec<RequiredRole>,
    /// Fewest members the group may have.
    pub min_size: u32,
    /// Most members the group may have, if limited.
    pub max_size: Option<u32>,
    /// Narrows the group's policy window; `None` keeps it. The planner
    /// intersects it with the policy, so a format can only narrow.
    pub window: Option<Window>,
}

/// A local window sessions must fall in, in the group's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Weekdays sessions may fall on.
    pub days: Vec<Weekday>,
    /// Earliest local start.
    pub earliest: Time,
    /// Latest local end.
    pub latest: Time,
}

impl Requirements {
    /// The group's policy as it is: its duration, cadence, quorum, roles and
    /// window; at least two members; the charter's size limit.
    pub fn from_policy(group: &Group) -> Requirements {
        Requirements {
            duration_minutes: group.duration_minutes,
            cadence: group.cadence,
            quorum: group.quorum,
            required_roles: group.required_roles.clone(),
            min_size: 2,
            max_size: group.charter.size_limit,
            window: None,
        }
    }

    /// The window sessions may fall in: the group's policy window, narrowed
    /// by the format's (days in both; the later start, the earlier end).
    pub fn effective_window(&self, group: &Group) -> Window {
        let Some(w) = &self.window else {
            return Window {
                days: group.days.clone(),
                earliest: group.earliest,
                latest: group.latest,
            };
        };
        Window {
            days: group
                .days
                .iter()
                .copied()
                .filter(|d| w.days.contains(d))
                .collect(),
            earliest: group.earliest.max(w.earliest),
            latest: group.latest.min(w.latest),
        }
    }
}

/// A past session of the same group, for rotations.
#[derive(Debug, Clone, PartialEq)]
pub struct PastSession {
    /// Local date of the session in the group's zone.
    pub date: Date,
    /// Members who attended, in the group's member order.
    pub attendees: Vec<String>,
    /// Roles held that session.
    pub roles: Vec<RoleAssignment>,
}

/// Everything a format may look at to plan one session.
#[derive(Debug, Clone)]
pub struct SessionRequest<'a> {
    /// The group being planned.
    pub group: &'a Group,
    /// 0-based index of the session in the series.
    pub index: u32,
    /// Local date of the session in the group's zone.
    pub date: Date,
    /// Local start time in the group's zone.
    pub start: Time,
    /// Members who can attend, in the group's member order.
    pub attendees: &'a [String],
    /// Members who cannot attend this time.
    pub absentees: &'a [String],
    /// Earlier sessions of this series, oldest first.
    pub history: &'a [PastSession],
    /// Everyone, by id (for role tags such as an accredited leader).
    pub people: &'a std::collections::BTreeMap<String, crate::model::Person>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
/// One member holding one role in one session.
pub struct RoleAssignment {
    /// e.g. "strategy", "facilitator".
    pub role: String,
    /// The member's id.
    pub member: String,
}

/// One timed phase of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct AgendaItem {
    /// Minutes the phase takes.
    pub minutes: u32,
    /// The phase's title.
    pub title: String,
    /// What happens in it.
    pub detail: String,
}

/// A format's plan for one session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionPlan {
    /// The session's title.
    pub title: String,
    /// The session's timed phases, in order.
    pub agenda: Vec<AgendaItem>,
    /// Who holds which role this session.
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
    /// The group being split.
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

/// Why a reminder is being composed.
#[derive(Debug, Clone, PartialEq)]
pub enum ReminderKind {
    /// A reminder this many minutes before the start.
    Upcoming(u32),
    /// The recipient holds this role this session.
    RoleNotice(String),
    /// A preparation deadline is due.
    Deadline(Deadline),
    /// The session moved from its series time (the old local start).
    Moved(Time),
    /// The session was cancelled; the reason, if known.
    Cancelled(Option<String>),
}

/// A message about one session to one member.
#[derive(Debug, Clone)]
pub struct ReminderRequest<'a> {
    /// The session's group.
    pub group: &'a Group,
    /// Why the message is composed.
    pub kind: ReminderKind,
    /// Recipient's member id.
    pub recipient: &'a str,
    /// The recipient's first name, for the greeting.
    pub recipient_first_name: &'a str,
    /// Local date, start and end in the group's zone.
    pub date: Date,
    /// Local start time in the group's zone.
    pub start: Time,
    /// Local end time in the group's zone.
    pub end: Time,
    /// The session's plan as `plan_session` made it.
    pub plan: &'a SessionPlan,
    /// The recipient's roles this session (may be empty).
    pub recipient_roles: &'a [String],
}

/// A format's text for a reminder: a subject and a plain-text body. The
/// host adds the charter, escalation contacts and place after the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderText {
    /// The mail subject.
    pub subject: String,
    /// The plain-text body, with `\n` line breaks.
    pub body: String,
}

/// An error a format reports for one group; it affects only that group.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("format `{format}` failed for group `{group}`: {message}")]
pub struct FormatError {
    /// The format's name.
    pub format: String,
    /// The group's id.
    pub group: String,
    /// What went wrong; never the text of a calendar event.
    pub message: String,
}

/// A group format. Implementations must be deterministic: the same request
/// gives the same plan.
pub trait Format: Send + Sync {
    /// The format's name, version, summary and settings.
    fn describe(&self) -> FormatInfo;

    /// Checks the group's `[settings]` table; an empty list means valid.
    fn validate(&self, settings: &toml::Table) -> Vec<SettingDiagnostic>;

    /// Checks the group's `[settings]` table with the rest of its policy in
    /// view (e.g. a duration the format cannot fit). The config loader calls
    /// this one; the default checks the settings alone.
    fn validate_group(&self, group: &Group) -> Vec<SettingDiagnostic> {
        self.validate(&group.settings)
    }

    /// What the group needs from the schedule. An error blocks only this
    /// group.
    fn requirements(&self, group: &Group) -> Result<Requirements, FormatError>;

    /// Plans one session: title, agenda, roles.
    fn plan_session(&self, request: &SessionRequest<'_>) -> Result<SessionPlan, FormatError>;

    /// Plans the [`SeriesItem::Plan`] sessions of a series, in order, each
    /// exactly as [`Format::plan_session`] would with as history the items
    /// before it (a fixed one as given, a planned one with its attendees and
    /// the roles planned for it); stops at the first error. The default
    /// does just that, one `plan_session` after another.
    fn plan_series(&self, request: &SeriesRequest<'_>) -> Result<Vec<SessionPlan>, FormatError> {
        series::one_by_one(self, request)
    }

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

    /// Composes the text of a reminder or role notice. `None`, the default,
    /// means the host's standard text.
    fn compose_reminder(
        &self,
        request: &ReminderRequest<'_>,
    ) -> Result<Option<ReminderText>, FormatError> {
        let _ = request;
        Ok(None)
    }

    /// A planning pass begins (see [`Formats::pass`]): until the matching
    /// [`Format::end_pass`], the format may reuse work between calls about
    /// the same group, as long as every answer stays what a fresh call would
    /// give. The default does nothing.
    fn begin_pass(&self) {}

    /// The planning pass begun by [`Format::begin_pass`] ends: anything kept
    /// for it is dropped. The default does nothing.
    fn end_pass(&self) {}
}

/// An open planning pass over every format of a [`Formats`]; dropping it
/// ends the pass.
#[must_use = "the pass ends when this is dropped"]
pub struct Pass<'f> {
    formats: &'f Formats,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        for f in self.formats.by_name.values() {
            f.end_pass();
        }
    }
}

mod balint;
mod buddies;
mod checkin;
mod debrief;
mod pairing;
mod rotation;
mod schwartz;
mod series;
mod settings;
#[cfg(test)]
mod test_group;

pub use balint::Balint;
pub use buddies::Buddies;
pub use checkin::CheckIn;
pub use debrief::Debrief;
pub use rotation::{next_in_rotation, rotate};
pub use schwartz::SchwartzRounds;
pub use series::{SeriesItem, SeriesRequest, SeriesSession, one_by_one};

/// The planning moment shared by every plugin of one [`Formats`]: the time
/// the host plans "as of" (the pipeline's `now`), never the wall clock.
#[derive(Debug, Clone, Default)]
pub struct PlanningClock(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl PlanningClock {
    /// The planning moment (the Unix epoch until one is set).
    pub fn get(&self) -> jiff::Timestamp {
        let secs = self.0.load(std::sync::atomic::Ordering::Relaxed);
        jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Sets the planning moment (whole seconds).
    pub fn set(&self, now: jiff::Timestamp) {
        self.0
            .store(now.as_second(), std::sync::atomic::Ordering::Relaxed);
    }
}

/// The formats groups can use, by name: the built-in ones and the plugins
/// named in `peerwell.toml`.
pub struct Formats {
    by_name: std::collections::BTreeMap<String, Box<dyn Format>>,
    /// Plugins that could not be loaded, by name, with the reason.
    broken: std::collections::BTreeMap<String, String>,
    clock: PlanningClock,
}

/// The names of the built-in formats, sorted.
pub const BUILTIN_NAMES: [&str; 5] = [
    Balint::NAME,
    Buddies::NAME,
    CheckIn::NAME,
    Debrief::NAME,
    SchwartzRounds::NAME,
];

impl Formats {
    /// Only the built-in formats.
    pub fn builtin() -> Formats {
        let mut by_name: std::collections::BTreeMap<String, Box<dyn Format>> =
            std::collections::BTreeMap::new();
        by_name.insert(CheckIn::NAME.to_string(), Box::new(CheckIn));
        by_name.insert(Buddies::NAME.to_string(), Box::new(Buddies));
        by_name.insert(Balint::NAME.to_string(), Box::new(Balint));
        by_name.insert(SchwartzRounds::NAME.to_string(), Box::new(SchwartzRounds));
        by_name.insert(Debrief::NAME.to_string(), Box::new(Debrief));
        Formats {
            by_name,
            broken: std::collections::BTreeMap::new(),
            clock: PlanningClock::default(),
        }
    }

    /// The format called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&dyn Format> {
        self.by_name.get(name).map(|f| f.as_ref())
    }

    /// Names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// Adds (or replaces) a format under `name`.
    pub fn insert(&mut self, name: &str, format: Box<dyn Format>) {
        self.broken.remove(name);
        self.by_name.insert(name.to_string(), format);
    }

    /// Adds a plugin that could not be loaded: `format` answers every call
    /// with `reason`, so its groups are blocked, and [`Formats::broken`]
    /// lists it for `peerwell check`.
    pub fn insert_broken(&mut self, name: &str, format: Box<dyn Format>, reason: String) {
        self.by_name.insert(name.to_string(), format);
        self.broken.insert(name.to_string(), reason);
    }

    /// Plugins that could not be loaded, by name, with the reason, sorted.
    pub fn broken(&self) -> impl Iterator<Item = (&str, &str)> {
        self.broken.iter().map(|(n, r)| (n.as_str(), r.as_str()))
    }

    /// The planning moment every plugin sees through its `now` import.
    pub fn clock(&self) -> &PlanningClock {
        &self.clock
    }

    /// Sets the planning moment (the pipeline's `now` or `--now`).
    pub fn set_planning_time(&self, now: jiff::Timestamp) {
        self.clock.set(now);
    }

    /// Opens a planning pass on every format until the returned guard is
    /// dropped: plugins keep one warm instance per group and remember
    /// answers that cannot change within the pass (see
    /// `PluginFormat` in `peerwell-plugins`). Passes may nest.
    pub fn pass(&self) -> Pass<'_> {
        for f in self.by_name.values() {
            f.begin_pass();
        }
        Pass { formats: self }
    }
}

impl Default for Formats {
    fn default() -> Self {
        Formats::builtin()
    }
}

impl std::fmt::Debug for Formats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// Two registries are equal when they offer the same format names.
impl PartialEq for Formats {
    fn eq(&self, other: &Self) -> bool {
        self.names().eq(other.names())
    }
}
