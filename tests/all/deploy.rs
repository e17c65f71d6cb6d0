//! The systemd unit in examples/systemd: valid, sandboxed, and pointing at
//! what the daemon reads.

use std::process::Command;

use peerwell_tests::cli::{binary, root};

fn unit_text() -> String {
    std::fs::read_to_string(root().join("examples/systemd/peerwell.service"))
        .expect("read examples/systemd/peerwell.service")
}

/// The unit with ExecStart pointing at the binary under test, in a fresh folder.
fn unit_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let text = unit_text().replace("/usr/local/bin/peerwell", &binary().display().to_string());
    let path = tmp.path().join("peerwell.service");
    std::fs::write(&path, text).unwrap();
    (tmp, path)
}

fn analyze(args: &[&str]) -> std::process::Output {
    Command::new("systemd-analyze")
        .args(args)
        .output()
        .expect("systemd-analyze is missing: run tests/setup (it installs Debian's systemd)")
}

#[test]
fn systemd_unit_verifies() {
    let (_tmp, path) = unit_copy();
    let out = analyze(&["verify", path.to_str().unwrap()]);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn systemd_unit_is_sandboxed() {
    let (_tmp, path) = unit_copy();
    // Exposure is 0.0 (locked down) to 10.0; the threshold is in tenths.
    let out = analyze(&[
        "security",
        "--offline=true",
        "--threshold=20",
        path.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exposure above 2.0:\n{text}");
    let unit = unit_text();
    for line in [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "StateDirectory=peerwell",
    ] {
        assert!(unit.contains(line), "the unit lacks {line:?}");
    }
}

#[test]
fn systemd_unit_runs_the_serve_command_with_its_state_directory() {
    let unit = unit_text();
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let args: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(args[1..], ["serve", "/etc/peerwell"]);
    // The data folder the unit names is the one systemd creates for it.
    assert!(unit.contains("Environment=PEERWELL_DATA_DIR=/var/lib/peerwell"));
    // `peerwell serve --help` is the command the unit starts.
    let help = Command::new(binary())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(help.status.success());
}
