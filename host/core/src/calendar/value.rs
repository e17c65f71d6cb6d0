//! Value syntax of RFC 5545: DATE, DATE-TIME, DURATION, UTC-OFFSET, and a
//! fast civil-time arithmetic used by the recurrence expander.

use jiff::civil::{Date, DateTime, Time};

/// A DATE or DATE-TIME value before any time zone is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Raw {
    /// `YYYYMMDD`.
    Date(Date),
    /// `YYYYMMDDTHHMMSS` (floating, or local to a TZID parameter).
    Local(DateTime),
    /// `YYYYMMDDTHHMMSSZ`: the civil date and time in UTC.
    Utc(DateTime),
}

fn digits(s: &[u8]) -> Option<i32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0i32, |n, &b| n * 10 + i32::from(b - b'0')))
}

/// Parses `YYYYMMDD`.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = digits(&b[4..6])?;
    let d = digits(&b[6..8])?;
    Date::new(i16::try_from(y).ok()?, m as i8, d as i8).ok()
}

/// Parses a DATE or DATE-TIME value (the form decides which).
pub(crate) fn parse_raw(s: &str) -> Option<Raw> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() == 8 {
        return parse_date(s).map(Raw::Date);
    }
    if b.len() < 15 || b[8] != b'T' {
        return None;
    }
    let date = parse_date(&s[..8])?;
    let h = digits(&b[9..11])?;
    let mi = digits(&b[11..13])?;
    let se = digits(&b[13..15])?;
    // A leap second (60) is read as 59, as RFC 5545 allows.
    let time = Time::new(h as i8, mi as i8, se.min(59) as i8, 0).ok()?;
    let dt = date.to_datetime(time);
    match &b[15..] {
        b"" => Some(Raw::Local(dt)),
        b"Z" | b"z" => Some(Raw::Utc(dt)),
        _ => None,
    }
}

/// A DURATION value: a nominal part (days, weeks as 7 days) and an exact
/// part (seconds), both carrying the sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Dur {
    pub days: i64,
    pub secs: i64,
}

/// Parses `[+-]P[nW][nD][T[nH][nM][nS]]`.
pub(crate) fn parse_duration(s: &str) -> Option<Dur> {
    let s = s.trim();
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let rest = rest.strip_prefix(['P', 'p'])?;
    let mut d = Dur::default();
    let mut in_time = false;
    let mut num: Option<i64> = None;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            '0'..='9' => {
                let v = num.unwrap_or(0);
                num = Some(v.checked_mul(10)?.checked_add(i64::from(c as u8 - b'0'))?);
            }
            'T' if !in_time && num.is_none() => in_time = true,
            unit => {
                let n = num.take()?;
                any = true;
                match (unit, in_time) {
                    ('W', false) => d.days = d.days.checked_add(n.checked_mul(7)?)?,
                    ('D', false) => d.days = d.days.checked_add(n)?,
                    ('H', true) => d.secs = d.secs.checked_add(n.checked_mul(3600)?)?,
                    ('M', true) => d.secs = d.secs.checked_add(n.checked_mul(60)?)?,
                    ('S', true) => d.secs = d.secs.checked_add(n)?,
                    _ => return None,
                }
            }
        }
    }
    if num.is_some() || !any {
        return None;
    }
    // Bound to about 300 years so later arithmetic cannot overflow.
    if d.days.abs() > 110_000 || d.secs.abs() > 110_000 * 86_400 {
        return None;
    }
    if neg {
        d.days = -d.days;
        d.secs = -d.secs;
    }
    Some(d)
}

/// Parses a UTC-OFFSET `+HHMM` or `+HHMMSS` into seconds east of UTC.
pub(crate) fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    let b = s.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    if b.len() != 5 && b.len() != 7 {
        return None;
    }
    let h = digits(&b[1..3])?;
    let m = digits(&b[3..5])?;
    let sec = if b.len() == 7 { digits(&b[5..7])? } else { 0 };
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60 + sec))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i32, m: i32, d: i32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number from [`days_from_civil`].
pub(crate) fn civil_from_days(z: i64) -> (i32, i32, i32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    ((if m <= 2 { y + 1 } else { y }) as i32, m as i32, d as i32)
}

/// Seconds since 1970-01-01T00:00 of a civil date-time (no zone).
pub(crate) fn civil_secs(dt: DateTime) -> i64 {
    days_from_civil(
        i32::from(dt.year()),
        i32::from(dt.month()),
        i32::from(dt.day()),
    ) * 86_400
        + i64::from(dt.hour()) * 3600
        + i64::from(dt.minute()) * 60
        + i64::from(dt.second())
}

/// The civil date-time of [`civil_secs`] (None outside jiff's range).
pub(crate) fn from_civil_secs(s: i64) -> Option<DateTime> {
    let days = s.div_euclid(86_400);
    let rem = s.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let date = Date::new(i16::try_from(y).ok()?, m as i8, d as i8).ok()?;
    let time = Time::new(
        (rem / 3600) as i8,
        ((rem / 60) % 60) as i8,
        (rem % 60) as i8,
        0,
    )
    .ok()?;
    Some(date.to_datetime(time))
}

/// Days in month `m` of year `y`.
pub(crate) fn days_in_month(y: i32, m: i32) -> i32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests;
