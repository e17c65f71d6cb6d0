//! `peerwell feeds DIR` (every feed's URL with its token, creating missing
//! tokens) and `peerwell tokens revoke|rotate DIR …`.

use std::path::Path;

use jiff::Timestamp;
use serde_json::json;

use super::CliError;
use super::text::did_you_mean;
use crate::pipeline;
use crate::state::FeedKey;
use crate::web::PublicUrl;
use crate::web::urls::DEFAULT_PUBLIC_URL;
use peerwell_core::model::Organization;
use peerwell_store::Store;

/// One feed as listed.
struct Row {
    kind: &'static str,
    id: String,
    name: String,
    feed: String,
    subscribe: String,
}

/// Loads the policy files and opens the state file for writing.
pub fn open(dir: &Path, data_dir: Option<&Path>) -> Result<(Organization, Store), CliError> {
    let org = crate::pipeline::policy(dir)?;
    let location = pipeline::state_location(&org, data_dir)?;
    let store = Store::open_location(&location)?;
    Ok((org, store))
}

/// The base URL the daemon hands out: the same settings `peerwell serve`
/// reads (`[server]` in `peerwell.toml`, then the `PEERWELL_*`
/// environment): `public_url`, else `http://<listen>`. Says on stderr when
/// the links name the listening address itself, which a daemon started
/// with `--listen` elsewhere does not serve.
fn configured_url(dir: &Path) -> Result<String, CliError> {
    let settings = crate::daemon::settings(dir, None)?;
    if settings.public_url.is_none() {
        eprintln!(
            "note: the links use http://{}, the address `peerwell serve` listens on              ([server] listen or PEERWELL_LISTEN); a daemon started with --listen elsewhere              is not there: pass --base-url, or set [server] public_url to the address members reach",
            settings.listen
        );
    }
    Ok(settings.public_url())
}

/// The base of the links: `--base-url` when given, else what the daemon
/// uses (see [`configured_url`]).
fn base(dir: &Path, flag: Option<&str>) -> Result<PublicUrl, CliError> {
    let configured = match flag {
        Some(_) => None,
        None => Some(configured_url(dir)?),
    };
    Ok(PublicUrl::resolve(
        flag,
        configured.as_deref(),
        DEFAULT_PUBLIC_URL,
    )?)
}

/// Every feed of `org`: groups in policy order, then members by id.
pub fn keys(org: &Organization) -> Vec<(FeedKey, String)> {
    let groups = org
        .groups
        .iter()
        .map(|g| (FeedKey::Group(g.id.clone()), g.name.clone()));
    let members = org
        .people
        .values()
        .map(|p| (FeedKey::Member(p.id.clone()), p.name.clone()));
    groups.chain(members).collect()
}

/// `peerwell feeds`: the listing as a table or JSON.
pub fn list(
    dir: &Path,
    data_dir: Option<&Path>,
    base_url: Option<&str>,
    json: bool,
    now: Timestamp,
) -> Result<String, CliError> {
    let base = base(dir, base_url)?;
    let (org, mut store) = open(dir, data_dir)?;
    let keys = keys(&org);
    let tokens = store.ensure_tokens(keys.iter().map(|(k, _)| k), now)?;
    let mut rows = Vec::new();
    for (key, name) in keys {
        let Some(token) = tokens.get(&key) else {
            continue;
        };
        let (kind, id) = match key {
            FeedKey::Group(id) => ("group", id),
            FeedKey::Member(id) => ("member", id),
        };
        rows.push(Row {
            kind,
            id,
            name,
            feed: base.feed(token),
            subscribe: base.subscribe(token),
        });
    }
    Ok(if json { as_json(&rows) } else { table(&rows) })
}

fn as_json(rows: &[Row]) -> String {
    let items: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "kind": r.kind,
                "id": r.id,
                "name": r.name,
                "feed_url": r.feed,
                "subscribe_url": r.subscribe,
            })
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_default();
    out.push('\n');
    out
}

fn table(rows: &[Row]) -> String {
    let w =
        |f: fn(&Row) -> usize, head: &str| rows.iter().map(f).max().unwrap_or(0).max(head.len());
    let (wk, wi, wn, wf) = (
        w(|r| r.kind.len(), "KIND"),
        w(|r| r.id.chars().count(), "ID"),
        w(|r| r.name.chars().count(), "NAME"),
        w(|r| r.feed.chars().count(), "FEED URL"),
    );
    let mut out = format!(
        "{:wk$}  {:wi$}  {:wn$}  {:wf$}  SUBSCRIBE PAGE\n",
        "KIND", "ID", "NAME", "FEED URL"
    );
    for r in rows {
        out.push_str(&format!(
            "{:wk$}  {:wi$}  {:wn$}  {:wf$}  {}\n",
            r.kind, r.id, r.name, r.feed, r.subscribe
        ));
    }
    out
}

/// Which feed a `tokens` command is about.
pub enum Target {
    Token(String),
    Group(String),
    Member(String),
}

const APPLY_NOTE: &str =
    "a running daemon applies this within seconds (it re-reads the tokens every 5 s by default)";

/// `peerwell tokens revoke`.
pub fn revoke(
    dir: &Path,
    data_dir: Option<&Path>,
    target: Target,
    now: Timestamp,
) -> Result<String, CliError> {
    let (org, mut store) = open(dir, data_dir)?;
    let feed = match target {
        Target::Token(token) => {
            return match store.revoke_token(&token, now)? {
                Some(feed) => Ok(format!(
                    "revoked token {}… of {}\n{APPLY_NOTE}\n",
                    crate::web::token_prefix(&token),
                    describe(&feed)
                )),
                None => Err(CliError::Invalid(format!(
                    "error: no active token `{}…`\n  = hint: `peerwell feeds {}` lists the active ones",
                    crate::web::token_prefix(&token),
                    dir.display()
                ))),
            };
        }
        Target::Group(id) => FeedKey::Group(id),
        Target::Member(id) => FeedKey::Member(id),
    };
    match store.revoke_feed(&feed, now)? {
        Some(token) => Ok(format!(
            "revoked token {}… of {}; it gets a new token at the next `peerwell feeds` or planning pass\n{APPLY_NOTE}\n",
            crate::web::token_prefix(&token),
            describe(&feed)
        )),
        None => Err(CliError::Invalid(format!(
            "error: {} has no active token{}",
            describe(&feed),
            suggest(&org, &feed)
        ))),
    }
}

/// `peerwell tokens rotate`: the new feed URL.
pub fn rotate(
    dir: &Path,
    data_dir: Option<&Path>,
    feed: FeedKey,
    base_url: Option<&str>,
    now: Timestamp,
) -> Result<String, CliError> {
    let base = base(dir, base_url)?;
    let (org, mut store) = open(dir, data_dir)?;
    if !keys(&org).iter().any(|(k, _)| *k == feed) {
        return Err(CliError::Invalid(format!(
            "error: there is no {}{}",
            describe(&feed),
            suggest(&org, &feed)
        )));
    }
    let (old, new) = store.rotate_token(&feed, now)?;
    let mut out = String::new();
    if let Some(old) = old {
        out.push_str(&format!(
            "revoked token {}…\n",
            crate::web::token_prefix(&old)
        ));
    }
    out.push_str(&format!(
        "new feed URL for {}: {}\nsubscribe page: {}\n{APPLY_NOTE}\n",
        describe(&feed),
        base.feed(&new),
        base.subscribe(&new)
    ));
    Ok(out)
}

fn describe(feed: &FeedKey) -> String {
    match feed {
        FeedKey::Group(id) => format!("group `{id}`"),
        FeedKey::Member(id) => format!("member `{id}`"),
    }
}

fn suggest(org: &Organization, feed: &FeedKey) -> String {
    match feed {
        FeedKey::Group(id) => {
            let ids: Vec<&str> = org.groups.iter().map(|g| g.id.as_str()).collect();
            did_you_mean(id, &ids)
        }
        FeedKey::Member(id) => {
            let ids: Vec<&str> = org.people.keys().map(String::as_str).collect();
            did_you_mean(id, &ids)
        }
    }
}
