//! Real SMTP servers on loopback: the project's own failure-injecting
//! aiosmtpd peer (tests/peers/faulty_smtpd.py) and Postfix's smtp-sink; and
//! reading what they accepted with Python's email package and the
//! icalendar oracle (tests/peers/inspect_eml.py).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::cli::root;

/// The aiosmtpd peer, running; killed when dropped.
pub struct SmtpPeer {
    child: Child,
    pub port: u16,
    /// Where it writes each accepted message as NNNNNN.eml.
    pub dir: PathBuf,
}

impl SmtpPeer {
    /// Starts the peer with failure-injection `rules` (JSON, see the
    /// script), writing accepted messages to `dir`.
    pub fn start(dir: &Path, rules: &str) -> SmtpPeer {
        SmtpPeer::start_with(dir, rules, &[])
    }

    /// [`SmtpPeer::start`] with more of the script's options (`--tls`,
    /// `--cert`, `--key`, `--auth`).
    pub fn start_with(dir: &Path, rules: &str, options: &[&str]) -> SmtpPeer {
        let python = root().join("tests/.venv/bin/python");
        assert!(
            python.exists(),
            "tests/.venv is missing: run tests/setup first"
        );
        let mut child = Command::new(python)
            .arg(root().join("tests/peers/faulty_smtpd.py"))
            .arg("--out")
            .arg(dir)
            .arg("--rules")
            .arg(rules)
            .args(options)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start faulty_smtpd.py");
        let out = child.stdout.take().expect("stdout piped");
        let mut line = String::new();
        BufReader::new(out)
            .read_line(&mut line)
            .expect("read the peer's port");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP peer did not start: {line:?}"));
        SmtpPeer {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// The accepted messages' files, in the order accepted.
    pub fn accepted(&self) -> Vec<PathBuf> {
        eml_files(&self.dir)
    }
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Postfix's smtp-sink on a free port; killed when dropped.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
}

impl SmtpSink {
    /// Starts `smtp-sink` (Debian `postfix`; tests/setup installs it),
    /// which accepts every message and keeps none; with `-c` it counts
    /// them, which the test reads from its exit report.
    pub fn start() -> SmtpSink {
        let bin = ["/usr/sbin/smtp-sink", "/usr/lib/postfix/sbin/smtp-sink"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect("smtp-sink is missing: run tests/setup (Debian package postfix)");
        for _ in 0..20 {
            let port = free_port();
            let mut cmd = Command::new(&bin);
            if is_root() {
                // smtp-sink drops privileges to a named user when root.
                cmd.args(["-u", "nobody"]);
            }
            let mut child = cmd
                .arg(format!("127.0.0.1:{port}"))
                .arg("100")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start smtp-sink");
            for _ in 0..100 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return SmtpSink { child, port };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("smtp-sink did not start");
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The `.eml` files in `dir`, sorted by name (temporary files left out).
pub fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|x| x == "eml")
                        && !p
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Each file read by Python's email package (and its .ics by icalendar):
/// one JSON object per file with message_id, date, from, to, subject,
/// text, html and calendar {method, events}.
pub fn inspect(files: &[PathBuf]) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for chunk in files.chunks(200) {
        let python = root().join("tests/.venv/bin/python");
        let output = Command::new(python)
            .arg(root().join("tests/peers/inspect_eml.py"))
            .args(chunk)
            .output()
            .expect("run inspect_eml.py");
        assert!(
            output.status.success(),
            "inspect_eml.py failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            out.push(serde_json::from_str(line).expect("inspect_eml.py prints JSON"));
        }
    }
    out
}

/// The Message-ID header of a raw message (unfolded), if any.
pub fn message_id(raw: &str) -> Option<String> {
    raw.split("\r\n\r\n")
        .next()?
        .replace("\r\n ", " ")
        .lines()
        .find_map(|l| {
            l.strip_prefix("Message-ID:")
                .or_else(|| l.strip_prefix("Message-Id:"))
        })
        .map(|v| v.trim().to_string())
}
