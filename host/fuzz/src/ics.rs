//! Reading a feed back with the `ical` crate, independently of the writer:
//! TEXT unescaping and local times resolved through the feed's own
//! VTIMEZONEs.

use std::collections::BTreeMap;
use std::io::BufReader;

use ical::parser::ical::component::{IcalCalendar, IcalEvent, IcalTimeZone};
use ical::property::Property;
use jiff::civil::DateTime;
use jiff::{SignedDuration, Timestamp};

/// One VEVENT as read back: property name → (parameters, raw value).
pub type Props = BTreeMap<String, (Vec<(String, Vec<String>)>, String)>;

/// The one VCALENDAR of `text`; panics (a finding) when it does not parse.
pub fn parse(text: &str) -> IcalCalendar {
    let mut parser = ical::IcalParser::new(BufReader::new(text.as_bytes()));
    let cal = parser
        .next()
        .expect("one calendar")
        .unwrap_or_else(|e| panic!("the feed does not parse: {e}\n{text}"));
    assert!(parser.next().is_none(), "more than one calendar");
    cal
}

/// The properties of a component, each name once (a repeated name is a
/// finding: every property we write appears at most once).
pub fn props(list: &[Property]) -> Props {
    let mut out = Props::new();
    for p in list {
        let params = p.params.clone().unwrap_or_default();
        let value = p.value.clone().unwrap_or_default();
        let old = out.insert(p.name.clone(), (params, value));
        assert!(old.is_none(), "property {} twice", p.name);
    }
    out
}

/// The properties of each VEVENT.
pub fn events(cal: &IcalCalendar) -> Vec<Props> {
    cal.events
        .iter()
        .map(|e: &IcalEvent| props(&e.properties))
        .collect()
}

/// Undoes RFC 5545 TEXT escaping.
pub fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other @ ('\\' | ';' | ',')) => out.push(other),
            Some(other) => panic!("invalid escape \\{other} in {value:?}"),
            None => panic!("a lone backslash ends {value:?}"),
        }
    }
    out
}

/// TEXT as a client reads it back after our writer: line breaks of any
/// kind become `\n`, other control characters but tab become spaces.
pub fn text_round_trip(value: &str) -> String {
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    value
        .chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// One observance's onset (UTC) and the offset from then on, in seconds.
struct Onset {
    at: Timestamp,
    to: i64,
}

/// `+HHMM` or `+HHMMSS` in seconds.
fn offset_seconds(text: &str) -> i64 {
    let (sign, digits) = match text.split_at(1) {
        ("+", d) => (1, d),
        ("-", d) => (-1, d),
        _ => panic!("bad UTC offset {text:?}"),
    };
    assert!(matches!(digits.len(), 4 | 6), "bad UTC offset {text:?}");
    let n = |r: std::ops::Range<usize>| digits.get(r).map_or(0, |d| d.parse::<i64>().unwrap());
    sign * (n(0..2) * 3600 + n(2..4) * 60 + n(4..6))
}

fn local(text: &str) -> DateTime {
    DateTime::strptime("%Y%m%dT%H%M%S", text)
        .unwrap_or_else(|e| panic!("bad local DATE-TIME {text:?}: {e}"))
}

/// The onsets of a VTIMEZONE, in order.
fn onsets(tz: &IcalTimeZone) -> Vec<Onset> {
    let mut out: Vec<Onset> = tz
        .transitions
        .iter()
        .map(|t| {
            let p = props(&t.properties);
            let from = offset_seconds(&p["TZOFFSETFROM"].1);
            let to = offset_seconds(&p["TZOFFSETTO"].1);
            let start = local(&p["DTSTART"].1)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap();
            let at = start.timestamp() - SignedDuration::from_secs(from);
            Onset { at, to }
        })
        .collect();
    out.sort_by_key(|o| o.at);
    out
}

/// The VTIMEZONEs of a feed by TZID.
pub struct Zones(BTreeMap<String, Vec<Onset>>);

impl Zones {
    /// Reads every VTIMEZONE of `cal`.
    pub fn of(cal: &IcalCalendar) -> Zones {
        let mut map = BTreeMap::new();
        for tz in &cal.timezones {
            let p = props(&tz.properties);
            let old = map.insert(unescape(&p["TZID"].1), onsets(tz));
            assert!(old.is_none(), "VTIMEZONE twice");
        }
        Zones(map)
    }

    /// A DATE-TIME property as an instant: UTC form, or local time with a
    /// TZID resolved through that VTIMEZONE (the first instant that local
    /// time names, as RFC 5545 says for a repeated hour).
    pub fn instant(&self, params: &[(String, Vec<String>)], value: &str) -> Timestamp {
        if let Some(utc) = value.strip_suffix('Z') {
            assert!(params.is_empty(), "UTC time with parameters");
            return local(utc)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp();
        }
        let tzid = params
            .iter()
            .find(|(k, _)| k == "TZID")
            .map(|(_, v)| v.join(","))
            .expect("a local time without TZID");
        let onsets = self.0.get(&tzid).expect("a TZID without VTIMEZONE");
        let wall = local(value)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp();
        let mut found: Option<Timestamp> = None;
        for (i, o) in onsets.iter().enumerate() {
            let at = wall - SignedDuration::from_secs(o.to);
            let next = onsets.get(i + 1).map_or(Timestamp::MAX, |n| n.at);
            if o.at <= at && at < next {
                found = Some(found.map_or(at, |f| f.min(at)));
            }
        }
        found.unwrap_or_else(|| panic!("{value} TZID={tzid} falls in no observance"))
    }
}

/// The VEVENTs of `text` read strictly by RFC 5545 (unfold CRLF + one
/// space or tab, split at the first `:` outside a quoted parameter): the
/// `ical` crate trims trailing white space of every physical line and
/// leading colons of values, so exact TEXT comparisons use this reader.
pub fn strict_events(text: &str) -> Vec<BTreeMap<String, String>> {
    assert!(text.ends_with("\r\n"), "the feed does not end with CRLF");
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    let mut out = Vec::new();
    let mut current: Option<BTreeMap<String, String>> = None;
    for line in unfolded.split("\r\n") {
        match line {
            "BEGIN:VEVENT" => current = Some(BTreeMap::new()),
            "END:VEVENT" => out.extend(current.take()),
            _ => {
                if let Some(props) = current.as_mut() {
                    let (name, value) = split_line(line);
                    props.insert(name, value);
                }
            }
        }
    }
    out
}

/// `NAME[;params]:value` → (NAME, value).
fn split_line(line: &str) -> (String, String) {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => {
                let name = line[..i].split(';').next().unwrap_or_default();
                return (name.to_string(), line[i + 1..].to_string());
            }
            _ => {}
        }
    }
    panic!("a content line without a value: {line:?}")
}

/// `text` without white space and leading colons: what the `ical` crate
/// keeps of a value for certain.
pub fn loose(text: &str) -> String {
    text.trim_start_matches(':')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}
