//! An organization and plan of the shape the planner emits, from fuzz
//! bytes: policy text is arbitrary (HR writes it), times and membership
//! follow the planner's invariants (whole minutes, start before end,
//! attendees and absentees partition the group's members, one session per
//! group and index).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use arbitrary::Arbitrary;
use jiff::civil::{date, time};
use jiff::{SignedDuration, Timestamp};

use peerwell_core::feeds::FeedOptions;
use peerwell_core::formats::{AgendaItem, RoleAssignment, SessionPlan};
use peerwell_core::model::{
    Charter, Escalation, FeedSettings, Group, Horizon, Organization, Person, Zone,
};
use peerwell_core::schedule::{Plan, Session};
use peerwell_core::testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};

/// Zones with DST both ways, half-hour and 45-minute offsets, negative
/// DST (Dublin), a 30-minute DST shift (Lord Howe) and plain UTC.
const ZONES: &[&str] = &[
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
    "Pacific/Chatham",
    "Europe/Dublin",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Africa/Casablanca",
    "America/Santiago",
    "Asia/Kathmandu",
];

const MAX_PEOPLE: usize = 6;
const MAX_GROUPS: usize = 3;
const MAX_SESSIONS: usize = 6;

/// The fuzzed policy text and plan shape.
#[derive(Debug, Arbitrary)]
pub struct Input {
    org_name: String,
    refresh_minutes: u16,
    dtstamp_minutes: u32,
    people: Vec<PersonIn>,
    groups: Vec<GroupIn>,
}

#[derive(Debug, Arbitrary)]
struct PersonIn {
    name: String,
    zone: u8,
}

#[derive(Debug, Arbitrary)]
struct GroupIn {
    name: String,
    zone: u8,
    neutral: bool,
    location: Option<String>,
    video: Option<String>,
    purpose: String,
    boundaries: String,
    open: bool,
    size_limit: Option<u8>,
    escalation: Vec<(String, String, Option<String>)>,
    members: u8,
    sessions: Vec<SessionIn>,
}

#[derive(Debug, Arbitrary)]
struct SessionIn {
    index: u16,
    /// Minutes after 2026-01-01T00:00Z, within about three years.
    start: u32,
    minutes: u16,
    absent: u8,
    title: String,
    notes: String,
    agenda: Vec<(u16, String, String)>,
    roles: Vec<(String, u8)>,
    moved_by: Option<i16>,
    sequence: u8,
    cancelled: bool,
}

fn zone(pick: u8) -> Zone {
    let name = ZONES[usize::from(pick) % ZONES.len()];
    Zone::iana(name).expect("bundled zone")
}

fn person(i: usize, p: PersonIn) -> Person {
    PersonBuilder::new(&format!("p{i}"))
        .name(p.name)
        .email(format!("p{i}@staff.example.org"))
        .zone(zone(p.zone))
        .weekdays(time(8, 0, 0, 0), time(17, 0, 0, 0))
        .build()
}

/// Builds the organization, plan and feed options.
pub fn build(input: Input) -> (Organization, Plan, FeedOptions) {
    let people: Vec<Person> = input
        .people
        .into_iter()
        .take(MAX_PEOPLE)
        .enumerate()
        .map(|(i, p)| person(i, p))
        .collect();
    let ids: Vec<String> = people.iter().map(|p| p.id.clone()).collect();
    let base: Timestamp = "2026-01-01T00:00:00Z".parse().expect("literal");
    let mut opts = FeedOptions {
        dtstamp: base + SignedDuration::from_mins(i64::from(input.dtstamp_minutes % 1_000_000)),
        sequence: BTreeMap::new(),
        cancelled: BTreeSet::new(),
        revised: BTreeMap::new(),
    };
    let mut groups = Vec::new();
    let mut sessions = Vec::new();
    for (gi, g) in input.groups.into_iter().take(MAX_GROUPS).enumerate() {
        let members: Vec<String> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| g.members & (1 << i) != 0)
            .map(|(_, id)| id.clone())
            .collect();
        let group = group(gi, &g, members);
        let mut seen = BTreeSet::new();
        for s in g.sessions.into_iter().take(MAX_SESSIONS) {
            if !seen.insert(s.index) {
                continue;
            }
            let session = session(&group, s, base, &mut opts);
            sessions.push(session);
        }
        groups.push(group);
    }
    sessions.sort_by(|a, b| (a.start, &a.group).cmp(&(b.start, &b.group)));
    let org = organization(input.org_name, input.refresh_minutes, people, groups);
    let plan = Plan {
        horizon: Horizon::starting(date(2025, 12, 29), 160),
        sessions,
        outcomes: vec![],
    };
    (org, plan, opts)
}

fn group(gi: usize, g: &GroupIn, members: Vec<String>) -> Group {
    let escalation = g
        .escalation
        .iter()
        .take(3)
        .map(|(name, contact, note)| Escalation {
            name: name.clone(),
            contact: contact.clone(),
            note: note.clone(),
        })
        .collect();
    GroupBuilder::new(&format!("g{gi}"))
        .name(g.name.clone())
        .members(&members)
        .duration_minutes(30)
        .days(&[jiff::civil::Weekday::Monday])
        .window(time(0, 0, 0, 0), time(23, 59, 0, 0))
        .quorum(1)
        .charter(Charter {
            purpose: g.purpose.clone(),
            boundaries: g.boundaries.clone(),
            open: g.open,
            size_limit: g.size_limit.map(u32::from),
        })
        .escalation(escalation)
        .location(g.location.as_deref())
        .video_url(g.video.as_deref())
        .neutral_title(g.neutral)
        .zone(zone(g.zone))
        .build()
}

fn session(group: &Group, s: SessionIn, base: Timestamp, opts: &mut FeedOptions) -> Session {
    let start = base + SignedDuration::from_mins(i64::from(s.start % (3 * 366 * 24 * 60)));
    let minutes = i64::from(s.minutes % 720) + 1;
    let end = start + SignedDuration::from_mins(minutes);
    let (mut attendees, mut absentees) = (Vec::new(), Vec::new());
    for (i, m) in group.members.iter().enumerate() {
        let to = if s.absent & (1 << i) != 0 {
            &mut absentees
        } else {
            &mut attendees
        };
        to.push(m.clone());
    }
    let key = (group.id.clone(), u32::from(s.index));
    if s.sequence > 0 {
        opts.sequence.insert(key.clone(), u32::from(s.sequence));
        // A revised event is stamped with its revision's time.
        let revised = opts.dtstamp + SignedDuration::from_mins(i64::from(s.sequence));
        opts.revised.insert(key.clone(), revised);
    }
    if s.cancelled {
        opts.cancelled.insert(key);
    }
    let roles = s
        .roles
        .into_iter()
        .take(3)
        .filter_map(|(role, who)| {
            let member = attendees.get(usize::from(who) % attendees.len().max(1))?;
            Some(RoleAssignment {
                role,
                member: member.clone(),
            })
        })
        .collect();
    Session {
        group: group.id.clone(),
        index: u32::from(s.index),
        date: group.zone.tz.to_datetime(start).date(),
        start,
        end,
        attendees,
        absentees,
        plan: SessionPlan {
            title: s.title,
            agenda: s
                .agenda
                .into_iter()
                .take(4)
                .map(|(m, title, detail)| AgendaItem {
                    minutes: u32::from(m % 240),
                    title,
                    detail,
                })
                .collect(),
            roles,
            notes: s.notes,
            deadlines: vec![],
        },
        moved_from: s
            .moved_by
            .map(|m| start + SignedDuration::from_mins(i64::from(m % (7 * 24 * 60)))),
    }
}

fn organization(
    name: String,
    refresh: u16,
    people: Vec<Person>,
    groups: Vec<Group>,
) -> Organization {
    OrganizationBuilder::new()
        .dir(PathBuf::from("/nonexistent"))
        .name(name)
        .zone(zone(0))
        .weekdays(time(8, 0, 0, 0), time(17, 0, 0, 0))
        .horizon_weeks(12)
        .feeds(FeedSettings {
            refresh_minutes: u32::from(refresh),
        })
        .people(people)
        .groups(groups)
        .build()
}
