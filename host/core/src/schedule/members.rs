//! Each person's time, prepared once per plan: blocked intervals (busy time
//! plus buffers, merged), working hours as absolute intervals over the
//! horizon, and the sessions already booked in this plan. Every check is a
//! binary search.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::Availability;
use super::series::seconds;
use crate::busy::PersonBusy;
use crate::model::{Horizon, Interval, Organization, Person};

/// A person as the scheduler sees them.
#[derive(Debug)]
pub struct Member<'a> {
    pub person: &'a Person,
    /// The person's busy time, or why it could not be read.
    pub busy: Result<Option<&'a PersonBusy>, &'a str>,
    /// Busy spans and the buffers after client-facing ones, merged, in
    /// whole seconds (rounded outward).
    blocked: Vec<Secs>,
    /// Working hours over the horizon, merged where they touch, in whole
    /// seconds (rounded inward).
    working: Vec<Secs>,
}

/// `[start, end)` in Unix seconds: half an [`Interval`]'s size, and the
/// planner keeps two lists of them for every person of the organization.
type Secs = (i64, i64);

/// The first whole second at or before `t`.
fn floor_second(t: Timestamp) -> i64 {
    t.as_second() - i64::from(t.subsec_nanosecond() < 0)
}

/// The first whole second at or after `t`.
fn ceil_second(t: Timestamp) -> i64 {
    t.as_second() + i64::from(t.subsec_nanosecond() > 0)
}

/// Why a member cannot attend an occurrence (coarse; `explain` refines it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absence {
    /// The member's calendar could not be read.
    Unreadable,
    /// The session is before the member's start date (in their zone).
    BeforeStart(Date),
    OutsideHours,
    /// Busy time or the buffer after client-facing time.
    Busy,
    /// Already in a session of the group with this index in `org.groups`.
    Booked(usize),
    /// The session would take the member over their weekly cap.
    Cap,
    /// The member said they cannot come to this session (a declared
    /// absence, see `Previous::absent`).
    Declared,
}

/// Client-facing spans extended by the buffer, all spans sorted and merged.
pub fn blocked_intervals(busy: &PersonBusy) -> Vec<Interval> {
    let buffer = SignedDuration::from_mins(i64::from(busy.buffer_minutes));
    let mut spans: Vec<Interval> = busy
        .spans
        .iter()
        .map(|s| {
            let i = s.interval();
            let end = if s.client_facing() {
                i.end.checked_add(buffer).unwrap_or(Timestamp::MAX)
            } else {
                i.end
            };
            Interval::new(i.start, end)
        })
        .filter(|i| !i.is_empty())
        .collect();
    merge(&mut spans, false);
    spans
}

/// Sorts and merges overlapping spans (and touching ones when `touching`).
fn merge(spans: &mut Vec<Interval>, touching: bool) {
    spans.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(spans.len());
    for s in spans.drain(..) {
        match out.last_mut() {
            Some(last) if s.start < last.end || (touching && s.start == last.end) => {
                last.end = last.end.max(s.end);
            }
            _ => out.push(s),
        }
    }
    *spans = out;
}

/// The person's working hours as absolute intervals, for every local day
/// from the day before the horizon to the day after it.
fn working_intervals(person: &Person, horizon: Horizon) -> Vec<Interval> {
    let tz = &person.zone.tz;
    let mut out = Vec::new();
    let (Ok(mut day), Ok(last)) = (
        horizon.start.checked_sub(1.day()),
        horizon.end().checked_add(1.day()),
    ) else {
        return out;
    };
    while day <= last {
        for (from, to) in person.working_hours.on(day.weekday()) {
            if seconds(*to) <= seconds(*from) {
                continue;
            }
            let start = tz
                .to_ambiguous_timestamp(day.to_datetime(*from))
                .compatible();
            let end = tz.to_ambiguous_timestamp(day.to_datetime(*to)).compatible();
            if let (Ok(start), Ok(end)) = (start, end)
                && start < end
            {
                out.push(Interval::new(start, end));
            }
        }
        match day.checked_add(1.day()) {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    merge(&mut out, true);
    out
}

impl<'a> Member<'a> {
    /// Prepares one person. A person missing from `availability` has no busy
    /// time (and the person's own buffer).
    pub fn new(person: &'a Person, availability: &'a Availability, horizon: Horizon) -> Self {
        let busy = match availability.get(&person.id) {
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => Err(e.0.as_str()),
            None => Ok(None),
        };
        let blocked = match busy {
            // Copied out (not collected in place): the merged list keeps the
            // capacity of all spans.
            Ok(Some(b)) => blocked_intervals(b)
                .iter()
                .map(|i| (floor_second(i.start), ceil_second(i.end)))
                .collect(),
            _ => Vec::new(),
        };
        let working = working_intervals(person, horizon)
            .iter()
            .map(|i| (ceil_second(i.start), floor_second(i.end)))
            .collect();
        Member {
            person,
            busy,
            blocked,
            working,
        }
    }

    /// Whether the member can attend `slot`, given this plan's bookings.
    pub fn check(&self, slot: Interval, bookings: &Bookings) -> Result<(), Absence> {
        if self.busy.is_err() {
            return Err(Absence::Unreadable);
        }
        if let Some(first) = self.person.start_date
            && self.person.zone.tz.to_datetime(slot.start).date() < first
        {
            return Err(Absence::BeforeStart(first));
        }
        // With whole-second bounds, comparing against the slot's start
        // rounded down and its end rounded up decides exactly as comparing
        // against the slot itself.
        let (start, end) = (floor_second(slot.start), ceil_second(slot.end));
        let i = self.working.partition_point(|w| w.0 <= start);
        if i == 0 || self.working[i - 1].1 < end {
            return Err(Absence::OutsideHours);
        }
        let j = self.blocked.partition_point(|b| b.0 < end);
        if j > 0 && self.blocked[j - 1].1 > start {
            return Err(Absence::Busy);
        }
        if let Some(group) = bookings.conflict(&self.person.id, slot) {
            return Err(Absence::Booked(group));
        }
        if let Some(cap) = self.person.weekly_cap_minutes {
            let used = bookings.minutes(&self.person.id, self.week(slot));
            if used.saturating_add(minutes(slot)) > cap {
                return Err(Absence::Cap);
            }
        }
        Ok(())
    }

    /// The week `slot` counts towards for the cap: the Monday of its local
    /// start date in the member's zone.
    pub fn week(&self, slot: Interval) -> Date {
        week_of(self.person, slot)
    }
}

/// The Monday of the local date of `slot`'s start in the person's zone: the
/// week a session counts towards for the person's weekly cap.
pub fn week_of(person: &Person, slot: Interval) -> Date {
    let day = person.zone.tz.to_datetime(slot.start).date();
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(back.days()).unwrap_or(day)
}

/// Whole minutes in `slot`.
pub fn minutes(slot: Interval) -> u32 {
    let m = slot.end.duration_since(slot.start).as_mins();
    u32::try_from(m.max(0)).unwrap_or(u32::MAX)
}

/// Sessions already booked in this plan, per person.
#[derive(Debug, Default, Clone)]
pub struct Bookings {
    /// Person id → that person's sessions and weekly minutes.
    by_person: BTreeMap<String, Booked>,
}

/// One person's bookings.
#[derive(Debug, Default, Clone)]
struct Booked {
    /// Start → (end, group index, cap week). Never overlapping.
    sessions: BTreeMap<Timestamp, (Timestamp, usize, Date)>,
    /// Week Monday → minutes booked, for caps.
    minutes: BTreeMap<Date, u32>,
}

impl Bookings {
    /// The group index of a booked session of `person` overlapping `slot`.
    pub fn conflict(&self, person: &str, slot: Interval) -> Option<usize> {
        let booked = self.by_person.get(person)?;
        let (_, (end, group, _)) = booked.sessions.range(..slot.end).next_back()?;
        (*end > slot.start).then_some(*group)
    }

    /// Books `person` into a session of group `group`, counting its
    /// minutes towards `week` (see [`week_of`]).
    pub fn book(&mut self, person: &str, slot: Interval, group: usize, week: Date) {
        let booked = match self.by_person.get_mut(person) {
            Some(b) => b,
            None => self.by_person.entry(person.to_string()).or_default(),
        };
        booked.sessions.insert(slot.start, (slot.end, group, week));
        let m = booked.minutes.entry(week).or_default();
        *m = m.saturating_add(minutes(slot));
    }

    /// Minutes `person` is booked in the week starting on Monday `week`.
    pub fn minutes(&self, person: &str, week: Date) -> u32 {
        self.by_person
            .get(person)
            .and_then(|b| b.minutes.get(&week))
            .copied()
            .unwrap_or(0)
    }

    /// These bookings without the sessions of the group with index `group`.
    pub fn without_group_index(&self, group: usize) -> Bookings {
        let mut out = Bookings::default();
        for (person, booked) in &self.by_person {
            for (start, (end, g, week)) in &booked.sessions {
                if *g != group {
                    out.book(person, Interval::new(*start, *end), *g, *week);
                }
            }
        }
        out
    }
}

/// Every person of the organization, prepared, by id.
pub fn prepare<'a>(
    org: &'a Organization,
    availability: &'a Availability,
    horizon: Horizon,
) -> BTreeMap<&'a str, Member<'a>> {
    org.people
        .iter()
        .map(|(id, p)| (id.as_str(), Member::new(p, availability, horizon)))
        .collect()
}

#[cfg(test)]
mod tests;
