//! The synthetic organization and plan the feed oracles read: groups in
//! five zones (New York, London, Sydney, Kolkata, UTC) whose sessions span
//! DST changes, one session in New York's repeated fall-back hour, long
//! multibyte descriptions, and commas, semicolons, backslashes and line
//! breaks in names and text.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::ToSpan;
use jiff::civil::{Date, Time, date, time};

use peerwell_core::feeds::FeedOptions;
use peerwell_core::formats::{AgendaItem, RoleAssignment, SessionPlan};
use peerwell_core::model::{
    Charter, Escalation, FeedSettings, Horizon, Organization, Person, Zone,
};
use peerwell_core::schedule::{Plan, Session};
use peerwell_testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};

pub const ORG_NAME: &str = "Riverbend Community Mental Health, Inc.; East";
pub const ORG_SLUG: &str = "riverbend-community-mental-health-inc-east";

fn zone(name: &str) -> Zone {
    Zone::iana(name).unwrap_or_else(|| panic!("zone {name}"))
}

fn person(id: &str, name: &str, zone_name: &str) -> Person {
    PersonBuilder::new(id)
        .name(name)
        .email(format!("{id}@riverbend.example.org"))
        .zone(zone(zone_name))
        .weekdays(time(8, 0, 0, 0), time(17, 0, 0, 0))
        .tags(&["clinician"])
        .buffer_minutes(15)
        .build()
}

struct GroupSpec {
    id: &'static str,
    name: &'static str,
    zone: &'static str,
    members: &'static [&'static str],
    neutral: bool,
    location: Option<&'static str>,
    video: Option<&'static str>,
    /// First local date, local start time, minutes, number of weekly sessions.
    first: Date,
    at: Time,
    minutes: u32,
    count: u32,
}

fn specs() -> Vec<GroupSpec> {
    vec![
        GroupSpec {
            id: "morning-walk",
            name: "Morning walk, east team; \"the loop\"",
            zone: "America/New_York",
            members: &["ana", "bo", "chen", "dev"],
            neutral: false,
            location: Some("Front steps, 12 River St.; rain: room 2\\B"),
            video: None,
            first: date(2026, 2, 24),
            at: time(8, 0, 0, 0),
            minutes: 45,
            count: 4, // crosses 2026-03-08
        },
        GroupSpec {
            id: "lunch-circle",
            name: "Lunch circle — Zoë's team ☕",
            zone: "Europe/London",
            members: &["eve", "ana", "zoe"],
            neutral: false,
            location: Some("Café Ñandú, 1st floor"),
            video: Some("https://video.example.org/j/123?pwd=a,b;c"),
            first: date(2026, 3, 18),
            at: time(12, 30, 0, 0),
            minutes: 60,
            count: 3, // crosses 2026-03-29
        },
        GroupSpec {
            id: "sydney-buddies",
            name: "Sydney buddies",
            zone: "Australia/Sydney",
            members: &["kai", "zoe"],
            neutral: false,
            location: None,
            video: None,
            first: date(2026, 3, 27),
            at: time(9, 15, 0, 0),
            minutes: 30,
            count: 3, // crosses 2026-04-05
        },
        GroupSpec {
            id: "kolkata-debrief",
            name: "Debrief after hard sessions",
            zone: "Asia/Kolkata",
            members: &["priya", "dev"],
            neutral: true,
            location: Some("Quiet room"),
            video: None,
            first: date(2026, 3, 2),
            at: time(16, 45, 0, 0),
            minutes: 20,
            count: 2,
        },
        GroupSpec {
            id: "remote-rounds",
            name: "Remote rounds",
            zone: "UTC",
            members: &["ana", "priya", "kai"],
            neutral: false,
            location: None,
            video: Some("https://video.example.org/rounds"),
            first: date(2026, 3, 5),
            at: time(14, 0, 0, 0),
            minutes: 90,
            count: 2,
        },
    ]
}

pub fn organization() -> Organization {
    let people = [
        person("ana", "Ana María Ortiz", "America/New_York"),
        person("bo", "Bo Lindqvist", "America/New_York"),
        person("chen", "陈 静", "America/New_York"),
        person("dev", "Dev, Jr. Patel", "America/Chicago"),
        person("eve", "Éve Dubois", "Europe/London"),
        person("zoe", "Zoë Ñúñez-Okafor", "Europe/Berlin"),
        person("kai", "Kai; the Second", "Australia/Sydney"),
        person("priya", "Priya Raghunathan", "Asia/Kolkata"),
    ];
    let groups = specs().into_iter().map(|s| {
        GroupBuilder::new(s.id)
            .name(s.name)
            .members(s.members)
            .duration_minutes(s.minutes)
            .days(&[s.first.weekday()])
            .window(time(7, 0, 0, 0), time(19, 0, 0, 0))
            .charter(Charter {
                purpose: "Buffer secondary traumatic stress, together; \\ no agenda, no notes."
                    .to_string(),
                boundaries:
                    "Feelings and thoughts, not graphic details.\nWhat is said here stays here."
                        .to_string(),
                open: s.id != "kolkata-debrief",
                size_limit: Some(8),
            })
            .escalation(vec![
                Escalation {
                    name: "Employee assistance (EAP)".to_string(),
                    contact: "+1 555 0100, eap.help@care.example.com".to_string(),
                    note: Some("24/7; confidential, free".to_string()),
                },
                Escalation {
                    name: "Clinical lead".to_string(),
                    contact: "Room 3".to_string(),
                    note: None,
                },
            ])
            .location(s.location)
            .video_url(s.video)
            .neutral_title(s.neutral)
            .zone(zone(s.zone))
            .short_of_quorum(peerwell_core::model::ShortOfQuorum::Move)
            .build()
    });
    OrganizationBuilder::new()
        .dir("/nonexistent")
        .name(ORG_NAME)
        .zone(zone("America/New_York"))
        .weekdays(time(8, 0, 0, 0), time(17, 0, 0, 0))
        .horizon_weeks(12)
        .start(Some(date(2026, 2, 23)))
        .buffer_minutes(15)
        .feeds(FeedSettings {
            refresh_minutes: 360,
        })
        .people(people)
        .groups(groups)
        .build()
}

fn long_detail(i: u32) -> String {
    format!(
        "Round {i}: each person — 👩‍⚕️ clinicians, 社会福祉士, travailleurs sociaux — says how \
         they are doing; pass if you like, no advice unless asked.\nA backslash \\ and a \
         semicolon; and a comma, all kept. Ünïcödé ✓ 🌿🚶‍♀️ {}",
        "ä".repeat(40)
    )
}

pub fn plan(org: &Organization) -> Plan {
    let mut sessions = Vec::new();
    for (g, s) in org.groups.iter().zip(specs()) {
        for k in 0..s.count {
            let day = s.first.checked_add((7 * k as i64).days()).unwrap();
            let start = day
                .to_datetime(s.at)
                .to_zoned(g.zone.tz.clone())
                .unwrap()
                .timestamp();
            let end = start.checked_add((s.minutes as i64).minutes()).unwrap();
            // The last member is absent from every other session.
            let absent = (k % 2 == 1).then(|| g.members[g.members.len() - 1].clone());
            let attendees: Vec<String> = g
                .members
                .iter()
                .filter(|m| Some(*m) != absent.as_ref())
                .cloned()
                .collect();
            let holder = attendees[k as usize % attendees.len()].clone();
            let third = s.minutes / 3;
            sessions.push(Session {
                group: g.id.clone(),
                index: k * 2 + 1, // indices need not be contiguous
                date: day,
                start,
                end,
                attendees,
                absentees: absent.into_iter().collect(),
                plan: SessionPlan {
                    title: format!("{} — peer check-in #{k}, week {}", g.name, k + 1),
                    agenda: vec![
                        AgendaItem {
                            minutes: s.minutes - 2 * third,
                            title: "Check-in round".to_string(),
                            detail: long_detail(k),
                        },
                        AgendaItem {
                            minutes: third,
                            title: "Success stories".to_string(),
                            detail: "One thing that went well.".to_string(),
                        },
                        AgendaItem {
                            minutes: third,
                            title: "Strategy share".to_string(),
                            detail: String::new(),
                        },
                    ],
                    roles: vec![RoleAssignment {
                        role: "strategy".to_string(),
                        member: holder,
                    }],
                    notes: "Peer support, not therapy.\r\nIf someone needs more, point to the \
                            contacts; keep welcoming them."
                        .to_string(),
                    deadlines: Vec::new(),
                },
                moved_from: None,
            });
        }
    }
    // One session on the second 01:30 of New York's fall-back night, which
    // a TZID cannot name: it must still come out at the right instant.
    let fold: Timestamp = "2026-11-01T06:30:00Z".parse().unwrap();
    let mut extra = sessions[0].clone();
    extra.index = 40;
    extra.date = date(2026, 11, 1);
    extra.start = fold;
    extra.end = fold.checked_add(45.minutes()).unwrap();
    sessions.push(extra);
    sessions.sort_by(|a, b| (a.start, &a.group).cmp(&(b.start, &b.group)));
    Plan {
        horizon: Horizon::starting(date(2026, 2, 23), 40),
        sessions,
        outcomes: vec![],
    }
}

pub fn options() -> FeedOptions {
    let mut sequence = BTreeMap::new();
    sequence.insert(("morning-walk".to_string(), 3), 2);
    sequence.insert(("lunch-circle".to_string(), 1), 7);
    FeedOptions {
        dtstamp: "2026-02-20T09:00:00Z".parse().unwrap(),
        sequence,
        cancelled: Default::default(),
        revised: Default::default(),
    }
}
