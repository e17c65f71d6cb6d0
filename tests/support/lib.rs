//! Shared helpers for the integration tests.
pub mod calendar_gen;
