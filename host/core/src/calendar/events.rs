//! VEVENT and VFREEBUSY components into busy intervals over a window.
//!
//! Events are grouped by UID: the master (no RECURRENCE-ID) is expanded
//! (DTSTART, RRULE, RDATE minus EXDATE), instances replaced by overrides are
//! dropped, RANGE=THISANDFUTURE overrides shift and resize later instances,
//! and every override that is not cancelled adds its own span.
//!
//! Layout: this file reads one component into an [`Ev`] (times, rules,
//! flags; its text only to decide whether it is client-facing) and the
//! periods of a VFREEBUSY; [`ends`] holds how an end follows from a start,
//! [`revisions`] groups events by UID keeping the newest revision, and
//! [`starts`] expands a master's own start times within the bounds
//! (the expansion of overrides over them is in [`super::read`]).

mod ends;
mod revisions;
mod starts;

pub(crate) use ends::EndSpec;
pub(crate) use revisions::{Group, group_by_uid};
#[cfg(test)]
pub(crate) use starts::OCCURRENCE_CAP;
pub(crate) use starts::{Bounds, master_starts, slack};

use super::lines::{Comp, Prop, PropName};
use super::rrule::Rule;
use super::value::{Dur, Raw, civil_secs, parse_duration, parse_raw};
use super::zones::{When, Zones};
use super::{CalendarError, Warning};
use crate::model::{ClientFacing, Interval};

/// One VEVENT, reduced to times and flags.
pub(crate) struct Ev {
    pub uid: Option<String>,
    pub start: When,
    pub end: EndSpec,
    /// Every RRULE with its line (several are expanded and joined).
    pub rules: Vec<(Rule, usize)>,
    pub rdates: Vec<(When, Option<EndSpec>)>,
    pub exdates: Vec<When>,
    /// RECURRENCE-ID and whether RANGE=THISANDFUTURE.
    pub rid: Option<(When, bool)>,
    /// STATUS:CANCELLED.
    pub cancelled: bool,
    /// TRANSP:TRANSPARENT.
    pub transparent: bool,
    pub client_facing: bool,
    /// SEQUENCE, DTSTAMP (UTC seconds) and file position: the newest
    /// revision of a UID wins.
    pub revision: (i64, i64, usize),
    /// A time of the event could not be read (its RRULE, an RDATE, its
    /// end): it is busy from DTSTART to the end of the window.
    pub open_end: bool,
}

fn bad(label: &str, p: &Prop, what: &str) -> CalendarError {
    CalendarError::at(label, p.line, &format!("{} {what}", p.name))
}

/// Whether an event is client-facing; its text is only looked at here.
fn is_client_facing(ev: &Comp, rule: &ClientFacing) -> bool {
    match rule {
        ClientFacing::All => true,
        ClientFacing::None => false,
        ClientFacing::Matching {
            categories,
            summary_contains,
        } => {
            let cat = ev.props_named(PropName::Categories).any(|p| {
                p.value.split(',').any(|c| {
                    let c = c.trim();
                    categories
                        .iter()
                        .any(|want| want.trim().eq_ignore_ascii_case(c))
                })
            });
            cat || ev.prop(PropName::Summary).is_some_and(|p| {
                let s = p.value.to_lowercase();
                summary_contains
                    .iter()
                    .any(|w| !w.is_empty() && s.contains(&w.to_lowercase()))
            })
        }
    }
}

/// A PERIOD `start/end` or `start/duration`, or a plain start.
fn when_or_period(
    zones: &mut Zones,
    label: &str,
    p: &Prop,
    v: &str,
) -> Result<(When, Option<EndSpec>), CalendarError> {
    match v.split_once('/') {
        None => Ok((zones.when(label, p, v)?, None)),
        Some((a, b)) => {
            let start = zones.when(label, p, a)?;
            let end = if b.trim_start().starts_with(['P', 'p', '+', '-']) {
                EndSpec::Nominal(
                    parse_duration(b).ok_or_else(|| bad(label, p, "has a bad period duration"))?,
                )
            } else {
                let e = zones.when(label, p, b)?;
                let (s, e) = (start.instant(), e.instant());
                match (s, e) {
                    (Some(s), Some(e)) => EndSpec::Exact(s.duration_until(e).as_secs()),
                    _ => return Err(bad(label, p, "has a period out of range")),
                }
            };
            Ok((start, Some(end)))
        }
    }
}

/// A defect of one property that does not stop the event: a warning that
/// says what was assumed.
fn soft(e: CalendarError, assumed: &str, warnings: &mut Vec<Warning>) {
    warnings.push(Warning {
        line: e.line,
        text: format!("{}; {assumed}", e.message),
    });
}

/// What is assumed when a time of an event cannot be read.
const OPEN_END: &str = "the event is counted busy from its start to the end of the planning window";

/// Reads one VEVENT. None (with a warning) when it has no DTSTART.
pub(crate) fn read_event(
    label: &str,
    c: &Comp,
    zones: &mut Zones,
    cf: &ClientFacing,
    warnings: &mut Vec<Warning>,
) -> Result<Option<Ev>, CalendarError> {
    let Some(dtstart) = c.prop(PropName::Dtstart) else {
        warnings.push(Warning::at(c.line, "an event without DTSTART was ignored"));
        return Ok(None);
    };
    let mut start = zones.when(label, dtstart, &dtstart.value)?;
    let mut open_end = false;
    let end = match read_end(label, c, &mut start, zones, warnings) {
        Ok(end) => end,
        Err(e) => {
            soft(e, OPEN_END, warnings);
            open_end = true;
            EndSpec::Exact(0)
        }
    };
    let rules = read_rules(label, c, &mut open_end, warnings);
    let (rdates, exdates) = read_dates(label, c, &mut open_end, zones, warnings)?;
    let (uid, rid) = read_rid(label, c, zones, warnings);
    let flag = |name: PropName, want: &str| {
        c.prop(name)
            .is_some_and(|p| p.value.trim().eq_ignore_ascii_case(want))
    };
    let sequence = c
        .prop(PropName::Sequence)
        .and_then(|p| p.value.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let stamp = c
        .prop(PropName::Dtstamp)
        .and_then(|p| parse_raw(&p.value))
        .map_or(i64::MIN, |r| match r {
            Raw::Utc(dt) | Raw::Local(dt) => civil_secs(dt),
            Raw::Date(d) => civil_secs(d.to_datetime(jiff::civil::Time::midnight())),
        });
    Ok(Some(Ev {
        uid,
        start,
        end,
        rules,
        rdates,
        exdates,
        rid,
        cancelled: flag(PropName::Status, "CANCELLED"),
        transparent: flag(PropName::Transp, "TRANSPARENT"),
        client_facing: is_client_facing(c, cf),
        revision: (sequence, stamp, c.line),
        open_end,
    }))
}

/// How the event's end follows from its start (DTEND, DURATION, or the
/// default). A DTEND before DTSTART is kept (the span between them is
/// busy) with a warning; a timed DTEND after a DATE start ends the span
/// that starts at the date's midnight in DTEND's zone (as the libraries
/// read it), which then becomes the start's zone.
fn read_end(
    label: &str,
    c: &Comp,
    start: &mut When,
    zones: &mut Zones,
    warnings: &mut Vec<Warning>,
) -> Result<EndSpec, CalendarError> {
    let end = if let Some(p) = c.prop(PropName::Dtend) {
        let e = zones.when(label, p, &p.value)?;
        if start.date && !e.date {
            start.tz = zones.zone_of_timed_end(&e.tz);
        }
        let spec = if start.date && e.date {
            EndSpec::Nominal(Dur {
                days: (e.local - start.local).div_euclid(86_400),
                secs: 0,
            })
        } else {
            match (start.instant(), e.instant()) {
                (Some(s), Some(e)) => EndSpec::Exact(s.duration_until(e).as_secs()),
                _ => return Err(bad(label, p, "is out of range")),
            }
        };
        if spec.is_negative() {
            warnings.push(Warning::at(
                p.line,
                "DTEND is before DTSTART; the span between them is counted busy",
            ));
        }
        spec
    } else if let Some(p) = c.prop(PropName::Duration) {
        EndSpec::Nominal(
            parse_duration(&p.value)
                .ok_or_else(|| bad(label, p, "is not a valid DURATION (e.g. PT1H30M)"))?,
        )
    } else if start.date {
        EndSpec::Nominal(Dur { days: 1, secs: 0 })
    } else {
        EndSpec::Exact(0)
    };
    Ok(end)
}

/// Every RRULE of the event. An empty one is ignored; one that cannot be
/// read makes the event busy to the end of the window (`open_end`).
fn read_rules(
    label: &str,
    c: &Comp,
    open_end: &mut bool,
    warnings: &mut Vec<Warning>,
) -> Vec<(Rule, usize)> {
    let mut rules = Vec::new();
    for p in c.props_named(PropName::Rrule) {
        if p.value.trim().is_empty() {
            warnings.push(Warning::at(p.line, "an empty RRULE was ignored"));
            continue;
        }
        match Rule::parse(&p.value) {
            Ok(rule) => {
                if rule.count_ignored {
                    warnings.push(Warning::at(
                        p.line,
                        "RRULE COUNT is not a positive number; UNTIL alone ends the rule",
                    ));
                }
                rules.push((rule, p.line));
            }
            Err(m) => {
                soft(
                    CalendarError::at(label, p.line, &m.to_string()),
                    OPEN_END,
                    warnings,
                );
                *open_end = true;
            }
        }
    }
    rules
}

/// RDATE and EXDATE values. Empty ones are skipped; an RDATE that cannot
/// be read makes the event busy to the end of the window; an EXDATE that
/// cannot be read removes nothing.
fn read_dates(
    label: &str,
    c: &Comp,
    open_end: &mut bool,
    zones: &mut Zones,
    warnings: &mut Vec<Warning>,
) -> Result<DateLists, CalendarError> {
    let mut rdates = Vec::new();
    for p in c.props_named(PropName::Rdate) {
        for v in p.value.split(',').filter(|v| !v.trim().is_empty()) {
            match when_or_period(zones, label, p, v) {
                Ok(r) => rdates.push(r),
                Err(e) => {
                    soft(e, OPEN_END, warnings);
                    *open_end = true;
                }
            }
        }
    }
    let mut exdates = Vec::new();
    for p in c.props_named(PropName::Exdate) {
        for v in p.value.split(',').filter(|v| !v.trim().is_empty()) {
            match zones.when(label, p, v) {
                Ok(w) => exdates.push(w),
                Err(e) => soft(e, "this EXDATE removes nothing", warnings),
            }
        }
    }
    Ok((rdates, exdates))
}

type DateLists = (Vec<(When, Option<EndSpec>)>, Vec<When>);

/// A RECURRENCE-ID and whether it has RANGE=THISANDFUTURE.
type Rid = (When, bool);

/// UID and RECURRENCE-ID. An override whose RECURRENCE-ID cannot be read
/// is read as an event of its own (it replaces nothing).
fn read_rid(
    label: &str,
    c: &Comp,
    zones: &mut Zones,
    warnings: &mut Vec<Warning>,
) -> (Option<String>, Option<Rid>) {
    let uid = c.prop(PropName::Uid).map(|p| p.value.clone());
    let Some(p) = c.prop(PropName::RecurrenceId) else {
        return (uid, None);
    };
    match zones.when(label, p, &p.value) {
        Ok(w) => (
            uid,
            Some((
                w,
                p.param("RANGE")
                    .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE")),
            )),
        ),
        Err(e) => {
            soft(e, "the override is read as an event of its own", warnings);
            (None, None)
        }
    }
}

/// Busy periods of a VFREEBUSY (FBTYPE=FREE skipped).
pub(crate) fn read_freebusy(
    label: &str,
    c: &Comp,
    zones: &mut Zones,
    out: &mut Vec<Interval>,
) -> Result<(), CalendarError> {
    for p in c.props_named(PropName::Freebusy) {
        if p.param("FBTYPE")
            .is_some_and(|t| t.eq_ignore_ascii_case("FREE"))
        {
            continue;
        }
        for v in p.value.split(',') {
            let (start, end) = when_or_period(zones, label, p, v)?;
            let end = end.ok_or_else(|| bad(label, p, "holds a value that is not a PERIOD"))?;
            if let Some(s) = start.instant()
                && let Some(e) = end.end_at(&start.tz, start.local, s)
            {
                out.push(Interval::new(s, e));
            }
        }
    }
    Ok(())
}
