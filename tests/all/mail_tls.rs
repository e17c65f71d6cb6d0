//! Reminder emails over protected SMTP to the project's aiosmtpd peer:
//! STARTTLS and implicit TLS with a certificate from a test CA trusted
//! through `ca_file`, AUTH with the password taken from the environment
//! variable `password_env` names. A certificate nobody trusts and a wrong
//! password are never accepted.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use peerwell_tests::daemon::Daemon;
use peerwell_tests::smtp::SmtpPeer;
use serde_json::Value;

use super::mail::{NOW, clinic_with_mail, outbox, wait_settled};

const PASSWORD_ENV: &str = "PEERWELL_TEST_SMTP_PASSWORD";

/// A CA and a certificate for `localhost` signed by it (openssl, P-256):
/// (CA certificate, server certificate, server key).
fn test_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=peerwell test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign",
    ]);
    run(&ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    run(&csr);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

/// `[mail]` extras and `[mail.smtp]` for the peer on `port`.
fn smtp(port: u16, tls: &str, ca: Option<&Path>) -> String {
    let ca = ca.map_or(String::new(), |p| {
        format!("ca_file = {:?}\n", p.display().to_string())
    });
    format!(
        "retry_seconds = 1\nsend_timeout_seconds = 5\n[mail.smtp]\nhost = \"localhost\"\nport = {port}\ntls = \"{tls}\"\nusername = \"peerwell\"\npassword_env = \"{PASSWORD_ENV}\"\n{ca}"
    )
}

fn messages(out: &Value) -> &Vec<Value> {
    out["messages"].as_array().unwrap()
}

/// Runs the clinic against a peer started with `peer_options`; the settled
/// outbox and the peer's accepted messages.
fn deliver(tls: &str, peer_options: &[&str], password: &str) -> (Value, usize) {
    let tmp = tempfile::tempdir().unwrap();
    let (ca, cert, key) = test_ca(tmp.path());
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let mut options = vec!["--cert", cert, "--key", key];
    options.extend_from_slice(peer_options);
    let peer = SmtpPeer::start_with(&tmp.path().join("accepted"), "{}", &options);
    let dir = tmp.path().join("clinic");
    clinic_with_mail(&dir, &smtp(peer.port, tls, Some(&ca)));
    let _daemon = Daemon::start_with_env(&dir, &["--now", NOW], &[(PASSWORD_ENV, password)]);
    let out = wait_settled(&dir, Duration::from_secs(120));
    (out, peer.accepted().len())
}

#[test]
fn starttls_and_auth_deliver_every_reminder() {
    let (out, accepted) = deliver(
        "starttls",
        &["--tls", "starttls", "--auth", "peerwell:s3cret pass"],
        "s3cret pass",
    );
    let rows = messages(&out);
    assert!(rows.len() > 10, "{out}");
    assert!(rows.iter().all(|r| r["state"] == "sent"), "{out}");
    assert_eq!(accepted, rows.len());
}

#[test]
fn implicit_tls_and_auth_deliver_every_reminder() {
    let (out, accepted) = deliver(
        "tls",
        &["--tls", "tls", "--auth", "peerwell:s3cret"],
        "s3cret",
    );
    let rows = messages(&out);
    assert!(rows.len() > 10, "{out}");
    assert!(rows.iter().all(|r| r["state"] == "sent"), "{out}");
    assert_eq!(accepted, rows.len());
}

#[test]
fn a_wrong_password_is_a_permanent_failure() {
    let (out, accepted) = deliver(
        "starttls",
        &["--tls", "starttls", "--auth", "peerwell:right"],
        "wrong",
    );
    assert_eq!(accepted, 0);
    for r in messages(&out) {
        assert_eq!(r["state"], "failed", "{r}");
        assert!(r["last_error"].as_str().unwrap().contains("535"), "{r}");
    }
}

#[test]
fn an_untrusted_certificate_sends_nothing_and_keeps_retrying() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, cert, key) = test_ca(tmp.path());
    let options = [
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--tls",
        "starttls",
    ];
    let peer = SmtpPeer::start_with(&tmp.path().join("accepted"), "{}", &options);
    let dir = tmp.path().join("clinic");
    // No ca_file: the test CA is not trusted.
    clinic_with_mail(&dir, &smtp(peer.port, "starttls", None));
    let _daemon = Daemon::start_with_env(&dir, &["--now", NOW], &[(PASSWORD_ENV, "x")]);
    let start = Instant::now();
    let out = loop {
        let out = outbox(&dir, &[]);
        let tried = messages(&out)
            .iter()
            .any(|r| r["attempts"].as_u64().unwrap_or(0) >= 2);
        if tried {
            break out;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no retries: {out}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(peer.accepted().is_empty());
    assert_eq!(out["counts"]["sent"].as_u64().unwrap_or(0), 0, "{out}");
    let errors: Vec<&str> = messages(&out)
        .iter()
        .filter_map(|r| r["last_error"].as_str())
        .collect();
    assert!(!errors.is_empty(), "{out}");
    assert!(
        errors
            .iter()
            .all(|e| e.to_lowercase().contains("certificate")),
        "{errors:?}"
    );
}
