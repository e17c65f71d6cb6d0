//! Shared checks and readers for the formats' `[settings]` tables.
//!
//! The checks produce [`SettingDiagnostic`]s with the key, a precise message
//! and a hint; the readers assume `validate` accepted the table and fall back
//! to the default for anything else, so planning never panics on settings
//! that skipped validation.

use super::{SettingDiagnostic, SettingInfo};

/// A diagnostic for `key`.
pub(crate) fn diag(
    key: &str,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> SettingDiagnostic {
    SettingDiagnostic {
        key: key.to_string(),
        message: message.into(),
        hint: Some(hint.into()),
    }
}

/// The diagnostic for a key the format does not know, listing the known ones
/// (and the closest one when the key looks like a misspelling).
pub(crate) fn unknown(format: &str, key: &str, known: &[SettingInfo]) -> SettingDiagnostic {
    let names: Vec<&str> = known.iter().map(|s| s.key.as_str()).collect();
    let close = names
        .iter()
        .map(|k| (edit_distance(k, key), *k))
        .filter(|(d, _)| *d <= 2)
        .min();
    let hint = match close {
        Some((_, k)) => format!("did you mean `{k}`? known settings: {}", names.join(", ")),
        None => format!("known settings: {}", names.join(", ")),
    };
    SettingDiagnostic {
        key: key.to_string(),
        message: format!("unknown setting `{key}` for format `{format}`"),
        hint: Some(hint),
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

/// Whether `s` is a valid id: lowercase letters, digits, `-` and `_`,
/// starting with a letter or digit.
pub(crate) fn is_id(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Checks an integer in `lo..=hi`.
pub(crate) fn check_int(
    key: &str,
    value: &toml::Value,
    lo: i64,
    hi: i64,
    out: &mut Vec<SettingDiagnostic>,
) {
    match value.as_integer() {
        Some(v) if (lo..=hi).contains(&v) => {}
        Some(v) => out.push(diag(
            key,
            format!("{v} is out of range: expected {lo} to {hi}"),
            format!("e.g. {key} = {lo}"),
        )),
        None => out.push(diag(
            key,
            format!("expected an integer from {lo} to {hi}"),
            format!("write a number without quotes, e.g. {key} = {lo}"),
        )),
    }
}

/// Checks a boolean.
pub(crate) fn check_bool(key: &str, value: &toml::Value, out: &mut Vec<SettingDiagnostic>) {
    if value.as_bool().is_none() {
        out.push(diag(
            key,
            "expected a boolean",
            "use true or false, without quotes",
        ));
    }
}

/// Checks a tag (an id).
pub(crate) fn check_tag(key: &str, value: &toml::Value, out: &mut Vec<SettingDiagnostic>) {
    match value.as_str() {
        Some(s) if is_id(s) => {}
        Some(_) => out.push(diag(
            key,
            "expected a tag: lowercase letters, digits, `-` and `_`",
            format!("e.g. {key} = \"facilitator\""),
        )),
        None => out.push(diag(
            key,
            "expected a tag as a string",
            format!("e.g. {key} = \"facilitator\""),
        )),
    }
}

/// Reads an integer setting, or `default`.
pub(crate) fn int(table: &toml::Table, key: &str, default: i64) -> i64 {
    table
        .get(key)
        .and_then(toml::Value::as_integer)
        .unwrap_or(default)
}

/// Reads a boolean setting, or `default`.
pub(crate) fn boolean(table: &toml::Table, key: &str, default: bool) -> bool {
    table
        .get(key)
        .and_then(toml::Value::as_bool)
        .unwrap_or(default)
}

/// Reads a string setting, or `default`.
pub(crate) fn string(table: &toml::Table, key: &str, default: &str) -> String {
    table
        .get(key)
        .and_then(toml::Value::as_str)
        .unwrap_or(default)
        .to_string()
}

/// Reads an array of strings (non-strings dropped), or `None`.
pub(crate) fn strings(table: &toml::Table, key: &str) -> Option<Vec<String>> {
    table.get(key).and_then(toml::Value::as_array).map(|a| {
        a.iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    })
}

/// Adds a required role for `tag` with at least `min` attending, or raises
/// the policy's own minimum for that tag.
pub(crate) fn require(roles: &mut Vec<crate::model::RequiredRole>, tag: &str, min: u32) {
    match roles.iter_mut().find(|r| r.tag == tag) {
        Some(r) => r.min = r.min.max(min),
        None => roles.push(crate::model::RequiredRole {
            tag: tag.to_string(),
            min,
        }),
    }
}

/// Splits `total` minutes into parts proportional to `weights`; the parts
/// add up to `total` (the shared rule, [`peerwell_rules::split::proportional`]).
pub(crate) fn split_minutes(total: u32, weights: &[u32]) -> Vec<u32> {
    peerwell_rules::split::proportional(total, weights)
}

#[cfg(test)]
mod tests;
