//! `peerwell report DIR --out OUT`: the HR overview as files (the page
//! the daemon serves at `/admin/<token>/`, and each picture as an SVG
//! file), and `plan --explain --group ID --svg FILE`'s one heatmap.

use std::path::Path;

use jiff::Timestamp;

use super::CliError;
use crate::overview::{self, FeedLink, Input, PlanStatus, Target};
use crate::pipeline::Loaded;
use crate::web::PublicUrl;
use peerwell_core::feeds::FeedKey;
use peerwell_core::schedule::Plan;
use peerwell_store::Store;

/// Every feed's subscribe page from the state's active tokens (none are
/// created: a feed without a token says so), on `base`.
pub fn links(loaded: &Loaded, store: &Store, base: &PublicUrl) -> Result<Vec<FeedLink>, CliError> {
    let tokens = store.active_tokens()?;
    let link = |key: FeedKey| tokens.get(&key).map(|t| base.subscribe(t));
    let org = &loaded.org;
    let mut out: Vec<FeedLink> = org
        .groups
        .iter()
        .map(|g| FeedLink {
            kind: "group",
            id: g.id.clone(),
            name: g.name.clone(),
            url: link(FeedKey::Group(g.id.clone())),
        })
        .collect();
    out.extend(org.people.values().map(|p| FeedLink {
        kind: "member",
        id: p.id.clone(),
        name: p.name.clone(),
        url: link(FeedKey::Member(p.id.clone())),
    }));
    Ok(out)
}

/// Writes OUT/index.html and the pictures beside it; returns the files
/// written, in order.
pub fn write_all(
    loaded: &Loaded,
    plan: &Plan,
    now: Timestamp,
    feeds: Vec<FeedLink>,
    out: &Path,
) -> Result<Vec<String>, CliError> {
    let errors = loaded
        .calendar_errors
        .iter()
        .map(|(_, e)| format!("calendar {e}"))
        .collect();
    let input = Input {
        loaded,
        plan,
        now,
        status: PlanStatus {
            planned_at: Some(now),
            last_attempt: None,
            errors,
        },
        feeds,
        target: Target::Files,
    };
    let page = overview::render(&input);
    std::fs::create_dir_all(out).map_err(CliError::io("create", out))?;
    let mut written = vec!["index.html".to_string()];
    write(&out.join("index.html"), &page.html)?;
    for (name, text) in &page.files {
        write(&out.join(name), text)?;
        written.push(name.clone());
    }
    Ok(written)
}

/// Writes through a temporary file and a rename, so a reader never sees a
/// half-written file.
pub fn write(path: &Path, text: &str) -> Result<(), CliError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(CliError::io("write", path))
}
