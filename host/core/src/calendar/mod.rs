//! Reading busy time from iCalendar files.
//!
//! Only intervals come out of this module. Summaries, descriptions,
//! locations, attendees and every other text of an input event are read only
//! as far as needed to decide whether an event is client-facing, then
//! dropped; errors name the file and line, never event text.
//!
//! Layout: [`lines`] (bytes → components), [`props`] (content lines via
//! the `ical` crate), [`value`]
//! (DATE/DATE-TIME/DURATION syntax), [`zones`] (TZID resolution, VTIMEZONE
//! evaluation, [`windows_zones`]), [`rrule`] + [`expand`] (recurrence rules),
//! [`events`] (VEVENT/VFREEBUSY), [`parts`] (components to events, on
//! several threads for large files), [`read`] (the pipeline).

mod events;
mod expand;
mod lines;
mod parts;
mod props;
mod read;
mod rrule;
mod value;
mod windows_zones;
mod zones;

#[cfg(test)]
mod parallel_tests;
#[cfg(test)]
mod quirk_tests;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::model::{ClientFacing, Interval};

/// One busy span read from a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Busy {
    /// When the event (or free/busy period) makes the member busy.
    pub interval: Interval,
    /// Whether the event is client-facing (see [`ClientFacing`]).
    pub client_facing: bool,
}

/// What a calendar file yielded over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalendarBusy {
    /// Sorted by start, then end. Not merged: overlapping events stay apart.
    pub busy: Vec<Busy>,
    /// Problems that did not stop the read (e.g. an expansion cut at its
    /// cap), phrased without event text: "line 120: ...".
    pub warnings: Vec<String>,
}

/// A problem that did not stop the read: what was assumed, and the line to
/// blame when one is. Never holds the file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    /// 1-based line, when one line is to blame.
    pub line: Option<usize>,
    /// What is wrong and what was assumed.
    pub text: String,
}

impl Warning {
    /// A warning about line `line`.
    pub(crate) fn at(line: usize, text: impl Into<String>) -> Warning {
        Warning {
            line: Some(line),
            text: text.into(),
        }
    }

    /// A warning about the whole file.
    pub(crate) fn whole(text: impl Into<String>) -> Warning {
        Warning {
            line: None,
            text: text.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.text),
            None => f.write_str(&self.text),
        }
    }
}

/// A calendar file that cannot be read. The message never quotes the
/// file's content.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct CalendarError {
    /// The path as the user wrote it.
    pub file: String,
    /// 1-based line, when one line is to blame.
    pub line: Option<usize>,
    /// What is wrong, phrased without the file's text.
    pub message: String,
    /// Why it could not be read, when that says whether to try again.
    pub cause: ReadCause,
}

/// Why a calendar could not be read, as far as it decides what to do next.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReadCause {
    /// Its content or its path is wrong: reading it again gives the same
    /// error until the file or the policy changes.
    #[default]
    Input,
    /// The process ran out of a resource (file descriptors) while opening
    /// it: reading it again later may succeed, so a daemon retries by itself.
    Exhausted,
}

impl CalendarError {
    pub(crate) fn at(file: &str, line: usize, message: &str) -> CalendarError {
        CalendarError {
            file: file.to_string(),
            line: Some(line),
            message: message.to_string(),
            cause: ReadCause::Input,
        }
    }

    pub(crate) fn whole(file: &str, message: &str) -> CalendarError {
        CalendarError {
            file: file.to_string(),
            line: None,
            message: message.to_string(),
            cause: ReadCause::Input,
        }
    }
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Reads the busy time of one ICS file over `window`.
///
/// Returns every busy span that overlaps `window`, unclipped, sorted.
/// Floating times and DATE values are read in `floating` (the member's
/// zone); an all-day event is busy from local midnight to local midnight.
/// Cancelled and transparent events are skipped; VFREEBUSY busy periods
/// count (client-facing only under [`ClientFacing::All`]). `label` is the
/// path as the user wrote it, used in errors and nothing else.
pub fn read_calendar(
    label: &str,
    data: &[u8],
    window: Interval,
    client_facing: &ClientFacing,
    floating: &TimeZone,
) -> Result<CalendarBusy, CalendarError> {
    let opts = read::Options {
        window,
        client_facing,
        holidays: false,
        threads: read::available_threads(),
    };
    let (busy, warnings) = read::read(label, data, floating, &opts)?;
    Ok(CalendarBusy { busy, warnings })
}

/// Local dates (in `zone`) covered by any event of a holiday calendar inside `window`.
///
/// Transparent events count (holiday feeds usually mark days as free);
/// cancelled ones do not. Sorted, deduplicated.
pub fn read_holiday_dates(
    label: &str,
    data: &[u8],
    window: Interval,
    zone: &TimeZone,
) -> Result<Vec<Date>, CalendarError> {
    let opts = read::Options {
        window,
        client_facing: &ClientFacing::None,
        holidays: true,
        threads: read::available_threads(),
    };
    let (mut busy, _) = read::read(label, data, zone, &opts)?;
    busy.sort_unstable_by_key(|b| b.interval.start);
    let mut dates = BTreeSet::new();
    // Every date from a span's first date to `done` is already in `dates`
    // (spans go by start), so each date is visited once however many
    // spans cover it: thousands of long spans no longer cost days × spans.
    let mut done: Option<Date> = None;
    for b in busy {
        let first = b
            .interval
            .start
            .max(window.start)
            .to_zoned(zone.clone())
            .date();
        let last_instant = b
            .interval
            .end
            .min(window.end)
            .checked_sub(jiff::SignedDuration::from_nanos(1))
            .unwrap_or(b.interval.start);
        let last = last_instant.to_zoned(zone.clone()).date();
        let mut d = match done {
            Some(x) if x >= first => match x.tomorrow() {
                Ok(next) => next,
                Err(_) => continue,
            },
            _ => first,
        };
        done = done.max(Some(last));
        while d <= last {
            dates.insert(d);
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
    }
    Ok(dates.into_iter().collect())
}
