//! RRULE values (RFC 5545 §3.3.10): parsing and defaults from DTSTART.
//!
//! Expansion lives in [`super::expand`]. We expand over `jiff` ourselves
//! rather than using the `rrule` crate: that crate is built on chrono and
//! chrono-tz (a second time library and tz database next to jiff's), cannot
//! evaluate the VTIMEZONE definitions embedded in a file, and we need hard
//! bounds on iterations (window end, occurrence and step caps) and the
//! ability to jump straight to the window for rules without COUNT.

use jiff::civil::{DateTime, Weekday};

use super::value::{Raw, parse_raw};

/// FREQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Freq {
    Secondly,
    Minutely,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// A parsed RRULE. BY* lists are sorted and deduplicated.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<Raw>,
    pub by_second: Vec<i32>,
    pub by_minute: Vec<i32>,
    pub by_hour: Vec<i32>,
    /// (ordinal, weekday); ordinal 0 means every such weekday.
    pub by_day: Vec<(i32, Weekday)>,
    pub by_month_day: Vec<i32>,
    pub by_year_day: Vec<i32>,
    pub by_week_no: Vec<i32>,
    pub by_month: Vec<i32>,
    pub by_set_pos: Vec<i32>,
    pub wkst: Weekday,
    /// COUNT was not a positive number beside an UNTIL, and was ignored.
    pub count_ignored: bool,
}

/// Parses a weekday code `MO`..`SU`.
pub(crate) fn weekday(s: &str) -> Option<Weekday> {
    Some(match s.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return None,
    })
}

/// Why an RRULE value does not read. The messages never quote the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RuleError {
    /// A BY list item is not an integer.
    #[error("a BY list holds something that is not a number")]
    NotANumber(#[source] std::num::ParseIntError),
    /// A BY list item is outside the part's range.
    #[error("a BY list value is outside {lo}..{hi}")]
    OutOfRange {
        /// Smallest allowed (absolute) value.
        lo: i32,
        /// Largest allowed (absolute) value.
        hi: i32,
    },
    /// A part is not `NAME=value`.
    #[error("an RRULE part has no '='")]
    NoEquals,
    /// FREQ names no known frequency.
    #[error("RRULE FREQ is not SECONDLY..YEARLY")]
    Freq,
    /// INTERVAL is not a positive integer.
    #[error("RRULE INTERVAL is not a positive number")]
    Interval,
    /// UNTIL is neither a DATE nor a DATE-TIME.
    #[error("RRULE UNTIL is not a DATE or DATE-TIME")]
    Until,
    /// WKST is not a weekday code.
    #[error("RRULE WKST is not a weekday")]
    Wkst,
    /// A BYDAY item ends in no weekday code.
    #[error("RRULE BYDAY holds an unknown weekday")]
    ByDayWeekday,
    /// A BYDAY item's ordinal is 0, past ±53 or not a number.
    #[error("RRULE BYDAY has a bad ordinal")]
    ByDayOrdinal,
    /// The rule has no FREQ part.
    #[error("RRULE has no FREQ")]
    NoFreq,
    /// COUNT is not a number and no UNTIL ends the rule instead.
    #[error("RRULE COUNT is not a number")]
    Count,
}

fn int_list(v: &str, lo: i32, hi: i32, signed: bool) -> Result<Vec<i32>, RuleError> {
    let mut out = Vec::new();
    for part in v.split(',') {
        let n: i32 = part.trim().parse().map_err(RuleError::NotANumber)?;
        let ok = if signed {
            n != 0 && n.abs() >= lo && n.abs() <= hi
        } else {
            n >= lo && n <= hi
        };
        if !ok {
            return Err(RuleError::OutOfRange { lo, hi });
        }
        out.push(n);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Parses a FREQ value.
fn freq(v: &str) -> Result<Freq, RuleError> {
    Ok(match v.to_ascii_uppercase().as_str() {
        "SECONDLY" => Freq::Secondly,
        "MINUTELY" => Freq::Minutely,
        "HOURLY" => Freq::Hourly,
        "DAILY" => Freq::Daily,
        "WEEKLY" => Freq::Weekly,
        "MONTHLY" => Freq::Monthly,
        "YEARLY" => Freq::Yearly,
        _ => return Err(RuleError::Freq),
    })
}

/// Parses the `[+-n]XX` items of a BYDAY value.
fn by_day(v: &str) -> Result<Vec<(i32, Weekday)>, RuleError> {
    let mut days = Vec::new();
    for d in v.split(',') {
        let d = d.trim();
        let split = d.len().saturating_sub(2);
        let wd = d
            .get(split..)
            .and_then(weekday)
            .ok_or(RuleError::ByDayWeekday)?;
        let ord = match &d[..split] {
            "" => 0,
            n => n
                .trim_start_matches('+')
                .parse::<i32>()
                .ok()
                .filter(|n| *n != 0 && n.abs() <= 53)
                .ok_or(RuleError::ByDayOrdinal)?,
        };
        days.push((ord, wd));
    }
    Ok(days)
}

/// The parts read so far that decide the rule only at its end.
#[derive(Default)]
struct Pending {
    freq: Option<Freq>,
    bad_count: bool,
}

impl Rule {
    /// Parses the value of an RRULE line. Errors are phrased without the
    /// value itself.
    pub(crate) fn parse(value: &str) -> Result<Rule, RuleError> {
        let mut rule = Rule {
            freq: Freq::Daily,
            interval: 1,
            count: None,
            until: None,
            by_second: Vec::new(),
            by_minute: Vec::new(),
            by_hour: Vec::new(),
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_year_day: Vec::new(),
            by_week_no: Vec::new(),
            by_month: Vec::new(),
            by_set_pos: Vec::new(),
            wkst: Weekday::Monday,
            count_ignored: false,
        };
        let mut pending = Pending::default();
        for part in value.split(';').filter(|p| !p.trim().is_empty()) {
            let (key, v) = part.split_once('=').ok_or(RuleError::NoEquals)?;
            rule.set_part(key, v.trim(), &mut pending)?;
        }
        rule.freq = pending.freq.ok_or(RuleError::NoFreq)?;
        if pending.bad_count {
            if rule.until.is_none() {
                return Err(RuleError::Count);
            }
            rule.count_ignored = true;
        }
        rule.by_second.iter_mut().for_each(|s| *s = (*s).min(59));
        Ok(rule)
    }

    /// Reads one `key=v` part into the rule (FREQ and a bad COUNT into
    /// `pending`). X- parts and unknown parts are ignored, as RFC 5545 asks.
    fn set_part(&mut self, key: &str, v: &str, pending: &mut Pending) -> Result<(), RuleError> {
        match key.trim().to_ascii_uppercase().as_str() {
            "FREQ" => pending.freq = Some(freq(v)?),
            "INTERVAL" => {
                self.interval = v
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or(RuleError::Interval)?
            }
            "COUNT" => match v.parse::<u32>() {
                Ok(n) => self.count = Some(n),
                // e.g. COUNT=-1 beside UNTIL (a wiki export): UNTIL
                // alone ends the rule, when there is one.
                _ => pending.bad_count = true,
            },
            "UNTIL" => self.until = Some(parse_raw(v).ok_or(RuleError::Until)?),
            "BYSECOND" => self.by_second = int_list(v, 0, 60, false)?,
            "BYMINUTE" => self.by_minute = int_list(v, 0, 59, false)?,
            "BYHOUR" => self.by_hour = int_list(v, 0, 23, false)?,
            "BYMONTHDAY" => self.by_month_day = int_list(v, 1, 31, true)?,
            "BYYEARDAY" => self.by_year_day = int_list(v, 1, 366, true)?,
            "BYWEEKNO" => self.by_week_no = int_list(v, 1, 53, true)?,
            "BYMONTH" => self.by_month = int_list(v, 1, 12, false)?,
            "BYSETPOS" => self.by_set_pos = int_list(v, 1, 366, true)?,
            "WKST" => self.wkst = weekday(v).ok_or(RuleError::Wkst)?,
            "BYDAY" => {
                // Several BYDAY parts add up.
                self.by_day.extend(by_day(v)?);
                self.by_day
                    .sort_by_key(|(o, w)| (*o, w.to_monday_zero_offset()));
                self.by_day.dedup();
            }
            _ => {}
        }
        Ok(())
    }

    /// Fills the BY parts that RFC 5545 takes from DTSTART when absent.
    pub(crate) fn with_defaults(mut self, start: DateTime) -> Rule {
        let no_day_rule = self.by_week_no.is_empty()
            && self.by_year_day.is_empty()
            && self.by_month_day.is_empty()
            && self.by_day.is_empty();
        match self.freq {
            Freq::Yearly if no_day_rule => {
                if self.by_month.is_empty() {
                    self.by_month = vec![i32::from(start.month())];
                }
                self.by_month_day = vec![i32::from(start.day())];
            }
            Freq::Monthly if no_day_rule => {
                self.by_month_day = vec![i32::from(start.day())];
            }
            Freq::Weekly if no_day_rule => {
                self.by_day = vec![(0, start.weekday())];
            }
            _ => {}
        }
        if self.freq >= Freq::Daily && self.by_hour.is_empty() {
            self.by_hour = vec![i32::from(start.hour())];
        }
        if self.freq >= Freq::Hourly && self.by_minute.is_empty() {
            self.by_minute = vec![i32::from(start.minute())];
        }
        if self.freq >= Freq::Minutely && self.by_second.is_empty() {
            self.by_second = vec![i32::from(start.second())];
        }
        self
    }
}

#[cfg(test)]
mod tests;
