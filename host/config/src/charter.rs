//! The parts of a group file that describe the group rather than its
//! schedule: the charter, escalation resources and format settings.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::walk::{Out, Table, string, text, type_error};
use peerwell_core::formats::Formats;
use peerwell_core::model::{Charter, Escalation};

/// `[charter]`: required, with a required purpose.
pub(super) fn charter(t: &Table<'_, '_>, members: Option<i64>, out: &mut Out) -> Option<Charter> {
    let v = t.required("charter", "[charter] purpose = \"...\"", out)?;
    let c = t.as_table(
        v,
        "[charter]",
        &["purpose", "boundaries", "membership", "size_limit"],
        out,
    )?;
    let purpose = c.required_text(
        "purpose",
        "purpose = \"Weekly walk to check in with peers\"",
        out,
    );
    let boundaries = c.string("boundaries", out).unwrap_or_default();
    let open = match c.get("membership") {
        Some(m) => match string(t.src, m, out).as_deref() {
            Some("open") => Some(true),
            Some("closed") => Some(false),
            Some(other) => {
                out.push(t.src.error(
                    m.span(),
                    format!("expected \"open\" or \"closed\", found \"{other}\""),
                    None,
                ));
                None
            }
            None => None,
        },
        None => Some(false),
    };
    let size_limit = match c.get("size_limit") {
        Some(s) => {
            let limit = super::walk::integer(t.src, s, 2..=1000, out)?;
            if let Some(n) = members
                && n > limit
            {
                out.push(t.src.error(
                    s.span(),
                    format!("size_limit {limit} is smaller than the group's {n} members"),
                    Some(format!(
                        "raise size_limit to at least {n}, or remove members"
                    )),
                ));
                return None;
            }
            Some(limit as u32)
        }
        None => None,
    };
    Some(Charter {
        purpose: purpose?,
        boundaries,
        open: open?,
        size_limit,
    })
}

/// `[[escalation]]`: at least one resource, each with name and contact.
pub(super) fn escalation(t: &Table<'_, '_>, out: &mut Out) -> Option<Vec<Escalation>> {
    let v = t.required(
        "escalation",
        "[[escalation]] name = \"Employee Assistance Program\"",
        out,
    )?;
    let entries = match v.get_ref() {
        DeValue::Array(a) if a.iter().all(|e| e.get_ref().is_table()) => a,
        _ => {
            type_error(
                t.src,
                v,
                "an array of tables",
                Some("write each contact under an `[[escalation]]` header".to_string()),
                out,
            );
            return None;
        }
    };
    if entries.is_empty() {
        out.push(t.src.error(
            v.span(),
            "expected at least one escalation resource, found none",
            Some("say who to contact when peer support is not enough, e.g. the Employee Assistance Program".to_string()),
        ));
        return None;
    }
    let before = out.len();
    let mut list = Vec::new();
    for e in entries.iter() {
        let Some(x) = t.as_table(e, "[[escalation]]", &["name", "contact", "note"], out) else {
            continue;
        };
        let name = x.required_text("name", "name = \"Employee Assistance Program\"", out);
        let contact = x.required_text("contact", "contact = \"1-800-555-0199\"", out);
        let note = x.get("note").and_then(|n| text(t.src, n, out));
        if let (Some(name), Some(contact)) = (name, contact) {
            list.push(Escalation {
                name,
                contact,
                note,
            });
        }
    }
    (out.len() == before).then_some(list)
}

/// Hands `[settings]` to the format and maps its complaints to positions.
pub(super) fn check_settings(
    t: &Table<'_, '_>,
    settings: Option<toml::Table>,
    out: &mut Out,
) -> toml::Table {
    let Some(v) = t.get("settings") else {
        return toml::Table::new();
    };
    if !matches!(v.get_ref(), DeValue::Table(_)) {
        type_error(
            t.src,
            v,
            "a table",
            Some("write format settings under a `[settings]` header".to_string()),
            out,
        );
        return toml::Table::new();
    }
    settings.unwrap_or_default()
}

/// Asks the group's format to check its `[settings]` with the rest of the
/// policy in view, and reports each problem at its key.
pub(super) fn validate_settings(
    t: &Table<'_, '_>,
    group: &peerwell_core::model::Group,
    formats: &Formats,
    out: &mut Out,
) {
    let Some(format) = formats.get(&group.format) else {
        return;
    };
    let diagnostics = format.validate_group(group);
    if diagnostics.is_empty() {
        return;
    }
    let settings = t.get("settings");
    let table = settings.and_then(|v| match v.get_ref() {
        DeValue::Table(de) => Some(de),
        _ => None,
    });
    for d in diagnostics {
        let at = table
            .and_then(|de| setting_span(de, &d.key))
            .or_else(|| settings.map(|v| v.span()))
            .or_else(|| t.get("format").map(|v| v.span()))
            .unwrap_or(0..0);
        out.push(
            t.src
                .error(at, format!("in [settings]: {}", d.message), d.hint),
        );
    }
}

/// The span of the key at dotted `path` inside a table (deepest key found).
fn setting_span(table: &DeTable<'_>, path: &str) -> Option<Range<usize>> {
    let mut current = table;
    let mut span = None;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let Some((k, v)) = current.get_key_value(part) else {
            break;
        };
        span = Some(k.span());
        match v.get_ref() {
            DeValue::Table(t) => current = t,
            _ => break,
        }
    }
    span
}
