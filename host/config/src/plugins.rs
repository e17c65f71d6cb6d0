//! `[plugins.<name>]` in `peerwell.toml`: WebAssembly format plugins and
//! their per-call limits. `<name>` is the format name groups use.
//!
//! Only the table itself is checked here; whether the file loads is not a
//! config error (see `peerwell_plugins::register`): a plugin that cannot be
//! loaded blocks only its own groups.

use toml::de::DeValue;

use super::walk::{Out, Table, text, type_error};
use peerwell_core::formats::BUILTIN_NAMES;
use peerwell_core::plugin_spec::{Limits, PluginSpec};

const KEYS: &[&str] = &["path", "timeout_ms", "fuel", "memory_mib", "output_kib"];

/// The plugins under `[plugins]`, in name order; invalid entries are
/// reported and left out.
pub(super) fn read(t: &Table<'_, '_>, out: &mut Out) -> Vec<PluginSpec> {
    let Some(v) = t.get("plugins") else {
        return Vec::new();
    };
    let DeValue::Table(all) = v.get_ref() else {
        type_error(
            t.src,
            v,
            "a table",
            Some("write each plugin as a `[plugins.<name>]` table".to_string()),
            out,
        );
        return Vec::new();
    };
    let mut specs = Vec::new();
    for (k, v) in all.iter() {
        let name: &str = k.get_ref();
        let Some(p) = t.as_table(v, &format!("[plugins.{name}]"), KEYS, out) else {
            continue;
        };
        let before = out.len();
        check_name(t, name, k.span(), out);
        let path = p.required("path", "path = \"plugins/my-format.wasm\"", out);
        let label = path.and_then(|v| text(t.src, v, out));
        let defaults = Limits::default();
        let limit =
            |key: &str, range: std::ops::RangeInclusive<i64>, default: u64, out: &mut Out| {
                p.integer(key, range, out).map_or(default, |n| n as u64)
            };
        let limits = Limits {
            timeout_ms: limit("timeout_ms", 1..=60_000, defaults.timeout_ms, out),
            fuel: limit("fuel", 1_000..=1_000_000_000_000, defaults.fuel, out),
            memory_mib: limit("memory_mib", 1..=4096, defaults.memory_mib, out),
            output_kib: limit("output_kib", 1..=65_536, defaults.output_kib, out),
        };
        if let (Some(label), true) = (label, out.len() == before) {
            specs.push(PluginSpec {
                name: name.to_string(),
                path: t.src.resolve(&label),
                label,
                limits,
            });
        }
    }
    specs
}

fn check_name(t: &Table<'_, '_>, name: &str, at: std::ops::Range<usize>, out: &mut Out) {
    if BUILTIN_NAMES.contains(&name) {
        out.push(t.src.error(
            at,
            format!("plugin name \"{name}\" is the name of a built-in format"),
            Some(format!(
                "give the plugin its own name, e.g. [plugins.{name}-plugin], and use that as the groups' format"
            )),
        ));
    } else if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        out.push(
            t.src.error(
                at,
                format!("plugin name \"{name}\" is not a valid format name"),
                Some(
                    "use lowercase letters, digits, `-` and `_`, e.g. [plugins.peer-supervision]"
                        .to_string(),
                ),
            ),
        );
    }
}
