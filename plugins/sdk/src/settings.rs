//! Typed readers and checks over a group's flattened `[settings]` table.
//!
//! The host flattens nested tables to dotted keys. [`Settings::top_level`]
//! reassembles the top-level keys so a format can check each one like a TOML
//! value. The `check_*` functions return ready-made diagnostics (override a
//! hint with [`Diagnostic::with_hint`]); the readers (`integer`, `boolean`,
//! ...) assume `validate` accepted the table and fall back to the default for
//! anything else, so planning never panics on unchecked settings.

use std::collections::BTreeMap;

use crate::{Diagnostic, Group, Scalar, Setting, SettingValue};

/// A top-level key of `[settings]`, reassembled from the flattened entries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry<'a> {
    /// A value stored under the key itself.
    Value(&'a SettingValue),
    /// A table or an array of tables (entries under `key.`).
    Table,
}

impl<'a> Entry<'a> {
    /// The scalar, if this is one.
    pub fn scalar(self) -> Option<&'a Scalar> {
        match self {
            Entry::Value(SettingValue::Scalar(s)) => Some(s),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(self) -> Option<&'a str> {
        self.scalar().and_then(Scalar::as_str)
    }

    /// The integer, if this is one.
    pub fn as_integer(self) -> Option<i64> {
        match self.scalar() {
            Some(Scalar::Integer(i)) => Some(*i),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(self) -> Option<bool> {
        match self.scalar() {
            Some(Scalar::Boolean(b)) => Some(*b),
            _ => None,
        }
    }

    /// The array of scalars, if this is one.
    pub fn as_array(self) -> Option<&'a [Scalar]> {
        match self {
            Entry::Value(SettingValue::Array(a)) => Some(a),
            _ => None,
        }
    }
}

/// A view of a group's flattened settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    entries: &'a [Setting],
}

impl<'a> Settings<'a> {
    /// The group's settings.
    pub fn of(group: &'a Group) -> Settings<'a> {
        Settings::new(&group.settings)
    }

    /// A view of flattened entries.
    pub fn new(entries: &'a [Setting]) -> Settings<'a> {
        Settings { entries }
    }

    /// The value stored under exactly `key` (a dotted path).
    pub fn get(&self, key: &str) -> Option<&'a SettingValue> {
        self.entries.iter().find(|s| s.key == key).map(|s| &s.value)
    }

    /// The top-level key `key`, if present.
    pub fn entry(&self, key: &str) -> Option<Entry<'a>> {
        // What `top_level().remove(key)` gives (the last entry under `key`
        // wins), without building the map on every lookup.
        self.entries
            .iter()
            .map(top_entry)
            .rfind(|(top, _)| *top == key)
            .map(|(_, e)| e)
    }

    /// The top-level keys, sorted, each as a value or a table.
    pub fn top_level(&self) -> BTreeMap<&'a str, Entry<'a>> {
        self.entries.iter().map(top_entry).collect()
    }

    /// The integer under `key`, or `default`.
    pub fn integer(&self, key: &str, default: i64) -> i64 {
        self.entry(key)
            .and_then(Entry::as_integer)
            .unwrap_or(default)
    }

    /// The boolean under `key`, or `default`.
    pub fn boolean(&self, key: &str, default: bool) -> bool {
        self.entry(key).and_then(Entry::as_bool).unwrap_or(default)
    }

    /// The string under `key`, or `default`.
    pub fn text(&self, key: &str, default: &str) -> String {
        self.entry(key)
            .and_then(Entry::as_str)
            .unwrap_or(default)
            .to_string()
    }

    /// The string under `key`, if it is one.
    pub fn optional_text(&self, key: &str) -> Option<String> {
        self.entry(key).and_then(Entry::as_str).map(str::to_string)
    }

    /// The array of strings under `key` (non-strings dropped), or `None`
    /// when the key is missing or not an array.
    pub fn strings(&self, key: &str) -> Option<Vec<String>> {
        self.entry(key).and_then(Entry::as_array).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
    }
}

/// A flattened entry's top-level key, and what sits there: a dotted key
/// (`a.b`) or an empty table means a table, anything else a value.
fn top_entry(s: &Setting) -> (&str, Entry<'_>) {
    match (s.key.split_once('.'), &s.value) {
        (Some((top, _)), _) => (top, Entry::Table),
        (None, SettingValue::EmptyTable) => (s.key.as_str(), Entry::Table),
        (None, v) => (s.key.as_str(), Entry::Value(v)),
    }
}

/// Checks an integer in `lo..=hi`.
pub fn check_integer(key: &str, entry: Entry<'_>, lo: i64, hi: i64) -> Option<Diagnostic> {
    match entry.as_integer() {
        Some(v) if (lo..=hi).contains(&v) => None,
        Some(v) => Some(Diagnostic::new(
            key,
            format!("{v} is out of range: expected {lo} to {hi}"),
            format!("e.g. {key} = {lo}"),
        )),
        None => Some(Diagnostic::new(
            key,
            format!("expected an integer from {lo} to {hi}"),
            format!("write a number without quotes, e.g. {key} = {lo}"),
        )),
    }
}

/// Checks a boolean.
pub fn check_boolean(key: &str, entry: Entry<'_>) -> Option<Diagnostic> {
    match entry.as_bool() {
        Some(_) => None,
        None => Some(Diagnostic::new(
            key,
            "expected a boolean",
            "use true or false, without quotes",
        )),
    }
}

/// Checks a non-empty string.
pub fn check_string(key: &str, entry: Entry<'_>) -> Option<Diagnostic> {
    match entry.as_str() {
        Some(s) if !s.trim().is_empty() => None,
        _ => Some(Diagnostic::new(
            key,
            "expected a non-empty string",
            format!("write it in quotes, e.g. {key} = \"...\""),
        )),
    }
}

/// Checks a string that is one of `options`.
pub fn check_one_of(key: &str, entry: Entry<'_>, options: &[&str]) -> Option<Diagnostic> {
    match entry.as_str() {
        Some(s) if options.contains(&s) => None,
        _ => {
            let quoted: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
            let first = options.first().copied().unwrap_or("");
            Some(Diagnostic::new(
                key,
                format!("expected one of {}", quoted.join(", ")),
                format!("e.g. {key} = \"{first}\""),
            ))
        }
    }
}

/// Checks a non-empty array of non-empty strings.
pub fn check_strings(key: &str, entry: Entry<'_>) -> Option<Diagnostic> {
    let ok = entry.as_array().is_some_and(|a| {
        !a.is_empty()
            && a.iter()
                .all(|v| v.as_str().is_some_and(|s| !s.trim().is_empty()))
    });
    (!ok).then(|| {
        Diagnostic::new(
            key,
            "expected a non-empty array of non-empty strings",
            format!("e.g. {key} = [\"...\", \"...\"]"),
        )
    })
}

/// Whether `s` is a valid tag: lowercase letters, digits, `-` and `_`,
/// starting with a letter or digit.
pub fn is_tag(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Checks a member tag.
pub fn check_tag(key: &str, entry: Entry<'_>) -> Option<Diagnostic> {
    match entry.as_str() {
        Some(s) if is_tag(s) => None,
        Some(_) => Some(Diagnostic::new(
            key,
            "expected a tag: lowercase letters, digits, `-` and `_`",
            format!("e.g. {key} = \"facilitator\""),
        )),
        None => Some(Diagnostic::new(
            key,
            "expected a tag as a string",
            format!("e.g. {key} = \"facilitator\""),
        )),
    }
}

/// The diagnostic for a key the format does not know, listing the known
/// ones.
pub fn unknown_key(format: &str, key: &str, known: &[&str]) -> Diagnostic {
    Diagnostic::new(
        key,
        format!("unknown setting `{key}` for format `{format}`"),
        format!("known settings: {}", known.join(", ")),
    )
}

/// Like [`unknown_key`], and names the closest known key when `key` looks
/// like a misspelling of it (edit distance at most 2).
pub fn unknown_key_suggest(format: &str, key: &str, known: &[&str]) -> Diagnostic {
    let close = known
        .iter()
        .map(|k| (edit_distance(k, key), *k))
        .filter(|(d, _)| *d <= 2)
        .min();
    let d = unknown_key(format, key, known);
    match close {
        Some((_, k)) => d.with_hint(format!(
            "did you mean `{k}`? known settings: {}",
            known.join(", ")
        )),
        None => d,
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{Cadence, TimeOfDay};

    /// A plain weekly group with the given flattened settings.
    pub(crate) fn group(settings: &[(&str, SettingValue)]) -> Group {
        Group {
            id: "g".into(),
            name: "G".into(),
            format: "f".into(),
            members: Vec::new(),
            cadence: Cadence::Weekly,
            duration_minutes: 60,
            days: Vec::new(),
            earliest: TimeOfDay { hour: 9, minute: 0 },
            latest: TimeOfDay {
                hour: 17,
                minute: 0,
            },
            quorum: 2,
            required_roles: Vec::new(),
            purpose: String::new(),
            boundaries: String::new(),
            size_limit: None,
            time_zone: "Europe/London".into(),
            settings: settings
                .iter()
                .map(|(k, v)| Setting {
                    key: k.to_string(),
                    value: v.clone(),
                })
                .collect(),
        }
    }

    fn text(s: &str) -> SettingValue {
        SettingValue::Scalar(Scalar::Text(s.into()))
    }

    fn int(i: i64) -> SettingValue {
        SettingValue::Scalar(Scalar::Integer(i))
    }

    #[test]
    fn readers_fall_back_to_defaults() {
        let g = group(&[
            ("a", int(3)),
            ("b", text("x")),
            (
                "c",
                SettingValue::Array(vec![Scalar::Text("p".into()), Scalar::Integer(1)]),
            ),
            ("t.inner", int(1)),
        ]);
        let s = Settings::of(&g);
        assert_eq!(s.integer("a", 7), 3);
        assert_eq!(s.integer("b", 7), 7);
        assert!(s.boolean("a", true));
        assert_eq!(s.text("b", "d"), "x");
        assert_eq!(s.text("missing", "d"), "d");
        assert_eq!(s.strings("c"), Some(vec!["p".to_string()]));
        assert_eq!(s.strings("t"), None);
        assert_eq!(s.entry("t"), Some(Entry::Table));
        assert_eq!(s.get("t.inner"), Some(&int(1)));
    }

    #[test]
    fn top_level_groups_dotted_keys_sorted() {
        let g = group(&[
            ("a-b", int(1)),
            ("a.x", int(1)),
            ("a.y", int(2)),
            ("e", SettingValue::EmptyTable),
        ]);
        let keys: Vec<(&str, Entry<'_>)> = Settings::of(&g).top_level().into_iter().collect();
        assert_eq!(
            keys,
            vec![
                ("a", Entry::Table),
                ("a-b", Entry::Value(&int(1))),
                ("e", Entry::Table)
            ]
        );
    }

    #[test]
    fn entry_is_the_top_level_entry() {
        let g = group(&[
            ("a", int(1)),
            ("a.x", int(2)),
            ("b.x", int(3)),
            ("b", int(4)),
            ("a-b", text("v")),
            ("e", SettingValue::EmptyTable),
            ("e.z", int(5)),
            ("f", SettingValue::EmptyTable),
        ]);
        let s = Settings::of(&g);
        for key in ["a", "a.x", "b", "a-b", "e", "f", "x", "", "a-"] {
            assert_eq!(s.entry(key), s.top_level().remove(key), "{key}");
        }
        assert_eq!(s.entry("b"), Some(Entry::Value(&int(4))));
        assert_eq!(s.entry("a"), Some(Entry::Table));
    }

    #[test]
    fn checks_give_precise_diagnostics() {
        let v = int(5);
        let t = text("maybe");
        assert_eq!(
            check_integer("cases", Entry::Value(&v), 1, 2).map(|d| d.message),
            Some("5 is out of range: expected 1 to 2".into())
        );
        assert!(check_integer("cases", Entry::Value(&int(2)), 1, 2).is_none());
        let d = check_integer("cases", Entry::Value(&t), 1, 2);
        assert_eq!(
            d.and_then(|d| d.hint),
            Some("write a number without quotes, e.g. cases = 1".into())
        );
        assert_eq!(
            check_boolean("x", Entry::Value(&t)).map(|d| d.message),
            Some("expected a boolean".into())
        );
        assert!(
            check_boolean(
                "x",
                Entry::Value(&SettingValue::Scalar(Scalar::Boolean(false)))
            )
            .is_none()
        );
        let d = check_one_of("activity", Entry::Value(&t), &["walk", "video"]);
        assert_eq!(
            d,
            Some(Diagnostic::new(
                "activity",
                "expected one of \"walk\", \"video\"",
                "e.g. activity = \"walk\""
            ))
        );
        assert!(
            check_one_of("activity", Entry::Value(&text("video")), &["walk", "video"]).is_none()
        );
        assert!(check_strings("s", Entry::Value(&SettingValue::Array(Vec::new()))).is_some());
        assert!(check_strings("s", Entry::Table).is_some());
        assert!(
            check_strings(
                "s",
                Entry::Value(&SettingValue::Array(vec![Scalar::Text(" ".into())]))
            )
            .is_some()
        );
        assert!(
            check_strings(
                "s",
                Entry::Value(&SettingValue::Array(vec![Scalar::Text("a".into())]))
            )
            .is_none()
        );
        assert!(check_tag("m", Entry::Value(&text("Lead"))).is_some());
        assert!(check_tag("m", Entry::Value(&text("lead-1"))).is_none());
        assert!(check_string("m", Entry::Value(&text("  "))).is_some());
    }

    #[test]
    fn unknown_keys_list_known_ones() {
        let d = unknown_key("check-in", "actvity", &["activity", "topics"]);
        assert_eq!(d.message, "unknown setting `actvity` for format `check-in`");
        assert_eq!(d.hint.as_deref(), Some("known settings: activity, topics"));
        let d = unknown_key_suggest("check-in", "actvity", &["activity", "topics"]);
        assert_eq!(
            d.hint.as_deref(),
            Some("did you mean `activity`? known settings: activity, topics")
        );
        let d = unknown_key_suggest("check-in", "zzz", &["activity"]);
        assert_eq!(d.hint.as_deref(), Some("known settings: activity"));
    }
}
