//! Watching the policy folder (recursively) and the calendar files it names
//! outside it, so a change re-plans. Events are forwarded as the changed
//! paths; the loop debounces them ([`debounce`]). Changes under the state
//! folder (the daemon writes it on every pass) are ignored.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// How long the files must be quiet before a change re-plans.
pub const DEBOUNCE: Duration = Duration::from_millis(400);

/// The file watcher and what it watches.
pub struct FileWatch {
    watcher: RecommendedWatcher,
    /// Folders of calendar files outside the policy folder (watched
    /// non-recursively; their files may be replaced, not edited in place).
    extra_dirs: BTreeSet<PathBuf>,
    filter: std::sync::Arc<std::sync::RwLock<Filter>>,
}

/// Which event paths count.
#[derive(Debug, Default)]
struct Filter {
    dir: PathBuf,
    ignore: Vec<PathBuf>,
    /// Calendar files outside `dir`.
    files: BTreeSet<PathBuf>,
}

impl Filter {
    fn wanted(&self, path: &Path) -> bool {
        if self.ignore.iter().any(|i| path.starts_with(i)) {
            return false;
        }
        // The state file and its journals, wherever `data_dir` points.
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(peerwell_store::FILE_NAME))
        {
            return false;
        }
        path.starts_with(&self.dir) || self.files.contains(path)
    }
}

/// Why the policy folder cannot be watched (the daemon then reloads on
/// SIGHUP only).
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The platform's watcher did not start.
    #[error("cannot start the file watcher: {0}")]
    Start(#[source] notify::Error),
    /// The folder could not be watched.
    #[error("cannot watch {}: {source}", dir.display())]
    Watch {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: notify::Error,
    },
}

impl FileWatch {
    /// Watches `dir` recursively, ignoring `ignore` (the state folder);
    /// changed paths go to the returned receiver.
    pub fn start(
        dir: &Path,
        ignore: Vec<PathBuf>,
    ) -> Result<(FileWatch, UnboundedReceiver<PathBuf>), WatchError> {
        let dir = canonical(dir);
        let filter = std::sync::Arc::new(std::sync::RwLock::new(Filter {
            dir: dir.clone(),
            ignore: ignore.iter().map(|p| canonical(p)).collect(),
            files: BTreeSet::new(),
        }));
        let (tx, rx) = unbounded_channel();
        let watcher = watcher(tx, filter.clone())?;
        let mut w = FileWatch {
            watcher,
            extra_dirs: BTreeSet::new(),
            filter,
        };
        w.watcher
            .watch(&dir, RecursiveMode::Recursive)
            .map_err(|source| WatchError::Watch {
                dir: dir.clone(),
                source,
            })?;
        Ok((w, rx))
    }

    /// Also watches these calendar files (those outside the policy folder
    /// matter; the others are watched already). Returns problems, one line
    /// each, for folders that cannot be watched.
    pub fn calendars(&mut self, files: &[PathBuf]) -> Vec<String> {
        let mut problems = Vec::new();
        let Ok(mut filter) = self.filter.write() else {
            return problems;
        };
        let outside: BTreeSet<PathBuf> = files
            .iter()
            .map(|f| canonical(f))
            .filter(|f| !f.starts_with(&filter.dir))
            .collect();
        let dirs: BTreeSet<PathBuf> = outside
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        for gone in self.extra_dirs.difference(&dirs) {
            let _ = self.watcher.unwatch(gone);
        }
        for new in dirs.difference(&self.extra_dirs) {
            if let Err(e) = self.watcher.watch(new, RecursiveMode::NonRecursive) {
                problems.push(format!("cannot watch {}: {e}", new.display()));
            }
        }
        self.extra_dirs = dirs;
        filter.files = outside;
        problems
    }
}

fn watcher(
    tx: UnboundedSender<PathBuf>,
    filter: std::sync::Arc<std::sync::RwLock<Filter>>,
) -> Result<RecommendedWatcher, WatchError> {
    notify::recommended_watcher(move |res: notify::Result<Event>| {
        let Ok(event) = res else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let Ok(filter) = filter.read() else { return };
        for path in event.paths {
            if filter.wanted(&path) {
                let _ = tx.send(path);
            }
        }
    })
    .map_err(WatchError::Start)
}

/// The path itself when it exists, resolved; else its folder resolved with
/// the file name joined (a file may be missing now and created later).
fn canonical(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| p.to_path_buf()),
        _ => p.to_path_buf(),
    }
}

/// After a first changed path, collects more until the files have been
/// quiet for [`DEBOUNCE`]; the changed paths, sorted. `None` when the
/// watcher is gone.
pub async fn debounce(rx: &mut UnboundedReceiver<PathBuf>, first: PathBuf) -> BTreeSet<PathBuf> {
    let mut paths = BTreeSet::from([first]);
    while let Ok(Some(p)) = tokio::time::timeout(DEBOUNCE, rx.recv()).await {
        paths.insert(p);
    }
    paths
}
