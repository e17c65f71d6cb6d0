//! `peerwell export`: every group's and member's feed as files.

use std::path::{Path, PathBuf};

use super::CliError;
use crate::pipeline::Loaded;
use peerwell_core::feeds::FeedSet;
use peerwell_core::model::{Group, Person};
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
    let jobs: Vec<Job<'_>> = loaded
        .org
        .groups
        .iter()
        .map(|g| (groups.join(format!("{}.ics", g.id)), Owner::Group(g)))
        .chain(
            loaded
                .org
                .people
                .values()
                .map(|p| (members.join(format!("{}.ics", p.id)), Owner::Member(p))),
        )
        .collect();
    let threads = peerwell_core::parallel::threads();
    let written = peerwell_core::parallel::map(&jobs, threads, |(path, owner)| {
        let text = match owner {
            Owner::Group(g) => feeds.group(g, &opts),
            Owner::Member(p) => feeds.member(p, &opts),
        };
        write(path, &text)
    });
    written.into_iter().collect::<Result<Vec<()>, CliError>>()?;
    Ok(jobs.len())
}

/// Whose feed a file holds.
enum Owner<'a> {
    Group(&'a Group),
    Member(&'a Person),
}

/// A feed file to write and whose feed goes in it.
type Job<'a> = (PathBuf, Owner<'a>);

/// Writes through a temporary file and a rename, so a reader never sees a
/// half-written feed.
fn write(path: &Path, text: &str) -> Result<(), CliError> {
    let tmp = path.with_extension("ics.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(CliError::io("write", path))
}
