//! Planning the whole organization: groups one after another, most
//! constrained first, each planned session blocking its attendees for the
//! groups after it.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use super::evaluate::{self, Context, Evaluation, Setup};
use super::members::{self, Bookings, Member};
use super::{Availability, GroupOutcome, Plan, Session, Skipped};
use crate::formats::{Formats, PastSession, Requirements, SessionRequest};
use crate::model::{Group, Horizon, Organization};

/// Everything that stays fixed while the groups are planned.
pub struct Planner<'o> {
    pub org: &'o Organization,
    pub horizon: Horizon,
    pub formats: &'o Formats,
    pub holidays: BTreeSet<Date>,
    pub members: BTreeMap<&'o str, Member<'o>>,
}

/// What planning has produced so far.
#[derive(Debug, Default)]
pub struct State {
    pub bookings: Bookings,
    pub sessions: Vec<Session>,
    pub outcomes: BTreeMap<String, GroupOutcome>,
}

/// The requirements a group would have without its format: its own policy.
fn policy_requirements(group: &Group) -> Requirements {
    Requirements {
        duration_minutes: group.duration_minutes,
        cadence: group.cadence,
        quorum: group.quorum,
        required_roles: group.required_roles.clone(),
        min_size: 0,
        max_size: group.charter.size_limit,
    }
}

impl<'o> Planner<'o> {
    /// Prepares every person once.
    pub fn new(
        org: &'o Organization,
        availability: &'o Availability,
        horizon: Horizon,
        formats: &'o Formats,
    ) -> Self {
        Planner {
            org,
            horizon,
            formats,
            holidays: org.org.holidays.iter().copied().collect(),
            members: members::prepare(org, availability, horizon),
        }
    }

    /// The group's setup, and why it cannot be planned (if it cannot). The
    /// setup exists either way so that `explain` can still show candidates.
    pub fn setup(&self, index: usize) -> Option<(Setup<'o, '_>, Option<String>)> {
        let group = self.org.groups.get(index)?;
        let mut blocked = None;
        let req = match self.formats.get(&group.format) {
            Some(f) => f.requirements(group),
            None => {
                blocked = Some(format!("format `{}` is not available", group.format));
                policy_requirements(group)
            }
        };
        let mut members = Vec::with_capacity(group.members.len());
        for id in &group.members {
            match self.members.get(id.as_str()) {
                Some(m) => {
                    if let (Err(why), None) = (&m.busy, &blocked) {
                        blocked = Some(format!(
                            "the calendar of member `{id}` is unreadable: {why}"
                        ));
                    }
                    members.push(m);
                }
                None => {
                    blocked.get_or_insert_with(|| format!("member `{id}` is not a known person"));
                }
            }
        }
        let setup = Setup {
            index,
            group,
            req,
            members,
        };
        Some((setup, blocked))
    }

    /// Groups in planning order: fewest feasible candidate times first
    /// (judged before anything is booked), then id.
    pub fn order(&self) -> Vec<usize> {
        let empty = Bookings::default();
        let cx = self.context(&empty);
        let mut keyed: Vec<(usize, &str, usize)> = (0..self.org.groups.len())
            .filter_map(|i| {
                let (setup, _) = self.setup(i)?;
                let (_, feasible) = evaluate::best(&setup, &cx);
                Some((feasible, setup.group.id.as_str(), i))
            })
            .collect();
        keyed.sort();
        keyed.into_iter().map(|(_, _, i)| i).collect()
    }

    /// The evaluation context over the given bookings.
    pub fn context<'c>(&'c self, bookings: &'c Bookings) -> Context<'c> {
        Context {
            horizon: self.horizon,
            holidays: &self.holidays,
            bookings,
        }
    }

    /// Plans groups in order, stopping before the group `stop_before`.
    pub fn run(&self, stop_before: Option<&str>) -> State {
        let mut state = State::default();
        for index in self.order() {
            let Some((setup, blocked)) = self.setup(index) else {
                continue;
            };
            if stop_before == Some(setup.group.id.as_str()) {
                break;
            }
            let outcome = match blocked {
                Some(reason) => GroupOutcome::Blocked { reason },
                None => self.plan_group(&setup, &mut state),
            };
            state.outcomes.insert(setup.group.id.clone(), outcome);
        }
        state
    }

    /// Plans one group on top of `state`, booking its sessions there.
    pub fn plan_group(&self, setup: &Setup<'o, '_>, state: &mut State) -> GroupOutcome {
        let cx = self.context(&state.bookings);
        match evaluate::best(setup, &cx) {
            (Some(best), _) => match self.sessions(setup, &best) {
                Ok((sessions, skipped)) => {
                    for s in &sessions {
                        let slot = crate::model::Interval::new(s.start, s.end);
                        for a in &s.attendees {
                            state.bookings.book(a, slot, setup.index);
                        }
                    }
                    state.sessions.extend(sessions);
                    GroupOutcome::Scheduled {
                        series: best.series,
                        skipped,
                    }
                }
                Err(reason) => GroupOutcome::Blocked { reason },
            },
            (None, _) => {
                let ranked = evaluate::ranked(setup, &cx);
                GroupOutcome::Unscheduled {
                    reason: super::explain::unscheduled_reason(setup, &ranked, self.org),
                }
            }
        }
    }

    /// Turns the chosen candidate into sessions planned by the format.
    fn sessions(
        &self,
        setup: &Setup<'o, '_>,
        best: &Evaluation,
    ) -> Result<(Vec<Session>, Vec<Skipped>), String> {
        let group = setup.group;
        let format = self
            .formats
            .get(&group.format)
            .ok_or_else(|| format!("format `{}` is not available", group.format))?;
        let id = |p: &usize| setup.members.get(*p).map(|m| m.person.id.clone());
        let mut history: Vec<PastSession> = Vec::new();
        let mut sessions = Vec::new();
        let mut skipped = Vec::new();
        for occ in &best.occurrences {
            let slot = match (&occ.skip, occ.slot) {
                (None, Some(slot)) => slot,
                (skip, _) => {
                    let reason = skip.as_ref().map(ToString::to_string).unwrap_or_default();
                    skipped.push(Skipped {
                        date: occ.date,
                        reason,
                    });
                    continue;
                }
            };
            let attendees: Vec<String> = occ.attending.iter().filter_map(id).collect();
            let absentees: Vec<String> = occ.absent.iter().filter_map(|(p, _)| id(p)).collect();
            let request = SessionRequest {
                group,
                index: occ.index,
                date: occ.date,
                attendees: &attendees,
                absentees: &absentees,
                history: &history,
                people: &self.org.people,
            };
            let plan = format.plan_session(&request).map_err(|e| e.to_string())?;
            history.push(PastSession {
                date: occ.date,
                attendees: attendees.clone(),
                roles: plan.roles.clone(),
            });
            sessions.push(Session {
                group: group.id.clone(),
                index: occ.index,
                date: occ.date,
                start: slot.start,
                end: slot.end,
                attendees,
                absentees,
                plan,
                moved_from: None,
            });
        }
        Ok((sessions, skipped))
    }
}

/// Plans every group of the organization over the horizon.
pub fn plan(
    org: &Organization,
    availability: &Availability,
    horizon: Horizon,
    formats: &Formats,
) -> Plan {
    let planner = Planner::new(org, availability, horizon, formats);
    let state = planner.run(None);
    let mut sessions = state.sessions;
    sessions.sort_by(|a, b| (a.start, &a.group).cmp(&(b.start, &b.group)));
    Plan {
        horizon,
        sessions,
        outcomes: state.outcomes.into_iter().collect(),
    }
}
