//! `peerwell plugin new NAME`: a plugin crate from the SDK's template that
//! builds as it is (`./build`) and passes `peerwell plugin check`.

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

/// Where this build of peerwell finds the SDK when `--sdk` is not given.
fn default_sdk() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/sdk")
}

/// Checks that `name` can be a format name and a crate name.
fn check_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !ok {
        return Err(format!(
            "error: `{name}` cannot name a plugin\n  = hint: use lowercase letters, digits and single \
             hyphens, starting with a letter (at most 40), e.g. `reflection-circle`"
        ));
    }
    if crate::formats::Formats::builtin().get(name).is_some() {
        return Err(format!(
            "error: `{name}` is a built-in format\n  = hint: choose another name, e.g. `{name}-plugin`"
        ));
    }
    Ok(())
}

/// Writes the crate `name` under `into` (as `into/name`) against the SDK at
/// `sdk` (default: the one next to this build). Returns the new folder.
pub fn scaffold(name: &str, into: &Path, sdk: Option<&Path>) -> Result<PathBuf, String> {
    check_name(name)?;
    let sdk = sdk.map(Path::to_path_buf).unwrap_or_else(default_sdk);
    let sdk = std::fs::canonicalize(&sdk)
        .ok()
        .filter(|p| p.join("Cargo.toml").is_file())
        .ok_or_else(|| {
            format!(
                "error: no SDK at {}\n  = hint: pass --sdk PATH to peerwell's plugins/sdk folder",
                sdk.display()
            )
        })?;
    let root = into.join(name);
    if root.exists()
        && std::fs::read_dir(&root)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(format!(
            "error: {} already exists and is not empty\n  = hint: choose another name or folder",
            root.display()
        ));
    }
    let lib = name.replace('-', "_");
    let sdk_text = sdk.to_string_lossy().replace('\\', "/");
    for (path, text, executable) in FILES {
        let text = text
            .replace("{{name}}", name)
            .replace("{{crate}}", name)
            .replace("{{lib}}", &lib)
            .replace("{{sdk}}", &sdk_text);
        let file = root.join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("error: cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&file, text)
            .map_err(|e| format!("error: cannot write {}: {e}", file.display()))?;
        if *executable {
            make_executable(&file)?;
        }
    }
    Ok(root)
}

#[cfg(unix)]
fn make_executable(file: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("error: cannot make {} executable: {e}", file.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("reflection-circle").is_ok());
        for bad in ["", "Circle", "1st", "a_b", "a--b", "a-", "check-in"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn writes_the_crate_with_the_name_filled_in() {
        let tmp = tempfile::tempdir().unwrap();
        let root = scaffold("quiet-hour", tmp.path(), None).unwrap();
        let cargo = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(cargo.contains("name = \"quiet-hour\""), "{cargo}");
        let build = std::fs::read_to_string(root.join("build")).unwrap();
        assert!(build.contains("quiet_hour.wasm"), "{build}");
        let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
        assert!(!lib.contains("{{"), "every placeholder is filled");
        assert!(
            scaffold("quiet-hour", tmp.path(), None).is_err(),
            "no overwrite"
        );
    }
}
