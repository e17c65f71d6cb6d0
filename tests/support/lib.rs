//! Shared helpers for the integration tests.

pub mod schedule_gen;
