//! peerwell's core: everything between a validated policy and the bytes a
//! member receives, as plain data and pure functions. It has no async
//! runtime, WebAssembly engine, database or HTTP in its dependencies; the
//! crates above it bring those.
//!
//! # Layout
//! In pipeline order:
//!
//! - [`model`] is the validated organization (people, groups, horizon,
//!   intervals) that `peerwell-config` produces and every later stage reads;
//!   [`mail`] and [`plugin_spec`] are the parts of it that describe mail and
//!   declared plugins, as data.
//! - [`calendar`] reads members' ICS calendars into busy intervals only; no
//!   text of an input event leaves it.
//! - [`busy`] combines calendars, declared client blocks and buffers into each
//!   person's busy time over the horizon.
//! - [`formats`] holds the [`formats::Format`] trait and the built-in group
//!   formats; the plugin host implements the same trait.
//! - [`schedule`] finds one series time per group and plans each session,
//!   explains the times it chose, and counts the members free at each quarter
//!   hour of a group's week (`schedule::heatmap`, the overview's numbers).
//! - [`feeds`] writes RFC 5545 iCalendar feeds per group and per member,
//!   and one session as an iTIP invitation to one member.
//! - [`reminders`] composes the text of reminder messages.
//! - [`parallel`] maps over slices on the machine's cores, in order.
//! - `testkit` holds builders for `Person`, `Group` and `Organization`,
//!   for tests only: compiled for this crate's unit tests and with the
//!   `testkit` feature (off by default; `peerwell-testkit` turns it on and
//!   re-exports it for the tests above the core).

#![deny(missing_docs)]

pub mod busy;
pub mod calendar;
pub mod feeds;
pub mod formats;
pub mod mail;
pub mod model;
pub mod parallel;
pub mod plugin_spec;
pub mod reminders;
pub mod schedule;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
