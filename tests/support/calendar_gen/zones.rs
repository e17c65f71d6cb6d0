//! Time zone names and the VTIMEZONE blocks clients write for them.

use super::{Flavour, Rng};

/// Zones floating times and DATE values may be read in.
pub const FLOATING_ZONES: [&str; 4] = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Chicago",
];

/// Zones a calendar may declare in X-WR-TIMEZONE.
pub const X_WR_ZONES: [&str; 4] = [
    "Europe/Berlin",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Europe/London",
];

const IANA: [&str; 4] = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Tokyo",
];

const WINDOWS: [&str; 4] = [
    "Eastern Standard Time",
    "GMT Standard Time",
    "AUS Eastern Standard Time",
    "W. Europe Standard Time",
];

/// TZIDs defined in the file with other offsets than the IANA zone whose
/// name they match case-insensitively.
pub const OWN_IANA_CASE: [&str; 2] = ["Europe/lisbon", "america/new_york"];

/// Whether `tzid` is a Windows zone name.
pub fn is_windows(tzid: &str) -> bool {
    WINDOWS.contains(&tzid)
}

/// A TZID in the style of `flavour`.
pub fn tzid_for(r: &mut Rng, flavour: Flavour) -> &'static str {
    match flavour {
        Flavour::Plain => r.choose(&[
            "America/New_York",
            "Europe/London",
            "Australia/Sydney",
            "Asia/Tokyo",
            "Eastern Standard Time",
            "GMT Standard Time",
            "AUS Eastern Standard Time",
            "Custom Eastern",
        ]),
        Flavour::Outlook => r.choose(&WINDOWS),
        _ => r.choose(&IANA),
    }
}

/// (TZOFFSETFROM, TZOFFSETTO, TZNAME, DTSTART, RRULE) of one observance.
type Obs = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Daylight then standard observance of a zone (IANA rules as of 2026).
fn rules(tzid: &str) -> Option<[Obs; 2]> {
    let us = [
        (
            "-0500",
            "-0400",
            "EDT",
            "20070311T020000",
            "BYMONTH=3;BYDAY=2SU",
        ),
        (
            "-0400",
            "-0500",
            "EST",
            "20071104T020000",
            "BYMONTH=11;BYDAY=1SU",
        ),
    ];
    let uk = [
        (
            "+0000",
            "+0100",
            "BST",
            "19810329T010000",
            "BYMONTH=3;BYDAY=-1SU",
        ),
        (
            "+0100",
            "+0000",
            "GMT",
            "19961027T020000",
            "BYMONTH=10;BYDAY=-1SU",
        ),
    ];
    let au = [
        (
            "+1000",
            "+1100",
            "AEDT",
            "20081005T020000",
            "BYMONTH=10;BYDAY=1SU",
        ),
        (
            "+1100",
            "+1000",
            "AEST",
            "20080406T030000",
            "BYMONTH=4;BYDAY=1SU",
        ),
    ];
    let de = [
        (
            "+0100",
            "+0200",
            "CEST",
            "19810329T020000",
            "BYMONTH=3;BYDAY=-1SU",
        ),
        (
            "+0200",
            "+0100",
            "CET",
            "19961027T030000",
            "BYMONTH=10;BYDAY=-1SU",
        ),
    ];
    let jp = [
        ("+0900", "+0900", "JST", "19700101T000000", ""),
        ("+0900", "+0900", "JST", "19700101T000000", ""),
    ];
    let own = [
        (
            "+0300",
            "+0400",
            "X4",
            "19810329T020000",
            "BYMONTH=3;BYDAY=-1SU",
        ),
        (
            "+0400",
            "+0300",
            "X3",
            "19961027T030000",
            "BYMONTH=10;BYDAY=-1SU",
        ),
    ];
    let own_us = [
        (
            "-0300",
            "-0200",
            "Y2",
            "20070311T020000",
            "BYMONTH=3;BYDAY=2SU",
        ),
        (
            "-0200",
            "-0300",
            "Y3",
            "20071104T020000",
            "BYMONTH=11;BYDAY=1SU",
        ),
    ];
    Some(match tzid {
        "America/New_York" | "Eastern Standard Time" | "Custom Eastern" => us,
        "Europe/London" | "GMT Standard Time" => uk,
        "Australia/Sydney" | "AUS Eastern Standard Time" => au,
        "W. Europe Standard Time" => de,
        "Asia/Tokyo" => jp,
        "Europe/lisbon" => own,
        "america/new_york" => own_us,
        _ => return None,
    })
}

/// The VTIMEZONE `flavour` writes for `tzid`, when it writes one.
pub fn vtimezone(tzid: &str, flavour: Flavour) -> Option<String> {
    let always = tzid == "Custom Eastern" || OWN_IANA_CASE.contains(&tzid);
    let writes = match flavour {
        Flavour::Outlook => is_windows(tzid),
        Flavour::Apple | Flavour::Thunderbird | Flavour::Nextcloud => !is_windows(tzid),
        Flavour::Plain | Flavour::Google => false,
    };
    if !always && !writes {
        return None;
    }
    let [daylight, standard] = rules(tzid)?;
    let mut out = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{tzid}")];
    if flavour == Flavour::Thunderbird {
        out.push(format!("X-LIC-LOCATION:{tzid}"));
    }
    let fixed = daylight.4.is_empty();
    for (kind, (from, to, name, start, rule)) in [("DAYLIGHT", daylight), ("STANDARD", standard)] {
        if fixed && kind == "DAYLIGHT" {
            continue;
        }
        // Outlook writes 1601 starts and no TZNAME.
        let start = if flavour == Flavour::Outlook {
            format!("16010101T{}", &start[9..])
        } else {
            start.to_string()
        };
        out.push(format!("BEGIN:{kind}"));
        out.push(format!("DTSTART:{start}"));
        if !rule.is_empty() {
            out.push(format!("RRULE:FREQ=YEARLY;{rule}"));
        }
        out.push(format!("TZOFFSETFROM:{from}"));
        out.push(format!("TZOFFSETTO:{to}"));
        if flavour != Flavour::Outlook {
            out.push(format!("TZNAME:{name}"));
        }
        out.push(format!("END:{kind}"));
    }
    out.push("END:VTIMEZONE".into());
    Some(out.join("\r\n"))
}
