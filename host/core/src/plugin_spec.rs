//! Plugins as the policy declares them: which `.wasm` file serves which
//! format name, and the limits on each call. Plain data: loading and running
//! WebAssembly belongs to the plugin host, which the policy reader reaches
//! only through [`PluginLoader`].

use std::path::PathBuf;

use crate::formats::Formats;

/// A plugin named in `peerwell.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct PluginSpec {
    /// The format name groups use.
    pub name: String,
    /// Resolved path of the `.wasm` file.
    pub path: PathBuf,
    /// The path as written, for messages.
    pub label: String,
    /// Limits on each call.
    pub limits: Limits,
}

/// Limits on one call into a plugin (from `[plugins.<name>]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock deadline per call, in milliseconds.
    pub timeout_ms: u64,
    /// Fuel (roughly, wasm instructions) per call.
    pub fuel: u64,
    /// Largest linear memory, in MiB.
    pub memory_mib: u64,
    /// Largest result of one call (bytes of strings and list elements), in KiB.
    pub output_kib: u64,
}

impl Default for Limits {
    /// 1000 ms, 500 million fuel, 64 MiB of memory, 1 MiB of output.
    fn default() -> Self {
        Limits {
            timeout_ms: 1000,
            fuel: 500_000_000,
            memory_mib: 64,
            output_kib: 1024,
        }
    }
}

impl Limits {
    /// The memory cap in bytes.
    pub fn memory_bytes(&self) -> usize {
        usize::try_from(self.memory_mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
    }

    /// The output cap in bytes.
    pub fn output_bytes(&self) -> u64 {
        self.output_kib.saturating_mul(1024)
    }
}

/// Turns declared plugins into formats. The policy reader is handed one, so
/// it can check each group's settings with the plugin's own `validate`
/// without compiling anything itself.
pub trait PluginLoader {
    /// Adds each plugin in `specs` to `formats` under its name; a plugin
    /// that cannot be loaded is added as broken, with its reason.
    fn register(&self, formats: &mut Formats, specs: &[PluginSpec]);
}
