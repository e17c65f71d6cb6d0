//! Time zones of a calendar file: TZID resolution and local → UTC.
//!
//! A TZID is resolved, in order, as an IANA name (preferred even when the
//! file embeds a VTIMEZONE of that name: the tz database is more complete),
//! the file's own VTIMEZONE definition (evaluated by [`VZone`]), an IANA
//! name behind a prefix (`/mozilla.org/20050126_1/America/New_York`), then a
//! Windows name (Outlook). Anything else is an error naming the line.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::CalendarError;
use super::expand::Expander;
use super::lines::{Comp, Kind, Prop};
use super::rrule::Rule;
use super::value::{Raw, civil_secs, from_civil_secs, parse_offset, parse_raw};
use super::windows_zones::iana_for_windows;

/// A resolved zone.
#[derive(Debug, Clone)]
pub(crate) enum Tz {
    Utc,
    Iana(TimeZone),
    Custom(Arc<VZone>),
}

impl Tz {
    /// The instant of a local civil time (seconds since 1970 civil). A time
    /// in a gap is read with the offset before the gap (so it moves
    /// forward); a time in a fold takes its first occurrence.
    pub(crate) fn to_instant(&self, local: i64) -> Option<Timestamp> {
        match self {
            Tz::Utc => Timestamp::from_second(local).ok(),
            Tz::Iana(tz) => tz
                .to_ambiguous_timestamp(from_civil_secs(local)?)
                .compatible()
                .ok(),
            Tz::Custom(z) => Timestamp::from_second(z.to_utc(local)).ok(),
        }
    }

    /// The local civil seconds of an instant.
    pub(crate) fn to_local(&self, ts: Timestamp) -> i64 {
        let s = ts.as_second();
        match self {
            Tz::Utc => s,
            Tz::Iana(tz) => s + i64::from(tz.to_offset(ts).seconds()),
            Tz::Custom(z) => s + i64::from(z.offset_at(s)),
        }
    }
}

/// A VTIMEZONE evaluated into UTC transitions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VZone {
    /// (UTC seconds of the change, offset from then on), sorted.
    transitions: Vec<(i64, i32)>,
    /// Offset before the first transition.
    initial: i32,
    offsets: Vec<i32>,
}

/// Onsets one observance may contribute.
const ONSET_CAP: usize = 5_000;

impl VZone {
    /// Evaluates a VTIMEZONE's STANDARD/DAYLIGHT observances up to the
    /// start of `until_year`. None when it defines no usable observance.
    pub(crate) fn build(comp: &Comp, until_year: i16) -> Option<VZone> {
        let limit = civil_secs(
            jiff::civil::date(until_year, 1, 1).to_datetime(jiff::civil::Time::midnight()),
        );
        let mut onsets: Vec<(i64, i32, i32)> = Vec::new();
        for obs in &comp.children {
            if !matches!(obs.kind, Kind::Standard | Kind::Daylight) {
                continue;
            }
            let from = parse_offset(&obs.prop("TZOFFSETFROM")?.value)?;
            let to = parse_offset(&obs.prop("TZOFFSETTO")?.value)?;
            let start = match parse_raw(&obs.prop("DTSTART")?.value)? {
                Raw::Local(dt) | Raw::Utc(dt) => civil_secs(dt),
                Raw::Date(d) => civil_secs(d.to_datetime(jiff::civil::Time::midnight())),
            };
            let before = onsets.len();
            onsets.push((start - i64::from(from), from, to));
            if let Some(p) = obs.prop("RRULE") {
                let rule = Rule::parse(&p.value).ok()?;
                let until = rule.until.map(|u| match u {
                    Raw::Utc(dt) => civil_secs(dt),
                    Raw::Local(dt) => civil_secs(dt) - i64::from(from),
                    Raw::Date(d) => civil_secs(d.to_datetime(jiff::civil::Time::midnight())),
                });
                let start_dt = from_civil_secs(start)?;
                let rule = rule.with_defaults(start_dt);
                for local in Expander::new(&rule, start, limit).skip(1) {
                    let utc = local - i64::from(from);
                    if until.is_some_and(|u| utc > u) || onsets.len() - before > ONSET_CAP {
                        break;
                    }
                    onsets.push((utc, from, to));
                }
            }
            for p in obs.props_named("RDATE") {
                for v in p.value.split(',') {
                    if let Some(Raw::Local(dt) | Raw::Utc(dt)) = parse_raw(v) {
                        onsets.push((civil_secs(dt) - i64::from(from), from, to));
                    }
                }
            }
        }
        onsets.sort_unstable();
        onsets.dedup_by_key(|o| o.0);
        let initial = onsets.first()?.1;
        let mut offsets: Vec<i32> = onsets.iter().map(|o| o.2).collect();
        offsets.push(initial);
        offsets.sort_unstable();
        offsets.dedup();
        Some(VZone {
            transitions: onsets.iter().map(|o| (o.0, o.2)).collect(),
            initial,
            offsets,
        })
    }

    /// The offset in effect at UTC second `t`.
    pub(crate) fn offset_at(&self, t: i64) -> i32 {
        match self.transitions.partition_point(|&(at, _)| at <= t) {
            0 => self.initial,
            i => self.transitions[i - 1].1,
        }
    }

    /// UTC seconds of local civil seconds (gap: forward; fold: first).
    pub(crate) fn to_utc(&self, local: i64) -> i64 {
        let valid = self
            .offsets
            .iter()
            .map(|&o| local - i64::from(o))
            .filter(|&t| i64::from(self.offset_at(t)) == local - t)
            .min();
        valid.unwrap_or_else(|| local - i64::from(self.offset_at(local - 86_400)))
    }
}

/// The zones of one file and the member's zone for floating times.
pub(crate) struct Zones {
    embedded: HashMap<String, Comp>,
    cache: HashMap<String, Tz>,
    /// The zone floating times and DATE values are read in.
    pub floating: Tz,
    until_year: i16,
    /// Whether every VTIMEZONE of the file has been added. Until then only
    /// names that do not depend on them (UTC, IANA) resolve; others fail
    /// and the caller retries once the table is complete.
    complete: bool,
}

fn strip_quotes(s: &str) -> &str {
    s.trim().trim_matches('"').trim()
}

impl Zones {
    /// No embedded zones yet; custom zones are evaluated up to `until_year`.
    /// A `complete` table resolves every kind of TZID (add the file's
    /// VTIMEZONEs before resolving); an incomplete one only UTC and IANA
    /// names, which resolve the same whatever the file defines.
    pub(crate) fn new(floating: &TimeZone, until_year: i16, complete: bool) -> Zones {
        Zones {
            embedded: HashMap::new(),
            cache: HashMap::new(),
            floating: Tz::Iana(floating.clone()),
            until_year,
            complete,
        }
    }

    /// Adds a VTIMEZONE of the file (the first definition of a TZID wins).
    pub(crate) fn add(&mut self, tz: Comp) {
        if let Some(id) = tz.prop("TZID") {
            let id = strip_quotes(&id.value).to_string();
            self.embedded.entry(id).or_insert(tz);
        }
    }

    /// Resolves a TZID parameter value.
    pub(crate) fn resolve(
        &mut self,
        label: &str,
        line: usize,
        tzid: &str,
    ) -> Result<Tz, CalendarError> {
        if let Some(tz) = self.cache.get(tzid) {
            return Ok(tz.clone());
        }
        let name = strip_quotes(tzid);
        let found = if name.eq_ignore_ascii_case("UTC") || name.eq_ignore_ascii_case("Etc/UTC") {
            Some(Tz::Utc)
        } else if let Ok(tz) = TimeZone::get(name) {
            Some(Tz::Iana(tz))
        } else if !self.complete {
            return Err(CalendarError::at(
                label,
                line,
                "this TZID is resolved once every VTIMEZONE of the file is known",
            ));
        } else if let Some(z) = self
            .embedded
            .get(name)
            .and_then(|c| VZone::build(c, self.until_year))
        {
            Some(Tz::Custom(Arc::new(z)))
        } else {
            prefixed_iana(name)
                .or_else(|| iana_for_windows(name).and_then(|n| TimeZone::get(n).ok()))
                .map(Tz::Iana)
        };
        let tz = found.ok_or_else(|| {
            CalendarError::at(
                label,
                line,
                "unknown time zone in TZID: it is not defined by a VTIMEZONE in the file, \
                 nor an IANA name (e.g. America/New_York), nor a Windows name \
                 (e.g. Eastern Standard Time); re-export the calendar with time zones included",
            )
        })?;
        self.cache.insert(tzid.to_string(), tz.clone());
        Ok(tz)
    }

    /// The local civil seconds and zone of a DATE or DATE-TIME property
    /// value `v` with the TZID of `prop`; DATE values also say so.
    pub(crate) fn when(
        &mut self,
        label: &str,
        prop: &Prop,
        v: &str,
    ) -> Result<When, CalendarError> {
        let raw = parse_raw(v).ok_or_else(|| {
            CalendarError::at(
                label,
                prop.line,
                &format!(
                    "{} is not a valid DATE or DATE-TIME (expected YYYYMMDD or YYYYMMDDTHHMMSS[Z])",
                    prop.name
                ),
            )
        })?;
        Ok(match raw {
            Raw::Date(d) => When {
                local: civil_secs(d.to_datetime(jiff::civil::Time::midnight())),
                tz: self.floating.clone(),
                date: true,
            },
            Raw::Utc(dt) => When {
                local: civil_secs(dt),
                tz: Tz::Utc,
                date: false,
            },
            Raw::Local(dt) => When {
                local: civil_secs(dt),
                tz: match prop.param("TZID") {
                    Some(id) => self.resolve(label, prop.line, id)?,
                    None => self.floating.clone(),
                },
                date: false,
            },
        })
    }
}

/// An IANA name behind a path prefix, e.g. `/mozilla.org/20050126_1/Europe/Paris`.
fn prefixed_iana(name: &str) -> Option<TimeZone> {
    name.match_indices('/')
        .map(|(i, _)| &name[i + 1..])
        .filter(|s| !s.is_empty())
        .find_map(|s| TimeZone::get(s).ok())
}

/// A DATE or DATE-TIME value placed in its zone.
#[derive(Debug, Clone)]
pub(crate) struct When {
    /// Civil seconds since 1970-01-01T00:00 in `tz`.
    pub local: i64,
    pub tz: Tz,
    /// A DATE value (all-day).
    pub date: bool,
}

impl When {
    /// The instant, None only far outside any calendar's range.
    pub(crate) fn instant(&self) -> Option<Timestamp> {
        self.tz.to_instant(self.local)
    }
}
