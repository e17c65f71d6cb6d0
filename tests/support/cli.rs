//! Running the `peerwell` binary and the oracle scripts.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository root")
        .to_path_buf()
}

/// `examples/clinic`, with the plugins it names built first.
pub fn example_dir() -> PathBuf {
    crate::plugins::built();
    root().join("examples/clinic")
}

/// Copies `examples/clinic` to `to` (without its `.peerwell` state), with
/// the plugin paths in `peerwell.toml` made absolute so the copy still
/// finds them.
pub fn copy_example(to: &Path) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("create the copy");
        for entry in std::fs::read_dir(from).expect("read the example").flatten() {
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                if entry.file_name() != ".peerwell" {
                    copy(&entry.path(), &target);
                }
            } else {
                std::fs::copy(entry.path(), &target).expect("copy a file");
            }
        }
    }
    let from = example_dir();
    copy(&from, to);
    let toml = to.join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).expect("read peerwell.toml");
    let plugins = root().join("plugins");
    let text = text.replace(
        "path = \"../../plugins/",
        &format!("path = \"{}/", plugins.display()),
    );
    std::fs::write(&toml, text).expect("write peerwell.toml");
}

/// The `peerwell` binary built beside this test (`cargo build --workspace --bins`).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/all-<hash> -> target/<profile>/peerwell
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|p| p.join("peerwell"))
        .expect("target layout");
    assert!(
        bin.exists(),
        "{} is missing: build it first with `cargo build --workspace --bins` (tests/run does)",
        bin.display()
    );
    bin
}

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            code,
            "`peerwell {}` exited {}\nstdout:\n{}\nstderr:\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs the binary with a fresh, empty planning-state folder
/// (`PEERWELL_DATA_DIR`), so runs neither share state nor write into the
/// policy folder.
pub fn peerwell(args: &[&str]) -> Run {
    let state = tempfile::tempdir().expect("temp dir for the planning state");
    peerwell_in(args, state.path())
}

/// Runs the binary with `PEERWELL_DATA_DIR` set to `data_dir` (a
/// `--data-dir` argument still wins).
pub fn peerwell_in(args: &[&str], data_dir: &Path) -> Run {
    let out = Command::new(binary())
        .args(args)
        .env("NO_COLOR", "1")
        .env("PEERWELL_DATA_DIR", data_dir)
        .output()
        .expect("run peerwell");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn oracle_missing() -> ! {
    panic!("run tests/setup to install the test oracles")
}

fn lines(mut cmd: Command, what: &str) -> Vec<String> {
    let out = cmd.output().unwrap_or_else(|_| oracle_missing());
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Runs `tests/oracles/<script>` with the venv's Python; returns its stdout lines.
pub fn oracle_python(script: &str, args: &[String]) -> Vec<String> {
    let python = root().join("tests/.venv/bin/python");
    if !python.exists() {
        oracle_missing();
    }
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/oracles").join(script))
        .args(args);
    lines(cmd, script)
}

/// Runs `tests/oracles/<script>` with node (ical.js); returns its stdout lines.
pub fn oracle_node(script: &str, args: &[String]) -> Vec<String> {
    if !root().join("tests/oracles/node_modules/ical.js").exists() {
        oracle_missing();
    }
    let mut cmd = Command::new("node");
    cmd.arg(root().join("tests/oracles").join(script))
        .args(args);
    lines(cmd, script)
}
