//! Client styles and the real-world quirk classes of the generator.

use jiff::ToSpan;
use jiff::civil::{DateTime, date};

use super::{Cal, Flavour, Form, MARKER, event, fmt_dt, override_of, start_time, zones};

/// Stands for one byte of Latin-1 text (invalid UTF-8) until the file's
/// bytes are written.
const LATIN1: char = '\u{E000}';

/// The class name of a client flavour.
pub fn flavour_name(f: Flavour) -> &'static str {
    match f {
        Flavour::Plain => "plain",
        Flavour::Google => "google",
        Flavour::Outlook => "outlook",
        Flavour::Apple => "apple",
        Flavour::Thunderbird => "thunderbird",
        Flavour::Nextcloud => "nextcloud",
    }
}

/// Properties a client adds to each event.
pub fn flavour_props(cal: &mut Cal, ev: &mut Vec<String>) {
    let stamp = "20260105T101500Z";
    match cal.flavour {
        Flavour::Plain => {}
        Flavour::Google => {
            ev.push(format!("CREATED:{stamp}"));
            ev.push(format!("LAST-MODIFIED:{stamp}"));
            ev.push(format!(
                "X-GOOGLE-CONFERENCE:https://meet.example.org/{MARKER}"
            ));
        }
        Flavour::Outlook => {
            ev.push("CLASS:PUBLIC".into());
            ev.push("PRIORITY:5".into());
            ev.push("X-MICROSOFT-CDO-APPT-SEQUENCE:0".into());
            ev.push("X-MICROSOFT-CDO-IMPORTANCE:1".into());
            ev.push("X-MICROSOFT-DISALLOW-COUNTER:FALSE".into());
            ev.push(format!(
                "X-ALT-DESC;FMTTYPE=text/html:<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2//EN\"><HTML><BODY><P>{MARKER} agenda — ünïcödé text that is long enough to fold</P></BODY></HTML>"
            ));
        }
        Flavour::Apple => {
            ev.push(format!("CREATED:{stamp}"));
            ev.push("X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC".into());
            if cal.r.chance(25) {
                cal.tag("apple-structured-location");
                ev.push(format!(
                    "X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-ADDRESS=Hauptstraße 12\\\\n{MARKER} \\\"A\\\"\\\\nBerlin;X-APPLE-RADIUS=70.5;X-APPLE-REFERENCEFRAME=1;X-TITLE=\"{MARKER} Praxis\":geo:52.520008,13.404954"
                ));
            }
        }
        Flavour::Thunderbird => {
            ev.push(format!("CREATED:{stamp}"));
            ev.push(format!("LAST-MODIFIED:{stamp}"));
            ev.push(format!("X-MOZ-GENERATION:{}", 1 + cal.r.below(5)));
            if cal.r.chance(30) {
                ev.push("X-MOZ-LASTACK:20260101T000000Z".into());
            }
        }
        Flavour::Nextcloud => {
            ev.push(format!("CREATED:{stamp}"));
            if cal.r.chance(20) {
                ev.push("CLASS:CONFIDENTIAL".into());
            }
            if cal.r.chance(30) {
                ev.push(format!(
                    "ATTENDEE;CN={MARKER} Person;CUTYPE=INDIVIDUAL;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:person@example.org"
                ));
            }
        }
    }
}

/// Maybe a VALARM, in the flavour's style.
pub fn valarm(cal: &mut Cal, ev: &mut Vec<String>) {
    let likely = matches!(cal.flavour, Flavour::Apple | Flavour::Thunderbird);
    if !cal.r.chance(if likely { 40 } else { 10 }) {
        return;
    }
    cal.tag("valarm");
    ev.push("BEGIN:VALARM".into());
    match cal.flavour {
        Flavour::Apple => {
            ev.push("X-WR-ALARMUID:6F1B7E0C-0000-4C1D-9A55-3F0C1D2E3A4B".into());
            ev.push("UID:6F1B7E0C-0000-4C1D-9A55-3F0C1D2E3A4B".into());
            ev.push("TRIGGER;VALUE=DATE-TIME:19760401T005545Z".into());
            ev.push("ACTION:NONE".into());
            ev.push("X-APPLE-DEFAULT-ALARM:TRUE".into());
        }
        Flavour::Thunderbird => {
            ev.push("TRIGGER;RELATED=END:-PT5M".into());
            ev.push("ACTION:DISPLAY".into());
            ev.push(format!("DESCRIPTION:{MARKER} alarm"));
        }
        _ => {
            ev.push("TRIGGER:-PT15M".into());
            ev.push("ACTION:DISPLAY".into());
            ev.push(format!("DESCRIPTION:{MARKER} reminder"));
        }
    }
    ev.push("END:VALARM".into());
}

fn next_uid(cal: &mut Cal) -> String {
    let uid = format!("ev{}-{}", cal.seed, cal.n_events);
    cal.n_events += 1;
    uid
}

/// A plain timed event in the body, lines given after DTSTART.
fn simple(cal: &mut Cal, class: &'static str, lines: Vec<String>) {
    cal.tag(class);
    let uid = next_uid(cal);
    cal.body.push("BEGIN:VEVENT".into());
    cal.body.push(format!("UID:{uid}"));
    cal.body.push("DTSTAMP:20260101T000000Z".into());
    cal.body.extend(lines);
    cal.body.push(format!("SUMMARY:{MARKER} {class}"));
    cal.body.push("END:VEVENT".into());
}

/// Adds, each with a small probability, the events of the quirk classes.
pub fn event_quirks(cal: &mut Cal) {
    type Quirk = fn(&mut Cal);
    let table: [(u64, Quirk); 15] = [
        (25, two_rrules),
        (25, dtend_before_dtstart),
        (25, date_start_timed_end),
        (6, capped_minutely),
        (25, own_vtimezone),
        (30, revisions),
        (25, x_wr_floating),
        (20, empty_rrule),
        (20, count_minus_one),
        (20, empty_rdate),
        (20, lowercase),
        (30, quoted_tzid),
        (15, todo_journal),
        (20, invalid_utf8),
        (15, windows_plain),
    ];
    for (permille, quirk) in table {
        if cal.r.per_mille(permille) {
            quirk(cal);
        }
    }
    if cal.x_wr.is_some() && cal.flavour == Flavour::Google && cal.r.chance(15) {
        x_wr_floating(cal);
    }
}

fn timed(cal: &mut Cal) -> (Form, DateTime) {
    let form = if cal.x_wr.is_some() || cal.r.chance(50) {
        Form::Tzid(cal.r.choose(&["America/New_York", "Europe/London"]))
    } else {
        Form::Utc
    };
    (form, start_time(&mut cal.r, false))
}

fn two_rrules(cal: &mut Cal) {
    let (form, start) = timed(cal);
    let until = fmt_dt((start + 60.days()).date().at(23, 0, 0, 0));
    let other = *cal.r.pick(&["MO", "WE", "FR", "SA"]);
    let lines = vec![
        cal.prop("DTSTART", form, start, ""),
        format!("DURATION:PT{}M", 30 + 15 * cal.r.below(4)),
        format!("RRULE:FREQ=WEEKLY;COUNT={}", 3 + cal.r.below(8)),
        format!("RRULE:FREQ=WEEKLY;BYDAY={other};UNTIL={until}Z"),
    ];
    simple(cal, "two-rrules", lines);
}

fn dtend_before_dtstart(cal: &mut Cal) {
    let (form, start) = timed(cal);
    let end = start - (30 * (1 + cal.r.below(6)) as i64).minutes();
    let lines = vec![
        cal.prop("DTSTART", form, start, ""),
        cal.prop("DTEND", form, end, ""),
    ];
    simple(cal, "dtend-before-dtstart", lines);
}

fn date_start_timed_end(cal: &mut Cal) {
    let start = start_time(&mut cal.r, true);
    let end = start + (9 + cal.r.below(10) as i64).hours();
    let lines = vec![
        format!("DTSTART;VALUE=DATE:{}", super::fmt_d(start.date())),
        format!("DTEND:{}Z", fmt_dt(end)),
    ];
    simple(cal, "date-start-timed-end", lines);
}

/// A never-ending MINUTELY or SECONDLY rule with many EXDATEs: started
/// long before the window (more than 20,000 occurrences before its end), or
/// dense (more than 20,000 in the window).
fn capped_minutely(cal: &mut Cal) {
    let step = *cal.r.pick(&[5i64, 30, 60]);
    let first = match step {
        5 => date(2026, 2, 23),
        30 => date(2025, 3, 10),
        _ => date(2024, 1, 22),
    };
    let start = first.at(8, 0, 0, 0) + (cal.r.below(30) as i64).minutes();
    let rule = if cal.r.chance(50) {
        format!("FREQ=MINUTELY;INTERVAL={step}")
    } else {
        format!("FREQ=SECONDLY;INTERVAL={}", step * 60)
    };
    let mut lines = vec![
        format!("DTSTART:{}Z", fmt_dt(start)),
        format!("DURATION:PT{}M", 5 + 5 * cal.r.below(3)),
        format!("RRULE:{rule}"),
    ];
    let window = date(2026, 3, 2).at(0, 0, 0, 0);
    let base = ((window.duration_since(start).as_secs() / 60) / step + 1).max(0);
    let mut ex = Vec::new();
    for _ in 0..40 + cal.r.below(120) {
        let k = base + cal.r.below(84 * 24 * 60 / step as u64) as i64;
        ex.push(format!("{}Z", fmt_dt(start + (k * step).minutes())));
    }
    for chunk in ex.chunks(8) {
        lines.push(format!("EXDATE:{}", chunk.join(",")));
    }
    simple(cal, "capped-minutely", lines);
}

/// Events in a zone the file defines itself, whose TZID matches an IANA
/// name case-insensitively but whose offsets differ from IANA's.
fn own_vtimezone(cal: &mut Cal) {
    // x-wr-timezone takes zones of the file for floating times in some
    // calendars; the classes are generated apart.
    if cal.x_wr.is_some() {
        return;
    }
    let z = *cal.r.pick(&zones::OWN_IANA_CASE);
    cal.tag("own-vtimezone-iana-case");
    for _ in 0..1 + cal.r.below(2) {
        let uid = next_uid(cal);
        event(cal, &uid, Form::Tzid(z));
    }
}

/// Floating events in a calendar that declares X-WR-TIMEZONE.
fn x_wr_floating(cal: &mut Cal) {
    if cal.flavour == Flavour::Outlook || cal.classes.contains("own-vtimezone-iana-case") {
        return;
    }
    if cal.x_wr.is_none() {
        cal.x_wr = Some(*cal.r.pick(&zones::X_WR_ZONES));
    }
    cal.tag("x-wr-timezone-floating");
    for _ in 0..1 + cal.r.below(2) {
        let uid = next_uid(cal);
        event(cal, &uid, Form::Floating);
    }
}

fn empty_rrule(cal: &mut Cal) {
    let start = start_time(&mut cal.r, true);
    let lines = vec![
        format!("DTSTART;VALUE=DATE:{}", super::fmt_d(start.date())),
        format!("DTEND;VALUE=DATE:{}", super::fmt_d(start.date() + 1.day())),
        "RRULE:".into(),
    ];
    simple(cal, "empty-rrule", lines);
}

fn count_minus_one(cal: &mut Cal) {
    let (form, start) = timed(cal);
    let until = fmt_dt((start + 40.days()).date().at(23, 0, 0, 0));
    let lines = vec![
        cal.prop("DTSTART", form, start, ""),
        cal.prop("DTEND", form, start + 1.hour(), ""),
        format!("RRULE:FREQ=WEEKLY;COUNT=-1;UNTIL={until}Z"),
    ];
    simple(cal, "count-minus-one-until", lines);
}

fn empty_rdate(cal: &mut Cal) {
    let (form, start) = timed(cal);
    let lines = vec![
        cal.prop("DTSTART", form, start, ""),
        cal.prop("DTEND", form, start + 45.minutes(), ""),
        "RDATE:".into(),
    ];
    simple(cal, "empty-rdate", lines);
}

fn lowercase(cal: &mut Cal) {
    let uid = next_uid(cal);
    let (form, _) = timed(cal);
    let from = cal.body.len();
    event(cal, &uid, form);
    cal.tag("lowercase-names");
    for line in &mut cal.body[from..] {
        if line.starts_with("BEGIN:") || line.starts_with("END:") {
            continue;
        }
        let cut = line.find([':', ';']).unwrap_or(line.len());
        let lowered = line[..cut].to_ascii_lowercase();
        let rest = line[cut..]
            .replacen(";TZID=", ";tzid=", 1)
            .replacen(";VALUE=", ";value=", 1);
        *line = lowered + &rest;
    }
}

fn quoted_tzid(cal: &mut Cal) {
    let uid = next_uid(cal);
    let z = zones::tzid_for(&mut cal.r, cal.flavour);
    cal.tag("quoted-tzid");
    cal.style.quoted_tzid = true;
    event(cal, &uid, Form::Tzid(z));
    cal.style.quoted_tzid = false;
}

fn windows_plain(cal: &mut Cal) {
    let uid = next_uid(cal);
    let z = *cal.r.pick(&["Eastern Standard Time", "GMT Standard Time"]);
    let saved = cal.flavour;
    cal.flavour = Flavour::Plain;
    event(cal, &uid, Form::Tzid(z));
    cal.flavour = saved;
}

fn todo_journal(cal: &mut Cal) {
    cal.tag("vtodo-vjournal");
    let uid = next_uid(cal);
    cal.body.extend([
        "BEGIN:VTODO".to_string(),
        format!("UID:{uid}"),
        "DTSTAMP:20260101T000000Z".into(),
        "DTSTART:20260310T090000Z".into(),
        "DUE:20260310T100000Z".into(),
        format!("SUMMARY:{MARKER} todo"),
        "END:VTODO".into(),
        "BEGIN:VJOURNAL".into(),
        format!("UID:{uid}-j"),
        "DTSTAMP:20260101T000000Z".into(),
        "DTSTART;VALUE=DATE:20260311".into(),
        format!("DESCRIPTION:{MARKER} journal"),
        "END:VJOURNAL".into(),
    ]);
}

fn invalid_utf8(cal: &mut Cal) {
    let (form, start) = timed(cal);
    let lines = vec![
        cal.prop("DTSTART", form, start, ""),
        cal.prop("DTEND", form, start + 1.hour(), ""),
        format!("DESCRIPTION:Caf{LATIN1} {MARKER} Ren{LATIN1}e"),
    ];
    simple(cal, "invalid-utf8-text", lines);
    let n = cal.body.len();
    cal.body[n - 2] = format!("SUMMARY:Caf{LATIN1} {MARKER}");
}

/// Several revisions (SEQUENCE) of one recurring event, in random order,
/// with overrides of the newest revision's occurrences (an override of one
/// occurrence in two revisions too).
fn revisions(cal: &mut Cal) {
    cal.tag("sequence-revisions");
    let uid = next_uid(cal);
    let (form, start) = timed(cal);
    let n = 2 + cal.r.below(2);
    let newest = n - 1;
    let mut order: Vec<u64> = (0..n).collect();
    if cal.r.chance(50) {
        order.reverse();
    }
    let step = *cal.r.pick(&[1i64, 2, 7]);
    for &seq in &order {
        let s = start + ((newest - seq) as i64 * 30).minutes();
        let count = 4 + 3 * seq + cal.r.below(3);
        let mut ev = vec![
            "BEGIN:VEVENT".to_string(),
            format!("UID:{uid}"),
            "DTSTAMP:20260101T000000Z".into(),
            cal.prop("DTSTART", form, s, ""),
            format!("DURATION:PT{}M", 30 + 15 * seq),
            format!("RRULE:FREQ=DAILY;INTERVAL={step};COUNT={count}"),
            format!("SEQUENCE:{seq}"),
            format!("SUMMARY:{MARKER} revision {seq}"),
        ];
        if cal.r.chance(50) {
            let k = 1 + cal.r.below(3) as i64;
            ev.push(cal.prop("EXDATE", form, s + (k * step).days(), ""));
        }
        ev.push("END:VEVENT".into());
        cal.body.extend(ev);
    }
    let rid = start + (step * (1 + cal.r.below(3) as i64)).days();
    let twice = cal.r.chance(50);
    let seqs: Vec<u64> = if twice {
        vec![newest + 1, newest]
    } else {
        vec![newest]
    };
    for s in seqs {
        let o = override_of(cal, &uid, form, rid, Some(s));
        cal.body.extend(o);
    }
}

/// The calendar's lines, folded at 75 octets, as bytes.
pub fn assemble(cal: &mut Cal) -> Vec<u8> {
    let mut lines = vec!["BEGIN:VCALENDAR".to_string(), "VERSION:2.0".into()];
    lines.extend(header(cal));
    if let Some(z) = cal.x_wr {
        lines.push(format!("X-WR-TIMEZONE:{z}"));
    }
    let zones_used: Vec<&str> = cal.vtimezones.iter().copied().collect();
    for z in zones_used {
        if let Some(block) = zones::vtimezone(z, cal.flavour) {
            lines.push(block);
        }
    }
    lines.append(&mut cal.body);
    lines.push("END:VCALENDAR".into());
    let split = cal.r.per_mille(30);
    if split {
        cal.tag("folded-multibyte-split");
    }
    let mut out = Vec::new();
    for line in lines.iter().flat_map(|l| l.split("\r\n")) {
        fold(line.as_bytes(), split, &mut out);
    }
    latin1(out)
}

fn header(cal: &Cal) -> Vec<String> {
    let seed = cal.seed;
    let name = format!("X-WR-CALNAME:{MARKER} calendar");
    match cal.flavour {
        Flavour::Plain => vec![format!("PRODID:-//peerwell tests//calendar_gen {seed}//EN")],
        Flavour::Google => vec![
            "PRODID:-//Google Inc//Google Calendar 70.9054//EN".into(),
            "CALSCALE:GREGORIAN".into(),
            "METHOD:PUBLISH".into(),
            name,
            format!("X-WR-CALDESC:{MARKER} shared calendar"),
        ],
        Flavour::Outlook => vec![
            "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN".into(),
            "METHOD:PUBLISH".into(),
            "X-CALSTART:20260101T000000Z".into(),
            "X-WR-RELCALID:{0000002E-9C3B-4B0B-8C1A-000000000000}".into(),
            "X-MS-OLK-FORCEINSPECTOROPEN:TRUE".into(),
            name,
        ],
        Flavour::Apple => vec![
            "PRODID:-//Apple Inc.//macOS 14.4//EN".into(),
            "CALSCALE:GREGORIAN".into(),
            name,
            "X-APPLE-CALENDAR-COLOR:#FF9500".into(),
        ],
        Flavour::Thunderbird => {
            vec!["PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN".into()]
        }
        Flavour::Nextcloud => vec![
            "PRODID:-//IDN nextcloud.com//Calendar app 4.6.0//EN".into(),
            "CALSCALE:GREGORIAN".into(),
            name,
            "X-APPLE-CALENDAR-COLOR:#0082c9".into(),
        ],
    }
}

/// One content line folded at 75 octets (RFC 5545 3.1), CRLF-terminated;
/// `split` lets a fold fall inside a multi-byte character, as some
/// producers do.
fn fold(line: &[u8], split: bool, out: &mut Vec<u8>) {
    let mut rest = line;
    let mut limit = 75;
    while rest.len() > limit {
        let mut cut = limit;
        while !split && cut > 1 && (rest[cut] & 0xC0) == 0x80 {
            cut -= 1;
        }
        out.extend_from_slice(&rest[..cut]);
        out.extend_from_slice(b"\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
    out.extend_from_slice(rest);
    out.extend_from_slice(b"\r\n");
}

/// Replaces each Latin-1 stand-in by the byte 0xE9 (é in Latin-1).
fn latin1(bytes: Vec<u8>) -> Vec<u8> {
    let mark = LATIN1.to_string().into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(&mark) {
            out.push(0xE9);
            i += mark.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Whole-file quirks: byte-order mark, CR-only line ends, a comment after
/// END:VCALENDAR.
pub fn file_quirks(cal: &mut Cal, mut bytes: Vec<u8>) -> Vec<u8> {
    if cal.r.per_mille(20) {
        cal.tag("cr-only");
        let mut out = Vec::with_capacity(bytes.len());
        for (i, &b) in bytes.iter().enumerate() {
            if !(b == b'\n' && i > 0 && bytes[i - 1] == b'\r') {
                out.push(b);
            }
        }
        bytes = out;
    }
    if cal.r.per_mille(20) {
        cal.tag("bom");
        bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
    }
    if cal.r.per_mille(20) {
        cal.tag("trailing-comment");
        let nl: &[u8] = if cal.classes.contains("cr-only") {
            b"\r"
        } else {
            b"\r\n"
        };
        bytes.extend_from_slice(b"<!-- served from cache in 0.012s -->");
        bytes.extend_from_slice(nl);
    }
    bytes
}
