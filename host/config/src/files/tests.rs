use super::*;

#[test]
fn devices_and_folders_are_refused_before_reading() {
    let e = read_regular(Path::new("/dev/zero"), 10, "x");
    assert!(
        matches!(e, Err(ReadError::NotRegular("a character device"))),
        "{e:?}"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let e = read_regular(dir.path(), 10, "x");
    assert!(matches!(e, Err(ReadError::NotRegular("a folder"))), "{e:?}");
}

#[test]
fn files_are_read_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("a.ics");
    std::fs::write(&path, b"0123456789").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        read_regular(&path, 10, "x").ok(),
        Some(b"0123456789".to_vec())
    );
    let e = read_regular(&path, 9, "x").map_err(|e| e.to_string());
    assert_eq!(
        e,
        Err("is larger than 9 bytes; refused (the limit is x)".to_string())
    );
}

#[cfg(unix)]
#[test]
fn links_out_of_the_policy_folder_are_refused() {
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let policy = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let target = outside.path().join("secret");
    std::fs::write(&target, "x").unwrap_or_else(|e| panic!("{e}"));
    let link = policy.path().join("link.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap_or_else(|e| panic!("{e}"));
    let mut access = FileAccess::new(policy.path());
    assert!(matches!(access.read_policy(&link), Err(ReadError::Outside)));
    let dotdot = policy
        .path()
        .join("..")
        .join(outside.path().file_name().unwrap_or_default());
    assert!(matches!(
        access.read_policy(&dotdot.join("secret")),
        Err(ReadError::Outside)
    ));
    access.allow(outside.path().canonicalize().unwrap_or_default());
    assert_eq!(access.read_policy(&link).ok(), Some(b"x".to_vec()));
}

#[test]
fn running_out_of_descriptors_is_told_apart_from_other_failures() {
    let io = |code| ReadError::from(std::io::Error::from_raw_os_error(code));
    // EMFILE (the process's limit) and ENFILE (the system's).
    assert!(io(24).out_of_descriptors());
    assert!(io(23).out_of_descriptors());
    // EIO, and the kinds that have their own variant.
    assert!(!io(5).out_of_descriptors());
    assert!(!io(2).out_of_descriptors());
    assert!(!ReadError::Outside.out_of_descriptors());
}
