//! A private PostgreSQL 15 cluster for peerwell's tests.
//!
//! [`Cluster::start`] runs `initdb` and `pg_ctl` from Debian's
//! `postgresql` package (`/usr/lib/postgresql/15/bin`, or `PEERWELL_PG_BIN`)
//! in a temporary directory: a unix socket in that directory and a free TCP
//! port on 127.0.0.1. The server refuses to run as root, so when the tests
//! run as root the cluster's directory is given to the `postgres` OS user and
//! every server command runs as that user (`runuser`).
//!
//! Authentication: the superuser `postgres` connects over the unix socket
//! without a password (what the fixture itself uses); the role
//! [`ROLE`] with password [`PASSWORD`] connects over TCP with
//! `scram-sha-256`, as peerwell does in the tests.
//!
//! [`Cluster::database`] creates a fresh database owned by [`ROLE`] and
//! drops it again when the returned [`Database`] is dropped. Dropping the
//! [`Cluster`] stops the server and removes its directory; a watchdog
//! process does the same when the test process ends without dropping it (a
//! panic in a `static` cluster's user, `process::exit`), so no server is
//! ever left behind. [`shared`] is one cluster per test binary.
//!
//! # Layout
//!
//! One file: [`Cluster`] (start, stop, restart, the watchdog), [`Database`]
//! (one per test) and [`shared`].

#![deny(missing_docs)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The role peerwell connects as over TCP.
pub const ROLE: &str = "peerwell";
/// That role's password.
pub const PASSWORD: &str = "pw-test-secret";

/// Why the cluster could not be started or used.
pub type Error = String;

/// A running private PostgreSQL cluster.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    running: bool,
    next_db: AtomicU32,
}

/// A fresh database in a [`Cluster`], dropped with this value.
pub struct Database<'c> {
    cluster: &'c Cluster,
    name: String,
}

/// The cluster shared by every test of this test binary, started on first
/// use.
///
/// # Panics
/// When the cluster cannot start (the message says why).
pub fn shared() -> &'static Cluster {
    static SHARED: OnceLock<Cluster> = OnceLock::new();
    SHARED.get_or_init(|| Cluster::start().unwrap_or_else(|e| panic!("{e}")))
}

/// Where PostgreSQL's programs are.
fn bin_dir() -> PathBuf {
    std::env::var_os("PEERWELL_PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A port nobody listens on at the moment.
fn free_port() -> Result<u16, Error> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

impl Cluster {
    /// Creates and starts a new cluster in a temporary directory.
    pub fn start() -> Result<Cluster, Error> {
        let bin = bin_dir();
        if !bin.join("initdb").exists() {
            return Err(format!(
                "PostgreSQL 15 is not installed ({} is missing): run tests/setup",
                bin.join("initdb").display()
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("peerwell-pg-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        let mut cluster = Cluster {
            dir,
            bin,
            port: free_port()?,
            as_postgres: is_root(),
            running: false,
            next_db: AtomicU32::new(0),
        };
        cluster.init()?;
        cluster.watchdog()?;
        // The free port may be taken between choosing and binding it (tests
        // run in parallel): choose another and try again.
        let mut tries = 0;
        while let Err(e) = cluster.start_server() {
            tries += 1;
            if tries == 3 {
                return Err(format!("{e}\n{}", cluster.log()));
            }
            cluster.port = free_port()?;
            cluster.configure(&format!("port = {}\n", cluster.port))?;
        }
        cluster.superuser_sql(&format!(
            "CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'"
        ))?;
        Ok(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The directory holding the server's unix socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory (for `postgresql.conf`, certificates).
    pub fn data_dir(&self) -> PathBuf {
        self.data()
    }

    /// Runs one of PostgreSQL's programs, as the `postgres` user when root.
    fn run(&self, program: &str, args: &[&str]) -> Result<(), Error> {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{program} {} failed: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }

    /// Gives `path` to the `postgres` user when the server runs as it.
    pub fn chown(&self, path: &Path) -> Result<(), Error> {
        if !self.as_postgres {
            return Ok(());
        }
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(path)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then_some(())
            .ok_or_else(|| format!("cannot chown {} to postgres", path.display()))
    }

    fn init(&self) -> Result<(), Error> {
        self.chown(self.dir.path())?;
        let data = self.data();
        let data = data.to_str().ok_or("temporary path is not UTF-8")?;
        self.run(
            "initdb",
            &[
                "-D",
                data,
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )?;
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n\
             max_connections = 200\nshared_buffers = 16MB\n",
            self.port,
            self.dir.path().display()
        );
        append(&self.data().join("postgresql.conf"), &conf)
    }

    /// Appends `lines` to `postgresql.conf` (applied at the next start).
    pub fn configure(&self, lines: &str) -> Result<(), Error> {
        append(&self.data().join("postgresql.conf"), lines)
    }

    /// A process that stops the server and removes the directory once this
    /// test process has ended, however it ended.
    fn watchdog(&self) -> Result<(), Error> {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
             {pgctl} -D '{data}' stop -m immediate >/dev/null 2>&1; rm -rf '{dir}'",
            pid = std::process::id(),
            pgctl = self.pg_ctl_prefix(),
            data = self.data().display(),
            dir = self.dir.path().display(),
        );
        Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|e| format!("cannot start the cluster's watchdog: {e}"))
    }

    fn pg_ctl_prefix(&self) -> String {
        let exe = self.bin.join("pg_ctl").display().to_string();
        if self.as_postgres {
            format!("runuser -u postgres -- {exe}")
        } else {
            exe
        }
    }

    fn start_server(&mut self) -> Result<(), Error> {
        let data = self.data();
        let log = self.dir.path().join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().ok_or("path")?,
                "-l",
                log.to_str().ok_or("path")?,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        self.running = true;
        Ok(())
    }

    /// Stops the server (fast shutdown: open connections are ended).
    pub fn stop(&mut self) -> Result<(), Error> {
        let data = self.data();
        self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().ok_or("path")?,
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        )?;
        self.running = false;
        Ok(())
    }

    /// Starts the server again after [`Cluster::stop`], on the same port.
    pub fn restart(&mut self) -> Result<(), Error> {
        self.start_server()
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// A superuser connection over the unix socket.
    pub fn superuser(&self, database: &str) -> Result<postgres::Client, Error> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let result = postgres::Config::new()
                .host_path(self.dir.path())
                .port(self.port)
                .user("postgres")
                .dbname(database)
                .connect(postgres::NoTls);
            match result {
                Ok(c) => return Ok(c),
                Err(e) if Instant::now() > deadline => {
                    return Err(format!("cannot connect as superuser: {e}"));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Runs `sql` as the superuser in the `postgres` database.
    pub fn superuser_sql(&self, sql: &str) -> Result<(), Error> {
        self.superuser("postgres")?
            .batch_execute(sql)
            .map_err(|e| format!("{sql}: {e}"))
    }

    /// A fresh, empty database owned by [`ROLE`].
    ///
    /// # Panics
    /// When it cannot be created.
    pub fn database(&self) -> Database<'_> {
        let n = self.next_db.fetch_add(1, Ordering::Relaxed);
        let name = format!("pw_{}_{n}", std::process::id());
        self.superuser_sql(&format!("CREATE DATABASE {name} OWNER {ROLE}"))
            .unwrap_or_else(|e| panic!("{e}"));
        Database {
            cluster: self,
            name,
        }
    }

    /// The URL of `database` over TCP as [`ROLE`], without a password.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{ROLE}@127.0.0.1:{}/{database}?sslmode=disable",
            self.port
        )
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.running {
            let data = self.data();
            if let Some(data) = data.to_str() {
                let _ = self.run("pg_ctl", &["-D", data, "-m", "immediate", "stop"]);
            }
        }
    }
}

impl Database<'_> {
    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URL over TCP as [`ROLE`], without a password (`sslmode=disable`).
    pub fn url(&self) -> String {
        self.cluster.url(&self.name)
    }

    /// A superuser connection to it over the unix socket (to look at or
    /// tamper with what peerwell wrote).
    ///
    /// # Panics
    /// When it cannot connect.
    pub fn superuser(&self) -> postgres::Client {
        self.cluster
            .superuser(&self.name)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The cluster it is in.
    pub fn cluster(&self) -> &Cluster {
        self.cluster
    }
}

impl Drop for Database<'_> {
    fn drop(&mut self) {
        if self.cluster.running {
            let _ = self.cluster.superuser_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn append(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests;
