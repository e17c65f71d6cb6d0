//! `peerwell check` asks each group's format, built-in or plugin, whether
//! it can plan the group as the policy has it: its requirements (after the
//! format validated the group's real settings and duration when the policy
//! loaded) and one trial session with every member attending.

use crate::pipeline::Loaded;
use peerwell_core::formats::{Format, FormatError, SessionRequest};
use peerwell_core::model::Group;

/// Prints an error for each group its format cannot plan; true when there
/// is one. Groups of a plugin that did not load are reported elsewhere.
pub fn report(loaded: &Loaded) -> bool {
    let mut any = false;
    for group in &loaded.org.groups {
        if loaded
            .formats
            .broken()
            .any(|(name, _)| name == group.format)
        {
            continue;
        }
        let Some(format) = loaded.formats.get(&group.format) else {
            continue;
        };
        if let Err(e) = probe(loaded, format, group) {
            any = true;
            eprintln!("error: {e}");
            eprintln!(
                "  = note: group `{}` is not planned until its format accepts it",
                group.id
            );
        }
    }
    any
}

/// The format's requirements for `group`, then a trial first session on
/// the horizon's first day at the start of the group's window.
fn probe(loaded: &Loaded, format: &dyn Format, group: &Group) -> Result<(), FormatError> {
    format.requirements(group)?;
    let request = SessionRequest {
        group,
        index: 0,
        date: loaded.horizon.start,
        start: group.earliest,
        attendees: &group.members,
        absentees: &[],
        history: &[],
        people: &loaded.org.people,
    };
    format.plan_session(&request).map(|_| ())
}
