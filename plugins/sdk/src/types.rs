//! Plain Rust mirrors of the records in `peerwell:format/types`.
//!
//! These are what a plugin author reads and writes; the SDK converts them to
//! and from the generated bindings at the component boundary.

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date {
    /// The year, e.g. 2025.
    pub year: i16,
    /// 1..=12
    pub month: u8,
    /// 1..=31
    pub day: u8,
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A local time of day in the group's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TimeOfDay {
    /// 0..=23
    pub hour: u8,
    /// 0..=59
    pub minute: u8,
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// How often a group meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cadence {
    /// Every week.
    Weekly,
    /// Every n weeks (n >= 2), counted from the first week of the horizon.
    EveryWeeks(u32),
    /// Monthly on the n-th weekday of the month: 1..=4, or -1 for the last.
    MonthlyNth(i8),
}

/// A scalar value from a group's `[settings]` table.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// `true` or `false`.
    Boolean(bool),
    /// A TOML integer.
    Integer(i64),
    /// A TOML float.
    Float(f64),
    /// A TOML string.
    Text(String),
    /// A TOML local date.
    Date(Date),
    /// Any other TOML date-time, in its TOML text form.
    Datetime(String),
}

impl Scalar {
    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Text(s) => Some(s),
            _ => None,
        }
    }
}

/// A value from a group's `[settings]` table. Nested tables arrive flattened
/// to dotted keys (`a.b`), arrays of tables to indexed dotted keys (`a.0.b`);
/// arrays of scalars stay arrays.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    /// A single value.
    Scalar(Scalar),
    /// An array of scalars.
    Array(Vec<Scalar>),
    /// An empty table (`[settings.x]` with no keys).
    EmptyTable,
}

/// One entry of the flattened `[settings]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// Dotted path inside `[settings]`.
    pub key: String,
    /// Its value.
    pub value: SettingValue,
}

/// A role that must be filled at every session by a member carrying `tag`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequiredRole {
    /// The tag members need to fill the role.
    pub tag: String,
    /// At least this many members with the tag attend.
    pub min: u32,
}

/// The parts of a group's policy a format may look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Stable id (the policy file's name).
    pub id: String,
    /// Display name.
    pub name: String,
    /// The format name the group uses.
    pub format: String,
    /// Member ids in a stable order.
    pub members: Vec<String>,
    /// How often the group meets.
    pub cadence: Cadence,
    /// Length of a session.
    pub duration_minutes: u32,
    /// Weekdays a session may be on.
    pub days: Vec<Weekday>,
    /// Start of the local window sessions must fall in.
    pub earliest: TimeOfDay,
    /// End of the local window sessions must fall in.
    pub latest: TimeOfDay,
    /// Members who must be able to attend.
    pub quorum: u32,
    /// Roles that must be filled at every session.
    pub required_roles: Vec<RequiredRole>,
    /// The charter's purpose (may be empty).
    pub purpose: String,
    /// The charter's boundaries (may be empty).
    pub boundaries: String,
    /// The charter's size limit, if any.
    pub size_limit: Option<u32>,
    /// IANA name of the zone the series time is fixed in.
    pub time_zone: String,
    /// The flattened `[settings]` table, sorted by key.
    pub settings: Vec<Setting>,
}

/// What a format may know about a member: no email, no calendars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Member id.
    pub id: String,
    /// First name, for greetings.
    pub first_name: String,
    /// Tags such as `facilitator`.
    pub tags: Vec<String>,
    /// Site, if set.
    pub site: Option<String>,
    /// First day the member takes part, if set.
    pub start_date: Option<Date>,
}

impl Member {
    /// Whether the member carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// Who holds a role in a session.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleAssignment {
    /// e.g. "presenter", "moderator".
    pub role: String,
    /// Member id.
    pub member: String,
}

impl RoleAssignment {
    /// `member` holds `role`.
    pub fn new(role: impl Into<String>, member: impl Into<String>) -> RoleAssignment {
        RoleAssignment {
            role: role.into(),
            member: member.into(),
        }
    }
}

/// A past session of the same group, oldest first in histories.
#[derive(Debug, Clone, PartialEq)]
pub struct PastSession {
    /// Its local date.
    pub date: Date,
    /// Who attended.
    pub attendees: Vec<String>,
    /// Who held which role.
    pub roles: Vec<RoleAssignment>,
}

/// One timed phase of a session's agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaItem {
    /// Length in whole minutes.
    pub minutes: u32,
    /// Short title.
    pub title: String,
    /// One or two sentences on what happens.
    pub detail: String,
}

/// A preparation deadline before a session, used for reminders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// What is due, e.g. "case summary to the moderator".
    pub label: String,
    /// Days before the session's start.
    pub days_before: u32,
    /// The role whose holders it concerns; `None` for every attendee.
    pub role: Option<String>,
}

/// A problem with a group's `[settings]` table; the host points at `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Dotted path inside `[settings]`; empty for the table itself.
    pub key: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic for `key` with a hint.
    pub fn new(key: &str, message: impl Into<String>, hint: impl Into<String>) -> Diagnostic {
        Diagnostic {
            key: key.to_string(),
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// The same diagnostic with another hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

/// Expected failures of a call; they affect only the plugin's own groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The group's settings cannot be used (`validate` should have said so).
    InvalidSettings(String),
    /// No plan exists for this request, e.g. nobody may take a required role.
    CannotPlan(String),
    /// The format does not offer this call; the host uses its default.
    Unsupported,
    /// A bug in the plugin; the message is for its author.
    Internal(String),
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::InvalidSettings(m) => write!(f, "invalid settings: {m}"),
            FormatError::CannotPlan(m) => write!(f, "cannot plan: {m}"),
            FormatError::Unsupported => f.write_str("unsupported"),
            FormatError::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for FormatError {}
