//! `/healthz` (JSON) and `/metrics` (Prometheus text format 0.0.4).

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::json;

use super::Body;
use crate::state::ServerState;

/// `/healthz`: `status` is `ok`; `degraded` when the last planning attempt
/// failed (the last good plan keeps serving, `detail` says so) or reported
/// problems, or when queuing its messages failed (`state_error`: a full
/// disk, a read-only folder; retried) — all 200, the daemon is serving;
/// `unavailable` with 503 while no plan has succeeded yet (a damaged state
/// file at start is reported so, in `last_error`).
pub fn healthz(shared: &ServerState) -> Response<Body> {
    let snapshot = shared.current();
    let status = shared.status();
    let state_error = shared.state_error();
    let degraded =
        status.last_error.is_some() || !status.problems.is_empty() || state_error.is_some();
    let (code, state) = match (snapshot.as_ref(), degraded) {
        (None, _) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        (Some(_), true) => (StatusCode::OK, "degraded"),
        (Some(_), false) => (StatusCode::OK, "ok"),
    };
    let detail = match (snapshot.as_ref(), &status.last_error) {
        (None, _) => Some("no plan yet: the first planning attempt has not succeeded"),
        (Some(_), Some(_)) => Some("last attempt failed; the last good plan keeps serving"),
        _ if state_error.is_some() => Some(
            "the plan serves, but its reminders and change notices could not be written; the pass is retried",
        ),
        _ => None,
    };
    let body = json!({
        "status": state,
        "detail": detail,
        // To the nanosecond, so two passes in one second can be told apart.
        "planned_at": snapshot.as_ref().map(|s| s.planned_at.to_string()),
        "last_attempt": status.last_attempt.map(|t| t.to_string()),
        "last_error": status.last_error,
        "state_error": state_error.as_deref(),
        "problems": status.problems,
        "calendar_warnings": status.calendar_warnings,
        "sessions": snapshot.as_ref().map(|s| s.plan.sessions.len()),
        "feeds": snapshot.as_ref().map(|s| s.feeds.len()),
    });
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    text.push('\n');
    let mut res = respond(text, "application/json");
    *res.status_mut() = code;
    res
}

/// `/metrics`: every counter of [`crate::state::Metrics`].
pub fn metrics(shared: &ServerState) -> Response<Body> {
    respond(
        shared.metrics().render(),
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
