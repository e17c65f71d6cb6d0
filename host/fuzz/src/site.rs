//! A planned organization in memory, ready to answer HTTP requests the
//! way the daemon does: the minimal test policy, planned once at a fixed
//! moment, its snapshot and feed tokens installed in a [`ServerState`].

use std::path::PathBuf;
use std::sync::Arc;

use hyper::{Request, Response};

use peerwell::daemon::plan_pass;
use peerwell::sources::UrlBodies;
use peerwell::state::{Admin, Clock, ServerState};
use peerwell::web::{Body, PublicUrl, html, server};
use peerwell_config::server::ServerSettings;
use peerwell_core::feeds::FeedKey;

/// The policy the site serves (tests/config/valid/minimal).
const FILES: [(&str, &str); 3] = [
    (
        "peerwell.toml",
        include_str!("../../../tests/config/valid/minimal/peerwell.toml"),
    ),
    (
        "people.toml",
        include_str!("../../../tests/config/valid/minimal/people.toml"),
    ),
    (
        "groups/walk.toml",
        include_str!("../../../tests/config/valid/minimal/groups/walk.toml"),
    ),
];

/// The HR overview's token on the fuzzed site (`/admin/<token>/`).
pub const ADMIN_TOKEN: &str = "fuzz-admin-token-0123456789abcdef";

/// The daemon's request state and what a fuzz input may refer to.
pub struct Site {
    pub shared: ServerState,
    pub public_url: PublicUrl,
    pub page_headers: html::PageHeaders,
    /// Every active token with the feed it opens.
    pub tokens: Vec<(String, FeedKey)>,
    /// Kept so the daemon does not see a shutdown.
    _stop: tokio::sync::watch::Sender<bool>,
}

fn folder() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("peerwell-fuzz-http-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in FILES {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("scratch folder");
        std::fs::write(path, text).expect("write the policy");
    }
    dir
}

impl Site {
    /// Plans the minimal policy at 2026-03-02 and serves its feeds.
    pub fn new() -> Site {
        let now = crate::ts("2026-03-02T12:00:00Z");
        let dir = folder();
        let snapshot = plan_pass(&dir, now, None, &|_| UrlBodies::new()).expect("plans");
        let (shared, stop) = ServerState::new(ServerSettings::default(), Clock::manual(now));
        shared.refresh_tokens(&snapshot).expect("tokens");
        shared.set_admin(Admin::with_token(ADMIN_TOKEN));
        let map = shared.tokens();
        let tokens = snapshot
            .feeds
            .keys()
            .filter_map(|k| Some((map.token(k)?.to_string(), k.clone())))
            .collect();
        shared.publish(Arc::new(snapshot));
        Site {
            shared,
            public_url: PublicUrl::parse("https://peerwell.example.org").expect("url"),
            page_headers: html::PageHeaders::new(),
            tokens,
            _stop: stop,
        }
    }

    /// The routes of `peerwell serve`, the same function the daemon's
    /// accept loop serves requests through.
    pub fn handle<B>(&self, req: &Request<B>) -> Response<Body> {
        server::route(&self.shared, &self.public_url, &self.page_headers, req)
    }
}

impl Default for Site {
    fn default() -> Self {
        Site::new()
    }
}
