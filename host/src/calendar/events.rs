//! VEVENT and VFREEBUSY components into busy intervals over a window.
//!
//! Events are grouped by UID: the master (no RECURRENCE-ID) is expanded
//! (DTSTART, RRULE, RDATE minus EXDATE), instances replaced by overrides are
//! dropped, RANGE=THISANDFUTURE overrides shift and resize later instances,
//! and every override that is not cancelled adds its own span.

use jiff::{SignedDuration, Timestamp};

use super::CalendarError;
use super::expand::Expander;
use super::lines::{Comp, Prop};
use super::rrule::Rule;
use super::value::{Dur, Raw, civil_secs, parse_duration};
use super::zones::{Tz, When, Zones};
use crate::model::{ClientFacing, Interval};

/// Occurrences one event may yield inside the window.
pub(crate) const OCCURRENCE_CAP: usize = 20_000;

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

    pub(crate) fn max_secs(self) -> i64 {
        match self {
            EndSpec::Exact(s) => s.abs(),
            // A local day is at most a few hours longer than 86,400 s.
            EndSpec::Nominal(d) if d.days != 0 => d.days.abs() * 86_400 + d.secs.abs() + 7200,
            EndSpec::Nominal(d) => d.secs.abs(),
        }
    }
}

/// One VEVENT, reduced to times and flags.
pub(crate) struct Ev {
    pub uid: Option<String>,
    pub start: When,
    pub end: EndSpec,
    pub rule: Option<Box<(Rule, usize)>>,
    pub rdates: Vec<(When, Option<EndSpec>)>,
    pub exdates: Vec<When>,
    /// RECURRENCE-ID and whether RANGE=THISANDFUTURE.
    pub rid: Option<(When, bool)>,
    /// STATUS:CANCELLED.
    pub cancelled: bool,
    /// TRANSP:TRANSPARENT.
    pub transparent: bool,
    pub client_facing: bool,
}

fn bad(label: &str, p: &Prop, what: &str) -> CalendarError {
    CalendarError::at(label, p.line, &format!("{} {what}", p.name))
}

/// Whether an event is client-facing; its text is only looked at here.
fn is_client_facing(ev: &Comp, rule: &ClientFacing) -> bool {
    match rule {
        ClientFacing::All => true,
        ClientFacing::None => false,
        ClientFacing::Matching {
            categories,
            summary_contains,
        } => {
            let cat = ev.props_named("CATEGORIES").any(|p| {
                p.value.split(',').any(|c| {
                    let c = c.trim();
                    categories
                        .iter()
                        .any(|want| want.trim().eq_ignore_ascii_case(c))
                })
            });
            cat || ev.prop("SUMMARY").is_some_and(|p| {
                let s = p.value.to_lowercase();
                summary_contains
                    .iter()
                    .any(|w| !w.is_empty() && s.contains(&w.to_lowercase()))
            })
        }
    }
}

/// A PERIOD `start/end` or `start/duration`, or a plain start.
fn when_or_period(
    zones: &mut Zones,
    label: &str,
    p: &Prop,
    v: &str,
) -> Result<(When, Option<EndSpec>), CalendarError> {
    match v.split_once('/') {
        None => Ok((zones.when(label, p, v)?, None)),
        Some((a, b)) => {
            let start = zones.when(label, p, a)?;
            let end = if b.trim_start().starts_with(['P', 'p', '+', '-']) {
                EndSpec::Nominal(
                    parse_duration(b).ok_or_else(|| bad(label, p, "has a bad period duration"))?,
                )
            } else {
                let e = zones.when(label, p, b)?;
                let (s, e) = (start.instant(), e.instant());
                match (s, e) {
                    (Some(s), Some(e)) => EndSpec::Exact(s.duration_until(e).as_secs()),
                    _ => return Err(bad(label, p, "has a period out of range")),
                }
            };
            Ok((start, Some(end)))
        }
    }
}

/// Reads one VEVENT. None (with a warning) when it has no DTSTART.
pub(crate) fn read_event(
    label: &str,
    c: &Comp,
    zones: &mut Zones,
    cf: &ClientFacing,
    warnings: &mut Vec<String>,
) -> Result<Option<Ev>, CalendarError> {
    let Some(dtstart) = c.prop("DTSTART") else {
        warnings.push(format!(
            "line {}: an event without DTSTART was ignored",
            c.line
        ));
        return Ok(None);
    };
    let start = zones.when(label, dtstart, &dtstart.value)?;
    let end = if let Some(p) = c.prop("DTEND") {
        let e = zones.when(label, p, &p.value)?;
        if start.date {
            EndSpec::Nominal(Dur {
                days: (e.local - start.local).div_euclid(86_400),
                secs: 0,
            })
        } else {
            match (start.instant(), e.instant()) {
                (Some(s), Some(e)) => EndSpec::Exact(s.duration_until(e).as_secs()),
                _ => return Err(bad(label, p, "is out of range")),
            }
        }
    } else if let Some(p) = c.prop("DURATION") {
        EndSpec::Nominal(
            parse_duration(&p.value)
                .ok_or_else(|| bad(label, p, "is not a valid DURATION (e.g. PT1H30M)"))?,
        )
    } else if start.date {
        EndSpec::Nominal(Dur { days: 1, secs: 0 })
    } else {
        EndSpec::Exact(0)
    };
    let rule = match c.prop("RRULE") {
        Some(p) => Some(Box::new((
            Rule::parse(&p.value).map_err(|m| CalendarError::at(label, p.line, &m))?,
            p.line,
        ))),
        None => None,
    };
    let mut rdates = Vec::new();
    for p in c.props_named("RDATE") {
        for v in p.value.split(',') {
            rdates.push(when_or_period(zones, label, p, v)?);
        }
    }
    let mut exdates = Vec::new();
    for p in c.props_named("EXDATE") {
        for v in p.value.split(',') {
            exdates.push(zones.when(label, p, v)?);
        }
    }
    let rid = match c.prop("RECURRENCE-ID") {
        Some(p) => Some((
            zones.when(label, p, &p.value)?,
            p.param("RANGE")
                .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE")),
        )),
        None => None,
    };
    let flag = |name: &str, want: &str| {
        c.prop(name)
            .is_some_and(|p| p.value.trim().eq_ignore_ascii_case(want))
    };
    Ok(Some(Ev {
        uid: c.prop("UID").map(|p| p.value.clone()),
        start,
        end,
        rule,
        rdates,
        exdates,
        rid,
        cancelled: flag("STATUS", "CANCELLED"),
        transparent: flag("TRANSP", "TRANSPARENT"),
        client_facing: is_client_facing(c, cf),
    }))
}

/// Busy periods of a VFREEBUSY (FBTYPE=FREE skipped).
pub(crate) fn read_freebusy(
    label: &str,
    c: &Comp,
    zones: &mut Zones,
    out: &mut Vec<Interval>,
) -> Result<(), CalendarError> {
    for p in c.props_named("FREEBUSY") {
        if p.param("FBTYPE")
            .is_some_and(|t| t.eq_ignore_ascii_case("FREE"))
        {
            continue;
        }
        for v in p.value.split(',') {
            let (start, end) = when_or_period(zones, label, p, v)?;
            let end = end.ok_or_else(|| bad(label, p, "holds a value that is not a PERIOD"))?;
            if let Some(s) = start.instant()
                && let Some(e) = end.end_at(&start.tz, start.local, s)
            {
                out.push(Interval::new(s, e));
            }
        }
    }
    Ok(())
}

/// The events of one UID (or one event alone), as indices into the
/// events: the master (no RECURRENCE-ID) and its overrides in file order.
pub(crate) struct Group {
    pub master: Option<usize>,
    pub overrides: Vec<usize>,
}

impl Group {
    /// The master and overrides of this group in `evs`.
    pub(crate) fn of<'e>(&self, evs: &'e [Ev]) -> (Option<&'e Ev>, Vec<&'e Ev>) {
        (
            self.master.and_then(|i| evs.get(i)),
            self.overrides.iter().filter_map(|&i| evs.get(i)).collect(),
        )
    }
}

/// The events grouped for expansion: first, in file order, events without
/// UID and second masters of a UID (each its own group); then one group per
/// UID in UID order. Events are not moved, only their indices.
pub(crate) fn group_by_uid(evs: &[Ev]) -> Vec<Group> {
    let mut order: Vec<usize> = (0..evs.len()).filter(|&i| evs[i].uid.is_some()).collect();
    // Stable: file order within a UID.
    order.sort_by(|&a, &b| evs[a].uid.cmp(&evs[b].uid));
    let mut alone = vec![false; evs.len()];
    let mut groups = Vec::new();
    for run in order.chunk_by(|&a, &b| evs[a].uid == evs[b].uid) {
        let mut g = Group {
            master: None,
            overrides: Vec::new(),
        };
        for &i in run {
            if evs[i].rid.is_some() {
                g.overrides.push(i);
            } else if g.master.is_none() {
                g.master = Some(i);
            } else {
                // A second master with the same UID: treat it as its own event.
                alone[i] = true;
            }
        }
        groups.push(g);
    }
    let mut out: Vec<Group> = (0..evs.len())
        .filter(|&i| evs[i].uid.is_none() || alone[i])
        .map(|i| Group {
            master: Some(i),
            overrides: Vec::new(),
        })
        .collect();
    out.append(&mut groups);
    out
}

/// Civil seconds of an UNTIL value, compared against occurrences.
pub(crate) enum Until {
    Instant(Timestamp),
    Local(i64),
}

impl Until {
    pub(crate) fn of(raw: Raw, start_is_date: bool) -> Until {
        match raw {
            Raw::Utc(dt) => {
                Until::Instant(Timestamp::from_second(civil_secs(dt)).unwrap_or(Timestamp::MAX))
            }
            Raw::Local(dt) => Until::Local(civil_secs(dt)),
            Raw::Date(d) => {
                let midnight = civil_secs(d.to_datetime(jiff::civil::Time::midnight()));
                // A DATE UNTIL with a DATE-TIME start covers that whole day.
                Until::Local(if start_is_date {
                    midnight
                } else {
                    midnight + 86_399
                })
            }
        }
    }

    pub(crate) fn passed(&self, local: i64, at: Timestamp) -> bool {
        match *self {
            Until::Instant(u) => at > u,
            Until::Local(u) => local > u,
        }
    }
}

/// Expands the master's own start times (DTSTART, RRULE, RDATE, minus
/// EXDATE) with local start in `[lo, hi]`: (local, instant, own end).
///
/// Occurrences that end before `earliest` (no span of this event can reach
/// the window from there) are neither kept nor counted against the cap.
pub(crate) fn master_starts(
    ev: &Ev,
    lo: i64,
    hi: i64,
    earliest: Timestamp,
    warnings: &mut Vec<String>,
) -> Vec<(i64, Timestamp, Option<EndSpec>)> {
    let tz = &ev.start.tz;
    let mut out: Vec<(i64, Timestamp, Option<EndSpec>)> = Vec::new();
    match ev.rule.as_deref() {
        None => {
            if (lo..=hi).contains(&ev.start.local)
                && let Some(at) = ev.start.instant()
            {
                out.push((ev.start.local, at, None));
            }
        }
        Some((rule, line)) => {
            let until = rule.until.map(|u| Until::of(u, ev.start.date));
            let Some(start_dt) = super::value::from_civil_secs(ev.start.local) else {
                return out;
            };
            let rule = rule.clone().with_defaults(start_dt);
            let mut it = Expander::new(&rule, ev.start.local, hi);
            it.fast_forward(lo);
            let mut first = true;
            for local in it.by_ref() {
                if local > hi {
                    break;
                }
                let Some(at) = tz.to_instant(local) else {
                    continue;
                };
                if !first && until.as_ref().is_some_and(|u| u.passed(local, at)) {
                    break;
                }
                first = false;
                if local < lo || at < earliest {
                    continue;
                }
                if out.len() >= OCCURRENCE_CAP {
                    warnings.push(format!(
                        "line {line}: the recurrence rule yields more than {OCCURRENCE_CAP} \
                         occurrences in the planning window; later ones were ignored"
                    ));
                    break;
                }
                out.push((local, at, None));
            }
            if it.capped {
                warnings.push(format!(
                    "line {line}: the recurrence rule was cut short: it takes too many steps \
                     without producing occurrences (an impossible or pathological rule?)"
                ));
            }
        }
    }
    for (w, end) in &ev.rdates {
        let local = tz.to_local(w.instant().unwrap_or(Timestamp::MIN));
        let local = if w.date { w.local } else { local };
        if (lo..=hi).contains(&local)
            && let Some(at) = w.instant()
        {
            out.push((local, at, *end));
        }
    }
    if !ev.exdates.is_empty() {
        out.retain(|(local, at, _)| {
            !ev.exdates.iter().any(|x| {
                if x.date && !ev.start.date {
                    x.local.div_euclid(86_400) == local.div_euclid(86_400)
                } else {
                    x.instant() == Some(*at)
                }
            })
        });
    }
    out.sort_by_key(|o| (o.1, o.0));
    out.dedup_by_key(|o| o.1);
    out
}

/// Slack (seconds) needed around the window for an event's expansion.
/// (The longest span of the event, plus any override's shift, plus an hour
/// for local-time effects.)
pub(crate) fn slack(ev: &Ev, overrides: &[&Ev]) -> i64 {
    let mut s = ev.end.max_secs() + 3600;
    for o in overrides {
        if let Some((rid, _)) = &o.rid {
            s = s.max((o.start.local - rid.local).abs() + o.end.max_secs() + 3600);
        }
    }
    s
}
