//! What a plugin returns is checked before peerwell uses it: its size
//! against the output limit, then its sense ("invalid data").

use std::collections::BTreeSet;

use jiff::civil::Time;

use super::bindings::{guest, types};
use peerwell_core::formats::{Requirements, SessionPlan};
use peerwell_core::model::Group;

/// Bytes a value lifted from the plugin occupies: string bytes plus list
/// elements, counted the same way for every call.
pub trait OutputSize {
    /// The size in bytes.
    fn output_size(&self) -> u64;
}

impl OutputSize for String {
    fn output_size(&self) -> u64 {
        self.len() as u64
    }
}

impl<T: OutputSize> OutputSize for Vec<T> {
    fn output_size(&self) -> u64 {
        self.iter().map(|x| 8 + x.output_size()).sum()
    }
}

impl<T: OutputSize> OutputSize for Option<T> {
    fn output_size(&self) -> u64 {
        self.as_ref().map_or(0, OutputSize::output_size)
    }
}

impl<T: OutputSize, E: OutputSize> OutputSize for Result<T, E> {
    fn output_size(&self) -> u64 {
        match self {
            Ok(t) => t.output_size(),
            Err(e) => e.output_size(),
        }
    }
}

impl OutputSize for guest::FormatInfo {
    fn output_size(&self) -> u64 {
        self.name.output_size()
            + self.version.output_size()
            + self.summary.output_size()
            + self.sdk_version.output_size()
            + self
                .settings
                .iter()
                .map(|s| {
                    8 + s.key.output_size()
                        + s.kind.output_size()
                        + s.default.output_size()
                        + s.doc.output_size()
                })
                .sum::<u64>()
    }
}

impl OutputSize for types::Diagnostic {
    fn output_size(&self) -> u64 {
        self.key.output_size() + self.message.output_size() + self.hint.output_size()
    }
}

impl OutputSize for types::FormatError {
    fn output_size(&self) -> u64 {
        match self {
            types::FormatError::InvalidSettings(s)
            | types::FormatError::CannotPlan(s)
            | types::FormatError::Internal(s) => s.output_size(),
            types::FormatError::Unsupported => 0,
        }
    }
}

impl OutputSize for guest::ScheduleRequirements {
    fn output_size(&self) -> u64 {
        let window = self.window.as_ref().map_or(0, |w| w.days.len() as u64);
        self.required_roles
            .iter()
            .map(|r| 8 + r.tag.output_size())
            .sum::<u64>()
            + window
    }
}

impl OutputSize for guest::SessionPlan {
    fn output_size(&self) -> u64 {
        self.title.output_size()
            + self.notes.output_size()
            + self
                .agenda
                .iter()
                .map(|a| 8 + a.title.output_size() + a.detail.output_size())
                .sum::<u64>()
            + self
                .roles
                .iter()
                .map(|r| 8 + r.role.output_size() + r.member.output_size())
                .sum::<u64>()
            + self
                .deadlines
                .iter()
                .map(|d| 8 + d.label.output_size() + d.role.output_size())
                .sum::<u64>()
    }
}

impl OutputSize for guest::ReminderText {
    fn output_size(&self) -> u64 {
        self.subject.output_size() + self.body.output_size()
    }
}

/// Why what a plugin returned cannot be used ("returned invalid data: …").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidData {
    /// A text is empty or holds a control character.
    #[error("{}", .fault.describe(.text))]
    Text {
        /// Which text.
        text: TextField,
        /// What is wrong with it.
        fault: Fault,
    },
    /// The agenda is longer than the session.
    #[error("the agenda takes {total} minutes, more than the session's {duration}")]
    AgendaTooLong {
        /// Minutes of all agenda items.
        total: u64,
        /// The session's minutes.
        duration: u32,
    },
    /// A role is given to someone not attending.
    #[error("role `{role}` is given to `{member}`, who is not attending this session")]
    RoleNotAttending {
        /// The role's name.
        role: String,
        /// The member it is given to.
        member: String,
    },
    /// A session length outside 1 to 1440 minutes.
    #[error("duration {0} minutes is not 1 to 1440")]
    Duration(u32),
    /// A quorum larger than the group.
    #[error("quorum {quorum} is more than the group's {members} members")]
    Quorum {
        /// The quorum asked for.
        quorum: u32,
        /// The group's members.
        members: u32,
    },
    /// A maximum group size below the minimum.
    #[error("group size bounds {min}..={max} are empty")]
    SizeBounds {
        /// The smallest size.
        min: u32,
        /// The largest size.
        max: u32,
    },
    /// A window that ends before it starts.
    #[error("the window {}–{} ends before it starts", .earliest.strftime("%H:%M"), .latest.strftime("%H:%M"))]
    WindowBackwards {
        /// The window's start.
        earliest: Time,
        /// The window's end.
        latest: Time,
    },
    /// A window shorter than one session.
    #[error(
        "the window {}–{} is shorter than the {}-minute session",
        .earliest.strftime("%H:%M"),
        .latest.strftime("%H:%M"),
        .minutes
    )]
    WindowTooShort {
        /// The window's start.
        earliest: Time,
        /// The window's end.
        latest: Time,
        /// The session's minutes.
        minutes: u32,
    },
    /// A time of day such as 24:00.
    #[error("{what} {hour}:{minute:02} is not a time of day")]
    TimeOfDay {
        /// Which time.
        what: WindowEdge,
        /// The hour given.
        hour: u8,
        /// The minute given.
        minute: u8,
    },
    /// `every-weeks(n)` outside 2 to 52.
    #[error("cadence every-weeks({0}) is not 2 to 52 weeks")]
    EveryWeeks(u32),
    /// `monthly-nth(n)` outside 1 to 4 and -1.
    #[error("cadence monthly-nth({0}) is not 1..=4 or -1")]
    MonthlyNth(i8),
    /// A subgroup member who may not meet this cycle.
    #[error("subgroup member `{0}` is not eligible this cycle")]
    NotEligible(String),
    /// A member in two subgroups.
    #[error("`{0}` is in more than one subgroup")]
    InTwoSubgroups(String),
    /// A reminder subject of several lines.
    #[error("the subject has more than one line")]
    SubjectLines,
    /// A `validate` diagnostic without a message.
    #[error("a diagnostic with an empty message")]
    EmptyDiagnostic,
    /// More plans than the series has sessions.
    #[error("{got} plans for a series of {sessions} sessions")]
    TooManyPlans {
        /// Plans returned.
        got: usize,
        /// Sessions asked for.
        sessions: usize,
    },
    /// Fewer plans than sessions, and no error saying why.
    #[error("{got} plans for a series of {sessions} sessions, and no error")]
    TooFewPlans {
        /// Plans returned.
        got: usize,
        /// Sessions asked for.
        sessions: usize,
    },
}

/// Which end of a window a time of day is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowEdge {
    /// The window's start.
    Start,
    /// The window's end.
    End,
}

impl std::fmt::Display for WindowEdge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WindowEdge::Start => "window start",
            WindowEdge::End => "window end",
        })
    }
}

/// A text a plugin returns, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// A plan's title.
    Title,
    /// A plan's notes.
    Notes,
    /// The title of agenda item n (1-based).
    AgendaTitle(usize),
    /// The detail of agenda item n (1-based).
    AgendaDetail(usize),
    /// A role's name in a plan.
    RoleName,
    /// A deadline's label.
    DeadlineLabel,
    /// A required role's tag.
    RequiredRoleTag,
    /// A reminder's subject.
    Subject,
    /// A reminder's body.
    Body,
    /// The name `describe()` gives.
    InfoName,
    /// The version `describe()` gives.
    InfoVersion,
    /// The summary `describe()` gives.
    InfoSummary,
    /// A setting's key in `describe()`.
    SettingKey,
    /// A setting's doc in `describe()`.
    SettingDoc,
}

impl std::fmt::Display for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextField::Title => f.write_str("the title"),
            TextField::Notes => f.write_str("the notes"),
            TextField::AgendaTitle(n) => write!(f, "agenda item {n} title"),
            TextField::AgendaDetail(n) => write!(f, "agenda item {n} detail"),
            TextField::RoleName => f.write_str("a role name"),
            TextField::DeadlineLabel => f.write_str("a deadline label"),
            TextField::RequiredRoleTag => f.write_str("a required role's tag"),
            TextField::Subject => f.write_str("the subject"),
            TextField::Body => f.write_str("the body"),
            TextField::InfoName => f.write_str("describe() name"),
            TextField::InfoVersion => f.write_str("describe() version"),
            TextField::InfoSummary => f.write_str("describe() summary"),
            TextField::SettingKey => f.write_str("a setting's key"),
            TextField::SettingDoc => f.write_str("a setting's doc"),
        }
    }
}

/// Text a plugin returns: not empty where `required`, and no control
/// characters except newline and tab.
fn text(field: TextField, s: &str, required: bool) -> Result<(), InvalidData> {
    match fault(s, required) {
        None => Ok(()),
        Some(fault) => Err(InvalidData::Text { text: field, fault }),
    }
}

/// What is wrong with a text a plugin returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Empty (or only white space) where a text is required.
    Empty,
    /// The first control character in it.
    Control(char),
}

impl Fault {
    fn describe(&self, what: &TextField) -> String {
        match self {
            Fault::Empty => format!("{what} is empty"),
            Fault::Control(c) => {
                format!("{what} contains the control character U+{:04X}", *c as u32)
            }
        }
    }
}

/// [`text`]'s check without naming the text: the first control character
/// (Unicode `Cc`: C0 but newline and tab, DEL, C1) found by scanning bytes,
/// since every one of them starts with a byte that appears in no other
/// character (C1 ones are `0xC2` followed by `0x80..=0x9F` in UTF-8).
fn fault(s: &str, required: bool) -> Option<Fault> {
    if required && s.trim().is_empty() {
        return Some(Fault::Empty);
    }
    let at = first_control(s.as_bytes())?;
    s.get(at..)
        .and_then(|rest| rest.chars().next())
        .map(Fault::Control)
}

/// Where the first control character starts. Blocks of 32 bytes are
/// screened without branches (the compiler vectorises it) for any byte that
/// may start one; only a block that has one is scanned byte by byte.
fn first_control(b: &[u8]) -> Option<usize> {
    let may_start = |c: u8| (c < 0x20) & (c != b'\n') & (c != b'\t') | (c == 0x7F) | (c == 0xC2);
    let starts = |i: usize| {
        let c = b[i];
        (c < 0x20 && c != b'\n' && c != b'\t')
            || c == 0x7F
            || (c == 0xC2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)))
    };
    let mut from = 0;
    for block in b.chunks(32) {
        let to = from + block.len();
        if block.iter().fold(false, |any, &c| any | may_start(c))
            && let Some(i) = (from..to).find(|&i| starts(i))
        {
            return Some(i);
        }
        from = to;
    }
    None
}

/// Checks a plan against the request: roles name attending members, the
/// agenda fits the session, the texts are clean.
pub fn plan(p: &SessionPlan, attendees: &[String], duration: u32) -> Result<(), InvalidData> {
    text(TextField::Title, &p.title, true)?;
    text(TextField::Notes, &p.notes, false)?;
    let mut total: u64 = 0;
    for (i, a) in p.agenda.iter().enumerate() {
        text(TextField::AgendaTitle(i + 1), &a.title, true)?;
        text(TextField::AgendaDetail(i + 1), &a.detail, false)?;
        total += u64::from(a.minutes);
    }
    if total > u64::from(duration) {
        return Err(InvalidData::AgendaTooLong { total, duration });
    }
    for r in &p.roles {
        text(TextField::RoleName, &r.role, true)?;
        if !attendees.contains(&r.member) {
            return Err(InvalidData::RoleNotAttending {
                role: r.role.clone(),
                member: r.member.clone(),
            });
        }
    }
    for d in &p.deadlines {
        text(TextField::DeadlineLabel, &d.label, true)?;
    }
    Ok(())
}

/// Checks requirements for sense against the group.
pub fn requirements(r: &Requirements, group: &Group) -> Result<(), InvalidData> {
    if !(1..=1440).contains(&r.duration_minutes) {
        return Err(InvalidData::Duration(r.duration_minutes));
    }
    let members = group.members.len() as u32;
    if r.quorum > members {
        return Err(InvalidData::Quorum {
            quorum: r.quorum,
            members,
        });
    }
    if let Some(max) = r.max_size
        && max < r.min_size
    {
        return Err(InvalidData::SizeBounds {
            min: r.min_size,
            max,
        });
    }
    for role in &r.required_roles {
        text(TextField::RequiredRoleTag, &role.tag, true)?;
    }
    if let Some(w) = &r.window {
        let (earliest, latest) = (w.earliest, w.latest);
        if earliest >= latest {
            return Err(InvalidData::WindowBackwards { earliest, latest });
        }
        if (latest - earliest).get_minutes() < i64::from(r.duration_minutes) {
            return Err(InvalidData::WindowTooShort {
                earliest,
                latest,
                minutes: r.duration_minutes,
            });
        }
    }
    Ok(())
}

/// Checks subgroups: each member of `eligible` at most once, no one else.
pub fn partition(parts: &[Vec<String>], eligible: &[String]) -> Result<(), InvalidData> {
    let mut seen = BTreeSet::new();
    for part in parts {
        for id in part {
            if !eligible.contains(id) {
                return Err(InvalidData::NotEligible(id.clone()));
            }
            if !seen.insert(id.as_str()) {
                return Err(InvalidData::InTwoSubgroups(id.clone()));
            }
        }
    }
    Ok(())
}

/// Checks a reminder's subject and body.
pub fn reminder(subject: &str, body: &str) -> Result<(), InvalidData> {
    text(TextField::Subject, subject, true)?;
    if subject.contains('\n') {
        return Err(InvalidData::SubjectLines);
    }
    text(TextField::Body, body, false)
}

/// Checks the description a plugin gives of itself.
pub fn info(i: &guest::FormatInfo) -> Result<(), InvalidData> {
    text(TextField::InfoName, &i.name, true)?;
    text(TextField::InfoVersion, &i.version, true)?;
    text(TextField::InfoSummary, &i.summary, false)?;
    for s in &i.settings {
        text(TextField::SettingKey, &s.key, true)?;
        text(TextField::SettingDoc, &s.doc, false)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
