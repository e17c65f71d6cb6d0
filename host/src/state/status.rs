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
    /// What calendars of the last good pass were read leniently and what
    /// was assumed ("file: line N: ..."), never event text. Not a problem:
    /// the status stays ok.
    pub calendar_warnings: Vec<String>,
}

impl Status {
    /// The attempt, error and problems as text lines for `/healthz`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(at) = self.last_attempt {
            out.push_str(&format!("last attempt: {at}\n"));
        }
        if let Some(e) = &self.last_error {
            out.push_str("last attempt failed; the last good plan (if any) keeps serving:\n");
            for line in e.lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        for p in &self.problems {
            out.push_str(&format!("problem: {p}\n"));
        }
        for w in &self.calendar_warnings {
            out.push_str(&format!("calendar warning: {w}\n"));
        }
        out
    }
}
