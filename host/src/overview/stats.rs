//! The organization's figures: aggregate counts only, never a member's
//! own numbers.

use std::collections::BTreeSet;

use jiff::ToSpan;
use jiff::civil::Date;
use peerwell_core::model::Organization;
use peerwell_core::schedule::{GroupOutcome, Plan, Skipped};

/// How a group fares in the plan, for the organization's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// It has time, and every occurrence is held (holidays aside).
    Scheduled,
    /// It has time, and some occurrences are not held (short of quorum or
    /// of a role, no common time for a subgroup, a clock change).
    Short,
    /// No time fits, or an input it depends on is broken.
    NotScheduled,
}

impl Standing {
    /// The word the page uses (also the `data-standing` attribute).
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Scheduled => "scheduled",
            Standing::Short => "short",
            Standing::NotScheduled => "not-scheduled",
        }
    }
}

/// Occurrences skipped for a reason other than a holiday.
pub fn short_weeks(skipped: &[Skipped]) -> usize {
    skipped.iter().filter(|s| !s.reason.is_holiday()).count()
}

/// The standing of group `id` in `plan`.
pub fn standing(plan: &Plan, id: &str) -> Standing {
    match plan.outcome(id) {
        Some(GroupOutcome::Scheduled { skipped, .. } | GroupOutcome::Partitioned { skipped }) => {
            if short_weeks(skipped) == 0 {
                Standing::Scheduled
            } else {
                Standing::Short
            }
        }
        _ => Standing::NotScheduled,
    }
}

/// The organization's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    /// People who attend at least one session in the horizon.
    pub protected: usize,
    /// Everyone in the policy.
    pub people: usize,
    /// Groups by standing: scheduled, short, not scheduled.
    pub scheduled: usize,
    /// See `scheduled`.
    pub short: usize,
    /// See `scheduled`.
    pub not_scheduled: usize,
    /// Each week of the horizon (its Monday) with the sessions that fall
    /// in it (by their local date in the group's zone).
    pub weeks: Vec<(Date, usize)>,
}

impl Figures {
    /// The figures of `plan` for `org`.
    pub fn of(org: &Organization, plan: &Plan) -> Figures {
        let attendees: BTreeSet<&str> = plan
            .sessions
            .iter()
            .flat_map(|s| s.attendees.iter().map(String::as_str))
            .filter(|id| org.people.contains_key(*id))
            .collect();
        let mut f = Figures {
            protected: attendees.len(),
            people: org.people.len(),
            scheduled: 0,
            short: 0,
            not_scheduled: 0,
            weeks: Vec::new(),
        };
        for g in &org.groups {
            match standing(plan, &g.id) {
                Standing::Scheduled => f.scheduled += 1,
                Standing::Short => f.short += 1,
                Standing::NotScheduled => f.not_scheduled += 1,
            }
        }
        let h = plan.horizon;
        for w in 0..h.weeks {
            let monday = h.week_start(w);
            let next = monday.checked_add(7.days()).unwrap_or(monday);
            let n = plan
                .sessions
                .iter()
                .filter(|s| monday <= s.date && s.date < next)
                .count();
            f.weeks.push((monday, n));
        }
        f
    }

    /// `protected` as a whole percentage of `people` (0 with nobody).
    pub fn percent(&self) -> usize {
        (self.protected * 100)
            .checked_div(self.people)
            .unwrap_or_default()
    }
}
