//! Checks for the values policy files hold: time spans, weekdays, ids,
//! emails, links, zones, cadences and working-hours tables.

use std::ops::Range;
use std::sync::OnceLock;

use jiff::civil::{Time, Weekday};

use super::source::SourceFile;
use super::suggest::{closest, closest_zone, did_you_mean};
use super::walk::{Out, Table, Val, string, strings, type_error};
use peerwell_core::model::{Cadence, WorkingHours, Zone};

/// Day keys, Monday first.
pub(crate) const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// The last instant of the day, standing for "24:00" as an exclusive end.
pub(crate) const END_OF_DAY: Time = Time::MAX;

/// Parses `HH:MM` (00:00–23:59, or 24:00 when `allow_24`).
fn clock(s: &str, allow_24: bool) -> Option<Time> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    if allow_24 && h == 24 && m == 0 {
        return Some(END_OF_DAY);
    }
    Time::new(h, m, 0, 0).ok()
}

/// Why a value written as text is not a time span or a cadence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ValueError {
    /// Not `HH:MM-HH:MM`.
    #[error("expected a time span \"HH:MM-HH:MM\", found \"{0}\"")]
    SpanShape(String),
    /// A span whose end is not after its start.
    #[error("time span \"{0}\" ends before it starts (spans cannot cross midnight)")]
    SpanBackwards(String),
    /// `every 1 weeks`.
    #[error("\"every 1 weeks\" is \"weekly\"")]
    EveryOneWeek,
    /// `every N weeks` with N not from 2 to 12.
    #[error("expected N from 2 to 12 in \"every N weeks\", found \"{0}\"")]
    EveryWeeks(String),
    /// `monthly` followed by something other than 1st..4th or last.
    #[error("expected 1st, 2nd, 3rd, 4th or last after \"monthly\", found \"{0}\"")]
    MonthlyNth(String),
    /// No cadence at all.
    #[error(
        "expected \"weekly\", \"fortnightly\", \"every N weeks\" (N from 2 to 12) or \
         \"monthly 1st|2nd|3rd|4th|last\", found \"{0}\""
    )]
    Cadence(String),
}

/// Parses `"HH:MM-HH:MM"` into `[start, end)`; `24:00` is allowed as an end.
pub(crate) fn parse_span(s: &str) -> Result<(Time, Time), ValueError> {
    let shape = || ValueError::SpanShape(s.to_string());
    let (a, b) = s.split_once('-').ok_or_else(shape)?;
    let start = clock(a.trim(), false).ok_or_else(shape)?;
    let end = clock(b.trim(), true).ok_or_else(shape)?;
    if end <= start {
        return Err(ValueError::SpanBackwards(s.to_string()));
    }
    Ok((start, end))
}

/// A time span value, reported at its span when malformed.
pub(crate) fn span_value(src: &SourceFile, v: &Val<'_>, out: &mut Out) -> Option<(Time, Time)> {
    let s = string(src, v, out)?;
    parse_span_at(src, &s, v.span(), out)
}

fn parse_span_at(
    src: &SourceFile,
    s: &str,
    at: Range<usize>,
    out: &mut Out,
) -> Option<(Time, Time)> {
    match parse_span(s) {
        Ok(span) => Some(span),
        Err(e) => {
            out.push(src.error(
                at,
                e.to_string(),
                Some("write 24-hour times, e.g. \"09:00-17:00\"".to_string()),
            ));
            None
        }
    }
}

/// Length of a span in minutes (24:00 counts as a full day).
pub(crate) fn span_minutes((start, end): (Time, Time)) -> i64 {
    let m = |t: Time| i64::from(t.hour()) * 60 + i64::from(t.minute());
    let end = if end == END_OF_DAY { 24 * 60 } else { m(end) };
    end - m(start)
}

/// `HH:MM-HH:MM` for messages.
pub(crate) fn show_span((start, end): (Time, Time)) -> String {
    let end = if end == END_OF_DAY {
        "24:00".to_string()
    } else {
        end.strftime("%H:%M").to_string()
    };
    format!("{}-{end}", start.strftime("%H:%M"))
}

/// A weekday name `mon`..`sun`.
pub(crate) fn weekday(
    src: &SourceFile,
    s: &str,
    at: Range<usize>,
    out: &mut Out,
) -> Option<Weekday> {
    match DAYS.iter().position(|d| *d == s) {
        Some(i) => Some(WEEKDAYS[i]),
        None => {
            let hint = did_you_mean(closest(&s.to_lowercase(), DAYS))
                .or_else(|| Some("use mon, tue, wed, thu, fri, sat or sun".to_string()));
            out.push(src.error(
                at,
                format!("expected a weekday (mon..sun), found \"{s}\""),
                hint,
            ));
            None
        }
    }
}

/// An array of weekdays, deduplicated and in week order.
pub(crate) fn weekdays(src: &SourceFile, v: &Val<'_>, out: &mut Out) -> Option<Vec<Weekday>> {
    let items = match v.get_ref() {
        toml::de::DeValue::Array(_) => strings(src, v, out),
        _ => {
            type_error(
                src,
                v,
                "an array of weekdays",
                Some("e.g. [\"mon\", \"wed\"]".to_string()),
                out,
            );
            return None;
        }
    };
    let before = out.len();
    let mut days: Vec<Weekday> = items
        .into_iter()
        .filter_map(|(s, at)| weekday(src, &s, at, out))
        .collect();
    if out.len() != before {
        return None;
    }
    if days.is_empty() {
        out.push(src.error(v.span(), "expected at least one weekday, found []", None));
        return None;
    }
    days.sort_by_key(|d| d.to_monday_zero_offset());
    days.dedup();
    Some(days)
}

/// Ids of people and groups, and tags: `[a-z0-9][a-z0-9-_]*`.
pub(crate) fn is_id(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Reports an id or tag that breaks the `[a-z0-9][a-z0-9-_]*` rule.
pub(crate) fn check_id(
    src: &SourceFile,
    kind: &str,
    s: &str,
    at: Range<usize>,
    out: &mut Out,
) -> bool {
    if is_id(s) {
        return true;
    }
    let suggestion: String = s
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    out.push(src.error(
        at,
        format!("invalid {kind} \"{s}\": expected lowercase letters, digits, `-` and `_`, starting with a letter or digit"),
        is_id(&suggestion).then(|| format!("e.g. \"{suggestion}\"")),
    ));
    false
}

/// Basic email shape: `local@domain.tld`, no spaces, one `@`.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

/// An `http://` or `https://` link with a host and no spaces.
pub(crate) fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

fn zone_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_string())
            .collect();
        names.sort();
        names
    })
}

/// An IANA zone name, looked up in the bundled database; spelled as the
/// database spells it.
pub(crate) fn zone(src: &SourceFile, v: &Val<'_>, out: &mut Out) -> Option<Zone> {
    let s = string(src, v, out)?;
    let names = zone_names();
    if let Some(name) = names.iter().find(|n| n.eq_ignore_ascii_case(&s))
        && let Some(z) = Zone::iana(name)
    {
        return Some(z);
    }
    let hint = did_you_mean(closest_zone(&s, names)).or_else(|| {
        Some("use an IANA name such as \"America/Chicago\" or \"Europe/London\"".to_string())
    });
    out.push(src.error(
        v.span(),
        format!("unknown time zone \"{s}\": expected an IANA time-zone name"),
        hint,
    ));
    None
}

/// `weekly` | `fortnightly` | `every N weeks` | `monthly 1st|2nd|3rd|4th|last`.
pub(crate) fn cadence(s: &str) -> Result<Cadence, ValueError> {
    let words: Vec<&str> = s.split_whitespace().collect();
    match words.as_slice() {
        ["weekly"] => Ok(Cadence::Weekly),
        ["fortnightly"] | ["biweekly"] => Ok(Cadence::EveryWeeks(2)),
        ["every", n, "weeks" | "week"] => match n.parse::<u32>() {
            Ok(1) => Err(ValueError::EveryOneWeek),
            Ok(n @ 2..=12) => Ok(Cadence::EveryWeeks(n)),
            _ => Err(ValueError::EveryWeeks(n.to_string())),
        },
        ["monthly", nth] => match *nth {
            "1st" | "first" => Ok(Cadence::MonthlyNth(1)),
            "2nd" | "second" => Ok(Cadence::MonthlyNth(2)),
            "3rd" | "third" => Ok(Cadence::MonthlyNth(3)),
            "4th" | "fourth" => Ok(Cadence::MonthlyNth(4)),
            "last" => Ok(Cadence::MonthlyNth(-1)),
            _ => Err(ValueError::MonthlyNth(nth.to_string())),
        },
        _ => Err(ValueError::Cadence(s.to_string())),
    }
}

/// Keys of a working-hours table.
pub(crate) const HOURS_KEYS: [&str; 8] =
    ["weekdays", "mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The organization default when `[working_hours]` is absent.
pub(crate) fn default_hours() -> WorkingHours {
    WorkingHours::weekdays(Time::constant(9, 0, 0, 0), Time::constant(17, 0, 0, 0))
}

/// Reads a working-hours table: each day from its own key, else (mon..fri)
/// from `weekdays`, else off. `None` when anything in it is invalid.
pub(crate) fn working_hours(t: &Table<'_, '_>, out: &mut Out) -> Option<WorkingHours> {
    let before = out.len();
    let read = |key: &str, out: &mut Out| -> Option<Vec<(Time, Time)>> {
        let v = t.get(key)?;
        let mut spans: Vec<(Time, Time)> = match v.get_ref() {
            toml::de::DeValue::String(_) | toml::de::DeValue::Array(_) => strings(t.src, v, out)
                .into_iter()
                .filter_map(|(s, at)| parse_span_at(t.src, &s, at, out))
                .collect(),
            _ => {
                type_error(
                    t.src,
                    v,
                    "a time span or an array of time spans",
                    Some("e.g. \"09:00-17:00\" or [\"08:00-12:00\", \"13:00-17:00\"]".to_string()),
                    out,
                );
                return None;
            }
        };
        spans.sort();
        if let Some(w) = spans.windows(2).find(|w| w[1].0 < w[0].1) {
            out.push(t.src.error(
                v.span(),
                format!(
                    "time spans {} and {} overlap",
                    show_span(w[0]),
                    show_span(w[1])
                ),
                Some("merge them into one span".to_string()),
            ));
        }
        Some(spans)
    };
    let weekdays = read("weekdays", out);
    let mut hours = WorkingHours::default();
    for (i, day) in DAYS.iter().enumerate() {
        hours.days[i] = match read(day, out) {
            Some(spans) => spans,
            None if i < 5 => weekdays.clone().unwrap_or_default(),
            None => Vec::new(),
        };
    }
    if out.len() != before {
        return None;
    }
    if hours.days.iter().all(Vec::is_empty) {
        out.push(t.src.error(
            t.span.clone(),
            format!("{} gives no working time on any day", t.what),
            Some("add e.g. `weekdays = \"09:00-17:00\"`".to_string()),
        ));
        return None;
    }
    Some(hours)
}

#[cfg(test)]
mod tests;
