//! Fair role rotation shared by the formats: the rule is
//! [`peerwell_rules::rotation`], which the plugin SDK calls too.
//!
//! A role goes to the eligible attendees who have held it least often in the
//! series so far; ties go to whoever comes first after the last holder in the
//! group's member order. Absent members are never picked and keep their turn.
//! The planner gives a series without published history the sessions since
//! its anchor as history (see `schedule::realise`), so roles do not depend
//! on where the horizon starts.
//!
//! Among members who are eligible and attend every session, the counts never
//! differ by more than one: the picked members always have the lowest counts
//! among those present, so a steady member at the lower count is picked
//! before anyone present at the higher count.

use super::{PastSession, SessionRequest};

/// Picks up to `k` distinct holders of `role` among `eligible` (members who
/// attend and may hold the role), fairly over the series `history`.
///
/// `order` is the group's member order; eligible ids missing from it come
/// after it, in the order given. The result is in picking order: the member
/// who is most due comes first.
pub fn rotate(
    order: &[String],
    eligible: &[String],
    history: &[PastSession],
    role: &str,
    k: usize,
) -> Vec<String> {
    let held = history
        .iter()
        .flat_map(|s| &s.roles)
        .filter(|r| r.role == role)
        .map(|r| r.member.as_str());
    peerwell_rules::rotation::rotate(order, eligible, held, k)
}

/// Picks who takes `role` this session among all attendees (see [`rotate`]).
pub fn next_in_rotation(request: &SessionRequest<'_>, role: &str) -> Option<String> {
    rotate(
        &request.group.members,
        request.attendees,
        request.history,
        role,
        1,
    )
    .into_iter()
    .next()
}

/// Whether `person` carries `tag`.
pub(crate) fn has_tag(request: &SessionRequest<'_>, person: &str, tag: &str) -> bool {
    request
        .people
        .get(person)
        .is_some_and(|p| p.tags.iter().any(|t| t == tag))
}

#[cfg(test)]
mod tests;
