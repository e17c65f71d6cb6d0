//! A seeded generator of random but realistic ICS calendars for the
//! calendar differential test (`tests/all/calendar_oracle.rs`).
//!
//! Times are on a 15-minute grid between 07:00 and 20:45 local, so no
//! generated local time falls in a DST gap or fold (libraries legitimately
//! differ there). Everything else is fair game: recurrences with COUNT,
//! UNTIL, INTERVAL, BYDAY ordinals, BYMONTHDAY (incl. negative), BYSETPOS,
//! WKST; EXDATE (lists too), RDATE (PERIOD too), RECURRENCE-ID overrides
//! (moved, cancelled, THISANDFUTURE); UTC, floating, IANA and Windows
//! TZIDs, embedded VTIMEZONEs; all-day events; cancelled, tentative and
//! transparent events.
//!
//! Most calendars are ordinary exports in the style of one client (Google,
//! Outlook, Apple, Thunderbird, Nextcloud, or a plain generator); a few
//! carry one of the real-world quirks in [`CLASSES`], each named in
//! [`Generated::classes`] so the test can report per class. Every text
//! property carries [`MARKER`], which must never reach a warning.

use std::collections::BTreeSet;

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, date};

mod quirks;
mod zones;

pub use zones::FLOATING_ZONES;

/// Text put in every SUMMARY, DESCRIPTION and LOCATION (and other event
/// text): a reader's warnings must never contain it.
pub const MARKER: &str = "PWMARK";

/// The quirk classes the generator produces, by name.
pub const CLASSES: [&str; 34] = [
    "two-rrules",
    "dtend-before-dtstart",
    "date-start-timed-end",
    "capped-minutely",
    "own-vtimezone-iana-case",
    "sequence-revisions",
    "x-wr-timezone-floating",
    "bom",
    "cr-only",
    "empty-rrule",
    "count-minus-one-until",
    "empty-rdate",
    "trailing-comment",
    "invalid-utf8-text",
    "outlook",
    "google",
    "apple",
    "thunderbird",
    "nextcloud",
    "windows-tzid-no-vtimezone",
    "folded-multibyte-split",
    "valarm",
    "quoted-tzid",
    "lowercase-names",
    "duration",
    "rdate-period",
    "exdate-list",
    "until-date-timed-start",
    "until-datetime-date-start",
    "thisandfuture",
    "vtodo-vjournal",
    "tentative",
    "apple-structured-location",
    "dtstart-not-in-rule",
];

/// One generated calendar.
pub struct Generated {
    /// The file's bytes (not always valid UTF-8, not always CRLF).
    pub bytes: Vec<u8>,
    /// The member's zone: floating times (without X-WR-TIMEZONE) and DATE
    /// values are read in it.
    pub zone: &'static str,
    /// The quirk classes in this calendar (names from [`CLASSES`]).
    pub classes: BTreeSet<&'static str>,
}

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

    /// True with probability `permille`/1000.
    pub fn per_mille(&mut self, permille: u64) -> bool {
        self.below(1000) < permille
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A copy of one element of a non-empty slice.
    pub fn choose<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }
}

/// The client whose export a calendar imitates.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flavour {
    Plain,
    Google,
    Outlook,
    Apple,
    Thunderbird,
    Nextcloud,
}

/// How a date-time value is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Utc,
    Floating,
    Tzid(&'static str),
    Date,
}

/// Per-event writing style.
#[derive(Clone, Copy, Default)]
struct Style {
    quoted_tzid: bool,
}

/// A calendar under construction.
pub struct Cal {
    r: Rng,
    seed: u64,
    flavour: Flavour,
    classes: BTreeSet<&'static str>,
    /// TZIDs whose VTIMEZONE the file carries.
    vtimezones: BTreeSet<&'static str>,
    body: Vec<String>,
    /// X-WR-TIMEZONE, when the calendar declares one.
    x_wr: Option<&'static str>,
    style: Style,
    n_events: usize,
}

fn fmt_dt(dt: DateTime) -> String {
    dt.strftime("%Y%m%dT%H%M%S").to_string()
}

fn fmt_d(d: Date) -> String {
    d.strftime("%Y%m%d").to_string()
}

impl Cal {
    fn tag(&mut self, class: &'static str) {
        self.classes.insert(class);
    }

    /// `NAME[;TZID=..]:value` for a local date-time in `form`.
    fn prop(&mut self, name: &str, form: Form, dt: DateTime, extra: &str) -> String {
        match form {
            Form::Utc => format!("{name}{extra}:{}Z", fmt_dt(dt)),
            Form::Floating => format!("{name}{extra}:{}", fmt_dt(dt)),
            Form::Tzid(z) => {
                if zones::vtimezone(z, self.flavour).is_some() {
                    self.vtimezones.insert(z);
                } else if zones::is_windows(z) {
                    self.tag("windows-tzid-no-vtimezone");
                }
                if self.style.quoted_tzid {
                    format!("{name}{extra};TZID=\"{z}\":{}", fmt_dt(dt))
                } else {
                    format!("{name}{extra};TZID={z}:{}", fmt_dt(dt))
                }
            }
            Form::Date => format!("{name}{extra};VALUE=DATE:{}", fmt_d(dt.date())),
        }
    }

    /// Text properties every event has, with the marker, in the flavour's style.
    fn text_props(&mut self, ev: &mut Vec<String>, uid: &str) {
        let seed = self.seed;
        ev.push(format!("SUMMARY:{MARKER} session {seed} {uid}"));
        if self.r.chance(40) {
            ev.push(format!(
                "DESCRIPTION:{MARKER} notes\\, line one\\nline two; ünïcödé {uid}"
            ));
        }
        if self.r.chance(30) {
            ev.push(format!("LOCATION:{MARKER} room 4\\, floor 2"));
        }
        quirks::flavour_props(self, ev);
    }

    /// A random form for a normal event in this calendar's flavour.
    fn form(&mut self, recurring: bool) -> Form {
        let z = zones::tzid_for(&mut self.r, self.flavour);
        // A recurring UTC event in a calendar with X-WR-TIMEZONE is expanded
        // in that zone by recurring-ical-events (x-wr-timezone), in UTC by
        // RFC 5545; Google writes recurring events with a TZID anyway.
        let utc_ok = !recurring || self.x_wr.is_none();
        match (self.flavour, self.r.below(10)) {
            (_, 0) => Form::Date,
            (Flavour::Google, _) if !recurring => Form::Utc,
            (Flavour::Plain, 1) if utc_ok => Form::Utc,
            (Flavour::Plain, 2) if self.x_wr.is_none() => Form::Floating,
            _ => Form::Tzid(z),
        }
    }
}

/// One calendar for `seed`.
pub fn generate(seed: u64) -> Generated {
    let mut r = Rng::new(seed);
    let zone = *r.pick(&FLOATING_ZONES);
    let flavour = *r.pick(&[
        Flavour::Plain,
        Flavour::Plain,
        Flavour::Plain,
        Flavour::Google,
        Flavour::Google,
        Flavour::Outlook,
        Flavour::Outlook,
        Flavour::Apple,
        Flavour::Apple,
        Flavour::Thunderbird,
        Flavour::Nextcloud,
        Flavour::Nextcloud,
    ]);
    let mut cal = Cal {
        r,
        seed,
        flavour,
        classes: BTreeSet::new(),
        vtimezones: BTreeSet::new(),
        body: Vec::new(),
        x_wr: None,
        style: Style::default(),
        n_events: 0,
    };
    if flavour != Flavour::Plain {
        cal.tag(quirks::flavour_name(flavour));
    }
    // Outlook writes no X-WR-TIMEZONE (and no TZNAME, which x-wr-timezone
    // needs to tell its zones from floating times).
    if flavour == Flavour::Google || (flavour != Flavour::Outlook && cal.r.per_mille(15)) {
        cal.x_wr = Some(*cal.r.pick(&zones::X_WR_ZONES));
    }
    for _ in 0..1 + cal.r.below(6) {
        let uid = format!("ev{seed}-{}", cal.n_events);
        cal.n_events += 1;
        let recurring = cal.r.chance(60);
        let form = cal.form(recurring);
        event_with(&mut cal, &uid, form, recurring);
    }
    quirks::event_quirks(&mut cal);
    let text = quirks::assemble(&mut cal);
    let bytes = quirks::file_quirks(&mut cal, text);
    Generated {
        bytes,
        zone,
        classes: cal.classes,
    }
}

/// A day in the generated range and a time on the 15-minute grid.
fn start_time(r: &mut Rng, is_date: bool) -> DateTime {
    let day: Date = date(2026, 2, 2)
        .checked_add((r.below(110) as i64).days())
        .unwrap_or(date(2026, 3, 2));
    if is_date {
        return day.at(0, 0, 0, 0);
    }
    day.at(7, 0, 0, 0) + (15 * r.below(56) as i64).minutes()
}

/// The end of an event: DTEND, DURATION or nothing.
fn end_props(cal: &mut Cal, ev: &mut Vec<String>, form: Form, start: DateTime) {
    let is_date = matches!(form, Form::Date);
    let mins = 15 * (1 + cal.r.below(12) as i64);
    let days = 1 + cal.r.below(3) as i64;
    match (cal.r.below(3), is_date) {
        (0, true) => {}
        (1, true) => {
            cal.tag("duration");
            ev.push(format!("DURATION:P{days}D"))
        }
        (_, true) => ev.push(cal.prop("DTEND", form, start + days.days(), "")),
        (0, false) => {
            cal.tag("duration");
            let d = match mins {
                60 => "PT1H".to_string(),
                90 => "PT1H30M".to_string(),
                m => format!("PT{m}M"),
            };
            ev.push(format!("DURATION:{d}"))
        }
        (_, false) => ev.push(cal.prop("DTEND", form, start + mins.minutes(), "")),
    }
}

/// One VEVENT (recurring or not at random, and maybe an override of it)
/// into the calendar's body.
pub fn event(cal: &mut Cal, uid: &str, form: Form) {
    let recurring = cal.r.chance(60);
    event_with(cal, uid, form, recurring);
}

/// One VEVENT (and maybe an override of it) into the calendar's body.
fn event_with(cal: &mut Cal, uid: &str, form: Form, recurring: bool) {
    let is_date = matches!(form, Form::Date);
    let start = start_time(&mut cal.r, is_date);
    let mut ev = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}"),
        "DTSTAMP:20260101T000000Z".into(),
        cal.prop("DTSTART", form, start, ""),
    ];
    cal.text_props(&mut ev, uid);
    end_props(cal, &mut ev, form, start);
    status_props(cal, &mut ev);
    let mut overrides = Vec::new();
    if recurring {
        overrides = recurrence(cal, &mut ev, uid, form, start);
    }
    quirks::valarm(cal, &mut ev);
    ev.push("END:VEVENT".into());
    cal.body.extend(ev);
    cal.body.extend(overrides);
}

fn status_props(cal: &mut Cal, ev: &mut Vec<String>) {
    if cal.r.chance(5) {
        ev.push("STATUS:CANCELLED".into());
    } else if cal.r.chance(5) {
        ev.push("TRANSP:TRANSPARENT".into());
        if cal.flavour == Flavour::Outlook {
            ev.push("X-MICROSOFT-CDO-BUSYSTATUS:FREE".into());
        }
    } else if cal.r.chance(4) {
        cal.tag("tentative");
        ev.push("STATUS:TENTATIVE".into());
    } else {
        ev.push("TRANSP:OPAQUE".into());
        if cal.flavour == Flavour::Outlook {
            ev.push("X-MICROSOFT-CDO-BUSYSTATUS:BUSY".into());
        }
    }
}

/// The RRULE end (COUNT or UNTIL or none) for `form`.
fn rule_end(cal: &mut Cal, form: Form, start: DateTime, start_matches: bool) -> String {
    match cal.r.below(3) {
        // COUNT only where DTSTART is itself an instance of the rule: RFC
        // 5545 counts a non-matching DTSTART as the first instance, dateutil
        // does not count it.
        0 if start_matches => format!(";COUNT={}", 1 + cal.r.below(20)),
        1 => {
            let until = start + (7 + cal.r.below(80) as i64).days();
            match form {
                Form::Date if cal.r.per_mille(40) => {
                    cal.tag("until-datetime-date-start");
                    format!(";UNTIL={}Z", fmt_dt(until.date().at(12, 0, 0, 0)))
                }
                Form::Date => format!(";UNTIL={}", fmt_d(until.date())),
                Form::Floating => format!(";UNTIL={}", fmt_dt(until)),
                _ if cal.r.per_mille(40) => {
                    cal.tag("until-date-timed-start");
                    format!(";UNTIL={}", fmt_d(until.date()))
                }
                _ => format!(";UNTIL={}Z", fmt_dt(until.date().at(23, 0, 0, 0))),
            }
        }
        _ => String::new(),
    }
}

/// RRULE, EXDATE, RDATE of a recurring event; returns its override, if any.
fn recurrence(
    cal: &mut Cal,
    ev: &mut Vec<String>,
    uid: &str,
    form: Form,
    start: DateTime,
) -> Vec<String> {
    let is_date = matches!(form, Form::Date);
    let (rule, step_days, start_matches) = rule(&mut cal.r, start);
    if !start_matches {
        cal.tag("dtstart-not-in-rule");
    }
    let end = rule_end(cal, form, start, start_matches);
    ev.push(format!("RRULE:{rule}{end}"));
    let nth = |r: &mut Rng| start + (step_days * (1 + r.below(8) as i64)).days();
    if cal.r.chance(30) {
        if step_days > 0 && cal.r.chance(30) {
            cal.tag("exdate-list");
            let (a, b) = (nth(&mut cal.r), nth(&mut cal.r));
            let first = cal.prop("EXDATE", form, a, "");
            let b = match form {
                Form::Date => fmt_d(b.date()),
                Form::Utc => format!("{}Z", fmt_dt(b)),
                _ => fmt_dt(b),
            };
            ev.push(format!("{first},{b}"));
        } else {
            let a = nth(&mut cal.r);
            ev.push(cal.prop("EXDATE", form, a, ""));
        }
    }
    if cal.r.chance(15) {
        let a = start + (1 + cal.r.below(40) as i64).days();
        if form == Form::Utc && cal.r.chance(40) {
            cal.tag("rdate-period");
            let len = 15 * (1 + cal.r.below(8) as i64);
            let b = a + len.minutes();
            ev.push(format!("RDATE;VALUE=PERIOD:{}Z/{}Z", fmt_dt(a), fmt_dt(b)));
        } else {
            ev.push(cal.prop("RDATE", form, a, ""));
        }
    }
    if step_days > 0 && cal.r.chance(35) && !is_date {
        let rid = nth(&mut cal.r);
        return override_of(cal, uid, form, rid, None);
    }
    Vec::new()
}

/// A RECURRENCE-ID override of occurrence `rid` (with SEQUENCE `seq`).
fn override_of(
    cal: &mut Cal,
    uid: &str,
    form: Form,
    rid: DateTime,
    seq: Option<u64>,
) -> Vec<String> {
    // recurring-ical-events does not carry a THISANDFUTURE override of a
    // floating series on once x-wr-timezone has given it a zone (ical.js
    // and peerwell do): generated apart.
    let floating_x_wr = form == Form::Floating && cal.x_wr.is_some();
    let range = seq.is_none() && cal.r.chance(25) && !floating_x_wr;
    if range {
        cal.tag("thisandfuture");
    }
    let moved = rid + (cal.r.below(3) as i64).hours() + (cal.r.below(2) as i64).days();
    let mut o = vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{uid}"),
        "DTSTAMP:20260101T000000Z".into(),
        cal.prop(
            "RECURRENCE-ID",
            form,
            rid,
            if range { ";RANGE=THISANDFUTURE" } else { "" },
        ),
        cal.prop("DTSTART", form, moved, ""),
        format!("DURATION:PT{}M", 15 * (1 + cal.r.below(6))),
        format!("SUMMARY:{MARKER} moved"),
    ];
    if let Some(s) = seq {
        o.push(format!("SEQUENCE:{s}"));
    }
    if !range && cal.r.chance(30) {
        o.push("STATUS:CANCELLED".into());
    }
    o.push("END:VEVENT".into());
    o
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
