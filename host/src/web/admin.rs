//! `GET /admin/<token>/`: the HR overview (see [`crate::overview`]).
//!
//! On only when `[server] admin_token_env` names an environment variable
//! that is set and not empty ([`configure`], at start). The token is a
//! path segment, like the feed tokens: a browser opens it without a
//! prompt or script, and a bookmark keeps it. It never reaches a log (the
//! daemon logs no request paths, and this module names no token), nor a
//! Referer (`Referrer-Policy: no-referrer` and the page's own `<meta>`;
//! its links say `rel="noreferrer"` too), nor a cache (`no-store`). A
//! missing, wrong or disabled token gets the one 404 every unknown path
//! gets, after a constant-time comparison.

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};

use super::{Body, PublicUrl, not_found};
use crate::overview::{self, FeedLink, Input, PlanStatus, Target};
use crate::state::{Admin, ServerState, Snapshot, TokenMap};
use peerwell_core::feeds::FeedKey;

/// Tokens shorter than this are accepted with a warning in the log.
pub const SHORT_TOKEN: usize = 24;

/// Reads the token from the variable `[server] admin_token_env` names
/// (through `var`) and turns the overview on or off in `state`. Logs
/// which, naming the variable, never its value.
pub fn configure(state: &ServerState, var: impl Fn(&str) -> Option<String>) {
    let Some(name) = state.settings().admin_token_env.clone() else {
        state.set_admin(Admin::default());
        return;
    };
    let token = var(&name).unwrap_or_default();
    if token.is_empty() {
        tracing::warn!(
            variable = %name,
            "the HR overview is off: [server] admin_token_env names a variable that is not set or empty"
        );
        state.set_admin(Admin::default());
        return;
    }
    if token.len() < SHORT_TOKEN {
        tracing::warn!(
            variable = %name,
            "the HR overview's token is short: use at least {SHORT_TOKEN} random characters (e.g. `openssl rand -hex 24`)"
        );
    }
    if !token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
    {
        tracing::warn!(
            variable = %name,
            "the HR overview's token has characters a URL must percent-encode: use letters, digits, `-`, `_`, `.` and `~`"
        );
    }
    tracing::info!(variable = %name, "the HR overview is on at /admin/<token>/");
    state.set_admin(Admin::with_token(&token));
}

/// Answers `/admin/<rest>`: the overview when `rest` is the token (with or
/// without a trailing `/`), else the 404 of every unknown path.
pub fn respond(shared: &ServerState, url: &PublicUrl, rest: &str) -> Response<Body> {
    let admin = shared.admin();
    let token = rest.strip_suffix('/').unwrap_or(rest);
    if !admin.admits(token) {
        return not_found();
    }
    let Some(snapshot) = shared.current() else {
        return not_found();
    };
    let status = shared.status();
    let tokens = shared.tokens();
    let html = admin.page(&snapshot, &status, &tokens, || {
        crate::state::off_runtime(|| Bytes::from(render(shared, &snapshot, &tokens, url)))
    });
    let mut res = Response::new(Full::new(html));
    let h = res.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&overview::page::csp(true)) {
        h.insert(CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

/// The overview of `snapshot` with the server's status and subscribe links.
fn render(shared: &ServerState, snapshot: &Snapshot, tokens: &TokenMap, url: &PublicUrl) -> String {
    let status = shared.status();
    let mut errors = Vec::new();
    if let Some(e) = &status.last_error {
        errors.extend(
            e.lines()
                .map(|l| format!("last attempt failed (the plan shown keeps serving): {l}")),
        );
    }
    errors.extend(status.problems.iter().cloned());
    if let Some(e) = shared.state_error() {
        errors.push(format!("the state could not be written: {e}"));
    }
    let org = &snapshot.loaded.org;
    let link = |key: FeedKey| tokens.token(&key).map(|t| url.subscribe(t));
    let mut feeds: Vec<FeedLink> = org
        .groups
        .iter()
        .map(|g| FeedLink {
            kind: "group",
            id: g.id.clone(),
            name: g.name.clone(),
            url: link(FeedKey::Group(g.id.clone())),
        })
        .collect();
    feeds.extend(org.people.values().map(|p| FeedLink {
        kind: "member",
        id: p.id.clone(),
        name: p.name.clone(),
        url: link(FeedKey::Member(p.id.clone())),
    }));
    let input = Input {
        loaded: &snapshot.loaded,
        plan: &snapshot.plan,
        now: snapshot.planned_at,
        status: PlanStatus {
            planned_at: Some(snapshot.planned_at),
            last_attempt: status.last_attempt,
            errors,
        },
        feeds,
        target: Target::Served,
    };
    overview::render(&input).html
}
