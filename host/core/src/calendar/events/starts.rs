//! A master event's own start times inside the expansion bounds: DTSTART,
//! every RRULE, RDATE, minus EXDATE, within the occurrence cap and the
//! work budget (fail safe past them).

use jiff::Timestamp;

use super::{EndSpec, Ev};
use crate::calendar::Warning;
use crate::calendar::expand::Expander;
use crate::calendar::rrule::Rule;
use crate::calendar::value::{Raw, civil_secs, from_civil_secs};

/// Occurrences one event may yield inside the window.
pub(crate) const OCCURRENCE_CAP: usize = 20_000;

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
pub(crate) fn master_starts(ev: &Ev, b: &Bounds, warnings: &mut Vec<Warning>) -> Starts {
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
    warnings: &mut Vec<Warning>,
) {
    let tz = &ev.start.tz;
    let until = rule.until.map(|u| Until::of(u, ev.start.date));
    let Some(start_dt) = from_civil_secs(ev.start.local) else {
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
            warnings.push(Warning::at(
                line,
                format!(
                    "the recurrence rule yields more than {OCCURRENCE_CAP} \
                     occurrences in the planning window; the event is counted busy from its \
                     last expanded occurrence to the end of the window"
                ),
            ));
            out.busy_from = out.busy_from.min(last).or(last);
            return;
        }
        kept += 1;
        last = Some(at);
        out.list.push((local, at, None));
    }
    if it.capped {
        warnings.push(Warning::at(
            line,
            "the recurrence rule was cut short (too many steps without \
             occurrences: an impossible or pathological rule?); the event is counted busy \
             from its last expanded occurrence to the end of the window",
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
