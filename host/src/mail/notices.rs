//! Notices that events give rise to rather than offsets: a published session
//! moved or cancelled (from the pass's [`peerwell_store::Commit`] changes), and
//! HR notices when a group loses its time (unscheduled or blocked) or skips
//! an occurrence (short of quorum or a required role). HR notices carry the
//! planner's explanation, which names members, rules and calendar files,
//! never the text of a calendar event.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::enqueue::{Item, item};
use crate::state::Snapshot;
use peerwell_core::formats::ReminderKind;
use peerwell_core::model::Group;
use peerwell_core::reminders;
use peerwell_core::schedule::{self, GroupOutcome, Session, Skipped};
use peerwell_store::outbox::MessageKind;
use peerwell_store::pending::{PendingKind, PendingNotice};

/// A change notice to compose for each attendee of `session`.
struct Wanted<'a> {
    session: &'a Session,
    kind: ReminderKind,
    /// `moved-<new start>` or `cancelled-<start>`: each change is
    /// announced once.
    tag: String,
    /// The owed notice this announces, settled once composed.
    owed: Option<&'a PendingNotice>,
}

/// Change notices to the attendees of each session moved or cancelled and
/// not yet announced, due now: the notices `owed` (recorded by the commits
/// that made the changes) that match this plan, then this pass's own
/// changes not among them. Returns the items and the owed notices they
/// settle.
pub(super) fn changes<'a>(
    snapshot: &'a Snapshot,
    owed: &'a [PendingNotice],
    now: Timestamp,
    problems: &mut Vec<String>,
) -> (Vec<Item<'a>>, Vec<PendingNotice>) {
    let org = &snapshot.loaded.org;
    let mut wanted: Vec<Wanted<'a>> = owed.iter().filter_map(|n| from_owed(snapshot, n)).collect();
    let covered: BTreeSet<(&str, u32)> = wanted
        .iter()
        .map(|w| (w.session.group.as_str(), w.session.index))
        .collect();
    wanted.extend(
        from_commit(snapshot)
            .into_iter()
            .filter(|w| !covered.contains(&(w.session.group.as_str(), w.session.index))),
    );
    let mut out = Vec::new();
    let mut settled = Vec::new();
    for w in wanted.into_iter().filter(|w| w.session.start > now) {
        let Some(group) = org.groups.iter().find(|g| g.id == w.session.group) else {
            continue;
        };
        let Some(format) = snapshot.loaded.formats.get(&group.format) else {
            continue;
        };
        let mut composed = true;
        for person in w.session.attendees.iter().filter_map(|m| org.people.get(m)) {
            let kind = w.kind.clone();
            match reminders::compose(org, group, w.session, format, kind, person, now) {
                Ok(r) => {
                    let key = format!("{}/{}/{}/{}", group.id, w.session.index, w.tag, person.id);
                    out.extend(item(snapshot, group, w.session, r, key));
                }
                Err(e) => {
                    composed = false;
                    problems.push(format!(
                        "group `{}` session {}: {e}",
                        group.id, w.session.index
                    ));
                }
            }
        }
        if composed && let Some(n) = w.owed {
            settled.push(n.clone());
        }
    }
    (out, settled)
}

/// The notice `n` owes, when this plan holds the session where `n` says.
fn from_owed<'a>(snapshot: &'a Snapshot, n: &'a PendingNotice) -> Option<Wanted<'a>> {
    let at = |s: &&Session| s.group == n.group && s.index == n.index && s.start == n.at.start;
    let tag = |what: &str| format!("{what}-{}", n.at.start.as_second());
    match n.kind {
        PendingKind::Moved => {
            let session = snapshot.plan.sessions.iter().find(at)?;
            let from = moved_from(snapshot, &n.group, n.from.start)?;
            Some(Wanted {
                session,
                kind: ReminderKind::Moved(from),
                tag: tag("moved"),
                owed: Some(n),
            })
        }
        PendingKind::Cancelled => Some(Wanted {
            session: snapshot.commit.cancelled.iter().find(at)?,
            kind: ReminderKind::Cancelled(None),
            tag: tag("cancelled"),
            owed: Some(n),
        }),
    }
}

/// This pass's own moves and cancellations (a commit that recorded no
/// owed notices, e.g. in a test or a library caller).
fn from_commit(snapshot: &Snapshot) -> Vec<Wanted<'_>> {
    let changes = &snapshot.commit.changes;
    let mut wanted = Vec::new();
    for m in &changes.moved {
        let session = snapshot
            .plan
            .sessions
            .iter()
            .find(|s| s.group == m.group && s.index == m.index);
        if let (Some(session), Some(from)) = (session, moved_from(snapshot, &m.group, m.from.start))
        {
            let tag = format!("moved-{}", m.to.start.as_second());
            let kind = ReminderKind::Moved(from);
            wanted.push(Wanted {
                session,
                kind,
                tag,
                owed: None,
            });
        }
    }
    for c in &changes.cancelled {
        let session = snapshot
            .commit
            .cancelled
            .iter()
            .find(|s| s.group == c.group && s.index == c.index);
        if let Some(session) = session {
            let tag = format!("cancelled-{}", c.time.start.as_second());
            let kind = ReminderKind::Cancelled(None);
            wanted.push(Wanted {
                session,
                kind,
                tag,
                owed: None,
            });
        }
    }
    wanted
}

/// The local time of day `start` had in `group`'s zone.
fn moved_from(snapshot: &Snapshot, group: &str, start: Timestamp) -> Option<jiff::civil::Time> {
    let org = &snapshot.loaded.org;
    let g = org.groups.iter().find(|g| g.id == group)?;
    Some(start.to_zoned(g.zone.tz.clone()).time())
}

/// Alert state changes: group id → the new (kind, since), or `None` to
/// clear it.
pub(super) type AlertUpdates = Vec<(String, Option<(String, Timestamp)>)>;

/// Why a group has no time, as the alert state records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AlertKind {
    /// An input the group depends on is broken.
    Blocked,
    /// No time fits.
    Unscheduled,
}

impl AlertKind {
    /// The kind of a group's outcome, when it has no time.
    fn of(outcome: &GroupOutcome) -> Option<(AlertKind, &str)> {
        match outcome {
            GroupOutcome::Blocked { reason } => Some((AlertKind::Blocked, reason)),
            GroupOutcome::Unscheduled { reason } => Some((AlertKind::Unscheduled, reason)),
            GroupOutcome::Scheduled { .. } | GroupOutcome::Partitioned { .. } => None,
        }
    }

    /// The name recorded in the alert state and in notice keys.
    fn as_str(self) -> &'static str {
        match self {
            AlertKind::Blocked => "blocked",
            AlertKind::Unscheduled => "unscheduled",
        }
    }
}

/// One HR notice about a group, before it is addressed to each contact.
enum HrNotice<'a> {
    /// The group newly has no time; `explanation` is the planner's.
    NoTime {
        kind: AlertKind,
        reason: &'a str,
        explanation: String,
    },
    /// An occurrence still ahead does not take place.
    Skipped(&'a Skipped),
}

impl HrNotice<'_> {
    /// The notice's tag in its outbox key: each is sent once.
    fn tag(&self, now: Timestamp) -> String {
        match self {
            HrNotice::NoTime { kind, .. } => format!("hr-{}-{}", kind.as_str(), now.as_second()),
            HrNotice::Skipped(s) => format!("hr-short-{}", s.date),
        }
    }

    /// The mail subject.
    fn subject(&self, group: &Group) -> String {
        match self {
            HrNotice::NoTime { .. } => format!("peerwell: {} has no time", group.name),
            HrNotice::Skipped(s) => format!(
                "peerwell: {} does not meet on {}",
                group.name,
                s.date.strftime("%a %-d %b %Y")
            ),
        }
    }

    /// The text between the greeting and the signature.
    fn text(&self, group: &Group) -> String {
        match self {
            HrNotice::NoTime {
                kind,
                reason,
                explanation,
            } => {
                let headline = match kind {
                    AlertKind::Blocked => format!("{} cannot be planned: {reason}.", group.name),
                    AlertKind::Unscheduled => {
                        format!("{} has lost its time: no time fits. {reason}.", group.name)
                    }
                };
                format!(
                    "{headline}\n\nWhy, in detail:\n\n{}",
                    explanation.trim_end()
                )
            }
            HrNotice::Skipped(s) => format!(
                "{} ({}) does not meet on {}: {}.\n\nThe other sessions of the series keep their time. Run `peerwell plan --explain --group {}` for the full picture.",
                group.name,
                group.id,
                s.date.strftime("%A %-d %B %Y"),
                s.reason,
                group.id
            ),
        }
    }
}

/// HR notices for groups that newly lost their time or skip an occurrence
/// still ahead, and the alert state to record. A group that stays without
/// time is announced once; once it has a time again, a later loss is
/// announced again.
pub(super) fn hr<'a>(
    snapshot: &'a Snapshot,
    now: Timestamp,
    alerts: &BTreeMap<String, (String, Timestamp)>,
) -> (Vec<Item<'a>>, AlertUpdates) {
    let org = &snapshot.loaded.org;
    let today = now.to_zoned(org.org.zone.tz.clone()).date();
    let mut items = Vec::new();
    let mut updates = Vec::new();
    for (group_id, outcome) in &snapshot.plan.outcomes {
        let Some(group) = org.groups.iter().find(|g| &g.id == group_id) else {
            continue;
        };
        let notices = match AlertKind::of(outcome) {
            Some((kind, reason)) => {
                if alerts
                    .get(group_id)
                    .is_some_and(|(k, _)| k == kind.as_str())
                {
                    continue;
                }
                updates.push((group_id.clone(), Some((kind.as_str().to_string(), now))));
                vec![no_time(snapshot, group_id, kind, reason)]
            }
            None => {
                if alerts.contains_key(group_id) {
                    updates.push((group_id.clone(), None));
                }
                skipped_ahead(outcome, today)
            }
        };
        for notice in notices {
            items.extend(addressed(snapshot, group, &notice, now));
        }
    }
    (items, updates)
}

/// The notice that `group_id` has no time, with the planner's explanation.
fn no_time<'a>(
    snapshot: &Snapshot,
    group_id: &str,
    kind: AlertKind,
    reason: &'a str,
) -> HrNotice<'a> {
    let loaded = &snapshot.loaded;
    let explanation = schedule::explain(
        &loaded.org,
        &loaded.availability,
        loaded.horizon,
        &loaded.formats,
        group_id,
    )
    .map(|e| e.to_string())
    .unwrap_or_default();
    HrNotice::NoTime {
        kind,
        reason,
        explanation,
    }
}

/// Notices for the skipped occurrences of a scheduled group from `today`
/// on, except holidays.
fn skipped_ahead(outcome: &GroupOutcome, today: jiff::civil::Date) -> Vec<HrNotice<'_>> {
    let (GroupOutcome::Scheduled { skipped, .. } | GroupOutcome::Partitioned { skipped }) = outcome
    else {
        return Vec::new();
    };
    skipped
        .iter()
        .filter(|s| s.date >= today && !s.reason.is_holiday())
        .map(HrNotice::Skipped)
        .collect()
}

/// `notice` addressed to each HR contact of the organization.
fn addressed<'a>(
    snapshot: &'a Snapshot,
    group: &'a Group,
    notice: &HrNotice<'_>,
    now: Timestamp,
) -> Vec<Item<'a>> {
    let org = &snapshot.loaded.org;
    let (tag, subject, text) = (notice.tag(now), notice.subject(group), notice.text(group));
    org.org
        .mail
        .hr
        .iter()
        .map(|c| Item {
            key: format!("{}/-/{tag}/hr:{}", group.id, c.email),
            kind: MessageKind::Hr,
            group,
            index: None,
            recipient: format!("hr:{}", c.email),
            to_name: c.name.clone(),
            to: c.email.clone(),
            subject: subject.clone(),
            body: format!(
                "Hello {},\n\n{text}\n\n— peerwell for {}",
                c.name, org.org.name
            ),
            due: now,
            expires: None,
            quiet: None::<(peerwell_core::mail::QuietHours, TimeZone)>,
            attach: None,
            superseded: false,
            invite: None,
        })
        .collect()
}
