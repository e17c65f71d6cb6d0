//! Realistic session requests for the per-call benchmark: a weekly group
//! of six, twelve sessions from 2026-03-03, one member absent each time
//! (in turn), each session seeing the history of the ones before it.

use std::collections::BTreeMap;

use jiff::civil::{Date, Time, date, time};
use peerwell_core::formats::{
    PastSession, SeriesItem, SeriesRequest, SeriesSession, SessionPlan, SessionRequest,
};
use peerwell_core::model::{Group, Person, Zone};
use peerwell_testkit::{GroupBuilder, PersonBuilder};

/// Sessions in a series (history grows to `SESSIONS - 1` past sessions).
pub const SESSIONS: usize = 12;
/// Members of the group.
pub const MEMBERS: usize = 6;
const ZONE: &str = "America/Chicago";

fn zone() -> Zone {
    // A bundled IANA zone; UTC only if the database lacked it.
    Zone::iana(ZONE).unwrap_or_else(|| Zone {
        name: "UTC".to_string(),
        tz: jiff::tz::TimeZone::UTC,
    })
}

fn member(i: usize) -> String {
    format!("m{i}")
}

fn person(id: &str) -> Person {
    PersonBuilder::new(id)
        .name(format!("Member {id}"))
        .email(format!("{id}@bench.example"))
        .zone(zone())
        .weekdays(time(8, 0, 0, 0), time(18, 0, 0, 0))
        .tags(&["clinician"])
        .build()
}

/// A weekly 60-minute group of six on format `format`, quorum 3.
pub fn group(format: &str) -> Group {
    GroupBuilder::new("bench-group")
        .name("Bench peer group")
        .format(format)
        .members(&(0..MEMBERS).map(member).collect::<Vec<_>>())
        .window(time(8, 0, 0, 0), time(18, 0, 0, 0))
        .quorum(3)
        .zone(zone())
        .build()
}

/// One session's fixed inputs.
struct Slot {
    date: Date,
    start: Time,
    attendees: Vec<String>,
    absentees: Vec<String>,
}

/// A series of requests for one group, with the history each one sees
/// made from the plans of the sessions before it.
pub struct Series {
    group: Group,
    people: BTreeMap<String, Person>,
    slots: Vec<Slot>,
    past: Vec<PastSession>,
}

impl Series {
    /// Plans the series in order with `plan`, so that each request's
    /// history holds the plans `plan` made for the earlier sessions.
    pub fn build(
        group: &Group,
        mut plan: impl FnMut(&SessionRequest<'_>) -> anyhow::Result<SessionPlan>,
    ) -> anyhow::Result<Series> {
        let first = date(2026, 3, 3);
        let slots = (0..SESSIONS)
            .map(|i| {
                let absent = i % MEMBERS;
                Slot {
                    date: first.saturating_add(jiff::Span::new().weeks(i as i64)),
                    start: time(10, 0, 0, 0),
                    attendees: (0..MEMBERS).filter(|&m| m != absent).map(member).collect(),
                    absentees: vec![member(absent)],
                }
            })
            .collect();
        let mut series = Series {
            group: group.clone(),
            people: group
                .members
                .iter()
                .map(|m| (m.clone(), person(m)))
                .collect(),
            slots,
            past: Vec::with_capacity(SESSIONS),
        };
        for i in 0..SESSIONS {
            let p = plan(&series.request(i))?;
            let slot = &series.slots[i];
            series.past.push(PastSession {
                date: slot.date,
                attendees: slot.attendees.clone(),
                roles: p.roles,
            });
        }
        Ok(series)
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// The whole series as [`SeriesItem`]s, every session to plan.
    pub fn items(&self) -> Vec<SeriesItem> {
        self.slots
            .iter()
            .enumerate()
            .map(|(i, slot)| {
                SeriesItem::Plan(SeriesSession {
                    index: i as u32,
                    date: slot.date,
                    start: slot.start,
                    attendees: slot.attendees.clone(),
                    absentees: slot.absentees.clone(),
                })
            })
            .collect()
    }

    /// The series request over `items` (from [`Series::items`]).
    pub fn series_request<'a>(&'a self, items: &'a [SeriesItem]) -> SeriesRequest<'a> {
        SeriesRequest {
            group: &self.group,
            items,
            people: &self.people,
        }
    }

    /// The request for session `i` (its history: sessions `0..i`).
    pub fn request(&self, i: usize) -> SessionRequest<'_> {
        let slot = &self.slots[i.min(self.slots.len() - 1)];
        SessionRequest {
            group: &self.group,
            index: i as u32,
            date: slot.date,
            start: slot.start,
            attendees: &slot.attendees,
            absentees: &slot.absentees,
            history: &self.past[..i.min(self.past.len())],
            people: &self.people,
        }
    }
}
