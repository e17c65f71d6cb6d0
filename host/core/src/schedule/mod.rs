//! Finding series times for groups and planning each session.
//!
//! [`plan`] gives every group one series time (weekday and local start time
//! in the group's zone) for the whole horizon, chosen for all groups
//! together by the [`solver`], and plans each occurrence with the group's
//! format; an occurrence short of quorum moves within its week or is
//! skipped. [`plan_with`] keeps what was published before ([`Previous`]).
//! [`explain`] says why a group got the time it got, or none, and what
//! relaxing one rule would gain; [`heatmap`] counts the members free at each
//! quarter hour of a group's week. Hard rules: each attendee's working hours
//! (in their own zone), busy time and the buffer after client-facing time,
//! nobody in two sessions at once, each person's weekly cap, holidays,
//! start dates, the group's days and window, quorum and required roles. The
//! result is deterministic.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};

use crate::busy::PersonBusy;
use crate::formats::SessionPlan;
use crate::model::Horizon;

mod evaluate;
mod explain;
mod explain_pairs;
mod explain_text;
pub mod heatmap;
mod joint;
mod members;
mod misses;
mod partition;
mod planner;
mod realise;
mod relax;
mod series;
pub mod solver;

pub use evaluate::Skip;
pub use explain::{
    Block, CandidateReport, Explanation, MemberSummary, OccurrenceReport, explain, explain_in,
};
pub use explain_pairs::{CycleReport, PairReport};
pub use heatmap::{Heatmap, heatmap};
pub use misses::{Missed, Misses, misses};
pub use planner::{plan, plan_with};
pub use relax::Relaxation;
pub use series::Placement;

/// Each person's busy time, or why it is unavailable (a calendar failed to
/// read — the text names the file and line, never event text). Members with
/// `Err` block only their own groups ([`GroupOutcome::Blocked`]). A person
/// missing from the map has no busy time.
pub type Availability = BTreeMap<String, Result<PersonBusy, Unreadable>>;

/// Why a person's busy time is unavailable: the message of the calendar
/// error that made it so (file and line, never event text), kept as text
/// so that availability stays cheap to clone and compare.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreadable(pub String);

impl From<String> for Unreadable {
    fn from(message: String) -> Self {
        Unreadable(message)
    }
}

/// The English name of a weekday, e.g. "Tuesday".
pub fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// One planned session of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The group's id.
    pub group: String,
    /// 0-based index in the series (counts skipped occurrences too), so a
    /// session keeps its identity when others change.
    pub index: u32,
    /// Local date in the group's zone.
    pub date: Date,
    /// When the session starts.
    pub start: Timestamp,
    /// When the session ends.
    pub end: Timestamp,
    /// Members who attend, in the group's member order.
    pub attendees: Vec<String>,
    /// Members who cannot attend, in the group's member order.
    pub absentees: Vec<String>,
    /// Title, agenda and roles from the group's format.
    pub plan: SessionPlan,
    /// Where the series would have put this occurrence, when it was moved
    /// within its week (an overridden instance); `None` at the series time.
    pub moved_from: Option<Timestamp>,
}

/// The time a group's series keeps: one weekday and local time in the
/// group's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesTime {
    /// The weekday of every occurrence.
    pub weekday: Weekday,
    /// The local start time in the group's zone.
    pub start: Time,
}

/// An occurrence of the series that did not take place, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// Local date of the occurrence in the group's zone.
    pub date: Date,
    /// Why it does not take place; its text is what users read.
    pub reason: SkipReason,
}

/// Why an occurrence does not take place. Its `Display` text is the reason
/// users read in `plan`, notices and explanations; it never holds event
/// text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The occurrence cannot be held at its series time, and is not moved.
    Occurrence(Skip),
    /// Short of quorum or a role at its series time, and no other time in
    /// its week holds it.
    NotMoved(Skip),
    /// A subgroup of a partitioned group found no common free time.
    NoCommonTime {
        /// Ids of the subgroup's members, in group member order.
        members: Vec<String>,
        /// The Monday of the week searched.
        week: Date,
    },
}

impl SkipReason {
    /// Whether the occurrence falls on a holiday (HR is not told of those).
    pub fn is_holiday(&self) -> bool {
        matches!(
            self,
            SkipReason::Occurrence(Skip::Holiday) | SkipReason::NotMoved(Skip::Holiday)
        )
    }
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Occurrence(skip) => write!(f, "{skip}"),
            SkipReason::NotMoved(skip) => {
                write!(f, "{skip}; no other time in its week holds it")
            }
            SkipReason::NoCommonTime { members, week } => write!(
                f,
                "no common free time for {} in the week of {week}",
                members.join(", ")
            ),
        }
    }
}

/// Compares the reason's text, as users read it.
impl PartialEq<str> for SkipReason {
    fn eq(&self, other: &str) -> bool {
        self.to_string().as_str() == other
    }
}

/// Compares the reason's text, as users read it.
impl PartialEq<&str> for SkipReason {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

/// What happened to one group.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupOutcome {
    /// The group has one series time.
    Scheduled {
        /// The series time.
        series: SeriesTime,
        /// Occurrences of the series that do not take place.
        skipped: Vec<Skipped>,
    },
    /// The format split the group into subgroups (e.g. buddy pairs) that
    /// each met at their own time; `skipped` lists subgroups that found no
    /// common free time.
    Partitioned {
        /// Subgroups that found no common free time, by cycle date.
        skipped: Vec<Skipped>,
    },
    /// No time fits; the explanation says why.
    Unscheduled {
        /// Why no candidate time holds the group.
        reason: String,
    },
    /// The group cannot be planned because an input it depends on is broken
    /// (a member's calendar, its format); other groups are unaffected.
    Blocked {
        /// What is broken, naming the file or format, never event text.
        reason: String,
    },
}

/// The plan for the whole organization over the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The planning horizon.
    pub horizon: Horizon,
    /// Sorted by start, then group id.
    pub sessions: Vec<Session>,
    /// By group id, in group id order.
    pub outcomes: Vec<(String, GroupOutcome)>,
}

impl Plan {
    /// Group `id`'s outcome (a binary search: `outcomes` is in group id
    /// order), `None` for a group the plan does not cover.
    pub fn outcome(&self, id: &str) -> Option<&GroupOutcome> {
        self.outcomes
            .binary_search_by(|(g, _)| g.as_str().cmp(id))
            .ok()
            .map(|i| &self.outcomes[i].1)
    }
}

#[cfg(test)]
mod absences_tests;
#[cfg(test)]
mod evaluate_tests;
#[cfg(test)]
mod explain_tests;
#[cfg(test)]
mod heatmap_tests;
#[cfg(test)]
mod plan_tests;

/// What was published before, so re-planning keeps it where it can.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Previous {
    /// Each group's published series time: kept whenever still feasible.
    pub series: std::collections::BTreeMap<String, SeriesTime>,
    /// Published sessions inside the freeze window: kept exactly as they
    /// are (time, attendees, roles), whatever changed.
    pub frozen: Vec<Session>,
    /// Published sessions that already started: the history each group's
    /// format sees before the sessions it plans (role rotation continues
    /// where it left off when the horizon moves on).
    pub past: Vec<Session>,
    /// Absences members declared ("I can't make it"): they are absent from
    /// that session wherever it ends up, frozen or not.
    pub absent: Absences,
}

/// Declared absences: (group id, session index) → ids of the members who
/// said they cannot come. A member absent here is never an attendee or a
/// role holder of that session: the occurrence is evaluated without them
/// (quorum re-checked; moved or skipped per `short_of_quorum`), and a
/// frozen session keeps its time but is planned again by its format
/// without them, so a role they held passes on.
pub type Absences = BTreeMap<(String, u32), std::collections::BTreeSet<String>>;
