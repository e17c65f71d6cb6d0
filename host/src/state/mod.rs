//! What the running server shares between its parts: the plan being
//! served, the feed tokens, the last attempt's status, the counters, the
//! settings, the clock and the shutdown and retry signals.
//!
//! The daemon's loop writes it ([`ServerState::publish`],
//! [`ServerState::set_status`], [`ServerState::refresh_tokens`]); the HTTP
//! side and the mail sender only read it. Every part depends on this
//! module, none on another: the daemon does not know the HTTP routes, and
//! the HTTP side does not know how a plan is made.
//!
//! - [`snapshot`]: one planning pass, ready to serve (every feed's ETag,
//!   Last-Modified and length, and its bytes written on demand).
//! - [`feed_cache`]: the feeds' bytes (and gzip) clients asked for, kept
//!   up to a budget.
//! - [`tokens`]: the token → feed map.
//! - [`status`]: what `/healthz` reports; [`metrics`]: the counters
//!   `/metrics` reports.
//! - [`clock`]: the server's notion of now.
//! - [`limits`]: the absence links' request budgets.
//! - [`replica`]: this process's role among replicas sharing a database,
//!   its lease and the plan generation it serves.
//! - [`admin`]: the HR overview's key and its page, rendered once per plan.

pub mod admin;
pub mod clock;
pub mod feed_cache;
pub mod limits;
pub mod metrics;
pub mod replica;
pub mod snapshot;
pub mod status;
pub mod tokens;

use std::sync::Arc;

pub use admin::Admin;
use arc_swap::{ArcSwap, ArcSwapOption};
pub use clock::Clock;
pub use feed_cache::FeedCache;
pub use metrics::Metrics;
use peerwell_config::server::ServerSettings;
use peerwell_store::StoreError;
pub use replica::{Replica, Role};
pub use snapshot::{Feed, Snapshot, http_date};
pub use status::Status;
pub use tokens::TokenMap;
use tokio::sync::{Notify, watch};

use crate::links::{AbsenceLinks, LinkKey};

/// Runs `f`, which may use the state's database client, off the async
/// runtime's worker duties: the synchronous PostgreSQL client must not run
/// on a runtime thread as such (it would start a runtime inside one).
pub fn off_runtime<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// Drops `value` (a handle on the state's database) where closing it may
/// block: on a thread of its own when called on an async runtime's thread
/// (the synchronous PostgreSQL client runs a runtime of its own to close).
pub fn close_off_runtime<T: Send + 'static>(value: T) {
    if tokio::runtime::Handle::try_current().is_ok() {
        let _ = std::thread::Builder::new()
            .name("peerwell-close".to_string())
            .spawn(move || drop(value));
    } else {
        drop(value);
    }
}

/// The state every part of the server shares; cheap to clone (every clone
/// sees the same state).
#[derive(Clone)]
pub struct ServerState {
    /// The last good planning pass; `None` until one succeeds (feeds are
    /// then 404 and `/healthz` reports the error).
    snapshot: Arc<ArcSwapOption<Snapshot>>,
    metrics: Arc<Metrics>,
    /// The last planning attempt, for `/healthz`.
    status: Arc<ArcSwap<Status>>,
    clock: Clock,
    /// `[server]` settings with the environment and `--listen` applied.
    settings: Arc<ServerSettings>,
    /// Becomes `true` when the server is shutting down.
    shutdown: watch::Receiver<bool>,
    /// Active feed tokens.
    tokens: Arc<ArcSwap<TokenMap>>,
    /// Why the last write after a good pass failed, until one succeeds.
    state_error: Arc<ArcSwapOption<String>>,
    /// Asks the loop for another pass after a back-off.
    retry: Arc<Notify>,
    /// This process's role among replicas ([`Role::Single`] on an
    /// embedded state).
    replica: Arc<Replica>,
    /// The state's absence link secret, read (or made) the first time a
    /// link is made or checked.
    link_key: Arc<ArcSwapOption<LinkKey>>,
    /// Asks the loop for a pass at once: an absence was recorded or undone.
    replan: Arc<Notify>,
    /// Request budgets of the absence links, per link and per client.
    absence_limits: Arc<limits::AbsenceLimits>,
    /// The HR overview's key and page (off until the HTTP side sets it).
    admin: Arc<ArcSwap<Admin>>,
    /// Feed bytes written for requests, kept up to `feed_cache_mib`.
    feed_cache: Arc<FeedCache>,
}

impl ServerState {
    /// Nothing planned yet, with `settings` and `clock`; the sender half
    /// starts the shutdown when it sends `true` (or is dropped).
    pub fn new(settings: ServerSettings, clock: Clock) -> (ServerState, watch::Sender<bool>) {
        ServerState::with_replica(settings, clock, Replica::default())
    }

    /// As [`ServerState::new`], for a process in `replica`'s role.
    pub fn with_replica(
        settings: ServerSettings,
        clock: Clock,
        replica: Replica,
    ) -> (ServerState, watch::Sender<bool>) {
        let (stop_tx, stop_rx) = watch::channel(false);
        let feed_cache = Arc::new(FeedCache::new(
            settings.feed_cache_mib as usize * 1024 * 1024,
        ));
        let state = ServerState {
            snapshot: Arc::new(ArcSwapOption::empty()),
            metrics: Arc::new(Metrics::default()),
            status: Arc::new(ArcSwap::from_pointee(Status::default())),
            clock,
            settings: Arc::new(settings),
            shutdown: stop_rx,
            tokens: Arc::default(),
            state_error: Arc::new(ArcSwapOption::empty()),
            retry: Arc::new(Notify::new()),
            replica: Arc::new(replica),
            link_key: Arc::new(ArcSwapOption::empty()),
            replan: Arc::new(Notify::new()),
            absence_limits: Arc::default(),
            admin: Arc::default(),
            feed_cache,
        };
        (state, stop_tx)
    }

    /// The snapshot being served, if any pass has succeeded.
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.load_full()
    }

    /// True once some pass has succeeded.
    pub fn serving(&self) -> bool {
        self.snapshot.load().is_some()
    }

    /// Serves `snapshot` from now on (swapped in whole: a request sees the
    /// old plan or the new one, never half of one).
    pub fn publish(&self, snapshot: Arc<Snapshot>) {
        self.snapshot.store(Some(snapshot));
    }

    /// This process's role, lease and served plan generation.
    pub fn replica(&self) -> &Arc<Replica> {
        &self.replica
    }

    /// The HR overview's key and page.
    pub fn admin(&self) -> Arc<Admin> {
        self.admin.load_full()
    }

    /// Turns the HR overview on (or off) with `admin`.
    pub fn set_admin(&self, admin: Admin) {
        self.admin.store(Arc::new(admin));
    }

    /// The counters `/metrics` reports.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The last planning attempt.
    pub fn status(&self) -> Arc<Status> {
        self.status.load_full()
    }

    /// Records the last planning attempt.
    pub fn set_status(&self, status: Status) {
        self.status.store(Arc::new(status));
    }

    /// The server's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The current time by the server's clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// `[server]` settings with the environment and `--listen` applied
    /// (`public_url()` is the base of feed and subscribe links).
    pub fn settings(&self) -> &ServerSettings {
        &self.settings
    }

    /// The feed bytes written for requests so far, up to a budget.
    pub fn feed_cache(&self) -> &FeedCache {
        &self.feed_cache
    }

    /// The active feed tokens.
    pub fn tokens(&self) -> Arc<TokenMap> {
        self.tokens.load_full()
    }

    /// After a good planning pass: gives every feed of `snapshot` a token
    /// when it has none (written to the state file, so tokens survive
    /// restarts) and swaps the token map in.
    pub fn refresh_tokens(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let map = tokens::active(snapshot, self.now())?;
        self.tokens.store(Arc::new(map));
        Ok(())
    }

    /// Serves `map` as the active tokens from now on.
    pub fn set_tokens(&self, map: TokenMap) {
        self.tokens.store(Arc::new(map));
    }

    /// Why the last write after a good pass (queuing its reminders and
    /// notices) failed, until one succeeds; `/healthz` reports it.
    pub fn state_error(&self) -> Option<Arc<String>> {
        self.state_error.load_full()
    }

    /// True while a write after a good pass is failing.
    pub fn has_state_error(&self) -> bool {
        self.state_error.load().is_some()
    }

    /// Records that a write after a good pass failed with `error`, and asks
    /// the loop for another pass after a back-off.
    pub fn state_failed(&self, error: &StoreError) {
        self.state_error.store(Some(Arc::new(error.to_string())));
        self.retry.notify_one();
    }

    /// Clears the write failure; true when there was one.
    pub fn state_recovered(&self) -> bool {
        self.state_error.swap(None).is_some()
    }

    /// Resolves when some part asked for a retry pass.
    pub async fn retry_requested(&self) {
        self.retry.notified().await;
    }

    /// The absence link key of the state the served plan lives in, read
    /// from the state (made there the first time) once, then kept. Call
    /// it off the runtime's threads ([`off_runtime`]): it may open the
    /// state.
    pub fn link_key(&self) -> Result<Arc<LinkKey>, StoreError> {
        if let Some(key) = self.link_key.load_full() {
            return Ok(key);
        }
        let Some(snapshot) = self.current() else {
            return Err(StoreError::Io {
                path: std::path::PathBuf::from("state"),
                message: "nothing is planned yet".to_string(),
            });
        };
        let location = crate::pipeline::state_location(&snapshot.loaded.org, None)?;
        let mut store = peerwell_store::Store::open_location(&location)?;
        let key = Arc::new(LinkKey::new(store.link_secret(self.now())?));
        close_off_runtime(store);
        self.link_key.store(Some(key.clone()));
        Ok(key)
    }

    /// The absence links members get in reminders and on their subscribe
    /// page: only when a public base URL is configured (`[server]
    /// public_url` or `PEERWELL_PUBLIC_URL`), so no message carries a
    /// link to an address members cannot reach. `None` also when the key
    /// cannot be read (logged).
    pub fn absence_links(&self) -> Option<AbsenceLinks> {
        let base = self.settings.public_url.as_deref()?;
        match self.link_key() {
            Ok(key) => Some(AbsenceLinks::new(base, (*key).clone())),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the absence link secret; messages go without the link");
                None
            }
        }
    }

    /// The absence links' request budgets.
    pub fn absence_limits(&self) -> &limits::AbsenceLimits {
        &self.absence_limits
    }

    /// Asks the loop for a planning pass at once (an absence changed).
    pub fn request_replan(&self) {
        self.replan.notify_one();
    }

    /// Resolves when some part asked for a pass at once.
    pub async fn replan_requested(&self) {
        self.replan.notified().await;
    }

    /// A receiver that turns `true` when shutdown begins.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.clone()
    }

    /// Resolves once shutdown has begun.
    pub async fn shutting_down(&self) {
        let mut rx = self.shutdown.clone();
        // An error means the sender is gone: the server is stopping anyway.
        let _ = rx.wait_for(|stop| *stop).await;
    }
}
