//! [`StoreError`]: why the state could not be read or written.

use std::path::{Path, PathBuf};

/// Why the state could not be read or written. Every message names the
/// file and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The file is not a peerwell state database, or is damaged.
    #[error(
        "error: the planning state {path} is damaged or not a peerwell state file ({detail})\n  = hint: restore it from a backup; or move it aside (keep it for support) to start a new state, which gives every feed a new token (members must subscribe again) and republishes every session. Until then nothing is written; the policy files were not changed."
    )]
    Corrupt {
        /// The state file (or database) concerned.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The file was written by a newer peerwell.
    #[error(
        "error: the planning state {path} has schema version {found}, but this peerwell reads up to version {supported}\n  = hint: run the newer peerwell that wrote it, or point `--data-dir` elsewhere. The file was not changed."
    )]
    TooNew {
        /// The state file (or database) concerned.
        path: PathBuf,
        /// The schema version found.
        found: i64,
        /// The newest schema version this build reads.
        supported: i64,
    },
    /// A dry run found a file that must be migrated first.
    #[error(
        "error: the planning state {path} has the older schema version {found}\n  = hint: run `peerwell export` once to migrate it; dry runs never write."
    )]
    NeedsMigration {
        /// The state file (or database) concerned.
        path: PathBuf,
        /// The older schema version found.
        found: i64,
    },
    /// Another process holds the file.
    #[error(
        "error: the planning state {path} is locked by another peerwell process\n  = hint: wait for it to finish and run again."
    )]
    Busy {
        /// The state file (or database) concerned.
        path: PathBuf,
    },
    /// The file system holding the file is full.
    #[error(
        "error: cannot write the planning state {path}: the disk is full\n  = hint: free space on the file system that holds it. Nothing was written; the daemon keeps serving the last good plan and retries, queuing every notice still owed, once a write succeeds."
    )]
    Full {
        /// The state file (or database) concerned.
        path: PathBuf,
    },
    /// The file, its folder or its file system is read-only.
    #[error(
        "error: cannot write the planning state {path}: {detail}\n  = hint: make the file and its folder writable for the user peerwell runs as (a read-only mount or file mode). Nothing was written; the daemon keeps serving the last good plan and retries."
    )]
    ReadOnly {
        /// The state file (or database) concerned.
        path: PathBuf,
        /// What the system reported.
        detail: String,
    },
    /// The file or its folder could not be read or written.
    #[error("error: cannot use the planning state {path}: {message}")]
    Io {
        /// The state file (or database) concerned.
        path: PathBuf,
        /// What the system reported.
        message: String,
    },
    /// A plan commit by a process that is no longer the one allowed to
    /// write (another took over its lease): nothing was written.
    #[error(
        "error: the planning state {path} is now written by another peerwell process (lease generation {current}; this process held {held})\n  = hint: nothing was written; this process serves what the new writer commits."
    )]
    Fenced {
        /// The state file (or database) concerned.
        path: PathBuf,
        /// The lease generation this process held.
        held: u64,
        /// The generation granted since.
        current: u64,
    },
    /// A setting naming the state (`[state] url`, `PEERWELL_STATE_URL`,
    /// the password's source) is wrong; nothing was opened.
    #[error("error: {setting}: {detail}\n  = hint: {hint}. Nothing was written.")]
    Setting {
        /// The setting concerned.
        setting: String,
        /// What is wrong with it.
        detail: String,
        /// What to do.
        hint: String,
    },
    /// The state's database could not be reached, refused the login, or
    /// the connection to it was lost.
    #[error(
        "error: cannot use the planning state database {path} (set by {setting}): {detail}\n  = hint: {hint}. Nothing was written; the daemon keeps serving the last good plan and retries."
    )]
    Unavailable {
        /// The database, as a URL without credentials.
        path: PathBuf,
        /// The setting that named it.
        setting: String,
        /// What the server or the network reported.
        detail: String,
        /// What to check.
        hint: String,
    },
}

impl StoreError {
    pub(crate) fn corrupt(path: &Path, detail: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: detail.into(),
        }
    }

    /// True when the file is there and sound but could not be written or
    /// opened just now (a full disk, a read-only mount, out of file
    /// descriptors, locked): trying again later can succeed by itself.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Full { .. }
                | StoreError::ReadOnly { .. }
                | StoreError::Busy { .. }
                | StoreError::Io { .. }
                | StoreError::Unavailable { .. }
        )
    }
}
