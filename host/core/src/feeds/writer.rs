//! RFC 5545 content lines: TEXT escaping, parameter quoting, and folding at
//! 75 octets without splitting a UTF-8 character, with CRLF line ends.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

/// The longest a physical line may be, in octets, not counting CRLF.
pub const MAX_LINE_OCTETS: usize = 75;

/// Escapes a TEXT value (RFC 5545 §3.3.11): `\`, `;`, `,` get a backslash,
/// every line break (CRLF, CR or LF) becomes `\n`. Other control characters,
/// which TEXT may not hold, become spaces; a tab is kept.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (RFC 5545 §3.2): quoted when it holds `:`, `;` or `,`.
/// A parameter value can hold neither a double quote nor a control
/// character, so those become `'` and a space.
pub fn param_value(value: &str) -> String {
    let clean: String = value
        .chars()
        .map(|c| match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// A URI value: written as is, minus characters no content line may hold.
pub fn uri_value(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// Folds one logical content line (without its line end) into physical
/// lines of at most [`MAX_LINE_OCTETS`] octets each, every one ending in
/// CRLF. Continuation lines start with a single space, which counts towards
/// the limit. Breaks fall only between characters.
pub fn fold(line: &str, out: &mut String) {
    let mut limit = MAX_LINE_OCTETS;
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > limit {
            out.push_str("\r\n ");
            used = 0;
            limit = MAX_LINE_OCTETS - 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

/// Undoes [`fold`]: removes every CRLF followed by one space or tab.
pub fn unfold(text: &str) -> String {
    text.replace("\r\n ", "").replace("\r\n\t", "")
}

/// Collects content lines into an iCalendar object.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// Writes `NAME[;params]:value`; `value` must already be escaped for its
    /// type (see [`escape_text`], [`uri_value`]) and `params` already be
    /// `KEY=value` pairs with [`param_value`] applied.
    pub fn raw(&mut self, name: &str, params: &[(&str, String)], value: &str) {
        let mut line = String::with_capacity(name.len() + value.len() + 16);
        line.push_str(name);
        for (key, val) in params {
            line.push(';');
            line.push_str(key);
            line.push('=');
            line.push_str(val);
        }
        line.push(':');
        line.push_str(value);
        fold(&line, &mut self.out);
    }

    /// Writes a TEXT property, escaping the value.
    pub fn text(&mut self, name: &str, value: &str) {
        self.raw(name, &[], &escape_text(value));
    }

    /// `BEGIN:<component>`.
    pub fn begin(&mut self, component: &str) {
        self.raw("BEGIN", &[], component);
    }

    /// `END:<component>`.
    pub fn end(&mut self, component: &str) {
        self.raw("END", &[], component);
    }

    /// The finished text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// A UTC DATE-TIME value, `YYYYMMDDTHHMMSSZ` (sub-seconds dropped).
pub fn utc_stamp(ts: Timestamp) -> String {
    format!("{}Z", local_stamp(ts.to_zoned(TimeZone::UTC).datetime()))
}

/// A local DATE-TIME value, `YYYYMMDDTHHMMSS`.
pub fn local_stamp(dt: DateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// A UTC-OFFSET value, `+HHMM` or `+HHMMSS` when there are seconds.
pub fn utc_offset(offset: Offset) -> String {
    let total = offset.seconds();
    let sign = if total < 0 { '-' } else { '+' };
    let abs = total.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

#[cfg(test)]
mod tests;
