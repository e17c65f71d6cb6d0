//! The read pipeline shared by busy calendars and holiday calendars:
//! tree → zones → events grouped by UID → occurrences overlapping a window.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::events::{self, EndSpec, Ev};
use super::lines::{Comp, Kind, read_components};
use super::zones::Zones;
use super::{Busy, CalendarError};
use crate::model::{ClientFacing, Interval};

/// Busy spans one file may yield in total.
const FILE_CAP: usize = 1_000_000;

/// What to read.
pub(crate) struct Options<'a> {
    pub window: Interval,
    pub client_facing: &'a ClientFacing,
    /// Holiday calendars: transparent events count, VFREEBUSY does not.
    pub holidays: bool,
}

/// Every span overlapping the window, sorted, with warnings.
pub(crate) fn read(
    label: &str,
    data: &[u8],
    floating: &TimeZone,
    opts: &Options<'_>,
) -> Result<(Vec<Busy>, Vec<String>), CalendarError> {
    let keep_text = matches!(opts.client_facing, ClientFacing::Matching { .. }) && !opts.holidays;
    let end_year = opts
        .window
        .end
        .to_zoned(TimeZone::UTC)
        .year()
        .saturating_add(2)
        .min(9_000);
    let mut zones = Zones::new(floating, end_year);
    let mut warnings = Vec::new();
    let mut evs = Vec::new();
    let mut fb = Vec::new();
    // Components that failed before every VTIMEZONE was seen: retried at
    // the end (a VTIMEZONE may follow the events that use it).
    let mut deferred: Vec<Comp> = Vec::new();
    read_components(label, data, keep_text, &mut |c| {
        match c.kind {
            Kind::Timezone => zones.add(c),
            Kind::Event | Kind::FreeBusy => {
                match take(
                    label,
                    &c,
                    &mut zones,
                    opts,
                    &mut warnings,
                    &mut evs,
                    &mut fb,
                ) {
                    Ok(()) => {}
                    Err(_) => deferred.push(c),
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    for c in &deferred {
        take(label, c, &mut zones, opts, &mut warnings, &mut evs, &mut fb)?;
    }
    let mut out: Vec<Busy> = Vec::new();
    let window = opts.window;
    let push = |out: &mut Vec<Busy>, i: Interval, client_facing: bool| {
        if i.start < i.end && i.overlaps(&window) {
            out.push(Busy {
                interval: i,
                client_facing,
            });
        }
    };
    if !opts.holidays {
        let cf = matches!(opts.client_facing, ClientFacing::All);
        for i in fb {
            push(&mut out, i, cf);
        }
    }
    let skip = |e: &Ev| e.cancelled || (e.transparent && !opts.holidays);
    for (master, overrides) in events::group_by_uid(evs) {
        if out.len() > FILE_CAP {
            warnings.push(format!(
                "the file yields more than {FILE_CAP} busy spans in the planning window; \
                 the rest were ignored"
            ));
            break;
        }
        // An override of an instance that EXDATE removed is dropped with it
        // (as recurring-ical-events does).
        let excluded = |o: &Ev| {
            let rid = o.rid.as_ref().and_then(|(r, _)| r.instant());
            master.as_ref().is_some_and(|m| {
                m.exdates
                    .iter()
                    .any(|x| rid.is_some() && x.instant() == rid)
            })
        };
        for o in &overrides {
            if !skip(o)
                && !excluded(o)
                && let Some(i) = own_span(o)
            {
                push(&mut out, i, o.client_facing);
            }
        }
        let Some(m) = master else { continue };
        let tz = m.start.tz.clone();
        let slack = events::slack(&m, &overrides);
        let lo = tz.to_local(window.start).saturating_sub(slack);
        let hi = tz.to_local(window.end).saturating_add(slack);
        let replaced: Vec<Timestamp> = overrides
            .iter()
            .filter_map(|o| o.rid.as_ref().and_then(|(r, _)| r.instant()))
            .collect();
        let mut ranges: Vec<(Timestamp, &Ev)> = overrides
            .iter()
            .filter_map(|o| match &o.rid {
                Some((r, true)) => r.instant().map(|at| (at, o)),
                _ => None,
            })
            .collect();
        ranges.sort_by_key(|r| r.0);
        let earliest = window
            .start
            .checked_sub(jiff::SignedDuration::from_secs(slack))
            .unwrap_or(window.start);
        for (local, at, own_end) in events::master_starts(&m, lo, hi, earliest, &mut warnings) {
            if replaced.contains(&at) {
                continue;
            }
            // The latest THISANDFUTURE override at or before this instance.
            let range = ranges.iter().rev().find(|(r, _)| *r <= at).map(|(_, o)| *o);
            let (owner, local, at, end) = match range {
                None => (&m, local, Some(at), own_end.unwrap_or(m.end)),
                Some(o) => {
                    let rid_local = o
                        .rid
                        .as_ref()
                        .map_or(0, |(r, _)| r.instant().map_or(r.local, |i| tz.to_local(i)));
                    let new_local = o
                        .start
                        .instant()
                        .map_or(local, |s| local + tz.to_local(s) - rid_local);
                    (o, new_local, tz.to_instant(new_local), o.end)
                }
            };
            if skip(owner) || (skip(&m) && range.is_none()) {
                continue;
            }
            if let Some(at) = at
                && let Some(e) = end_of(end, &tz, local, at)
            {
                push(&mut out, Interval::new(at, e), owner.client_facing);
            }
        }
    }
    out.sort();
    Ok((out, warnings))
}

fn end_of(end: EndSpec, tz: &super::zones::Tz, local: i64, at: Timestamp) -> Option<Timestamp> {
    end.end_at(tz, local, at)
}

/// An override's own span.
fn own_span(o: &Ev) -> Option<Interval> {
    let s = o.start.instant()?;
    Some(Interval::new(
        s,
        end_of(o.end, &o.start.tz, o.start.local, s)?,
    ))
}

/// Reads one VEVENT or VFREEBUSY into `evs` or `fb`.
fn take(
    label: &str,
    c: &Comp,
    zones: &mut Zones,
    opts: &Options<'_>,
    warnings: &mut Vec<String>,
    evs: &mut Vec<Ev>,
    fb: &mut Vec<Interval>,
) -> Result<(), CalendarError> {
    if c.kind == Kind::FreeBusy {
        if !opts.holidays {
            events::read_freebusy(label, c, zones, fb)?;
        }
    } else if let Some(ev) = events::read_event(label, c, zones, opts.client_facing, warnings)? {
        evs.push(ev);
    }
    Ok(())
}
