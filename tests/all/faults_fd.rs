//! File descriptors and connection floods, through the real daemon: it
//! raises its soft open-file limit to the hard one, keeps its connection cap
//! below the limit so a flood of idle connections leaves room for planning,
//! recovers by itself once the flood is gone, and one client address holding
//! many connections does not delay others.

use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use peerwell_tests::cli::{binary, copy_example};
use peerwell_tests::daemon::Daemon;

const NOW: &str = "2026-03-02T08:00:00Z";
const WAIT: Duration = Duration::from_secs(90);

/// `peerwell serve` started under `prlimit --nofile=SOFT:HARD`.
struct Limited {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Limited {
    fn start(dir: &Path, nofile: &str, env: &[(&str, &str)]) -> Limited {
        let mut cmd = Command::new("prlimit");
        cmd.arg(format!("--nofile={nofile}"))
            .arg(binary())
            .arg("serve")
            .arg(dir)
            .args(["--listen", "127.0.0.1:0", "--now", NOW])
            .env("PEERWELL_DATA_DIR", dir.join(".peerwell"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .expect("prlimit (util-linux) runs peerwell serve");
        let (tx, lines) = mpsc::channel();
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in streams {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut d = Limited {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            lines,
            seen: Vec::new(),
        };
        let line = d.wait_for("listening on http://");
        d.addr = line
            .rsplit("http://")
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        d
    }

    /// The first output line containing `needle` (waiting up to WAIT).
    fn wait_for(&mut self, needle: &str) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        loop {
            match self.lines.recv_timeout(WAIT) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!("no {needle:?} in:\n{}", self.seen.join("\n")),
            }
        }
    }

    fn output(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }

    fn healthz(&self) -> Option<(u16, serde_json::Value)> {
        let resp = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap()
            .get(format!("http://{}/healthz", self.addr))
            .send()
            .ok()?;
        let code = resp.status().as_u16();
        Some((code, serde_json::from_str(&resp.text().ok()?).ok()?))
    }

    /// The soft and hard open-file limits of the running daemon.
    fn nofile(&self) -> (String, String) {
        let limits = std::fs::read_to_string(format!("/proc/{}/limits", self.child.id())).unwrap();
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .unwrap();
        let f: Vec<&str> = line.split_whitespace().collect();
        (f[3].to_string(), f[4].to_string())
    }
}

impl Drop for Limited {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn clinic() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_example(tmp.path());
    tmp
}

#[test]
fn the_daemon_raises_its_soft_open_file_limit_to_the_hard_one() {
    let tmp = clinic();
    let d = Limited::start(tmp.path(), "256:4096", &[]);
    assert_eq!(d.nofile(), ("4096".to_string(), "4096".to_string()));
}

/// Under a 256-descriptor limit, 400 idle connections neither starve a
/// re-plan nor keep /healthz degraded once they are gone.
#[test]
fn an_idle_connection_flood_leaves_room_for_planning_and_the_daemon_recovers() {
    let tmp = clinic();
    let env = [
        // The flood comes from one address: lift the per-client cap to test
        // the descriptor cap, and keep idle connections open.
        ("PEERWELL_HTTP_MAX_CONNECTIONS_PER_CLIENT", "100000"),
        ("PEERWELL_HTTP_HEADER_TIMEOUT_MS", "600000"),
        ("PEERWELL_HTTP_IDLE_TIMEOUT_MS", "600000"),
    ];
    let mut d = Limited::start(tmp.path(), "256:256", &env);
    let (code, health) = d.healthz().expect("/healthz");
    assert_eq!(
        (code, health["status"].as_str()),
        (200, Some("ok")),
        "{health:#}"
    );

    let flood: Vec<TcpStream> = (0..400)
        .map(|_| TcpStream::connect(d.addr).expect("connect (the backlog holds the rest)"))
        .collect();
    // A re-plan while every connection is held: it must find descriptors.
    let status = Command::new("kill")
        .args(["-HUP", &d.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let line = d.wait_for("cause=SIGHUP");
    let planned = d.wait_for("planned cause=SIGHUP");
    let out = d.output();
    assert!(!out.contains("planning failed"), "{line}\n{out}");
    assert!(!out.contains("Too many open files"), "{planned}\n{out}");
    drop(flood);

    let mut last = None;
    for _ in 0..(WAIT.as_millis() / 200) {
        last = d.healthz();
        if last
            .as_ref()
            .is_some_and(|(c, h)| *c == 200 && h["status"] == "ok")
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, health) = last.expect("/healthz answers after the flood");
    assert_eq!(code, 200, "{health:#}");
    assert_eq!(health["status"], "ok", "{health:#}\n{}", d.output());
    // Accepting never failed; had it, the loop backs off (one line a run).
    assert!(
        d.output().matches("accept failed").count() <= 1,
        "{}",
        d.output()
    );
}

/// One address holding its cap of idle connections: its further
/// connections are refused at once, and another address is served.
#[test]
fn one_client_holding_many_idle_connections_does_not_delay_others() {
    let tmp = clinic();
    let toml = tmp.path().join("peerwell.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{text}\n[server]\nmax_connections_per_client = 8\n"),
    )
    .unwrap();
    let env = [
        ("PEERWELL_HTTP_MAX_CONNECTIONS", "64"),
        ("PEERWELL_HTTP_HEADER_TIMEOUT_MS", "600000"),
        ("PEERWELL_HTTP_IDLE_TIMEOUT_MS", "600000"),
    ];
    let d = Daemon::start_with_env(tmp.path(), &["--now", NOW], &env);
    assert_eq!(d.get("/healthz").0, 200);

    // 200 idle connections from 127.0.0.1, more than the whole cap.
    let mut flood: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(d.addr).unwrap())
        .collect();
    // Another client (127.0.0.2 is loopback too) is served at once.
    let other = reqwest::blocking::Client::builder()
        .local_address("127.0.0.2".parse::<IpAddr>().unwrap())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let resp = other
        .get(d.url("/healthz"))
        .send()
        .expect("served beside the flood");
    assert_eq!(resp.status().as_u16(), 200);

    // The flooding address holds exactly its cap; the rest were answered
    // 503 and closed.
    let mut held = 0;
    let mut refused = 0;
    for s in &mut flood {
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let mut buf = Vec::new();
        match s.read_to_end(&mut buf) {
            Ok(_) => {
                let text = String::from_utf8_lossy(&buf);
                assert!(
                    text.is_empty() || text.starts_with("HTTP/1.1 503"),
                    "{text}"
                );
                refused += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => held += 1,
            Err(_) => refused += 1,
        }
    }
    assert_eq!((held, refused), (8, 192));
    drop(flood);
    // Its seats are given back: the address is served again.
    let mut d = d;
    d.poll("127.0.0.1 served again", WAIT, |d| {
        (d.get("/healthz").0 == 200).then_some(())
    });
}

/// The shipped unit sets a hard open-file limit well above the default
/// soft 1,024 (its sandbox rating is checked in deploy.rs).
#[test]
fn the_systemd_unit_sets_an_open_file_limit() {
    let unit = std::fs::read_to_string(
        peerwell_tests::cli::root().join("examples/systemd/peerwell.service"),
    )
    .unwrap();
    let limit: u64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("LimitNOFILE="))
        .expect("LimitNOFILE= in the unit")
        .trim()
        .parse()
        .unwrap();
    assert!(limit >= 16_384, "{limit}");
}
