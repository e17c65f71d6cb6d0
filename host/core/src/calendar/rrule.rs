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

fn int_list(v: &str, lo: i32, hi: i32, signed: bool) -> Result<Vec<i32>, String> {
    let mut out = Vec::new();
    for part in v.split(',') {
        let n: i32 = part
            .trim()
            .parse()
            .map_err(|_| "a BY list holds something that is not a number".to_string())?;
        let ok = if signed {
            n != 0 && n.abs() >= lo && n.abs() <= hi
        } else {
            n >= lo && n <= hi
        };
        if !ok {
            return Err(format!("a BY list value is outside {lo}..{hi}"));
        }
        out.push(n);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

impl Rule {
    /// Parses the value of an RRULE line. Errors are phrased without the
    /// value itself.
    pub(crate) fn parse(value: &str) -> Result<Rule, String> {
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
        let mut bad_count = false;
        let mut freq = None;
        for part in value.split(';').filter(|p| !p.trim().is_empty()) {
            let (key, v) = part
                .split_once('=')
                .ok_or_else(|| "an RRULE part has no '='".to_string())?;
            let v = v.trim();
            match key.trim().to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = Some(match v.to_ascii_uppercase().as_str() {
                        "SECONDLY" => Freq::Secondly,
                        "MINUTELY" => Freq::Minutely,
                        "HOURLY" => Freq::Hourly,
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        _ => return Err("RRULE FREQ is not SECONDLY..YEARLY".into()),
                    })
                }
                "INTERVAL" => {
                    rule.interval = v
                        .parse()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| "RRULE INTERVAL is not a positive number".to_string())?
                }
                "COUNT" => match v.parse::<u32>() {
                    Ok(n) => rule.count = Some(n),
                    // e.g. COUNT=-1 beside UNTIL (a wiki export): UNTIL
                    // alone ends the rule, when there is one.
                    _ => bad_count = true,
                },
                "UNTIL" => {
                    rule.until = Some(
                        parse_raw(v)
                            .ok_or_else(|| "RRULE UNTIL is not a DATE or DATE-TIME".to_string())?,
                    )
                }
                "BYSECOND" => rule.by_second = int_list(v, 0, 60, false)?,
                "BYMINUTE" => rule.by_minute = int_list(v, 0, 59, false)?,
                "BYHOUR" => rule.by_hour = int_list(v, 0, 23, false)?,
                "BYMONTHDAY" => rule.by_month_day = int_list(v, 1, 31, true)?,
                "BYYEARDAY" => rule.by_year_day = int_list(v, 1, 366, true)?,
                "BYWEEKNO" => rule.by_week_no = int_list(v, 1, 53, true)?,
                "BYMONTH" => rule.by_month = int_list(v, 1, 12, false)?,
                "BYSETPOS" => rule.by_set_pos = int_list(v, 1, 366, true)?,
                "WKST" => {
                    rule.wkst =
                        weekday(v).ok_or_else(|| "RRULE WKST is not a weekday".to_string())?
                }
                "BYDAY" => {
                    for d in v.split(',') {
                        let d = d.trim();
                        let split = d.len().saturating_sub(2);
                        let wd = d
                            .get(split..)
                            .and_then(weekday)
                            .ok_or_else(|| "RRULE BYDAY holds an unknown weekday".to_string())?;
                        let ord = match &d[..split] {
                            "" => 0,
                            n => n
                                .trim_start_matches('+')
                                .parse::<i32>()
                                .ok()
                                .filter(|n| *n != 0 && n.abs() <= 53)
                                .ok_or_else(|| "RRULE BYDAY has a bad ordinal".to_string())?,
                        };
                        rule.by_day.push((ord, wd));
                    }
                    rule.by_day
                        .sort_by_key(|(o, w)| (*o, w.to_monday_zero_offset()));
                    rule.by_day.dedup();
                }
                // X- parts and unknown parts are ignored, as RFC 5545 asks.
                _ => {}
            }
        }
        rule.freq = freq.ok_or_else(|| "RRULE has no FREQ".to_string())?;
        if bad_count {
            if rule.until.is_none() {
                return Err("RRULE COUNT is not a number".into());
            }
            rule.count_ignored = true;
        }
        rule.by_second.iter_mut().for_each(|s| *s = (*s).min(59));
        Ok(rule)
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
mod tests {
    use super::*;

    #[test]
    fn parses_parts() {
        let r = Rule::parse("FREQ=MONTHLY;BYDAY=2TU,-1FR,MO;BYSETPOS=-1;COUNT=5;WKST=SU")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.freq, Freq::Monthly);
        assert_eq!(
            r.by_day,
            vec![
                (-1, Weekday::Friday),
                (0, Weekday::Monday),
                (2, Weekday::Tuesday)
            ]
        );
        assert_eq!(r.by_set_pos, vec![-1]);
        assert_eq!(r.count, Some(5));
        assert_eq!(r.wkst, Weekday::Sunday);
    }

    #[test]
    fn rejects_bad_rules_without_quoting_them() {
        for bad in [
            "BYDAY=MO",
            "FREQ=FORTNIGHTLY",
            "FREQ=DAILY;INTERVAL=0",
            "FREQ=DAILY;BYMONTHDAY=0",
            "FREQ=DAILY;BYDAY=XX",
            "FREQ=DAILY;UNTIL=tomorrow",
        ] {
            let e = Rule::parse(bad).err().unwrap_or_default();
            assert!(!e.is_empty(), "{bad}");
            assert!(!e.contains(bad), "{e}");
        }
    }
}
