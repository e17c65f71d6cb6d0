//! `Plan::outcome` finds each group's outcome however the groups were
//! declared, and nothing for an unknown id.

use jiff::civil::date;

use super::*;
use crate::formats::Formats;
use crate::model::*;
use crate::testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};

#[test]
fn outcome_finds_every_group_declared_in_any_order() {
    // Declared out of id order ("b10" sorts before "b2").
    let ids = ["walk", "art", "zen", "mid", "b2", "b10"];
    let mut org = OrganizationBuilder::new()
        .horizon_weeks(2)
        .people(["ann", "ben"].map(|id| PersonBuilder::new(id).build()));
    for id in ids {
        org = org.group(GroupBuilder::new(id).members(&["ann", "ben"]).build());
    }
    let org = org.build();
    let formats = Formats::builtin();
    let plan = super::plan(
        &org,
        &Availability::new(),
        Horizon::starting(date(2025, 3, 3), 2),
        &formats,
    );
    assert_eq!(plan.outcomes.len(), ids.len());
    for id in ids {
        let linear = plan.outcomes.iter().find(|(g, _)| g == id).map(|(_, o)| o);
        assert!(linear.is_some(), "{id}");
        assert_eq!(plan.outcome(id), linear, "{id}");
    }
    for unknown in ["", "a", "walkk", "zzz"] {
        assert_eq!(plan.outcome(unknown), None, "{unknown}");
    }
}
