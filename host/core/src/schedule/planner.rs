//! Planning the whole organization jointly.
//!
//! 1. Frozen sessions from the previous plan are kept verbatim and booked.
//! 2. Groups whose format splits them (see `partition`) are set aside.
//! 3. Every other group offers its best candidate series times to the
//!    solver (see `joint`), which picks at most one per group so that nobody
//!    is double-booked or over their cap, scheduling as many groups as it
//!    can, then the best times.
//! 4. The chosen series are realised in real instants in group order
//!    (`realise`), short occurrences are moved within their week or skipped,
//!    and the partitioned groups' subgroups are placed last.
//! 5. Each group's format plans its sessions, in index order, with history.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use super::evaluate::{self, Context, Setup};
use super::joint::{Encoder, Joint, Offer};
use super::members::{self, Bookings, Member};
use super::realise::{self, Frame, Held};
use super::{Availability, GroupOutcome, Plan, Previous, Session, Skipped, partition};
use crate::formats::{Formats, Requirements};
use crate::model::{Group, Horizon, Organization};

/// Everything that stays fixed while the groups are planned.
pub struct Planner<'o> {
    pub org: &'o Organization,
    pub horizon: Horizon,
    pub formats: &'o Formats,
    pub holidays: BTreeSet<Date>,
    pub members: BTreeMap<&'o str, Member<'o>>,
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
        window: None,
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
            Some(f) => match f.requirements(group) {
                Ok(req) => req,
                Err(e) => {
                    blocked = Some(e.to_string());
                    policy_requirements(group)
                }
            },
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
        let window = req.effective_window(group);
        let setup = Setup {
            index,
            group,
            req,
            window,
            members,
        };
        Some((setup, blocked))
    }

    /// The evaluation context over the given bookings.
    pub fn context<'c>(
        &'c self,
        bookings: &'c Bookings,
        frozen: &'c BTreeSet<(usize, u32)>,
    ) -> Context<'c> {
        Context {
            horizon: self.horizon,
            holidays: &self.holidays,
            bookings,
            frozen,
        }
    }
}

/// A group on its way through the plan.
enum Work {
    Series(Option<realise::Realised>),
    Partitioned(Vec<partition::Cycle>),
}

/// Plans every group of the organization over the horizon, from scratch.
pub fn plan(
    org: &Organization,
    availability: &Availability,
    horizon: Horizon,
    formats: &Formats,
) -> Plan {
    plan_with(org, availability, horizon, formats, &Previous::default())
}

/// Plans every group jointly, keeping what was published where it can:
/// frozen sessions stay exactly as they are, and a group whose previous
/// series time still holds an occurrence keeps it unless that would leave
/// another group unscheduled.
pub fn plan_with(
    org: &Organization,
    availability: &Availability,
    horizon: Horizon,
    formats: &Formats,
    previous: &Previous,
) -> Plan {
    let _pass = formats.pass();
    let planner = Planner::new(org, availability, horizon, formats);
    let index_of: BTreeMap<&str, usize> = org
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let frozen: Vec<Session> = previous
        .frozen
        .iter()
        .filter(|s| index_of.contains_key(s.group.as_str()))
        .cloned()
        .collect();
    let mut bookings = Bookings::default();
    let mut frozen_keys = BTreeSet::new();
    for s in &frozen {
        let Some(&gi) = index_of.get(s.group.as_str()) else {
            continue;
        };
        frozen_keys.insert((gi, s.index));
        let slot = crate::model::Interval::new(s.start, s.end);
        for a in &s.attendees {
            if let Some(m) = planner.members.get(a.as_str()) {
                bookings.book(a, slot, gi, m.week(slot));
            }
        }
    }
    let mut outcomes: BTreeMap<String, GroupOutcome> = BTreeMap::new();
    let mut work: BTreeMap<usize, Work> = BTreeMap::new();
    let enc = Encoder::new(org, horizon);
    let mut joint = Joint::new(&enc, org, &frozen);
    {
        let cx = planner.context(&bookings, &frozen_keys);
        for index in 0..org.groups.len() {
            let Some((setup, blocked)) = planner.setup(index) else {
                continue;
            };
            let id = setup.group.id.clone();
            if let Some(reason) = blocked {
                outcomes.insert(id, GroupOutcome::Blocked { reason });
                continue;
            }
            let Some(format) = formats.get(&setup.group.format) else {
                continue;
            };
            match partition::cycles(&setup, format, org, &cx) {
                Err(reason) => {
                    outcomes.insert(id, GroupOutcome::Blocked { reason });
                }
                Ok(Some(cycles)) => {
                    work.insert(index, Work::Partitioned(cycles));
                }
                Ok(None) => {
                    work.insert(index, Work::Series(None));
                }
            }
        }
    }
    let mut held: BTreeMap<usize, Vec<Held>> = BTreeMap::new();
    let mut skipped: BTreeMap<usize, Vec<Skipped>> = BTreeMap::new();
    let mut pending: Vec<(usize, realise::Pending)> = Vec::new();
    let mut realised = |index: usize,
                        setup: &Setup<'_, '_>,
                        mut r: realise::Realised,
                        bookings: &mut Bookings,
                        joint: &mut Joint| {
        for h in &r.held {
            realise::book(setup, h, bookings);
            let ids = h
                .attending
                .iter()
                .filter_map(|p| setup.members.get(*p))
                .map(|m| m.person.id.as_str());
            joint.fix(&enc, ids, h.slot);
        }
        held.insert(index, std::mem::take(&mut r.held));
        skipped.insert(index, std::mem::take(&mut r.skipped));
        pending.extend(
            std::mem::take(&mut r.pending)
                .into_iter()
                .map(|p| (index, p)),
        );
        r
    };
    // Stability: a previous series that still holds an occurrence without
    // meeting another kept series or a frozen session is kept as it is.
    for (&index, w) in work.iter_mut() {
        let Work::Series(slot) = w else { continue };
        let Some((setup, _)) = planner.setup(index) else {
            continue;
        };
        let Some(&keep) = previous.series.get(&setup.group.id) else {
            continue;
        };
        if !setup.candidates().contains(&keep) {
            continue;
        }
        let r = {
            let cx = planner.context(&bookings, &frozen_keys);
            let e = evaluate::evaluate(&setup, keep, &cx);
            let clash = e.occurrences.iter().any(|o| {
                o.absent
                    .iter()
                    .any(|(_, a)| matches!(a, members::Absence::Booked(_)))
            });
            if e.held == 0 || clash {
                continue;
            }
            realise::series(&setup, keep, &cx)
        };
        *slot = Some(realised(index, &setup, r, &mut bookings, &mut joint));
    }
    {
        // Offers only read the bookings: groups make them in parallel and
        // join the problem in group order.
        let cx = planner.context(&bookings, &frozen_keys);
        let todo: Vec<usize> = work
            .iter()
            .filter(|(_, w)| matches!(w, Work::Series(None)))
            .map(|(&index, _)| index)
            .collect();
        let offers = crate::parallel::map(&todo, crate::parallel::threads(), |&index| {
            let (setup, _) = planner.setup(index)?;
            Offer::new(&enc, &setup, &cx)
        });
        for offer in offers.into_iter().flatten() {
            joint.push(offer);
        }
    }
    let chosen = joint.solve();
    // The solver's series in group order, then moves, then partitioned
    // groups.
    for (&index, w) in work.iter_mut() {
        let (Work::Series(slot @ None), Some(&series), Some((setup, _))) =
            (w, chosen.get(&index), planner.setup(index))
        else {
            continue;
        };
        let r = realise::series(&setup, series, &planner.context(&bookings, &frozen_keys));
        *slot = Some(realised(index, &setup, r, &mut bookings, &mut joint));
    }
    let frame = Frame {
        horizon,
        holidays: &planner.holidays,
        frozen: &frozen_keys,
    };
    for (index, p) in pending {
        let Some((setup, _)) = planner.setup(index) else {
            continue;
        };
        match realise::move_or_skip(&setup, &p, &frame, &mut bookings) {
            Ok(m) => held.entry(index).or_default().push(m),
            Err(s) => skipped.entry(index).or_default().push(s),
        }
    }
    for (&index, w) in work.iter() {
        let (Work::Partitioned(cycles), Some((setup, _))) = (w, planner.setup(index)) else {
            continue;
        };
        let (h, k) = partition::plan(&setup, cycles, &frame, &mut bookings);
        held.insert(index, h);
        skipped.insert(index, k);
    }
    let mut sessions: Vec<Session> = Vec::new();
    for (&index, w) in work.iter() {
        let Some((setup, _)) = planner.setup(index) else {
            continue;
        };
        let id = setup.group.id.clone();
        let Some(format) = formats.get(&setup.group.format) else {
            continue;
        };
        let h = held.remove(&index).unwrap_or_default();
        let mut k = skipped.remove(&index).unwrap_or_default();
        k.sort_by_key(|a| a.date);
        let built = match realise::sessions(
            &setup,
            format,
            &planner.org.people,
            (&previous.past, &frozen),
            (h, matches!(w, Work::Series(_))),
        ) {
            Ok(s) => s,
            Err(reason) => {
                outcomes.insert(id, GroupOutcome::Blocked { reason });
                continue;
            }
        };
        let outcome = match w {
            _ if built.is_empty() => {
                let cx = planner.context(&bookings, &frozen_keys);
                let ranked = evaluate::ranked(&setup, &cx);
                GroupOutcome::Unscheduled {
                    reason: super::explain::unscheduled_reason(&setup, &ranked, org),
                }
            }
            Work::Series(Some(r)) => GroupOutcome::Scheduled {
                series: r.series,
                skipped: k,
            },
            Work::Series(None) => continue,
            Work::Partitioned(_) => GroupOutcome::Partitioned { skipped: k },
        };
        outcomes.insert(id, outcome);
        sessions.extend(built);
    }
    sessions.sort_by(|a, b| (a.start, &a.group, a.index).cmp(&(b.start, &b.group, b.index)));
    Plan {
        horizon,
        sessions,
        outcomes: outcomes.into_iter().collect(),
    }
}
