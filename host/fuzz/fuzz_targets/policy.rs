//! The policy-folder loader on arbitrary files. The input is split at NUL
//! bytes into `peerwell.toml`, the people file and group files, written to
//! a scratch folder and loaded: loading never panics, a failure is a
//! non-empty, sorted list of diagnostics that renders, and the `[server]`
//! reader the daemon uses never panics either.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

use peerwell::pipeline;
use peerwell_fuzz::parts;

/// At most this many group files per input.
const MAX_GROUPS: usize = 4;

/// The scratch folder, one per process, under `$TMPDIR` (`run` points
/// that at memory when it can and removes it afterwards).
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| std::env::temp_dir().join(format!("peerwell-fuzz-{}", std::process::id())))
}

fn write_folder(dir: &Path, files: &[&[u8]]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("groups")).expect("scratch folder");
    std::fs::create_dir_all(dir.join("people")).expect("scratch folder");
    let mut files = files.iter();
    let org = files.next().copied().unwrap_or_default();
    std::fs::write(dir.join("peerwell.toml"), org).expect("write");
    if let Some(people) = files.next() {
        std::fs::write(dir.join("people.toml"), people).expect("write");
        std::fs::write(dir.join("people").join("staff.toml"), people).expect("write");
    }
    for (i, group) in files.take(MAX_GROUPS).enumerate() {
        let name = format!("g{i}.toml");
        std::fs::write(dir.join("groups").join(name), group).expect("write");
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = scratch().join("policy");
    write_folder(&dir, &parts(data));
    match pipeline::policy(&dir) {
        Ok(org) => assert!(
            org.groups.windows(2).all(|w| w[0].id < w[1].id),
            "groups not sorted by id, or an id twice"
        ),
        Err(diagnostics) => {
            assert!(
                !diagnostics.0.is_empty(),
                "a failed load with no diagnostic"
            );
            assert!(
                diagnostics.0.windows(2).all(|w| w[0] <= w[1]),
                "diagnostics not sorted"
            );
            for d in &diagnostics.0 {
                assert!(d.line == 0 || d.column >= 1, "line without a column: {d}");
            }
            let _ = diagnostics.to_string();
        }
    }
    if let Err(diagnostics) = peerwell_config::server::load(&dir) {
        let _ = diagnostics.to_string();
    }
});
