//! The project's plugins and hostile fixtures, built from source once per
//! test process by `plugins/build` (which prints each `.wasm` it made).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::cli::root;

static BUILT: OnceLock<Result<Vec<PathBuf>, String>> = OnceLock::new();

/// Runs `plugins/build` (once) and returns the paths it printed.
pub fn built() -> &'static [PathBuf] {
    let result = BUILT.get_or_init(|| {
        let script = root().join("plugins/build");
        let out = Command::new(&script)
            .current_dir(root().join("plugins"))
            // The build must not inherit this test's toolchain settings.
            .env_remove("RUSTUP_TOOLCHAIN")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO")
            .env_remove("RUSTC")
            .env_remove("RUSTDOC")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} failed:\n{}",
                script.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| l.ends_with(".wasm"))
            .map(PathBuf::from)
            .collect())
    });
    match result {
        Ok(paths) => paths,
        Err(e) => panic!("{e}"),
    }
}

/// `name` with `_` as `-`.
fn normal(name: &str) -> String {
    name.replace('_', "-")
}

/// The `.wasm` of the plugin or fixture called `name` (e.g. `check-in`,
/// `loop`): the built file whose name is `name`, or ends in `-name`.
pub fn wasm(name: &str) -> PathBuf {
    let want = normal(name);
    let paths = built();
    paths
        .iter()
        .find(|p| {
            let stem = p
                .file_stem()
                .map(|s| normal(&s.to_string_lossy()))
                .unwrap_or_default();
            stem == want || stem == format!("{want}-plugin") || stem.ends_with(&format!("-{want}"))
        })
        .cloned()
        .unwrap_or_else(|| panic!("plugins/build made no {name}.wasm; it made {paths:?}"))
}
