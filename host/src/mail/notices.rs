//! Notices that events give rise to rather than offsets: a published session
//! moved or cancelled (from the pass's [`crate::store::Commit`] changes), and
//! HR notices when a group loses its time (unscheduled or blocked) or skips
//! an occurrence (short of quorum or a required role). HR notices carry the
//! planner's explanation, which names members, rules and calendar files,
//! never the text of a calendar event.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::enqueue::{Item, item};
use crate::daemon::Snapshot;
use crate::formats::ReminderKind;
use crate::reminders;
use crate::schedule::{self, GroupOutcome};

/// Change notices to the attendees of each session this pass moved or
/// cancelled, due now. The key holds the session's new (or cancelled)
/// start, so each change is announced once.
pub(super) fn changes<'a>(
    snapshot: &'a Snapshot,
    now: Timestamp,
    problems: &mut Vec<String>,
) -> Vec<Item<'a>> {
    let org = &snapshot.loaded.org;
    let changes = &snapshot.commit.changes;
    let mut wanted = Vec::new();
    for m in &changes.moved {
        let session = snapshot
            .plan
            .sessions
            .iter()
            .find(|s| s.group == m.group && s.index == m.index);
        if let Some(session) = session.filter(|s| s.start > now) {
            let from = org
                .groups
                .iter()
                .find(|g| g.id == m.group)
                .map(|g| m.from.start.to_zoned(g.zone.tz.clone()).time());
            if let Some(from) = from {
                let tag = format!("moved-{}", m.to.start.as_second());
                wanted.push((session, ReminderKind::Moved(from), tag));
            }
        }
    }
    for c in &changes.cancelled {
        let session = snapshot
            .commit
            .cancelled
            .iter()
            .find(|s| s.group == c.group && s.index == c.index);
        if let Some(session) = session.filter(|s| s.start > now) {
            let tag = format!("cancelled-{}", c.time.start.as_second());
            wanted.push((session, ReminderKind::Cancelled(None), tag));
        }
    }
    let mut out = Vec::new();
    for (session, kind, tag) in wanted {
        let Some(group) = org.groups.iter().find(|g| g.id == session.group) else {
            continue;
        };
        let Some(format) = snapshot.loaded.formats.get(&group.format) else {
            continue;
        };
        for member in &session.attendees {
            let Some(person) = org.people.get(member) else {
                continue;
            };
            match reminders::compose(org, group, session, format, kind.clone(), person, now) {
                Ok(r) => {
                    let key = format!("{}/{}/{tag}/{}", group.id, session.index, person.id);
                    out.extend(item(snapshot, group, session, r, key));
                }
                Err(e) => problems.push(format!(
                    "group `{}` session {}: {e}",
                    group.id, session.index
                )),
            }
        }
    }
    out
}

/// Alert state changes: group id → the new (kind, since), or `None` to
/// clear it.
pub(super) type AlertUpdates = Vec<(String, Option<(String, Timestamp)>)>;

/// HR notices for groups that newly lost their time or skip an occurrence
/// still ahead, and the alert state to record. A group that stays without
/// time is announced once; once it has a time again, a later loss is
/// announced again.
pub(super) fn hr<'a>(
    snapshot: &'a Snapshot,
    now: Timestamp,
    alerts: &BTreeMap<String, (String, Timestamp)>,
) -> (Vec<Item<'a>>, AlertUpdates) {
    let loaded = &snapshot.loaded;
    let org = &loaded.org;
    let contacts = &org.org.mail.hr;
    let today = now.to_zoned(org.org.zone.tz.clone()).date();
    let mut items = Vec::new();
    let mut updates = Vec::new();
    for (group_id, outcome) in &snapshot.plan.outcomes {
        let Some(group) = org.groups.iter().find(|g| &g.id == group_id) else {
            continue;
        };
        let mut notices: Vec<(String, String, String)> = Vec::new();
        match outcome {
            GroupOutcome::Unscheduled { reason } | GroupOutcome::Blocked { reason } => {
                let kind = if matches!(outcome, GroupOutcome::Blocked { .. }) {
                    "blocked"
                } else {
                    "unscheduled"
                };
                if alerts.get(group_id).is_some_and(|(k, _)| k == kind) {
                    continue;
                }
                updates.push((group_id.clone(), Some((kind.to_string(), now))));
                let explanation = schedule::explain(
                    org,
                    &loaded.availability,
                    loaded.horizon,
                    &loaded.formats,
                    group_id,
                )
                .map(|e| e.to_string())
                .unwrap_or_default();
                let headline = if kind == "blocked" {
                    format!("{} cannot be planned: {reason}.", group.name)
                } else {
                    format!("{} has lost its time: no time fits. {reason}.", group.name)
                };
                notices.push((
                    format!("hr-{kind}-{}", now.as_second()),
                    format!("peerwell: {} has no time", group.name),
                    format!(
                        "{headline}\n\nWhy, in detail:\n\n{}",
                        explanation.trim_end()
                    ),
                ));
            }
            GroupOutcome::Scheduled { skipped, .. } | GroupOutcome::Partitioned { skipped } => {
                if alerts.contains_key(group_id) {
                    updates.push((group_id.clone(), None));
                }
                for s in skipped
                    .iter()
                    .filter(|s| s.date >= today && !s.reason.starts_with("holiday"))
                {
                    notices.push((
                        format!("hr-short-{}", s.date),
                        format!(
                            "peerwell: {} does not meet on {}",
                            group.name,
                            s.date.strftime("%a %-d %b %Y")
                        ),
                        format!(
                            "{} ({}) does not meet on {}: {}.\n\nThe other sessions of the series keep their time. Run `peerwell plan --explain --group {}` for the full picture.",
                            group.name,
                            group.id,
                            s.date.strftime("%A %-d %B %Y"),
                            s.reason,
                            group.id
                        ),
                    ));
                }
            }
        }
        for (tag, subject, text) in notices {
            for c in contacts {
                items.push(Item {
                    key: format!("{group_id}/-/{tag}/hr:{}", c.email),
                    kind: "hr",
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
                    quiet: None::<(super::settings::QuietHours, TimeZone)>,
                    attach: None,
                    superseded: false,
                });
            }
        }
    }
    (items, updates)
}
