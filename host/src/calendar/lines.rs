//! From bytes to a tree of components whose properties keep their line
//! numbers.
//!
//! Unfolding and property splitting are done by the `ical` crate's
//! [`ical::PropertyParser`] (the layer its `IcalParser` is built on). We walk
//! BEGIN/END ourselves so that every property keeps the line it started on,
//! which `IcalParser` drops, and so that properties we never use (SUMMARY
//! unless needed, DESCRIPTION, LOCATION, ATTENDEE, …) are dropped at once.
//! `ical`'s own error texts are never passed on: each variant is mapped to a
//! message of ours that holds no input text.

use std::cell::Cell;
use std::io::{BufRead, Read};
use std::rc::Rc;

use ical::LineReader;
use ical::PropertyParser;
use ical::property::PropertyError;

use super::CalendarError;

/// The components we read; everything else is skipped with its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Calendar,
    Event,
    FreeBusy,
    Timezone,
    Standard,
    Daylight,
    Other,
}

impl Kind {
    fn of(name: &str) -> Kind {
        match name.to_ascii_uppercase().as_str() {
            "VCALENDAR" => Kind::Calendar,
            "VEVENT" => Kind::Event,
            "VFREEBUSY" => Kind::FreeBusy,
            "VTIMEZONE" => Kind::Timezone,
            "STANDARD" => Kind::Standard,
            "DAYLIGHT" => Kind::Daylight,
            _ => Kind::Other,
        }
    }

    /// Property names this component needs; others are dropped on sight.
    fn keeps(self, name: &str, keep_text: bool) -> bool {
        match self {
            Kind::Event => matches!(
                name,
                "DTSTART"
                    | "DTEND"
                    | "DURATION"
                    | "RRULE"
                    | "RDATE"
                    | "EXDATE"
                    | "RECURRENCE-ID"
                    | "UID"
                    | "STATUS"
                    | "TRANSP"
            ) || (keep_text && matches!(name, "SUMMARY" | "CATEGORIES")),
            Kind::FreeBusy => name == "FREEBUSY",
            Kind::Timezone => name == "TZID",
            Kind::Standard | Kind::Daylight => matches!(
                name,
                "DTSTART" | "TZOFFSETFROM" | "TZOFFSETTO" | "RRULE" | "RDATE"
            ),
            Kind::Calendar | Kind::Other => false,
        }
    }
}

/// One content line: upper-cased name, parameters (keys upper-cased by
/// `ical`), value, and the line it started on.
#[derive(Debug, Clone)]
pub(crate) struct Prop {
    pub name: String,
    pub params: Vec<(String, Vec<String>)>,
    pub value: String,
    pub line: usize,
}

impl Prop {
    /// The first value of parameter `key` (upper-case), if any.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.first())
            .map(String::as_str)
    }
}

/// A component with the properties we keep and its children.
#[derive(Debug, Clone)]
pub(crate) struct Comp {
    pub kind: Kind,
    pub line: usize,
    pub props: Vec<Prop>,
    pub children: Vec<Comp>,
}

impl Comp {
    /// The first property called `name`.
    pub fn prop(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }

    /// Every property called `name`, in file order.
    pub fn props_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Prop> + 'a {
        self.props.iter().filter(move |p| p.name == name)
    }
}

/// A `BufRead` over a byte slice that counts the lines consumed, so
/// that after `ical` hands us a property we know on which line the next one
/// starts (its reader reads exactly one line ahead).
struct Counting<'a> {
    data: &'a [u8],
    pos: usize,
    newlines: Rc<Cell<usize>>,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.data[self.pos..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Counting<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(&self.data[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        let end = (self.pos + amt).min(self.data.len());
        let mut n = self.data[self.pos..end].iter().filter(|&&b| b == b'\n').count();
        // A last line without a line break still starts a line.
        if end == self.data.len() && end > self.pos && self.data[end - 1] != b'\n' {
            n += 1;
        }
        self.newlines.set(self.newlines.get() + n);
        self.pos = end;
    }
}

/// Reads every VCALENDAR of `data` into component trees. `keep_text` keeps
/// SUMMARY and CATEGORIES of events (only for client-facing matching).
pub(crate) fn read_tree(
    label: &str,
    data: &[u8],
    keep_text: bool,
) -> Result<Vec<Comp>, CalendarError> {
    if let Err(e) = std::str::from_utf8(data) {
        let line = 1 + data[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count();
        return Err(CalendarError::at(label, line, "is not valid UTF-8 text"));
    }
    let newlines = Rc::new(Cell::new(0usize));
    let reader = Counting {
        data,
        pos: 0,
        newlines: Rc::clone(&newlines),
    };
    let first_line = 1 + data
        .split(|&b| b == b'\n')
        .take_while(|l| l.iter().all(|b| b.is_ascii_whitespace()))
        .count();
    let parser = PropertyParser::new(LineReader::new(reader));
    let mut roots = Vec::new();
    let mut stack: Vec<Comp> = Vec::new();
    let mut line = first_line;
    for item in parser {
        let prop = item.map_err(|e| property_error(label, &e))?;
        let this_line = line;
        // The reader has now consumed the first physical line of the next
        // property (or reached the end).
        line = newlines.get();
        let name = prop.name.to_ascii_uppercase();
        match name.as_str() {
            "BEGIN" => {
                let kind = Kind::of(prop.value.as_deref().unwrap_or(""));
                if stack.is_empty() && kind != Kind::Calendar {
                    return Err(CalendarError::at(
                        label,
                        this_line,
                        "expected BEGIN:VCALENDAR here; is this an iCalendar (.ics) file?",
                    ));
                }
                stack.push(Comp {
                    kind,
                    line: this_line,
                    props: Vec::new(),
                    children: Vec::new(),
                });
            }
            "END" => {
                let Some(done) = stack.pop() else {
                    return Err(CalendarError::at(
                        label,
                        this_line,
                        "END without a matching BEGIN",
                    ));
                };
                if Kind::of(prop.value.as_deref().unwrap_or("")) != done.kind {
                    return Err(CalendarError::at(
                        label,
                        this_line,
                        &format!("END does not match the BEGIN on line {}", done.line),
                    ));
                }
                match stack.last_mut() {
                    Some(parent) => {
                        if done.kind != Kind::Other && parent.kind != Kind::Other {
                            parent.children.push(done);
                        }
                    }
                    None => roots.push(done),
                }
            }
            _ => {
                let Some(top) = stack.last_mut() else {
                    return Err(CalendarError::at(
                        label,
                        this_line,
                        "expected BEGIN:VCALENDAR here; is this an iCalendar (.ics) file?",
                    ));
                };
                if top.kind.keeps(&name, keep_text) {
                    top.props.push(Prop {
                        name,
                        params: prop.params.unwrap_or_default(),
                        value: prop.value.unwrap_or_default(),
                        line: this_line,
                    });
                }
            }
        }
    }
    if let Some(open) = stack.last() {
        return Err(CalendarError::at(
            label,
            open.line,
            "the file ends before this component's END line (truncated file?)",
        ));
    }
    if roots.is_empty() {
        return Err(CalendarError::whole(
            label,
            "holds no VCALENDAR; is this an iCalendar (.ics) file?",
        ));
    }
    Ok(roots)
}

/// Our wording for `ical`'s property errors (theirs are not passed on).
fn property_error(label: &str, e: &PropertyError) -> CalendarError {
    let (line, msg) = match e {
        PropertyError::MissingName { line } => (*line, "a content line has no property name"),
        PropertyError::MissingClosingQuote { line } => {
            (*line, "a quoted parameter value has no closing quote")
        }
        PropertyError::MissingDelimiter { line, .. } => {
            (*line, "a parameter has no '=' before its value")
        }
        PropertyError::MissingContentAfter { line, .. } => {
            (*line, "a content line has no ':' before its value")
        }
        PropertyError::MissingParamKey { line } => (*line, "a parameter has no name"),
    };
    CalendarError::at(label, line, msg)
}
