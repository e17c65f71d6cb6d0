//! `/healthz` (JSON) and `/metrics` (Prometheus text format 0.0.4).

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use serde_json::json;

use super::{Body, rfc3339};
use crate::daemon::Shared;

/// `/healthz`: `status` is `ok`, or `degraded` when the last planning
/// attempt failed (the last good plan keeps serving) or reported problems.
/// Always 200: the daemon is up and serving either way.
pub fn healthz(shared: &Shared) -> Response<Body> {
    let snapshot = shared.snapshot.load();
    let status = shared.status.load();
    let degraded = status.last_error.is_some() || !status.problems.is_empty();
    let body = json!({
        "status": if degraded { "degraded" } else { "ok" },
        "planned_at": rfc3339(snapshot.planned_at),
        "last_attempt": status.last_attempt.map(rfc3339),
        "last_error": status.last_error,
        "problems": status.problems,
        "sessions": snapshot.plan.sessions.len(),
        "feeds": snapshot.feeds.len(),
    });
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    text.push('\n');
    respond(text, "application/json")
}

/// `/metrics`: every counter of [`crate::daemon::Metrics`].
pub fn metrics(shared: &Shared) -> Response<Body> {
    respond(
        shared.metrics.render(),
        "text/plain; version=0.0.4; charset=utf-8",
    )
}

fn respond(text: String, content_type: &'static str) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(text)));
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
