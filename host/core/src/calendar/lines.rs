//! From bytes to a tree of components whose properties keep their line
//! numbers.
//!
//! Property syntax (parameters, quoting, values) is parsed by the `ical`
//! crate's [`ical::PropertyParser`] (the layer its `IcalParser` is built
//! on), in [`super::props`]. We unfold lines and walk BEGIN/END ourselves so that every property
//! keeps the line it started on, which `IcalParser` drops, and so that
//! properties we never use (SUMMARY unless needed, DESCRIPTION, LOCATION,
//! ATTENDEE, …) are skipped without being copied.

use super::props::{ParamCache, simple_property};
pub(crate) use super::props::{Prop, PropName};
use super::{CalendarError, Warning};

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

    /// Whether this component needs property `name`; others are dropped
    /// on sight (SUMMARY and CATEGORIES of events only with `keep_text`).
    fn keeps(self, name: PropName, keep_text: bool) -> bool {
        use PropName as P;
        match self {
            Kind::Event => match name {
                P::Dtstart
                | P::Dtend
                | P::Duration
                | P::Rrule
                | P::Rdate
                | P::Exdate
                | P::RecurrenceId
                | P::Uid
                | P::Status
                | P::Transp
                | P::Sequence
                | P::Dtstamp => true,
                P::Summary | P::Categories => keep_text,
                _ => false,
            },
            Kind::FreeBusy => name == P::Freebusy,
            Kind::Timezone => name == P::Tzid,
            Kind::Standard | Kind::Daylight => matches!(
                name,
                P::Dtstart | P::TzoffsetFrom | P::TzoffsetTo | P::Rrule | P::Rdate
            ),
            Kind::Calendar | Kind::Other => false,
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
    pub fn prop(&self, name: PropName) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }

    /// Every property called `name`, in file order.
    pub fn props_named(&self, name: PropName) -> impl Iterator<Item = &Prop> + '_ {
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
    pub warnings: Vec<Warning>,
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
    sink: &mut Sink<'_>,
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

/// The receiver of each finished top-level component of a calendar.
type Sink<'s> = dyn FnMut(Comp) -> Result<(), CalendarError> + 's;

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
    sink: &mut Sink<'_>,
) -> Result<SpanEnd, CalendarError> {
    let skip = if start.lines_before == 0 && data.starts_with(BOM) {
        BOM.len()
    } else {
        0
    };
    let mut r = SpanReader {
        label,
        keep_text,
        lines: Logical {
            data,
            pos: skip,
            line: start.lines_before,
        },
        roots: 0,
        deep: (0, 0),
        warnings: Vec::new(),
        trailing: false,
        params: ParamCache::default(),
        stack: Vec::new(),
    };
    if start.in_calendar {
        // Its BEGIN line is in an earlier span; 0 is never reported (a
        // span that ends in error is read again as part of the whole file).
        r.stack.push(Comp {
            kind: Kind::Calendar,
            line: 0,
            props: Vec::new(),
            children: Vec::new(),
        });
    }
    while let Some((this_line, first)) = r.lines.next_start() {
        r.logical_line(this_line, first, sink)?;
    }
    Ok(SpanEnd {
        open: r.stack.iter().map(|c| (c.kind, c.line)).collect(),
        roots: r.roots,
        deep: r.deep,
        warnings: r.warnings,
    })
}

/// The state of [`read_span`] between logical lines.
struct SpanReader<'a, 'l> {
    label: &'l str,
    keep_text: bool,
    lines: Logical<'a>,
    /// VCALENDARs closed so far.
    roots: usize,
    /// Components open past [`MAX_DEPTH`], and the BEGIN line of the outermost.
    deep: (usize, usize),
    warnings: Vec<Warning>,
    /// Whether text after the last END:VCALENDAR was warned about.
    trailing: bool,
    params: ParamCache,
    /// The open components, outer first.
    stack: Vec<Comp>,
}

/// The error of a line where a VCALENDAR must begin.
fn expected_calendar(label: &str, line: usize) -> CalendarError {
    CalendarError::at(
        label,
        line,
        "expected BEGIN:VCALENDAR here; is this an iCalendar (.ics) file?",
    )
}

impl<'a> SpanReader<'a, '_> {
    /// Reads the logical line that starts at physical line `this_line`
    /// with `first`.
    fn logical_line(
        &mut self,
        this_line: usize,
        first: &'a [u8],
        sink: &mut Sink<'_>,
    ) -> Result<(), CalendarError> {
        // The name is complete on the first physical line unless it is
        // folded itself (then unfold to see it).
        let named = first.iter().any(|&b| b == b';' || b == b':');
        let folded = (!named).then(|| self.lines.unfold(first));
        let raw_name = name_of(folded.as_deref().unwrap_or(first));
        let is_begin = raw_name.eq_ignore_ascii_case(b"BEGIN");
        let is_end = raw_name.eq_ignore_ascii_case(b"END");
        if (self.deep.0 > 0 || (self.stack.is_empty() && self.roots > 0))
            && skip_line(
                &mut self.lines,
                folded.as_deref(),
                first,
                (is_begin, is_end),
                &mut self.deep,
            )
        {
            if self.stack.is_empty() && !self.trailing {
                self.trailing = true;
                self.warnings.push(Warning::at(
                    this_line,
                    "text after END:VCALENDAR was ignored",
                ));
            }
            return Ok(());
        }
        if !is_begin && !is_end {
            return self.property(this_line, first, folded.as_ref(), raw_name);
        }
        let text = match folded {
            Some(t) => t,
            None => self.lines.unfold(first),
        };
        let value = text
            .iter()
            .position(|&b| b == b':')
            .map(|i| String::from_utf8_lossy(&text[i + 1..]).trim().to_string())
            .unwrap_or_default();
        let kind = Kind::of(&value);
        if is_begin {
            self.begin(this_line, kind)
        } else {
            self.end(this_line, kind, sink)
        }
    }

    /// Keeps a property line of the open component when its kind needs
    /// it; skips it (without copying it) otherwise.
    fn property(
        &mut self,
        this_line: usize,
        first: &'a [u8],
        folded: Option<&std::borrow::Cow<'a, [u8]>>,
        raw_name: &[u8],
    ) -> Result<(), CalendarError> {
        let Some(top) = self.stack.last() else {
            return Err(expected_calendar(self.label, this_line));
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
        let Some(name) = PropName::of(upper).filter(|&n| top.kind.keeps(n, self.keep_text)) else {
            self.lines.skip_rest();
            return Ok(());
        };
        let text = lossy(match folded {
            Some(t) => t.clone(),
            None => self.lines.unfold(first),
        });
        let prop = self.prop(name, this_line, &text);
        if let Some(top) = self.stack.last_mut() {
            top.props.push(prop);
        }
        Ok(())
    }

    /// A kept line's property. One whose parameters cannot be parsed is
    /// kept with a value nothing reads (the event then fails safe as for
    /// any unreadable value), with a warning.
    fn prop(&mut self, name: PropName, line: usize, text: &[u8]) -> Prop {
        if let Some(value) = simple_property(text) {
            return Prop {
                name,
                params: None,
                value,
                line,
            };
        }
        match self.params.parse(self.label, line, text) {
            Ok((params, value)) => Prop {
                name,
                params: Some(params),
                value,
                line,
            },
            Err(e) => {
                self.warnings.push(Warning::at(line, e.message));
                Prop {
                    name,
                    params: None,
                    value: UNREADABLE.to_string(),
                    line,
                }
            }
        }
    }

    /// Opens a component of `kind` (only a VCALENDAR at the top; past
    /// [`MAX_DEPTH`] it is skipped with a warning).
    fn begin(&mut self, this_line: usize, kind: Kind) -> Result<(), CalendarError> {
        if self.stack.is_empty() && kind != Kind::Calendar {
            return Err(expected_calendar(self.label, this_line));
        }
        if self.stack.len() >= MAX_DEPTH {
            self.deep = (1, this_line);
            self.warnings.push(Warning::at(
                this_line,
                format!(
                    "components nest deeper than {MAX_DEPTH} levels; \
                     this one and everything inside it were ignored"
                ),
            ));
            return Ok(());
        }
        self.stack.push(Comp {
            kind,
            line: this_line,
            props: Vec::new(),
            children: Vec::new(),
        });
        Ok(())
    }

    /// Closes the open component, which must be of `kind`: a calendar's
    /// top-level components go to `sink`, deeper ones to their parent.
    fn end(
        &mut self,
        this_line: usize,
        kind: Kind,
        sink: &mut Sink<'_>,
    ) -> Result<(), CalendarError> {
        let Some(done) = self.stack.pop() else {
            return Err(CalendarError::at(
                self.label,
                this_line,
                "END without a matching BEGIN",
            ));
        };
        if kind != done.kind {
            return Err(CalendarError::at(
                self.label,
                this_line,
                &format!("END does not match the BEGIN on line {}", done.line),
            ));
        }
        match self.stack.len() {
            0 => self.roots += 1,
            1 => {
                if done.kind != Kind::Other {
                    sink(done)?;
                }
            }
            _ => {
                if let Some(parent) = self.stack.last_mut()
                    && done.kind != Kind::Other
                    && parent.kind != Kind::Other
                {
                    parent.children.push(done);
                }
            }
        }
        Ok(())
    }
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
