//! From bytes to events and free/busy periods, on several threads when the
//! file is large.
//!
//! A large file is cut into parts at `BEGIN:VEVENT` lines near equal byte
//! offsets. Each part is read (UTF-8 check, lines, properties, events to
//! times) on its own thread with a zone table that resolves only UTC and
//! IANA names; an event that fails there (e.g. it names a zone that a
//! VTIMEZONE defines) is set aside. Then, in file order, the VTIMEZONEs of
//! every part complete one table and the set-aside events are read again
//! with it. Events keep file order, so the result is the same however many
//! parts there are. A cut that does not fall between the components of one
//! VCALENDAR, or any error in a part, sends the whole file through a single
//! part, which reports the first error with its exact line.

use super::CalendarError;
use super::events::{self, Ev};
use super::lines::{Comp, Kind, SpanEnd, Start, check_end, read_span};
use super::read::Options;
use super::zones::Zones;
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
    pub warnings: Vec<String>,
}

/// One part as read on its own thread.
pub(super) struct Part {
    end: SpanEnd,
    timezones: Vec<Comp>,
    /// Events with their ordinal among the part's components.
    evs: Vec<(u32, Ev)>,
    /// Components to read again once every VTIMEZONE is known.
    deferred: Vec<(u32, Comp)>,
    fb: Vec<Interval>,
    warnings: Vec<String>,
}

/// Reads the events and free/busy periods of a whole file.
pub(crate) fn gather(
    label: &str,
    data: &[u8],
    floating: &TimeZone,
    end_year: i16,
    opts: &Options<'_>,
) -> Result<Gathered, CalendarError> {
    let wanted = opts.threads.min(MAX_PARTS).min(data.len() / MIN_PART_BYTES);
    let cuts = cuts(data, wanted);
    if cuts.len() > 2
        && let Some(parts) = read_parts(label, data, &cuts, floating, end_year, opts)
    {
        return merge(label, parts, floating, end_year, opts);
    }
    let whole = read_part(label, data, 0, data.len(), floating, end_year, opts)?;
    check_end(label, &whole.end)?;
    merge(label, vec![whole], floating, end_year, opts)
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
    floating: &TimeZone,
    end_year: i16,
    opts: &Options<'_>,
) -> Option<Vec<Part>> {
    let results: Vec<Option<Part>> = std::thread::scope(|s| {
        let handles: Vec<_> = cuts
            .windows(2)
            .skip(1)
            .map(|w| {
                let (from, to) = (w[0], w[1]);
                s.spawn(move || read_part(label, data, from, to, floating, end_year, opts).ok())
            })
            .collect();
        let first = read_part(label, data, 0, cuts[1], floating, end_year, opts).ok();
        let mut all = vec![first];
        all.extend(handles.into_iter().map(|h| h.join().ok().flatten()));
        all
    });
    let parts: Vec<Part> = results.into_iter().collect::<Option<_>>()?;
    let (last, inner) = parts.split_last()?;
    let at_calendar_level = |p: &Part| matches!(p.end.open.as_slice(), [(Kind::Calendar, _)]);
    if !inner.iter().all(at_calendar_level) || !last.end.open.is_empty() {
        return None;
    }
    Some(parts)
}

/// Reads `data[from..to]` (whole lines; inside a VCALENDAR unless `from`
/// is 0) with a zone table of UTC and IANA names only.
fn read_part(
    label: &str,
    data: &[u8],
    from: usize,
    to: usize,
    floating: &TimeZone,
    end_year: i16,
    opts: &Options<'_>,
) -> Result<Part, CalendarError> {
    let start = Start {
        lines_before: memchr::memchr_iter(b'\n', &data[..from]).count(),
        in_calendar: from > 0,
    };
    let keep_text = matches!(opts.client_facing, ClientFacing::Matching { .. }) && !opts.holidays;
    let mut zones = Zones::new(floating, end_year, false);
    let mut timezones = Vec::new();
    let mut evs = Vec::new();
    let mut deferred = Vec::new();
    let mut fb = Vec::new();
    let mut warnings = Vec::new();
    let mut ordinal = 0u32;
    let end = read_span(label, &data[from..to], start, keep_text, &mut |c| {
        match c.kind {
            Kind::Timezone => timezones.push(c),
            Kind::Event | Kind::FreeBusy => {
                ordinal += 1;
                let taken = take(label, &c, &mut zones, opts, &mut warnings);
                match taken {
                    Ok(Taken::Event(ev)) => evs.push((ordinal, ev)),
                    Ok(Taken::Busy(mut b)) => fb.append(&mut b),
                    Ok(Taken::Nothing) => {}
                    Err(_) => deferred.push((ordinal, c)),
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(Part {
        end,
        timezones,
        evs,
        deferred,
        fb,
        warnings,
    })
}

/// Completes the zone table with every part's VTIMEZONEs (file order: the
/// first definition of a TZID wins), reads the set-aside components with it
/// (the first error in file order is returned) and joins the parts.
fn merge(
    label: &str,
    mut parts: Vec<Part>,
    floating: &TimeZone,
    end_year: i16,
    opts: &Options<'_>,
) -> Result<Gathered, CalendarError> {
    let mut zones = Zones::new(floating, end_year, true);
    for p in &mut parts {
        for tz in p.timezones.drain(..) {
            zones.add(tz);
        }
    }
    let mut out = Gathered::default();
    out.evs
        .reserve_exact(parts.iter().map(|p| p.evs.len() + p.deferred.len()).sum());
    for mut p in parts {
        let resort = !p.deferred.is_empty();
        for (ordinal, c) in std::mem::take(&mut p.deferred) {
            match take(label, &c, &mut zones, opts, &mut p.warnings)? {
                Taken::Event(ev) => p.evs.push((ordinal, ev)),
                Taken::Busy(mut b) => p.fb.append(&mut b),
                Taken::Nothing => {}
            }
        }
        if resort {
            p.evs.sort_by_key(|e| e.0);
        }
        out.evs.extend(p.evs.into_iter().map(|e| e.1));
        out.fb.append(&mut p.fb);
        out.warnings.append(&mut p.warnings);
    }
    Ok(out)
}

/// What one VEVENT or VFREEBUSY yields.
enum Taken {
    Event(Ev),
    Busy(Vec<Interval>),
    Nothing,
}

/// Reads one VEVENT or VFREEBUSY; nothing is kept from a failed one.
fn take(
    label: &str,
    c: &Comp,
    zones: &mut Zones,
    opts: &Options<'_>,
    warnings: &mut Vec<String>,
) -> Result<Taken, CalendarError> {
    if c.kind == Kind::FreeBusy {
        if opts.holidays {
            return Ok(Taken::Nothing);
        }
        let mut fb = Vec::new();
        events::read_freebusy(label, c, zones, &mut fb)?;
        return Ok(Taken::Busy(fb));
    }
    Ok(
        match events::read_event(label, c, zones, opts.client_facing, warnings)? {
            Some(ev) => Taken::Event(ev),
            None => Taken::Nothing,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_fall_on_event_lines() {
        let data = b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nX:1\nEND:VEVENT\nBEGIN:VEVENT\nEND:VEVENT\n";
        let c = cuts(data, 2);
        assert_eq!(c.len(), 3);
        assert!(data[c[1]..].starts_with(b"BEGIN:VEVENT"));
        assert_eq!(c[2], data.len());
        assert_eq!(cuts(data, 1), vec![0, data.len()]);
        assert_eq!(cuts(b"", 4), vec![0, 0]);
    }
}
