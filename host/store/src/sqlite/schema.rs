//! Opening the state file: versioned schema (`PRAGMA user_version`),
//! forward migrations, WAL mode, and read-only opening for dry runs.
//!
//! A new state is started only when the file is absent. A file that exists
//! must be a peerwell state: a 0-byte file, another program's database, one
//! missing the tables its version names, or one that fails SQLite's
//! `PRAGMA quick_check` (truncated, pages overwritten) is
//! [`StoreError::Corrupt`]. The check runs the first time a process opens a
//! given file (by device and inode), so the daemon checks at start and after
//! the file was replaced, and every one-shot command checks once.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags};

use crate::StoreError;

/// The schema version this build writes; migrations run up to it.
pub const VERSION: i64 = 5;

/// The oldest version a read-only open accepts without migration: later
/// migrations only add tables that reading does not use.
const READABLE_FROM: i64 = 3;

/// `PRAGMA application_id` of a peerwell state ("PWel"), set from version 4
/// on; a file with another non-zero id belongs to another program.
pub const APPLICATION_ID: i64 = 0x5057_656c;

/// The tables each migration adds (entry `i`: migration `i` → `i + 1`).
const TABLES: &[&[&str]] = &[
    &["series", "sessions"],
    &["tokens"],
    &["outbox", "mail_alerts"],
    &["notices_pending"],
    &["absences", "link_secret"],
];

/// Forward migrations: entry `i` takes the schema from version `i` to
/// `i + 1`. Each runs in one transaction with the version bump.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: series times and sessions.
    "CREATE TABLE series (
        group_id   TEXT PRIMARY KEY NOT NULL,
        weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
        start_time TEXT NOT NULL,
        zone       TEXT NOT NULL,
        changed_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE sessions (
        group_id   TEXT NOT NULL,
        idx        INTEGER NOT NULL CHECK (idx >= 0),
        date       TEXT NOT NULL,
        start      INTEGER NOT NULL,
        end        INTEGER NOT NULL,
        moved_from INTEGER,
        attendees  TEXT NOT NULL,
        absentees  TEXT NOT NULL,
        roles      TEXT NOT NULL,
        plan       TEXT NOT NULL,
        hash       TEXT NOT NULL,
        sequence   INTEGER NOT NULL CHECK (sequence >= 0),
        status     TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
        changed_at INTEGER NOT NULL,
        PRIMARY KEY (group_id, idx)
    ) STRICT;
    CREATE INDEX sessions_by_start ON sessions (start);",
    // 1 → 2: feed tokens (web::tokens); at most one active token per feed.
    "CREATE TABLE tokens (
        token      TEXT PRIMARY KEY NOT NULL,
        kind       TEXT NOT NULL CHECK (kind IN ('group', 'member')),
        id         TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
    ) STRICT;
    CREATE UNIQUE INDEX tokens_active ON tokens (kind, id) WHERE revoked_at IS NULL;",
    // 2 → 3: the reminder outbox (see store/outbox.rs) and the groups HR
    // has been told about.
    "CREATE TABLE outbox (
        key             TEXT PRIMARY KEY NOT NULL,
        message_id      TEXT NOT NULL UNIQUE,
        group_id        TEXT NOT NULL,
        idx             INTEGER,
        kind            TEXT NOT NULL,
        recipient       TEXT NOT NULL,
        address         TEXT NOT NULL,
        fingerprint     TEXT NOT NULL,
        due             INTEGER NOT NULL,
        send_at         INTEGER NOT NULL,
        expires_at      INTEGER,
        created_at      INTEGER NOT NULL,
        state           TEXT NOT NULL CHECK (state IN
                          ('queued', 'sending', 'sent', 'failed', 'expired', 'withdrawn')),
        attempts        INTEGER NOT NULL CHECK (attempts >= 0),
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT,
        sent_at         INTEGER,
        message         BLOB NOT NULL
    ) STRICT;
    -- claim_due walks this index in order; expire finds due rows by it.
    CREATE INDEX outbox_ready ON outbox (state, next_attempt_at, key);
    CREATE INDEX outbox_expiry ON outbox (state, expires_at);
    CREATE TABLE mail_alerts (
        group_id TEXT PRIMARY KEY NOT NULL,
        kind     TEXT NOT NULL,
        since    INTEGER NOT NULL
    ) STRICT;",
    // 3 → 4: change notices a commit gave rise to that are not queued yet
    // (see store/pending.rs), written in the commit's transaction and
    // removed once queued; and the file's application id.
    "CREATE TABLE notices_pending (
        group_id   TEXT NOT NULL,
        idx        INTEGER NOT NULL CHECK (idx >= 0),
        kind       TEXT NOT NULL CHECK (kind IN ('moved', 'cancelled')),
        from_start INTEGER NOT NULL,
        from_end   INTEGER NOT NULL,
        at_start   INTEGER NOT NULL,
        at_end     INTEGER NOT NULL,
        noted_at   INTEGER NOT NULL,
        PRIMARY KEY (group_id, idx)
    ) STRICT;
    PRAGMA application_id = 1347904876;",
    // 4 → 5: absences members declared ("I can't make it", by their link
    // or by HR), no free text; undo deletes the row. And the secret the
    // absence links are signed with, made once (see store/absences.rs).
    "CREATE TABLE absences (
        group_id    TEXT NOT NULL,
        idx         INTEGER NOT NULL CHECK (idx >= 0),
        member_id   TEXT NOT NULL,
        recorded_at INTEGER NOT NULL,
        source      TEXT NOT NULL CHECK (source IN ('link', 'hr')),
        PRIMARY KEY (group_id, idx, member_id)
    ) STRICT;
    CREATE TABLE link_secret (
        id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
        secret     BLOB NOT NULL CHECK (length(secret) >= 32),
        created_at INTEGER NOT NULL
    ) STRICT;",
];

/// Opens (creating if missing) and migrates the state file for writing.
pub fn open_writable(path: &Path) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
    }
    let existed = existing_file(path)?;
    let mut conn = Connection::open(path).map_err(|e| StoreError::from_sqlite(path, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    let version = user_version(&conn, path)?;
    check_version(path, version)?;
    if existed {
        verify_once(&conn, path, version)?;
    }
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Io {
            path: path.to_path_buf(),
            message: format!("the file system does not support WAL mode (got `{mode}`)"),
        });
    }
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    migrate(&mut conn, path, version)?;
    Ok(conn)
}

/// Opens an existing state file without writing to it or creating files
/// beside it; `None` when there is no file. A file whose log of
/// uncommitted writes (`-wal`) is present is opened read-only in the normal
/// way so that those writes are seen; otherwise it is opened as immutable,
/// which creates no `-wal`/`-shm` files.
pub fn open_read_only(path: &Path) -> Result<Option<Connection>, StoreError> {
    if !existing_file(path)? {
        return Ok(None);
    }
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = if Path::new(&wal).exists() {
        Connection::open_with_flags(path, flags)
    } else {
        let uri = format!("file:{}?immutable=1", uri_path(path));
        Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
    }
    .map_err(|e| StoreError::from_sqlite(path, e))?;
    let version = user_version(&conn, path)?;
    check_version(path, version)?;
    verify_once(&conn, path, version)?;
    if version < READABLE_FROM {
        // An older file is migrated by the next write; until then it reads
        // as what it held before migration, which for version 0 is nothing.
        if version == 0 {
            return Ok(Some(empty_in_memory(path)?));
        }
        return Err(StoreError::NeedsMigration {
            path: path.to_path_buf(),
            found: version,
        });
    }
    Ok(Some(conn))
}

/// A fresh, empty state in memory (for dry runs with no state file yet).
pub fn empty_in_memory(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory().map_err(|e| StoreError::from_sqlite(path, e))?;
    migrate(&mut conn, path, 0)?;
    Ok(conn)
}

pub(super) fn user_version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| StoreError::from_sqlite(path, e))
}

fn has_tables(conn: &Connection, path: &Path) -> Result<bool, StoreError> {
    let n: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    Ok(n > 0)
}

/// Whether the state file exists; a 0-byte file or one that is not a
/// regular file is an error (a failed copy or restore must never start a
/// new state).
fn existing_file(path: &Path) -> Result<bool, StoreError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    if !meta.is_file() {
        return Err(StoreError::corrupt(path, "it is not a regular file"));
    }
    if meta.len() == 0 {
        return Err(StoreError::corrupt(
            path,
            "the file is empty (0 bytes): a truncated copy or a failed restore",
        ));
    }
    Ok(true)
}

/// Files (device, inode) this process has already checked.
static CHECKED: Mutex<BTreeSet<(u64, u64)>> = Mutex::new(BTreeSet::new());

/// The file's identity, so a replaced file is checked again.
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// [`verify`], once per file and process.
fn verify_once(conn: &Connection, path: &Path, version: i64) -> Result<(), StoreError> {
    let id = identity(path);
    let checked = |id| {
        CHECKED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    };
    if id.as_ref().is_some_and(checked) {
        return Ok(());
    }
    verify(conn, path, version)?;
    if let Some(id) = id {
        CHECKED.lock().unwrap_or_else(|p| p.into_inner()).insert(id);
    }
    Ok(())
}

/// Checks that an existing file is a whole peerwell state: its application
/// id, the tables its version names, and SQLite's `quick_check` (every
/// page of every table and index well-formed, the free list consistent).
fn verify(conn: &Connection, path: &Path, version: i64) -> Result<(), StoreError> {
    let id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    if id != 0 && id != APPLICATION_ID {
        return Err(StoreError::corrupt(
            path,
            format!("it is another program's SQLite file (application id {id:#x})"),
        ));
    }
    if version == 0 && has_tables(conn, path)? {
        return Err(StoreError::corrupt(
            path,
            "it has tables but no peerwell schema version: another program's SQLite file",
        ));
    }
    let names = table_names(conn, path)?;
    let expected = TABLES
        .iter()
        .take(version.max(0) as usize)
        .flat_map(|t| t.iter());
    if let Some(missing) = expected.into_iter().find(|t| !names.contains(**t)) {
        return Err(StoreError::corrupt(
            path,
            format!("its schema version is {version} but it has no `{missing}` table"),
        ));
    }
    quick_check(conn, path)
}

fn table_names(conn: &Connection, path: &Path) -> Result<BTreeSet<String>, StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .map_err(err)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
    rows.collect::<Result<_, _>>().map_err(err)
}

/// `PRAGMA quick_check`: `ok`, or the first problems SQLite found.
fn quick_check(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let err = |e| StoreError::from_sqlite(path, e);
    let mut stmt = conn.prepare("PRAGMA quick_check(3)").map_err(err)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(err)?;
    let lines: Vec<String> = rows.collect::<Result<_, _>>().map_err(err)?;
    if lines.len() == 1 && lines[0] == "ok" {
        return Ok(());
    }
    Err(StoreError::corrupt(
        path,
        format!("SQLite's integrity check failed: {}", lines.join("; ")),
    ))
}

fn check_version(path: &Path, version: i64) -> Result<(), StoreError> {
    if !(0..=VERSION).contains(&version) {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: VERSION,
        });
    }
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path, from: i64) -> Result<(), StoreError> {
    if from == 0 && has_tables(conn, path)? {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: "it has tables but no peerwell schema version: another program's SQLite file"
                .to_string(),
        });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
        let tx = conn
            .transaction()
            .map_err(|e| StoreError::from_sqlite(path, e))?;
        tx.execute_batch(sql)
            .and_then(|()| tx.pragma_update(None, "user_version", step as i64 + 1))
            .and_then(|()| tx.commit())
            .map_err(|e| StoreError::from_sqlite(path, e))?;
    }
    Ok(())
}

/// `path` as the path part of an SQLite `file:` URI: every byte outside
/// the unreserved set and `/` percent-encoded.
fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in abs.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(*b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests;
