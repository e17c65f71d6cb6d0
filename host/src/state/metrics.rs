//! Counters for `/metrics` (Prometheus text format). Every part of the
//! daemon adds to the same [`Metrics`]; reading never blocks a writer.

use std::sync::atomic::{AtomicU64, Ordering};

/// The daemon's counters and gauges.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Planning passes that succeeded.
    pub plans: AtomicU64,
    /// Planning passes that failed (the last good plan kept serving).
    pub plan_failures: AtomicU64,
    /// Sessions in the current plan.
    pub sessions: AtomicU64,
    /// Feed requests answered with the feed.
    pub feed_ok: AtomicU64,
    /// Feed requests answered 304 Not Modified.
    pub feed_not_modified: AtomicU64,
    /// Feed requests for unknown tokens.
    pub feed_not_found: AtomicU64,
    /// Subscribe pages shown.
    pub page_ok: AtomicU64,
    /// Subscribe pages asked for with unknown tokens.
    pub page_not_found: AtomicU64,
    /// Reminders written to the outbox.
    pub reminders_queued: AtomicU64,
    /// Reminders the mail server accepted.
    pub reminders_sent: AtomicU64,
    /// Reminders that failed for good.
    pub reminders_failed: AtomicU64,
    /// Reminders not sent because their session started first.
    pub reminders_expired: AtomicU64,
}

impl Metrics {
    /// Adds one to `counter`.
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters in Prometheus' text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, kind, help, value) in self.rows() {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
        out
    }

    /// Each counter with its name, type and help text, in the order
    /// `/metrics` lists them.
    fn rows(&self) -> [(&'static str, &'static str, &'static str, &AtomicU64); 12] {
        [
            (
                "peerwell_plans_total",
                "counter",
                "Planning passes that succeeded.",
                &self.plans,
            ),
            (
                "peerwell_plan_failures_total",
                "counter",
                "Planning passes that failed; the last good plan kept serving.",
                &self.plan_failures,
            ),
            (
                "peerwell_sessions",
                "gauge",
                "Sessions in the current plan.",
                &self.sessions,
            ),
            (
                "peerwell_feed_requests_ok_total",
                "counter",
                "Feed requests answered with the feed.",
                &self.feed_ok,
            ),
            (
                "peerwell_feed_requests_not_modified_total",
                "counter",
                "Feed requests answered 304 Not Modified.",
                &self.feed_not_modified,
            ),
            (
                "peerwell_feed_requests_not_found_total",
                "counter",
                "Feed requests for unknown tokens.",
                &self.feed_not_found,
            ),
            (
                "peerwell_page_requests_ok_total",
                "counter",
                "Subscribe pages shown.",
                &self.page_ok,
            ),
            (
                "peerwell_page_requests_not_found_total",
                "counter",
                "Subscribe page requests for unknown tokens.",
                &self.page_not_found,
            ),
            (
                "peerwell_reminders_queued_total",
                "counter",
                "Reminders written to the outbox.",
                &self.reminders_queued,
            ),
            (
                "peerwell_reminders_sent_total",
                "counter",
                "Reminders the mail server accepted.",
                &self.reminders_sent,
            ),
            (
                "peerwell_reminders_failed_total",
                "counter",
                "Reminders that failed for good.",
                &self.reminders_failed,
            ),
            (
                "peerwell_reminders_expired_total",
                "counter",
                "Reminders not sent because their session started first.",
                &self.reminders_expired,
            ),
        ]
    }
}
