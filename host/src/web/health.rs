//! `/healthz` (JSON) and `/metrics` (Prometheus text format 0.0.4).

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::json;

use super::Body;
use crate::state::{Replica, Role, ServerState};

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
    let replica = shared.replica();
    let db_error = replica.db_error();
    let degraded = status.last_error.is_some()
        || !status.problems.is_empty()
        || state_error.is_some()
        || db_error.is_some();
    let (code, state) = match (snapshot.as_ref(), degraded) {
        (None, _) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        (Some(_), true) => (StatusCode::OK, "degraded"),
        (Some(_), false) => (StatusCode::OK, "ok"),
    };
    let detail = match (snapshot.as_ref(), &status.last_error) {
        (None, _) => Some("no plan yet: the first planning attempt has not succeeded"),
        (Some(_), Some(_)) => Some("last attempt failed; the last good plan keeps serving"),
        _ if db_error.is_some() => Some(
            "the database cannot be reached; the last good plan keeps serving and the connection is retried",
        ),
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
        "role": replica.role().as_str(),
        "plan_generation": replica.plan_generation(),
        "lease_generation": replica.lease_generation(),
        "lease_age_seconds": replica.lease_age().map(|a| a.as_secs_f64()),
        "database_error": db_error.as_deref(),
    });
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_default();
    text.push('\n');
    let mut res = respond(text, "application/json");
    *res.status_mut() = code;
    res
}

/// `/metrics`: every counter of [`crate::state::Metrics`], then this
/// replica's role, lease and plan generation.
pub fn metrics(shared: &ServerState) -> Response<Body> {
    let mut text = shared.metrics().render();
    text.push_str(&replica_metrics(shared.replica()));
    respond(text, "text/plain; version=0.0.4; charset=utf-8")
}

/// The replica gauges: `peerwell_role{role=...}` (1 for this process's
/// role, 0 for the others), the plan and lease generations, the lease age.
fn replica_metrics(replica: &Replica) -> String {
    let role = replica.role();
    let mut out = String::from(
        "# HELP peerwell_role This process's role among replicas (single, leader, follower).\n# TYPE peerwell_role gauge\n",
    );
    for r in [Role::Single, Role::Leader, Role::Follower] {
        let on = u8::from(r == role);
        out.push_str(&format!("peerwell_role{{role=\"{}\"}} {on}\n", r.as_str()));
    }
    let gauges = [
        (
            "peerwell_plan_generation",
            "Publication generation of the plan being served (0: none or single).",
            replica.plan_generation() as f64,
        ),
        (
            "peerwell_lease_generation",
            "Lease generation last held by this process (0: never).",
            replica.lease_generation() as f64,
        ),
        (
            "peerwell_lease_age_seconds",
            "Seconds since this process's last lease grant or renewal (0: never held).",
            replica.lease_age().map_or(0.0, |a| a.as_secs_f64()),
        ),
    ];
    for (name, help, value) in gauges {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
        ));
    }
    out
}

fn respond(text: String, content_type: &'static str) -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from(text)));
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
