//! Opening policy and calendar files: only regular files, only inside the
//! policy folder (or a folder `allow_outside` lists), and only up to a size.
//!
//! A file is opened without blocking (`O_NONBLOCK`, so a FIFO cannot hang
//! the reader) and its type and size are taken from the opened handle, not
//! from a separate `stat` that could race a swap. A device such as
//! `/dev/zero` is refused before a byte is read; a regular file is read at
//! most one byte past its limit. A refused file's content is never read, so
//! it can never be echoed.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest policy file (`peerwell.toml`, a people or group file) read.
pub const POLICY_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The setting that lists folders outside the policy folder files may be
/// read from.
pub const ALLOW_OUTSIDE: &str = "allow_outside";

/// Why a policy or calendar file was not read. The messages name the
/// problem and the setting that changes it, never the file's content.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Nothing at the path (or a dangling link).
    #[error("file not found")]
    NotFound,
    /// The path resolves, through a link or `..`, outside every folder
    /// files may be read from.
    #[error(
        "resolves (through a link or `..`) outside the policy folder; refused. \
         To read files from that folder, list it in `{ALLOW_OUTSIDE}` in peerwell.toml"
    )]
    Outside,
    /// A FIFO, device, socket or directory.
    #[error("is {0}, not a regular file; refused")]
    NotRegular(&'static str),
    /// Larger than the limit.
    #[error("is larger than {limit}; refused (the limit is {setting})")]
    TooLarge {
        /// The limit, e.g. "20 MiB".
        limit: String,
        /// What sets it, e.g. "`max_calendar_mib` in \[server\]".
        setting: &'static str,
    },
    /// The process may not read it.
    #[error("permission denied")]
    PermissionDenied,
    /// Any other failure to open or read.
    #[error("cannot be read: {0}")]
    Io(std::io::Error),
}

impl ReadError {
    /// Whether opening failed because the process or the system ran out of
    /// file descriptors (EMFILE, ENFILE): trying again later may succeed.
    pub fn out_of_descriptors(&self) -> bool {
        matches!(self, ReadError::Io(e) if matches!(e.raw_os_error(), Some(23 | 24)))
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            std::io::ErrorKind::PermissionDenied => ReadError::PermissionDenied,
            _ => ReadError::Io(e),
        }
    }
}

/// Where policy and calendar files may be read from, and how large a
/// calendar file may be.
#[derive(Debug, Clone)]
pub struct FileAccess {
    /// The policy folder, resolved.
    root: PathBuf,
    /// Folders `allow_outside` lists, resolved.
    allowed: Vec<PathBuf>,
    /// Largest calendar file (`max_calendar_mib`).
    calendar_bytes: u64,
}

impl FileAccess {
    /// Files inside the policy folder `dir` only; calendars up to the
    /// default `max_calendar_mib`.
    pub fn new(dir: &Path) -> FileAccess {
        FileAccess {
            root: dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
            allowed: Vec::new(),
            calendar_bytes: mib(super::server::ServerSettings::default().max_calendar_mib),
        }
    }

    /// Also allows files under `folder` (already resolved).
    pub(crate) fn allow(&mut self, folder: PathBuf) {
        self.allowed.push(folder);
    }

    /// Sets the calendar size limit, in MiB.
    pub(crate) fn set_calendar_mib(&mut self, n: u32) {
        self.calendar_bytes = mib(n);
    }

    /// `path` resolved through every link, if it is inside the policy
    /// folder or an allowed folder.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let real = path.canonicalize()?;
        let inside =
            real.starts_with(&self.root) || self.allowed.iter().any(|a| real.starts_with(a));
        if inside {
            Ok(real)
        } else {
            Err(ReadError::Outside)
        }
    }

    /// The bytes of the policy file at `path`.
    pub fn read_policy(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        let real = self.resolve(path)?;
        read_regular(&real, POLICY_MAX_BYTES, "4 MiB for a policy file")
    }

    /// The bytes of the calendar file at `path`.
    pub fn read_calendar(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        let real = self.resolve(path)?;
        read_regular(&real, self.calendar_bytes, "`max_calendar_mib` in [server]")
    }
}

fn mib(n: u32) -> u64 {
    u64::from(n) * 1024 * 1024
}

/// Reads the regular file at `path`, at most `limit` bytes, without ever
/// blocking on a FIFO or reading a device.
pub fn read_regular(path: &Path, limit: u64, setting: &'static str) -> Result<Vec<u8>, ReadError> {
    let file = open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(&meta.file_type())));
    }
    let too_large = || ReadError::TooLarge {
        limit: size(limit),
        setting,
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        // The path is already resolved: a link swapped in since is refused.
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(unix)]
fn kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind(t: &std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// `n` bytes as "4 MiB" (or bytes when not whole MiB).
fn size(n: u64) -> String {
    if n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests;
