//! Content lines into properties (name, parameters, value).
//!
//! Parameters are parsed by the `ical` crate's [`PropertyParser`]. A large
//! file repeats the same few parameter lists (`DTSTART;TZID=Europe/Paris:`
//! on every event), so [`ParamCache`] parses each distinct text before the
//! value once and shares the result. `ical`'s own error texts are never
//! passed on: each variant is mapped to a message of ours that holds no
//! input text.

use std::collections::HashMap;
use std::sync::Arc;

use ical::PropertyParser;
use ical::property::{Property, PropertyError};

use super::CalendarError;

/// Parameters as `ical` gives them: upper-cased keys, each with its values.
pub(crate) type Params = Vec<(String, Vec<String>)>;

/// The properties read; every other is skipped without being decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PropName {
    Dtstart,
    Dtend,
    Duration,
    Rrule,
    Rdate,
    Exdate,
    RecurrenceId,
    Uid,
    Status,
    Transp,
    Sequence,
    Dtstamp,
    Summary,
    Categories,
    Freebusy,
    Tzid,
    TzoffsetFrom,
    TzoffsetTo,
}

impl PropName {
    /// The property an upper-case name stands for, if it is one we read.
    pub(crate) fn of(upper: &[u8]) -> Option<PropName> {
        Some(match upper {
            b"DTSTART" => PropName::Dtstart,
            b"DTEND" => PropName::Dtend,
            b"DURATION" => PropName::Duration,
            b"RRULE" => PropName::Rrule,
            b"RDATE" => PropName::Rdate,
            b"EXDATE" => PropName::Exdate,
            b"RECURRENCE-ID" => PropName::RecurrenceId,
            b"UID" => PropName::Uid,
            b"STATUS" => PropName::Status,
            b"TRANSP" => PropName::Transp,
            b"SEQUENCE" => PropName::Sequence,
            b"DTSTAMP" => PropName::Dtstamp,
            b"SUMMARY" => PropName::Summary,
            b"CATEGORIES" => PropName::Categories,
            b"FREEBUSY" => PropName::Freebusy,
            b"TZID" => PropName::Tzid,
            b"TZOFFSETFROM" => PropName::TzoffsetFrom,
            b"TZOFFSETTO" => PropName::TzoffsetTo,
            _ => return None,
        })
    }

    /// The name as RFC 5545 spells it (used in messages).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PropName::Dtstart => "DTSTART",
            PropName::Dtend => "DTEND",
            PropName::Duration => "DURATION",
            PropName::Rrule => "RRULE",
            PropName::Rdate => "RDATE",
            PropName::Exdate => "EXDATE",
            PropName::RecurrenceId => "RECURRENCE-ID",
            PropName::Uid => "UID",
            PropName::Status => "STATUS",
            PropName::Transp => "TRANSP",
            PropName::Sequence => "SEQUENCE",
            PropName::Dtstamp => "DTSTAMP",
            PropName::Summary => "SUMMARY",
            PropName::Categories => "CATEGORIES",
            PropName::Freebusy => "FREEBUSY",
            PropName::Tzid => "TZID",
            PropName::TzoffsetFrom => "TZOFFSETFROM",
            PropName::TzoffsetTo => "TZOFFSETTO",
        }
    }
}

impl std::fmt::Display for PropName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One content line: its name, parameters (None when the line has none),
/// value, and the line it started on.
#[derive(Debug, Clone)]
pub(crate) struct Prop {
    pub name: PropName,
    pub params: Option<Arc<Params>>,
    pub value: String,
    pub line: usize,
}

impl Prop {
    /// The first value of parameter `key` (upper-case), if any.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .as_deref()?
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }
}

/// Distinct parameter texts one cache keeps (a file rarely has more).
const CACHE_CAP: usize = 1024;

/// Parameters already parsed, by the line's text before its value.
#[derive(Default)]
pub(crate) struct ParamCache {
    seen: HashMap<Box<[u8]>, Arc<Params>>,
}

impl ParamCache {
    /// The parameters and value of a logical line that has parameters.
    ///
    /// When the text before the first `:` holds no quote, `ical` parses that
    /// text (with the `:`) once; if it reads it as name and parameters with
    /// an empty value, the whole line parses to the same parameters and to
    /// the rest of the line as value (`ical` looks no further than the first
    /// `:` for parameters without quotes), which is what is returned. Any
    /// other line goes through `ical` whole.
    pub(crate) fn parse(
        &mut self,
        label: &str,
        line: usize,
        text: &[u8],
    ) -> Result<(Arc<Params>, String), CalendarError> {
        if let Some(colon) = memchr::memchr(b':', text)
            && !text[..colon].contains(&b'"')
            && let Ok(rest) = std::str::from_utf8(&text[colon + 1..])
            && let Some(params) = self.params_of(&text[..=colon])
        {
            // `ical` trims the line's end and every ':' before the value.
            let value = rest.trim_end().trim_start_matches(':').to_string();
            return Ok((params, value));
        }
        let prop = parse_property(label, line, text)?;
        Ok((
            Arc::new(prop.params.unwrap_or_default()),
            prop.value.unwrap_or_default(),
        ))
    }

    /// The parameters of `head` (name, parameters and the `:`), when `ical`
    /// reads it with no value left over.
    fn params_of(&mut self, head: &[u8]) -> Option<Arc<Params>> {
        if let Some(p) = self.seen.get(head) {
            return Some(p.clone());
        }
        let parsed = match PropertyParser::from_reader(head).next() {
            Some(Ok(p)) if p.value.is_none() => Arc::new(p.params.unwrap_or_default()),
            _ => return None,
        };
        if self.seen.len() < CACHE_CAP {
            self.seen.insert(head.into(), parsed.clone());
        }
        Some(parsed)
    }
}

/// The value of a `NAME:value` line without parameters (the common case,
/// read without `ical`'s per-line allocations); None when the line has
/// parameters or anything unusual, which then goes to `ical`.
pub(crate) fn simple_property(text: &[u8]) -> Option<String> {
    let colon = text.iter().position(|&b| b == b':')?;
    if colon == 0 || text[..colon].iter().any(|&b| b == b';' || b == b'"') {
        return None;
    }
    let value = std::str::from_utf8(&text[colon + 1..]).ok()?.trim();
    Some(value.to_string())
}

/// One logical line through `ical`'s property parser; its errors carry the
/// line number we know.
fn parse_property(label: &str, line: usize, text: &[u8]) -> Result<Property, CalendarError> {
    match PropertyParser::from_reader(text).next() {
        Some(Ok(p)) => Ok(p),
        Some(Err(e)) => Err(property_error(label, line, &e)),
        None => Err(CalendarError::at(label, line, "a content line is empty")),
    }
}

/// Our wording for `ical`'s property errors (theirs are not passed on).
fn property_error(label: &str, line: usize, e: &PropertyError) -> CalendarError {
    let msg = match e {
        PropertyError::MissingName { .. } => "a content line has no property name",
        PropertyError::MissingClosingQuote { .. } => {
            "a quoted parameter value has no closing quote"
        }
        PropertyError::MissingDelimiter { .. } => "a parameter has no '=' before its value",
        PropertyError::MissingContentAfter { .. } => "a content line has no ':' before its value",
        PropertyError::MissingParamKey { .. } => "a parameter has no name",
    };
    CalendarError::at(label, line, msg)
}

#[cfg(test)]
mod tests;
