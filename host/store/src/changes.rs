//! Comparing a plan with the published state: what would be added, moved,
//! cancelled or changed.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::{Status, StoredSession, codec};
use peerwell_core::model::Interval;
use peerwell_core::schedule::{Plan, Session};

/// A session by identity and time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SessionRef {
    /// The group's id.
    pub group: String,
    /// The session's index.
    pub index: u32,
    /// Its start and end.
    pub time: Interval,
}

/// A published session the plan puts at another time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The group's id.
    pub group: String,
    /// The session's index.
    pub index: u32,
    /// Where it was published.
    pub from: Interval,
    /// Where the plan puts it.
    pub to: Interval,
}

/// A published session at the same time whose attendees, roles or text
/// changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The group's id.
    pub group: String,
    /// The session's index.
    pub index: u32,
    /// Its start and end.
    pub time: Interval,
    /// Which parts changed, in this order: "attendees", "roles", "text",
    /// "details" (anything else, e.g. where it was moved from).
    pub what: Vec<&'static str>,
}

/// What a plan changes against the published state. Every list is sorted
/// by start, then group id, then index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Planned sessions never published, or published and cancelled before.
    pub added: Vec<SessionRef>,
    /// Published sessions the plan puts at another time.
    pub moved: Vec<Moved>,
    /// Published active sessions in the future (starting at or after now
    /// and the horizon's start) that the plan no longer holds.
    pub cancelled: Vec<SessionRef>,
    /// Published sessions at the same time whose content changed.
    pub changed: Vec<Changed>,
    /// Planned sessions identical to what was published.
    pub unchanged: usize,
}

impl Changes {
    /// True when committing the plan would change nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.moved.is_empty()
            && self.cancelled.is_empty()
            && self.changed.is_empty()
    }

    /// The groups with any change, sorted.
    pub fn groups(&self) -> BTreeSet<&str> {
        let added = self.added.iter().map(|s| s.group.as_str());
        let moved = self.moved.iter().map(|s| s.group.as_str());
        let cancelled = self.cancelled.iter().map(|s| s.group.as_str());
        let changed = self.changed.iter().map(|s| s.group.as_str());
        added.chain(moved).chain(cancelled).chain(changed).collect()
    }
}

/// The result of [`super::Store::commit`].
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// SEQUENCE per (group id, index) of every planned session and every
    /// cancelled session in `cancelled`.
    pub sequences: BTreeMap<(String, u32), u32>,
    /// When each session in `sequences` was last revised, its DTSTAMP (see
    /// [`super::StoredSession::changed_at`]).
    pub revised: BTreeMap<(String, u32), Timestamp>,
    /// Cancelled sessions to publish (STATUS:CANCELLED), ending after the
    /// start of the plan's horizon, sorted by start, group, index; this
    /// includes ones cancelled by earlier commits.
    pub cancelled: Vec<Session>,
    /// Published active sessions that start before the plan's horizon and
    /// have not ended at the commit (an export `--from` a later date): they
    /// stay in the feeds as published, sorted like `cancelled`.
    pub earlier: Vec<Session>,
    /// What this commit changed.
    pub changes: Changes,
}

/// Whether `plan` cancels the published session `old` when it does not
/// hold it: only an active one that has not started and starts inside the
/// plan's horizon or after it. A session before the horizon's start (a
/// later `--from`) is outside what the plan looked at, not cancelled.
pub fn cancels(old: &StoredSession, plan: &Plan, now: Timestamp) -> bool {
    let start = now.max(plan.horizon.window().start);
    old.status == Status::Active && old.session.start >= start
}

/// Compares `plan` with `stored` at `now`.
pub fn compare(
    stored: &BTreeMap<(String, u32), StoredSession>,
    plan: &Plan,
    now: Timestamp,
) -> Changes {
    let mut out = Changes::default();
    let mut planned = BTreeSet::new();
    for s in &plan.sessions {
        planned.insert((s.group.as_str(), s.index));
        let time = Interval::new(s.start, s.end);
        let old = stored
            .get(&(s.group.clone(), s.index))
            .filter(|o| o.status == Status::Active);
        let Some(old) = old else {
            out.added.push(SessionRef {
                group: s.group.clone(),
                index: s.index,
                time,
            });
            continue;
        };
        let was = Interval::new(old.session.start, old.session.end);
        if was != time {
            out.moved.push(Moved {
                group: s.group.clone(),
                index: s.index,
                from: was,
                to: time,
            });
        } else if old.hash != codec::content_hash(s) {
            out.changed.push(Changed {
                group: s.group.clone(),
                index: s.index,
                time,
                what: what_changed(&old.session, s),
            });
        } else {
            out.unchanged += 1;
        }
    }
    for ((group, index), old) in stored {
        if cancels(old, plan, now) && !planned.contains(&(group.as_str(), *index)) {
            out.cancelled.push(SessionRef {
                group: group.clone(),
                index: *index,
                time: Interval::new(old.session.start, old.session.end),
            });
        }
    }
    let key = |g: &str, i: u32, t: Timestamp| (t, g.to_string(), i);
    out.added
        .sort_by_key(|s| key(&s.group, s.index, s.time.start));
    out.cancelled
        .sort_by_key(|s| key(&s.group, s.index, s.time.start));
    out.moved
        .sort_by_key(|s| key(&s.group, s.index, s.to.start));
    out.changed
        .sort_by_key(|s| key(&s.group, s.index, s.time.start));
    out
}

fn what_changed(old: &Session, new: &Session) -> Vec<&'static str> {
    let mut what = Vec::new();
    if old.attendees != new.attendees || old.absentees != new.absentees {
        what.push("attendees");
    }
    if old.plan.roles != new.plan.roles {
        what.push("roles");
    }
    let text = |s: &Session| {
        (
            s.plan.title.clone(),
            s.plan.agenda.clone(),
            s.plan.notes.clone(),
            s.plan.deadlines.clone(),
        )
    };
    if text(old) != text(new) {
        what.push("text");
    }
    if what.is_empty() {
        what.push("details");
    }
    what
}
