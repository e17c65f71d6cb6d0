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
    assert!(
        e.reason.to_string().contains("core WebAssembly module"),
        "{e}"
    );
    std::fs::write(dir.path().join("junk.wasm"), b"hello").expect("write");
    let Err(e) = Plugin::load(&spec("junk.wasm"), None, PlanningClock::default()) else {
        panic!("loaded junk")
    };
    assert!(
        e.reason
            .to_string()
            .contains("not a valid WebAssembly component"),
        "{e}"
    );
}
