//! Plain Rust mirrors of the records in `peerwell:format/format`: what the
//! calls take and return.

use crate::types::{
    AgendaItem, Cadence, Date, Deadline, Group, Member, PastSession, RequiredRole, RoleAssignment,
    TimeOfDay, Weekday,
};

/// One key the format's `[settings]` table accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingInfo {
    /// The key, e.g. `cases`.
    pub key: String,
    /// e.g. "integer", "string: walk | sit-down".
    pub kind: String,
    /// The default, as TOML text.
    pub default: String,
    /// One line on what it does.
    pub doc: String,
}

impl SettingInfo {
    /// A setting description.
    pub fn new(key: &str, kind: &str, default: &str, doc: &str) -> SettingInfo {
        SettingInfo {
            key: key.to_string(),
            kind: kind.to_string(),
            default: default.to_string(),
            doc: doc.to_string(),
        }
    }
}

/// What a format says about itself. The SDK adds its own version when it
/// hands this to the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatInfo {
    /// The format's own name, e.g. "structured-peer-supervision".
    pub name: String,
    /// The plugin's version (usually `env!("CARGO_PKG_VERSION")`).
    pub version: String,
    /// One line for `peerwell check` and subscribe pages.
    pub summary: String,
    /// The keys its `[settings]` table accepts.
    pub settings: Vec<SettingInfo>,
}

/// A local window sessions must fall in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Weekdays a session may be on.
    pub days: Vec<Weekday>,
    /// Earliest local start.
    pub earliest: TimeOfDay,
    /// Latest local end.
    pub latest: TimeOfDay,
}

/// What a group needs from the schedule once the format has applied its own
/// defaults to the group's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    /// Length of a session.
    pub duration_minutes: u32,
    /// How often the group meets.
    pub cadence: Cadence,
    /// Members who must be able to attend.
    pub quorum: u32,
    /// Roles that must be filled at every session.
    pub required_roles: Vec<RequiredRole>,
    /// Narrows the group's policy window; `None` keeps it.
    pub window: Option<Window>,
    /// Smallest group size.
    pub min_size: u32,
    /// Largest group size, if bounded.
    pub max_size: Option<u32>,
}

impl Requirements {
    /// The group's policy as is: its duration, cadence, quorum and roles,
    /// no narrower window, min-size 2 and max-size the charter's size limit.
    pub fn from_policy(group: &Group) -> Requirements {
        Requirements {
            duration_minutes: group.duration_minutes,
            cadence: group.cadence,
            quorum: group.quorum,
            required_roles: group.required_roles.clone(),
            window: None,
            min_size: 2,
            max_size: group.size_limit,
        }
    }
}

/// Everything a format may look at to plan one session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRequest {
    /// The group's policy.
    pub group: Group,
    /// 0-based index of the session in the series.
    pub index: u32,
    /// Local date of the session in the group's zone.
    pub date: Date,
    /// Local start time in the group's zone.
    pub start: TimeOfDay,
    /// Members who can attend, in the group's member order.
    pub attendees: Vec<String>,
    /// Members who cannot attend this time.
    pub absentees: Vec<String>,
    /// Earlier sessions of this series, oldest first.
    pub history: Vec<PastSession>,
    /// The group's members (attending or not).
    pub members: Vec<Member>,
}

impl SessionRequest {
    /// The member record for `id`, if the request carries it.
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }
}

/// A format's plan for one session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionPlan {
    /// The event's title.
    pub title: String,
    /// Timed phases; their minutes should add up to the duration.
    pub agenda: Vec<AgendaItem>,
    /// Who holds which role.
    pub roles: Vec<RoleAssignment>,
    /// Guidance for the description, e.g. "feelings, not details".
    pub notes: String,
    /// Preparation deadlines, for reminders.
    pub deadlines: Vec<Deadline>,
}

/// Everything a format may look at to split a group for one cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionRequest {
    /// The group's policy.
    pub group: Group,
    /// 0-based cycle of the cadence.
    pub cycle: u32,
    /// Monday of the cycle's week in the group's zone.
    pub week_start: Date,
    /// Members who may take part this cycle, in the group's member order.
    pub eligible: Vec<String>,
    /// Earlier cycles' subgroups, oldest first.
    pub history: Vec<Vec<Vec<String>>>,
    /// The group's members.
    pub members: Vec<Member>,
}

/// Why a message is being sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReminderKind {
    /// A reminder this many minutes before the start.
    Upcoming(u32),
    /// The recipient holds this role this session.
    RoleNotice(String),
    /// A preparation deadline is due.
    Deadline(Deadline),
    /// The session moved from its series time (the old local start).
    Moved(TimeOfDay),
    /// The session was cancelled; the reason, if known.
    Cancelled(Option<String>),
}

/// A message about one session to one member.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderRequest {
    /// The group's policy.
    pub group: Group,
    /// Why the message is sent.
    pub kind: ReminderKind,
    /// Recipient's member id.
    pub recipient: String,
    /// Recipient's first name.
    pub recipient_first_name: String,
    /// Local date of the session.
    pub date: Date,
    /// Local start.
    pub start: TimeOfDay,
    /// Local end.
    pub end: TimeOfDay,
    /// The session's plan as `plan_session` made it.
    pub plan: SessionPlan,
    /// The recipient's roles this time (may be empty).
    pub recipient_roles: Vec<String>,
}

/// Subject and plain-text body; the host adds charter, escalation resources
/// and place after the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderText {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}
