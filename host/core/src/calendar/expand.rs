//! RRULE expansion in local wall-clock time (RFC 5545 §3.3.10).
//!
//! [`Expander`] yields the civil start times (seconds since 1970-01-01T00:00,
//! no zone) of a rule in increasing order: DTSTART first (it always counts),
//! then every period's candidates after BYxxx expansion/limiting and
//! BYSETPOS. The caller resolves them to instants and applies UNTIL and the
//! window. Work is bounded: periods past `limit` end the expansion, and a
//! budget of steps stops rules that loop without producing (`capped` tells).

use jiff::civil::Weekday;

use super::rrule::{Freq, Rule};
use super::value::{civil_from_days, days_from_civil, days_in_month};

/// Work units (periods plus days examined) one expansion may use.
pub(crate) const STEP_BUDGET: u64 = 2_000_000;
/// Candidates one period may hold (e.g. every second of a day is 86,400).
const PERIOD_CAP: usize = 200_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Plain,
    Month,
    Year,
}

/// Iterator over the civil start seconds of a recurrence rule.
pub(crate) struct Expander<'r> {
    rule: &'r Rule,
    start: i64,
    anchor: i64,
    step: i64,
    k: i64,
    limit: i64,
    buf: Vec<i64>,
    pos: usize,
    emitted: u64,
    work: u64,
    budget: u64,
    started: bool,
    done: bool,
    /// True when the step budget or a period cap cut the expansion.
    pub capped: bool,
    /// True when only the weekday can rule a day out (no BYMONTH,
    /// BYWEEKNO, BYYEARDAY or BYMONTHDAY, and no BYDAY ordinal): the
    /// usual weekly event, whose days need no calendar date.
    weekdays_only: bool,
}

fn weekday_of(days: i64) -> i32 {
    (days + 3).rem_euclid(7) as i32 // 1970-01-01 was a Thursday; Monday = 0
}

fn wd(w: Weekday) -> i32 {
    i32::from(w.to_monday_zero_offset())
}

fn days_in_year(y: i32) -> i32 {
    if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
        366
    } else {
        365
    }
}

impl<'r> Expander<'r> {
    /// `rule` must have had [`Rule::with_defaults`] applied for `start`.
    /// Periods starting after `limit` (civil seconds) are not generated.
    pub(crate) fn new(rule: &'r Rule, start: i64, limit: i64) -> Expander<'r> {
        let day = start.div_euclid(86_400);
        let (y, m, _) = civil_from_days(day);
        let iv = i64::from(rule.interval);
        let (anchor, step) = match rule.freq {
            Freq::Yearly => (i64::from(y), iv),
            Freq::Monthly => (i64::from(y) * 12 + i64::from(m - 1), iv),
            Freq::Weekly => {
                let back = (weekday_of(day) - wd(rule.wkst)).rem_euclid(7);
                (day - i64::from(back), 7 * iv)
            }
            Freq::Daily => (day, iv),
            Freq::Hourly => (start - start.rem_euclid(3600), 3600 * iv),
            Freq::Minutely => (start - start.rem_euclid(60), 60 * iv),
            Freq::Secondly => (start, iv),
        };
        Expander {
            rule,
            start,
            anchor,
            step,
            k: 0,
            limit,
            buf: Vec::new(),
            pos: 0,
            emitted: 0,
            work: 0,
            budget: STEP_BUDGET,
            started: false,
            done: false,
            capped: false,
            weekdays_only: rule.by_month.is_empty()
                && rule.by_week_no.is_empty()
                && rule.by_year_day.is_empty()
                && rule.by_month_day.is_empty()
                && rule.by_day.iter().all(|&(ord, _)| ord == 0),
        }
    }

    /// Sets the work budget (default [`STEP_BUDGET`]); past it the
    /// expansion stops with `capped` set.
    pub(crate) fn with_budget(mut self, budget: u64) -> Self {
        self.budget = budget.min(STEP_BUDGET);
        self
    }

    /// Work units used so far.
    pub(crate) fn work(&self) -> u64 {
        self.work
    }

    /// Jumps to the period holding civil time `target` (only for rules
    /// without COUNT, whose earlier occurrences cannot matter).
    pub(crate) fn fast_forward(&mut self, target: i64) {
        if self.rule.count.is_some() {
            return;
        }
        let day = target.div_euclid(86_400);
        let (y, m, _) = civil_from_days(day);
        let units = match self.rule.freq {
            Freq::Yearly => i64::from(y) - self.anchor,
            Freq::Monthly => i64::from(y) * 12 + i64::from(m - 1) - self.anchor,
            Freq::Weekly | Freq::Daily => day - self.anchor,
            _ => target - self.anchor,
        };
        let k = units.div_euclid(self.step);
        if k > self.k {
            self.k = k;
        }
    }

    fn skip_to(&mut self, target: i64) {
        let k = (target - self.anchor + self.step - 1).div_euclid(self.step);
        self.k = self.k.max(k);
    }

    fn day_ok(&self, days: i64, scope: Scope) -> bool {
        let r = self.rule;
        if self.weekdays_only {
            // What the checks below come to with only ordinal-less BYDAY.
            let w = weekday_of(days);
            return r.by_day.is_empty() || r.by_day.iter().any(|&(_, day)| wd(day) == w);
        }
        let (y, m, d) = civil_from_days(days);
        if !r.by_month.is_empty() && !r.by_month.contains(&m) {
            return false;
        }
        if !r.by_week_no.is_empty() && !self.week_no_ok(days, y) {
            return false;
        }
        let doy = (days - days_from_civil(y, 1, 1)) as i32 + 1;
        let diy = days_in_year(y);
        if !r.by_year_day.is_empty()
            && !r
                .by_year_day
                .iter()
                .any(|&n| if n > 0 { doy == n } else { doy == diy + 1 + n })
        {
            return false;
        }
        let dim = days_in_month(y, m);
        if !r.by_month_day.is_empty()
            && !r
                .by_month_day
                .iter()
                .any(|&n| if n > 0 { d == n } else { d == dim + 1 + n })
        {
            return false;
        }
        if !r.by_day.is_empty() {
            let w = weekday_of(days);
            return r.by_day.iter().any(|&(ord, day)| {
                if wd(day) != w {
                    return false;
                }
                let (nth, nth_last) = match scope {
                    _ if ord == 0 => return true,
                    Scope::Plain => return true,
                    Scope::Month => ((d - 1) / 7 + 1, (dim - d) / 7 + 1),
                    Scope::Year => ((doy - 1) / 7 + 1, (diy - doy) / 7 + 1),
                };
                if ord > 0 {
                    nth == ord
                } else {
                    nth_last == -ord
                }
            });
        }
        true
    }

    /// Day number of the first day of week 1 of `y` (weeks start on WKST;
    /// week 1 is the first with at least four days in the year).
    fn week_one(&self, y: i32) -> i64 {
        let jan1 = days_from_civil(y, 1, 1);
        let back = i64::from((weekday_of(jan1) - wd(self.rule.wkst)).rem_euclid(7));
        let start = jan1 - back;
        if back >= 4 { start + 7 } else { start }
    }

    fn week_no_ok(&self, days: i64, y: i32) -> bool {
        let mut wy = y;
        if days < self.week_one(y) {
            wy = y - 1;
        } else if days >= self.week_one(y + 1) {
            wy = y + 1;
        }
        let w1 = self.week_one(wy);
        let no = ((days - w1) / 7 + 1) as i32;
        let total = ((self.week_one(wy + 1) - w1) / 7) as i32;
        self.rule
            .by_week_no
            .iter()
            .any(|&n| if n > 0 { no == n } else { no == total + 1 + n })
    }

    /// Fills `buf` with the period's candidates; false when expansion ends.
    fn fill(&mut self) -> bool {
        let p = self.anchor + self.k * self.step;
        self.buf.clear();
        self.pos = 0;
        if self.rule.freq < Freq::Daily {
            return self.fill_sub_daily(p);
        }
        let Some((mut days, first_day, scope)) = self.period_days(p) else {
            return false;
        };
        if first_day * 86_400 > self.limit {
            return false;
        }
        self.work += 1 + days.len() as u64;
        days.retain(|&d| self.day_ok(d, scope));
        self.push_times(&days);
        self.k += 1;
        true
    }

    /// The candidate days of the daily or longer period `p` (a year, a
    /// month in BYMONTH, a week or a day), its first day, and the scope
    /// BY rules limit them in. None outside years 1..=9998.
    fn period_days(&self, p: i64) -> Option<(Vec<i64>, i64, Scope)> {
        let r = self.rule;
        let mut days: Vec<i64> = Vec::new();
        let (first_day, scope) = match r.freq {
            Freq::Yearly => {
                let y = p as i32;
                if !(1..=9998).contains(&y) {
                    return None;
                }
                let months: Vec<i32> = if r.by_month.is_empty() {
                    (1..=12).collect()
                } else {
                    r.by_month.clone()
                };
                let scope = if !r.by_week_no.is_empty() {
                    Scope::Plain
                } else if r.by_month.is_empty() {
                    Scope::Year
                } else {
                    Scope::Month
                };
                for m in months {
                    let base = days_from_civil(y, m, 1);
                    for d in 0..i64::from(days_in_month(y, m)) {
                        days.push(base + d);
                    }
                }
                (days_from_civil(y, 1, 1), scope)
            }
            Freq::Monthly => {
                let (y, m) = (p.div_euclid(12) as i32, p.rem_euclid(12) as i32 + 1);
                if !(1..=9998).contains(&y) {
                    return None;
                }
                let base = days_from_civil(y, m, 1);
                if r.by_month.is_empty() || r.by_month.contains(&m) {
                    days.extend((0..i64::from(days_in_month(y, m))).map(|d| base + d));
                }
                (base, Scope::Month)
            }
            Freq::Weekly => {
                days.extend(p..p + 7);
                (p, Scope::Plain)
            }
            _ => {
                days.push(p);
                (p, Scope::Plain)
            }
        };
        Some((days, first_day, scope))
    }

    /// Adds every BYHOUR × BYMINUTE × BYSECOND time of each of `days` to
    /// `buf`, up to [`PERIOD_CAP`] candidates (then `capped`).
    fn push_times(&mut self, days: &[i64]) {
        let r = self.rule;
        for &d in days {
            for &h in &r.by_hour {
                for &mi in &r.by_minute {
                    for &s in &r.by_second {
                        if self.buf.len() >= PERIOD_CAP {
                            self.capped = true;
                            return;
                        }
                        self.buf.push(
                            d * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s),
                        );
                    }
                }
            }
        }
    }

    fn fill_sub_daily(&mut self, p: i64) -> bool {
        let r = self.rule;
        if p > self.limit {
            return false;
        }
        self.work += 1;
        let day = p.div_euclid(86_400);
        if !self.day_ok(day, Scope::Plain) {
            self.skip_to((day + 1) * 86_400);
            return true;
        }
        let hour = (p.rem_euclid(86_400) / 3600) as i32;
        let hour_start = p - p.rem_euclid(3600);
        if !r.by_hour.is_empty() && !r.by_hour.contains(&hour) {
            self.skip_to(hour_start + 3600);
            return true;
        }
        match r.freq {
            Freq::Hourly => {
                for &mi in &r.by_minute {
                    for &s in &r.by_second {
                        self.buf
                            .push(hour_start + i64::from(mi) * 60 + i64::from(s));
                    }
                }
            }
            Freq::Minutely => {
                let minute = (p.rem_euclid(3600) / 60) as i32;
                if !r.by_minute.is_empty() && !r.by_minute.contains(&minute) {
                    self.skip_to(p - p.rem_euclid(60) + 60);
                    return true;
                }
                for &s in &r.by_second {
                    self.buf.push(p - p.rem_euclid(60) + i64::from(s));
                }
            }
            _ => {
                let minute = (p.rem_euclid(3600) / 60) as i32;
                if !r.by_minute.is_empty() && !r.by_minute.contains(&minute) {
                    self.skip_to(p - p.rem_euclid(60) + 60);
                    return true;
                }
                let second = p.rem_euclid(60) as i32;
                if r.by_second.is_empty() || r.by_second.contains(&second) {
                    self.buf.push(p);
                }
            }
        }
        self.k += 1;
        true
    }

    fn apply_set_pos(&mut self) {
        let sp = &self.rule.by_set_pos;
        if sp.is_empty() || self.buf.is_empty() {
            return;
        }
        let n = self.buf.len() as i64;
        let mut picked: Vec<i64> = sp
            .iter()
            .filter_map(|&i| {
                let idx = if i > 0 {
                    i64::from(i) - 1
                } else {
                    n + i64::from(i)
                };
                (0..n).contains(&idx).then(|| self.buf[idx as usize])
            })
            .collect();
        picked.sort_unstable();
        picked.dedup();
        self.buf = picked;
    }
}

impl Iterator for Expander<'_> {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        if !self.started {
            self.started = true;
            self.emitted = 1;
            return Some(self.start);
        }
        let count = self.rule.count.map(u64::from);
        loop {
            if self.done || count.is_some_and(|c| self.emitted >= c) {
                self.done = true;
                return None;
            }
            if self.pos < self.buf.len() {
                let v = self.buf[self.pos];
                self.pos += 1;
                if v <= self.start {
                    continue;
                }
                self.emitted += 1;
                return Some(v);
            }
            if self.work > self.budget {
                self.capped = true;
                self.done = true;
                return None;
            }
            let before = self.k;
            if !self.fill() {
                self.done = true;
                return None;
            }
            if self.k == before {
                // A skip did not move (cannot happen with step >= 1), stop.
                self.k += 1;
            }
            self.apply_set_pos();
        }
    }
}

#[cfg(test)]
mod tests;
