//! `peerwell plugin new NAME`: a plugin crate from the SDK's template that
//! builds as it is (`./build`) and passes `peerwell plugin check`. The
//! crate carries its own copy of this release's SDK (`sdk/`, `wit/`, and the
//! shared rules the SDK depends on, `rules/`), so the binary needs no source
//! checkout; `--sdk PATH` depends on another.

use std::path::{Path, PathBuf};

/// The template files, embedded so the binary can scaffold anywhere:
/// (path in the new crate, text, executable).
const FILES: &[(&str, &str, bool)] = &[
    (
        "Cargo.toml",
        include_str!("../../../plugins/template/Cargo.toml.tmpl"),
        false,
    ),
    (
        "src/lib.rs",
        include_str!("../../../plugins/template/src/lib.rs.tmpl"),
        false,
    ),
    (
        "build",
        include_str!("../../../plugins/template/build.tmpl"),
        true,
    ),
    (
        ".gitignore",
        include_str!("../../../plugins/template/gitignore.tmpl"),
        false,
    ),
    (
        "README.md",
        include_str!("../../../plugins/template/README.md.tmpl"),
        false,
    ),
];

/// The SDK crate and the interface it binds to, embedded so that an
/// installed peerwell, far from any source checkout, scaffolds a plugin
/// that builds: (path in the new crate, text). `sdk/Cargo.toml` is written
/// by [`sdk_manifest`].
const SDK: &[(&str, &str)] = &[
    (
        "sdk/src/lib.rs",
        include_str!("../../../plugins/sdk/src/lib.rs"),
    ),
    (
        "sdk/src/__glue.rs",
        include_str!("../../../plugins/sdk/src/__glue.rs"),
    ),
    (
        "sdk/src/agenda.rs",
        include_str!("../../../plugins/sdk/src/agenda.rs"),
    ),
    (
        "sdk/src/calls.rs",
        include_str!("../../../plugins/sdk/src/calls.rs"),
    ),
    (
        "sdk/src/host.rs",
        include_str!("../../../plugins/sdk/src/host.rs"),
    ),
    (
        "sdk/src/rotation.rs",
        include_str!("../../../plugins/sdk/src/rotation.rs"),
    ),
    (
        "sdk/src/settings.rs",
        include_str!("../../../plugins/sdk/src/settings.rs"),
    ),
    (
        "sdk/src/types.rs",
        include_str!("../../../plugins/sdk/src/types.rs"),
    ),
    (
        "wit/format.wit",
        include_str!("../../../plugins/wit/format.wit"),
    ),
    ("rules/Cargo.toml", include_str!("../../rules/Cargo.toml")),
    ("rules/src/lib.rs", include_str!("../../rules/src/lib.rs")),
    (
        "rules/src/rotation.rs",
        include_str!("../../rules/src/rotation.rs"),
    ),
    (
        "rules/src/split.rs",
        include_str!("../../rules/src/split.rs"),
    ),
    (
        "rules/src/rotation/tests.rs",
        include_str!("../../rules/src/rotation/tests.rs"),
    ),
    (
        "rules/src/split/tests.rs",
        include_str!("../../rules/src/split/tests.rs"),
    ),
];

/// Where the SDK's manifest finds the shared rules in a source checkout, and
/// where the scaffold's own copy puts them.
const RULES_IN_CHECKOUT: &str = "peerwell-rules = { path = \"../../host/rules\" }";
const RULES_IN_CRATE: &str = "peerwell-rules = { path = \"../rules\" }";

/// The SDK's manifest and the plugins' workspace manifest it inherits from.
const SDK_MANIFEST: &str = include_str!("../../../plugins/sdk/Cargo.toml");
const PLUGINS_MANIFEST: &str = include_str!("../../../plugins/Cargo.toml");

/// Why `peerwell plugin new` could not write a plugin; the text is what the
/// user sees.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The embedded plugins manifest does not parse.
    #[error("error: the embedded plugins manifest: {0}")]
    Manifest(#[source] toml::de::Error),
    /// The embedded SDK manifest inherits a key the scaffold cannot write.
    #[error("error: the embedded SDK manifest inherits `{0}`, which the scaffold cannot write out")]
    Inherited(String),
    /// The name cannot be a format and crate name.
    #[error(
        "error: `{0}` cannot name a plugin\n  = hint: use lowercase letters, digits and single \
         hyphens, starting with a letter (at most 40), e.g. `reflection-circle`"
    )]
    BadName(String),
    /// The name is a built-in format's.
    #[error("error: `{0}` is a built-in format\n  = hint: choose another name, e.g. `{0}-plugin`")]
    BuiltIn(String),
    /// `--sdk` names no SDK.
    #[error(
        "error: no SDK at {}\n  = hint: pass --sdk PATH to a peerwell-plugin-sdk folder, or leave it out to get a copy of this release's SDK",
        .0.display()
    )]
    NoSdk(PathBuf),
    /// The plugin's folder exists and holds files.
    #[error(
        "error: {} already exists and is not empty\n  = hint: choose another name or folder",
        .0.display()
    )]
    Exists(PathBuf),
    /// A file or folder could not be written.
    #[error("error: cannot {action} {}: {source}", path.display())]
    Io {
        /// `create` or `write`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A script could not be made executable.
    #[error("error: cannot make {} executable: {source}", path.display())]
    Executable {
        /// The script.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// An I/O failure to `action` `path`.
fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError {
    let path = path.to_path_buf();
    move |source| ScaffoldError::Io {
        action,
        path,
        source,
    }
}

/// The SDK's `Cargo.toml` standing alone: what it inherits from the
/// plugins' workspace (edition, license, `publish`, the `wit-bindgen`
/// dependency) written out, and the shared rules taken from the copy
/// beside it.
fn sdk_manifest() -> Result<String, ScaffoldError> {
    let workspace: toml::Table = PLUGINS_MANIFEST.parse().map_err(ScaffoldError::Manifest)?;
    let ws = &workspace["workspace"];
    let package = &ws["package"];
    let wit_bindgen = &ws["dependencies"]["wit-bindgen"];
    let line = |key: &str, value: &toml::Value| format!("{key} = {value}");
    let mut out = String::new();
    for l in SDK_MANIFEST.lines() {
        let replaced = match l.trim() {
            "edition.workspace = true" => line("edition", &package["edition"]),
            "license.workspace = true" => line("license", &package["license"]),
            "publish.workspace = true" => line("publish", &package["publish"]),
            "wit-bindgen.workspace = true" => line("wit-bindgen", wit_bindgen),
            RULES_IN_CHECKOUT => RULES_IN_CRATE.to_string(),
            other if other.contains(".workspace") => {
                return Err(ScaffoldError::Inherited(other.to_string()));
            }
            _ => l.to_string(),
        };
        out.push_str(&replaced);
        out.push('\n');
    }
    Ok(out)
}

/// Checks that `name` can be a format name and a crate name.
fn check_name(name: &str) -> Result<(), ScaffoldError> {
    let ok = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !ok {
        return Err(ScaffoldError::BadName(name.to_string()));
    }
    if peerwell_core::formats::Formats::builtin()
        .get(name)
        .is_some()
    {
        return Err(ScaffoldError::BuiltIn(name.to_string()));
    }
    Ok(())
}

/// Writes the crate `name` under `into` (as `into/name`) against the SDK at
/// `sdk`, or, without one, against its own copy of this release's SDK in
/// `into/name/sdk` (with the interface in `into/name/wit`). Returns the
/// new folder.
pub fn scaffold(name: &str, into: &Path, sdk: Option<&Path>) -> Result<PathBuf, ScaffoldError> {
    check_name(name)?;
    let sdk = match sdk {
        Some(sdk) => Some(
            std::fs::canonicalize(sdk)
                .ok()
                .filter(|p| p.join("Cargo.toml").is_file())
                .ok_or_else(|| ScaffoldError::NoSdk(sdk.to_path_buf()))?,
        ),
        None => None,
    };
    let root = into.join(name);
    if root.exists()
        && std::fs::read_dir(&root)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(ScaffoldError::Exists(root));
    }
    let lib = name.replace('-', "_");
    let sdk_text = match &sdk {
        Some(path) => path.to_string_lossy().replace('\\', "/"),
        None => "sdk".to_string(),
    };
    for (path, text, executable) in FILES {
        let text = text
            .replace("{{name}}", name)
            .replace("{{crate}}", name)
            .replace("{{lib}}", &lib)
            .replace("{{sdk}}", &sdk_text);
        write(&root.join(path), &text, *executable)?;
    }
    if sdk.is_none() {
        write(&root.join("sdk/Cargo.toml"), &sdk_manifest()?, false)?;
        for (path, text) in SDK {
            write(&root.join(path), text, false)?;
        }
    }
    Ok(root)
}

/// Writes `text` to `file`, creating its folder.
fn write(file: &Path, text: &str, executable: bool) -> Result<(), ScaffoldError> {
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    std::fs::write(file, text).map_err(io("write", file))?;
    if executable {
        make_executable(file)?;
    }
    Ok(())
}

#[cfg(unix)]
fn make_executable(file: &Path) -> Result<(), ScaffoldError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755)).map_err(|source| {
        ScaffoldError::Executable {
            path: file.to_path_buf(),
            source,
        }
    })
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), ScaffoldError> {
    Ok(())
}

#[cfg(test)]
mod tests;
