//! A group's series planned in one go ([`Format::plan_series`]): a plugin
//! receives the group once and plans every session in one call; other
//! formats plan one session after another ([`one_by_one`]).

use jiff::civil::{Date, Time};

use super::{Format, FormatError, PastSession, SessionPlan, SessionRequest};
use crate::model::Group;

/// One session of a series for [`Format::plan_series`], in index order.
#[derive(Debug, Clone, PartialEq)]
pub enum SeriesItem {
    /// A session already fixed (frozen): history for the sessions after it.
    Fixed(PastSession),
    /// A session to plan.
    Plan(SeriesSession),
}

/// A session to plan in a series: a [`SessionRequest`] without the group,
/// people and history, which the series gives.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSession {
    /// 0-based index of the session in the series.
    pub index: u32,
    /// Local date in the group's zone.
    pub date: Date,
    /// Local start time in the group's zone.
    pub start: Time,
    /// Members who can attend, in the group's member order.
    pub attendees: Vec<String>,
    /// Members who cannot attend this time.
    pub absentees: Vec<String>,
}

/// Everything a format may look at to plan a group's series in one go.
#[derive(Debug, Clone)]
pub struct SeriesRequest<'a> {
    /// The group whose series this is.
    pub group: &'a Group,
    /// The series, in index order.
    pub items: &'a [SeriesItem],
    /// Everyone, by id.
    pub people: &'a std::collections::BTreeMap<String, crate::model::Person>,
}

/// Plans the series one [`Format::plan_session`] call after another, each
/// seeing the fixed items and the sessions planned before it as history;
/// stops at the first error (the default [`Format::plan_series`]).
pub fn one_by_one<F: Format + ?Sized>(
    format: &F,
    request: &SeriesRequest<'_>,
) -> Result<Vec<SessionPlan>, FormatError> {
    let mut history: Vec<PastSession> = Vec::new();
    let mut plans = Vec::new();
    for item in request.items {
        let s = match item {
            SeriesItem::Fixed(past) => {
                history.push(past.clone());
                continue;
            }
            SeriesItem::Plan(s) => s,
        };
        let plan = format.plan_session(&SessionRequest {
            group: request.group,
            index: s.index,
            date: s.date,
            start: s.start,
            attendees: &s.attendees,
            absentees: &s.absentees,
            history: &history,
            people: request.people,
        })?;
        history.push(PastSession {
            date: s.date,
            attendees: s.attendees.clone(),
            roles: plan.roles.clone(),
        });
        plans.push(plan);
    }
    Ok(plans)
}

#[cfg(test)]
mod tests;
