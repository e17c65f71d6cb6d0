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
use super::{
    Absences, Availability, GroupOutcome, Plan, Previous, SeriesTime, Session, Skipped, partition,
};
use crate::formats::{Formats, Requirements};
use crate::model::{Group, Horizon, Organization};

/// Everything that stays fixed while the groups are planned.
pub struct Planner<'o> {
    pub org: &'o Organization,
    pub horizon: Horizon,
    pub formats: &'o Formats,
    pub holidays: BTreeSet<Date>,
    pub members: BTreeMap<&'o str, Member<'o>>,
    /// Declared absences by group id: session index → member ids.
    pub absences: BTreeMap<String, BTreeMap<u32, BTreeSet<String>>>,
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
            absences: BTreeMap::new(),
        }
    }

    /// A frozen session of group `gi` that an attendee declared themselves
    /// absent from, as an occurrence held at its published time by the
    /// others; `None` when no attendee of it did.
    fn unfreeze(&self, gi: usize, s: &Session) -> Option<Held> {
        let group = self.org.groups.get(gi)?;
        let declared = self.absences.get(&group.id)?.get(&s.index)?;
        if !s.attendees.iter().any(|a| declared.contains(a)) {
            return None;
        }
        let (mut attending, mut absent) = (Vec::new(), Vec::new());
        for (p, id) in group.members.iter().enumerate() {
            if s.attendees.contains(id) && !declared.contains(id) {
                attending.push(p);
            } else {
                absent.push(p);
            }
        }
        Some(Held {
            index: s.index,
            date: s.date,
            slot: crate::model::Interval::new(s.start, s.end),
            attending,
            absent,
            moved_from: s.moved_from,
        })
    }

    /// This planner with members' declared absences.
    pub fn with_absences(mut self, absent: &Absences) -> Self {
        for ((group, index), ids) in absent {
            self.absences
                .entry(group.clone())
                .or_default()
                .entry(*index)
                .or_default()
                .extend(ids.iter().cloned());
        }
        self
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
        let declared = self
            .absences
            .get(&group.id)
            .unwrap_or(&evaluate::NO_ABSENCES);
        let setup = Setup {
            index,
            group,
            req,
            window,
            members,
            declared,
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
/// another group unscheduled. The steps are those of the module
/// documentation, one function each.
pub fn plan_with(
    org: &Organization,
    availability: &Availability,
    horizon: Horizon,
    formats: &Formats,
    previous: &Previous,
) -> Plan {
    let _pass = formats.pass();
    let planner = Planner::new(org, availability, horizon, formats).with_absences(&previous.absent);
    let mut pass = Pass::keep_frozen(&planner, previous);
    pass.set_aside_partitioned();
    pass.keep_previous_series();
    pass.solve_jointly();
    pass.realise_chosen();
    pass.move_or_skip_short();
    pass.place_partitioned();
    pass.plan_sessions()
}

/// The state of one planning pass, from the frozen sessions to the plan.
struct Pass<'a, 'o> {
    planner: &'a Planner<'o>,
    previous: &'a Previous,
    enc: Encoder<'o>,
    /// Frozen sessions of groups that still exist.
    frozen: Vec<Session>,
    /// (Group index, session index) of `frozen` and `unfrozen`.
    frozen_keys: BTreeSet<(usize, u32)>,
    /// Frozen sessions a member declared themselves absent from, by group
    /// index: their time stays, the format plans them again without the
    /// absentees so a role they held passes on.
    unfrozen: BTreeMap<usize, Vec<Held>>,
    bookings: Bookings,
    joint: Joint,
    outcomes: BTreeMap<String, GroupOutcome>,
    work: BTreeMap<usize, Work>,
    held: BTreeMap<usize, Vec<Held>>,
    skipped: BTreeMap<usize, Vec<Skipped>>,
    pending: Vec<(usize, realise::Pending)>,
    /// The solver's series time per group index.
    chosen: BTreeMap<usize, SeriesTime>,
}

impl<'a, 'o> Pass<'a, 'o> {
    /// Step 1: frozen sessions from the previous plan are kept verbatim and
    /// booked.
    fn keep_frozen(planner: &'a Planner<'o>, previous: &'a Previous) -> Self {
        let org = planner.org;
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
        let mut unfrozen: BTreeMap<usize, Vec<Held>> = BTreeMap::new();
        let mut all = Vec::with_capacity(frozen.len());
        for mut s in frozen {
            let Some(&gi) = index_of.get(s.group.as_str()) else {
                continue;
            };
            frozen_keys.insert((gi, s.index));
            if let Some(held) = planner.unfreeze(gi, &s) {
                s.attendees = held
                    .attending
                    .iter()
                    .filter_map(|&p| org.groups.get(gi)?.members.get(p).cloned())
                    .collect();
                unfrozen.entry(gi).or_default().push(held);
            }
            let slot = crate::model::Interval::new(s.start, s.end);
            for a in &s.attendees {
                if let Some(m) = planner.members.get(a.as_str()) {
                    bookings.book(a, slot, gi, m.week(slot));
                }
            }
            all.push((gi, s));
        }
        let enc = Encoder::new(org, planner.horizon);
        let sessions: Vec<Session> = all.iter().map(|(_, s)| s.clone()).collect();
        let joint = Joint::new(&enc, org, &sessions);
        // Sessions planned again for a declared absence leave the verbatim
        // ones: the format plans them with the occurrences.
        let frozen: Vec<Session> = all
            .into_iter()
            .filter(|(gi, s)| {
                unfrozen
                    .get(gi)
                    .is_none_or(|h| h.iter().all(|h| h.index != s.index))
            })
            .map(|(_, s)| s)
            .collect();
        Pass {
            planner,
            previous,
            enc,
            frozen,
            frozen_keys,
            unfrozen,
            bookings,
            joint,
            outcomes: BTreeMap::new(),
            work: BTreeMap::new(),
            held: BTreeMap::new(),
            skipped: BTreeMap::new(),
            pending: Vec::new(),
            chosen: BTreeMap::new(),
        }
    }

    /// Step 2: groups that cannot be planned are blocked, and groups whose
    /// format splits them (see `partition`) are set aside; every other
    /// group waits for a series time.
    fn set_aside_partitioned(&mut self) {
        let planner = self.planner;
        let cx = planner.context(&self.bookings, &self.frozen_keys);
        for index in 0..planner.org.groups.len() {
            let Some((setup, blocked)) = planner.setup(index) else {
                continue;
            };
            let id = setup.group.id.clone();
            if let Some(reason) = blocked {
                self.outcomes.insert(id, GroupOutcome::Blocked { reason });
                continue;
            }
            let Some(format) = planner.formats.get(&setup.group.format) else {
                continue;
            };
            match partition::cycles(&setup, format, planner.org, &cx) {
                Err(e) => {
                    let reason = e.to_string();
                    self.outcomes.insert(id, GroupOutcome::Blocked { reason });
                }
                Ok(Some(cycles)) => {
                    self.work.insert(index, Work::Partitioned(cycles));
                }
                Ok(None) => {
                    self.work.insert(index, Work::Series(None));
                }
            }
        }
    }

    /// Books what the series of group `index` holds, fixes it in the joint
    /// problem and keeps its held, skipped and pending occurrences.
    fn realised(
        &mut self,
        index: usize,
        setup: &Setup<'_, '_>,
        mut r: realise::Realised,
    ) -> realise::Realised {
        for h in &r.held {
            realise::book(setup, h, &mut self.bookings);
            let ids = h
                .attending
                .iter()
                .filter_map(|p| setup.members.get(*p))
                .map(|m| m.person.id.as_str());
            self.joint.fix(&self.enc, ids, h.slot);
        }
        self.held.insert(index, std::mem::take(&mut r.held));
        self.skipped.insert(index, std::mem::take(&mut r.skipped));
        self.pending.extend(
            std::mem::take(&mut r.pending)
                .into_iter()
                .map(|p| (index, p)),
        );
        r
    }

    /// Stability: a previous series that still holds an occurrence without
    /// meeting another kept series or a frozen session is kept as it is.
    fn keep_previous_series(&mut self) {
        let planner = self.planner;
        let indexes: Vec<usize> = self.work.keys().copied().collect();
        for index in indexes {
            if !matches!(self.work.get(&index), Some(Work::Series(_))) {
                continue;
            }
            let Some((setup, _)) = planner.setup(index) else {
                continue;
            };
            let Some(&keep) = self.previous.series.get(&setup.group.id) else {
                continue;
            };
            if !setup.candidates().contains(&keep) {
                continue;
            }
            let r = {
                let cx = planner.context(&self.bookings, &self.frozen_keys);
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
            let r = self.realised(index, &setup, r);
            self.work.insert(index, Work::Series(Some(r)));
        }
    }

    /// Step 3: every group still without a series offers its best
    /// candidate times to the solver (see `joint`), which picks at most one
    /// per group.
    fn solve_jointly(&mut self) {
        let planner = self.planner;
        // Offers only read the bookings: groups make them in parallel and
        // join the problem in group order.
        let cx = planner.context(&self.bookings, &self.frozen_keys);
        let todo: Vec<usize> = self
            .work
            .iter()
            .filter(|(_, w)| matches!(w, Work::Series(None)))
            .map(|(&index, _)| index)
            .collect();
        let enc = &self.enc;
        let offers = crate::parallel::map(&todo, crate::parallel::threads(), |&index| {
            let (setup, _) = planner.setup(index)?;
            Offer::new(enc, &setup, &cx)
        });
        for offer in offers.into_iter().flatten() {
            self.joint.push(offer);
        }
        self.chosen = self.joint.solve();
    }

    /// Step 4a: the solver's series are realised in real instants, in group
    /// order.
    fn realise_chosen(&mut self) {
        let planner = self.planner;
        let indexes: Vec<usize> = self.work.keys().copied().collect();
        for index in indexes {
            let (Some(Work::Series(None)), Some(&series), Some((setup, _))) = (
                self.work.get(&index),
                self.chosen.get(&index),
                planner.setup(index),
            ) else {
                continue;
            };
            let cx = planner.context(&self.bookings, &self.frozen_keys);
            let r = realise::series(&setup, series, &cx);
            let r = self.realised(index, &setup, r);
            self.work.insert(index, Work::Series(Some(r)));
        }
    }

    /// Step 4b: occurrences short of quorum are moved within their week, or
    /// skipped.
    fn move_or_skip_short(&mut self) {
        let frame = Frame {
            horizon: self.planner.horizon,
            holidays: &self.planner.holidays,
            frozen: &self.frozen_keys,
        };
        for (index, p) in std::mem::take(&mut self.pending) {
            let Some((setup, _)) = self.planner.setup(index) else {
                continue;
            };
            match realise::move_or_skip(&setup, &p, &frame, &mut self.bookings) {
                Ok(m) => self.held.entry(index).or_default().push(m),
                Err(s) => self.skipped.entry(index).or_default().push(s),
            }
        }
    }

    /// Step 4c: the partitioned groups' subgroups are placed last.
    fn place_partitioned(&mut self) {
        let frame = Frame {
            horizon: self.planner.horizon,
            holidays: &self.planner.holidays,
            frozen: &self.frozen_keys,
        };
        for (&index, w) in self.work.iter() {
            let (Work::Partitioned(cycles), Some((setup, _))) = (w, self.planner.setup(index))
            else {
                continue;
            };
            let (h, k) = partition::plan(&setup, cycles, &frame, &mut self.bookings);
            self.held.insert(index, h);
            self.skipped.insert(index, k);
        }
    }

    /// Step 5: each group's format plans its sessions, in index order, with
    /// history; the plan gathers them with every group's outcome.
    fn plan_sessions(mut self) -> Plan {
        let mut sessions: Vec<Session> = Vec::new();
        let work = std::mem::take(&mut self.work);
        for (&index, w) in work.iter() {
            let Some((setup, _)) = self.planner.setup(index) else {
                continue;
            };
            if let Some((outcome, built)) = self.group_sessions(&setup, w) {
                self.outcomes.insert(setup.group.id.clone(), outcome);
                sessions.extend(built);
            }
        }
        sessions.sort_by(|a, b| (a.start, &a.group, a.index).cmp(&(b.start, &b.group, b.index)));
        Plan {
            horizon: self.planner.horizon,
            sessions,
            outcomes: self.outcomes.into_iter().collect(),
        }
    }

    /// The outcome and sessions of one group, planned by its format; `None`
    /// when the group has nothing to report.
    fn group_sessions(
        &mut self,
        setup: &Setup<'_, '_>,
        w: &Work,
    ) -> Option<(GroupOutcome, Vec<Session>)> {
        let planner = self.planner;
        let format = planner.formats.get(&setup.group.format)?;
        let mut h = self.held.remove(&setup.index).unwrap_or_default();
        h.extend(self.unfrozen.remove(&setup.index).unwrap_or_default());
        let mut k = self.skipped.remove(&setup.index).unwrap_or_default();
        k.sort_by_key(|a| a.date);
        let history = (&self.previous.past[..], &self.frozen[..]);
        let built = match realise::sessions(setup, format, &planner.org.people, history, h) {
            Ok(s) => s,
            Err(e) => {
                let reason = e.to_string();
                return Some((GroupOutcome::Blocked { reason }, Vec::new()));
            }
        };
        let outcome = match w {
            _ if built.is_empty() => {
                let cx = planner.context(&self.bookings, &self.frozen_keys);
                let ranked = evaluate::ranked(setup, &cx);
                GroupOutcome::Unscheduled {
                    reason: super::explain::unscheduled_reason(setup, &ranked, planner.org),
                }
            }
            Work::Series(Some(r)) => GroupOutcome::Scheduled {
                series: r.series,
                skipped: k,
            },
            Work::Series(None) => return None,
            Work::Partitioned(_) => GroupOutcome::Partitioned { skipped: k },
        };
        Some((outcome, built))
    }
}
