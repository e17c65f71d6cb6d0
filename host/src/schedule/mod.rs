//! Finding series times for groups and planning each session.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};

use crate::formats::SessionPlan;
use crate::model::Horizon;

/// One planned session of a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub group: String,
    /// 0-based index in the series (counts skipped occurrences too), so a
    /// session keeps its identity when others change.
    pub index: u32,
    /// Local date in the group's zone.
    pub date: Date,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Members who attend, in the group's member order.
    pub attendees: Vec<String>,
    /// Members who cannot attend, in the group's member order.
    pub absentees: Vec<String>,
    /// Title, agenda and roles from the group's format.
    pub plan: SessionPlan,
}

/// The time a group's series keeps: one weekday and local time in the
/// group's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesTime {
    pub weekday: Weekday,
    pub start: Time,
}

/// An occurrence of the series that did not take place, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub date: Date,
    pub reason: String,
}

/// What happened to one group.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupOutcome {
    Scheduled {
        series: SeriesTime,
        skipped: Vec<Skipped>,
    },
    /// No time fits; the explanation says why.
    Unscheduled { reason: String },
    /// The group cannot be planned because an input it depends on is broken
    /// (a member's calendar, its format); other groups are unaffected.
    Blocked { reason: String },
}

/// The plan for the whole organization over the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub horizon: Horizon,
    /// Sorted by start, then group id.
    pub sessions: Vec<Session>,
    /// By group id, in group id order.
    pub outcomes: Vec<(String, GroupOutcome)>,
}
