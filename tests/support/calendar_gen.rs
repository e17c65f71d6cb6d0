//! A seeded generator of random but realistic ICS calendars for the
//! calendar differential test (`tests/all/calendar_oracle.rs`).
//!
//! Times are on a 15-minute grid between 07:00 and 20:45 local, so no
//! generated local time falls in a DST gap or fold (libraries legitimately
//! differ there). Everything else is fair game: recurrences with COUNT,
//! UNTIL, INTERVAL, BYDAY ordinals, BYMONTHDAY (incl. negative), BYSETPOS,
//! WKST; EXDATE, RDATE, RECURRENCE-ID overrides (moved, cancelled,
//! THISANDFUTURE); UTC, floating, IANA and Windows TZIDs, an embedded
//! custom VTIMEZONE; all-day events; cancelled and transparent events.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, date};

/// splitmix64: small, seedable, good enough for test data.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Zones floating times and DATE values may be read in.
pub const FLOATING_ZONES: [&str; 4] = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Chicago",
];

const TZIDS: [&str; 8] = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Tokyo",
    "Eastern Standard Time",
    "GMT Standard Time",
    "AUS Eastern Standard Time",
    "Custom Eastern",
];

const CUSTOM_VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Custom Eastern\r\n\
BEGIN:DAYLIGHT\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\n\
DTSTART:19700308T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\n\
DTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\n\
END:VTIMEZONE\r\n";

#[derive(Clone, Copy)]
enum Form {
    Utc,
    Floating,
    Tzid(&'static str),
    Date,
}

fn fmt_dt(dt: DateTime) -> String {
    dt.strftime("%Y%m%dT%H%M%S").to_string()
}

fn fmt_d(d: Date) -> String {
    d.strftime("%Y%m%d").to_string()
}

/// `NAME[;TZID=..]:value` for a local date-time in `form`.
fn prop(name: &str, form: Form, dt: DateTime, extra: &str) -> String {
    match form {
        Form::Utc => format!("{name}{extra}:{}Z", fmt_dt(dt)),
        Form::Floating => format!("{name}{extra}:{}", fmt_dt(dt)),
        Form::Tzid(z) => format!("{name}{extra};TZID={z}:{}", fmt_dt(dt)),
        Form::Date => format!("{name}{extra};VALUE=DATE:{}", fmt_d(dt.date())),
    }
}

/// One calendar for `seed`, and the zone its floating times are read in.
pub fn calendar(seed: u64) -> (String, &'static str) {
    let mut r = Rng::new(seed);
    let floating = *r.pick(&FLOATING_ZONES);
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        format!("PRODID:-//peerwell tests//calendar_gen {seed}//EN"),
    ];
    let mut body = Vec::new();
    let mut custom = false;
    for i in 0..1 + r.below(6) {
        let form = match r.below(10) {
            0 => Form::Utc,
            1 => Form::Floating,
            2 => Form::Date,
            _ => Form::Tzid(TZIDS[r.below(TZIDS.len() as u64) as usize]),
        };
        custom |= matches!(form, Form::Tzid("Custom Eastern"));
        event(&mut r, &mut body, &format!("ev{seed}-{i}"), form);
    }
    if custom {
        lines.push(CUSTOM_VTIMEZONE.trim_end().to_string());
    }
    lines.extend(body);
    lines.push("END:VCALENDAR".into());
    (lines.join("\r\n") + "\r\n", floating)
}

fn event(r: &mut Rng, out: &mut Vec<String>, uid: &str, form: Form) {
    let day: Date = date(2026, 2, 2)
        .checked_add((r.below(110) as i64).days())
        .unwrap_or(date(2026, 3, 2));
    let start = day.at(7, 0, 0, 0) + (15 * r.below(56) as i64).minutes();
    let is_date = matches!(form, Form::Date);
    let start = if is_date { day.at(0, 0, 0, 0) } else { start };
    let mins = 15 * (1 + r.below(12) as i64);
    let days = 1 + r.below(3) as i64;
    let mut ev = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}"),
        "DTSTAMP:20260101T000000Z".into(),
        prop("DTSTART", form, start, ""),
        "SUMMARY:Generated event".into(),
    ];
    match (r.below(3), is_date) {
        (0, true) => {}
        (1, true) => ev.push(format!("DURATION:P{days}D")),
        (_, true) => ev.push(prop("DTEND", form, start + days.days(), "")),
        (0, false) => ev.push(format!("DURATION:PT{mins}M")),
        (_, false) => ev.push(prop("DTEND", form, start + mins.minutes(), "")),
    }
    if r.chance(5) {
        ev.push("STATUS:CANCELLED".into());
    } else if r.chance(5) {
        ev.push("TRANSP:TRANSPARENT".into());
    }
    let mut overrides = Vec::new();
    if r.chance(60) {
        let (rule, step_days, start_matches) = rule(r, start);
        let mut rule = rule;
        // COUNT only where DTSTART is itself an instance of the rule: RFC 5545
        // counts a non-matching DTSTART as the first instance, the oracle
        // (dateutil underneath) does not count it.
        match r.below(3) {
            0 if start_matches => rule += &format!(";COUNT={}", 1 + r.below(20)),
            1 => {
                let until = start + (7 + r.below(80) as i64).days();
                rule += &match form {
                    Form::Date => format!(";UNTIL={}", fmt_d(until.date())),
                    Form::Floating => format!(";UNTIL={}", fmt_dt(until)),
                    _ => format!(";UNTIL={}Z", fmt_dt(until.date().at(23, 0, 0, 0))),
                };
            }
            _ => {}
        }
        ev.push(format!("RRULE:{rule}"));
        let nth = |r: &mut Rng| start + (step_days * (1 + r.below(8) as i64)).days();
        if r.chance(30) {
            let a = nth(r);
            ev.push(prop("EXDATE", form, a, ""));
        }
        if r.chance(15) {
            let a = start + (1 + r.below(40) as i64).days();
            ev.push(prop("RDATE", form, a, ""));
        }
        if step_days > 0 && r.chance(35) && !is_date {
            let rid = nth(r);
            let range = r.chance(25);
            let moved = rid + (r.below(3) as i64).hours() + (r.below(2) as i64).days();
            let mut o = vec![
                "BEGIN:VEVENT".to_string(),
                format!("UID:{uid}"),
                "DTSTAMP:20260101T000000Z".into(),
                prop(
                    "RECURRENCE-ID",
                    form,
                    rid,
                    if range { ";RANGE=THISANDFUTURE" } else { "" },
                ),
                prop("DTSTART", form, moved, ""),
                format!("DURATION:PT{}M", 15 * (1 + r.below(6))),
            ];
            if !range && r.chance(30) {
                o.push("STATUS:CANCELLED".into());
            }
            o.push("END:VEVENT".into());
            overrides = o;
        }
    }
    ev.push("END:VEVENT".into());
    out.extend(ev);
    out.extend(overrides);
}

/// A random RRULE (without its end), when every instance is a fixed number
/// of days apart that number (else 0), and whether DTSTART is sure to be an
/// instance of the rule.
fn rule(r: &mut Rng, start: DateTime) -> (String, i64, bool) {
    const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    let wd = DAYS[start.weekday().to_monday_zero_offset() as usize];
    let interval = 1 + r.below(3) as i64;
    match r.below(8) {
        0 | 1 => (format!("FREQ=DAILY;INTERVAL={interval}"), interval, true),
        2 => (
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR".into(),
            0,
            start.weekday().to_monday_zero_offset() < 5,
        ),
        3 | 4 => {
            if r.chance(50) {
                (
                    format!("FREQ=WEEKLY;INTERVAL={interval}"),
                    7 * interval,
                    true,
                )
            } else {
                let other = DAYS[r.below(5) as usize];
                let wkst = if r.chance(30) { ";WKST=SU" } else { "" };
                (
                    format!("FREQ=WEEKLY;INTERVAL={interval};BYDAY={wd},{other}{wkst}"),
                    0,
                    true,
                )
            }
        }
        5 => {
            let by = match r.below(5) {
                0 => format!("BYMONTHDAY={}", 1 + r.below(28)),
                1 => format!("BYMONTHDAY=-{}", 1 + r.below(3)),
                2 => format!("BYDAY={}{}", 1 + r.below(4), DAYS[r.below(5) as usize]),
                3 => format!("BYDAY=-1{},2{}", DAYS[r.below(7) as usize], wd),
                _ => format!(
                    "BYDAY=MO,TU,WE,TH,FR;BYSETPOS={}",
                    *r.pick(&["1", "-1", "2", "-2"])
                ),
            };
            (format!("FREQ=MONTHLY;{by}"), 0, false)
        }
        6 => (
            format!(
                "FREQ=YEARLY;BYMONTH=3,4,5;BYDAY={}{}",
                *r.pick(&["1", "2", "-1"]),
                wd
            ),
            0,
            false,
        ),
        _ => ("FREQ=MONTHLY".into(), 0, true),
    }
}
