use super::*;

#[test]
fn content_hash_is_sha256_hex() {
    assert_eq!(
        content_hash(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn entries_that_fail_their_checksum_are_ignored() {
    let Ok(engine) = super::super::engine::engine() else {
        panic!("engine");
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string());
    let Ok(dir) = dir else { panic!("temp dir") };
    let path = dir.path().join("x.cwasm");
    std::fs::write(&path, b"not a checksum and not an artifact at all, at all")
        .map_err(|e| e.to_string())
        .ok();
    assert!(read_entry(engine, &path).is_none());
    assert!(read_entry(engine, &dir.path().join("missing.cwasm")).is_none());
}

#[test]
fn invalid_bytes_are_a_compile_error_not_a_panic() {
    let Ok(engine) = super::super::engine::engine() else {
        panic!("engine");
    };
    let dir = tempfile::tempdir().ok();
    let r = component(engine, b"\0asm garbage", dir.as_ref().map(|d| d.path()));
    assert!(r.is_err());
}
