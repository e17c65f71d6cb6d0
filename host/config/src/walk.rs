//! Walking a parsed TOML tree with spans: typed reads that report wrong
//! types, missing keys and unknown keys instead of stopping at the first.

use std::ops::{Range, RangeInclusive};

use jiff::civil::Date;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::diagnostic::Diagnostic;
use super::source::SourceFile;
use super::suggest::{closest, did_you_mean};

/// A value with its byte span in the file.
pub(crate) type Val<'i> = Spanned<DeValue<'i>>;

/// Where diagnostics go while a file is checked.
pub(crate) type Out = Vec<Diagnostic>;

/// "a string", "an integer", …: what a value is, for "found …" messages.
pub(crate) fn found(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(dt) => match (dt.date.is_some(), dt.time.is_some()) {
            (true, false) => "a date",
            (false, true) => "a time of day",
            _ => "a date-time",
        },
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// Reports "expected X, found Y" at the value.
pub(crate) fn type_error(
    src: &SourceFile,
    v: &Val<'_>,
    expected: &str,
    hint: Option<String>,
    out: &mut Out,
) {
    out.push(src.error(
        v.span(),
        format!("expected {expected}, found {}", found(v.get_ref())),
        hint,
    ));
}

/// The value as a string, or a type error.
pub(crate) fn string(src: &SourceFile, v: &Val<'_>, out: &mut Out) -> Option<String> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        _ => {
            type_error(
                src,
                v,
                "a string",
                Some("put the text in double quotes".to_string()),
                out,
            );
            None
        }
    }
}

/// The value as a non-empty string (after trimming), or an error.
pub(crate) fn text(src: &SourceFile, v: &Val<'_>, out: &mut Out) -> Option<String> {
    let s = string(src, v, out)?;
    if s.trim().is_empty() {
        out.push(src.error(v.span(), "expected a non-empty string, found \"\"", None));
        return None;
    }
    Some(s)
}

/// The value as an integer in `range`, or an error.
pub(crate) fn integer(
    src: &SourceFile,
    v: &Val<'_>,
    range: RangeInclusive<i64>,
    out: &mut Out,
) -> Option<i64> {
    let n = match v.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
        DeValue::String(s) if s.trim().parse::<i64>().is_ok() => {
            type_error(
                src,
                v,
                "an integer",
                Some(format!("remove the quotes: {}", s.trim())),
                out,
            );
            return None;
        }
        _ => {
            type_error(src, v, "an integer", None, out);
            return None;
        }
    };
    match n {
        Some(n) if range.contains(&n) => Some(n),
        _ => {
            out.push(src.error(
                v.span(),
                format!(
                    "expected an integer from {} to {}, found {}",
                    range.start(),
                    range.end(),
                    v.get_ref().as_integer().map_or("", |i| i.as_str())
                ),
                None,
            ));
            None
        }
    }
}

/// The value as a boolean, or an error.
pub(crate) fn boolean(src: &SourceFile, v: &Val<'_>, out: &mut Out) -> Option<bool> {
    match v.get_ref() {
        DeValue::Boolean(b) => Some(*b),
        _ => {
            type_error(
                src,
                v,
                "a boolean",
                Some("use true or false, without quotes".to_string()),
                out,
            );
            None
        }
    }
}

/// The value as a TOML local date (`2026-03-02`), or an error.
pub(crate) fn date(src: &SourceFile, v: &Val<'_>, out: &mut Out) -> Option<Date> {
    match v.get_ref() {
        DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let d = dt.date?;
            match Date::new(d.year as i16, d.month as i8, d.day as i8) {
                Ok(date) => Some(date),
                Err(_) => {
                    out.push(src.error(
                        v.span(),
                        format!("expected a valid date, found {d}"),
                        None,
                    ));
                    None
                }
            }
        }
        DeValue::String(s) if s.parse::<Date>().is_ok() => {
            type_error(
                src,
                v,
                "a date",
                Some(format!("write the date without quotes: {s}")),
                out,
            );
            None
        }
        _ => {
            type_error(
                src,
                v,
                "a date",
                Some("write a local date without quotes, e.g. 2026-03-02".to_string()),
                out,
            );
            None
        }
    }
}

/// The value as an array, or an error.
pub(crate) fn array<'a, 'i>(
    src: &SourceFile,
    v: &'a Val<'i>,
    what: &str,
    out: &mut Out,
) -> Option<&'a DeArray<'i>> {
    match v.get_ref() {
        DeValue::Array(a) => Some(a),
        _ => {
            type_error(src, v, what, None, out);
            None
        }
    }
}

/// A string or an array of strings, as (text, span) pairs; a lone string is
/// one element. Wrong elements are reported and skipped.
pub(crate) fn strings(src: &SourceFile, v: &Val<'_>, out: &mut Out) -> Vec<(String, Range<usize>)> {
    match v.get_ref() {
        DeValue::String(s) => vec![(s.to_string(), v.span())],
        DeValue::Array(a) => a
            .iter()
            .filter_map(|e| string(src, e, out).map(|s| (s, e.span())))
            .collect(),
        _ => {
            type_error(src, v, "a string or an array of strings", None, out);
            Vec::new()
        }
    }
}

/// One table of a file, with the keys it allows.
pub(crate) struct Table<'a, 'i> {
    pub src: &'a SourceFile,
    pub table: &'a DeTable<'i>,
    /// The table's header (or inline table); `0..0` for the file's root.
    pub span: Range<usize>,
    /// How messages name the table, e.g. "[charter]" or "the file".
    pub what: String,
    /// Allowed keys that an unknown key looks like a typo of; their absence
    /// is not reported again as "missing".
    misspelled: Vec<String>,
}

impl<'a, 'i> Table<'a, 'i> {
    /// Wraps `table` and reports every key not in `keys`, with a
    /// did-you-mean from `keys`.
    pub fn new(
        src: &'a SourceFile,
        table: &'a DeTable<'i>,
        span: Range<usize>,
        what: impl Into<String>,
        keys: &[&str],
        out: &mut Out,
    ) -> Table<'a, 'i> {
        let what = what.into();
        let mut misspelled = Vec::new();
        for (k, _) in table.iter() {
            let name: &str = k.get_ref();
            if !keys.contains(&name) {
                let guess = closest(name, keys.iter().copied());
                misspelled.extend(guess.map(str::to_string));
                let hint = did_you_mean(guess)
                    .unwrap_or_else(|| format!("allowed keys here: {}", keys.join(", ")));
                out.push(src.error(
                    k.span(),
                    format!("unknown key `{name}` in {what}"),
                    Some(hint),
                ));
            }
        }
        Table {
            src,
            table,
            span,
            what,
            misspelled,
        }
    }

    /// The value under `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'a Val<'i>> {
        self.table.get(key)
    }

    /// The span of the key itself (for "first defined here" and key errors).
    pub fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.table.get_key_value(key).map(|(k, _)| k.span())
    }

    /// The value under `key`, or a "missing required key" error pointing at
    /// the table header (or the start of the file).
    pub fn required(&self, key: &str, example: &str, out: &mut Out) -> Option<&'a Val<'i>> {
        let v = self.get(key);
        if v.is_none() && !self.misspelled.iter().any(|m| m == key) {
            out.push(self.src.error(
                self.span.clone(),
                format!("missing required key `{key}` in {}", self.what),
                Some(format!("add e.g. `{example}`")),
            ));
        }
        v
    }

    /// An optional sub-table under `key` with its own allowed keys.
    pub fn table(&self, key: &str, keys: &[&str], out: &mut Out) -> Option<Table<'a, 'i>> {
        let v = self.get(key)?;
        self.as_table(v, &format!("[{key}]"), keys, out)
    }

    /// `v` as a table (reported if it is not one).
    pub fn as_table(
        &self,
        v: &'a Val<'i>,
        what: &str,
        keys: &[&str],
        out: &mut Out,
    ) -> Option<Table<'a, 'i>> {
        match v.get_ref() {
            DeValue::Table(t) => Some(Table::new(self.src, t, v.span(), what, keys, out)),
            _ => {
                type_error(self.src, v, "a table", None, out);
                None
            }
        }
    }

    /// An optional string.
    pub fn string(&self, key: &str, out: &mut Out) -> Option<String> {
        string(self.src, self.get(key)?, out)
    }

    /// A required non-empty string.
    pub fn required_text(&self, key: &str, example: &str, out: &mut Out) -> Option<String> {
        text(self.src, self.required(key, example, out)?, out)
    }

    /// An optional integer in `range`.
    pub fn integer(&self, key: &str, range: RangeInclusive<i64>, out: &mut Out) -> Option<i64> {
        integer(self.src, self.get(key)?, range, out)
    }

    /// An optional boolean.
    pub fn boolean(&self, key: &str, out: &mut Out) -> Option<bool> {
        boolean(self.src, self.get(key)?, out)
    }

    /// An optional local date.
    pub fn date(&self, key: &str, out: &mut Out) -> Option<Date> {
        date(self.src, self.get(key)?, out)
    }

    /// The file's `version`: required and equal to 1.
    pub fn version(&self, out: &mut Out) {
        let Some(v) = self.required("version", "version = 1", out) else {
            return;
        };
        if let Some(n) = integer(self.src, v, i64::MIN..=i64::MAX, out)
            && n != 1
        {
            out.push(self.src.error(
                v.span(),
                format!("unsupported version {n}: this peerwell reads version 1"),
                Some("set `version = 1`".to_string()),
            ));
        }
    }
}
