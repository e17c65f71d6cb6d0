//! The accept loop and routes, on hyper's HTTP/1 server directly.
//!
//! Limits ([`WebLimits`]): a client must send a request's headers within
//! `header_read_timeout` (slowloris; this also bounds how long an idle
//! keep-alive connection waits for its next request); a connection that
//! moves no bytes for `idle_timeout` is closed (after finishing its
//! response if it can); at most `max_connections` are open at once — the
//! accept loop waits for a free slot, so further clients wait in the
//! kernel's backlog instead of costing memory. When `shutdown` completes
//! the loop stops accepting, open connections finish their response and
//! close, and [`serve`] returns once all have. Every
//! [`WebConfig::token_reload`] the token map is re-read from the state file
//! (see [`super::refresh`]), so a revoked token stops working within
//! seconds without a planning pass.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::header::{ALLOW, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use super::{Body, PublicUrl, feeds, health, html, not_found, pages};
use crate::daemon::Shared;

/// Environment variables that override [`WebLimits`] (milliseconds and a
/// count); `[server]` keys in `peerwell.toml` map onto the same struct.
pub const HEADER_TIMEOUT_ENV: &str = "PEERWELL_HTTP_HEADER_TIMEOUT_MS";
/// See [`HEADER_TIMEOUT_ENV`].
pub const IDLE_TIMEOUT_ENV: &str = "PEERWELL_HTTP_IDLE_TIMEOUT_MS";
/// See [`HEADER_TIMEOUT_ENV`].
pub const MAX_CONNECTIONS_ENV: &str = "PEERWELL_HTTP_MAX_CONNECTIONS";
/// Overrides [`WebConfig::token_reload`] (milliseconds).
pub const TOKEN_RELOAD_ENV: &str = "PEERWELL_TOKEN_RELOAD_MS";

/// Connection limits of the HTTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebLimits {
    /// Time a client has to send a request's headers (default 10 s).
    pub header_read_timeout: Duration,
    /// A connection moving no bytes this long is closed (default 60 s).
    pub idle_timeout: Duration,
    /// Connections open at once (default 1024).
    pub max_connections: usize,
}

impl Default for WebLimits {
    fn default() -> Self {
        WebLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

impl WebLimits {
    /// The defaults, with each environment variable that is set applied.
    pub fn from_env() -> Result<WebLimits, String> {
        let mut limits = WebLimits::default();
        if let Some(ms) = read(HEADER_TIMEOUT_ENV)? {
            limits.header_read_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = read(IDLE_TIMEOUT_ENV)? {
            limits.idle_timeout = Duration::from_millis(ms);
        }
        if let Some(n) = read(MAX_CONNECTIONS_ENV)? {
            limits.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
        }
        Ok(limits)
    }
}

fn read(name: &str) -> Result<Option<u64>, String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!(
                "error: ${name} is `{v}`, expected a whole number above 0"
            )),
        },
        _ => Ok(None),
    }
}

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The base of the URLs the subscribe pages show.
    pub public_url: PublicUrl,
    /// Timeouts and the connection cap.
    pub limits: WebLimits,
    /// How often the token map is re-read from the state file, so that
    /// `peerwell tokens revoke|rotate` takes effect without a planning pass
    /// (default 5 s; `None`: only after planning passes).
    pub token_reload: Option<Duration>,
}

impl WebConfig {
    /// `public_url` with the limits and token reload interval from the
    /// environment (see [`WebLimits::from_env`], [`TOKEN_RELOAD_ENV`]).
    pub fn from_env(public_url: PublicUrl) -> Result<WebConfig, String> {
        Ok(WebConfig {
            public_url,
            limits: WebLimits::from_env()?,
            token_reload: Some(Duration::from_millis(
                read(TOKEN_RELOAD_ENV)?.unwrap_or(5000),
            )),
        })
    }
}

/// What every request handler reads.
struct Site {
    shared: Shared,
    public_url: PublicUrl,
    page_headers: html::PageHeaders,
}

impl Site {
    fn handle(&self, req: &Request<Incoming>) -> Response<Body> {
        let method = req.method();
        if method != Method::GET && method != Method::HEAD {
            let mut res = Response::new(Body::default());
            *res.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            res.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            return res;
        }
        let path = req.uri().path();
        if let Some(rest) = path.strip_prefix("/feeds/") {
            let token = rest.strip_suffix(".ics").unwrap_or("");
            return feeds::respond(&self.shared, method, req.headers(), token);
        }
        if let Some(token) = path.strip_prefix("/subscribe/") {
            return pages::respond(&self.shared, &self.public_url, &self.page_headers, token);
        }
        match path {
            "/healthz" => health::healthz(&self.shared),
            "/metrics" => health::metrics(&self.shared),
            _ => not_found(),
        }
    }
}

/// Serves on `listener` until `shutdown` completes, then lets open
/// connections finish and returns.
pub async fn serve(
    listener: TcpListener,
    shared: Shared,
    config: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = config.limits;
    let reload = config.token_reload.map(|every| {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let shared = shared.clone();
                let done = tokio::task::spawn_blocking(move || match shared.snapshot.load_full() {
                    Some(snapshot) => super::refresh(&shared, &snapshot),
                    None => Ok(()),
                })
                .await;
                if let Ok(Err(e)) = done {
                    tracing::warn!(error = %e, "cannot re-read the feed tokens");
                }
            }
        })
    });
    let site = Arc::new(Site {
        shared,
        public_url: config.public_url,
        page_headers: html::PageHeaders::new(),
    });
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopped) = watch::channel(false);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::new());
        let io = Idle {
            inner: TokioIo::new(stream),
            activity: activity.clone(),
        };
        let site = site.clone();
        let conn = http.serve_connection(
            io,
            service_fn(move |req| {
                let res = site.handle(&req);
                std::future::ready(Ok::<_, Infallible>(res))
            }),
        );
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            let mut closing = false;
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(error = %e, "connection ended");
                        }
                        break;
                    }
                    r = stopped.changed(), if !closing => {
                        let _ = r;
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                    () = activity.idle_for(limits.idle_timeout) => {
                        if closing {
                            // It did not finish within another idle period.
                            break;
                        }
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                        activity.touch();
                    }
                }
            }
            drop(permit);
            drop(stopped);
        });
    }
    if let Some(task) = reload {
        task.abort();
    }
    let _ = stop.send(true);
    drop(stopped);
    stop.closed().await;
    Ok(())
}

/// When a connection last moved bytes, in milliseconds since `base`.
struct Activity {
    base: Instant,
    last: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            base: Instant::now(),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }

    /// Completes once no bytes moved for `idle`.
    async fn idle_for(&self, idle: Duration) {
        loop {
            let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
            let deadline = self.base + last + idle;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

/// A connection's I/O that records when bytes last moved.
struct Idle<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T: hyper::rt::Read + Unpin> hyper::rt::Read for Idle<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if r.is_ready() {
            this.activity.touch();
        }
        r
    }
}

impl<T: hyper::rt::Write + Unpin> hyper::rt::Write for Idle<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        if r.is_ready() {
            this.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if r.is_ready() {
            this.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
