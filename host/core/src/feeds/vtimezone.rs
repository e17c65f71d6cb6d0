//! VTIMEZONE components generated from jiff's time-zone data.
//!
//! Each transition inside the covered range becomes its own STANDARD or
//! DAYLIGHT observance with one onset (no RRULE), so the component says
//! exactly what jiff says, even for zones whose rules change. The observance
//! in effect when the range starts comes first, with the onset of the
//! transition that began it (or 1970 for a zone that never changed).

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

use super::writer::{Writer, local_stamp, param_value, utc_offset};
use crate::model::{Interval, Zone};

/// Names under which a zone is plain UTC; times in these are written in UTC
/// form (`...Z`) and need no VTIMEZONE.
const UTC_NAMES: &[&str] = &[
    "UTC",
    "Etc/UTC",
    "UCT",
    "Etc/UCT",
    "Universal",
    "Etc/Universal",
    "Zulu",
    "Etc/Zulu",
];

/// True when times in `zone` are written in UTC form without a VTIMEZONE.
pub fn is_utc(zone: &Zone) -> bool {
    UTC_NAMES.iter().any(|n| n.eq_ignore_ascii_case(&zone.name))
        || zone
            .tz
            .iana_name()
            .is_some_and(|name| UTC_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name)))
}

/// One observance: from its onset on, local time is `to` ahead of UTC.
#[derive(Debug, Clone, PartialEq)]
pub struct Observance {
    /// The instant the observance starts (`None`: since forever).
    pub onset: Option<Timestamp>,
    /// The offset in effect just before the onset (TZOFFSETFROM).
    pub from: Offset,
    /// The offset from the onset on (TZOFFSETTO).
    pub to: Offset,
    /// The abbreviation, e.g. `EDT` (TZNAME; empty when unknown).
    pub name: String,
    /// DAYLIGHT when true, STANDARD otherwise.
    pub daylight: bool,
}

impl Observance {
    /// DTSTART of the observance: the onset in the local time that was in
    /// effect just before it (RFC 5545 §3.6.5).
    fn local_onset(&self) -> DateTime {
        match self.onset {
            Some(ts) => self.from.to_datetime(ts),
            None => jiff::civil::date(1970, 1, 1).at(0, 0, 0, 0),
        }
    }
}

/// The observances of `tz` covering `range`: the one in effect at its start,
/// then one per transition up to its end.
pub fn observances(tz: &TimeZone, range: Interval) -> Vec<Observance> {
    let info = tz.to_offset_info(range.start);
    // `preceding` yields transitions strictly before its argument; one
    // nanosecond later includes a transition exactly at the range start.
    let just_after = range
        .start
        .checked_add(jiff::SignedDuration::from_nanos(1))
        .unwrap_or(range.start);
    let first = match tz.preceding(just_after).next() {
        Some(t) => {
            let before = t
                .timestamp()
                .checked_sub(jiff::SignedDuration::from_secs(1))
                .map(|ts| tz.to_offset(ts))
                .unwrap_or(t.offset());
            Observance {
                onset: Some(t.timestamp()),
                from: before,
                to: t.offset(),
                name: t.abbreviation().to_string(),
                daylight: t.dst().is_dst(),
            }
        }
        None => Observance {
            onset: None,
            from: info.offset(),
            to: info.offset(),
            name: info.abbreviation().to_string(),
            daylight: false,
        },
    };
    let mut out = vec![first];
    let mut previous = out[0].to;
    for t in tz.following(range.start) {
        if t.timestamp() > range.end {
            break;
        }
        out.push(Observance {
            onset: Some(t.timestamp()),
            from: previous,
            to: t.offset(),
            name: t.abbreviation().to_string(),
            daylight: t.dst().is_dst(),
        });
        previous = t.offset();
    }
    out
}

/// Writes the VTIMEZONE for `zone` covering `range`.
pub fn write_vtimezone(w: &mut Writer, zone: &Zone, range: Interval) {
    w.begin("VTIMEZONE");
    w.raw("TZID", &[], &super::writer::escape_text(&zone.name));
    for obs in observances(&zone.tz, range) {
        let kind = if obs.daylight { "DAYLIGHT" } else { "STANDARD" };
        w.begin(kind);
        w.raw("DTSTART", &[], &local_stamp(obs.local_onset()));
        w.raw("TZOFFSETFROM", &[], &utc_offset(obs.from));
        w.raw("TZOFFSETTO", &[], &utc_offset(obs.to));
        if !obs.name.is_empty() {
            w.text("TZNAME", &obs.name);
        }
        w.end(kind);
    }
    w.end("VTIMEZONE");
}

/// The value of a `TZID` parameter for `zone`.
pub fn tzid_param(zone: &Zone) -> String {
    param_value(&zone.name)
}

#[cfg(test)]
mod tests;
