//! From bytes to a tree of components whose properties keep their line
//! numbers.
//!
//! Property syntax (parameters, quoting, values) is parsed by the `ical`
//! crate's [`ical::PropertyParser`] (the layer its `IcalParser` is built
//! on), in [`super::props`]. We unfold lines and walk BEGIN/END ourselves so that every property
//! keeps the line it started on, which `IcalParser` drops, and so that
//! properties we never use (SUMMARY unless needed, DESCRIPTION, LOCATION,
//! ATTENDEE, …) are skipped without being copied.

use super::CalendarError;
pub(crate) use super::props::Prop;
use super::props::{ParamCache, simple_property};

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

    /// The property names this component needs; others are dropped on
    /// sight (SUMMARY and CATEGORIES of events only with `keep_text`).
    fn keeps(self, keep_text: bool) -> &'static [&'static str] {
        match self {
            Kind::Event if keep_text => &[
                "DTSTART",
                "DTEND",
                "DURATION",
                "RRULE",
                "RDATE",
                "EXDATE",
                "RECURRENCE-ID",
                "UID",
                "STATUS",
                "TRANSP",
                "SEQUENCE",
                "DTSTAMP",
                "SUMMARY",
                "CATEGORIES",
            ],
            Kind::Event => &[
                "DTSTART",
                "DTEND",
                "DURATION",
                "RRULE",
                "RDATE",
                "EXDATE",
                "RECURRENCE-ID",
                "UID",
                "STATUS",
                "TRANSP",
                "SEQUENCE",
                "DTSTAMP",
            ],
            Kind::FreeBusy => &["FREEBUSY"],
            Kind::Timezone => &["TZID"],
            Kind::Standard | Kind::Daylight => {
                &["DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "RRULE", "RDATE"]
            }
            Kind::Calendar | Kind::Other => &[],
        }
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

/// The property name of a logical line (up to the first `;` or `:`).
fn name_of(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .position(|&b| b == b';' || b == b':')
        .unwrap_or(line.len());
    &line[..end]
}

/// Logical lines of `data`: (first physical line number, bytes). Folded
/// lines are joined (CRLF plus one space or tab removed); a line is only
/// copied when it is folded.
struct Logical<'a> {
    data: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> Logical<'a> {
    fn physical(&mut self) -> Option<&'a [u8]> {
        if self.pos >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.pos..];
        let len = memchr::memchr(b'\n', rest);
        let (line, adv) = match len {
            Some(n) => (&rest[..n], n + 1),
            None => (rest, rest.len()),
        };
        self.pos += adv;
        self.line += 1;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }

    fn next_is_continuation(&self) -> bool {
        matches!(self.data.get(self.pos), Some(b' ' | b'\t'))
    }

    /// The next non-empty physical line that starts a logical line.
    fn next_start(&mut self) -> Option<(usize, &'a [u8])> {
        loop {
            let first = self.physical()?;
            if !first.iter().all(u8::is_ascii_whitespace) {
                return Some((self.line, first));
            }
        }
    }

    /// The whole logical line that starts with `first` (just returned).
    fn unfold(&mut self, first: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        if !self.next_is_continuation() {
            return std::borrow::Cow::Borrowed(first);
        }
        let mut joined = first.to_vec();
        while self.next_is_continuation() {
            if let Some(more) = self.physical() {
                joined.extend_from_slice(&more[1..]);
            }
        }
        std::borrow::Cow::Owned(joined)
    }

    /// Skips the continuation lines of the current logical line.
    fn skip_rest(&mut self) {
        while self.next_is_continuation() {
            self.physical();
        }
    }
}

/// Where a span of a file starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start {
    /// Physical lines of the file before the span (its line numbers follow).
    pub lines_before: usize,
    /// Whether the span starts inside a VCALENDAR (at component depth 1).
    pub in_calendar: bool,
}

/// How a span ended: the components still open (kind, BEGIN line), outer
/// first, how many VCALENDARs closed inside it, the components nested past
/// [`MAX_DEPTH`] still open (with the BEGIN line of the outermost), and
/// what was read leniently.
#[derive(Debug)]
pub(crate) struct SpanEnd {
    pub open: Vec<(Kind, usize)>,
    pub roots: usize,
    pub deep: (usize, usize),
    pub warnings: Vec<String>,
}

impl SpanEnd {
    /// Whether the span ended between the components of one VCALENDAR.
    pub(crate) fn at_calendar_level(&self) -> bool {
        self.deep.0 == 0 && matches!(self.open.as_slice(), [(Kind::Calendar, _)])
    }
}

/// Components nest at most this deep (VCALENDAR is level 1; real files use
/// 3: VCALENDAR, VTIMEZONE, STANDARD). Deeper BEGIN/END pairs are counted
/// and skipped without being kept, so no input can make the component tree
/// (and the recursive drop of it) deep.
pub(crate) const MAX_DEPTH: usize = 16;

/// The value given to a property whose line cannot be parsed: no DATE,
/// DURATION, RRULE or status reads it.
const UNREADABLE: &str = "\u{0}";

/// The UTF-8 byte-order mark some exporters write first.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A kept line's text, with bytes that are not UTF-8 replaced by U+FFFD
/// (a Latin-1 name in a property must not refuse the file).
fn lossy(text: std::borrow::Cow<'_, [u8]>) -> std::borrow::Cow<'_, [u8]> {
    match std::str::from_utf8(&text) {
        Ok(_) => text,
        Err(_) => std::borrow::Cow::Owned(String::from_utf8_lossy(&text).into_owned().into_bytes()),
    }
}

/// Reads every VCALENDAR of `data`, handing each finished component of a
/// calendar (VEVENT, VTIMEZONE, …, with its children) to `sink` as soon as
/// its END is read, so that a large file is never held as a whole tree.
/// `keep_text` keeps SUMMARY and CATEGORIES of events (only for
/// client-facing matching).
///
/// We unfold and number lines ourselves, look at each property name, and
/// hand only the lines we keep to `ical`'s [`PropertyParser`] (parameters,
/// quoting, values). Lines we do not need (DESCRIPTION, LOCATION, …) are
/// never copied: that is most of a typical export's bytes.
#[cfg(test)]
pub(crate) fn read_components(
    label: &str,
    data: &[u8],
    keep_text: bool,
    sink: &mut dyn FnMut(Comp) -> Result<(), CalendarError>,
) -> Result<(), CalendarError> {
    let start = Start {
        lines_before: 0,
        in_calendar: false,
    };
    let end = read_span(label, data, start, keep_text, sink)?;
    check_end(label, &end)
}

/// The errors of a whole file that ends in state `end`: a component left
/// open, or no VCALENDAR at all.
pub(crate) fn check_end(label: &str, end: &SpanEnd) -> Result<(), CalendarError> {
    let deep = (end.deep.0 > 0).then_some(end.deep.1);
    if let Some(line) = deep.or(end.open.last().map(|o| o.1)) {
        return Err(CalendarError::at(
            label,
            line,
            "the file ends before this component's END line (truncated file?)",
        ));
    }
    if end.roots == 0 {
        return Err(CalendarError::whole(
            label,
            "holds no VCALENDAR; is this an iCalendar (.ics) file?",
        ));
    }
    Ok(())
}

/// Reads one span of a file (whole logical lines) that starts in state
/// `start`, handing components to `sink` as they end, and says how it
/// ended. Line numbers in errors count from the file's start. A leading
/// byte-order mark is skipped; lines after the last END:VCALENDAR are
/// ignored with a warning; bytes that are not UTF-8 are replaced in the
/// lines kept (none of the lines skipped is ever decoded).
pub(crate) fn read_span(
    label: &str,
    data: &[u8],
    start: Start,
    keep_text: bool,
    sink: &mut dyn FnMut(Comp) -> Result<(), CalendarError>,
) -> Result<SpanEnd, CalendarError> {
    let skip = if start.lines_before == 0 && data.starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let mut lines = Logical {
        data,
        pos: skip,
        line: start.lines_before,
    };
    let mut roots = 0usize;
    let mut deep = (0usize, 0usize);
    let mut warnings = Vec::new();
    let mut trailing = false;
    let mut params = ParamCache::default();
    let mut stack: Vec<Comp> = Vec::new();
    if start.in_calendar {
        // Its BEGIN line is in an earlier span; 0 is never reported (a
        // span that ends in error is read again as part of the whole file).
        stack.push(Comp {
            kind: Kind::Calendar,
            line: 0,
            props: Vec::new(),
            children: Vec::new(),
        });
    }
    while let Some((this_line, first)) = lines.next_start() {
        // The name is complete on the first physical line unless it is
        // folded itself (then unfold to see it).
        let named = first.iter().any(|&b| b == b';' || b == b':');
        let folded = (!named).then(|| lines.unfold(first));
        let raw_name = name_of(folded.as_deref().unwrap_or(first));
        let is_begin = raw_name.eq_ignore_ascii_case(b"BEGIN");
        let is_end = raw_name.eq_ignore_ascii_case(b"END");
        if (deep.0 > 0 || (stack.is_empty() && roots > 0))
            && skip_line(
                &mut lines,
                folded.as_deref(),
                first,
                (is_begin, is_end),
                &mut deep,
            )
        {
            if stack.is_empty() && !trailing {
                trailing = true;
                warnings.push(format!(
                    "line {this_line}: text after END:VCALENDAR was ignored"
                ));
            }
            continue;
        }
        if !is_begin && !is_end {
            let Some(top) = stack.last_mut() else {
                return Err(CalendarError::at(
                    label,
                    this_line,
                    "expected BEGIN:VCALENDAR here; is this an iCalendar (.ics) file?",
                ));
            };
            // Property names are ASCII; 24 bytes hold every name we keep.
            let mut buf = [0u8; 24];
            let upper = match buf.get_mut(..raw_name.len()) {
                Some(b) => {
                    b.copy_from_slice(raw_name);
                    b.make_ascii_uppercase();
                    &b[..]
                }
                None => &[][..],
            };
            let Some(&name) = top
                .kind
                .keeps(keep_text)
                .iter()
                .find(|n| n.as_bytes() == upper)
            else {
                lines.skip_rest();
                continue;
            };
            let text = lossy(match &folded {
                Some(t) => t.clone(),
                None => lines.unfold(first),
            });
            let prop = match simple_property(&text) {
                Some(value) => Prop {
                    name,
                    params: None,
                    value,
                    line: this_line,
                },
                None => match params.parse(label, this_line, &text) {
                    Ok((params, value)) => Prop {
                        name,
                        params: Some(params),
                        value,
                        line: this_line,
                    },
                    Err(e) => {
                        // Kept with a value nothing reads: the event then
                        // fails safe as for any unreadable value.
                        warnings.push(format!("line {this_line}: {}", e.message));
                        Prop {
                            name,
                            params: None,
                            value: UNREADABLE.to_string(),
                            line: this_line,
                        }
                    }
                },
            };
            top.props.push(prop);
            continue;
        }
        let text = match &folded {
            Some(t) => t.clone(),
            None => lines.unfold(first),
        };
        let value = text
            .iter()
            .position(|&b| b == b':')
            .map(|i| String::from_utf8_lossy(&text[i + 1..]).trim().to_string())
            .unwrap_or_default();
        let kind = Kind::of(&value);
        if is_begin {
            if stack.is_empty() && kind != Kind::Calendar {
                return Err(CalendarError::at(
                    label,
                    this_line,
                    "expected BEGIN:VCALENDAR here; is this an iCalendar (.ics) file?",
                ));
            }
            if stack.len() >= MAX_DEPTH {
                deep = (1, this_line);
                warnings.push(format!(
                    "line {this_line}: components nest deeper than {MAX_DEPTH} levels; \
                     this one and everything inside it were ignored"
                ));
                continue;
            }
            stack.push(Comp {
                kind,
                line: this_line,
                props: Vec::new(),
                children: Vec::new(),
            });
            continue;
        }
        let Some(done) = stack.pop() else {
            return Err(CalendarError::at(
                label,
                this_line,
                "END without a matching BEGIN",
            ));
        };
        if kind != done.kind {
            return Err(CalendarError::at(
                label,
                this_line,
                &format!("END does not match the BEGIN on line {}", done.line),
            ));
        }
        match stack.len() {
            0 => roots += 1,
            1 => {
                if done.kind != Kind::Other {
                    sink(done)?;
                }
            }
            _ => {
                if let Some(parent) = stack.last_mut()
                    && done.kind != Kind::Other
                    && parent.kind != Kind::Other
                {
                    parent.children.push(done);
                }
            }
        }
    }
    Ok(SpanEnd {
        open: stack.iter().map(|c| (c.kind, c.line)).collect(),
        roots,
        deep,
        warnings,
    })
}

/// Handles a line that is not read: inside components nested past
/// [`MAX_DEPTH`] (`deep` counts their open BEGINs), or after the last
/// END:VCALENDAR. False when the line must be read after all (a new
/// BEGIN:VCALENDAR after the last one).
fn skip_line(
    lines: &mut Logical<'_>,
    whole: Option<&[u8]>,
    first: &[u8],
    (is_begin, is_end): (bool, bool),
    deep: &mut (usize, usize),
) -> bool {
    let text = whole.unwrap_or(first);
    if deep.0 == 0 {
        let value = text
            .iter()
            .position(|&b| b == b':')
            .map(|i| &text[i + 1..])
            .unwrap_or_default();
        if is_begin && value.trim_ascii().eq_ignore_ascii_case(b"VCALENDAR") {
            return false;
        }
    } else if is_begin {
        deep.0 += 1;
    } else if is_end {
        deep.0 -= 1;
    }
    if whole.is_none() {
        lines.skip_rest();
    }
    true
}
