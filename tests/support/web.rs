//! A daemon on a copy of `examples/clinic` with its own state folder, and
//! the feeds `peerwell feeds` lists for it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cli::{Run, copy_example, peerwell_in};
use crate::daemon::Daemon;

/// The moment every web test's daemon starts its clock at.
pub const NOW: &str = "2026-03-02T08:00:00Z";

/// One row of `peerwell feeds --format json`.
#[derive(Debug, Clone)]
pub struct FeedRow {
    pub kind: String,
    pub id: String,
    pub name: String,
    pub feed_url: String,
    pub subscribe_url: String,
    /// The token: the feed URL's last segment without `.ics`.
    pub token: String,
}

/// A running daemon over a private copy of the example.
pub struct Site {
    /// Holds the policy copy (`policy/`) and the state (`state/`).
    pub tmp: tempfile::TempDir,
    pub daemon: Daemon,
    env: Vec<(String, String)>,
}

impl Site {
    /// Copies the example and starts `peerwell serve` with `--now NOW` and
    /// the extra environment `env`.
    pub fn start(env: &[(&str, &str)]) -> Site {
        Self::start_with(env, |_| {})
    }

    /// As [`Site::start`], after `edit` changed the policy copy.
    pub fn start_with(env: &[(&str, &str)], edit: impl FnOnce(&Path)) -> Site {
        let tmp = tempfile::tempdir().unwrap();
        copy_example(&tmp.path().join("policy"));
        edit(&tmp.path().join("policy"));
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let daemon = launch(tmp.path(), &env);
        Site { tmp, daemon, env }
    }

    /// The policy folder.
    pub fn policy(&self) -> PathBuf {
        self.tmp.path().join("policy")
    }

    /// The state folder (`PEERWELL_DATA_DIR`).
    pub fn state(&self) -> PathBuf {
        self.tmp.path().join("state")
    }

    /// Stops the daemon and starts a new one on the same folders.
    pub fn restart(&mut self) {
        let _ = self.daemon.child.kill();
        let _ = self.daemon.child.wait();
        self.daemon = launch(self.tmp.path(), &self.env);
    }

    /// `http://ADDR` + `path`.
    pub fn url(&self, path: &str) -> String {
        self.daemon.url(path)
    }

    /// Runs `peerwell ARGS` against this site's state folder.
    pub fn cli(&self, args: &[&str]) -> Run {
        peerwell_in(args, &self.state())
    }

    /// `peerwell feeds POLICY --format json --base-url <daemon>`.
    pub fn feeds(&self) -> Vec<FeedRow> {
        let policy = self.policy();
        let base = self.url("");
        let run = self.cli(&[
            "feeds",
            policy.to_str().unwrap(),
            "--format",
            "json",
            "--base-url",
            &base,
        ]);
        run.assert_code(0);
        let rows: Value = serde_json::from_str(&run.stdout).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap().to_string();
                let feed_url = s("feed_url");
                let token = feed_url
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .trim_end_matches(".ics")
                    .to_string();
                FeedRow {
                    kind: s("kind"),
                    id: s("id"),
                    name: s("name"),
                    feed_url,
                    subscribe_url: s("subscribe_url"),
                    token,
                }
            })
            .collect()
    }
}

fn launch(tmp: &Path, env: &[(String, String)]) -> Daemon {
    let state = tmp.join("state");
    let state = state.to_str().unwrap().to_string();
    let mut all: Vec<(&str, &str)> = vec![("PEERWELL_DATA_DIR", &state)];
    all.extend(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    Daemon::start_with_env(&tmp.join("policy"), &["--now", NOW], &all)
}

/// An HTTP client that leaves bodies as sent (no decompression) and
/// follows no redirects.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
