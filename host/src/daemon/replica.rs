//! `peerwell serve` as one of several replicas on a shared database.
//!
//! - The lease loop ([`spawn_lease`]) asks the database for the lease every
//!   second while following, and renews it every third of the timeout while
//!   leading; each grant is recorded in [`crate::state::Replica`] with the
//!   moment it was asked for, by this process's monotonic clock. A renewal
//!   refused (another took over) makes the process a follower at once; a
//!   database that cannot be reached keeps a leader leading only until its
//!   last grant is older than the timeout less the margin, then it follows.
//!   At a graceful stop the leader releases the lease, so another takes
//!   over at once.
//! - The follow loop ([`spawn_follow`]) polls the publication generation
//!   every second while not leading and, when it changed, rebuilds the
//!   snapshot from the publication and this replica's own policy files, so
//!   its feeds are byte for byte the leader's (the ETag too; Last-Modified
//!   is the planning moment of the first publication with those bytes this
//!   replica served, so a replica started later may show a later one). Every replica
//!   reads the active feed tokens every [`TOKENS_EVERY`], so a revocation
//!   or rotation reaches all of them within that.
//! - A database error is reported on `/healthz` (`degraded`, the address
//!   without credentials); the last good snapshot keeps serving and the
//!   loops keep trying.
//!
//! Every database call runs on a blocking thread (`spawn_blocking`): the
//! PostgreSQL client must not run on the runtime's threads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use crate::pipeline::Loaded;
use crate::state::{Role, ServerState, Snapshot, TokenMap};
use peerwell_config::Diagnostics;
use peerwell_core::feeds::FeedKey;
use peerwell_store::replica::{Coordinator, Published, decode};
use peerwell_store::{Store, StoreError};

/// How often a follower asks for the lease and the publication generation.
pub const POLL: Duration = Duration::from_secs(1);
/// How often every replica reads the active feed tokens.
pub const TOKENS_EVERY: Duration = Duration::from_secs(2);
/// The lease timeout when `PEERWELL_LEASE_SECONDS` is not set: a dead
/// leader is replaced within this plus [`POLL`] (well within 15 s).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);
/// The environment variable setting the lease timeout, in seconds.
pub const LEASE_ENV: &str = "PEERWELL_LEASE_SECONDS";

/// The coordinator, shared by the loops (one call at a time).
pub type Shared = Arc<Mutex<Box<dyn Coordinator>>>;

/// Reads the active feed tokens (on a blocking thread).
pub type ReadTokens = Arc<dyn Fn() -> Result<BTreeMap<FeedKey, String>, StoreError> + Send + Sync>;

/// Why a replica cannot start, or cannot serve a publication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplicaError {
    /// The state's location (`[state] url`, `PEERWELL_STATE_URL`) is wrong.
    #[error("{0}")]
    Location(#[from] StoreError),
    /// [`LEASE_ENV`] is not a whole number of seconds of at least 1.
    #[error("{LEASE_ENV} = `{0}` is not a whole number of seconds of at least 1")]
    LeaseTimeout(String),
    /// This replica's policy files cannot be read (shown by file and line
    /// only, as everything that leaves the process).
    #[error("{}", .0.public())]
    Policy(Diagnostics),
}

/// The lease timeout from [`LEASE_ENV`] (whole seconds, at least 1),
/// else [`DEFAULT_LEASE`].
pub fn lease_timeout(env: Option<&str>) -> Result<Duration, ReplicaError> {
    match env {
        None | Some("") => Ok(DEFAULT_LEASE),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Duration::from_secs(n)),
            _ => Err(ReplicaError::LeaseTimeout(v.to_string())),
        },
    }
}

/// This process's name in the lease: host, process id and a random part,
/// so a restarted process never counts as its former self.
pub fn holder_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let nonce = peerwell_store::new_token().unwrap_or_default();
    format!(
        "{host}:{}:{}",
        std::process::id(),
        &nonce[..nonce.len().min(8)]
    )
}

/// What a replica on a shared database runs with.
#[derive(Clone)]
pub struct Replicas {
    /// The lease and publications.
    pub coordinator: Shared,
    /// This process's name in the lease.
    pub me: Arc<str>,
    /// Reads the active feed tokens.
    pub read_tokens: ReadTokens,
    /// The lease timeout.
    pub timeout: Duration,
}

/// The replica set-up when the state is a shared database
/// (`PEERWELL_STATE_URL` or `[state] url`), `None` for an embedded state.
/// The location is read once at start: changing it takes a restart. A
/// policy that cannot be read at start still finds the environment's URL.
pub fn setup(dir: &Path) -> Result<Option<Replicas>, ReplicaError> {
    let location = match crate::pipeline::policy(dir) {
        Ok(org) => crate::pipeline::state_location(&org, None),
        Err(_) => peerwell_store::StateLocation::resolve(
            PathBuf::new(),
            &peerwell_store::StateConfig::default(),
            |k| std::env::var(k).ok(),
        ),
    }?;
    let peerwell_store::StateLocation::Postgres(target) = &location else {
        return Ok(None);
    };
    let timeout = lease_timeout(std::env::var(LEASE_ENV).ok().as_deref())?;
    let coordinator: Box<dyn Coordinator> = Box::new(
        peerwell_store::postgres::lease::PgCoordinator::new(target.clone()),
    );
    let store = HeldStore(Mutex::new(None));
    let read_tokens: ReadTokens = Arc::new(move || {
        let mut held = store.0.lock().unwrap_or_else(|p| p.into_inner());
        let open = match held.take() {
            Some(s) => s,
            None => Store::open_location_read_only(&location)?,
        };
        let tokens = open.active_tokens()?;
        *held = Some(open);
        Ok(tokens)
    });
    Ok(Some(Replicas {
        coordinator: Arc::new(Mutex::new(coordinator)),
        me: holder_name().into(),
        read_tokens,
        timeout,
    }))
}

/// The state handle the token reads keep open; closed off the runtime's
/// threads when dropped.
struct HeldStore(Mutex<Option<Store>>);

impl Drop for HeldStore {
    fn drop(&mut self) {
        let held = self.0.get_mut().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(store) = held {
            crate::state::close_off_runtime(store);
        }
    }
}

/// Runs `f` on the coordinator on a blocking thread.
pub async fn call<R: Send + 'static>(
    coordinator: &Shared,
    f: impl FnOnce(&mut dyn Coordinator) -> Result<R, StoreError> + Send + 'static,
) -> Result<R, StoreError> {
    let c = coordinator.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let mut guard = c.lock().unwrap_or_else(|p| p.into_inner());
        f(guard.as_mut())
    })
    .await;
    joined.unwrap_or_else(|e| {
        Err(StoreError::Io {
            path: PathBuf::from("database"),
            message: format!("the database call failed: {e}"),
        })
    })
}

/// Records a database failure (or its end) for `/healthz` and the log.
fn database(state: &ServerState, result: Result<(), &StoreError>) {
    let replica = state.replica();
    match result {
        Ok(()) => {
            if replica.set_db_error(None) {
                tracing::info!("the database is reachable again");
            }
        }
        Err(e) => {
            if replica.set_db_error(Some(e.to_string())) {
                tracing::error!(error = %e, "the database cannot be used; serving the last good plan and retrying");
            }
        }
    }
}

/// One round of the lease loop: renew while leading, else try to take it.
pub async fn lease_round(state: &ServerState, coordinator: &Shared, me: &Arc<str>) {
    let replica = state.replica().clone();
    let (timeout, leading) = (replica.timeout(), replica.role() == Role::Leader);
    let held = replica.lease_generation();
    let asked = Instant::now();
    let who = me.clone();
    let observed = replica.clone();
    let result = call(coordinator, move |c| {
        if leading && c.renew(&who, held, timeout)? {
            return Ok(Some(held));
        }
        if leading {
            return Ok(None);
        }
        match c.acquire(&who, timeout)? {
            Some(generation) => Ok(Some(generation)),
            None => {
                observed.observe_lease(c.lease()?.age);
                Ok(None)
            }
        }
    })
    .await;
    database(state, result.as_ref().map(drop));
    match result {
        Ok(Some(generation)) => {
            if !leading {
                tracing::info!(generation, "leading: this process holds the lease");
            }
            replica.lead(generation, asked);
        }
        Ok(None) if leading => {
            tracing::warn!(
                generation = held,
                "another process took over the lease; following"
            );
            replica.follow();
        }
        Ok(None) => {}
        Err(_) if leading && !replica.may_send() => {
            tracing::warn!(
                generation = held,
                "the lease could not be renewed in time; following"
            );
            replica.follow();
        }
        Err(_) => {}
    }
}

/// Starts the lease loop; at shutdown a leader releases its lease.
pub fn spawn_lease(state: ServerState, coordinator: Shared, me: Arc<str>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stop = state.shutdown_signal();
        loop {
            lease_round(&state, &coordinator, &me).await;
            let replica = state.replica();
            let wait = if replica.role() == Role::Leader {
                replica.timeout() / 3
            } else {
                POLL
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        let replica = state.replica().clone();
        if replica.role() == Role::Leader {
            let held = replica.lease_generation();
            replica.follow();
            let released = call(&coordinator, move |c| c.release(&me, held)).await;
            if released.is_ok() {
                tracing::info!(generation = held, "lease released");
            }
        }
    })
}

/// Starts the follow loop (publications while not leading, tokens always)
/// for the policy folder `dir`.
pub fn spawn_follow(state: ServerState, dir: PathBuf, replicas: Replicas) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stop = state.shutdown_signal();
        let mut tokens_at = tokio::time::Instant::now();
        loop {
            if state.replica().role() != Role::Leader {
                let result = follow_round(&state, &dir, &replicas).await;
                database(&state, result.as_ref().map(drop));
            }
            if tokio::time::Instant::now() >= tokens_at {
                tokens_at = tokio::time::Instant::now() + TOKENS_EVERY;
                let result = read_tokens(&state, &replicas.read_tokens).await;
                database(&state, result.as_ref().map(drop));
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                _ = stop.wait_for(|s| *s) => break,
            }
        }
    })
}

/// Serves the latest publication when it is newer than the one served;
/// true when it swapped a snapshot in.
pub async fn follow_round(
    state: &ServerState,
    dir: &Path,
    follow: &Replicas,
) -> Result<bool, StoreError> {
    let served = state.replica().plan_generation();
    let latest = call(&follow.coordinator, |c| c.published_generation()).await?;
    if latest.is_none_or(|g| g <= served) {
        return Ok(false);
    }
    let Some((generation, text)) = call(&follow.coordinator, |c| c.publication()).await? else {
        return Ok(false);
    };
    let location = follow
        .coordinator
        .lock()
        .map(|c| c.location().to_path_buf());
    let location = location.unwrap_or_default();
    let (dir, previous) = (dir.to_path_buf(), state.current());
    let built = tokio::task::spawn_blocking(move || {
        let published = decode(&location, generation, &text)?;
        Ok::<_, StoreError>(rebuild(&dir, published, previous.as_deref()))
    })
    .await;
    match built {
        Ok(Ok(Ok(snapshot))) => {
            adopt(state, generation, snapshot);
            read_tokens(state, &follow.read_tokens).await?;
            Ok(true)
        }
        Ok(Ok(Err(why))) => {
            tracing::error!(generation, error = %why, "cannot serve the published plan; the last good one keeps serving");
            Ok(false)
        }
        Ok(Err(e)) => Err(e),
        Err(e) => {
            tracing::error!(generation, error = %e, "building the published plan failed");
            Ok(false)
        }
    }
}

/// Swaps in the snapshot of publication `generation`.
fn adopt(state: &ServerState, generation: u64, snapshot: Snapshot) {
    let sessions = snapshot.plan.sessions.len() as u64;
    let planned_at = snapshot.planned_at;
    state.publish(Arc::new(snapshot));
    // What this process reported while it led (a failed pass, a write that
    // failed) no longer holds: it serves the leader's good plan now.
    state.state_recovered();
    state.set_status(crate::state::Status {
        last_attempt: Some(planned_at),
        ..Default::default()
    });
    state.replica().set_plan_generation(generation);
    state
        .metrics()
        .sessions
        .store(sessions, std::sync::atomic::Ordering::Relaxed);
    tracing::info!(generation, sessions, "serving the published plan");
}

/// The snapshot of `published`, with this replica's policy files: feeds
/// depend on the policy, the sessions and the commit only, so they are the
/// leader's bytes. An unreadable policy is an error (file and line only).
pub fn rebuild(
    dir: &Path,
    published: Published,
    previous: Option<&Snapshot>,
) -> Result<Snapshot, ReplicaError> {
    let org = crate::pipeline::policy(dir).map_err(ReplicaError::Policy)?;
    let loaded = Loaded {
        formats: org.formats.clone(),
        org,
        horizon: published.plan.horizon,
        availability: Default::default(),
        calendar_errors: Vec::new(),
        warnings: Vec::new(),
        member_warnings: Default::default(),
    };
    let now = published.planned_at;
    Ok(Snapshot::build(
        loaded,
        published.plan,
        published.commit,
        now,
        previous,
    ))
}

/// Reads the active tokens of the served feeds and swaps the map in when it
/// changed.
pub async fn read_tokens(state: &ServerState, read: &ReadTokens) -> Result<(), StoreError> {
    let Some(snapshot) = state.current() else {
        return Ok(());
    };
    let read = read.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let active = read()?;
        Ok::<_, StoreError>(TokenMap::new(
            active
                .into_iter()
                .filter(|(feed, _)| snapshot.feeds.contains_key(feed)),
        ))
    })
    .await;
    let map = joined.unwrap_or_else(|e| {
        Err(StoreError::Io {
            path: PathBuf::from("database"),
            message: format!("reading the tokens failed: {e}"),
        })
    })?;
    state.set_tokens(map);
    Ok(())
}

#[cfg(test)]
mod tests;
