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
    assert!(cargo.contains("path = \"sdk\""), "{cargo}");
    let sdk = std::fs::read_to_string(root.join("sdk/Cargo.toml")).unwrap();
    assert!(!sdk.contains(".workspace"), "{sdk}");
    assert!(sdk.contains("wit-bindgen = {"), "{sdk}");
    assert!(root.join("wit/format.wit").is_file());
}

/// Every file of the shared rules is embedded, and the SDK's manifest
/// points at that copy.
#[test]
fn the_rules_are_embedded_beside_the_sdk() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut folders = vec![rules.join("src")];
    let mut files = Vec::new();
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 3, "the rules' files were not found");
    for file in files {
        let relative = file.strip_prefix(&rules).unwrap().to_string_lossy();
        let name = format!("rules/{relative}");
        assert!(
            SDK.iter().any(|(p, _)| *p == name),
            "{name} is not embedded"
        );
    }
    assert!(SDK_MANIFEST.lines().any(|l| l.trim() == RULES_IN_CHECKOUT));
    let sdk = sdk_manifest().unwrap();
    assert!(sdk.lines().any(|l| l == RULES_IN_CRATE), "{sdk}");
    let tmp = tempfile::tempdir().unwrap();
    let root = scaffold("quiet-hour", tmp.path(), None).unwrap();
    assert!(root.join("rules/Cargo.toml").is_file());
    assert!(root.join("rules/src/rotation.rs").is_file());
}

/// Every file of the SDK's source is embedded.
#[test]
fn the_whole_sdk_is_embedded() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/sdk/src");
    for entry in std::fs::read_dir(src).unwrap().flatten() {
        let name = format!("sdk/src/{}", entry.file_name().to_string_lossy());
        assert!(
            SDK.iter().any(|(p, _)| *p == name),
            "{name} is not embedded"
        );
    }
}
