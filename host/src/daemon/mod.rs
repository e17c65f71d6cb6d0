//! The daemon behind `peerwell serve DIR`: plans the policy folder, keeps the
//! plan current, serves feeds and pages over HTTP and sends reminders.
//!
//! - [`run`] is the loop: the first pass, then a re-plan on a file change
//!   ([`watch`]), on SIGHUP and every `replan_minutes`; SIGTERM/SIGINT shut
//!   down gracefully.
//! - [`sources`] fetches calendars given as http(s) URLs, keeping the bytes
//!   in memory only.
//! - [`snapshot`] turns one planning pass into everything that is served:
//!   every feed's exact bytes (and their gzip), ETag and Last-Modified.
//! - [`metrics`] holds the counters `/metrics` reports; [`status`] what
//!   `/healthz` reports; [`logging`] the structured logs.
//! - [`crate::web`] is the HTTP side; it only ever reads the current
//!   [`Snapshot`], which a planning pass swaps in whole, so a request never
//!   sees half of a plan and a failed pass leaves the last good one serving.

pub mod clock;
pub mod logging;
pub mod metrics;
pub mod run;
pub mod snapshot;
pub mod sources;
pub mod status;
pub mod watch;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use arc_swap::{ArcSwap, ArcSwapOption};
pub use clock::Clock;
pub use metrics::Metrics;
pub use snapshot::{Feed, FeedKey, Snapshot};
pub use status::Status;
use tokio::sync::watch as signal_watch;
use tokio::task::JoinHandle;

use crate::config::server::ServerSettings;
use crate::pipeline::{self, FetchUrls, Overrides};
use crate::store::Store;
use jiff::Timestamp;

/// What the HTTP side and the background tasks share.
#[derive(Clone)]
pub struct Shared {
    /// The last good planning pass; `None` until one succeeds (feeds are
    /// then 404 and `/healthz` reports the error).
    pub snapshot: Arc<ArcSwapOption<Snapshot>>,
    pub metrics: Arc<Metrics>,
    /// The last planning attempt, for `/healthz`.
    pub status: Arc<ArcSwap<Status>>,
    pub clock: Clock,
    /// `[server]` settings with the environment and `--listen` applied
    /// (`public_url()` is the base of feed and subscribe links).
    pub settings: Arc<ServerSettings>,
    /// Becomes `true` when the daemon is shutting down: the HTTP server
    /// stops accepting and the mail sender finishes its current send.
    pub shutdown: signal_watch::Receiver<bool>,
    /// Active feed tokens, swapped by [`crate::web::refresh`].
    pub tokens: Arc<ArcSwap<crate::web::TokenMap>>,
    /// The reminder sender, started after the first good pass (the outbox
    /// lives beside the state file the policy names); awaited at shutdown.
    pub mail_sender: Arc<Mutex<Option<JoinHandle<()>>>>,
    /// Held while a pass's reminders are queued (one pass at a time).
    pub mail_queue: Arc<Mutex<()>>,
}

impl Shared {
    /// Nothing planned yet, with `settings` and `clock`; the sender half
    /// starts the shutdown when it sends `true` (or is dropped).
    pub fn new(settings: ServerSettings, clock: Clock) -> (Shared, signal_watch::Sender<bool>) {
        let (stop_tx, stop_rx) = signal_watch::channel(false);
        let shared = Shared {
            snapshot: Arc::new(ArcSwapOption::empty()),
            metrics: Arc::new(Metrics::default()),
            status: Arc::new(ArcSwap::from_pointee(Status::default())),
            clock,
            settings: Arc::new(settings),
            shutdown: stop_rx,
            tokens: Arc::default(),
            mail_sender: Arc::default(),
            mail_queue: Arc::default(),
        };
        (shared, stop_tx)
    }

    /// The snapshot being served, if any pass has succeeded.
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.load_full()
    }

    /// Resolves once shutdown has begun.
    pub async fn shutting_down(&self) {
        let mut rx = self.shutdown.clone();
        // An error means the sender is gone: the daemon is stopping anyway.
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// Called after every good pass, once `snapshot` is being served: the list
/// of what other parts of the daemon do with a new plan (one line each).
/// Runs on the loop's task; anything slow must spawn its own task.
pub fn after_pass(shared: &Shared, snapshot: &Arc<Snapshot>) {
    if let Err(e) = crate::web::refresh(shared, snapshot) {
        tracing::error!(error = %e, "cannot update the feed tokens; the previous ones keep serving");
    }
    // Queuing reminders can take seconds for a large organization: it runs
    // beside the loop, one pass at a time, and skips a plan already replaced.
    let (s, snap) = (shared.clone(), snapshot.clone());
    tokio::task::spawn_blocking(move || {
        let _one = s.mail_queue.lock().unwrap_or_else(|p| p.into_inner());
        let current = s.current().is_some_and(|c| Arc::ptr_eq(&c, &snap));
        if current && let Err(e) = crate::mail::after_pass(&s, &snap) {
            tracing::error!(error = %e, "reminders were not queued; the plan still serves");
        }
        drop(snap);
        release_free_memory();
    });
    let mut sender = shared.mail_sender.lock().unwrap_or_else(|p| p.into_inner());
    if sender.is_none() {
        let config = crate::mail::SenderConfig::for_snapshot(snapshot);
        *sender = Some(crate::mail::spawn_sender(
            shared.clone(),
            config,
            shared.shutdown.clone(),
        ));
    }
}

/// Gives memory freed by a pass (the planner's working set, the replaced
/// snapshot) back to the system: glibc keeps freed heap otherwise, and a
/// large organization's pass would hold its peak for good.
#[allow(unsafe_code)]
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// One planning pass at `now`: loads `dir` (URL calendars through `urls`),
/// plans stably against the state file, records the plan as published and
/// builds the snapshot to serve. `previous` carries Last-Modified over for
/// feeds whose bytes did not change.
pub fn plan_pass(
    dir: &Path,
    now: Timestamp,
    previous: Option<&Snapshot>,
    urls: &FetchUrls<'_>,
) -> Result<Snapshot, String> {
    let loaded = pipeline::load_with(
        dir,
        Overrides {
            now: Some(now),
            ..Overrides::default()
        },
        urls,
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

/// The daemon's settings: `[server]` in `dir/peerwell.toml`, then the
/// `PEERWELL_*` environment, then `--listen`. A broken `[server]` table is
/// reported and the defaults used (the first pass reports it too); a bad
/// environment variable is an error.
pub fn settings(dir: &Path, listen: Option<SocketAddr>) -> Result<ServerSettings, String> {
    let file = match crate::config::server::load(dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            eprintln!("warning: [server] settings could not be read; using the defaults");
            ServerSettings::default()
        }
    };
    let mut s = file.with_env(|k| std::env::var(k).ok())?;
    if let Some(l) = listen {
        s.listen = l;
    }
    Ok(s)
}

/// Runs `peerwell serve`: plans, serves on the configured address and keeps
/// the plan current until SIGTERM or SIGINT, then shuts down gracefully.
pub fn serve(dir: &Path, listen: Option<SocketAddr>, clock: Clock) -> Result<(), String> {
    let settings = settings(dir, listen).map_err(|e| format!("error: {e}"))?;
    logging::init(settings.log_format).map_err(|e| format!("error: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the runtime: {e}"))?;
    runtime.block_on(run::run(dir.to_path_buf(), settings, clock))
}
