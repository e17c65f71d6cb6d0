//! Loading a plugin: bytes → component (cached) → interface checks →
//! `PluginPre` → `describe()`. Every refusal names the plugin, its file
//! and the reason.

use std::path::Path;

use wasmtime::Engine;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, HasSelf, Linker};

use super::bindings;
use super::cache::{self, Source};
use super::call::CallError;
use super::check::InvalidData;
use super::engine::EngineError;
use super::state::CallState;
use peerwell_core::formats::{FormatInfo, PlanningClock};
use peerwell_core::plugin_spec::{Limits, PluginSpec};

/// The interface package plugins implement.
pub const PACKAGE: &str = "peerwell:format";
/// The interface version this host implements.
pub const INTERFACE_VERSION: &str = "0.1.0";
/// The exported interface's functions, in WIT order.
pub const EXPORTS: [&str; 7] = [
    "describe",
    "validate",
    "requirements",
    "plan-session",
    "plan-series",
    "partition",
    "compose-reminder",
];

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("plugin `{plugin}` ({file}): {reason}")]
pub struct LoadError {
    /// The plugin's name in peerwell.toml.
    pub plugin: String,
    /// The file as the policy names it.
    pub file: String,
    /// What is wrong, e.g. "is missing the export `partition` of …".
    #[source]
    pub reason: LoadFailure,
}

/// What is wrong with a plugin that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadFailure {
    /// The file does not exist.
    #[error("file not found (paths are relative to the folder holding peerwell.toml)")]
    NotFound(#[source] std::io::Error),
    /// The file cannot be read.
    #[error("cannot read the file: {0}")]
    Unreadable(#[source] std::io::Error),
    /// The WebAssembly engine did not start.
    #[error(transparent)]
    Engine(&'static EngineError),
    /// A core module where a component is expected.
    #[error(
        "is a core WebAssembly module, not a component; link it with wasm-component-ld (see plugins/README.md)"
    )]
    CoreModule,
    /// The bytes do not compile as a component.
    #[error("is not a valid WebAssembly component: {0:#}")]
    NotAComponent(#[source] wasmtime::Error),
    /// Its exports or imports are not the interface's.
    #[error(transparent)]
    Interface(#[from] InterfaceError),
    /// The host's imports could not be set up for it.
    #[error("cannot set up its imports: {0:#}")]
    Imports(#[source] wasmtime::Error),
    /// It cannot be linked against the host's imports.
    #[error("cannot be linked: {0:#}")]
    Link(#[source] wasmtime::Error),
    /// Its types do not match the interface's.
    #[error(
        "does not match {}@{}: {:#} — rebuild it against plugins/wit of this release",
        PACKAGE,
        INTERFACE_VERSION,
        .0
    )]
    Mismatch(#[source] wasmtime::Error),
    /// `describe()` failed.
    #[error("describe() failed: {0}")]
    Describe(#[source] CallError),
    /// `describe()` returned something unusable.
    #[error("describe() returned invalid data: {0}")]
    DescribeInvalid(#[source] InvalidData),
}

/// How a component's exports or imports differ from the interface.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterfaceError {
    /// It does not export `peerwell:format/format`.
    #[error(
        "does not export the interface {}/format@{} (it exports: {})",
        PACKAGE,
        INTERFACE_VERSION,
        if .exports.is_empty() { "nothing".to_string() } else { .exports.join(", ") }
    )]
    NoExport {
        /// What it exports instead.
        exports: Vec<String>,
    },
    /// It targets a version this host does not implement.
    #[error(
        "targets {interface}; this peerwell supports {}@0.1.x — rebuild it against plugins/wit of this release",
        PACKAGE
    )]
    Version {
        /// The interface it targets, e.g. `peerwell:format@0.2.0`.
        interface: String,
    },
    /// The export is not an interface instance.
    #[error("exports {name}, but not as an interface instance")]
    NotAnInstance {
        /// The export's name.
        name: String,
    },
    /// A function of the interface is missing.
    #[error("is missing the export `{function}` of {name}")]
    MissingExport {
        /// The function.
        function: &'static str,
        /// The interface export's name.
        name: String,
    },
    /// It imports something the host does not offer.
    #[error(
        "imports {import}, which peerwell does not offer (plugins get only {}/host: no WASI, files, network or clock)",
        PACKAGE
    )]
    ForeignImport {
        /// The import's name.
        import: String,
    },
    /// It imports the host interface at a version this host does not offer.
    #[error(
        "imports {import}; this peerwell supports {}@0.1.x — rebuild it against plugins/wit of this release",
        PACKAGE
    )]
    ImportVersion {
        /// The import's name.
        import: String,
    },
}

/// A loaded, checked plugin, ready to instantiate.
pub struct Plugin {
    pub(super) name: String,
    pub(super) file: String,
    pub(super) limits: Limits,
    pub(super) pre: bindings::PluginPre<CallState>,
    pub(super) clock: PlanningClock,
    pub(super) info: FormatInfo,
    pub(super) sdk_version: Option<String>,
    pub(super) interface: String,
    pub(super) source: Source,
}

impl Plugin {
    /// Loads `spec`, compiling it or reading the compiled form from
    /// `<cache_dir>` (see [`cache`]); `clock` is the planning moment its
    /// `now` import reports.
    pub fn load(
        spec: &PluginSpec,
        cache_dir: Option<&Path>,
        clock: PlanningClock,
    ) -> Result<Plugin, LoadError> {
        let refuse = |reason: LoadFailure| LoadError {
            plugin: spec.name.clone(),
            file: spec.label.clone(),
            reason,
        };
        let (pre, interface, source) = prepare(spec, cache_dir).map_err(refuse)?;
        let mut plugin = Plugin {
            name: spec.name.clone(),
            file: spec.label.clone(),
            limits: spec.limits,
            pre,
            clock,
            info: FormatInfo {
                name: spec.name.clone(),
                version: String::new(),
                summary: String::new(),
                settings: Vec::new(),
            },
            sdk_version: None,
            interface,
            source,
        };
        let described = plugin
            .instance("-", jiff::tz::TimeZone::UTC)
            .and_then(|mut i| i.describe_raw())
            .map_err(|e| refuse(LoadFailure::Describe(e)))?;
        super::check::info(&described).map_err(|e| refuse(LoadFailure::DescribeInvalid(e)))?;
        plugin.sdk_version = described.sdk_version.clone();
        plugin.info = super::convert::info_in(described);
        Ok(plugin)
    }

    /// The name groups use.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file as the policy names it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// What `describe()` returned at load.
    pub fn info(&self) -> &FormatInfo {
        &self.info
    }

    /// The SDK version the plugin says it was built with.
    pub fn sdk_version(&self) -> Option<&str> {
        self.sdk_version.as_deref()
    }

    /// The interface it exports, e.g. `peerwell:format@0.1.0`.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// Whether it was compiled now or read from the disk cache.
    pub fn source(&self) -> Source {
        self.source
    }
}

/// Reads, compiles (or takes from the cache), checks and links the
/// plugin's component: its pre-instance, the interface it targets and
/// where the compiled code came from.
fn prepare(
    spec: &PluginSpec,
    cache_dir: Option<&Path>,
) -> Result<(bindings::PluginPre<CallState>, String, Source), LoadFailure> {
    let wasm = std::fs::read(&spec.path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadFailure::NotFound(e),
        _ => LoadFailure::Unreadable(e),
    })?;
    let engine = super::engine::engine().map_err(LoadFailure::Engine)?;
    if wasm.starts_with(b"\0asm") && wasm.get(4..8) == Some(&[1, 0, 0, 0]) {
        return Err(LoadFailure::CoreModule);
    }
    let (component, source) =
        cache::component(engine, &wasm, cache_dir).map_err(LoadFailure::NotAComponent)?;
    let interface = check_interface(engine, &component)?;
    let mut linker: Linker<CallState> = Linker::new(engine);
    bindings::Plugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
        .map_err(LoadFailure::Imports)?;
    let pre = linker
        .instantiate_pre(&component)
        .map_err(LoadFailure::Link)?;
    let pre = bindings::PluginPre::new(pre).map_err(LoadFailure::Mismatch)?;
    Ok((pre, interface, source))
}

/// The version in an interface name such as `peerwell:format/format@0.1.0`.
fn version_of(name: &str) -> Option<&str> {
    name.rsplit_once('@').map(|(_, v)| v)
}

/// Whether this host implements `version` (any 0.1.x).
pub fn supported(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    matches!(parts.as_slice(), ["0", "1", patch] if patch.parse::<u32>().is_ok())
}

/// Checks the component's exports and imports against the interface;
/// returns the interface it targets (`peerwell:format@X.Y.Z`).
fn check_interface(engine: &Engine, component: &Component) -> Result<String, InterfaceError> {
    let ty = component.component_type();
    let prefix = format!("{PACKAGE}/format");
    let export = ty
        .exports(engine)
        .find(|(name, _)| name.split('@').next() == Some(prefix.as_str()))
        .map(|(name, item)| (name.to_string(), item.ty));
    let Some((name, item)) = export else {
        let exports = ty.exports(engine).map(|(n, _)| n.to_string()).collect();
        return Err(InterfaceError::NoExport { exports });
    };
    let version = version_of(&name).unwrap_or("no version");
    let interface = format!("{PACKAGE}@{version}");
    if !supported(version) {
        return Err(InterfaceError::Version { interface });
    }
    let ComponentItem::ComponentInstance(instance) = item else {
        return Err(InterfaceError::NotAnInstance { name });
    };
    for function in EXPORTS {
        if instance.get_export(engine, function).is_none() {
            return Err(InterfaceError::MissingExport { function, name });
        }
    }
    for (import, _) in ty.imports(engine) {
        if !import.starts_with(&format!("{PACKAGE}/")) {
            let import = import.to_string();
            return Err(InterfaceError::ForeignImport { import });
        }
        if let Some(v) = version_of(import)
            && !supported(v)
        {
            let import = import.to_string();
            return Err(InterfaceError::ImportVersion { import });
        }
    }
    Ok(interface)
}

#[cfg(test)]
mod tests;
