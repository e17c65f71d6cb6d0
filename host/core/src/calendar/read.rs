//! The read pipeline shared by busy calendars and holiday calendars:
//! components ([`parts`]) → events grouped by UID → occurrences
//! overlapping a window.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::events::{self, EndSpec, Ev, Group};
use super::parts;
use super::zones::Tz;
use super::{Busy, CalendarError, Warning};
use crate::model::{ClientFacing, Interval};

/// Busy spans one file may yield in total.
const FILE_CAP: usize = 1_000_000;

/// Expansion work (see [`super::expand`]) one file may use in total,
/// shared evenly by its recurring events.
const FILE_STEPS: u64 = 100_000_000;

/// Work one recurring event may use at least (enough for any real rule).
const MIN_EVENT_STEPS: u64 = 50_000;

/// Warnings kept per file; the rest are counted in a last line.
const WARNING_CAP: usize = 50;

/// What to read.
pub(crate) struct Options<'a> {
    pub window: Interval,
    pub client_facing: &'a ClientFacing,
    /// Holiday calendars: transparent events count, VFREEBUSY does not.
    pub holidays: bool,
    /// Threads a large file may be read on (the result does not depend on it).
    pub threads: usize,
}

/// The work budget of each recurring event of a file with `recurring`
/// such events: deterministic, whatever the threads.
fn event_steps(recurring: usize) -> u64 {
    (FILE_STEPS / recurring.max(1) as u64).clamp(MIN_EVENT_STEPS, super::expand::STEP_BUDGET)
}

/// The threads this machine runs at once.
pub(crate) fn available_threads() -> usize {
    crate::parallel::cores()
}

/// Every span overlapping the window, sorted, with warnings.
pub(crate) fn read(
    label: &str,
    data: &[u8],
    floating: &TimeZone,
    opts: &Options<'_>,
) -> Result<(Vec<Busy>, Vec<String>), CalendarError> {
    let end_year = opts
        .window
        .end
        .to_zoned(TimeZone::UTC)
        .year()
        .saturating_add(2)
        .min(9_000);
    let parts::Gathered {
        evs,
        fb,
        mut warnings,
    } = parts::gather(label, data, floating, end_year, opts)?;
    let window = opts.window;
    let mut out: Vec<Busy> = Vec::new();
    if !opts.holidays {
        let cf = matches!(opts.client_facing, ClientFacing::All);
        for i in fb {
            push(&mut out, window, i, cf);
        }
    }
    let groups = events::group_by_uid(&evs);
    let steps = event_steps(evs.iter().filter(|e| !e.rules.is_empty()).count());
    let threads = opts.threads;
    let parallel = (threads > 1 && groups.len() >= MIN_PARALLEL_GROUPS)
        .then(|| expand_parallel(&evs, &groups, opts, threads.min(MAX_THREADS), steps))
        .flatten()
        .filter(|(spans, _)| out.len() + spans.len() <= FILE_CAP);
    match parallel {
        Some((mut spans, mut more)) => {
            out.append(&mut spans);
            warnings.append(&mut more);
        }
        None => {
            for g in &groups {
                if out.len() > FILE_CAP {
                    warnings.push(Warning::whole(format!(
                        "the file yields more than {FILE_CAP} busy spans in the planning \
                         window; the whole window is counted busy"
                    )));
                    if !opts.holidays {
                        push(&mut out, window, window, false);
                    }
                    break;
                }
                let (master, overrides) = g.of(&evs);
                expand_group(master, &overrides, opts, steps, &mut out, &mut warnings);
            }
        }
    }
    out.sort();
    Ok((out, tidy(warnings)))
}

/// Warnings in line order (the same whatever the threads; those of the
/// whole file first), at most [`WARNING_CAP`] of them, as text.
fn tidy(mut warnings: Vec<Warning>) -> Vec<String> {
    warnings.sort_by_key(|w| w.line.unwrap_or(0));
    warnings.dedup();
    let more = warnings.len().saturating_sub(WARNING_CAP);
    warnings.truncate(WARNING_CAP);
    let mut out: Vec<String> = warnings.iter().map(Warning::to_string).collect();
    if more > 0 {
        out.push(format!("… and {more} more warnings like these"));
    }
    out
}

/// Groups (UIDs) below which expansion stays on one thread.
const MIN_PARALLEL_GROUPS: usize = 4096;

/// Threads expansion uses at most.
const MAX_THREADS: usize = 8;

/// Expands consecutive runs of `groups` on `threads` threads and joins
/// their spans and warnings in group order (what the serial loop yields
/// when the file cap is not reached). None when a run passes the cap (the
/// serial loop then decides where to stop).
fn expand_parallel(
    evs: &[Ev],
    groups: &[Group],
    opts: &Options<'_>,
    threads: usize,
    steps: u64,
) -> Option<(Vec<Busy>, Vec<Warning>)> {
    let per = groups.len().div_ceil(threads.max(1)).max(1);
    let run = |chunk: &[Group]| {
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        for g in chunk {
            if out.len() > FILE_CAP {
                return None;
            }
            let (master, overrides) = g.of(evs);
            expand_group(master, &overrides, opts, steps, &mut out, &mut warnings);
        }
        Some((out, warnings))
    };
    let results: Vec<Option<(Vec<Busy>, Vec<Warning>)>> = std::thread::scope(|s| {
        let mut chunks = groups.chunks(per);
        let first = chunks.next();
        let handles: Vec<_> = chunks.map(|c| s.spawn(move || run(c))).collect();
        let mut all = vec![first.map_or(Some((Vec::new(), Vec::new())), run)];
        all.extend(handles.into_iter().map(|h| h.join().ok().flatten()));
        all
    });
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for r in results {
        let (mut o, mut w) = r?;
        out.append(&mut o);
        warnings.append(&mut w);
    }
    Some((out, warnings))
}

/// Keeps a span that is not empty and overlaps the window; a span that
/// ends before it starts (DTEND before DTSTART) covers the time between.
pub(crate) fn push(out: &mut Vec<Busy>, window: Interval, i: Interval, client_facing: bool) {
    let i = if i.end < i.start {
        Interval::new(i.end, i.start)
    } else {
        i
    };
    if i.start < i.end && i.overlaps(&window) {
        out.push(Busy {
            interval: i,
            client_facing,
        });
    }
}

/// Whether an event adds no busy time: cancelled, or transparent outside
/// holiday calendars.
fn skipped(e: &Ev, opts: &Options<'_>) -> bool {
    e.cancelled || (e.transparent && !opts.holidays)
}

/// The spans of one UID: its overrides' own spans and the master's
/// instances that no override replaces (shifted by THISANDFUTURE ones).
fn expand_group(
    master: Option<&Ev>,
    overrides: &[&Ev],
    opts: &Options<'_>,
    steps: u64,
    out: &mut Vec<Busy>,
    warnings: &mut Vec<Warning>,
) {
    push_overrides(master, overrides, opts, out);
    let Some(m) = master else { return };
    let window = opts.window;
    let bounds = master_bounds(m, overrides, window, steps);
    let starts = events::master_starts(m, &bounds, warnings);
    let open_from = if m.open_end { m.start.instant() } else { None };
    if let Some(from) = starts.busy_from.into_iter().chain(open_from).min()
        && from < window.end
        && !opts.holidays
        && !skipped(m, opts)
    {
        push(
            out,
            window,
            Interval::new(from, window.end),
            m.client_facing,
        );
    }
    push_instances(m, overrides, starts.list, opts, out);
}

/// The overrides' own spans, except those that add no busy time and
/// those of an instance that EXDATE removed (dropped with it, as
/// recurring-ical-events does).
fn push_overrides(master: Option<&Ev>, overrides: &[&Ev], opts: &Options<'_>, out: &mut Vec<Busy>) {
    let excluded = |o: &Ev| {
        let rid = o.rid.as_ref().and_then(|(r, _)| r.instant());
        master.is_some_and(|m| {
            m.exdates
                .iter()
                .any(|x| rid.is_some() && x.instant() == rid)
        })
    };
    for &o in overrides {
        if !skipped(o, opts)
            && !excluded(o)
            && let Some(i) = own_span(o)
        {
            push(out, opts.window, i, o.client_facing);
        }
    }
}

/// What bounds the master's expansion: the window in its local time,
/// widened by the slack its spans and overrides' shifts need.
fn master_bounds(m: &Ev, overrides: &[&Ev], window: Interval, steps: u64) -> events::Bounds {
    let tz = &m.start.tz;
    let slack = events::slack(m, overrides);
    let earliest = window
        .start
        .checked_sub(jiff::SignedDuration::from_secs(slack))
        .unwrap_or(window.start);
    events::Bounds {
        lo: tz.to_local(window.start).saturating_sub(slack),
        hi: tz.to_local(window.end).saturating_add(slack),
        earliest,
        steps,
    }
}

/// The master's instances in `list` that no override replaces, each
/// moved and resized by the latest THISANDFUTURE override at or before it.
fn push_instances<'e>(
    m: &'e Ev,
    overrides: &[&'e Ev],
    list: Vec<(i64, Timestamp, Option<EndSpec>)>,
    opts: &Options<'_>,
    out: &mut Vec<Busy>,
) {
    let tz = &m.start.tz;
    let replaced: Vec<Timestamp> = overrides
        .iter()
        .filter_map(|o| o.rid.as_ref().and_then(|(r, _)| r.instant()))
        .collect();
    let mut ranges: Vec<(Timestamp, &Ev)> = overrides
        .iter()
        .filter_map(|&o| match &o.rid {
            Some((r, true)) => r.instant().map(|at| (at, o)),
            _ => None,
        })
        .collect();
    ranges.sort_by_key(|r| r.0);
    for (local, at, own_end) in list {
        if replaced.contains(&at) {
            continue;
        }
        let range = ranges.iter().rev().find(|(r, _)| *r <= at).map(|(_, o)| *o);
        let (owner, local, at, end) = match range {
            None => (m, local, Some(at), own_end.unwrap_or(m.end)),
            Some(o) => shifted(o, tz, local),
        };
        if skipped(owner, opts) || (skipped(m, opts) && range.is_none()) {
            continue;
        }
        if let Some(at) = at
            && let Some(e) = end_of(end, tz, local, at)
        {
            push(out, opts.window, Interval::new(at, e), owner.client_facing);
        }
    }
}

/// The instance at local time `local` as THISANDFUTURE override `o`
/// moves it (by the shift of the override's own instance, in the master's
/// zone `tz`) and resizes it: (owner, local start, start, end).
fn shifted<'e>(o: &'e Ev, tz: &Tz, local: i64) -> (&'e Ev, i64, Option<Timestamp>, EndSpec) {
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

fn end_of(end: EndSpec, tz: &Tz, local: i64, at: Timestamp) -> Option<Timestamp> {
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

#[cfg(test)]
mod tests;
