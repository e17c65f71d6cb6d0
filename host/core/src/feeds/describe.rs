//! The DESCRIPTION text of a session: agenda with clock times, roles by
//! first name, the format's notes, the charter, escalation resources and
//! where to meet. Plain text with `\n` line breaks; escaping happens when
//! the line is written.

use jiff::SignedDuration;
use jiff::tz::TimeZone;

use crate::model::{Group, Organization, PartnerContact, Person};
use crate::schedule::Session;

/// Who a feed is for; member feeds name the reader's own role.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    /// A group feed, shared by the whole group.
    Group,
    /// One member's personal feed.
    Member(&'a Person),
}

/// The description of `session` of `group` for `audience`.
pub fn description(
    org: &Organization,
    group: &Group,
    session: &Session,
    audience: Audience<'_>,
) -> String {
    let mut sections: Vec<String> = Vec::new();
    if let Some(moved) = moved(group, session, audience) {
        sections.push(moved);
    }
    sections.push(agenda(group, session, audience));
    if let Audience::Member(person) = audience
        && let Some(partners) = partners(org, group, session, person)
    {
        sections.push(partners);
    }
    if let Some(roles) = roles(org, session, audience) {
        sections.push(roles);
    }
    // The format's notes come before the charter and the escalation
    // contacts, which they point to as "the escalation contacts below".
    let notes = session.plan.notes.trim();
    if !notes.is_empty() {
        sections.push(format!("Notes\n{notes}"));
    }
    sections.push(appendix(group));
    sections.retain(|s| !s.is_empty());
    sections.join("\n\n")
}

/// What every reminder carries after its own text: the charter, escalation
/// contacts and where to meet.
pub fn appendix(group: &Group) -> String {
    [charter(group), escalation(group), place(group)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// For an occurrence moved within its week: where the series would have
/// put it, in the reader's zone.
fn moved(group: &Group, session: &Session, audience: Audience<'_>) -> Option<String> {
    let from = session.moved_from?;
    let zone = match audience {
        Audience::Group => &group.zone,
        Audience::Member(person) => &person.zone,
    };
    let usual = from.to_zoned(zone.tz.clone());
    Some(format!(
        "Moved this week: the usual time, {} {}, is short of quorum, so this \
         session meets at a different time.",
        usual.strftime("%A %-d %B"),
        usual.strftime("%H:%M"),
    ))
}

/// "Agenda (Zone time)" then one line per phase, "08:00–08:15 Title — detail".
/// Clock times are in the group's zone for group feeds and in the member's
/// own zone for member feeds.
fn agenda(group: &Group, session: &Session, audience: Audience<'_>) -> String {
    let zone = match audience {
        Audience::Group => &group.zone,
        Audience::Member(person) => &person.zone,
    };
    let mut out = format!("Agenda ({} time)", zone.name);
    let mut at = session.start;
    for item in &session.plan.agenda {
        let end = at
            .checked_add(SignedDuration::from_mins(i64::from(item.minutes)))
            .unwrap_or(at);
        out.push('\n');
        out.push_str(&clock(&zone.tz, at));
        out.push('–');
        out.push_str(&clock(&zone.tz, end));
        out.push(' ');
        out.push_str(item.title.trim());
        let detail = item.detail.trim();
        if !detail.is_empty() {
            out.push_str(" — ");
            out.push_str(detail);
        }
        at = end;
    }
    out
}

fn clock(tz: &TimeZone, ts: jiff::Timestamp) -> String {
    let dt = tz.to_datetime(ts);
    format!("{:02}:{:02}", dt.hour(), dt.minute())
}

/// "Roles this time" with members by first name, and for a member feed the
/// reader's own role.
fn roles(org: &Organization, session: &Session, audience: Audience<'_>) -> Option<String> {
    if session.plan.roles.is_empty() {
        return None;
    }
    // Role names in first-seen order, each with its holders.
    let mut by_role: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in &session.plan.roles {
        let name = org
            .people
            .get(&r.member)
            .map(Person::first_name)
            .unwrap_or("a member");
        match by_role.iter_mut().find(|(role, _)| *role == r.role) {
            Some((_, names)) => names.push(name),
            None => by_role.push((&r.role, vec![name])),
        }
    }
    let mut out = String::from("Roles this time");
    for (role, names) in &by_role {
        out.push_str(&format!("\n{role}: {}", names.join(", ")));
    }
    if let Audience::Member(person) = audience {
        let mine: Vec<&str> = session
            .plan
            .roles
            .iter()
            .filter(|r| r.member == person.id)
            .map(|r| r.role.as_str())
            .collect();
        if !mine.is_empty() {
            out.push_str(&format!("\nYour role this time: {}", mine.join(", ")));
        }
    }
    Some(out)
}

/// The group's charter: purpose, boundaries, membership, size limit.
fn charter(group: &Group) -> Option<String> {
    let c = &group.charter;
    let mut lines = vec!["About this group".to_string()];
    if !c.purpose.trim().is_empty() {
        lines.push(format!("Purpose: {}", c.purpose.trim()));
    }
    if !c.boundaries.trim().is_empty() {
        lines.push(format!("Boundaries: {}", c.boundaries.trim()));
    }
    let membership = if c.open {
        "open (colleagues may ask to join)"
    } else {
        "closed"
    };
    let mut line = format!("Membership: {membership}");
    if let Some(limit) = c.size_limit {
        line.push_str(&format!("; size limit {limit}"));
    }
    lines.push(line);
    Some(lines.join("\n"))
}

/// Who to contact when peer support is not enough.
fn escalation(group: &Group) -> Option<String> {
    if group.escalation.is_empty() {
        return None;
    }
    let mut out = String::from("When peer support is not enough");
    for e in &group.escalation {
        out.push_str(&format!("\n- {}: {}", e.name.trim(), e.contact.trim()));
        if let Some(note) = e.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            out.push_str(&format!(" ({note})"));
        }
    }
    Some(out)
}

/// Where to meet: the location and the video link.
fn place(group: &Group) -> Option<String> {
    let mut lines = vec!["Where".to_string()];
    if let Some(loc) = group.location.as_deref().filter(|l| !l.trim().is_empty()) {
        lines.push(format!("Location: {}", loc.trim()));
    }
    if let Some(url) = group.video_url.as_deref().filter(|u| !u.trim().is_empty()) {
        lines.push(format!("Video: {}", url.trim()));
    }
    (lines.len() > 1).then(|| lines.join("\n"))
}

/// The others `person` meets in `session` when it is the meeting of a
/// subgroup (a buddy pair or trio): attendees that are only part of the
/// group, with nobody absent (a subgroup meets only when all of it can).
/// `None` for a whole-group session or one `person` does not attend.
pub fn partner_ids<'s>(group: &Group, session: &'s Session, person: &str) -> Option<Vec<&'s str>> {
    let subgroup = session.absentees.is_empty()
        && session.attendees.len() < group.members.len()
        && session.attendees.iter().all(|a| group.members.contains(a));
    if !subgroup || !session.attendees.iter().any(|a| a == person) {
        return None;
    }
    let others: Vec<&str> = session
        .attendees
        .iter()
        .map(String::as_str)
        .filter(|a| *a != person)
        .collect();
    (!others.is_empty()).then_some(others)
}

/// "Your buddy this time: Ben" (with the email address when the
/// organization's `partner_contact` allows it): only ever in the reader's
/// own feed and reminders, never in a group feed, so that nobody can read
/// from a shared feed which pairs never meet.
pub fn partners(
    org: &Organization,
    group: &Group,
    session: &Session,
    person: &Person,
) -> Option<String> {
    let others = partner_ids(group, session, &person.id)?;
    let names: Vec<String> = others
        .iter()
        .filter_map(|id| org.people.get(*id))
        .map(|p| match org.org.partner_contact {
            PartnerContact::Email => format!("{} ({})", p.first_name(), p.email.trim()),
            PartnerContact::None => p.first_name().to_string(),
        })
        .collect();
    let label = match (group.format.as_str(), names.len()) {
        ("buddies", 1) => "Your buddy this time",
        ("buddies", _) => "Your buddies this time",
        _ => "You meet this time with",
    };
    (!names.is_empty()).then(|| format!("{label}: {}", names.join(" and ")))
}

/// What replaces an email address in a group feed.
pub const EMAIL_WITHHELD: &str = "(email address in your personal feed)";

/// Replaces every email address in `text` with [`EMAIL_WITHHELD`]. Group
/// feeds are shared more widely than members' own feeds, so they carry no
/// email address at all, not even one HR wrote into a contact or a note.
pub fn withhold_emails(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let local = |c: char| c.is_alphanumeric() || "._%+-'!#$&*/=?^`{|}~".contains(c);
    let domain = |c: char| c.is_alphanumeric() || c == '-' || c == '.';
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '@' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut l = i;
        while l > 0 && local(chars[l - 1]) {
            l -= 1;
        }
        let mut r = i + 1;
        while r < chars.len() && domain(chars[r]) {
            r += 1;
        }
        let host: String = chars[i + 1..r].iter().collect();
        let host = host.trim_end_matches(['.', '-']);
        let is_email = l < i && host.contains('.') && host.split('.').all(|p| !p.is_empty());
        if is_email {
            // Drop the local part already copied, then the address.
            for _ in l..i {
                out.pop();
            }
            out.push_str(EMAIL_WITHHELD);
            i += 1 + host.chars().count();
        } else {
            out.push('@');
            i += 1;
        }
    }
    out
}

/// True when `text` holds something [`withhold_emails`] would replace.
pub fn has_email(text: &str) -> bool {
    withhold_emails(text) != text
}

#[cfg(test)]
mod tests;
