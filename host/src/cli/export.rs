//! `peerwell export`: every group's and member's feed as files.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::pipeline::Loaded;
use peerwell_core::feeds::{FeedOwner, FeedSet};
use peerwell_core::schedule::Plan;
use peerwell_store::Commit;

/// Writes all feeds: the plan's sessions, the commit's cancelled ones and
/// the published ones before the horizon that have not ended;
/// returns how many files were written.
pub fn write_all(
    loaded: &Loaded,
    plan: &Plan,
    commit: &Commit,
    out: &Path,
) -> Result<usize, CliError> {
    let opts = crate::pipeline::feed_options(loaded, commit);
    let feeds = FeedSet::new(
        &loaded.org,
        commit
            .earlier
            .iter()
            .chain(&plan.sessions)
            .chain(&commit.cancelled),
    );
    let groups = out.join("groups");
    let members = out.join("members");
    for dir in [&groups, &members] {
        std::fs::create_dir_all(dir).map_err(CliError::io("create", dir))?;
    }
    // Written on every core: each job writes and renames its own file.
    let jobs: Vec<(PathBuf, FeedOwner<'_>)> = FeedOwner::all(&loaded.org)
        .into_iter()
        .map(|owner| {
            let path = match owner {
                FeedOwner::Group(g) => groups.join(format!("{}.ics", g.id)),
                FeedOwner::Member(p) => members.join(format!("{}.ics", p.id)),
            };
            (path, owner)
        })
        .collect();
    let threads = peerwell_core::parallel::threads();
    let written = peerwell_core::parallel::map(&jobs, threads, |(path, owner)| {
        write(path, &feeds.feed(*owner, &opts))
    });
    written.into_iter().collect::<Result<Vec<()>, CliError>>()?;
    Ok(jobs.len())
}

/// Writes through a temporary file and a rename, so a reader never sees a
/// half-written feed.
fn write(path: &Path, text: &str) -> Result<(), CliError> {
    let tmp = path.with_extension("ics.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(CliError::io("write", path))
}
