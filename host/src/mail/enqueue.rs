//! What a planning pass gives rise to, written to the outbox: reminders,
//! role notices and deadlines for every session still ahead, change notices
//! for moved and cancelled sessions, HR notices for groups that lost their
//! time or skip an occurrence.
//!
//! Keys are `group/index/kind/recipient` (`-` for the index of a group-wide
//! notice), with the offset, role, deadline or moment in the kind, e.g.
//! `morning-walk/3/upcoming-60m/amara`. The rendered message is stored; a
//! row is re-rendered only when its fingerprint (address, text, due time,
//! expiry, quiet hours, SEQUENCE of the attached event) changes.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use sha2::{Digest, Sha256};

use super::compose::{ComposeError, Draft, message_id, render, render_invitation};
use super::schedule::{quiet_hours, send_time, timing};
use super::{invitations, notices};
use crate::links::AbsenceLinks;
use crate::state::Snapshot;
use peerwell_core::feeds::invite::{Invite, Method, invitation};
use peerwell_core::feeds::{FeedOptions, FeedSet};
use peerwell_core::formats::ReminderKind;
use peerwell_core::mail::QuietHours;
use peerwell_core::model::Group;
use peerwell_core::reminders::{self, Reminder};
use peerwell_core::schedule::Session;
use peerwell_store::StoreError;
use peerwell_store::outbox::{MailState, MessageKind, NewMessage, Outbox};
use peerwell_store::pending::PendingNotice;

/// One message the plan gives rise to, before rendering.
pub(super) struct Item<'a> {
    pub key: String,
    /// The outbox kind.
    pub kind: MessageKind,
    pub group: &'a Group,
    pub index: Option<u32>,
    pub recipient: String,
    pub to_name: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub due: Timestamp,
    pub expires: Option<Timestamp>,
    pub quiet: Option<(QuietHours, TimeZone)>,
    /// The session to attach as .ics (member messages only).
    pub attach: Option<&'a Session>,
    /// Written expired at once (an earlier reminder a later one replaces).
    pub superseded: bool,
    /// An iTIP invitation with this method (see [`super::invitations`]);
    /// `body` is then its calendar event's DESCRIPTION too.
    pub invite: Option<Method>,
}

/// What [`super::after_pass`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enqueued {
    /// New messages queued.
    pub queued: usize,
    /// Unsent messages replaced by a newer version.
    pub replaced: usize,
    /// Messages written expired (superseded, or past before they could go).
    pub expired: usize,
    /// Queued reminders the plan no longer gives rise to.
    pub withdrawn: usize,
    /// Sessions whose messages could not be composed, one line each.
    pub problems: Vec<String>,
}

/// The outbox key of a member message.
pub(super) fn key(group: &str, index: u32, kind: &ReminderKind, recipient: &str) -> String {
    let tag = match kind {
        ReminderKind::Upcoming(m) => format!("upcoming-{m}m"),
        ReminderKind::RoleNotice(role) => format!("role-{role}"),
        ReminderKind::Deadline(d) => format!("deadline-{}d-{}", d.days_before, d.label),
        ReminderKind::Moved(_) => "moved".to_string(),
        ReminderKind::Cancelled(_) => "cancelled".to_string(),
    };
    format!("{group}/{index}/{tag}/{recipient}")
}

/// A composed reminder as an [`Item`] for its recipient (None when the
/// recipient is unknown or opted out).
pub(super) fn item<'a>(
    snapshot: &'a Snapshot,
    group: &'a Group,
    session: &'a Session,
    r: Reminder,
    key: String,
) -> Option<Item<'a>> {
    let org = &snapshot.loaded.org;
    let person = org.people.get(&r.recipient)?;
    if !person.mail.reminders {
        return None;
    }
    let quiet = quiet_hours(&org.org.mail, person).map(|q| (q, person.zone.tz.clone()));
    Some(Item {
        key,
        kind: MessageKind::from(&r.kind),
        group,
        index: Some(session.index),
        recipient: person.id.clone(),
        to_name: person.name.clone(),
        to: person.email.clone(),
        subject: r.subject,
        body: r.body,
        due: r.due,
        expires: Some(session.start),
        quiet,
        attach: Some(session),
        superseded: false,
        invite: None,
    })
}

/// Every reminder of `group`'s sessions starting after `now` (the earlier
/// of two already due to one member superseded); sessions whose format
/// failed go into `failed` (their queued rows are left alone).
fn reminders_of<'a>(
    snapshot: &'a Snapshot,
    group: &'a Group,
    links: Option<&AbsenceLinks>,
    now: Timestamp,
    problems: &mut Vec<String>,
    failed: &mut BTreeSet<(String, u32)>,
) -> Vec<Item<'a>> {
    let org = &snapshot.loaded.org;
    let mut items = Vec::new();
    let Some(format) = snapshot.loaded.formats.get(&group.format) else {
        return items;
    };
    let timing = timing(&org.org.mail, group);
    for session in snapshot
        .sessions_of(&group.id)
        .filter_map(|(s, active)| (active && s.start > now).then_some(s))
    {
        match reminders::for_session(org, group, session, format, &timing) {
            Ok(list) => {
                for mut r in list {
                    if let Some(links) = links {
                        r.body = with_absence_link(&r.body, links, session, &r.recipient);
                    }
                    let k = key(&group.id, session.index, &r.kind, &r.recipient);
                    items.extend(item(snapshot, group, session, r, k));
                }
            }
            Err(e) => {
                problems.push(format!(
                    "group `{}` session {}: {e}",
                    group.id, session.index
                ));
                failed.insert((group.id.clone(), session.index));
            }
        }
    }
    supersede(&mut items, now);
    items
}

/// `body` with the recipient's "I can't make it" link for `session` at the
/// end, in words a member understands without anything else.
pub(super) fn with_absence_link(
    body: &str,
    links: &AbsenceLinks,
    session: &Session,
    member: &str,
) -> String {
    format!(
        "{}\n\nCan't make it? Tell your group with this link (no login; you can undo it):\n{}\n",
        body.trim_end(),
        links.url(member, &session.group, session.index)
    )
}

/// With `links`, invitations (REQUEST) and change notices about a session
/// that still takes place carry the recipient's absence link, as reminders
/// do; an invitation's event has it in its DESCRIPTION too.
fn with_links<'a>(
    mut items: Vec<Item<'a>>,
    snapshot: &Snapshot,
    links: Option<&AbsenceLinks>,
) -> Vec<Item<'a>> {
    let Some(links) = links else {
        return items;
    };
    let cancelled = |s: &Session| snapshot.commit.cancelled.iter().any(|c| std::ptr::eq(c, s));
    for i in &mut items {
        let Some(session) = i.attach else {
            continue;
        };
        let attends = session.attendees.contains(&i.recipient);
        if attends && i.invite != Some(Method::Cancel) && !cancelled(session) {
            i.body = with_absence_link(&i.body, links, session, &i.recipient);
        }
    }
    items
}

/// Of the upcoming reminders to one member about one session that are
/// already due, only the latest goes out; the earlier ones are superseded.
fn supersede(items: &mut [Item<'_>], now: Timestamp) {
    let mut latest: BTreeMap<(String, Option<u32>, String), Timestamp> = BTreeMap::new();
    for i in items
        .iter()
        .filter(|i| i.kind == MessageKind::Upcoming && i.due <= now)
    {
        let k = (i.group.id.clone(), i.index, i.recipient.clone());
        let e = latest.entry(k).or_insert(i.due);
        *e = (*e).max(i.due);
    }
    for i in items
        .iter_mut()
        .filter(|i| i.kind == MessageKind::Upcoming && i.due <= now)
    {
        let k = (i.group.id.clone(), i.index, i.recipient.clone());
        if latest.get(&k).is_some_and(|t| i.due < *t) {
            i.superseded = true;
        }
    }
}

fn fingerprint(item: &Item<'_>, sequence: Option<u32>, snapshot: &Snapshot) -> String {
    let mail = &snapshot.loaded.org.org.mail;
    let text = format!(
        "{}\n{}\n{}\n{}\n{}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n{}\n{}\n{}",
        item.key,
        item.to,
        item.to_name,
        item.subject,
        item.body,
        // HR notices are due whenever they are first seen.
        (item.kind != MessageKind::Hr).then_some(item.due),
        item.expires,
        item.quiet.as_ref().map(|(q, tz)| (q, tz.iana_name())),
        sequence,
        mail.attach_ics && item.attach.is_some(),
        mail.from,
        mail.from_name,
        mail.domain,
    );
    let digest = Sha256::digest(text.as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Renders the items that are new or changed against `existing`.
fn render_changed(
    snapshot: &Snapshot,
    items: &[Item<'_>],
    existing: &BTreeMap<String, (MailState, String)>,
    now: Timestamp,
    problems: &mut Vec<String>,
) -> Vec<NewMessage> {
    let org = &snapshot.loaded.org;
    let mail = &org.org.mail;
    let opts = snapshot.feed_options();
    let mut out = Vec::new();
    for item in items {
        let sequence = item
            .attach
            .and_then(|s| opts.sequence.get(&(s.group.clone(), s.index)).copied());
        let fp = fingerprint(item, sequence, snapshot);
        if let Some((state, old)) = existing.get(&item.key)
            && (*old == fp || !state.replaceable())
            && *state != MailState::Withdrawn
        {
            continue;
        }
        let quiet = item.quiet.as_ref().map(|(q, tz)| (*q, tz));
        let send_at = if item.superseded {
            None
        } else {
            send_time(item.due, now, item.expires, quiet)
        };
        let date = send_at.unwrap_or(item.due);
        // Members who receive invitations get no PUBLISH copy of the event.
        let ics = match (mail.attach_ics, item.attach, item.invite) {
            (true, Some(session), None) => org
                .people
                .get(&item.recipient)
                .filter(|p| !mail.delivery_of(&p.mail).invitations())
                .map(|person| FeedSet::new(org, std::iter::once(session)).member(person, opts)),
            _ => None,
        };
        let draft = Draft {
            key: &item.key,
            domain: &mail.domain,
            from_name: &mail.from_name,
            from: &mail.from,
            to_name: &item.to_name,
            to: &item.to,
            subject: &item.subject,
            body: &item.body,
            date,
            ics: ics.as_deref(),
        };
        match rendered(snapshot, item, &draft, opts) {
            Ok(message) => out.push(NewMessage {
                key: item.key.clone(),
                message_id: message_id(&item.key, &mail.domain),
                group: item.group.id.clone(),
                index: item.index,
                kind: item.kind,
                recipient: item.recipient.clone(),
                address: item.to.clone(),
                fingerprint: fp,
                due: item.due,
                send_at: date,
                expires_at: item.expires,
                expired: send_at.is_none(),
                message,
            }),
            Err(e) => problems.push(format!("message {}: {e}", item.key)),
        }
    }
    out
}

/// `draft` rendered: as an invitation when `item` is one.
fn rendered(
    snapshot: &Snapshot,
    item: &Item<'_>,
    draft: &Draft<'_>,
    opts: &FeedOptions,
) -> Result<Vec<u8>, ComposeError> {
    let org = &snapshot.loaded.org;
    let (Some(method), Some(session), Some(person)) =
        (item.invite, item.attach, org.people.get(&item.recipient))
    else {
        return render(draft);
    };
    let invite = Invite {
        organizer_name: &org.org.mail.from_name,
        organizer: &org.org.mail.from,
        attendee: person,
        cancel: method == Method::Cancel,
        description: item.body.clone(),
    };
    let calendar = invitation(org, item.group, session, &invite, opts);
    render_invitation(draft, method.as_str(), &calendar)
}

/// Queued rows the plan no longer gives rise to: reminders not `wanted`
/// (except those of sessions whose format failed), invitations not
/// `invited`.
fn stale(
    outbox: &Outbox,
    existing: &BTreeMap<String, (MailState, String)>,
    wanted: &BTreeSet<String>,
    failed: &BTreeSet<(String, u32)>,
    invited: &BTreeSet<String>,
) -> Result<Vec<String>, StoreError> {
    let reminders = outbox
        .list(Some(MailState::Queued))?
        .into_iter()
        .filter(|r| r.kind.is_reminder())
        .filter(|r| !wanted.contains(&r.key))
        .filter(|r| {
            r.index
                .is_none_or(|i| !failed.contains(&(r.group.clone(), i)))
        })
        .map(|r| r.key);
    let invites = existing
        .iter()
        .filter(|(k, (state, _))| {
            *state == MailState::Queued
                && invitations::parse_key(k).is_some()
                && !invited.contains(*k)
        })
        .map(|(k, _)| k.clone());
    Ok(reminders.chain(invites).collect())
}

/// Messages rendered and written per transaction.
const RENDER_CHUNK: usize = 2000;

/// Writes what `snapshot` gives rise to at `now` into `outbox`; with
/// `links`, every reminder, invitation and change notice about a session
/// that still takes place carries its recipient's absence link.
pub fn enqueue(
    outbox: &mut Outbox,
    snapshot: &Snapshot,
    links: Option<&AbsenceLinks>,
    now: Timestamp,
) -> Result<Enqueued, StoreError> {
    let mut done = Enqueued::default();
    if !snapshot.loaded.org.org.mail.enabled {
        return Ok(done);
    }
    // Reminders of sessions that started are expired, never withdrawn.
    outbox.expire(now)?;
    let existing = outbox.fingerprints()?;
    // Composed, rendered and written a group at a time (in transactions of
    // at least RENDER_CHUNK messages), so that a large organization's first
    // pass (hundreds of thousands of messages) never holds them all.
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    let mut failed = BTreeSet::new();
    let mut pending: Vec<Item<'_>> = Vec::new();
    let write = |pending: &mut Vec<Item<'_>>,
                 settled: &[PendingNotice],
                 done: &mut Enqueued,
                 outbox: &mut Outbox|
     -> Result<(), StoreError> {
        let messages = render_changed(snapshot, pending, &existing, now, &mut done.problems);
        pending.clear();
        let up = outbox.upsert_settling(&messages, now, settled)?;
        done.queued += up.queued;
        done.replaced += up.replaced;
        done.expired += up.expired;
        Ok(())
    };
    // Invitations: what the published state owes given what was handed
    // to servers; queued ones it no longer owes are withdrawn below.
    let handed = invitations::handed(&existing);
    let by_session = invitations::by_session(&handed);
    let mut invited: BTreeSet<String> = BTreeSet::new();
    for group in &snapshot.loaded.org.groups {
        let items = reminders_of(snapshot, group, links, now, &mut done.problems, &mut failed);
        wanted.extend(items.iter().map(|i| i.key.clone()));
        pending.extend(items);
        let invites = invitations::items(snapshot, group, &handed, &by_session, now);
        let invites = with_links(invites, snapshot, links);
        invited.extend(invites.iter().map(|i| i.key.clone()));
        pending.extend(invites);
        if pending.len() >= RENDER_CHUNK {
            write(&mut pending, &[], &mut done, outbox)?;
        }
    }
    // Change notices owed by earlier commits too (their queuing failed, or
    // their plan was replaced first): written with the rows that settle them.
    let owed = outbox.pending_notices()?;
    let (notices, settled) = notices::changes(snapshot, &owed, now, &mut done.problems);
    pending.extend(with_links(notices, snapshot, links));
    let alerts = outbox.alerts()?;
    let (hr_items, alert_updates) = notices::hr(snapshot, now, &alerts);
    pending.extend(hr_items);
    write(&mut pending, &settled, &mut done, outbox)?;
    for (group, alert) in alert_updates {
        outbox.set_alert(&group, alert.as_ref().map(|(k, t)| (k.as_str(), *t)))?;
    }

    let stale = stale(outbox, &existing, &wanted, &failed, &invited)?;
    done.withdrawn = outbox.withdraw(&stale)?;
    Ok(done)
}
