//! Reminder and role-notice text for one member about one session.
//!
//! Each message is composed by the group's format first
//! ([`Format::compose_reminder`]); a format that has nothing to say (the
//! default) gets peerwell's standard text. Either way the host adds what
//! every reminder carries: the agenda, roles, charter, escalation contacts
//! and where to meet, in the member's own zone. Nothing here comes from an
//! input calendar: only the policy and the plan.
//!
//! [`for_session`] lists every message a session gives rise to, with the
//! moment it is due; the daemon's outbox sends them, `peerwell reminders`
//! previews them.

use jiff::{SignedDuration, Timestamp};

use crate::feeds::describe::{Audience, appendix, description, partners};
use crate::formats::{Format, FormatError, ReminderKind, ReminderRequest, ReminderText};
use crate::model::{Group, Organization, Person};
use crate::schedule::Session;

/// When reminders go out, relative to a session's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// Reminders to every attendee this many minutes before the start,
    /// largest first.
    pub upcoming_minutes: Vec<u32>,
    /// Role notices to each role holder this many minutes before the start.
    pub role_notice_minutes: u32,
}

impl Default for Timing {
    /// 24 hours and 1 hour before; role notices 3 days before.
    fn default() -> Self {
        Timing {
            upcoming_minutes: vec![24 * 60, 60],
            role_notice_minutes: 3 * 24 * 60,
        }
    }
}

/// One message to one member about one session.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    /// The session's group id.
    pub group: String,
    /// The session's index in its series.
    pub index: u32,
    /// Recipient's member id.
    pub recipient: String,
    /// Why it is sent.
    pub kind: ReminderKind,
    /// When it is due.
    pub due: Timestamp,
    /// The mail subject.
    pub subject: String,
    /// Plain text with `\n` line breaks.
    pub body: String,
    /// Whether the group's format wrote the subject and opening (else the
    /// standard text).
    pub by_format: bool,
}

/// Every message `session` gives rise to, in due order: upcoming reminders
/// to each attendee, role notices to each role holder, and preparation
/// deadlines to the role (or everyone) they concern. A format error affects
/// only this session's messages.
pub fn for_session(
    org: &Organization,
    group: &Group,
    session: &Session,
    format: &dyn Format,
    timing: &Timing,
) -> Result<Vec<Reminder>, FormatError> {
    let mut wanted: Vec<(String, ReminderKind, Timestamp)> = Vec::new();
    let before = |minutes: i64| {
        session
            .start
            .checked_sub(SignedDuration::from_mins(minutes))
            .unwrap_or(session.start)
    };
    for member in &session.attendees {
        for &m in &timing.upcoming_minutes {
            wanted.push((
                member.clone(),
                ReminderKind::Upcoming(m),
                before(i64::from(m)),
            ));
        }
    }
    for role in &session.plan.roles {
        if session.attendees.contains(&role.member) {
            wanted.push((
                role.member.clone(),
                ReminderKind::RoleNotice(role.role.clone()),
                before(i64::from(timing.role_notice_minutes)),
            ));
        }
    }
    for deadline in &session.plan.deadlines {
        let due = before(i64::from(deadline.days_before) * 24 * 60);
        for member in &session.attendees {
            let concerned = match &deadline.role {
                None => true,
                Some(role) => session
                    .plan
                    .roles
                    .iter()
                    .any(|r| &r.role == role && &r.member == member),
            };
            if concerned {
                wanted.push((
                    member.clone(),
                    ReminderKind::Deadline(deadline.clone()),
                    due,
                ));
            }
        }
    }
    let mut out = Vec::with_capacity(wanted.len());
    for (member, kind, due) in wanted {
        let Some(person) = org.people.get(&member) else {
            continue;
        };
        out.push(compose(org, group, session, format, kind, person, due)?);
    }
    out.sort_by(|a, b| {
        (a.due, &a.recipient, kind_rank(&a.kind)).cmp(&(b.due, &b.recipient, kind_rank(&b.kind)))
    });
    Ok(out)
}

/// A stable order among kinds due at the same moment.
fn kind_rank(kind: &ReminderKind) -> (u8, String) {
    match kind {
        ReminderKind::Upcoming(m) => (0, format!("{m:010}")),
        ReminderKind::RoleNotice(role) => (1, role.clone()),
        ReminderKind::Deadline(d) => (2, d.label.clone()),
        ReminderKind::Moved(t) => (3, t.to_string()),
        ReminderKind::Cancelled(_) => (4, String::new()),
    }
}

/// One message of `kind` about `session` to `person`, due at `due`.
pub fn compose(
    org: &Organization,
    group: &Group,
    session: &Session,
    format: &dyn Format,
    kind: ReminderKind,
    person: &Person,
    due: Timestamp,
) -> Result<Reminder, FormatError> {
    let tz = &group.zone.tz;
    let start = session.start.to_zoned(tz.clone());
    let end = session.end.to_zoned(tz.clone());
    let roles: Vec<String> = session
        .plan
        .roles
        .iter()
        .filter(|r| r.member == person.id)
        .map(|r| r.role.clone())
        .collect();
    let request = ReminderRequest {
        group,
        kind: kind.clone(),
        recipient: &person.id,
        recipient_first_name: person.first_name(),
        date: start.date(),
        start: start.time(),
        end: end.time(),
        plan: &session.plan,
        recipient_roles: &roles,
    };
    let (text, by_format) = match format.compose_reminder(&request)? {
        Some(text) => {
            let mut body = text.body.trim_end().to_string();
            // A format's own text still names the reader's buddy.
            if let Some(p) = partners(org, group, session, person) {
                body.push_str("\n\n");
                body.push_str(&p);
            }
            let extra = appendix(group);
            if !extra.is_empty() {
                body.push_str("\n\n");
                body.push_str(&extra);
            }
            (
                ReminderText {
                    subject: text.subject,
                    body,
                },
                true,
            )
        }
        None => (standard(org, group, session, &kind, person), false),
    };
    Ok(Reminder {
        group: group.id.clone(),
        index: session.index,
        recipient: person.id.clone(),
        kind,
        due,
        subject: text.subject,
        body: text.body,
        by_format,
    })
}

/// peerwell's own text: one opening line for the kind, then the session's
/// full description in the member's zone.
fn standard(
    org: &Organization,
    group: &Group,
    session: &Session,
    kind: &ReminderKind,
    person: &Person,
) -> ReminderText {
    let local = session.start.to_zoned(person.zone.tz.clone());
    let end = session.end.to_zoned(person.zone.tz.clone());
    let when = format!(
        "{} {}–{} ({} time)",
        local.strftime("%A %-d %B"),
        local.strftime("%H:%M"),
        end.strftime("%H:%M"),
        person.zone.name
    );
    let short = local.strftime("%a %-d %b, %H:%M").to_string();
    let title = session.plan.title.trim();
    let (subject, opening) = match kind {
        ReminderKind::Upcoming(minutes) => (
            format!("Reminder: {title} — {short}"),
            format!("{title} is {} on {when}.", ahead(*minutes)),
        ),
        ReminderKind::RoleNotice(role) => (
            format!("Your role: {role} — {title}, {short}"),
            format!(
                "You are the {} this time at {title} on {when}.",
                holder(role)
            ),
        ),
        ReminderKind::Deadline(d) => (
            format!("Due: {} — {title}, {short}", d.label),
            format!(
                "Due {} before {title} on {when}: {}.",
                days(d.days_before),
                d.label
            ),
        ),
        ReminderKind::Moved(from) => (
            format!("Moved: {title} — now {short}"),
            format!(
                "{title} moves this week from its usual {} to {when}.",
                from.strftime("%H:%M")
            ),
        ),
        ReminderKind::Cancelled(reason) => (
            format!("Cancelled: {title} — {short}"),
            match reason {
                Some(r) => format!("{title} on {when} is cancelled: {r}."),
                None => format!("{title} on {when} is cancelled."),
            },
        ),
    };
    // The description names the reader's own roles ("Your role this
    // time: …"); the opening does not repeat them.
    let mut body = format!("Hi {},\n\n{opening}", person.first_name());
    body.push_str("\n\n");
    body.push_str(&description(org, group, session, Audience::Member(person)));
    ReminderText { subject, body }
}

/// "tomorrow", "in 1 hour", "in 3 days", "in 45 minutes".
fn ahead(minutes: u32) -> String {
    match minutes {
        1440 => "tomorrow".to_string(),
        m if m % 1440 == 0 => format!("in {}", days(m / 1440)),
        60 => "in 1 hour".to_string(),
        m if m % 60 == 0 => format!("in {} hours", m / 60),
        1 => "in 1 minute".to_string(),
        m => format!("in {m} minutes"),
    }
}

fn days(n: u32) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// The person who holds `role`, as a noun: "presenter" stays, the check-in
/// formats' "strategy" (the member who shares a coping strategy) becomes
/// "strategy sharer".
fn holder(role: &str) -> String {
    match role {
        "strategy" => "strategy sharer".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
