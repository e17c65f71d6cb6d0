//! The daemon's HTTP side: it reads the current [`crate::daemon::Snapshot`]
//! and never plans.

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::daemon::Shared;

/// The routes.
pub fn router(shared: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(shared)
}

/// Serves `router` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    shared: Shared,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(shared))
        .with_graceful_shutdown(shutdown)
        .await
}

/// 200 with the plan's moment while a plan is served (with the last
/// reload's error, if it failed); 503 with the error before any plan.
async fn healthz(State(shared): State<Shared>) -> (axum::http::StatusCode, String) {
    let status = shared.status.load();
    let (code, mut body) = match shared.snapshot.load().as_ref() {
        Some(snap) => (
            axum::http::StatusCode::OK,
            format!("ok: planned at {}\n", snap.planned_at),
        ),
        None => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "unavailable: no plan yet\n".to_string(),
        ),
    };
    body.push_str(&status.render());
    (code, body)
}

async fn metrics(State(shared): State<Shared>) -> String {
    shared.metrics.render()
}
