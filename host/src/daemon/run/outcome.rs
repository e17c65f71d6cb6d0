//! What a pass leaves behind: a good pass swaps its snapshot in and records
//! its status, counters and privacy-safe problem lines; a failed one is
//! logged and counted while the last good snapshot keeps serving.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use jiff::Timestamp;

use super::super::{PassError, after_pass};
use super::{Cause, Loop};
use crate::state::{Metrics, Snapshot, Status};
use peerwell_core::calendar::ReadCause;
use peerwell_core::schedule::GroupOutcome;

impl Loop {
    /// A good pass: logs it, swaps the snapshot in, records the status and
    /// counters, and runs what follows a pass.
    pub(super) fn planned(
        &mut self,
        cause: &Cause,
        now: Timestamp,
        elapsed_ms: u64,
        snapshot: Snapshot,
    ) {
        let problems = self.problems(&snapshot);
        let sessions = snapshot.plan.sessions.len() as u64;
        tracing::info!(
            cause = %cause,
            duration_ms = elapsed_ms,
            groups = snapshot.loaded.org.groups.len(),
            sessions,
            problems = problems.len(),
            "planned"
        );
        for p in &problems {
            tracing::warn!(problem = %p, "input problem");
        }
        if !self.state.has_state_error() {
            self.failures = 0;
        }
        if exhausted(&snapshot) {
            self.schedule_retry();
        }
        let calendar_warnings = snapshot.loaded.warnings.clone();
        for w in &calendar_warnings {
            tracing::warn!(warning = %w, "calendar read leniently");
        }
        let snapshot = Arc::new(snapshot);
        self.state.publish(snapshot.clone());
        self.state.set_status(Status {
            last_attempt: Some(now),
            last_error: None,
            problems,
            calendar_warnings,
        });
        let metrics = self.state.metrics();
        metrics.sessions.store(sessions, Ordering::Relaxed);
        Metrics::inc(&metrics.plans);
        after_pass(&self.state, &*self.services, &snapshot);
    }

    /// A failed pass: logged and counted; the last good plan keeps serving
    /// and `/healthz` reports the error.
    pub(super) fn failed(
        &mut self,
        cause: &Cause,
        now: Timestamp,
        elapsed_ms: u64,
        error: &PassError,
    ) {
        if error.retry() {
            self.schedule_retry();
        }
        let error = error.to_string();
        Metrics::inc(&self.state.metrics().plan_failures);
        let serving = self.state.serving();
        tracing::error!(
            cause = %cause,
            duration_ms = elapsed_ms,
            error = %error,
            "planning failed; {}",
            if serving {
                "the last good plan keeps serving"
            } else {
                "no plan yet: serving /healthz only (feeds 404) and retrying on every change"
            }
        );
        let old = self.state.status();
        self.state.set_status(Status {
            last_attempt: Some(now),
            last_error: Some(error),
            problems: old.problems.clone(),
            calendar_warnings: old.calendar_warnings.clone(),
        });
    }

    /// Privacy-safe problem lines of a good pass: calendar errors, blocked
    /// groups, refused plugins, failed fetches.
    fn problems(&self, snap: &Snapshot) -> Vec<String> {
        let mut out: Vec<String> = snap
            .loaded
            .calendar_errors
            .iter()
            .map(|(person, e)| format!("calendar {e} (of {person})"))
            .collect();
        for (name, reason) in snap.loaded.formats.broken() {
            out.push(format!("format {name}: {reason}"));
        }
        for (group, outcome) in &snap.plan.outcomes {
            if let GroupOutcome::Blocked { reason } = outcome {
                out.push(format!("group {group} is blocked: {reason}"));
            }
        }
        out.extend(self.fetch_problems.iter().cloned());
        out.sort();
        out.dedup();
        out
    }
}

/// Whether a calendar of the pass could not be opened for want of file
/// descriptors (a later pass may read it).
fn exhausted(snapshot: &Snapshot) -> bool {
    snapshot
        .loaded
        .calendar_errors
        .iter()
        .any(|(_, e)| e.cause == ReadCause::Exhausted)
}
