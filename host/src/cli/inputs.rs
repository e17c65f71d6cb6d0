//! What the commands share about their inputs: loading a policy folder
//! (with the state's location for the commands that plan), reporting
//! unreadable calendars, warnings and plugins that did not load on stderr,
//! checking a `--group`, and the one exit rule of the commands that plan.

use std::process::ExitCode;

use jiff::Timestamp;

use super::CliError;
use super::args::{HorizonArgs, StateArgs};
use super::text;
use crate::pipeline::{self, Loaded, Overrides};

/// What `plan`, `export` and `diff` share: the current time, the loaded
/// organization (inputs reported on stderr) and the state file's path.
pub(super) fn load_with_state(
    dir: &std::path::Path,
    horizon: HorizonArgs,
    state: &StateArgs,
) -> Result<(Loaded, Timestamp, peerwell_store::StateLocation), CliError> {
    let now = state.now();
    let loaded = load(
        dir,
        Overrides {
            now: Some(now),
            ..horizon.into()
        },
    )?;
    report_inputs(&loaded);
    report_plugins(&loaded, "warning");
    let path = pipeline::state_location(&loaded.org, state.data_dir.as_deref())?;
    Ok((loaded, now, path))
}

pub(super) fn load(dir: &std::path::Path, overrides: Overrides) -> Result<Loaded, CliError> {
    // A terminal: policy errors quote and underline their line.
    Ok(pipeline::load(dir, overrides)?)
}

/// Prints calendar errors and warnings to stderr.
pub(super) fn report_inputs(loaded: &Loaded) {
    for (person, e) in &loaded.calendar_errors {
        eprintln!("error: calendar {e}");
        let groups: Vec<&str> = loaded
            .org
            .groups
            .iter()
            .filter(|g| g.members.contains(person))
            .map(|g| g.id.as_str())
            .collect();
        if !groups.is_empty() {
            eprintln!(
                "  = note: groups of `{person}` are not planned until it reads: {}",
                groups.join(", ")
            );
        }
    }
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
}

/// Prints each plugin that could not be loaded (as `level`) with the groups
/// it blocks; true when there is one.
pub(super) fn report_plugins(loaded: &Loaded, level: &str) -> bool {
    let mut any = false;
    for (name, reason) in loaded.formats.broken() {
        any = true;
        eprintln!("{level}: {reason}");
        let groups: Vec<&str> = loaded
            .org
            .groups
            .iter()
            .filter(|g| g.format == name)
            .map(|g| g.id.as_str())
            .collect();
        if !groups.is_empty() {
            eprintln!(
                "  = note: groups on format `{name}` are not planned until it loads: {}",
                groups.join(", ")
            );
        }
    }
    any
}

/// The one exit rule of the commands that plan: 1 when a calendar could not
/// be read or any group is blocked, whatever blocks it (a member's
/// calendar, a plugin that did not load, a plugin call that failed), else
/// 0. A blocked group whose cause was not reported yet is named on stderr
/// with it.
pub(super) fn exit_for(loaded: &Loaded, plan: &peerwell_core::schedule::Plan) -> ExitCode {
    let mut blocked = false;
    for (id, outcome) in &plan.outcomes {
        let peerwell_core::schedule::GroupOutcome::Blocked { reason } = outcome else {
            continue;
        };
        blocked = true;
        if !cause_reported(loaded, id) {
            eprintln!("error: group `{id}` is not planned: {reason}");
        }
    }
    if blocked || !loaded.calendar_errors.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Whether the input that blocks group `id` was already reported: a
/// member's unreadable calendar or its format's plugin that did not load.
fn cause_reported(loaded: &Loaded, id: &str) -> bool {
    let Some(group) = loaded.org.groups.iter().find(|g| g.id == id) else {
        return false;
    };
    let calendar = loaded
        .calendar_errors
        .iter()
        .any(|(person, _)| group.members.contains(person));
    calendar
        || loaded
            .formats
            .broken()
            .any(|(name, _)| name == group.format)
}

pub(super) fn check_group(loaded: &Loaded, id: &str) -> Result<(), CliError> {
    if loaded.org.groups.iter().any(|g| g.id == id) {
        return Ok(());
    }
    let ids: Vec<&str> = loaded.org.groups.iter().map(|g| g.id.as_str()).collect();
    Err(format!("error: no group `{id}`{}", text::did_you_mean(id, &ids)).into())
}
