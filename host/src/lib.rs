//! peerwell: protected peer-support time for people who work with trauma.
//!
//! # Layout
//! The pipeline reads top to bottom:
//!
//! - [`config`] reads the policy folder (`peerwell.toml`, people, `groups/`)
//!   into the validated [`model::Organization`], reporting every problem with
//!   file, line, column and a hint.
//! - [`calendar`] reads members' ICS calendars into busy intervals only; no
//!   text of an input event leaves it.
//! - [`busy`] combines calendars, declared client blocks and buffers into each
//!   person's busy time over the horizon.
//! - [`formats`] holds the group formats (`check-in`, …) behind the
//!   [`formats::Format`] trait that plugins mirror.
//! - [`plugin`] runs WebAssembly format plugins sandboxed, as formats.
//! - [`schedule`] finds one series time per group and plans each session.
//! - [`feeds`] writes RFC 5545 iCalendar feeds per group and per member.
//! - [`pipeline`] runs the stages in order for the commands.
//! - [`daemon`] is `peerwell serve`: plans, keeps the plan current, and
//!   [`web`] serves it over HTTP.
//! - [`cli`] is the `peerwell` command line.
//! - [`parallel`] maps over slices on the machine's cores, in order.

pub mod busy;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod feeds;
pub mod formats;
pub mod mail;
pub mod model;
pub mod parallel;
pub mod pipeline;
pub mod plugin;
pub mod reminders;
pub mod schedule;
pub mod store;
pub mod web;
