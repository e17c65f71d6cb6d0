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

async fn healthz(State(shared): State<Shared>) -> String {
    let snap = shared.snapshot.load();
    format!("ok: planned at {}\n", snap.planned_at)
}

async fn metrics(State(shared): State<Shared>) -> String {
    shared.metrics.render()
}
