//! WebAssembly format plugins: components implementing
//! `peerwell:format@0.1.x` (`plugins/wit`), run sandboxed by wasmtime.
//!
//! A plugin named in `peerwell.toml` is loaded once ([`Plugin::load`]):
//! compiled, or read from the on-disk [`cache`]; checked against the
//! interface (version, exports, imports: only `peerwell:format/host`);
//! pre-linked; described. [`PluginFormat`] then serves it as a
//! [`Format`](peerwell_core::formats::Format): every call runs in a fresh instance
//! under the plugin's [`Limits`] (a wall-clock deadline by epoch
//! interruption, fuel, a memory cap, an output cap), and what it returns is
//! checked before use. A plugin that cannot be loaded becomes a
//! [`BrokenFormat`], which blocks only its own groups.
//!
//! Nothing here prints. A plugin's `log` lines are `tracing` events under
//! [`LOG_TARGET`]; whoever runs the plugins decides where they go (the
//! command line shows them on stderr, the daemon writes them to its log).
//! Every failure is a typed error whose text names the plugin and what went
//! wrong: [`LoadError`] (with its [`LoadFailure`]) when a plugin cannot be
//! loaded, [`CallError`] when a call fails, [`InvalidData`] when what it
//! returned makes no sense.
//!
//! # Layout
//!
//! - this file: [`register`] and [`Loader`], the plugin host as the policy
//!   reader's [`PluginLoader`].
//! - `load`: [`Plugin::load`]: bytes to a checked, linked component
//!   ([`LoadError`], [`InterfaceError`]); the interface version supported.
//! - [`cache`]: the on-disk cache of compiled plugins.
//! - `engine`: the one wasmtime engine, its instance pool and the epoch
//!   ticker behind deadlines ([`EngineError`]).
//! - `call`: [`PluginInstance`]: one call under fresh limits, and the
//!   plain-words [`CallError`] of a failure.
//! - `format`: [`PluginFormat`] and [`BrokenFormat`], plugins as the core's
//!   `Format`, with warm instances per group and planning pass.
//! - `check`: what a plugin returns is checked for size and sense
//!   ([`InvalidData`]).
//! - `convert`: WIT types to peerwell's and back.
//! - `state`: a call's store data: the memory limiter, the `log` and `now`
//!   imports, the log budget.
//! - `bindings`: the Rust generated from `plugins/wit`.

#![deny(missing_docs)]

mod bindings;
pub mod cache;
mod call;
mod check;
mod convert;
mod engine;
mod format;
mod load;
mod state;

use std::path::Path;

pub use call::{CallError, Export, PluginInstance, size_text};
pub use check::{Fault, InvalidData, TextField, WindowEdge};
pub use engine::EngineError;
pub use format::{BrokenFormat, PluginFormat};
pub use load::{
    EXPORTS, INTERFACE_VERSION, InterfaceError, LoadError, LoadFailure, PACKAGE, Plugin, supported,
};
pub use peerwell_core::plugin_spec::{Limits, PluginSpec};
pub use state::{LOG_BYTES, LOG_LINES, LOG_TARGET};

use std::path::PathBuf;

use peerwell_core::formats::Formats;
use peerwell_core::plugin_spec::PluginLoader;

/// Loads each plugin into `formats` under its name: a loaded plugin as a
/// [`PluginFormat`], one that cannot be loaded as a [`BrokenFormat`] (listed
/// by [`Formats::broken`]). Compiled plugins are cached in `cache_dir`.
pub fn register(formats: &mut Formats, specs: &[PluginSpec], cache_dir: Option<&Path>) {
    for spec in specs {
        match Plugin::load(spec, cache_dir, formats.clock().clone()) {
            Ok(plugin) => formats.insert(&spec.name, Box::new(PluginFormat::new(plugin))),
            Err(e) => {
                let reason = e.to_string();
                formats.insert_broken(&spec.name, Box::new(BrokenFormat::new(e)), reason);
            }
        }
    }
}

/// The plugin host as the policy reader's [`PluginLoader`]: compiled
/// plugins are cached in `cache_dir` (see [`cache::default_dir`]).
#[derive(Debug, Clone, Default)]
pub struct Loader {
    /// Where compiled plugins are cached; `None` compiles every time.
    pub cache_dir: Option<PathBuf>,
}

impl Loader {
    /// A loader with the default compile cache.
    pub fn cached() -> Loader {
        Loader {
            cache_dir: cache::default_dir(),
        }
    }
}

impl PluginLoader for Loader {
    fn register(&self, formats: &mut Formats, specs: &[PluginSpec]) {
        register(formats, specs, self.cache_dir.as_deref());
    }
}
