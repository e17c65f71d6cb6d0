//! iCalendar feeds per group and per member (RFC 5545).
//!
//! A feed is a VCALENDAR with the calendar properties clients use to name and
//! refresh a subscription, one VTIMEZONE per TZID used (sorted by TZID), and
//! one VEVENT per session (sorted by start, then UID). The bytes depend only
//! on the inputs: no wall clock, no hash order.
//!
//! Privacy: only policy text (group, charter, escalation, format plan) and
//! session times are written; nothing from members' calendars reaches a
//! feed. Group feeds carry no email address at all.
//!
//! - [`writer`]: content lines, escaping, folding.
//! - [`vtimezone`]: VTIMEZONEs from jiff's time-zone data.
//! - [`describe`]: the DESCRIPTION text.
//! - [`event`]: one VEVENT per session.
//! - [`invite`]: one session as an iTIP invitation (REQUEST or CANCEL) to
//!   one member, the same event as in their feed.

#![warn(missing_docs)]

pub mod describe;
pub mod event;
pub mod invite;
pub mod vtimezone;
pub mod writer;

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};

use crate::model::{Group, Interval, Organization, Person};
use crate::schedule::{Plan, Session};
use describe::Audience;
use event::{ZoneSpans, slug, write_event};
use writer::Writer;

/// Which feed: a group's or a member's, by id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeedKey {
    /// The feed of the group with this id.
    Group(String),
    /// The feed of the member with this id.
    Member(String),
}

/// Whose feed, as the organization's own group or person.
#[derive(Debug, Clone, Copy)]
pub enum FeedOwner<'a> {
    /// A group's feed.
    Group(&'a Group),
    /// A member's feed.
    Member(&'a Person),
}

impl<'a> FeedOwner<'a> {
    /// Every feed of `org`: its groups' in order, then its people's by id.
    pub fn all(org: &'a Organization) -> Vec<FeedOwner<'a>> {
        org.groups
            .iter()
            .map(FeedOwner::Group)
            .chain(org.people.values().map(FeedOwner::Member))
            .collect()
    }

    /// The owner of feed `key` in `org` (None when `org` has no such
    /// group or person).
    pub fn find(org: &'a Organization, key: &FeedKey) -> Option<FeedOwner<'a>> {
        match key {
            FeedKey::Group(id) => org
                .groups
                .iter()
                .find(|g| &g.id == id)
                .map(FeedOwner::Group),
            FeedKey::Member(id) => org.people.get(id).map(FeedOwner::Member),
        }
    }

    /// Its feed's key.
    pub fn key(&self) -> FeedKey {
        match self {
            FeedOwner::Group(g) => FeedKey::Group(g.id.clone()),
            FeedOwner::Member(p) => FeedKey::Member(p.id.clone()),
        }
    }
}

/// How feeds are stamped and versioned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedOptions {
    /// DTSTAMP of an event missing from `revised`; derived from inputs by
    /// the caller (never the wall clock).
    pub dtstamp: Timestamp,
    /// SEQUENCE per (group id, session index); missing = 0.
    pub sequence: BTreeMap<(String, u32), u32>,
    /// DTSTAMP per (group id, session index): when the session was last
    /// revised (created, or its SEQUENCE raised), as recorded in the
    /// planning state, so it is never in the future and the bytes stay the
    /// same for the same inputs and state.
    pub revised: BTreeMap<(String, u32), Timestamp>,
    /// Sessions, by (group id, index), written as `STATUS:CANCELLED`: a
    /// cancelled session stays in the feed under its UID so subscribers
    /// drop it. The caller includes them in the plan's sessions.
    pub cancelled: BTreeSet<(String, u32)>,
}

/// PRODID of every feed.
pub const PRODID: &str = concat!("-//peerwell//peerwell ", env!("CARGO_PKG_VERSION"), "//EN");

/// How far before the first and after the last event of a zone its
/// VTIMEZONE reaches.
const ZONE_SLACK: SignedDuration = SignedDuration::from_hours(24 * 31);

/// The feed of one group: its sessions from `plan.sessions`.
pub fn group_feed(org: &Organization, group: &Group, plan: &Plan, opts: &FeedOptions) -> String {
    FeedSet::new(org, plan.sessions.iter()).group(group, opts)
}

/// The feed of one member: the sessions of every group they belong to in
/// which they are an attendee (not an absentee).
pub fn member_feed(org: &Organization, person: &Person, plan: &Plan, opts: &FeedOptions) -> String {
    FeedSet::new(org, plan.sessions.iter()).member(person, opts)
}

/// Where each feed's sessions are in a list of sessions: positions by
/// group and by attending member. It borrows nothing, so whoever keeps the
/// sessions (a served snapshot) can keep it beside them and write any one
/// feed later with [`FeedSet::indexed`].
#[derive(Debug, Clone, Default)]
pub struct FeedIndex {
    /// Group id → positions of the group's sessions, in list order.
    by_group: BTreeMap<String, Vec<u32>>,
    /// Person id → (position of the group in `org.groups`, position of the
    /// session) of every session the person attends as a member of its
    /// group, in list order.
    by_member: BTreeMap<String, Vec<(u32, u32)>>,
}

impl FeedIndex {
    /// Indexes `sessions` (a plan's sessions, plus any cancelled ones) of
    /// `org`'s groups.
    pub fn new<'s>(org: &Organization, sessions: impl IntoIterator<Item = &'s Session>) -> Self {
        let groups: BTreeMap<&str, u32> = org
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.as_str(), i as u32))
            .collect();
        let mut index = FeedIndex::default();
        for (at, s) in sessions.into_iter().enumerate() {
            let at = at as u32;
            index.by_group.entry(s.group.clone()).or_default().push(at);
            let Some(&g) = groups.get(s.group.as_str()) else {
                continue;
            };
            let group = &org.groups[g as usize];
            let members: BTreeSet<&str> = group.members.iter().map(String::as_str).collect();
            let mut seen = BTreeSet::new();
            for a in &s.attendees {
                if members.contains(a.as_str()) && seen.insert(a.as_str()) {
                    index.by_member.entry(a.clone()).or_default().push((g, at));
                }
            }
        }
        index
    }

    /// Positions of group `id`'s sessions, in list order.
    pub fn group_positions(&self, id: &str) -> &[u32] {
        self.by_group.get(id).map_or(&[], Vec::as_slice)
    }
}

/// Sessions indexed once by group and by attending member, so that writing
/// every feed of an organization reads each session a bounded number of
/// times instead of scanning all sessions per feed. The feeds it writes are
/// byte-identical to [`group_feed`] and [`member_feed`].
pub struct FeedSet<'a> {
    org: &'a Organization,
    /// The sessions, in the given order.
    sessions: Vec<&'a Session>,
    /// Where each feed's sessions are in `sessions`.
    index: std::borrow::Cow<'a, FeedIndex>,
}

impl<'a> FeedSet<'a> {
    /// Indexes `sessions` (a plan's sessions, plus any cancelled ones).
    pub fn new(org: &'a Organization, sessions: impl IntoIterator<Item = &'a Session>) -> Self {
        let sessions: Vec<&Session> = sessions.into_iter().collect();
        let index = FeedIndex::new(org, sessions.iter().copied());
        FeedSet {
            org,
            sessions,
            index: std::borrow::Cow::Owned(index),
        }
    }

    /// The same sessions with `index`, made by [`FeedIndex::new`] over the
    /// same `org` and the same sessions in the same order: nothing is
    /// indexed again.
    pub fn indexed(
        org: &'a Organization,
        sessions: impl IntoIterator<Item = &'a Session>,
        index: &'a FeedIndex,
    ) -> Self {
        FeedSet {
            org,
            sessions: sessions.into_iter().collect(),
            index: std::borrow::Cow::Borrowed(index),
        }
    }

    /// The feed of `owner`.
    pub fn feed(&self, owner: FeedOwner<'_>, opts: &FeedOptions) -> String {
        match owner {
            FeedOwner::Group(g) => self.group(g, opts),
            FeedOwner::Member(p) => self.member(p, opts),
        }
    }

    /// The feed of one group (see [`group_feed`]).
    pub fn group(&self, group: &Group, opts: &FeedOptions) -> String {
        let sessions: Vec<(&Group, &Session)> = self
            .index
            .by_group
            .get(group.id.as_str())
            .map(|v| {
                v.iter()
                    .filter_map(|&at| Some((group, self.session(at)?)))
                    .collect()
            })
            .unwrap_or_default();
        calendar(
            self.org,
            &group.name,
            &group.zone.name,
            sessions,
            Audience::Group,
            opts,
        )
    }

    /// The feed of one member (see [`member_feed`]).
    pub fn member(&self, person: &Person, opts: &FeedOptions) -> String {
        let sessions: Vec<(&Group, &Session)> = self
            .index
            .by_member
            .get(person.id.as_str())
            .map(|v| {
                v.iter()
                    .filter_map(|&(g, at)| {
                        Some((self.org.groups.get(g as usize)?, self.session(at)?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let name = format!("{} — peer support", person.name.trim());
        calendar(
            self.org,
            &name,
            &person.zone.name,
            sessions,
            Audience::Member(person),
            opts,
        )
    }

    /// The session at position `at` (always there when the index was made
    /// over these sessions).
    fn session(&self, at: u32) -> Option<&'a Session> {
        self.sessions.get(at as usize).copied()
    }
}

/// Stable UID of a session: the same in group and member feeds.
///
/// `<group id>-<index, 4 digits>@<organization slug>.peerwell`; it holds no
/// member data.
pub fn session_uid(org: &Organization, session: &Session) -> String {
    format!(
        "{}-{:04}@{}.peerwell",
        session.group,
        session.index,
        slug(&org.org.name)
    )
}

/// Writes the VCALENDAR around `sessions`.
fn calendar(
    org: &Organization,
    name: &str,
    zone_name: &str,
    mut sessions: Vec<(&Group, &Session)>,
    audience: Audience<'_>,
    opts: &FeedOptions,
) -> String {
    sessions.sort_by_cached_key(|(_, s)| (s.start, session_uid(org, s)));
    let mut zones = ZoneSpans::new();
    let mut events = Writer::new();
    for (group, session) in &sessions {
        write_event(&mut events, org, group, session, audience, opts, &mut zones);
    }
    let name = match audience {
        Audience::Group => describe::withhold_emails(name),
        Audience::Member(_) => name.to_string(),
    };
    let refresh = format!("PT{}M", org.org.feeds.refresh_minutes.max(1));

    let mut w = Writer::new();
    w.begin("VCALENDAR");
    w.raw("VERSION", &[], "2.0");
    w.text("PRODID", PRODID);
    w.raw("CALSCALE", &[], "GREGORIAN");
    w.raw("METHOD", &[], "PUBLISH");
    w.text("NAME", &name);
    w.text("X-WR-CALNAME", &name);
    w.text("X-WR-TIMEZONE", zone_name);
    w.raw(
        "REFRESH-INTERVAL",
        &[("VALUE", "DURATION".to_string())],
        &refresh,
    );
    w.raw("X-PUBLISHED-TTL", &[], &refresh);
    write_zones(&mut w, &zones);
    let mut out = w.finish();
    out.push_str(&events.finish());
    let mut w = Writer::new();
    w.end("VCALENDAR");
    out.push_str(&w.finish());
    out
}

/// One VTIMEZONE per zone in `zones`, covering its span with some slack.
fn write_zones(w: &mut Writer, zones: &ZoneSpans) {
    for (zone, span) in zones.values() {
        let range = Interval::new(
            span.start.checked_sub(ZONE_SLACK).unwrap_or(span.start),
            span.end.checked_add(ZONE_SLACK).unwrap_or(span.end),
        );
        vtimezone::write_vtimezone(w, zone, range);
    }
}

#[cfg(test)]
mod tests;
