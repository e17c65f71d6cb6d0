//! Test support for peerwell: builders for the validated model's
//! [`Person`](peerwell_core::model::Person),
//! [`Group`](peerwell_core::model::Group) and
//! [`Organization`](peerwell_core::model::Organization).
//!
//! Each builder starts from sensible defaults (a London office working
//! Monday to Friday, 09:00–17:00; a weekly one-hour check-in on Tuesdays)
//! and has one chainable setter per field a test may care about, so a test
//! states only what matters to it:
//!
//! ```
//! use peerwell_testkit::{GroupBuilder, OrganizationBuilder, PersonBuilder};
//!
//! let org = OrganizationBuilder::new()
//!     .person(PersonBuilder::new("ana").tags(&["lead"]).build())
//!     .person(PersonBuilder::new("bo").build())
//!     .group(GroupBuilder::new("team").members(&["ana", "bo"]).build())
//!     .build();
//! assert_eq!(org.people["ana"].email, "ana@example.org");
//! assert_eq!(org.groups[0].quorum, 2);
//! ```
//!
//! The builders hold the value they build, so anything without a setter
//! can be changed through `with`, or on the built value (every model field
//! is public).
//!
//! # Layout
//! The builders live in the core, as `peerwell_core::testkit` (compiled for
//! the core's own unit tests, and with the core's `testkit` feature, which
//! this crate turns on): a crate that depends on the core cannot serve the
//! core's unit tests, which see the model as their own crate's types. This
//! crate re-exports them, so tests above the core depend on it and release
//! builds never carry the builders.
//!
//! - [`person`]: [`PersonBuilder`], a member with working hours, tags,
//!   site, start date, busy sources and a weekly cap.
//! - [`group`]: [`GroupBuilder`], a group with its format, members,
//!   cadence, window, quorum, roles, charter and settings.
//! - [`organization`]: [`OrganizationBuilder`], the organization-wide
//!   settings (`peerwell.toml`) with the people, groups and formats.
//! - [`zone`]: looks up a bundled IANA time zone, panicking with its name
//!   when it is missing.
//!
//! This crate depends on `peerwell-core` only (the layering test in
//! `tests/all/layers.rs` keeps it so).

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use peerwell_core::testkit::{
    DEFAULT_ZONE, GroupBuilder, OrganizationBuilder, PersonBuilder, group, organization, person,
    zone,
};
