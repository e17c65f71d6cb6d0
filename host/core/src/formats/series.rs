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

/// The most sessions [`plan_from_anchor`] plans before a series' first one:
/// ten years of weekly sessions.
pub const MOST_SINCE_ANCHOR: u32 = 520;

/// Plans the series with [`Format::plan_series`], so that its roles do not
/// depend on where the horizon starts. A series that opens with a session to
/// plan (no published session before it) whose index is above 0 is first
/// given the sessions since its anchor (at most [`MOST_SINCE_ANCHOR`]) as
/// history: planned by the format as if everyone in that first session's
/// group (attending or not) had come, on its date and time. A planning
/// horizon that starts earlier and holds those sessions with everyone gives
/// them the same roles, so the sessions both horizons hold match. Should the
/// format fail on those sessions, the series is planned without them.
pub fn plan_from_anchor<F: Format + ?Sized>(
    format: &F,
    request: &SeriesRequest<'_>,
) -> Result<Vec<SessionPlan>, FormatError> {
    let since = since_anchor(request);
    if since.is_empty() {
        return format.plan_series(request);
    }
    let lead = since.len();
    let items: Vec<SeriesItem> = since
        .into_iter()
        .chain(request.items.iter().cloned())
        .collect();
    let anchored = SeriesRequest {
        items: &items,
        ..request.clone()
    };
    match format.plan_series(&anchored) {
        Ok(plans) if plans.len() >= lead => Ok(plans.into_iter().skip(lead).collect()),
        _ => format.plan_series(request),
    }
}

/// The sessions before the series' first one that [`plan_from_anchor`]
/// plans; none when the series opens with history or at index 0.
fn since_anchor(request: &SeriesRequest<'_>) -> Vec<SeriesItem> {
    let Some(SeriesItem::Plan(first)) = request.items.first() else {
        return Vec::new();
    };
    let everyone: Vec<String> = request
        .group
        .members
        .iter()
        .filter(|m| first.attendees.contains(m) || first.absentees.contains(m))
        .cloned()
        .collect();
    let from = first.index.saturating_sub(MOST_SINCE_ANCHOR);
    (from..first.index)
        .map(|index| {
            SeriesItem::Plan(SeriesSession {
                index,
                date: first.date,
                start: first.start,
                attendees: everyone.clone(),
                absentees: Vec::new(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{CheckIn, RoleAssignment};
    use crate::model::{Cadence, Charter, ShortOfQuorum, Zone};
    use jiff::civil::{Weekday, date, time};
    use std::collections::BTreeMap;

    fn group() -> Group {
        Group {
            mail: Default::default(),
            id: "walk".to_string(),
            name: "Walk".to_string(),
            format: CheckIn::NAME.to_string(),
            members: ["a", "b", "c"].map(String::from).to_vec(),
            cadence: Cadence::Weekly,
            duration_minutes: 45,
            days: vec![Weekday::Tuesday],
            earliest: time(9, 0, 0, 0),
            latest: time(17, 0, 0, 0),
            preferred: Vec::new(),
            preferred_days: Vec::new(),
            quorum: 1,
            required_roles: Vec::new(),
            charter: Charter::default(),
            escalation: Vec::new(),
            location: None,
            video_url: None,
            neutral_title: false,
            zone: Zone::iana("Europe/London").unwrap(),
            settings: toml::Table::new(),
            short_of_quorum: ShortOfQuorum::Move,
        }
    }

    fn plan(index: u32, attendees: &[&str]) -> SeriesItem {
        SeriesItem::Plan(SeriesSession {
            index,
            date: date(2025, 1, 7),
            start: time(10, 0, 0, 0),
            attendees: attendees.iter().map(|a| a.to_string()).collect(),
            absentees: Vec::new(),
        })
    }

    fn holders(plans: &[SessionPlan]) -> Vec<&str> {
        plans.iter().map(|p| p.roles[0].member.as_str()).collect()
    }

    #[test]
    fn fixed_and_planned_sessions_are_the_history_of_later_ones() {
        let g = group();
        let fixed = SeriesItem::Fixed(PastSession {
            date: date(2024, 12, 31),
            attendees: g.members.clone(),
            roles: vec![RoleAssignment {
                role: "strategy".to_string(),
                member: "a".to_string(),
            }],
        });
        let items = [fixed, plan(1, &["a", "b", "c"]), plan(2, &["a", "b", "c"])];
        let people = BTreeMap::new();
        let request = SeriesRequest {
            group: &g,
            items: &items,
            people: &people,
        };
        let plans = one_by_one(&CheckIn, &request).unwrap();
        assert_eq!(holders(&plans), ["b", "c"]);
        // Without the fixed session, the rotation starts at the first member.
        let request = SeriesRequest {
            group: &g,
            items: &items[1..],
            people: &people,
        };
        assert_eq!(
            holders(&one_by_one(&CheckIn, &request).unwrap()),
            ["a", "b"]
        );
    }

    #[test]
    fn planned_from_the_anchor_the_start_does_not_matter() {
        let g = group();
        let people = BTreeMap::new();
        let series = |from: u32| -> Vec<(u32, Vec<RoleAssignment>)> {
            let items: Vec<SeriesItem> = (from..12).map(|i| plan(i, &["a", "b", "c"])).collect();
            let request = SeriesRequest {
                group: &g,
                items: &items,
                people: &people,
            };
            let plans = plan_from_anchor(&CheckIn, &request).unwrap();
            (from..12).zip(plans.into_iter().map(|p| p.roles)).collect()
        };
        let whole = series(0);
        assert_eq!(holders_of(&whole[..4]), ["a", "b", "c", "a"]);
        for from in 1..12 {
            assert_eq!(series(from), whole[from as usize..], "from {from}");
        }
        // A series opening with published history continues from it.
        let fixed = SeriesItem::Fixed(PastSession {
            date: date(2024, 12, 31),
            attendees: g.members.clone(),
            roles: vec![RoleAssignment {
                role: "strategy".to_string(),
                member: "a".to_string(),
            }],
        });
        let items = [fixed, plan(7, &["a", "b", "c"])];
        let request = SeriesRequest {
            group: &g,
            items: &items,
            people: &people,
        };
        assert_eq!(
            holders(&plan_from_anchor(&CheckIn, &request).unwrap()),
            ["b"]
        );
    }

    fn holders_of(series: &[(u32, Vec<RoleAssignment>)]) -> Vec<&str> {
        series.iter().map(|(_, r)| r[0].member.as_str()).collect()
    }

    #[test]
    fn planning_stops_at_the_first_error() {
        let g = group();
        let items = [plan(0, &["a"]), plan(1, &[]), plan(2, &["a"])];
        let people = BTreeMap::new();
        let request = SeriesRequest {
            group: &g,
            items: &items,
            people: &people,
        };
        assert!(one_by_one(&CheckIn, &request).is_err());
    }
}
