//! What relaxing one rule would gain a group: its candidates evaluated
//! again with buffers off, caps lifted, quorum one lower, one blocking
//! member's working hours ignored, or one other group's sessions ignored,
//! against the rest of the plan as it stands.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Time};

use super::evaluate::{self, Context, Evaluation, Setup};
use super::members::{Absence, Bookings, Member};
use super::{Availability, SeriesTime};
use crate::formats::Requirements;
use crate::model::{Group, Horizon, Person, WorkingHours};

/// One rule relaxed and what it would gain.
#[derive(Debug, Clone, PartialEq)]
pub struct Relaxation {
    /// The relaxation, e.g. "without the buffer after client time".
    pub rule: String,
    /// More occurrences held than at the best time today.
    pub gain: u32,
    /// Where they would be held.
    pub at: SeriesTime,
    /// Occurrences held there with the rule relaxed.
    pub held: u32,
}

/// The group as planned, for re-evaluation with one rule changed.
pub struct Base<'a> {
    pub group: &'a Group,
    pub index: usize,
    pub req: Requirements,
    /// The group's members in group order.
    pub people: Vec<&'a Person>,
    pub availability: &'a Availability,
    pub horizon: Horizon,
    pub holidays: &'a BTreeSet<Date>,
    /// Every other group's sessions, by group index.
    pub bookings: &'a Bookings,
}

impl Base<'_> {
    fn best(
        &self,
        people: &[Person],
        availability: &Availability,
        req: Requirements,
        bookings: &Bookings,
    ) -> Option<Evaluation> {
        let members: Vec<Member<'_>> = people
            .iter()
            .map(|p| Member::new(p, availability, self.horizon))
            .collect();
        let setup = Setup {
            index: self.index,
            group: self.group,
            window: req.effective_window(self.group),
            req,
            members: members.iter().collect(),
            declared: &evaluate::NO_ABSENCES,
        };
        let frozen = BTreeSet::new();
        let cx = Context {
            horizon: self.horizon,
            holidays: self.holidays,
            bookings,
            frozen: &frozen,
        };
        evaluate::ranked(&setup, &cx).into_iter().next()
    }

    fn people(&self) -> Vec<Person> {
        self.people.iter().map(|p| (*p).clone()).collect()
    }

    /// Each relaxation that would hold more occurrences than `baseline`,
    /// most gain first. `blocking` lists why members are absent at the best
    /// candidates (member position, absence), and `groups` names groups by
    /// index.
    pub fn gains(
        &self,
        baseline: u32,
        blocking: &[(usize, Absence)],
        groups: &BTreeMap<usize, String>,
    ) -> Vec<Relaxation> {
        let mut tries = self.rule_tries();
        tries.extend(self.blocking_tries(blocking, groups));
        let mut out: Vec<Relaxation> = tries
            .into_iter()
            .filter_map(|(rule, e)| {
                let e = e?;
                (e.held > baseline).then(|| Relaxation {
                    rule,
                    gain: e.held - baseline,
                    at: e.series,
                    held: e.held,
                })
            })
            .collect();
        out.sort_by(|a, b| b.gain.cmp(&a.gain).then_with(|| a.rule.cmp(&b.rule)));
        out
    }

    /// The members' availability with no buffer after client time.
    fn without_buffers(&self) -> Availability {
        let mut no_buffer = Availability::new();
        for p in &self.people {
            if let Some(b) = self.availability.get(&p.id) {
                let mut b = b.clone();
                if let Ok(busy) = b.as_mut() {
                    busy.buffer_minutes = 0;
                }
                no_buffer.insert(p.id.clone(), b);
            }
        }
        no_buffer
    }

    /// The group-wide relaxations: no buffers, no weekly caps (when anyone
    /// has one), a quorum one lower (when above one).
    fn rule_tries(&self) -> Vec<(String, Option<Evaluation>)> {
        let mut tries: Vec<(String, Option<Evaluation>)> = Vec::new();
        let no_buffer = self.without_buffers();
        let people = self.people();
        tries.push((
            "without the buffer after client time".to_string(),
            self.best(&people, &no_buffer, self.req.clone(), self.bookings),
        ));
        if self.people.iter().any(|p| p.weekly_cap_minutes.is_some()) {
            let mut uncapped = self.people();
            for p in &mut uncapped {
                p.weekly_cap_minutes = None;
            }
            tries.push((
                "without the weekly cap".to_string(),
                self.best(
                    &uncapped,
                    self.availability,
                    self.req.clone(),
                    self.bookings,
                ),
            ));
        }
        if self.req.quorum > 1 {
            let mut req = self.req.clone();
            req.quorum -= 1;
            tries.push((
                format!("with a quorum of {}", req.quorum),
                self.best(&people, self.availability, req, self.bookings),
            ));
        }
        tries
    }

    /// The relaxations of what blocks members at the best candidates: each
    /// member's working hours, each other group's sessions.
    fn blocking_tries(
        &self,
        blocking: &[(usize, Absence)],
        groups: &BTreeMap<usize, String>,
    ) -> Vec<(String, Option<Evaluation>)> {
        let mut tries: Vec<(String, Option<Evaluation>)> = Vec::new();
        let outside: BTreeSet<usize> = blocking
            .iter()
            .filter(|(_, a)| *a == Absence::OutsideHours)
            .map(|(p, _)| *p)
            .collect();
        for p in outside {
            let mut changed = self.people();
            let Some(person) = changed.get_mut(p) else {
                continue;
            };
            let id = person.id.clone();
            person.working_hours = all_day();
            tries.push((
                format!("ignoring the working hours of `{id}`"),
                self.best(&changed, self.availability, self.req.clone(), self.bookings),
            ));
        }
        let others: BTreeSet<usize> = blocking
            .iter()
            .filter_map(|(_, a)| match a {
                Absence::Booked(g) => Some(*g),
                _ => None,
            })
            .collect();
        let people = self.people();
        for g in others {
            let without = self.bookings.without_group_index(g);
            let name = groups.get(&g).cloned().unwrap_or_default();
            tries.push((
                format!("without the sessions of group `{name}`"),
                self.best(&people, self.availability, self.req.clone(), &without),
            ));
        }
        tries
    }
}

/// Every day, all day.
fn all_day() -> WorkingHours {
    let mut days: [Vec<(Time, Time)>; 7] = Default::default();
    for d in &mut days {
        d.push((Time::MIN, Time::MAX));
    }
    WorkingHours { days }
}
