//! The daemon behind `peerwell serve DIR`: plans the policy folder, keeps the
//! plan current, serves feeds and pages over HTTP and sends reminders.
//!
//! - [`snapshot`] turns one planning pass into everything that is served:
//!   every feed's exact bytes (and their gzip), ETag and Last-Modified.
//! - [`metrics`] holds the counters `/metrics` reports.
//! - [`crate::web`] is the HTTP side; it only ever reads the current
//!   [`Snapshot`], which a planning pass swaps in whole, so a request never
//!   sees half of a plan and a failed pass leaves the last good one serving.

pub mod clock;
pub mod metrics;
pub mod snapshot;
pub mod status;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
pub use clock::Clock;
pub use metrics::Metrics;
pub use snapshot::{Feed, FeedKey, Snapshot};
pub use status::Status;

use crate::pipeline::{self, Overrides};
use crate::store::Store;
use jiff::Timestamp;

/// What the HTTP side and the background tasks share.
#[derive(Clone)]
pub struct Shared {
    /// The last good planning pass.
    pub snapshot: Arc<ArcSwap<Snapshot>>,
    pub metrics: Arc<Metrics>,
    /// The last planning attempt, for `/healthz`.
    pub status: Arc<ArcSwap<Status>>,
    pub clock: Clock,
}

/// One planning pass at `now`: loads `dir`, plans stably against the state
/// file, records the plan as published and builds the snapshot to serve.
/// `previous` carries Last-Modified over for feeds whose bytes did not change.
pub fn plan_pass(
    dir: &Path,
    now: Timestamp,
    previous: Option<&Snapshot>,
) -> Result<Snapshot, String> {
    let loaded = pipeline::load(
        dir,
        Overrides {
            now: Some(now),
            ..Overrides::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let path = pipeline::state_path(&loaded.org, None);
    let mut store = Store::open(&path).map_err(|e| e.to_string())?;
    let plan = loaded.plan_stable(&store, now).map_err(|e| e.to_string())?;
    let commit = store
        .commit(&plan, now, &loaded.zones())
        .map_err(|e| e.to_string())?;
    Ok(Snapshot::build(loaded, plan, commit, now, previous))
}

/// Runs `peerwell serve`: one planning pass, then serves it on `listen`
/// until the process is stopped.
pub fn serve(dir: &Path, listen: SocketAddr, clock: Clock) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the runtime: {e}"))?;
    let now = clock.now();
    let first = plan_pass(dir, now, None)?;
    let shared = Shared {
        snapshot: Arc::new(ArcSwap::from_pointee(first)),
        metrics: Arc::new(Metrics::default()),
        status: Arc::new(ArcSwap::from_pointee(Status {
            last_attempt: Some(now),
            ..Status::default()
        })),
        clock,
    };
    shared
        .metrics
        .plans
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    runtime.block_on(async move {
        if let Err(e) = crate::mail::after_pass(&shared, &shared.snapshot.load()) {
            eprintln!("error: reminders were not queued: {e}");
        }
        let (_stop_mail, stop) = tokio::sync::watch::channel(false);
        let _sender = crate::mail::spawn_sender(
            shared.clone(),
            crate::mail::SenderConfig::for_snapshot(&shared.snapshot.load()),
            stop,
        );
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("error: cannot listen on {listen}: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("error: cannot read the listening address: {e}"))?;
        println!("listening on http://{addr}");
        crate::web::serve(listener, shared, std::future::pending())
            .await
            .map_err(|e| format!("error: the HTTP server stopped: {e}"))
    })
}
