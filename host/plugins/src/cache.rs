//! The on-disk cache of compiled plugins under `<data dir>/plugin-cache/`.
//!
//! A plugin is compiled once; the compiled artifact is stored under a name
//! made of the plugin's content hash (SHA-256) and the engine's
//! compatibility key, as a SHA-256 checksum followed by wasmtime's
//! serialized component. Later loads verify the checksum and deserialize it,
//! which takes a fraction of a millisecond instead of milliseconds to
//! seconds. A corrupt or stale entry is compiled again and rewritten, never
//! fatal; a cache folder that cannot be written only costs the compile.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::engine::compatibility_key;

/// The cache folder's name inside the cache home.
pub const FOLDER: &str = "plugin-cache";

/// Overrides where compiled plugins are cached.
pub const CACHE_DIR_ENV: &str = "PEERWELL_CACHE_DIR";

/// Where compiled plugins are cached: `$PEERWELL_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/peerwell/plugin-cache`, else
/// `~/.cache/peerwell/plugin-cache`; `None` (compile every time) when none
/// is known. A cache, not state: it lives apart from the data dir, so dry
/// runs (`plan`, `diff`) write nothing there, and deleting it only costs a
/// recompile.
pub fn default_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var(CACHE_DIR_ENV) {
        return Some(PathBuf::from(dir));
    }
    let home = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(home.join("peerwell").join(FOLDER))
}

/// How a component was obtained, for `plugin check` and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Compiled now; no cache folder was given.
    Compiled,
    /// Compiled now and written to the cache.
    CompiledAndCached,
    /// Deserialized from a verified cache entry.
    Cached,
}

/// Hex SHA-256 of `bytes`.
pub fn content_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The cache file for a plugin's bytes on this engine.
pub fn entry_path(dir: &Path, engine: &Engine, wasm: &[u8]) -> PathBuf {
    dir.join(format!(
        "{}-{}.cwasm",
        content_hash(wasm),
        compatibility_key(engine)
    ))
}

/// The component for `wasm`: from the cache in `dir` when a valid entry
/// exists, else compiled (and cached when `dir` is given). Errors are the
/// compiler's (the bytes are not a valid component).
pub fn component(
    engine: &Engine,
    wasm: &[u8],
    dir: Option<&Path>,
) -> Result<(Component, Source), wasmtime::Error> {
    let Some(dir) = dir else {
        return Ok((Component::new(engine, wasm)?, Source::Compiled));
    };
    let path = entry_path(dir, engine, wasm);
    if let Some(component) = read_entry(engine, &path) {
        return Ok((component, Source::Cached));
    }
    let component = Component::new(engine, wasm)?;
    let source = match component.serialize() {
        Ok(artifact) if write_entry(dir, &path, &artifact).is_ok() => Source::CompiledAndCached,
        _ => Source::Compiled,
    };
    Ok((component, source))
}

/// A verified entry, deserialized; `None` when missing, corrupt or made by
/// another engine.
fn read_entry(engine: &Engine, path: &Path) -> Option<Component> {
    let data = std::fs::read(path).ok()?;
    let (sum, artifact) = data.split_at_checked(32)?;
    if Sha256::digest(artifact).as_slice() != sum {
        return None;
    }
    deserialize_verified(engine, artifact).ok()
}

/// Deserializes a compiled component from our own cache.
#[allow(unsafe_code)]
fn deserialize_verified(engine: &Engine, artifact: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: wasmtime requires that the bytes were produced by
    // `Component::serialize` of a compatible engine and not tampered with.
    // They come from our own cache folder, from a file that only
    // `write_entry` writes (atomically: temp file + rename) with the output
    // of `Component::serialize`, and the caller has just verified the
    // SHA-256 checksum stored in front of them, so a torn or corrupted file
    // is rejected before this point. Engine compatibility (version, target,
    // settings) is checked by wasmtime itself, which returns an error for a
    // mismatch; the file name also carries the engine's compatibility key.
    unsafe { Component::deserialize(engine, artifact) }
}

/// Writes an entry atomically: a temporary file in the same folder, then a
/// rename over the final name.
fn write_entry(dir: &Path, path: &Path, artifact: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut data = Vec::with_capacity(32 + artifact.len());
    data.extend_from_slice(&Sha256::digest(artifact));
    data.extend_from_slice(artifact);
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&tmp, &data)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests;
