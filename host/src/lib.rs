//! peerwell: protected peer-support time for people who work with trauma.
//!
//! This crate is the `peerwell` program: it wires the library crates
//! together and talks to the world (command line, daemon, HTTP, mail).
//!
//! # Layout
//! Lower modules never import higher ones:
//!
//! - [`sources`] fetches calendars given as http(s) URLs (in memory only).
//! - [`pipeline`] runs load → busy time → plan → commit, once, for both the
//!   command line and the daemon.
//! - [`state`] is what a running server shares: the [`state::Snapshot`]
//!   being served, the feed cache, feed tokens, status, counters, settings, clock and the
//!   shutdown and retry signals, behind [`state::ServerState`]'s methods.
//! - [`escape`] escapes text for HTML (pages and emails).
//! - [`links`] signs and checks members' absence links ("I can't make
//!   it"), and makes their URL for any message or page.
//! - [`overview`] renders the HR overview (HTML and SVG) from a plan: the
//!   daemon's `/admin/` page and `peerwell report` share it.
//! - Above those, side by side and never importing one another:
//!   [`daemon`] (`peerwell serve`'s planning loop, which keeps the state
//!   current), [`web`] (the HTTP side, which reads it) and [`mail`] (queues
//!   reminders and notices in the outbox and sends them).
//! - [`cli`] is the `peerwell` command line on top; `peerwell serve` hands
//!   the daemon the HTTP side and the mail sender as its
//!   [`daemon::Services`].
//!
//! The layers below, each its own crate: `peerwell-core` (model, calendars,
//! busy time, formats, scheduler, feeds, reminder text), `peerwell-config`
//! (policy folder → model), `peerwell-plugins` (the WebAssembly host) and
//! `peerwell-store` (published state, tokens, outbox).

#![deny(missing_docs)]

pub mod cli;
pub mod daemon;
pub mod escape;
pub mod links;
pub mod mail;
pub mod overview;
pub mod pipeline;
pub mod sources;
pub mod state;
pub mod web;
