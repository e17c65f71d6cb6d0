//! The group the formats' unit tests plan for.

use crate::model::Group;
use crate::testkit::GroupBuilder;

use super::CheckIn;

/// "Walk": a weekly 45-minute check-in on Tuesdays, 09:00–17:00 London,
/// with quorum 1 and the members `members`, in order.
pub(super) fn walk<S: AsRef<str>>(members: &[S]) -> Group {
    GroupBuilder::new("walk")
        .name("Walk")
        .format(CheckIn::NAME)
        .members(members)
        .duration_minutes(45)
        .quorum(1)
        .build()
}
