//! Time zones of a calendar file: TZID resolution and local → UTC.
//!
//! A TZID is resolved, in order, as the file's own VTIMEZONE definition
//! (evaluated by [`VZone`]; exact name first, then ignoring case: the file
//! says what its times mean, as RFC 5545 and the calendar libraries read
//! it), UTC, an IANA name, an IANA name behind a prefix
//! (`/mozilla.org/20050126_1/America/New_York`), then a Windows name
//! (Outlook). Anything else is read as a floating time, with a warning.
//! Floating date-times are read in the calendar's `X-WR-TIMEZONE` when it
//! names a known zone (what Google writes), else in the member's zone;
//! DATE values always in the member's zone.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::expand::Expander;
use super::lines::{Comp, Kind, Prop, PropName};
use super::rrule::Rule;
use super::value::{Raw, civil_secs, from_civil_secs, parse_offset, parse_raw};
use super::windows_zones::iana_for_windows;
use super::{CalendarError, Warning};

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

/// Onsets one VTIMEZONE may hold in total (a real zone has a few hundred).
const ZONE_ONSET_CAP: usize = 20_000;

/// Expansion work one VTIMEZONE may use in total.
const ZONE_STEPS: u64 = 4_000_000;

/// What bounds the evaluation of one VTIMEZONE, and what it ran into.
struct ZoneBudget {
    onsets: usize,
    steps: u64,
    capped: bool,
}

impl VZone {
    /// Evaluates a VTIMEZONE's STANDARD/DAYLIGHT observances up to the
    /// start of `until_year`, within [`ZONE_ONSET_CAP`] onsets and
    /// [`ZONE_STEPS`] of expansion (a warning in `warnings` says when
    /// that cut it). None when it defines no usable observance.
    #[cfg(test)]
    pub(crate) fn build(
        comp: &Comp,
        until_year: i16,
        warnings: &mut Vec<Warning>,
    ) -> Option<VZone> {
        let (zone, capped) = VZone::evaluate(comp, until_year);
        if capped {
            warnings.push(capped_warning(comp));
        }
        zone
    }

    /// Evaluates a VTIMEZONE's STANDARD/DAYLIGHT observances up to the
    /// start of `until_year`, within [`ZONE_ONSET_CAP`] onsets and
    /// [`ZONE_STEPS`] of expansion (a warning in `warnings` says when
    /// that cut it); None when it defines no usable observance. Shared: a
    /// VTIMEZONE with the same observances as one evaluated before (for
    /// the same `until_year`) is not expanded again. Every file of an
    /// export usually embeds the same few zones, and their yearly rules
    /// start decades (Outlook: centuries) back.
    pub(crate) fn build_shared(
        comp: &Comp,
        until_year: i16,
        warnings: &mut Vec<Warning>,
    ) -> Option<Arc<VZone>> {
        static SEEN: std::sync::LazyLock<std::sync::Mutex<HashMap<(String, i16), Evaluated>>> =
            std::sync::LazyLock::new(Default::default);
        let key = (observances_key(comp), until_year);
        let seen = SEEN.lock().ok().and_then(|m| m.get(&key).cloned());
        let (zone, capped) = seen.unwrap_or_else(|| {
            let (zone, capped) = VZone::evaluate(comp, until_year);
            let evaluated = (zone.map(Arc::new), capped);
            if let Ok(mut m) = SEEN.lock() {
                if m.len() >= SHARED_ZONES {
                    m.clear();
                }
                m.insert(key, evaluated.clone());
            }
            evaluated
        });
        if capped {
            warnings.push(capped_warning(comp));
        }
        zone
    }

    /// The zone `comp` defines (None when none), and whether a cap cut its
    /// evaluation.
    fn evaluate(comp: &Comp, until_year: i16) -> (Option<VZone>, bool) {
        let limit = civil_secs(
            jiff::civil::date(until_year, 1, 1).to_datetime(jiff::civil::Time::midnight()),
        );
        let mut onsets: Vec<(i64, i32, i32)> = Vec::new();
        let mut budget = ZoneBudget {
            onsets: ZONE_ONSET_CAP,
            steps: ZONE_STEPS,
            capped: false,
        };
        for obs in &comp.children {
            if !matches!(obs.kind, Kind::Standard | Kind::Daylight) {
                continue;
            }
            if budget.onsets == 0 || budget.steps == 0 {
                budget.capped = true;
                break;
            }
            if observance(obs, limit, &mut budget, &mut onsets).is_none() {
                return (None, false);
            }
        }
        (VZone::from_onsets(onsets), budget.capped)
    }

    fn from_onsets(mut onsets: Vec<(i64, i32, i32)>) -> Option<VZone> {
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

/// A shared evaluation: the zone, and whether a cap cut it.
type Evaluated = (Option<Arc<VZone>>, bool);

/// Distinct VTIMEZONEs [`VZone::build_shared`] keeps (then it starts over).
const SHARED_ZONES: usize = 256;

/// The warning for a VTIMEZONE whose evaluation a cap cut.
fn capped_warning(comp: &Comp) -> Warning {
    Warning::at(
        comp.line,
        format!(
            "the time zone's observances yield more than {ZONE_ONSET_CAP} \
             changes or take too long to expand; later ones were ignored (times in \
             this zone may be off)"
        ),
    )
}

/// Everything of `comp` that [`VZone::evaluate`] reads, in order: each
/// observance's kind, offsets, DTSTART, RRULE and RDATEs.
fn observances_key(comp: &Comp) -> String {
    let mut key = String::new();
    for obs in &comp.children {
        let kind = match obs.kind {
            Kind::Standard => 'S',
            Kind::Daylight => 'D',
            _ => continue,
        };
        key.push(kind);
        for name in [
            PropName::TzoffsetFrom,
            PropName::TzoffsetTo,
            PropName::Dtstart,
            PropName::Rrule,
        ] {
            key.push('\u{1}');
            if let Some(p) = obs.prop(name) {
                key.push_str(&p.value);
            }
        }
        for p in obs.props_named(PropName::Rdate) {
            key.push('\u{2}');
            key.push_str(&p.value);
        }
        key.push('\u{3}');
    }
    key
}

/// Adds one observance's onsets (UTC second, offset from, offset to)
/// within `budget`. None when the observance cannot be read.
fn observance(
    obs: &Comp,
    limit: i64,
    budget: &mut ZoneBudget,
    onsets: &mut Vec<(i64, i32, i32)>,
) -> Option<()> {
    let from = parse_offset(&obs.prop(PropName::TzoffsetFrom)?.value)?;
    let to = parse_offset(&obs.prop(PropName::TzoffsetTo)?.value)?;
    let start = match parse_raw(&obs.prop(PropName::Dtstart)?.value)? {
        Raw::Local(dt) | Raw::Utc(dt) => civil_secs(dt),
        Raw::Date(d) => civil_secs(d.to_datetime(jiff::civil::Time::midnight())),
    };
    let before = onsets.len();
    onsets.push((start - i64::from(from), from, to));
    if let Some(p) = obs.prop(PropName::Rrule) {
        let rule = Rule::parse(&p.value).ok()?;
        let until = rule.until.map(|u| match u {
            Raw::Utc(dt) => civil_secs(dt),
            Raw::Local(dt) => civil_secs(dt) - i64::from(from),
            Raw::Date(d) => civil_secs(d.to_datetime(jiff::civil::Time::midnight())),
        });
        let start_dt = from_civil_secs(start)?;
        let rule = rule.with_defaults(start_dt);
        let mut it = Expander::new(&rule, start, limit).with_budget(budget.steps);
        for local in it.by_ref().skip(1) {
            let utc = local - i64::from(from);
            if until.is_some_and(|u| utc > u) || onsets.len() - before > ONSET_CAP {
                break;
            }
            if onsets.len() - before >= budget.onsets {
                budget.capped = true;
                break;
            }
            onsets.push((utc, from, to));
        }
        budget.steps = budget.steps.saturating_sub(it.work());
        budget.capped |= it.capped;
    }
    for p in obs.props_named(PropName::Rdate) {
        for v in p.value.split(',') {
            if let Some(Raw::Local(dt) | Raw::Utc(dt)) = parse_raw(v) {
                onsets.push((civil_secs(dt) - i64::from(from), from, to));
            }
        }
    }
    budget.onsets = budget.onsets.saturating_sub(onsets.len() - before);
    Some(())
}

/// What a whole file says about zones, read before its events: its
/// VTIMEZONEs by TZID (the first definition wins), so that every part of a
/// large file resolves TZIDs with the same complete table, and the zone
/// floating date-times are read in.
#[derive(Debug, Clone)]
pub(crate) struct FileZones {
    /// The member's zone (DATE values; floating times without X-WR-TIMEZONE).
    pub member: TimeZone,
    /// X-WR-TIMEZONE, when it names a known zone.
    pub wall: Option<TimeZone>,
    pub timezones: Arc<HashMap<String, Comp>>,
}

impl FileZones {
    /// Finds every `BEGIN:VTIMEZONE` line of `data` (upper- or lower-case)
    /// and reads that component, and the calendar's X-WR-TIMEZONE.
    pub(crate) fn scan(label: &str, data: &[u8], member: &TimeZone) -> FileZones {
        let mut timezones = HashMap::new();
        let mut hits: Vec<usize> = [&b"BEGIN:VTIMEZONE"[..], b"begin:vtimezone"]
            .iter()
            .flat_map(|pat| memchr::memmem::find_iter(data, pat).collect::<Vec<_>>())
            .filter(|&at| at == 0 || data[at - 1] == b'\n')
            .collect();
        hits.sort_unstable();
        let (mut counted, mut lines) = (0usize, 0usize);
        for at in hits {
            lines += memchr::memchr_iter(b'\n', &data[counted..at]).count();
            counted = at;
            for tz in read_timezone(label, &data[at..], lines) {
                if let Some(id) = tz.prop(PropName::Tzid) {
                    let id = strip_quotes(&id.value).to_string();
                    timezones.entry(id).or_insert(tz);
                }
            }
        }
        let wall = header_value(data, b"X-WR-TIMEZONE").and_then(|name| {
            let name = strip_quotes(&name);
            TimeZone::get(name)
                .ok()
                .or_else(|| iana_for_windows(name).and_then(|n| TimeZone::get(n).ok()))
        });
        FileZones {
            member: member.clone(),
            wall,
            timezones: Arc::new(timezones),
        }
    }
}

/// The VTIMEZONE that starts `data` (up to its END line), read as a
/// component of a calendar; nothing when it does not read.
fn read_timezone(label: &str, data: &[u8], lines_before: usize) -> Vec<Comp> {
    // The first END:VTIMEZONE line (any case) ends it.
    let mut stop = None;
    let mut pos = 0;
    while pos < data.len() {
        let next = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |n| pos + n + 1);
        let line = data[pos..next].trim_ascii_end();
        pos = next;
        if line.eq_ignore_ascii_case(b"END:VTIMEZONE") {
            stop = Some(next);
            break;
        }
    }
    let Some(stop) = stop else {
        return Vec::new();
    };
    let start = super::lines::Start {
        lines_before,
        in_calendar: true,
    };
    let mut out = Vec::new();
    let read = super::lines::read_span(label, &data[..stop], start, false, &mut |c| {
        if c.kind == Kind::Timezone {
            out.push(c);
        }
        Ok(())
    });
    if read.is_err() {
        out.clear();
    }
    out
}

/// The value of calendar property `name` (any case) among the lines
/// before the calendar's first component, where RFC 5545 puts them.
fn header_value(data: &[u8], name: &[u8]) -> Option<String> {
    let mut pos = 0;
    let mut first = true;
    while pos < data.len() {
        let next = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |n| pos + n + 1);
        let line = &data[pos..next];
        pos = next;
        let begins = line.len() >= 6 && line[..6].eq_ignore_ascii_case(b"BEGIN:");
        if begins && !first {
            return None;
        }
        first &= !begins;
        if let Some(v) = next_value(line, name, 0) {
            return Some(v);
        }
    }
    None
}

/// The value of the first of the next `lines` lines of `data` named `name`
/// (case-insensitive, parameters allowed).
fn next_value(data: &[u8], name: &[u8], lines: usize) -> Option<String> {
    data.split(|&b| b == b'\n').take(lines + 1).find_map(|l| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let head = l.get(..name.len())?;
        let rest = &l[name.len()..];
        if !head.eq_ignore_ascii_case(name) || !matches!(rest.first(), Some(b':' | b';')) {
            return None;
        }
        let colon = memchr::memchr(b':', rest)?;
        Some(
            String::from_utf8_lossy(&rest[colon + 1..])
                .trim()
                .to_string(),
        )
    })
}

/// The zones of one file and the member's zone for floating times.
pub(crate) struct Zones {
    embedded: Arc<HashMap<String, Comp>>,
    cache: HashMap<String, Tz>,
    /// The zone DATE values are read in (the member's).
    pub floating: Tz,
    /// The zone floating date-times are read in.
    wall: Tz,
    /// Whether `wall` comes from X-WR-TIMEZONE.
    has_wall: bool,
    until_year: i16,
    /// What was read leniently (unknown TZIDs, capped VTIMEZONEs).
    pub warnings: Vec<Warning>,
}

fn strip_quotes(s: &str) -> &str {
    s.trim().trim_matches('"').trim()
}

impl Zones {
    /// No embedded zones yet; custom zones are evaluated up to `until_year`.
    /// The zones of a file as [`FileZones::scan`] found them; custom zones
    /// are evaluated up to `until_year`.
    pub(crate) fn new(file: &FileZones, until_year: i16) -> Zones {
        let floating = Tz::Iana(file.member.clone());
        Zones {
            embedded: file.timezones.clone(),
            cache: HashMap::new(),
            wall: file.wall.clone().map_or(floating.clone(), Tz::Iana),
            has_wall: file.wall.is_some(),
            floating,
            until_year,
            warnings: Vec::new(),
        }
    }

    /// The zone a DATE start is read in when its DTEND, in `end`, is timed:
    /// DTEND's own zone, except that a UTC DTEND in a calendar with
    /// X-WR-TIMEZONE is read in that zone (as `recurring-ical-events` does).
    pub(crate) fn zone_of_timed_end(&self, end: &Tz) -> Tz {
        match end {
            Tz::Utc if self.has_wall => self.wall.clone(),
            other => other.clone(),
        }
    }

    /// The file's own VTIMEZONE called `name`: exactly, or (when `loose`)
    /// ignoring case.
    fn embedded_zone(&mut self, name: &str, loose: bool) -> Option<Tz> {
        let comp = if loose {
            self.embedded
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .min_by(|a, b| a.0.cmp(b.0))
                .map(|(_, c)| c)
        } else {
            self.embedded.get(name)
        }?;
        VZone::build_shared(comp, self.until_year, &mut self.warnings).map(Tz::Custom)
    }

    /// Resolves a TZID parameter value. Order: the file's own VTIMEZONE of
    /// exactly that name (even when an IANA zone has it), UTC, an IANA or
    /// Windows name, then the file's own VTIMEZONE ignoring case — as the
    /// calendar libraries match TZIDs exactly.
    pub(crate) fn resolve(&mut self, line: usize, tzid: &str) -> Tz {
        if let Some(tz) = self.cache.get(tzid) {
            return tz.clone();
        }
        let name = strip_quotes(tzid);
        let tz = match self.embedded_zone(name, false) {
            Some(tz) => tz,
            None if is_utc(name) => Tz::Utc,
            None => match known_zone(name) {
                Some(tz) => Tz::Iana(tz),
                None => match self.embedded_zone(name, true) {
                    Some(tz) => tz,
                    None => self.unknown_zone(line),
                },
            },
        };
        self.cache.insert(tzid.to_string(), tz.clone());
        tz
    }

    /// A TZID nothing defines: warned, and read as floating time.
    fn unknown_zone(&mut self, line: usize) -> Tz {
        self.warnings.push(Warning::at(
            line,
            "unknown time zone in TZID (not defined by a VTIMEZONE in \
             the file, nor an IANA or Windows name); its times are read as floating \
             times",
        ));
        self.wall.clone()
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
                    Some(id) => self.resolve(prop.line, id),
                    None => self.wall.clone(),
                },
                date: false,
            },
        })
    }
}

fn is_utc(name: &str) -> bool {
    name.eq_ignore_ascii_case("UTC") || name.eq_ignore_ascii_case("Etc/UTC")
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

/// An IANA zone by name (or with a vendor prefix), or a Windows zone name.
fn known_zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name)
        .ok()
        .or_else(|| prefixed_iana(name))
        .or_else(|| iana_for_windows(name).and_then(|n| TimeZone::get(n).ok()))
}
