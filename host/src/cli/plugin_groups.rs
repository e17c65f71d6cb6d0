//! `peerwell plugin check FILE --policy DIR`: the groups of a policy folder
//! that use the plugin, validated and planned with their real settings,
//! duration and members.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use jiff::civil::Date;

use peerwell_core::formats::{Format, SessionRequest};
use peerwell_core::model::{Group, Person};
use peerwell_plugins::PluginFormat;

use super::CliError;

/// The groups of a policy folder on one plugin.
pub struct Uses {
    /// The plugin's name in `peerwell.toml`: the format the groups name.
    pub name: String,
    pub groups: Vec<Group>,
    pub people: BTreeMap<String, Person>,
    /// The date of the trial session: the policy's `start`, else `fallback`.
    pub date: Date,
}

/// Loads the policy folder `dir` (its own checks run, the plugin's
/// `validate` of every group among them) and finds the `[plugins.<name>]`
/// that names `file` and the groups on it.
pub fn load(dir: &Path, file: &Path, fallback: Date) -> Result<Uses, CliError> {
    let org = crate::pipeline::policy(dir)?;
    let name = plugin_name(dir, file)?;
    let groups = org
        .groups
        .iter()
        .filter(|g| g.format == name)
        .cloned()
        .collect();
    Ok(Uses {
        name,
        groups,
        people: org.people.clone(),
        date: org.org.start.unwrap_or(fallback),
    })
}

/// The name under `[plugins]` in `dir/peerwell.toml` whose `path` is
/// `file`.
fn plugin_name(dir: &Path, file: &Path) -> Result<String, CliError> {
    let toml_path = dir.join("peerwell.toml");
    let doc: toml::Table = std::fs::read_to_string(&toml_path)
        .map_err(CliError::io("read", &toml_path))?
        .parse()
        .map_err(|source| CliError::Toml {
            path: toml_path.clone(),
            source,
        })?;
    let want = std::fs::canonicalize(file).ok();
    let plugins = doc.get("plugins").and_then(toml::Value::as_table);
    for (name, spec) in plugins.into_iter().flatten() {
        let path = spec.get("path").and_then(toml::Value::as_str);
        let found = path.and_then(|p| std::fs::canonicalize(dir.join(p)).ok());
        if found.is_some() && found == want {
            return Ok(name.clone());
        }
    }
    Err(CliError::Invalid(format!(
        "error: no [plugins.<name>] in {} names {}\n  = hint: add one with path = \"{}\", or leave out --policy",
        toml_path.display(),
        file.display(),
        file.display()
    )))
}

/// Validates each group with `format`, asks its requirements and plans its
/// first session with every member attending; stops at the first failure.
pub fn run(format: &PluginFormat, uses: &Uses, out: &mut String) -> Result<(), CliError> {
    let _ = writeln!(
        out,
        "\npolicy groups on `{}`: {}",
        uses.name,
        uses.groups.len()
    );
    for g in &uses.groups {
        let diagnostics = format.validate_group(g);
        if let Some(d) = diagnostics.first() {
            let key = if d.key.is_empty() {
                "[settings]"
            } else {
                &d.key
            };
            return Err(CliError::Invalid(format!(
                "group `{}`: validate: {key}: {}",
                g.id, d.message
            )));
        }
        let req = format.requirements(g)?;
        let request = SessionRequest {
            group: g,
            index: 0,
            date: uses.date,
            start: g.earliest,
            attendees: &g.members,
            absentees: &[],
            history: &[],
            people: &uses.people,
        };
        let plan = format.plan_session(&request)?;
        let _ = writeln!(
            out,
            "group {}: ok ({} min, {} members, first session: {})",
            g.id,
            req.duration_minutes,
            g.members.len(),
            plan.title
        );
    }
    Ok(())
}
