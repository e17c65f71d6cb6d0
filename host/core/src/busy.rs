//! Each person's busy time over the horizon: calendars, declared client
//! blocks and the buffers after client-facing time.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::calendar::CalendarBusy;
use crate::model::{ClientBlock, Horizon, Interval, Person, monday_of};

/// Where a busy span came from, for `peerwell busy` and explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BusySource {
    /// Index into the person's `calendars`.
    Calendar(usize),
    /// Index into the person's `client_blocks`.
    ClientBlock(usize),
}

/// One busy span of a person, with where it came from, in 16 bytes: an
/// organization's busy time is millions of spans, kept for as long as its
/// plan is served. Whole seconds (calendars and client blocks have no
/// finer times; a finer instant is rounded outward), at most 2³² − 1
/// seconds (136 years) long. Ordered as (start, end, source,
/// client-facing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct BusySpan {
    /// Unix seconds of the first instant.
    start: i64,
    /// Seconds to the first instant after the span.
    length: u32,
    /// Bit 31: from a client block (else a calendar); bits 1–30: the
    /// source's index; bit 0: client-facing.
    tag: u32,
}

/// Bit of [`BusySpan::tag`] for a client block.
const CLIENT_BLOCK: u32 = 1 << 31;
/// Largest source index a span can carry.
const MAX_SOURCE: usize = (1 << 30) - 1;

impl BusySpan {
    /// The span `interval` from `source`, client-facing or not.
    pub fn new(interval: Interval, source: BusySource, client_facing: bool) -> BusySpan {
        let mut start = interval.start.as_second();
        if interval.start.subsec_nanosecond() < 0 {
            start -= 1;
        }
        let mut end = interval.end.as_second();
        if interval.end.subsec_nanosecond() > 0 {
            end += 1;
        }
        let (kind, index) = match source {
            BusySource::Calendar(i) => (0, i),
            BusySource::ClientBlock(i) => (CLIENT_BLOCK, i),
        };
        BusySpan {
            start,
            length: u32::try_from(end.saturating_sub(start).max(0)).unwrap_or(u32::MAX),
            tag: kind | ((index.min(MAX_SOURCE) as u32) << 1) | u32::from(client_facing),
        }
    }

    /// When the person is busy.
    pub fn interval(&self) -> Interval {
        Interval::new(
            second(self.start),
            second(self.start + i64::from(self.length)),
        )
    }

    /// The calendar or client block it came from.
    pub fn source(&self) -> BusySource {
        let index = ((self.tag & !CLIENT_BLOCK) >> 1) as usize;
        if self.tag & CLIENT_BLOCK != 0 {
            BusySource::ClientBlock(index)
        } else {
            BusySource::Calendar(index)
        }
    }

    /// Whether a buffer follows it (see [`PersonBusy::blocked`]).
    pub fn client_facing(&self) -> bool {
        self.tag & 1 == 1
    }
}

/// The instant `s` Unix seconds, clamped to what a timestamp can hold.
fn second(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap_or(if s < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// A person's busy time over the horizon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonBusy {
    /// Sorted by start, then end; overlapping spans are kept apart so each
    /// keeps its source.
    pub spans: Vec<BusySpan>,
    /// Minutes kept free after each client-facing span.
    pub buffer_minutes: u32,
}

/// A person's busy time over `horizon`: the spans of their calendars
/// (`calendars` is aligned with `person.calendars`) plus their declared
/// client blocks expanded in their own zone, every span overlapping
/// [`Horizon::window`]. Client blocks are client-facing.
pub fn person_busy(person: &Person, calendars: &[CalendarBusy], horizon: &Horizon) -> PersonBusy {
    let window = horizon.window();
    let mut spans: Vec<BusySpan> = Vec::new();
    for (i, cal) in calendars.iter().enumerate() {
        spans.extend(
            cal.busy
                .iter()
                .map(|b| BusySpan::new(b.interval, BusySource::Calendar(i), b.client_facing)),
        );
    }
    // Local dates of the window, with a day of slack for far zones.
    let first = horizon
        .start
        .yesterday()
        .and_then(|d| d.yesterday())
        .unwrap_or(horizon.start);
    let last = horizon
        .end()
        .tomorrow()
        .and_then(|d| d.tomorrow())
        .unwrap_or(horizon.end());
    for (i, block) in person.client_blocks.iter().enumerate() {
        let mut d = first;
        while d <= last {
            if let Some(interval) = block_on(block, d, &person.zone.tz, horizon.start)
                && interval.overlaps(&window)
            {
                spans.push(BusySpan::new(interval, BusySource::ClientBlock(i), true));
            }
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
    }
    spans.sort();
    spans.shrink_to_fit();
    PersonBusy {
        spans,
        buffer_minutes: person.buffer_minutes,
    }
}

/// The block's span on local date `d`, if it applies that day. Every-N-weeks
/// blocks count weeks from `from`, or from `first_week` without one.
fn block_on(
    block: &ClientBlock,
    d: Date,
    tz: &jiff::tz::TimeZone,
    first_week: Date,
) -> Option<Interval> {
    if !block.days.contains(&d.weekday())
        || block.from.is_some_and(|f| d < f)
        || block.until.is_some_and(|u| d > u)
    {
        return None;
    }
    if block.every_weeks > 1 {
        let base = monday_of(block.from.unwrap_or(first_week));
        let weeks = (monday_of(d) - base).get_days().div_euclid(7);
        if i64::from(weeks).rem_euclid(i64::from(block.every_weeks)) != 0 {
            return None;
        }
    }
    let start = d
        .to_datetime(block.start)
        .to_zoned(tz.clone())
        .ok()?
        .timestamp();
    let end = d
        .to_datetime(block.end)
        .to_zoned(tz.clone())
        .ok()?
        .timestamp();
    (start < end).then(|| Interval::new(start, end))
}

impl PersonBusy {
    /// Every blocked span, sorted and merged (touching spans join):
    /// client-facing spans are extended by `buffer_minutes`.
    pub fn blocked(&self) -> Vec<Interval> {
        let buffer = SignedDuration::from_mins(i64::from(self.buffer_minutes));
        let mut all: Vec<Interval> = self
            .spans
            .iter()
            .map(|s| {
                let mut i = s.interval();
                if s.client_facing() {
                    i.end = i.end.checked_add(buffer).unwrap_or(i.end);
                }
                i
            })
            .filter(|i| !i.is_empty())
            .collect();
        all.sort();
        let mut merged: Vec<Interval> = Vec::with_capacity(all.len());
        for i in all {
            match merged.last_mut() {
                Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
                _ => merged.push(i),
            }
        }
        merged
    }
}

#[cfg(test)]
mod tests;
