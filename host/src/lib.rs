//! peerwell: protected peer-support time for people who work with trauma.
//!
//! This crate is the `peerwell` program: it wires the library crates
//! together and talks to the world (command line, daemon, HTTP, mail).
//!
//! # Layout
//! - [`pipeline`] runs load → busy time → plan → commit, once, for both the
//!   command line and the daemon.
//! - [`daemon`] is `peerwell serve`: plans, keeps the plan current, and
//!   [`web`] serves it over HTTP.
//! - [`mail`] queues reminders and notices in the outbox and sends them.
//! - [`cli`] is the `peerwell` command line.
//!
//! The layers below, each its own crate: `peerwell-core` (model, calendars,
//! busy time, formats, scheduler, feeds, reminder text), `peerwell-config`
//! (policy folder → model), `peerwell-plugins` (the WebAssembly host) and
//! `peerwell-store` (published state, tokens, outbox).

pub mod cli;
pub mod daemon;
pub mod escape;
pub mod mail;
pub mod pipeline;
pub mod sources;
pub mod state;
pub mod web;
