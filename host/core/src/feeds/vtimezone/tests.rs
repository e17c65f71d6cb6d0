use super::*;
use jiff::ToSpan;

fn zone(name: &str) -> Zone {
    Zone::iana(name).unwrap()
}

/// Reads our observances back the way a client does: the last onset at
/// or before the instant gives the offset.
fn offset_at(obs: &[Observance], ts: Timestamp) -> Offset {
    let mut current = obs[0].from;
    for o in obs {
        // Onsets are written as local time in `from`; recompute the
        // instant from what we would write to check the round trip.
        let onset = match o.onset {
            Some(_) => o.from.to_timestamp(o.local_onset()).unwrap(),
            None => Timestamp::MIN,
        };
        if onset <= ts {
            current = o.to;
        }
    }
    current
}

#[test]
fn offsets_match_jiff_for_sampled_instants() {
    let start: Timestamp = "2025-12-01T00:00:00Z".parse().unwrap();
    let end: Timestamp = "2027-02-01T00:00:00Z".parse().unwrap();
    let range = Interval::new(start, end);
    for name in [
        "America/New_York",
        "Europe/London",
        "Australia/Sydney",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "America/Sao_Paulo",
        "Pacific/Chatham",
    ] {
        let z = zone(name);
        let obs = observances(&z.tz, range);
        let mut ts = start;
        while ts < end {
            assert_eq!(offset_at(&obs, ts), z.tz.to_offset(ts), "{name} at {ts}");
            ts = ts.checked_add(97.minutes()).unwrap();
        }
        // And right around every transition.
        for t in z.tz.following(start).take_while(|t| t.timestamp() < end) {
            for delta in [-1i64, 0, 1] {
                let at = t.timestamp().checked_add(delta.seconds()).unwrap();
                assert_eq!(offset_at(&obs, at), z.tz.to_offset(at), "{name} at {at}");
            }
        }
    }
}

#[test]
fn new_york_2026_has_standard_and_daylight_onsets() {
    let range = Interval::new(
        "2026-01-01T00:00:00Z".parse().unwrap(),
        "2026-12-31T00:00:00Z".parse().unwrap(),
    );
    let mut w = Writer::new();
    write_vtimezone(&mut w, &zone("America/New_York"), range);
    let text = w.finish();
    assert!(text.contains(
        "BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0500\r\n\
         TZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT\r\n"
    ));
    assert!(text.contains(
        "BEGIN:STANDARD\r\nDTSTART:20261101T020000\r\nTZOFFSETFROM:-0400\r\n\
         TZOFFSETTO:-0500\r\nTZNAME:EST\r\nEND:STANDARD\r\n"
    ));
}

#[test]
fn zone_without_transitions_in_range_gets_one_observance() {
    let range = Interval::new(
        "2026-01-01T00:00:00Z".parse().unwrap(),
        "2027-01-01T00:00:00Z".parse().unwrap(),
    );
    let obs = observances(&zone("Asia/Kolkata").tz, range);
    assert_eq!(obs.len(), 1);
    assert_eq!(utc_offset(obs[0].to), "+0530");
    assert!(!obs[0].daylight);
    let fixed = observances(&TimeZone::fixed(jiff::tz::offset(3)), range);
    assert_eq!(fixed.len(), 1);
    assert!(fixed[0].onset.is_none());
    assert!(!fixed[0].daylight);
}

#[test]
fn utc_names() {
    assert!(is_utc(&zone("UTC")));
    assert!(is_utc(&zone("Etc/UTC")));
    assert!(!is_utc(&zone("Europe/London")));
    assert!(!is_utc(&zone("Africa/Abidjan")));
}
