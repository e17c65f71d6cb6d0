//! The daemon's HTTP side. It reads the current [`crate::state::Snapshot`]
//! and token map and never plans.
//!
//! - [`server`]: the accept loop on hyper (header-read and idle timeouts, a
//!   cap on connections, graceful shutdown) and the routes.
//! - [`feeds`]: `GET|HEAD /feeds/<token>.ics` with ETag and Last-Modified
//!   from the snapshot, and the bytes (plain or gzip) from the state's
//!   feed cache, written on a miss ([`negotiate`] parses the conditional
//!   and encoding headers).
//! - [`pages`]: `/subscribe/<token>`, a self-contained page with one-click
//!   subscribe links.
//! - [`absence`]: `/absence/<token>`, a member's "I can't make it" link:
//!   a page on GET, the answer recorded or undone on POST.
//! - [`health`]: `/healthz` (JSON) and `/metrics` (Prometheus text).
//! - [`admin`]: `/admin/<token>/`, the HR overview, on only with
//!   `[server] admin_token_env` (the page itself is [`crate::overview`]).
//! - the token → feed map is [`crate::state::TokenMap`], refreshed from
//!   the state file after every good planning pass.
//! - [`urls`]: the public base URL and the links built on it.
//!
//! Unknown, revoked and malformed tokens all get the same 404 response
//! ([`not_found`]), so a response never says what exists. Logs name a
//! token by its first characters only.

pub mod absence;
pub mod admin;
pub mod feeds;
pub mod health;
pub mod html;
pub mod negotiate;
pub mod pages;
pub mod server;
pub mod urls;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};

pub use server::{WebConfig, WebLimits, serve};
pub use urls::PublicUrl;

/// The body of every response.
pub type Body = Full<Bytes>;

/// The one body every unknown, revoked or malformed token gets.
pub const NOT_FOUND_BODY: &str = "Not found.\n";

/// The 404 response: the same bytes and headers for every path it answers.
pub fn not_found() -> Response<Body> {
    let mut res = Response::new(Full::new(Bytes::from_static(NOT_FOUND_BODY.as_bytes())));
    *res.status_mut() = StatusCode::NOT_FOUND;
    let h = res.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The first characters of a token, for logs (never the whole secret).
pub fn token_prefix(token: &str) -> &str {
    let end = token.char_indices().nth(6).map_or(token.len(), |(i, _)| i);
    &token[..end]
}

/// Why the HTTP side cannot start; the text is what the user sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// The public base URL (`[server] public_url`, `$PEERWELL_PUBLIC_URL`)
    /// is not an http(s) URL.
    #[error(transparent)]
    PublicUrl(#[from] urls::UrlError),
    /// An environment variable of [`WebLimits`] or the token reload is not
    /// a whole number above 0.
    #[error("{0}")]
    Limit(String),
}

/// Starts the HTTP server on `listener` for `state` on the current
/// runtime: the public URL and limits from `state`'s settings and the
/// environment, the connection cap fitted below the open-file limit. It
/// serves until `state` shuts down, then lets open connections finish.
pub fn start(
    listener: tokio::net::TcpListener,
    state: &crate::state::ServerState,
) -> Result<tokio::task::JoinHandle<std::io::Result<()>>, StartError> {
    let public_url = PublicUrl::parse(&state.settings().public_url())?;
    admin::configure(state, |name| std::env::var(name).ok());
    let config = server::WebConfig::for_server(public_url, state.settings())?;
    let state = state.clone();
    Ok(tokio::spawn(async move {
        let stop = state.clone();
        serve(listener, state, config, async move {
            stop.shutting_down().await
        })
        .await
    }))
}
