//! Feed-level unit tests over a small organization.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::civil::{Weekday, date, time};
use jiff::{Timestamp, ToSpan};

use super::*;
use crate::formats::{AgendaItem, RoleAssignment, SessionPlan};
use crate::model::{Escalation, FeedSettings, Horizon, WorkingHours};
use crate::testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder, zone};

fn person(id: &str, name: &str) -> Person {
    PersonBuilder::new(id)
        .name(name)
        .email(format!("{id}.private@clinic.example"))
        .zone(zone("America/New_York"))
        .working_hours(WorkingHours::default())
        .build()
}

fn group(id: &str, zone_name: &str, neutral: bool) -> Group {
    GroupBuilder::new(id)
        .name(format!("Group {id}"))
        .members(&["ana", "bo"])
        .duration_minutes(30)
        .days(&[Weekday::Monday])
        .window(time(7, 0, 0, 0), time(19, 0, 0, 0))
        .escalation(vec![Escalation {
            name: "EAP".to_string(),
            contact: "help@eap.example".to_string(),
            note: None,
        }])
        .video_url(Some("https://video.example/room"))
        .neutral_title(neutral)
        .zone(zone(zone_name))
        .build()
}

pub(super) fn org() -> Organization {
    OrganizationBuilder::new()
        .dir(PathBuf::new())
        .name("Riverbend Community Mental Health")
        .zone(zone("America/New_York"))
        .working_hours(WorkingHours::default())
        .horizon_weeks(4)
        .feeds(FeedSettings {
            refresh_minutes: 90,
        })
        .people([person("ana", "Ana Ortiz"), person("bo", "Bo Li")])
        .groups([
            group("morning-walk", "America/New_York", false),
            group("quiet", "UTC", true),
        ])
        .build()
}

fn session(group: &str, index: u32, start: &str, absent: &[&str]) -> Session {
    let start: Timestamp = start.parse().unwrap();
    let all = ["ana", "bo"];
    Session {
        group: group.to_string(),
        index,
        date: date(2026, 3, 9),
        start,
        end: start.checked_add(30.minutes()).unwrap(),
        attendees: all
            .iter()
            .filter(|m| !absent.contains(m))
            .map(|m| m.to_string())
            .collect(),
        absentees: absent.iter().map(|m| m.to_string()).collect(),
        plan: SessionPlan {
            title: "Walk, talk; rest".to_string(),
            agenda: vec![AgendaItem {
                minutes: 30,
                title: "Check-in round".to_string(),
                detail: String::new(),
            }],
            roles: vec![RoleAssignment {
                role: "strategy".to_string(),
                member: "bo".to_string(),
            }],
            notes: String::new(),
            deadlines: Vec::new(),
        },
        moved_from: None,
    }
}

pub(super) fn plan() -> Plan {
    Plan {
        horizon: Horizon::starting(date(2026, 3, 2), 4),
        sessions: vec![
            session("morning-walk", 7, "2026-03-02T13:00:00Z", &[]),
            session("quiet", 0, "2026-03-03T15:00:00Z", &["ana"]),
            session("morning-walk", 8, "2026-03-09T12:00:00Z", &["ana"]),
        ],
        outcomes: vec![],
    }
}

pub(super) fn opts() -> FeedOptions {
    FeedOptions {
        dtstamp: "2026-03-01T00:00:00Z".parse().unwrap(),
        sequence: BTreeMap::from([(("morning-walk".to_string(), 8), 3)]),
        cancelled: Default::default(),
        revised: Default::default(),
    }
}

pub(super) fn unfolded(feed: &str) -> String {
    feed.replace("\r\n ", "")
}

#[test]
fn uid_is_slug_group_and_index() {
    let org = org();
    let p = plan();
    assert_eq!(
        session_uid(&org, &p.sessions[0]),
        "morning-walk-0007@riverbend-community-mental-health.peerwell"
    );
}

#[test]
fn calendar_header_and_event_properties() {
    let org = org();
    let feed = group_feed(&org, &org.groups[0], &plan(), &opts());
    assert!(feed.starts_with(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//peerwell//peerwell 0.1.0//EN\r\n\
         CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nNAME:Group morning-walk\r\n\
         X-WR-CALNAME:Group morning-walk\r\nX-WR-TIMEZONE:America/New_York\r\n\
         REFRESH-INTERVAL;VALUE=DURATION:PT90M\r\nX-PUBLISHED-TTL:PT90M\r\n\
         BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"
    ));
    assert!(feed.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
    let text = unfolded(&feed);
    // 13:00Z is 08:00 EST; 12:00Z a week later is 08:00 EDT.
    assert!(text.contains("DTSTART;TZID=America/New_York:20260302T080000\r\n"));
    assert!(text.contains("DTEND;TZID=America/New_York:20260309T083000\r\n"));
    assert!(text.contains("SUMMARY:Walk\\, talk\\; rest\r\n"));
    assert!(text.contains("SEQUENCE:3\r\n") && text.contains("SEQUENCE:0\r\n"));
    assert!(text.contains("DTSTAMP:20260301T000000Z\r\n"));
    assert!(text.contains("URL:https://video.example/room\r\n"));
    assert!(text.contains("STATUS:CONFIRMED\r\nTRANSP:OPAQUE\r\n"));
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
    // The VTIMEZONE covers the March change between the two sessions.
    assert!(text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\n"));
    let first = text.find("UID:morning-walk-0007").unwrap();
    let second = text.find("UID:morning-walk-0008").unwrap();
    assert!(first < second);
}

#[test]
fn group_feeds_carry_no_email_address() {
    let org = org();
    for g in &org.groups {
        let text = unfolded(&group_feed(&org, g, &plan(), &opts()));
        for line in text.lines().filter(|l| !l.starts_with("UID:")) {
            assert!(!line.contains('@'), "{}: {line}", g.id);
        }
        assert!(text.contains(describe::EMAIL_WITHHELD));
    }
    // A member's own feed may show the contact HR wrote.
    let bo = &org.people["bo"];
    let text = unfolded(&member_feed(&org, bo, &plan(), &opts()));
    assert!(text.contains("help@eap.example"));
    assert!(!text.contains("private@clinic.example"));
}

#[test]
fn member_feed_has_only_attended_sessions_with_same_uids() {
    let org = org();
    let ana = &org.people["ana"];
    let text = unfolded(&member_feed(&org, ana, &plan(), &opts()));
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 1);
    assert!(text.contains("UID:morning-walk-0007@riverbend-community-mental-health.peerwell"));
    assert!(text.contains("X-WR-CALNAME:Ana Ortiz — peer support\r\n"));
    assert!(!text.contains("Your role this time"));
    let bo = &org.people["bo"];
    let text = unfolded(&member_feed(&org, bo, &plan(), &opts()));
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 3);
    assert!(text.contains("Your role this time: strategy"));
    assert!(text.contains("strategy: Bo"));
}

#[test]
fn utc_groups_use_utc_times_without_vtimezone_and_neutral_title() {
    let org = org();
    let text = unfolded(&group_feed(&org, &org.groups[1], &plan(), &opts()));
    assert!(!text.contains("BEGIN:VTIMEZONE"));
    assert!(text.contains("DTSTART:20260303T150000Z\r\nDTEND:20260303T153000Z\r\n"));
    assert!(text.contains("SUMMARY:Protected time\r\n"));
    assert!(text.contains("CLASS:PRIVATE\r\n"));
    assert!(!text.contains("Walk\\, talk"));
}

#[test]
fn second_pass_through_fall_back_hour_is_written_in_utc() {
    let org = org();
    let mut p = plan();
    // 06:30Z on 2026-11-01 is the second 01:30 in New York.
    p.sessions = vec![session("morning-walk", 30, "2026-11-01T06:30:00Z", &[])];
    let text = unfolded(&group_feed(&org, &org.groups[0], &p, &opts()));
    assert!(text.contains("DTSTART:20261101T063000Z\r\nDTEND:20261101T070000Z\r\n"));
    assert!(!text.contains("BEGIN:VTIMEZONE"));
    // 01:00–01:30 EDT, the first pass, is named by the TZID as usual.
    p.sessions = vec![session("morning-walk", 30, "2026-11-01T05:00:00Z", &[])];
    let text = unfolded(&group_feed(&org, &org.groups[0], &p, &opts()));
    assert!(text.contains("DTSTART;TZID=America/New_York:20261101T010000\r\n"));
    assert!(text.contains("DTEND;TZID=America/New_York:20261101T013000\r\n"));
    // Ending in the second pass (05:30Z–06:30Z) puts both ends in UTC.
    p.sessions = vec![session("morning-walk", 30, "2026-11-01T05:30:00Z", &[])];
    let text = unfolded(&group_feed(&org, &org.groups[0], &p, &opts()));
    assert!(text.contains("DTSTART:20261101T053000Z\r\nDTEND:20261101T060000Z\r\n"));
}

#[test]
fn same_inputs_same_bytes() {
    let org = org();
    let mut reversed = plan();
    reversed.sessions.reverse();
    for g in &org.groups {
        assert_eq!(
            group_feed(&org, g, &plan(), &opts()),
            group_feed(&org, g, &reversed, &opts())
        );
    }
}

#[test]
fn cancelled_sessions_keep_their_uid_with_status_cancelled() {
    let org = org();
    let plan = plan();
    let mut opts = opts();
    opts.cancelled.insert(("morning-walk".to_string(), 8));
    let group = &org.groups[0];
    let text = unfolded(&group_feed(&org, group, &plan, &opts));
    let events: Vec<&str> = text.split("BEGIN:VEVENT").skip(1).collect();
    let cancelled: Vec<&&str> = events
        .iter()
        .filter(|e| e.contains("STATUS:CANCELLED\r\n"))
        .collect();
    assert_eq!(cancelled.len(), 1, "{text}");
    assert!(cancelled[0].contains("-0008@"), "{}", cancelled[0]);
    assert!(cancelled[0].contains("SEQUENCE:3\r\n"));
    let confirmed = events
        .iter()
        .filter(|e| e.contains("STATUS:CONFIRMED"))
        .count();
    assert_eq!(confirmed + 1, events.len());
}

#[test]
fn a_moved_occurrence_says_where_the_series_would_have_been() {
    let org = org();
    let mut p = plan();
    let usual: Timestamp = "2026-03-10T13:00:00Z".parse().unwrap();
    p.sessions[0].moved_from = Some(usual);
    let text = unfolded(&group_feed(&org, &org.groups[0], &p, &opts()));
    assert!(
        text.contains(
            "Moved this week: the usual time\\, Tuesday 10 March 09:00\\, is short of quorum"
        ),
        "{text}"
    );
    let untouched = unfolded(&group_feed(&org, &org.groups[0], &plan(), &opts()));
    assert!(!untouched.contains("Moved this week"));
}
