//! Shared helpers for the integration tests.

pub mod browser;
pub mod calendar_gen;
pub mod cli;
pub mod clinic;
pub mod daemon;
pub mod plugins;
pub mod schedule_gen;
pub mod smtp;
pub mod web;
