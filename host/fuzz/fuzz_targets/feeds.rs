//! Feed writing round trip: an organization and plan of the shape the
//! planner emits, built from fuzz bytes, written as every group and member
//! feed and read back (the `ical` crate, plus a strict RFC 5545 reading for
//! exact TEXT): each session comes back once with the same UID, instants,
//! title, location, URL, sequence, status and description; lines are at
//! most 75 octets; group feeds hold no email address; writing twice gives
//! the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

use peerwell_core::feeds::describe::{Audience, description, has_email, withhold_emails};
use peerwell_core::feeds::event::NEUTRAL_TITLE;
use peerwell_core::feeds::{FeedSet, session_uid};
use peerwell_core::model::{Group, Organization};
use peerwell_core::schedule::Session;
use peerwell_fuzz::ics::{self, Zones, loose, text_round_trip, unescape};
use peerwell_fuzz::plan::{Input, build};

fuzz_target!(|input: Input| {
    let (org, plan, opts) = build(input);
    let sessions: Vec<&Session> = plan.sessions.iter().collect();
    if std::env::var_os("PEERWELL_FUZZ_TRACE").is_some() {
        // How much of a plan a corpus builds.
        let zones: std::collections::BTreeSet<_> =
            org.groups.iter().map(|g| &g.zone.name).collect();
        eprintln!(
            "plan: {} groups, {} sessions, {} people, zones {zones:?}",
            org.groups.len(),
            sessions.len(),
            org.people.len()
        );
    }
    let set = FeedSet::new(&org, sessions.iter().copied());
    for group in &org.groups {
        let feed = set.group(group, &opts);
        assert_eq!(feed, set.group(group, &opts), "not deterministic");
        let mine: Vec<(&Group, &Session)> = sessions
            .iter()
            .filter(|s| s.group == group.id)
            .map(|s| (group, *s))
            .collect();
        check(&org, &feed, &mine, Audience::Group, &opts);
    }
    for person in org.people.values() {
        let feed = set.member(person, &opts);
        let mine: Vec<(&Group, &Session)> = sessions
            .iter()
            .filter_map(|s| {
                let g = org.groups.iter().find(|g| g.id == s.group)?;
                let member = g.members.contains(&person.id) && s.attendees.contains(&person.id);
                member.then_some((g, *s))
            })
            .collect();
        check(&org, &feed, &mine, Audience::Member(person), &opts);
    }
});

/// What each written field must read back as.
struct Expected {
    uid: String,
    summary: String,
    location: Option<String>,
    url: Option<String>,
    description: String,
    sequence: u32,
    status: &'static str,
    private: bool,
}

fn expected(
    org: &Organization,
    g: &Group,
    s: &Session,
    audience: Audience<'_>,
    opts: &peerwell_core::feeds::FeedOptions,
) -> Expected {
    let shared = matches!(audience, Audience::Group);
    let clean = |t: &str| {
        text_round_trip(&if shared {
            withhold_emails(t)
        } else {
            t.to_string()
        })
    };
    let key = (s.group.clone(), s.index);
    let url = g.video_url.as_deref().map(str::trim);
    Expected {
        uid: session_uid(org, s),
        summary: if g.neutral_title {
            NEUTRAL_TITLE.to_string()
        } else {
            clean(&s.plan.title)
        },
        location: g
            .location
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(clean),
        url: url
            .filter(|u| !(u.is_empty() || shared && has_email(u)))
            .map(|u| u.chars().filter(|c| !c.is_control()).collect()),
        description: clean(&description(org, g, s, audience)),
        sequence: opts.sequence.get(&key).copied().unwrap_or(0),
        status: if opts.cancelled.contains(&key) {
            "CANCELLED"
        } else {
            "CONFIRMED"
        },
        private: g.neutral_title,
    }
}

fn check(
    org: &Organization,
    feed: &str,
    sessions: &[(&Group, &Session)],
    audience: Audience<'_>,
    opts: &peerwell_core::feeds::FeedOptions,
) {
    for line in feed.split_terminator("\r\n") {
        assert!(line.len() <= 75, "line of {} octets: {line:?}", line.len());
        assert!(!line.contains(['\r', '\n']), "bare line break in {line:?}");
    }
    let cal = ics::parse(feed);
    let zones = Zones::of(&cal);
    let loose_events = ics::events(&cal);
    let strict = ics::strict_events(feed);
    assert_eq!(loose_events.len(), sessions.len(), "event count");
    assert_eq!(strict.len(), sessions.len(), "event count (strict)");
    for (g, s) in sessions {
        let want = expected(org, g, s, audience, opts);
        let i = strict
            .iter()
            .position(|e| e.get("UID").map(|u| unescape(u)) == Some(want.uid.clone()))
            .unwrap_or_else(|| panic!("no event with UID {}", want.uid));
        let exact = &strict[i];
        let read = &loose_events[i];
        let text = |name: &str| exact.get(name).map(|v| unescape(v));
        assert_eq!(text("SUMMARY").as_deref(), Some(want.summary.as_str()));
        assert_eq!(text("LOCATION"), want.location);
        assert_eq!(exact.get("URL"), want.url.as_ref());
        assert_eq!(
            text("DESCRIPTION").as_deref(),
            Some(want.description.as_str())
        );
        assert_eq!(exact["SEQUENCE"], want.sequence.to_string());
        assert_eq!(exact["STATUS"], want.status);
        assert_eq!(exact.get("CLASS").is_some(), want.private);
        if matches!(audience, Audience::Group) {
            for name in ["SUMMARY", "LOCATION", "DESCRIPTION"] {
                assert!(
                    !text(name).is_some_and(|t| has_email(&t)),
                    "email in a group feed"
                );
            }
        }
        for (name, v) in exact {
            let (_, got) = read.get(name).unwrap_or_else(|| panic!("ical lost {name}"));
            assert_eq!(loose(got), loose(v), "ical reads {name} differently");
        }
        let (p, v) = &read["DTSTART"];
        assert_eq!(zones.instant(p, v), s.start, "DTSTART of {}", want.uid);
        let (p, v) = &read["DTEND"];
        assert_eq!(zones.instant(p, v), s.end, "DTEND of {}", want.uid);
    }
}
