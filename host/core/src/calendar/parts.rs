//! From bytes to events and free/busy periods, on several threads when the
//! file is large.
//!
//! The file's VTIMEZONEs are read first ([`FileZones::scan`]). Then a large
//! file is cut into parts at `BEGIN:VEVENT` lines near equal byte offsets,
//! and each part is read (lines, properties, events to times) on its own
//! thread with the same zone table. Events keep file order, so the result
//! is the same however many parts there are. A cut that does not fall
//! between the components of one VCALENDAR, or any error in a part, sends
//! the whole file through a single part, which reports the first error
//! with its exact line.
//!
//! An event that cannot be read at all (its DTSTART, a FREEBUSY value)
//! never refuses the file: a warning names its line and the whole planning
//! window is counted busy (fail safe).

use super::events::{self, Ev};
use super::lines::{Comp, Kind, SpanEnd, Start, check_end, read_span};
use super::read::Options;
use super::zones::{FileZones, Zones};
use super::{CalendarError, Warning};
use crate::model::{ClientFacing, Interval};
use jiff::tz::TimeZone;

/// Below this many bytes per part a file is read on one thread (a thread
/// costs more than it saves on small files).
const MIN_PART_BYTES: usize = 256 * 1024;

/// Parts one file is cut into at most.
const MAX_PARTS: usize = 8;

/// What the components of a file yield before expansion.
#[derive(Default)]
pub(crate) struct Gathered {
    /// Every VEVENT read, in file order.
    pub evs: Vec<Ev>,
    /// Busy periods of VFREEBUSY components.
    pub fb: Vec<Interval>,
    pub warnings: Vec<Warning>,
}

/// One part as read on its own thread.
pub(super) struct Part {
    end: SpanEnd,
    evs: Vec<Ev>,
    fb: Vec<Interval>,
    warnings: Vec<Warning>,
}

/// Reads the events and free/busy periods of a whole file.
pub(crate) fn gather(
    label: &str,
    data: &[u8],
    floating: &TimeZone,
    end_year: i16,
    opts: &Options<'_>,
) -> Result<Gathered, CalendarError> {
    // Lines ended by CR alone (old Mac exports): read as if ended by LF.
    let converted;
    let data = if memchr::memchr(b'\n', data).is_none() && memchr::memchr(b'\r', data).is_some() {
        converted = data
            .iter()
            .map(|&b| if b == b'\r' { b'\n' } else { b })
            .collect::<Vec<u8>>();
        &converted[..]
    } else {
        data
    };
    let file = FileZones::scan(label, data, floating);
    let wanted = opts.threads.min(MAX_PARTS).min(data.len() / MIN_PART_BYTES);
    let cuts = cuts(data, wanted);
    if cuts.len() > 2
        && let Some(parts) = read_parts(label, data, &cuts, &file, end_year, opts)
    {
        return Ok(merge(parts));
    }
    let whole = read_part(label, data, 0, data.len(), &file, end_year, opts)?;
    check_end(label, &whole.end)?;
    Ok(merge(vec![whole]))
}

/// Byte offsets `0 = c0 < c1 < … < data.len()` cutting `data` into at
/// most `parts` parts, each cut at the start of a `BEGIN:VEVENT` line.
pub(super) fn cuts(data: &[u8], parts: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    for k in 1..parts {
        let last = cuts.last().copied().unwrap_or(0);
        let from = (data.len() / parts * k).max(last);
        let Some(i) = memchr::memmem::find(&data[from..], b"\nBEGIN:VEVENT") else {
            break;
        };
        let cut = from + i + 1;
        if cut > last {
            cuts.push(cut);
        }
    }
    if data.len() > cuts.last().copied().unwrap_or(0) || cuts.len() == 1 {
        cuts.push(data.len());
    }
    cuts
}

/// Reads the parts between `cuts` on one thread each. None when a part
/// fails or the cuts do not fall between components of one VCALENDAR
/// (then the whole file is read as one part).
pub(super) fn read_parts(
    label: &str,
    data: &[u8],
    cuts: &[usize],
    file: &FileZones,
    end_year: i16,
    opts: &Options<'_>,
) -> Option<Vec<Part>> {
    let results: Vec<Option<Part>> = std::thread::scope(|s| {
        let handles: Vec<_> = cuts
            .windows(2)
            .skip(1)
            .map(|w| {
                let (from, to) = (w[0], w[1]);
                s.spawn(move || read_part(label, data, from, to, file, end_year, opts).ok())
            })
            .collect();
        let first = read_part(label, data, 0, cuts[1], file, end_year, opts).ok();
        let mut all = vec![first];
        all.extend(handles.into_iter().map(|h| h.join().ok().flatten()));
        all
    });
    let parts: Vec<Part> = results.into_iter().collect::<Option<_>>()?;
    let (last, inner) = parts.split_last()?;
    if !inner.iter().all(|p| p.end.at_calendar_level())
        || !last.end.open.is_empty()
        || last.end.deep.0 > 0
    {
        return None;
    }
    Some(parts)
}

/// Reads `data[from..to]` (whole lines; inside a VCALENDAR unless `from`
/// is 0).
fn read_part(
    label: &str,
    data: &[u8],
    from: usize,
    to: usize,
    file: &FileZones,
    end_year: i16,
    opts: &Options<'_>,
) -> Result<Part, CalendarError> {
    let start = Start {
        lines_before: memchr::memchr_iter(b'\n', &data[..from]).count(),
        in_calendar: from > 0,
    };
    let keep_text = matches!(opts.client_facing, ClientFacing::Matching { .. }) && !opts.holidays;
    let mut zones = Zones::new(file, end_year);
    let mut evs = Vec::new();
    let mut fb = Vec::new();
    let mut warnings = Vec::new();
    let end = read_span(label, &data[from..to], start, keep_text, &mut |c| {
        if matches!(c.kind, Kind::Event | Kind::FreeBusy) {
            match take(label, &c, &mut zones, opts, &mut warnings) {
                Taken::Event(ev) => evs.push(ev),
                Taken::Busy(mut b) => fb.append(&mut b),
                Taken::Nothing => {}
            }
        }
        Ok(())
    })?;
    warnings.append(&mut zones.warnings);
    Ok(Part {
        end,
        evs,
        fb,
        warnings,
    })
}

/// Joins the parts in file order.
fn merge(parts: Vec<Part>) -> Gathered {
    let mut out = Gathered::default();
    out.evs
        .reserve_exact(parts.iter().map(|p| p.evs.len()).sum());
    for mut p in parts {
        out.evs.append(&mut p.evs);
        out.fb.append(&mut p.fb);
        out.warnings.append(&mut p.end.warnings);
        out.warnings.append(&mut p.warnings);
    }
    out
}

/// What one VEVENT or VFREEBUSY yields.
enum Taken {
    Event(Ev),
    Busy(Vec<Interval>),
    Nothing,
}

/// Reads one VEVENT or VFREEBUSY. One that cannot be read is a warning
/// and, outside holiday calendars, the whole window busy.
fn take(
    label: &str,
    c: &Comp,
    zones: &mut Zones,
    opts: &Options<'_>,
    warnings: &mut Vec<Warning>,
) -> Taken {
    let read = if c.kind == Kind::FreeBusy {
        if opts.holidays {
            return Taken::Nothing;
        }
        let mut fb = Vec::new();
        events::read_freebusy(label, c, zones, &mut fb).map(|()| Taken::Busy(fb))
    } else {
        events::read_event(label, c, zones, opts.client_facing, warnings)
            .map(|ev| ev.map_or(Taken::Nothing, Taken::Event))
    };
    read.unwrap_or_else(|e| {
        let line = e.line.unwrap_or(c.line);
        let what = if opts.holidays {
            "the event was ignored"
        } else {
            "the whole planning window is counted busy"
        };
        warnings.push(Warning::at(line, format!("{}; {what}", e.message)));
        if opts.holidays {
            Taken::Nothing
        } else {
            Taken::Busy(vec![opts.window])
        }
    })
}

#[cfg(test)]
mod tests;
