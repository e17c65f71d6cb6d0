//! Test support: builders for the validated model's [`Person`],
//! [`Group`] and [`Organization`].
//!
//! Compiled for the core's own unit tests and, with the `testkit` feature
//! (off by default, so release builds do not carry it), for the crates
//! above: `peerwell-testkit` re-exports this module, and tests outside the
//! core use it through that crate.
//!
//! Each builder starts from sensible defaults (a London office working
//! Monday to Friday, 09:00–17:00; a weekly one-hour check-in on Tuesdays)
//! and has one chainable setter per field a test may care about, so a test
//! states only what matters to it. The builders hold the value they build,
//! so anything without a setter can be changed through `with`, or on the
//! built value (every model field is public).
//!
//! # Layout
//! - [`person`]: [`PersonBuilder`], a member with working hours, tags,
//!   site, start date, busy sources and a weekly cap.
//! - [`group`]: [`GroupBuilder`], a group with its format, members,
//!   cadence, window, quorum, roles, charter and settings.
//! - [`organization`]: [`OrganizationBuilder`], the organization-wide
//!   settings (`peerwell.toml`) with the people, groups and formats.
//! - [`zone`]: looks up a bundled IANA time zone, panicking with its name
//!   when it is missing.
//!
//! [`Person`]: crate::model::Person
//! [`Group`]: crate::model::Group
//! [`Organization`]: crate::model::Organization

pub mod group;
pub mod organization;
pub mod person;

pub use group::GroupBuilder;
pub use organization::OrganizationBuilder;
pub use person::PersonBuilder;

use crate::model::Zone;

/// The default zone of every builder.
pub const DEFAULT_ZONE: &str = "Europe/London";

/// The bundled IANA zone `name`.
///
/// # Panics
/// When the bundled time-zone database has no zone of that name.
pub fn zone(name: &str) -> Zone {
    Zone::iana(name).unwrap_or_else(|| panic!("no bundled time zone {name}"))
}
