//! Unit tests of calendar reading. Expected instants are worked out by hand
//! from the zone rules (New York: EST -05:00, EDT -04:00 from 2026-03-08).

use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::TimeZone;
use std::time::Instant;

use super::*;

const MARKER: &str = "CANARY-Xq7 client Jane Roe PTSD";

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn window() -> Interval {
    Interval::new(ts("2026-03-02T00:00:00Z"), ts("2026-04-06T00:00:00Z"))
}

fn ny() -> TimeZone {
    TimeZone::get("America/New_York").unwrap_or_else(|e| panic!("{e}"))
}

fn cal(body: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{}END:VCALENDAR\r\n",
        body.lines()
            .map(|l| format!("{}\r\n", l.trim()))
            .collect::<String>()
    )
}

fn read(body: &str) -> CalendarBusy {
    read_with(body, &ClientFacing::All)
}

fn read_with(body: &str, cf: &ClientFacing) -> CalendarBusy {
    read_calendar("cal.ics", cal(body).as_bytes(), window(), cf, &ny())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn starts(c: &CalendarBusy) -> Vec<String> {
    c.busy
        .iter()
        .map(|b| format!("{}/{}", b.interval.start, b.interval.end))
        .collect()
}

fn err(body: &str) -> CalendarError {
    match read_calendar(
        "cal.ics",
        body.as_bytes(),
        window(),
        &ClientFacing::All,
        &ny(),
    ) {
        Err(e) => e,
        Ok(c) => panic!("expected an error, got {c:?}"),
    }
}

#[test]
fn weekly_rule_across_dst_keeps_local_time() {
    let c = read(
        "BEGIN:VEVENT\nUID:a\nDTSTART;TZID=America/New_York:20260302T090000\n\
         DTEND;TZID=America/New_York:20260302T100000\nRRULE:FREQ=WEEKLY;COUNT=3\nEND:VEVENT",
    );
    assert_eq!(
        starts(&c),
        [
            "2026-03-02T14:00:00Z/2026-03-02T15:00:00Z",
            "2026-03-09T13:00:00Z/2026-03-09T14:00:00Z",
            "2026-03-16T13:00:00Z/2026-03-16T14:00:00Z",
        ]
    );
    assert!(c.busy.iter().all(|b| b.client_facing));
}

#[test]
fn windows_and_prefixed_and_quoted_tzids() {
    for tzid in [
        "Eastern Standard Time",
        "\"Eastern Standard Time\"",
        "/mozilla.org/20050126_1/America/New_York",
        "America/New_York",
    ] {
        let c = read(&format!(
            "BEGIN:VEVENT\nUID:a\nDTSTART;TZID={tzid}:20260310T090000\nDURATION:PT30M\nEND:VEVENT"
        ));
        assert_eq!(
            starts(&c),
            ["2026-03-10T13:00:00Z/2026-03-10T13:30:00Z"],
            "{tzid}"
        );
    }
    let c = read(
        "BEGIN:VEVENT\nUID:a\nDTSTART;TZID=W. Europe Standard Time:20260310T090000\nDURATION:PT1H\nEND:VEVENT",
    );
    assert_eq!(starts(&c), ["2026-03-10T08:00:00Z/2026-03-10T09:00:00Z"]);
}

const CUSTOM_TZ: &str = "BEGIN:VTIMEZONE\nTZID:Clinic Local\nBEGIN:STANDARD\nDTSTART:16011104T020000\n\
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\nTZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nEND:STANDARD\n\
BEGIN:DAYLIGHT\nDTSTART:16010311T020000\nRRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\n\
TZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nEND:DAYLIGHT\nEND:VTIMEZONE\n";

#[test]
fn embedded_vtimezone_is_evaluated_including_gap_and_fold() {
    let c = read(&format!(
        "{CUSTOM_TZ}BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Clinic Local:20260306T090000\n\
         DTEND;TZID=Clinic Local:20260306T093000\nRRULE:FREQ=DAILY;COUNT=4\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:gap\nDTSTART;TZID=Clinic Local:20260308T023000\nDURATION:PT10M\nEND:VEVENT"
    ));
    assert_eq!(
        starts(&c),
        [
            "2026-03-06T14:00:00Z/2026-03-06T14:30:00Z",
            "2026-03-07T14:00:00Z/2026-03-07T14:30:00Z",
            "2026-03-08T07:30:00Z/2026-03-08T07:40:00Z", // 02:30 in the gap: read with -05:00
            "2026-03-08T13:00:00Z/2026-03-08T13:30:00Z",
            "2026-03-09T13:00:00Z/2026-03-09T13:30:00Z",
        ]
    );
    // The same VTIMEZONE with the fold of November: first occurrence.
    let tz = zones::VZone::build(
        &{
            let data = cal(CUSTOM_TZ);
            let mut found = None;
            lines::read_components("t", data.as_bytes(), false, &mut |c| {
                found = Some(c);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
            found.unwrap_or_else(|| panic!("no VTIMEZONE"))
        },
        2030,
        &mut Vec::new(),
    )
    .unwrap_or_else(|| panic!("VTIMEZONE not evaluated"));
    let local = value::civil_secs(date(2026, 11, 1).at(1, 30, 0, 0));
    assert_eq!(tz.to_utc(local), ts("2026-11-01T05:30:00Z").as_second());
}

/// The first VTIMEZONE of `text` (wrapped in a calendar).
fn vtimezone(text: &str) -> lines::Comp {
    let data = cal(text);
    let mut found = None;
    lines::read_components("t", data.as_bytes(), false, &mut |c| {
        found.get_or_insert(c);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    found.unwrap_or_else(|| panic!("no VTIMEZONE"))
}

#[test]
fn a_vtimezone_seen_before_is_shared_with_the_same_result_and_warnings() {
    let comp = vtimezone(CUSTOM_TZ);
    let alone = zones::VZone::build(&comp, 2031, &mut Vec::new()).unwrap();
    let first = zones::VZone::build_shared(&comp, 2031, &mut Vec::new()).unwrap();
    let again = zones::VZone::build_shared(&vtimezone(CUSTOM_TZ), 2031, &mut Vec::new()).unwrap();
    assert_eq!(*first, alone);
    assert!(std::sync::Arc::ptr_eq(&first, &again), "evaluated once");
    // Another horizon end is another evaluation.
    let later = zones::VZone::build_shared(&comp, 2032, &mut Vec::new()).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&first, &later));
    // Another observance is another zone.
    let other = zones::VZone::build_shared(
        &vtimezone(&CUSTOM_TZ.replace("TZOFFSETTO:-0500", "TZOFFSETTO:-0600")),
        2031,
        &mut Vec::new(),
    )
    .unwrap();
    assert_ne!(*other, *first);
    // A zone cut by its caps warns on every evaluation, shared or not.
    let daily: String = (0..5)
        .map(|h| {
            format!(
                "BEGIN:STANDARD\nDTSTART:19700101T0{h}0000\nRRULE:FREQ=DAILY\n\
                 TZOFFSETFROM:+0000\nTZOFFSETTO:+0100\nEND:STANDARD\n"
            )
        })
        .collect();
    let busy = format!("BEGIN:VTIMEZONE\nTZID:Busy\n{daily}END:VTIMEZONE\n");
    let comp = vtimezone(&busy);
    let mut alone = Vec::new();
    zones::VZone::build(&comp, 2031, &mut alone);
    assert_eq!(alone.len(), 1);
    for _ in 0..2 {
        let mut shared = Vec::new();
        zones::VZone::build_shared(&comp, 2031, &mut shared);
        assert_eq!(shared, alone);
    }
}

#[test]
fn exdate_rdate_and_all_day() {
    let c = read(
        "BEGIN:VEVENT\nUID:a\nDTSTART:20260303T150000Z\nDTEND:20260303T160000Z\n\
         RRULE:FREQ=WEEKLY;UNTIL=20260324T150000Z\nEXDATE:20260310T150000Z\n\
         EXDATE;TZID=America/New_York:20260317T110000,20260324T110000\n\
         RDATE;VALUE=PERIOD:20260305T120000Z/PT2H\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:b\nDTSTART;VALUE=DATE:20260308\nDTEND;VALUE=DATE:20260310\nEND:VEVENT",
    );
    assert_eq!(
        starts(&c),
        [
            "2026-03-03T15:00:00Z/2026-03-03T16:00:00Z",
            "2026-03-05T12:00:00Z/2026-03-05T14:00:00Z",
            // Two local days in New York, the first only 23 hours long.
            "2026-03-08T05:00:00Z/2026-03-10T04:00:00Z",
        ]
    );
}

#[test]
fn overrides_move_cancel_and_this_and_future() {
    let c = read(
        "BEGIN:VEVENT\nUID:s\nDTSTART;TZID=America/New_York:20260302T090000\nDURATION:PT1H\n\
         RRULE:FREQ=WEEKLY;COUNT=5\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:s\nRECURRENCE-ID;TZID=America/New_York:20260309T090000\n\
         DTSTART;TZID=America/New_York:20260310T140000\nDURATION:PT1H\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:s\nRECURRENCE-ID;TZID=America/New_York:20260316T090000\n\
         DTSTART;TZID=America/New_York:20260316T090000\nDURATION:PT1H\nSTATUS:CANCELLED\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:s\nRECURRENCE-ID;RANGE=THISANDFUTURE;TZID=America/New_York:20260323T090000\n\
         DTSTART;TZID=America/New_York:20260323T100000\nDURATION:PT30M\nEND:VEVENT",
    );
    assert_eq!(
        starts(&c),
        [
            "2026-03-02T14:00:00Z/2026-03-02T15:00:00Z",
            "2026-03-10T18:00:00Z/2026-03-10T19:00:00Z",
            "2026-03-23T14:00:00Z/2026-03-23T14:30:00Z",
            "2026-03-30T14:00:00Z/2026-03-30T14:30:00Z",
        ]
    );
}

#[test]
fn cancelled_transparent_zero_length_and_freebusy() {
    let c = read(
        "BEGIN:VEVENT\nUID:c\nDTSTART:20260303T150000Z\nDTEND:20260303T160000Z\nSTATUS:CANCELLED\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:t\nDTSTART:20260303T150000Z\nDTEND:20260303T160000Z\nTRANSP:TRANSPARENT\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:z\nDTSTART:20260303T150000Z\nEND:VEVENT\n\
         BEGIN:VFREEBUSY\nFREEBUSY;FBTYPE=BUSY-TENTATIVE:20260304T150000Z/20260304T160000Z,20260305T150000Z/PT1H\n\
         FREEBUSY;FBTYPE=FREE:20260306T150000Z/20260306T160000Z\n\
         FREEBUSY:20260307T150000Z/20260307T153000Z\nEND:VFREEBUSY",
    );
    assert_eq!(
        starts(&c),
        [
            "2026-03-04T15:00:00Z/2026-03-04T16:00:00Z",
            "2026-03-05T15:00:00Z/2026-03-05T16:00:00Z",
            "2026-03-07T15:00:00Z/2026-03-07T15:30:00Z",
        ]
    );
    let none = read_with(
        "BEGIN:VFREEBUSY\nFREEBUSY:20260307T150000Z/20260307T153000Z\nEND:VFREEBUSY",
        &ClientFacing::Matching {
            categories: vec!["client".into()],
            summary_contains: vec![],
        },
    );
    assert!(!none.busy[0].client_facing);
}

#[test]
fn client_facing_matching_inspects_text_case_insensitively() {
    let body = "BEGIN:VEVENT\nUID:1\nDTSTART:20260303T150000Z\nDURATION:PT1H\nSUMMARY:Intake with new CLIENT\nEND:VEVENT\n\
        BEGIN:VEVENT\nUID:2\nDTSTART:20260304T150000Z\nDURATION:PT1H\nCATEGORIES:Admin,Therapy\nEND:VEVENT\n\
        BEGIN:VEVENT\nUID:3\nDTSTART:20260305T150000Z\nDURATION:PT1H\nSUMMARY:Team lunch\nEND:VEVENT";
    let cf = ClientFacing::Matching {
        categories: vec!["therapy".into()],
        summary_contains: vec!["client".into()],
    };
    let flags: Vec<bool> = read_with(body, &cf)
        .busy
        .iter()
        .map(|b| b.client_facing)
        .collect();
    assert_eq!(flags, [true, true, false]);
    let none: Vec<bool> = read_with(body, &ClientFacing::None)
        .busy
        .iter()
        .map(|b| b.client_facing)
        .collect();
    assert_eq!(none, [false, false, false]);
}

#[test]
fn monthly_ordinals_setpos_and_negative_monthday() {
    let c = read(
        "BEGIN:VEVENT\nUID:m\nDTSTART:20260101T150000Z\nDURATION:PT1H\n\
         RRULE:FREQ=MONTHLY;BYDAY=2TU,-1FR\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:p\nDTSTART:20260101T170000Z\nDURATION:PT1H\n\
         RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:n\nDTSTART:20260101T190000Z\nDURATION:PT1H\n\
         RRULE:FREQ=MONTHLY;BYMONTHDAY=-2\nEND:VEVENT",
    );
    let days: Vec<String> = c
        .busy
        .iter()
        .map(|b| b.interval.start.to_string())
        .collect();
    assert_eq!(
        days,
        [
            "2026-03-10T15:00:00Z", // 2nd Tuesday of March
            "2026-03-27T15:00:00Z", // last Friday
            "2026-03-30T19:00:00Z", // second to last day
            "2026-03-31T17:00:00Z", // last weekday
        ]
    );
}

#[test]
fn pathological_rules_are_bounded_and_warned() {
    let t = Instant::now();
    let c = read(
        "BEGIN:VEVENT\nUID:s\nDTSTART:20000101T000000Z\nDURATION:PT1S\nRRULE:FREQ=SECONDLY\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:f\nDTSTART:20000101T000000Z\nDURATION:PT1H\n\
         RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:y\nDTSTART:20000101T000000Z\nDURATION:PT1H\n\
         RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:c\nDTSTART:19000101T000000Z\nDURATION:PT1H\n\
         RRULE:FREQ=MINUTELY;COUNT=2000000000\nEND:VEVENT",
    );
    assert!(t.elapsed().as_secs() < 5, "took {:?}", t.elapsed());
    // The cap counts occurrences from just before the window (an hour of
    // slack), so a little fewer than the cap land inside it; past the cap
    // the rest of the window is busy (fail safe).
    assert!(
        (5_000..=events::OCCURRENCE_CAP + 4).contains(&c.busy.len()),
        "{}",
        c.busy.len()
    );
    assert!(c.busy.iter().any(|b| b.interval.end == window().end));
    assert!(
        c.warnings
            .iter()
            .any(|w| w.starts_with("line 8: ") && w.contains("20000"))
    );
    assert!(
        c.warnings.iter().any(|w| w.contains("cut short")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn errors_name_file_and_line_without_content() {
    let e = err("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260303\r\n");
    assert_eq!(
        e.to_string(),
        "cal.ics:2: the file ends before this component's END line (truncated file?)"
    );
    let e = err(&format!("{MARKER}\n"));
    assert_eq!(e.line, Some(1));
    assert!(!format!("{e} {e:?}").contains("CANARY"), "{e:?}");
}

/// A defect in one event is a warning naming its line (never its text),
/// and the time it leaves unaccounted is busy.
#[test]
fn event_defects_are_warnings_that_fail_safe() {
    let whole = |body: &str, line: usize, what: &str| {
        let c = read(body);
        let w = c.warnings.join("\n");
        assert!(
            w.contains(&format!("line {line}: ")) && w.contains(what),
            "{w}"
        );
        assert!(!format!("{c:?}").contains("CANARY"), "{c:?}");
        c
    };
    // Unknown zone: read as a floating time (the member's zone).
    let c = whole(
        &format!(
            "BEGIN:VEVENT\nUID:x\nSUMMARY:{MARKER}\nDTSTART;TZID=Nowhere/{MARKER}:20260303T090000\n\
             DURATION:PT1H\nEND:VEVENT"
        ),
        7,
        "unknown time zone",
    );
    assert_eq!(starts(&c), ["2026-03-03T14:00:00Z/2026-03-03T15:00:00Z"]);
    // Unreadable DTSTART or parameters: the whole window is busy.
    for body in [
        format!("BEGIN:VEVENT\nDTSTART:{MARKER}\nEND:VEVENT"),
        format!("BEGIN:VEVENT\nDTSTART;X=\"{MARKER}:20260303\nEND:VEVENT"),
    ] {
        let c = whole(&body, 5, "whole planning window");
        assert_eq!(c.busy.len(), 1);
        assert_eq!(c.busy[0].interval, window());
    }
    // Unreadable RRULE or DURATION: busy from DTSTART to the window's end.
    for body in [
        format!(
            "BEGIN:VEVENT\nRRULE:FREQ=DAILY;BYDAY={MARKER}\nDTSTART:20260303T100000Z\nEND:VEVENT"
        ),
        format!("BEGIN:VEVENT\nDURATION:{MARKER}\nDTSTART:20260303T100000Z\nEND:VEVENT"),
    ] {
        let c = whole(&body, 5, "end of the planning window");
        assert!(
            c.busy
                .iter()
                .any(|b| b.interval == Interval::new(ts("2026-03-03T10:00:00Z"), window().end)),
            "{c:?}"
        );
    }
    // Bytes that are not UTF-8 in a property never used.
    let c = read_calendar(
        "cal.ics",
        b"BEGIN:VCALENDAR\r\nX:\xff\r\nEND:VCALENDAR\r\n",
        window(),
        &ClientFacing::All,
        &ny(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(c.busy.is_empty() && c.warnings.is_empty());
}

#[test]
fn marker_text_never_reaches_results_or_warnings() {
    let body = format!(
        "BEGIN:VEVENT\nUID:{MARKER}\nSUMMARY:{MARKER}\nDESCRIPTION:{MARKER}\nLOCATION:{MARKER}\n\
         ATTENDEE;CN={MARKER}:mailto:x@example.test\nCATEGORIES:{MARKER}\n\
         DTSTART:20000101T000000Z\nDURATION:PT1S\nRRULE:FREQ=SECONDLY\nEND:VEVENT\n\
         BEGIN:VEVENT\nSUMMARY:{MARKER}\nEND:VEVENT"
    );
    let cf = ClientFacing::Matching {
        categories: vec![MARKER.into()],
        summary_contains: vec!["jane".into()],
    };
    let c = read_with(&body, &cf);
    assert!(!c.warnings.is_empty());
    assert!(!format!("{c:?}").contains("CANARY"));
    assert!(c.busy[0].client_facing);
}

#[test]
fn holiday_dates_are_local_days() {
    let data = cal(
        "BEGIN:VEVENT\nUID:h\nDTSTART;VALUE=DATE:20260316\nDTEND;VALUE=DATE:20260318\nTRANSP:TRANSPARENT\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:k\nDTSTART;VALUE=DATE:20260320\nSTATUS:CANCELLED\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:y\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=3\nEND:VEVENT",
    );
    let d = read_holiday_dates("h.ics", data.as_bytes(), window(), &ny())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d, [date(2026, 3, 16), date(2026, 3, 17), date(2026, 4, 3)]);
}

#[test]
fn folded_lines_and_folded_names_are_unfolded() {
    let data = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDESCRIPTION:long\r\n  text\r\nDTST\r\n ART;TZID=America/\r\n New_York:20260310T090000\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;\r\n\tCOUNT=2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let c = read_calendar(
        "f.ics",
        data.as_bytes(),
        window(),
        &ClientFacing::All,
        &ny(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        starts(&c),
        [
            "2026-03-10T13:00:00Z/2026-03-10T14:00:00Z",
            "2026-03-11T13:00:00Z/2026-03-11T14:00:00Z",
        ]
    );
}
