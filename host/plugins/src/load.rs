//! Loading a plugin: bytes → component (cached) → interface checks →
//! `PluginPre` → `describe()`. Every refusal names the plugin, its file
//! and the reason.

use std::path::Path;

use wasmtime::Engine;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, HasSelf, Linker};

use super::bindings;
use super::cache::{self, Source};
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plugin `{plugin}` ({file}): {message}")]
pub struct LoadError {
    /// The plugin's name in peerwell.toml.
    pub plugin: String,
    /// The file as the policy names it.
    pub file: String,
    /// What is wrong, e.g. "is missing the export `partition` of …".
    pub message: String,
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
        let refuse = |message: String| LoadError {
            plugin: spec.name.clone(),
            file: spec.label.clone(),
            message,
        };
        let wasm = std::fs::read(&spec.path).map_err(|e| {
            refuse(match e.kind() {
                std::io::ErrorKind::NotFound => {
                    "file not found (paths are relative to the folder holding peerwell.toml)"
                        .to_string()
                }
                _ => format!("cannot read the file: {e}"),
            })
        })?;
        let engine = super::engine::engine().map_err(refuse)?;
        if wasm.starts_with(b"\0asm") && wasm.get(4..8) == Some(&[1, 0, 0, 0]) {
            return Err(refuse(
                "is a core WebAssembly module, not a component; link it with wasm-component-ld (see plugins/README.md)"
                    .to_string(),
            ));
        }
        let (component, source) = cache::component(engine, &wasm, cache_dir)
            .map_err(|e| refuse(format!("is not a valid WebAssembly component: {e:#}")))?;
        let interface = check_interface(engine, &component).map_err(refuse)?;
        let mut linker: Linker<CallState> = Linker::new(engine);
        bindings::Plugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(|e| refuse(format!("cannot set up its imports: {e:#}")))?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| refuse(format!("cannot be linked: {e:#}")))?;
        let pre = bindings::PluginPre::new(pre).map_err(|e| {
            refuse(format!(
                "does not match {PACKAGE}@{INTERFACE_VERSION}: {e:#} — rebuild it against plugins/wit of this release"
            ))
        })?;
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
            .map_err(|e| refuse(format!("describe() failed: {e}")))?;
        super::check::info(&described)
            .map_err(|e| refuse(format!("describe() returned invalid data: {e}")))?;
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
fn check_interface(engine: &Engine, component: &Component) -> Result<String, String> {
    let ty = component.component_type();
    let prefix = format!("{PACKAGE}/format");
    let export = ty
        .exports(engine)
        .find(|(name, _)| name.split('@').next() == Some(prefix.as_str()))
        .map(|(name, item)| (name.to_string(), item.ty));
    let Some((name, item)) = export else {
        let names: Vec<String> = ty.exports(engine).map(|(n, _)| n.to_string()).collect();
        return Err(format!(
            "does not export the interface {prefix}@{INTERFACE_VERSION} (it exports: {})",
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        ));
    };
    let version = version_of(&name).unwrap_or("no version");
    let interface = format!("{PACKAGE}@{version}");
    if !supported(version) {
        return Err(format!(
            "targets {interface}; this peerwell supports {PACKAGE}@0.1.x — rebuild it against plugins/wit of this release"
        ));
    }
    let ComponentItem::ComponentInstance(instance) = item else {
        return Err(format!("exports {name}, but not as an interface instance"));
    };
    for function in EXPORTS {
        if instance.get_export(engine, function).is_none() {
            return Err(format!("is missing the export `{function}` of {name}"));
        }
    }
    for (import, _) in ty.imports(engine) {
        if !import.starts_with(&format!("{PACKAGE}/")) {
            return Err(format!(
                "imports {import}, which peerwell does not offer (plugins get only {PACKAGE}/host: no WASI, files, network or clock)"
            ));
        }
        if let Some(v) = version_of(import)
            && !supported(v)
        {
            return Err(format!(
                "imports {import}; this peerwell supports {PACKAGE}@0.1.x — rebuild it against plugins/wit of this release"
            ));
        }
    }
    Ok(interface)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_0_1_x_is_supported() {
        for v in ["0.1.0", "0.1.7", "0.1.2-rc.1"] {
            assert!(supported(v), "{v}");
        }
        for v in ["0.0.1", "0.2.0", "1.1.0", "0.1", "0.1.x", "no version"] {
            assert!(!supported(v), "{v}");
        }
        assert_eq!(version_of("peerwell:format/format@0.0.1"), Some("0.0.1"));
    }

    #[test]
    fn a_missing_file_and_a_core_module_are_refused_by_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let spec = |file: &str| PluginSpec {
            name: "p".to_string(),
            path: dir.path().join(file),
            label: file.to_string(),
            limits: Limits::default(),
        };
        let missing = Plugin::load(&spec("missing.wasm"), None, PlanningClock::default());
        let Err(e) = missing else {
            panic!("loaded a missing file")
        };
        assert!(
            e.to_string()
                .starts_with("plugin `p` (missing.wasm): file not found"),
            "{e}"
        );
        std::fs::write(dir.path().join("core.wasm"), b"\0asm\x01\0\0\0").expect("write");
        let Err(e) = Plugin::load(&spec("core.wasm"), None, PlanningClock::default()) else {
            panic!("loaded a core module")
        };
        assert!(e.message.contains("core WebAssembly module"), "{e}");
        std::fs::write(dir.path().join("junk.wasm"), b"hello").expect("write");
        let Err(e) = Plugin::load(&spec("junk.wasm"), None, PlanningClock::default()) else {
            panic!("loaded junk")
        };
        assert!(
            e.message.contains("not a valid WebAssembly component"),
            "{e}"
        );
    }
}
