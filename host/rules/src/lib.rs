//! The rules that peerwell's built-in formats and its plugin SDK must
//! agree on, written once.
//!
//! A group format planned by the host and the same format written as a
//! plugin must give the same answer for the same session: who takes a
//! role, and how many minutes each phase gets. Both call this crate
//! instead of keeping a copy each.
//!
//! # Layout
//!
//! - [`rotation`]: the fair role rotation (least-held first, then member
//!   order after the last holder; absent members keep their turn),
//!   anchored at the session's index in its series so that it does not
//!   depend on where a planning horizon starts.
//! - [`split`]: the agenda time split, minutes per phase from weights
//!   that add up exactly to the session's length.
//!
//! The crate has no dependencies and builds for every target the plugins
//! build for (`wasm32-unknown-unknown` included). Everything in it is a
//! pure function of its arguments: the same inputs give the same answer.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod rotation;
pub mod split;
