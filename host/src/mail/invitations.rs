//! iTIP invitations owed to members whose `delivery` includes invitations,
//! derived on every pass from the published state and the outbox itself,
//! like reminders: nothing else remembers what a member was sent.
//!
//! One invitation per session (never a series with exceptions): its UID is
//! the session's feed UID ([`peerwell_core::feeds::session_uid`]) and its
//! SEQUENCE the one the feeds show, so a calendar that holds a member's
//! feed and their invitations keeps one event per session.
//!
//! Rows are keyed `group/index/invite-<SEQUENCE>/member` (a REQUEST) and
//! `group/index/uninvite-<SEQUENCE>/member` (a CANCEL), so a re-plan never
//! queues the same invitation twice, and each change of a session (which
//! raises its SEQUENCE) is a new row. The rule ([`owed`]), per session and
//! member, from the last invitation handed to the mail server (`sending`
//! or `sent`):
//!
//! - the member attends the session, it has not started, and either they
//!   receive invitations and it starts within `[mail] invitations_ahead`,
//!   or they already hold a REQUEST for it: a REQUEST at its SEQUENCE;
//! - otherwise, when they hold a REQUEST (the session was cancelled, or is
//!   no longer theirs): a CANCEL at its SEQUENCE, which the change raised;
//! - otherwise nothing.
//!
//! Queued invitation rows the rule no longer gives (an older SEQUENCE, or a
//! session no longer theirs before anything went out) are withdrawn. A
//! crash anywhere is healed by the next pass; duplicates arise only in the
//! outbox's documented window (a row `sending` at a crash).

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};

use super::enqueue::Item;
use super::schedule::quiet_hours;
use crate::state::Snapshot;
use peerwell_core::feeds::invite::{Method, NO_LONGER_EXPECTED, invitation_text};
use peerwell_core::feeds::session_uid;
use peerwell_core::model::{Group, Person};
use peerwell_core::schedule::Session;
use peerwell_store::outbox::{MailState, MessageKind};

/// The last invitation of one session handed to a member's mail server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Handed {
    /// A REQUEST at this SEQUENCE.
    Request(u32),
    /// A CANCEL at this SEQUENCE.
    Cancel(u32),
}

impl Handed {
    fn sequence(self) -> u32 {
        match self {
            Handed::Request(s) | Handed::Cancel(s) => s,
        }
    }
}

/// One session as published now, seen from one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// Its SEQUENCE (the feeds').
    pub sequence: u32,
    /// Active, not started, and the member attends it.
    pub theirs: bool,
    /// The member receives invitations and it is within the window ahead.
    pub invite_new: bool,
}

/// What a member is owed for one session (see the module's rule); `None`
/// for a session that started or is unknown.
pub fn owed(seen: Option<Seen>, last: Option<Handed>) -> Option<(Method, u32)> {
    let seen = seen?;
    let holds = matches!(last, Some(Handed::Request(_)));
    if seen.theirs && (seen.invite_new || holds) {
        Some((Method::Request, seen.sequence))
    } else if holds {
        Some((Method::Cancel, seen.sequence))
    } else {
        None
    }
}

/// The outbox key of an invitation.
pub fn key(group: &str, index: u32, method: Method, sequence: u32, recipient: &str) -> String {
    let tag = match method {
        Method::Request => "invite",
        Method::Cancel => "uninvite",
    };
    format!("{group}/{index}/{tag}-{sequence}/{recipient}")
}

/// Reads [`key`] back: (group, index, recipient) and what it sends.
pub fn parse_key(key: &str) -> Option<((String, u32, String), Handed)> {
    let mut parts = key.split('/');
    let (group, index, tag, recipient) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let handed = if let Some(s) = tag.strip_prefix("invite-") {
        Handed::Request(s.parse().ok()?)
    } else {
        Handed::Cancel(tag.strip_prefix("uninvite-")?.parse().ok()?)
    };
    Some((
        (
            group.to_string(),
            index.parse().ok()?,
            recipient.to_string(),
        ),
        handed,
    ))
}

/// Per (group, index, member): the last invitation handed to a server.
pub type HandedMap = BTreeMap<(String, u32, String), Handed>;

/// What the outbox's rows (key → state) say was handed to servers.
pub fn handed(rows: &BTreeMap<String, (MailState, String)>) -> HandedMap {
    let mut out: HandedMap = BTreeMap::new();
    for (k, (state, _)) in rows {
        if !matches!(state, MailState::Sending | MailState::Sent) {
            continue;
        }
        let Some((who, h)) = parse_key(k) else {
            continue;
        };
        let e = out.entry(who).or_insert(h);
        // The later SEQUENCE wins; at equal ones a CANCEL (sent after).
        if (h.sequence(), matches!(h, Handed::Cancel(_)))
            > (e.sequence(), matches!(e, Handed::Cancel(_)))
        {
            *e = h;
        }
    }
    out
}

/// The members each session's invitations were handed to.
pub(super) fn by_session(handed: &HandedMap) -> BTreeMap<(&str, u32), Vec<&str>> {
    let mut out: BTreeMap<(&str, u32), Vec<&str>> = BTreeMap::new();
    for (g, i, r) in handed.keys() {
        out.entry((g.as_str(), *i)).or_default().push(r);
    }
    out
}

/// Every invitation the published state owes at `now` for `group`'s
/// sessions, as outbox items.
pub(super) fn items<'a>(
    snapshot: &'a Snapshot,
    group: &'a Group,
    handed: &HandedMap,
    by_session: &BTreeMap<(&str, u32), Vec<&str>>,
    now: Timestamp,
) -> Vec<Item<'a>> {
    let org = &snapshot.loaded.org;
    let mut out = Vec::new();
    for (session, is_active) in snapshot.sessions_of(&group.id) {
        if session.start <= now {
            continue;
        }
        let mut who: BTreeSet<&str> = BTreeSet::new();
        if is_active {
            who.extend(session.attendees.iter().map(String::as_str));
        }
        who.extend(
            by_session
                .get(&(session.group.as_str(), session.index))
                .into_iter()
                .flatten(),
        );
        for person in who.into_iter().filter_map(|id| org.people.get(id)) {
            let last = handed
                .get(&(group.id.clone(), session.index, person.id.clone()))
                .copied();
            let view = seen(snapshot, group, session, is_active, person, now);
            if let Some(owed) = owed(Some(view), last) {
                let update = matches!(last, Some(Handed::Request(_)));
                out.push(item(snapshot, group, session, person, owed, update));
            }
        }
    }
    out
}

/// How `person` sees `session` now.
fn seen(
    snapshot: &Snapshot,
    group: &Group,
    session: &Session,
    is_active: bool,
    person: &Person,
    now: Timestamp,
) -> Seen {
    let mail = &snapshot.loaded.org.org.mail;
    let key = (session.group.clone(), session.index);
    let ahead = SignedDuration::from_mins(i64::from(mail.invitations_ahead_minutes));
    let opens = session.start.checked_sub(ahead).unwrap_or(session.start);
    Seen {
        sequence: snapshot.commit.sequences.get(&key).copied().unwrap_or(0),
        theirs: is_active
            && group.members.contains(&person.id)
            && session.attendees.contains(&person.id),
        invite_new: mail.delivery_of(&person.mail).invitations()
            && person.mail.reminders
            && opens <= now,
    }
}

/// The outbox item of one invitation.
fn item<'a>(
    snapshot: &'a Snapshot,
    group: &'a Group,
    session: &'a Session,
    person: &Person,
    (method, sequence): (Method, u32),
    update: bool,
) -> Item<'a> {
    let org = &snapshot.loaded.org;
    let mail = &org.org.mail;
    let at = (session.group.clone(), session.index);
    let revised = snapshot.commit.revised.get(&at).copied();
    let ahead = SignedDuration::from_mins(i64::from(mail.invitations_ahead_minutes));
    let opens = session.start.checked_sub(ahead).unwrap_or(session.start);
    let (subject, body) = text(snapshot, group, session, person, method, update);
    Item {
        key: key(&group.id, session.index, method, sequence, &person.id),
        kind: match method {
            Method::Request => MessageKind::Invitation,
            Method::Cancel => MessageKind::InvitationCancel,
        },
        group,
        index: Some(session.index),
        recipient: person.id.clone(),
        to_name: person.name.clone(),
        to: person.email.clone(),
        subject,
        body,
        due: revised.map_or(opens, |r| r.max(opens)),
        expires: Some(session.start),
        quiet: quiet_hours(mail, person).map(|q| (q, person.zone.tz.clone())),
        attach: Some(session),
        superseded: false,
        invite: Some(method),
    }
}

/// Subject and plain text of one invitation: the text is its calendar
/// event's DESCRIPTION ([`description`]).
fn text(
    snapshot: &Snapshot,
    group: &Group,
    session: &Session,
    person: &Person,
    method: Method,
    update: bool,
) -> (String, String) {
    let local = session.start.to_zoned(person.zone.tz.clone());
    let short = local.strftime("%a %-d %b, %H:%M").to_string();
    let title = session.plan.title.trim();
    let theirs = session.attendees.contains(&person.id);
    let subject = match (method, update, theirs) {
        (Method::Request, true, _) => format!("Updated invitation: {title} — {short}"),
        (Method::Request, false, _) => format!("Invitation: {title} — {short}"),
        (Method::Cancel, _, true) => format!("Cancelled: {title} — {short}"),
        (Method::Cancel, _, false) => format!("No longer expected: {title} — {short}"),
    };
    (
        subject,
        description(snapshot, group, session, person, method),
    )
}

/// The DESCRIPTION (and plain text) of `person`'s invitation to
/// `session`: the text of the session in their own feed, through
/// [`invitation_text`], the one function every invitation's text is
/// composed by (lines every invitation adds go there); for a CANCEL to a
/// member no longer expected at a session that still takes place, a text
/// that names nobody.
pub fn description(
    snapshot: &Snapshot,
    group: &Group,
    session: &Session,
    person: &Person,
    method: Method,
) -> String {
    if method == Method::Cancel && !session.attendees.contains(&person.id) {
        return format!("{NO_LONGER_EXPECTED}\n\n{}", group.name.trim());
    }
    invitation_text(&snapshot.loaded.org, group, session, person, None)
}

/// One invitation as `peerwell reminders --invitations` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The outbox key it would be written under.
    pub key: String,
    /// The group's id.
    pub group: String,
    /// The session's index.
    pub index: u32,
    /// The member's id.
    pub recipient: String,
    /// REQUEST or CANCEL.
    pub method: Method,
    /// The SEQUENCE it carries (the feeds').
    pub sequence: u32,
    /// The event's UID (the feeds').
    pub uid: String,
    /// When it is due.
    pub due: Timestamp,
    /// The Subject header.
    pub subject: String,
    /// The plain text (the event's DESCRIPTION).
    pub body: String,
}

/// The invitations the next pass over `snapshot` would queue at `now`,
/// given the outbox's rows (key → state): owed and not already written.
pub fn preview(
    snapshot: &Snapshot,
    rows: &BTreeMap<String, (MailState, String)>,
    now: Timestamp,
) -> Vec<Preview> {
    let handed = handed(rows);
    let sessions = by_session(&handed);
    let mut out = Vec::new();
    for group in &snapshot.loaded.org.groups {
        for item in items(snapshot, group, &handed, &sessions, now) {
            let Some(((_, index, _), h)) = parse_key(&item.key) else {
                continue;
            };
            if rows.contains_key(&item.key) || item.attach.is_none() {
                continue;
            }
            let (method, sequence) = match h {
                Handed::Request(s) => (Method::Request, s),
                Handed::Cancel(s) => (Method::Cancel, s),
            };
            let uid = item
                .attach
                .map(|s| session_uid(&snapshot.loaded.org, s))
                .unwrap_or_default();
            out.push(Preview {
                key: item.key,
                group: group.id.clone(),
                index,
                recipient: item.recipient,
                method,
                sequence,
                uid,
                due: item.due,
                subject: item.subject,
                body: item.body,
            });
        }
    }
    out.sort_by(|a, b| {
        (a.due, &a.group, a.index, &a.recipient).cmp(&(b.due, &b.group, b.index, &b.recipient))
    });
    out
}

#[cfg(test)]
mod tests;
