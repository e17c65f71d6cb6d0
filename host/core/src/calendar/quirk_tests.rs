//! One test per real-world shape that the calendar libraries
//! (icalendar + recurring-ical-events, ical.js) read and peerwell once
//! misread, with the rule chosen where they disagree (see the README's
//! calendar section). Expected instants are worked out by hand.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::*;

const MARKER: &str = "CANARY-Zp4 client John Doe";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn window() -> Interval {
    Interval::new(ts("2026-03-02T00:00:00Z"), ts("2026-04-06T00:00:00Z"))
}

fn utc() -> TimeZone {
    TimeZone::UTC
}

/// A calendar around `body`, CRLF line ends.
fn cal(body: &str) -> Vec<u8> {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{}END:VCALENDAR\r\n",
        body.lines()
            .map(|l| format!("{}\r\n", l.trim()))
            .collect::<String>()
    )
    .into_bytes()
}

fn read_bytes(data: &[u8]) -> CalendarBusy {
    read_calendar("q.ics", data, window(), &ClientFacing::All, &utc())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn read(body: &str) -> CalendarBusy {
    read_bytes(&cal(body))
}

fn spans(c: &CalendarBusy) -> Vec<String> {
    c.busy
        .iter()
        .map(|b| format!("{}/{}", b.interval.start, b.interval.end))
        .collect()
}

fn warned(c: &CalendarBusy, line: usize, what: &str) {
    assert!(
        c.warnings
            .iter()
            .any(|w| w.starts_with(&format!("line {line}: ")) && w.contains(what)),
        "no warning on line {line} about {what:?}: {:?}",
        c.warnings
    );
}

#[test]
fn two_rrules_on_one_event_are_both_expanded() {
    let c = read(
        "BEGIN:VEVENT\nUID:a\nDTSTART:20260302T090000Z\nDTEND:20260302T100000Z\n\
         RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2\nRRULE:FREQ=WEEKLY;BYDAY=WE;UNTIL=20260312T000000Z\nEND:VEVENT",
    );
    assert_eq!(
        spans(&c),
        [
            "2026-03-02T09:00:00Z/2026-03-02T10:00:00Z",
            "2026-03-04T09:00:00Z/2026-03-04T10:00:00Z",
            "2026-03-09T09:00:00Z/2026-03-09T10:00:00Z",
            "2026-03-11T09:00:00Z/2026-03-11T10:00:00Z",
        ]
    );
}

#[test]
fn dtend_before_dtstart_is_swapped_with_a_warning() {
    let c = read(
        "BEGIN:VEVENT\nUID:a\nDTSTART:20260302T170000Z\nDTEND:20260302T090000Z\n\
         RRULE:FREQ=DAILY;COUNT=2\nEND:VEVENT",
    );
    assert_eq!(
        spans(&c),
        [
            "2026-03-02T09:00:00Z/2026-03-02T17:00:00Z",
            "2026-03-03T09:00:00Z/2026-03-03T17:00:00Z",
        ]
    );
    warned(&c, 7, "DTEND is before DTSTART");
}

#[test]
fn date_start_with_timed_end_is_busy_from_local_midnight() {
    let c = read(
        "BEGIN:VEVENT\nUID:a\nDTSTART;VALUE=DATE:20260302\nDTEND:20260302T170000Z\nEND:VEVENT",
    );
    assert_eq!(spans(&c), ["2026-03-02T00:00:00Z/2026-03-02T17:00:00Z"]);
    // In DTEND's zone (UTC here), whatever the member's zone; a TZID'd
    // DTEND gives midnight in that zone.
    let ny = TimeZone::get("America/New_York").unwrap_or_else(|e| panic!("{e}"));
    let c = read_calendar(
        "q.ics",
        &cal(
            "BEGIN:VEVENT\nUID:a\nDTSTART;VALUE=DATE:20260302\nDTEND:20260302T170000Z\nEND:VEVENT",
        ),
        window(),
        &ClientFacing::All,
        &ny,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spans(&c), ["2026-03-02T00:00:00Z/2026-03-02T17:00:00Z"]);
    let c = read(
        "BEGIN:VEVENT\nUID:a\nDTSTART;VALUE=DATE:20260303\n\
         DTEND;TZID=America/New_York:20260303T120000\nRRULE:FREQ=DAILY;COUNT=2\nEND:VEVENT",
    );
    assert_eq!(
        spans(&c),
        [
            "2026-03-03T05:00:00Z/2026-03-03T17:00:00Z",
            "2026-03-04T05:00:00Z/2026-03-04T17:00:00Z",
        ]
    );
}

#[test]
fn never_ending_minutely_rule_keeps_the_rest_of_the_window_busy() {
    let c = read(
        "BEGIN:VEVENT\nUID:m\nDTSTART:20260301T000000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY\nEND:VEVENT",
    );
    let last = c.busy.last().unwrap_or_else(|| panic!("nothing busy"));
    assert_eq!(last.interval.end, window().end, "the tail is busy");
    // Every instant from the window's start to its end is covered.
    let mut covered = window().start;
    for b in &c.busy {
        assert!(b.interval.start <= covered, "free time at {covered}");
        covered = covered.max(b.interval.end);
    }
    assert_eq!(covered, window().end);
    warned(&c, 8, "counted busy from its last expanded occurrence");
}

#[test]
fn exdates_apply_before_the_occurrence_cap() {
    // 30,000 EXDATEs remove the first 30,000 minutes of a minutely rule
    // (more than the cap): later occurrences still count.
    let ex: String = (0..30_000)
        .map(|i| {
            let t = ts("2026-03-02T00:00:00Z") + jiff::SignedDuration::from_mins(i);
            format!("EXDATE:{}\n", t.strftime("%Y%m%dT%H%M%SZ"))
        })
        .collect();
    let c = read(&format!(
        "BEGIN:VEVENT\nUID:m\nDTSTART:20260302T000000Z\nDURATION:PT1M\n\
         RRULE:FREQ=MINUTELY;UNTIL=20260325T000000Z\n{ex}END:VEVENT"
    ));
    let first = c.busy.first().unwrap_or_else(|| panic!("nothing busy"));
    assert_eq!(
        first.interval.start,
        ts("2026-03-02T00:00:00Z") + jiff::SignedDuration::from_mins(30_000)
    );
    assert_eq!(
        c.busy.last().map(|b| b.interval.end),
        Some(ts("2026-03-25T00:01:00Z"))
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn own_vtimezone_wins_over_iana_name_ignoring_case() {
    // The file defines `Europe/lisbon` at +03:00 (IANA's Lisbon is +00:00
    // in March): events naming it use the file's own definition; an event
    // naming IANA's exact `Europe/Lisbon` uses IANA's, as the calendar
    // libraries match TZIDs exactly.
    let c = read(
        "BEGIN:VTIMEZONE\nTZID:Europe/lisbon\nBEGIN:STANDARD\nDTSTART:19700101T000000\n\
         TZOFFSETFROM:+0300\nTZOFFSETTO:+0300\nEND:STANDARD\nEND:VTIMEZONE\n\
         BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Europe/lisbon:20260302T090000\n\
         DTEND;TZID=Europe/lisbon:20260302T100000\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:b\nDTSTART;TZID=Europe/Lisbon:20260303T090000\n\
         DTEND;TZID=Europe/Lisbon:20260303T100000\nEND:VEVENT",
    );
    assert_eq!(
        spans(&c),
        [
            "2026-03-02T06:00:00Z/2026-03-02T07:00:00Z",
            "2026-03-03T09:00:00Z/2026-03-03T10:00:00Z"
        ]
    );
}

#[test]
fn newest_sequence_of_a_uid_wins() {
    let c = read(
        "BEGIN:VEVENT\nUID:a\nSEQUENCE:0\nDTSTART:20260302T090000Z\nDURATION:PT1H\n\
         RRULE:FREQ=DAILY;COUNT=5\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:a\nSEQUENCE:2\nDTSTAMP:20260101T000000Z\nDTSTART:20260302T110000Z\n\
         DURATION:PT1H\nRRULE:FREQ=DAILY;COUNT=2\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:a\nSEQUENCE:2\nDTSTAMP:20251201T000000Z\nDTSTART:20260302T130000Z\n\
         DURATION:PT1H\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:a\nSEQUENCE:1\nDTSTART:20260302T150000Z\nDURATION:PT1H\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:a\nRECURRENCE-ID:20260303T110000Z\nSEQUENCE:2\n\
         DTSTART:20260303T180000Z\nDURATION:PT1H\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:a\nRECURRENCE-ID:20260303T110000Z\nSEQUENCE:3\n\
         DTSTART:20260303T200000Z\nDURATION:PT1H\nEND:VEVENT",
    );
    // SEQUENCE 2 with the later DTSTAMP wins; of the two overrides of one
    // instance, SEQUENCE 3.
    assert_eq!(
        spans(&c),
        [
            "2026-03-02T11:00:00Z/2026-03-02T12:00:00Z",
            "2026-03-03T20:00:00Z/2026-03-03T21:00:00Z",
        ]
    );
    // Equal SEQUENCE and DTSTAMP: the last in the file.
    let c = read(
        "BEGIN:VEVENT\nUID:b\nDTSTART:20260302T090000Z\nDURATION:PT1H\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:b\nDTSTART:20260302T100000Z\nDURATION:PT1H\nEND:VEVENT",
    );
    assert_eq!(spans(&c), ["2026-03-02T10:00:00Z/2026-03-02T11:00:00Z"]);
}

#[test]
fn floating_times_are_read_in_x_wr_timezone() {
    let c = read(
        "X-WR-TIMEZONE:Europe/Berlin\nBEGIN:VEVENT\nUID:a\nDTSTART:20260302T090000\n\
         DTEND:20260302T100000\nEND:VEVENT\nBEGIN:VEVENT\nUID:b\nDTSTART;VALUE=DATE:20260303\nEND:VEVENT",
    );
    // Berlin is +01:00 in March; DATE values stay in the member's zone (UTC).
    assert_eq!(
        spans(&c),
        [
            "2026-03-02T08:00:00Z/2026-03-02T09:00:00Z",
            "2026-03-03T00:00:00Z/2026-03-04T00:00:00Z",
        ]
    );
}

const ONE: &str =
    "BEGIN:VEVENT\nUID:a\nDTSTART:20260302T090000Z\nDTEND:20260302T100000Z\nEND:VEVENT";

fn one_span(c: &CalendarBusy) {
    assert_eq!(spans(c), ["2026-03-02T09:00:00Z/2026-03-02T10:00:00Z"]);
}

#[test]
fn byte_order_mark_is_skipped() {
    let mut data = b"\xEF\xBB\xBF".to_vec();
    data.extend(cal(ONE));
    one_span(&read_bytes(&data));
}

#[test]
fn cr_only_line_ends_are_read() {
    let data: Vec<u8> = cal(ONE).into_iter().filter(|&b| b != b'\n').collect();
    one_span(&read_bytes(&data));
}

#[test]
fn empty_rrule_and_rdate_lines_are_ignored() {
    let c = read(
        "BEGIN:VEVENT\nUID:a\nDTSTART:20260302T090000Z\nDTEND:20260302T100000Z\nRRULE:\nRDATE:\nEND:VEVENT",
    );
    one_span(&c);
    warned(&c, 8, "empty RRULE");
}

#[test]
fn count_minus_one_beside_until_is_ignored() {
    let c = read(
        "BEGIN:VEVENT\nUID:a\nDTSTART:20260302T090000Z\nDTEND:20260302T100000Z\n\
         RRULE:FREQ=DAILY;COUNT=-1;UNTIL=20260304T090000Z\nEND:VEVENT",
    );
    assert_eq!(c.busy.len(), 3, "{:?}", spans(&c));
    warned(&c, 8, "COUNT");
}

#[test]
fn text_after_end_vcalendar_is_ignored() {
    let mut data = cal(ONE);
    data.extend_from_slice(b"<!-- served by a proxy -->\r\n\r\n");
    let c = read_bytes(&data);
    one_span(&c);
    warned(&c, 10, "after END:VCALENDAR");
}

#[test]
fn invalid_utf8_in_text_properties_is_read() {
    let mut data = cal(&ONE.replace("UID:a", "UID:a\nSUMMARY:Caf\u{1}\nDESCRIPTION:x"));
    for b in &mut data {
        if *b == 1 {
            *b = 0xE9; // Latin-1 é: not UTF-8
        }
    }
    let c = read_calendar(
        "q.ics",
        &data,
        window(),
        &ClientFacing::Matching {
            categories: vec![],
            summary_contains: vec!["caf".into()],
        },
        &utc(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    one_span(&c);
    assert!(c.busy[0].client_facing);
}

#[test]
fn deep_nesting_is_bounded_and_ignored() {
    let depth = 100_000;
    let mut body = String::from("BEGIN:VCALENDAR\r\n");
    body.push_str(&"BEGIN:VEVENT\r\n".repeat(depth));
    body.push_str(&"END:VEVENT\r\n".repeat(depth));
    body.push_str(&String::from_utf8_lossy(&cal(ONE))["BEGIN:VCALENDAR\r\n".len()..]);
    let c = read_bytes(body.as_bytes());
    one_span(&c);
    assert!(
        c.warnings.iter().any(|w| w.contains("nest deeper")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn vtimezone_observance_bomb_is_capped() {
    let mut body = String::from("BEGIN:VTIMEZONE\nTZID:Bomb\n");
    for i in 0..5_000 {
        body.push_str(&format!(
            "BEGIN:STANDARD\nDTSTART:19700101T{:02}{:02}00\nRRULE:FREQ=DAILY\n\
             TZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nEND:STANDARD\n",
            i / 60 % 24,
            i % 60
        ));
    }
    body.push_str("END:VTIMEZONE\nBEGIN:VEVENT\nUID:a\nDTSTART;TZID=Bomb:20260302T100000\nDURATION:PT1H\nEND:VEVENT");
    let c = read(&body);
    assert_eq!(spans(&c), ["2026-03-02T09:00:00Z/2026-03-02T10:00:00Z"]);
    warned(&c, 4, "observances");
}

#[test]
fn warnings_never_carry_event_text() {
    let body = format!(
        "BEGIN:VEVENT\nUID:{MARKER}\nSUMMARY:{MARKER}\nDESCRIPTION:{MARKER}\n\
         DTSTART;TZID={MARKER}:20260302T090000\nDTEND:20260302T080000Z\n\
         RRULE:FREQ=DAILY;BYDAY={MARKER}\nRRULE:\nEXDATE:{MARKER}\nRDATE:{MARKER}\n\
         RECURRENCE-ID:{MARKER}\nX-{MARKER};P=\"{MARKER}:1\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:{MARKER}\nDTSTART:{MARKER}\nEND:VEVENT\n\
         BEGIN:VFREEBUSY\nFREEBUSY:{MARKER}\nEND:VFREEBUSY"
    );
    let mut data = cal(&body);
    data.extend_from_slice(format!("{MARKER}\r\n").as_bytes());
    let c = read_bytes(&data);
    assert!(c.warnings.len() >= 6, "{:?}", c.warnings);
    let all = format!("{c:?}");
    for word in ["CANARY", "John", "Doe"] {
        assert!(!all.contains(word), "{word} leaked: {all}");
    }
}
