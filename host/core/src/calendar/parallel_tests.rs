//! Reading a large file on several threads gives exactly what one thread
//! gives: the same spans, warnings and errors (with the same lines).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::parts::{cuts, read_parts};
use super::read::{Options, read};
use super::zones::FileZones;
use super::{Busy, CalendarError};
use crate::model::{ClientFacing, Interval};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn window() -> Interval {
    Interval::new(ts("2026-03-02T00:00:00Z"), ts("2026-04-06T00:00:00Z"))
}

fn ny() -> TimeZone {
    TimeZone::get("America/New_York").unwrap_or_else(|e| panic!("{e}"))
}

fn opts(cf: &ClientFacing, threads: usize) -> Options<'_> {
    Options {
        window: window(),
        client_facing: cf,
        holidays: false,
        threads,
    }
}

/// A calendar of `n` events (about 1.6 MB for 6,000) with long folded
/// descriptions; events use IANA, Windows and file-defined zones (defined
/// at the end), recurrences whose overrides sit far from their master,
/// and `extra` lines are inserted before event `at`.
fn big(n: usize, at: usize, extra: &str) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n");
    let filler = "lorem ipsum dolor sit amet ".repeat(8);
    for i in 0..n {
        if i == at {
            s.push_str(extra);
        }
        let day = 2 + i % 30;
        let hour = 8 + i % 9;
        let tz = match i % 4 {
            0 => "America/New_York",
            1 => "Eastern Standard Time",
            2 => "Clinic Local",
            _ => "Europe/Paris",
        };
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:ev-{u}\r\nDTSTART;TZID={tz}:202603{day:02}T{hour:02}0000\r\n\
             DTEND;TZID={tz}:202603{day:02}T{hour:02}5000\r\nSUMMARY:Client {i}\r\n\
             DESCRIPTION:{a}\r\n {b}\r\n",
            // Overrides share their master's UID; every other UID is its own.
            u = if i % 10 == 0 && i >= n / 2 {
                i - n / 2
            } else {
                i
            },
            a = &filler[..70],
            b = &filler[70..],
        ));
        if i % 10 == 0 && i < n / 2 {
            s.push_str("RRULE:FREQ=WEEKLY;COUNT=3\r\n");
        }
        if i % 10 == 0 && i >= n / 2 {
            // An override of the master with UID ev-(i - n/2), which is
            // in the first half.
            let m = i - n / 2;
            let mtz = match m % 4 {
                0 => "America/New_York",
                1 => "Eastern Standard Time",
                2 => "Clinic Local",
                _ => "Europe/Paris",
            };
            let mday = 2 + m % 30 + 7;
            let mhour = 8 + m % 9;
            s.push_str(&format!(
                "RECURRENCE-ID;TZID={mtz}:202603{mday:02}T{mhour:02}0000\r\n"
            ));
        }
        s.push_str("END:VEVENT\r\n");
    }
    for (id, off) in [
        ("Clinic Local", "+0300"),
        ("Eastern Standard Time", "+0100"),
    ] {
        s.push_str(&format!(
            "BEGIN:VTIMEZONE\r\nTZID:{id}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
             TZOFFSETFROM:{off}\r\nTZOFFSETTO:{off}\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

type Read = Result<(Vec<Busy>, Vec<String>), CalendarError>;

fn read_all(data: &[u8], threads: usize) -> Read {
    read("big.ics", data, &ny(), &opts(&ClientFacing::All, threads))
}

/// The result on one thread, after checking that 2, 3 and 4 agree.
fn same_on_all_threads(data: &[u8]) -> Read {
    let one = read_all(data, 1);
    for threads in 2..=4 {
        assert_eq!(read_all(data, threads), one, "{threads} threads");
    }
    one
}

/// The 1-based line on which `needle` first appears.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not found"));
    1 + text[..at].matches('\n').count()
}

#[test]
fn large_file_is_cut_and_read_in_parts() {
    let text = big(6000, usize::MAX, "");
    let data = text.as_bytes();
    assert!(data.len() > 1_000_000, "{}", data.len());
    for n in 2..=4 {
        let c = cuts(data, n);
        assert_eq!(c.len(), n + 1);
        let cf = ClientFacing::All;
        let file = FileZones::scan("big.ics", data, &ny());
        let parts = read_parts("big.ics", data, &c, &file, 2030, &opts(&cf, n));
        assert!(parts.is_some(), "{n} parts were not read in parallel");
    }
    let (busy, warnings) = same_on_all_threads(data).unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    // 6,000 events, each one span in the window, except that the 300
    // weekly masters (COUNT=3) add 2 instances each, of which one is
    // replaced by an override (counted among the 6,000).
    assert_eq!(busy.len(), 6000 + 300);
    // Event 1 (Windows name, defined at the end of the file as +01:00):
    // 2026-03-03T09:00 local is 08:00Z. The file's VTIMEZONE wins over the
    // Windows table even though it comes after the events.
    let windows = Interval::new(ts("2026-03-03T08:00:00Z"), ts("2026-03-03T08:50:00Z"));
    assert!(busy.iter().any(|b| b.interval == windows));
    // Event 2 ("Clinic Local", +03:00): 2026-03-04T10:00 local is 07:00Z.
    let custom = Interval::new(ts("2026-03-04T07:00:00Z"), ts("2026-03-04T07:50:00Z"));
    assert!(busy.iter().any(|b| b.interval == custom));
}

#[test]
fn warnings_and_errors_late_in_a_large_file_keep_their_lines() {
    let no_start = "BEGIN:VEVENT\r\nUID:no-start-marker\r\nEND:VEVENT\r\n";
    let text = big(6000, 5000, no_start);
    let (_, warnings) = same_on_all_threads(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let line = line_of(&text, "UID:no-start-marker") - 1;
    assert_eq!(
        warnings,
        [format!("line {line}: an event without DTSTART was ignored")]
    );

    let cases = [
        "BEGIN:VEVENT\r\nUID:bad\r\nDTSTART:2026XX01\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:bad\r\nDTSTART;TZID=Nowhere/Land:20260301T090000\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:bad\r\nDTSTART:20260301T090000\r\nEND:VTODO\r\n",
        "BEGIN:VEVENT\r\nUID:bad\r\nDTSTART;TZID=\"A:20260301T090000\r\nEND:VEVENT\r\n",
    ];
    for extra in cases {
        let text = big(6000, 4500, extra);
        let want = if extra.contains("VTODO") {
            line_of(&text, "END:VTODO")
        } else {
            line_of(&text, "UID:bad") + 1
        };
        match same_on_all_threads(text.as_bytes()) {
            // A broken END refuses the file; a defect in one event is a
            // warning on its line.
            Err(e) => {
                assert!(extra.contains("VTODO"), "{extra:?}: {e}");
                assert_eq!(e.line, Some(want), "{extra:?}: {e}");
            }
            Ok((_, warnings)) => {
                let prefix = format!("line {want}: ");
                assert!(
                    warnings.iter().any(|w| w.starts_with(&prefix)),
                    "{extra:?}: {warnings:?}"
                );
            }
        }
    }

    // Invalid UTF-8 in a property never used is read; a file cut short is not.
    let text = big(6000, 5500, "X-BAD:\u{1}marker\r\n");
    let mut bytes = text.clone().into_bytes();
    let at = text.find("\u{1}marker").unwrap_or_else(|| panic!("marker"));
    bytes[at] = 0xff;
    assert!(same_on_all_threads(&bytes).is_ok());
    let text = big(6000, usize::MAX, "");
    let cut = &text.as_bytes()[..text.len() - "END:VCALENDAR\r\n".len()];
    assert_eq!(same_on_all_threads(cut).err().and_then(|e| e.line), Some(1));
}

#[test]
fn several_calendars_in_one_large_file() {
    let one = big(3000, usize::MAX, "");
    let two = format!("{one}{one}");
    let cf = ClientFacing::All;
    let c = cuts(two.as_bytes(), 4);
    let file = FileZones::scan("two.ics", two.as_bytes(), &ny());
    assert!(read_parts("two.ics", two.as_bytes(), &c, &file, 2030, &opts(&cf, 4)).is_some());
    let (busy, _) = same_on_all_threads(two.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(busy.len() > 3000, "{}", busy.len());
}
