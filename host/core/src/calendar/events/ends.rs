//! How an event's end follows from its start, for every instance.

use jiff::{SignedDuration, Timestamp};

use crate::calendar::value::Dur;
use crate::calendar::zones::Tz;

/// How an event's end follows from its start.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EndSpec {
    /// DTEND of a DATE-TIME event: the same exact length for every instance.
    Exact(i64),
    /// DURATION: days in local time, then exact seconds.
    Nominal(Dur),
}

impl EndSpec {
    pub(crate) fn end_at(self, tz: &Tz, local: i64, start: Timestamp) -> Option<Timestamp> {
        match self {
            EndSpec::Exact(s) => start.checked_add(SignedDuration::from_secs(s)).ok(),
            EndSpec::Nominal(d) => {
                let base = if d.days == 0 {
                    start
                } else {
                    tz.to_instant(local + d.days * 86_400)?
                };
                base.checked_add(SignedDuration::from_secs(d.secs)).ok()
            }
        }
    }

    /// Whether the end comes before the start.
    pub(crate) fn is_negative(self) -> bool {
        match self {
            EndSpec::Exact(s) => s < 0,
            EndSpec::Nominal(d) => d.days < 0 || (d.days == 0 && d.secs < 0),
        }
    }

    pub(crate) fn max_secs(self) -> i64 {
        match self {
            EndSpec::Exact(s) => s.abs(),
            // A local day is at most a few hours longer than 86,400 s.
            EndSpec::Nominal(d) if d.days != 0 => d.days.abs() * 86_400 + d.secs.abs() + 7200,
            EndSpec::Nominal(d) => d.secs.abs(),
        }
    }
}
