//! Groups whose format splits them each cycle (e.g. buddy pairs): every
//! subgroup meets at its own common free time in the cycle's week.
//!
//! Cycles are the weeks of the cadence's occurrences (the cadence's dates
//! on the group's first allowed weekday), numbered from the horizon's
//! anchor. The format is asked cycle by cycle from the anchor on, with the
//! earlier cycles' subgroups as history, so a cycle splits the same way
//! wherever the horizon starts; a group is
//! partitioned when it splits in at least one cycle, and in a cycle where it
//! does not, all its members meet as one subgroup. Subgroups are planned
//! after every series group, on top of their sessions; subgroup `k` of cycle
//! `c` is session `c * 1000 + k`. A subgroup meets only when every one of
//! its members can attend; the rest of the group is neither attendee nor
//! absentee.

use std::collections::BTreeSet;

use jiff::ToSpan;
use jiff::civil::Date;

use super::evaluate::{Context, Setup};
use super::members::Bookings;
use super::realise::{self, Frame, Held};
use super::series::{self, occurrence_dates};
use super::{SeriesTime, SkipReason, Skipped};
use crate::formats::{Format, FormatError, PartitionRequest};
use crate::model::{Group, Horizon, Organization};

/// One cycle of a partitioned group.
#[derive(Debug, Clone)]
pub struct Cycle {
    pub cycle: u32,
    /// Monday of the cycle's week.
    pub week: Date,
    /// The cadence's date in that week (for skipped subgroups).
    pub date: Date,
    /// Subgroups, as member positions in group order.
    pub subgroups: Vec<Vec<usize>>,
}

/// Why a partitioned group cannot be planned; the group is blocked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PartitionError {
    /// The format failed to split the group.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The format put someone who is not a member into a subgroup.
    #[error(
        "format `{format}` put `{member}` in a subgroup of group `{group}`, which has no such member"
    )]
    UnknownMember {
        /// The format's name.
        format: String,
        /// The id the format returned.
        member: String,
        /// The group's id.
        group: String,
    },
}

/// The group's cycles when its format partitions it; `Ok(None)` when it
/// never does. An error names the format's failure or an unknown member.
pub fn cycles(
    setup: &Setup<'_, '_>,
    format: &dyn Format,
    org: &Organization,
    cx: &Context<'_>,
) -> Result<Option<Vec<Cycle>>, PartitionError> {
    let g = setup.group;
    let mut days = setup.window.days.clone();
    days.sort_by_key(|d| d.to_monday_zero_offset());
    let Some(first) = days.first() else {
        return Ok(None);
    };
    let mut history: Vec<Vec<Vec<String>>> = Vec::new();
    let mut out = Vec::new();
    let mut split = false;
    // The format sees every cycle since the anchor as history, so a cycle's
    // subgroups do not depend on where the horizon starts.
    let since_anchor = Horizon {
        start: cx.horizon.anchor,
        weeks: cx
            .horizon
            .weeks_since_anchor()
            .saturating_add(cx.horizon.weeks),
        anchor: cx.horizon.anchor,
    };
    for (cycle, date) in occurrence_dates(setup.req.cadence, *first, since_anchor) {
        let in_horizon = date >= cx.horizon.start;
        let week = realise::monday(date);
        let last = week.checked_add(6.days()).unwrap_or(week);
        let members: Vec<String> = setup
            .members
            .iter()
            .filter(|m| m.person.start_date.is_none_or(|s| s <= last))
            .map(|m| m.person.id.clone())
            .collect();
        let request = PartitionRequest {
            group: g,
            cycle,
            week_start: week,
            members: &members,
            history: &history,
            people: &org.people,
        };
        let parts = match format.partition(&request)? {
            Some(parts) => {
                split |= in_horizon;
                parts
            }
            None => vec![members.clone()],
        };
        if !in_horizon {
            history.push(parts);
            continue;
        }
        let subgroups = positions(g, &parts)?;
        history.push(parts);
        out.push(Cycle {
            cycle,
            week,
            date,
            subgroups,
        });
    }
    Ok(split.then_some(out))
}

/// The non-empty subgroups of `parts` as member positions in group order.
fn positions(g: &Group, parts: &[Vec<String>]) -> Result<Vec<Vec<usize>>, PartitionError> {
    let mut subgroups = Vec::new();
    for part in parts {
        let mut positions = BTreeSet::new();
        for id in part {
            let p = g.members.iter().position(|m| m == id).ok_or_else(|| {
                PartitionError::UnknownMember {
                    format: g.format.clone(),
                    member: id.clone(),
                    group: g.id.clone(),
                }
            })?;
            positions.insert(p);
        }
        if !positions.is_empty() {
            subgroups.push(positions.into_iter().collect());
        }
    }
    Ok(subgroups)
}

/// Finds each subgroup's common free time in its cycle's week (preferred
/// window first, then earliest) and books it. A subgroup whose session is
/// frozen keeps it as published (the partition of a cycle is the same on
/// every run, so its index names the same subgroup); the others of that
/// cycle are planned as usual.
pub fn plan(
    setup: &Setup<'_, '_>,
    cycles: &[Cycle],
    frame: &Frame<'_>,
    bookings: &mut Bookings,
) -> (Vec<Held>, Vec<Skipped>) {
    let g = setup.group;
    let duration = setup.req.duration_minutes;
    let (mut held, mut skipped) = (Vec::new(), Vec::new());
    for c in cycles {
        let base = c.cycle.saturating_mul(1000);
        let slots = realise::week_slots(setup, c.week, frame);
        for (k, sub) in c.subgroups.iter().enumerate() {
            let index = base.saturating_add(u32::try_from(k).unwrap_or(999).min(999));
            if frame
                .frozen
                .range((setup.index, index)..=(setup.index, index))
                .next()
                .is_some()
            {
                continue;
            }
            let mut best: Option<((bool, jiff::Timestamp), Held)> = None;
            for (date, slot) in &slots {
                let (yes, no) = realise::who(setup, (index, *slot), bookings, Some(sub));
                if !no.is_empty() || yes.is_empty() {
                    continue;
                }
                let local = g.zone.tz.to_datetime(slot.start);
                let st = SeriesTime {
                    weekday: local.weekday(),
                    start: local.time(),
                };
                let key = (
                    !series::preferred(st, duration, &g.preferred, &g.preferred_days),
                    slot.start,
                );
                if best.as_ref().is_none_or(|(b, _)| key < *b) {
                    let h = Held {
                        index,
                        date: *date,
                        slot: *slot,
                        attending: yes,
                        absent: Vec::new(),
                        moved_from: None,
                    };
                    best = Some((key, h));
                }
            }
            match best {
                Some((_, h)) => {
                    realise::book(setup, &h, bookings);
                    held.push(h);
                }
                None => {
                    let members = sub
                        .iter()
                        .filter_map(|p| setup.members.get(*p))
                        .map(|m| m.person.id.clone())
                        .collect();
                    skipped.push(Skipped {
                        date: c.date,
                        reason: SkipReason::NoCommonTime {
                            members,
                            week: c.week,
                        },
                    });
                }
            }
        }
    }
    (held, skipped)
}
