//! What `/healthz` reports: the last planning pass, good or not.

use jiff::Timestamp;

/// The outcome of the most recent planning attempt.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// When the last attempt ran (None before the first).
    pub last_attempt: Option<Timestamp>,
    /// Why the last attempt failed, when it did; the snapshot being served is
    /// then the last good one.
    pub last_error: Option<String>,
    /// Problems that did not stop the pass (unreadable calendars, blocked
    /// groups, refused plugins), one line each.
    pub problems: Vec<String>,
}
