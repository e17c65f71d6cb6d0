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
use super::value::{Dur, Raw, civil_secs, parse_duration, parse_raw};
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

/// One VEVENT, reduced to times and flags.
pub(crate) struct Ev {
    pub uid: Option<String>,
    pub start: When,
    pub end: EndSpec,
    /// Every RRULE with its line (several are expanded and joined).
    pub rules: Vec<(Rule, usize)>,
    pub rdates: Vec<(When, Option<EndSpec>)>,
    pub exdates: Vec<When>,
    /// RECURRENCE-ID and whether RANGE=THISANDFUTURE.
    pub rid: Option<(When, bool)>,
    /// STATUS:CANCELLED.
    pub cancelled: bool,
    /// TRANSP:TRANSPARENT.
    pub transparent: bool,
    pub client_facing: bool,
    /// SEQUENCE, DTSTAMP (UTC seconds) and file position: the newest
    /// revision of a UID wins.
    pub revision: (i64, i64, usize),
    /// A time of the event could not be read (its RRULE, an RDATE, its
    /// end): it is busy from DTSTART to the end of the window.
    pub open_end: bool,
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

/// A defect of one property that does not stop the event: a warning that
/// says what was assumed.
fn soft(e: CalendarError, assumed: &str, warnings: &mut Vec<String>) {
    let at = e.line.map(|l| format!("line {l}: ")).unwrap_or_default();
    warnings.push(format!("{at}{}; {assumed}", e.message));
}

/// What is assumed when a time of an event cannot be read.
const OPEN_END: &str = "the event is counted busy from its start to the end of the planning window";

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
    let mut start = zones.when(label, dtstart, &dtstart.value)?;
    let mut open_end = false;
    let end = match read_end(label, c, &mut start, zones, warnings) {
        Ok(end) => end,
        Err(e) => {
            soft(e, OPEN_END, warnings);
            open_end = true;
            EndSpec::Exact(0)
        }
    };
    let rules = read_rules(label, c, &mut open_end, warnings);
    let (rdates, exdates) = read_dates(label, c, &mut open_end, zones, warnings)?;
    let (uid, rid) = read_rid(label, c, zones, warnings);
    let flag = |name: &str, want: &str| {
        c.prop(name)
            .is_some_and(|p| p.value.trim().eq_ignore_ascii_case(want))
    };
    let sequence = c
        .prop("SEQUENCE")
        .and_then(|p| p.value.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let stamp = c
        .prop("DTSTAMP")
        .and_then(|p| parse_raw(&p.value))
        .map_or(i64::MIN, |r| match r {
            Raw::Utc(dt) | Raw::Local(dt) => civil_secs(dt),
            Raw::Date(d) => civil_secs(d.to_datetime(jiff::civil::Time::midnight())),
        });
    Ok(Some(Ev {
        uid,
        start,
        end,
        rules,
        rdates,
        exdates,
        rid,
        cancelled: flag("STATUS", "CANCELLED"),
        transparent: flag("TRANSP", "TRANSPARENT"),
        client_facing: is_client_facing(c, cf),
        revision: (sequence, stamp, c.line),
        open_end,
    }))
}

/// How the event's end follows from its start (DTEND, DURATION, or the
/// default). A DTEND before DTSTART is kept (the span between them is
/// busy) with a warning; a timed DTEND after a DATE start ends the span
/// that starts at the date's midnight in DTEND's zone (as the libraries
/// read it), which then becomes the start's zone.
fn read_end(
    label: &str,
    c: &Comp,
    start: &mut When,
    zones: &mut Zones,
    warnings: &mut Vec<String>,
) -> Result<EndSpec, CalendarError> {
    let end = if let Some(p) = c.prop("DTEND") {
        let e = zones.when(label, p, &p.value)?;
        if start.date && !e.date {
            start.tz = zones.zone_of_timed_end(&e.tz);
        }
        let spec = if start.date && e.date {
            EndSpec::Nominal(Dur {
                days: (e.local - start.local).div_euclid(86_400),
                secs: 0,
            })
        } else {
            match (start.instant(), e.instant()) {
                (Some(s), Some(e)) => EndSpec::Exact(s.duration_until(e).as_secs()),
                _ => return Err(bad(label, p, "is out of range")),
            }
        };
        if spec.is_negative() {
            warnings.push(format!(
                "line {}: DTEND is before DTSTART; the span between them is counted busy",
                p.line
            ));
        }
        spec
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
    Ok(end)
}

/// Every RRULE of the event. An empty one is ignored; one that cannot be
/// read makes the event busy to the end of the window (`open_end`).
fn read_rules(
    label: &str,
    c: &Comp,
    open_end: &mut bool,
    warnings: &mut Vec<String>,
) -> Vec<(Rule, usize)> {
    let mut rules = Vec::new();
    for p in c.props_named("RRULE") {
        if p.value.trim().is_empty() {
            warnings.push(format!("line {}: an empty RRULE was ignored", p.line));
            continue;
        }
        match Rule::parse(&p.value) {
            Ok(rule) => {
                if rule.count_ignored {
                    warnings.push(format!(
                        "line {}: RRULE COUNT is not a positive number; UNTIL alone ends the rule",
                        p.line
                    ));
                }
                rules.push((rule, p.line));
            }
            Err(m) => {
                soft(
                    CalendarError::at(label, p.line, &m.to_string()),
                    OPEN_END,
                    warnings,
                );
                *open_end = true;
            }
        }
    }
    rules
}

/// RDATE and EXDATE values. Empty ones are skipped; an RDATE that cannot
/// be read makes the event busy to the end of the window; an EXDATE that
/// cannot be read removes nothing.
fn read_dates(
    label: &str,
    c: &Comp,
    open_end: &mut bool,
    zones: &mut Zones,
    warnings: &mut Vec<String>,
) -> Result<DateLists, CalendarError> {
    let mut rdates = Vec::new();
    for p in c.props_named("RDATE") {
        for v in p.value.split(',').filter(|v| !v.trim().is_empty()) {
            match when_or_period(zones, label, p, v) {
                Ok(r) => rdates.push(r),
                Err(e) => {
                    soft(e, OPEN_END, warnings);
                    *open_end = true;
                }
            }
        }
    }
    let mut exdates = Vec::new();
    for p in c.props_named("EXDATE") {
        for v in p.value.split(',').filter(|v| !v.trim().is_empty()) {
            match zones.when(label, p, v) {
                Ok(w) => exdates.push(w),
                Err(e) => soft(e, "this EXDATE removes nothing", warnings),
            }
        }
    }
    Ok((rdates, exdates))
}

type DateLists = (Vec<(When, Option<EndSpec>)>, Vec<When>);

/// A RECURRENCE-ID and whether it has RANGE=THISANDFUTURE.
type Rid = (When, bool);

/// UID and RECURRENCE-ID. An override whose RECURRENCE-ID cannot be read
/// is read as an event of its own (it replaces nothing).
fn read_rid(
    label: &str,
    c: &Comp,
    zones: &mut Zones,
    warnings: &mut Vec<String>,
) -> (Option<String>, Option<Rid>) {
    let uid = c.prop("UID").map(|p| p.value.clone());
    let Some(p) = c.prop("RECURRENCE-ID") else {
        return (uid, None);
    };
    match zones.when(label, p, &p.value) {
        Ok(w) => (
            uid,
            Some((
                w,
                p.param("RANGE")
                    .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE")),
            )),
        ),
        Err(e) => {
            soft(e, "the override is read as an event of its own", warnings);
            (None, None)
        }
    }
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
/// UID; then one group per UID in UID order. Of several masters (or several
/// overrides of one RECURRENCE-ID) of a UID, the newest revision wins:
/// highest SEQUENCE, then latest DTSTAMP, then last in the file; the others
/// are dropped. Events are not moved, only their indices.
pub(crate) fn group_by_uid(evs: &[Ev]) -> Vec<Group> {
    let mut order: Vec<usize> = (0..evs.len()).filter(|&i| evs[i].uid.is_some()).collect();
    // Stable: file order within a UID.
    order.sort_by(|&a, &b| evs[a].uid.cmp(&evs[b].uid));
    let newer = |a: usize, b: usize| evs[b].revision >= evs[a].revision;
    let mut groups = Vec::new();
    for run in order.chunk_by(|&a, &b| evs[a].uid == evs[b].uid) {
        let mut g = Group {
            master: None,
            overrides: Vec::new(),
        };
        for &i in run {
            match &evs[i].rid {
                None => match g.master {
                    Some(m) if !newer(m, i) => {}
                    _ => g.master = Some(i),
                },
                Some(_) => g.overrides.push(i),
            }
        }
        newest_per_rid(evs, &mut g.overrides);
        groups.push(g);
    }
    let mut out: Vec<Group> = (0..evs.len())
        .filter(|&i| evs[i].uid.is_none())
        .map(|i| Group {
            master: Some(i),
            overrides: Vec::new(),
        })
        .collect();
    out.append(&mut groups);
    out
}

/// Keeps, of overrides sharing a RECURRENCE-ID, the newest revision; the
/// kept ones stay in file order.
fn newest_per_rid(evs: &[Ev], overrides: &mut Vec<usize>) {
    if overrides.len() < 2 {
        return;
    }
    let key = |i: usize| evs[i].rid.as_ref().map(|(r, _)| (r.instant(), r.local));
    overrides.sort_by(|&a, &b| {
        key(a)
            .cmp(&key(b))
            .then(evs[a].revision.cmp(&evs[b].revision))
    });
    let mut kept: Vec<usize> = Vec::with_capacity(overrides.len());
    for &i in overrides.iter() {
        match kept.last_mut() {
            Some(last) if key(*last) == key(i) => *last = i,
            _ => kept.push(i),
        }
    }
    kept.sort_unstable();
    *overrides = kept;
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
                // A DATE UNTIL with a DATE-TIME start ends at that date's
                // midnight UTC, as both calendar libraries read it.
                if start_is_date {
                    Until::Local(midnight)
                } else {
                    Until::Instant(Timestamp::from_second(midnight).unwrap_or(Timestamp::MAX))
                }
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

/// The master's own start times with local start in `[lo, hi]`:
/// (local, instant, own end), sorted by instant, and, when expansion had to
/// stop early, the instant from which the event is counted busy to the end
/// of the window (fail safe).
pub(crate) struct Starts {
    pub list: Vec<(i64, Timestamp, Option<EndSpec>)>,
    pub busy_from: Option<Timestamp>,
}

/// What bounds one expansion: occurrences ending before `earliest` are
/// neither kept nor counted; `steps` is the expander's work budget.
pub(crate) struct Bounds {
    pub lo: i64,
    pub hi: i64,
    pub earliest: Timestamp,
    pub steps: u64,
}

/// The EXDATEs of an event, for quick look-up: instants, and the local
/// days of DATE values that exclude a DATE-TIME event's whole day.
struct Excluded {
    instants: Vec<Timestamp>,
    days: Vec<i64>,
}

impl Excluded {
    fn of(ev: &Ev) -> Excluded {
        let mut instants = Vec::new();
        let mut days = Vec::new();
        for x in &ev.exdates {
            if x.date && !ev.start.date {
                days.push(x.local.div_euclid(86_400));
            } else if let Some(at) = x.instant() {
                instants.push(at);
            }
        }
        instants.sort_unstable();
        days.sort_unstable();
        Excluded { instants, days }
    }

    fn has(&self, local: i64, at: Timestamp) -> bool {
        self.instants.binary_search(&at).is_ok()
            || (!self.days.is_empty() && self.days.binary_search(&local.div_euclid(86_400)).is_ok())
    }
}

/// Expands the master's own start times (DTSTART, every RRULE, RDATE,
/// minus EXDATE, which is applied before any cap).
pub(crate) fn master_starts(ev: &Ev, b: &Bounds, warnings: &mut Vec<String>) -> Starts {
    let tz = &ev.start.tz;
    let excluded = Excluded::of(ev);
    let mut out = Starts {
        list: Vec::new(),
        busy_from: None,
    };
    if ev.rules.is_empty()
        && (b.lo..=b.hi).contains(&ev.start.local)
        && let Some(at) = ev.start.instant()
    {
        out.list.push((ev.start.local, at, None));
    }
    for (rule, line) in &ev.rules {
        expand_rule(ev, rule, *line, b, &excluded, &mut out, warnings);
    }
    for (w, end) in &ev.rdates {
        let local = tz.to_local(w.instant().unwrap_or(Timestamp::MIN));
        let local = if w.date { w.local } else { local };
        if (b.lo..=b.hi).contains(&local)
            && let Some(at) = w.instant()
        {
            out.list.push((local, at, *end));
        }
    }
    out.list.retain(|(local, at, _)| !excluded.has(*local, *at));
    out.list.sort_by_key(|o| (o.1, o.0));
    out.list.dedup_by_key(|o| o.1);
    out
}

/// Adds one RRULE's occurrences to `out` (DTSTART included, as RFC 5545
/// counts it). At the occurrence cap or the step budget the rest of the
/// window from the last occurrence is busy, with a warning.
fn expand_rule(
    ev: &Ev,
    rule: &Rule,
    line: usize,
    b: &Bounds,
    excluded: &Excluded,
    out: &mut Starts,
    warnings: &mut Vec<String>,
) {
    let tz = &ev.start.tz;
    let until = rule.until.map(|u| Until::of(u, ev.start.date));
    let Some(start_dt) = super::value::from_civil_secs(ev.start.local) else {
        return;
    };
    let rule = rule.clone().with_defaults(start_dt);
    let mut it = Expander::new(&rule, ev.start.local, b.hi).with_budget(b.steps);
    it.fast_forward(b.lo);
    let mut first = true;
    let mut kept = 0usize;
    let mut last = ev.start.instant();
    for local in it.by_ref() {
        if local > b.hi {
            break;
        }
        let Some(at) = tz.to_instant(local) else {
            continue;
        };
        if !first && until.as_ref().is_some_and(|u| u.passed(local, at)) {
            break;
        }
        first = false;
        if local < b.lo || at < b.earliest || excluded.has(local, at) {
            continue;
        }
        if kept >= OCCURRENCE_CAP {
            warnings.push(format!(
                "line {line}: the recurrence rule yields more than {OCCURRENCE_CAP} \
                 occurrences in the planning window; the event is counted busy from its \
                 last expanded occurrence to the end of the window"
            ));
            out.busy_from = out.busy_from.min(last).or(last);
            return;
        }
        kept += 1;
        last = Some(at);
        out.list.push((local, at, None));
    }
    if it.capped {
        warnings.push(format!(
            "line {line}: the recurrence rule was cut short (too many steps without \
             occurrences: an impossible or pathological rule?); the event is counted busy \
             from its last expanded occurrence to the end of the window"
        ));
        out.busy_from = out.busy_from.min(last).or(last);
    }
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
