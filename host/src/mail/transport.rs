//! Where messages go: a folder of `.eml` files (the default) or an SMTP
//! server (`[mail.smtp]`).
//!
//! `.eml` files are named by Message-ID and written atomically (a temporary
//! file, synced, then renamed), so sending the same reminder again
//! overwrites its file instead of adding a second one.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;

use peerwell_core::mail::{MailSettings, SmtpSettings, SmtpTls};

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth retrying: a 4xx reply, a dropped connection, a timeout, a
    /// folder that could not be written.
    Transient(String),
    /// The server refused the message for good (5xx), with its reply.
    Permanent(String),
}

/// Why a transport cannot be built from `[mail]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// `password_env` names a variable that is not set.
    #[error(
        "the SMTP password's environment variable {0} (`password_env` in [mail.smtp]) is not set"
    )]
    PasswordEnv(String),
}

/// A configured destination for messages.
pub enum Transport {
    /// `.eml` files in this folder.
    Folder(PathBuf),
    /// An SMTP server.
    Smtp(Box<Smtp>),
}

/// SMTP connections to `[mail.smtp]`: opened as sends need them (one per
/// message in flight, up to `connections`) and kept for the next ones.
///
/// lettre's `AsyncSmtpConnection` does the protocol; the TCP connection is
/// opened here so that it can set `TCP_NODELAY`: lettre writes a message's
/// body and its final `.` in two writes and then waits for the reply, which
/// with Nagle's algorithm and the server's delayed ACK costs about 40 ms per
/// message (measured: 16 messages per second into `smtp-sink` instead of
/// thousands). Implicit TLS (`tls = "tls"`) uses lettre's own connection.
pub struct Smtp {
    settings: SmtpSettings,
    credentials: Option<Credentials>,
    timeout: Duration,
    hello: ClientId,
    /// Open connections not in use.
    idle: Mutex<Vec<AsyncSmtpConnection>>,
}

impl Smtp {
    /// TLS for the server's name, trusting the system's roots and
    /// `ca_file`'s certificates.
    fn tls(&self) -> Result<TlsParameters, SendError> {
        let host = &self.settings.host;
        let fail = |e: String| SendError::Transient(format!("cannot set up TLS for {host}: {e}"));
        let mut builder = TlsParameters::builder(host.clone());
        if let Some(path) = &self.settings.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| fail(format!("cannot read ca_file {}: {e}", path.display())))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| fail(format!("ca_file {}: {e}", path.display())))?;
            builder = builder.add_root_certificate(cert);
        }
        builder.build().map_err(|e| fail(e.to_string()))
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let (host, port) = (self.settings.host.as_str(), self.settings.port);
        let mut conn = match self.settings.tls {
            SmtpTls::Tls => AsyncSmtpConnection::connect_tokio1(
                (host, port),
                Some(self.timeout),
                &self.hello,
                Some(self.tls()?),
                None,
            )
            .await
            .map_err(classify)?,
            SmtpTls::None | SmtpTls::StartTls => {
                let tcp = tokio::time::timeout(self.timeout, TcpStream::connect((host, port)))
                    .await
                    .map_err(|_| {
                        SendError::Transient(format!("cannot connect to {host}:{port}: timed out"))
                    })?
                    .map_err(|e| {
                        SendError::Transient(format!("cannot connect to {host}:{port}: {e}"))
                    })?;
                tcp.set_nodelay(true)
                    .map_err(|e| SendError::Transient(format!("{host}:{port}: {e}")))?;
                let mut conn =
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello)
                        .await
                        .map_err(classify)?;
                if self.settings.tls == SmtpTls::StartTls {
                    conn.starttls(self.tls()?, &self.hello).await.map_err(|e| {
                        SendError::Transient(format!("STARTTLS with {host}:{port}: {e}"))
                    })?;
                }
                conn
            }
        };
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(classify)?;
        }
        Ok(conn)
    }

    async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        let reused = {
            let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
            idle.retain(|c| !c.has_broken());
            idle.pop()
        };
        let mut conn = match reused {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        // On an error the connection is dropped: the next message starts
        // on a fresh one.
        conn.send(envelope, message).await.map_err(classify)?;
        self.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(conn);
        Ok(())
    }
}

/// 5xx replies are permanent; everything else (4xx, I/O, TLS) is worth
/// another try.
fn classify(e: lettre::transport::smtp::Error) -> SendError {
    if e.is_permanent() {
        SendError::Permanent(e.to_string())
    } else {
        SendError::Transient(e.to_string())
    }
}

impl Transport {
    /// The transport `settings` ask for; `folder` is where `.eml` files go
    /// when there is no SMTP server and no `[mail] folder`. Fails when the
    /// password's environment variable is not set.
    pub fn build(settings: &MailSettings, folder: &Path) -> Result<Transport, BuildError> {
        let Some(smtp) = &settings.smtp else {
            return Ok(Transport::Folder(
                settings
                    .folder
                    .clone()
                    .unwrap_or_else(|| folder.to_path_buf()),
            ));
        };
        Ok(Transport::Smtp(Box::new(smtp_transport(
            smtp,
            settings.send_timeout_seconds,
        )?)))
    }

    /// Hands `message` for `to` to the destination.
    pub async fn send(
        &self,
        from: &str,
        to: &str,
        message_id: &str,
        message: &[u8],
    ) -> Result<(), SendError> {
        match self {
            Transport::Folder(dir) => write_eml(dir, message_id, message).await.map_err(|e| {
                SendError::Transient(format!("cannot write to {}: {e}", dir.display()))
            }),
            Transport::Smtp(smtp) => {
                let envelope = envelope(from, to)?;
                smtp.send(&envelope, message).await
            }
        }
    }
}

fn envelope(from: &str, to: &str) -> Result<Envelope, SendError> {
    let from = from
        .parse()
        .map_err(|e| SendError::Permanent(format!("the sender address `{from}`: {e}")))?;
    let to = to
        .parse()
        .map_err(|e| SendError::Permanent(format!("the recipient address `{to}`: {e}")))?;
    Envelope::new(Some(from), vec![to]).map_err(|e| SendError::Permanent(e.to_string()))
}

fn smtp_transport(smtp: &SmtpSettings, timeout_seconds: u32) -> Result<Smtp, BuildError> {
    let credentials = match (&smtp.username, &smtp.password_env) {
        (Some(user), Some(var)) => {
            let password = std::env::var(var).map_err(|_| BuildError::PasswordEnv(var.clone()))?;
            Some(Credentials::new(user.clone(), password))
        }
        _ => None,
    };
    Ok(Smtp {
        settings: smtp.clone(),
        credentials,
        timeout: Duration::from_secs(u64::from(timeout_seconds)),
        hello: ClientId::default(),
        idle: Mutex::new(Vec::new()),
    })
}

/// The `.eml` file name of a Message-ID: its characters outside
/// `A-Za-z0-9.@-_` replaced by `_`.
pub fn eml_name(message_id: &str) -> String {
    let inner = message_id.trim_start_matches('<').trim_end_matches('>');
    let mut name: String = inner
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    name.push_str(".eml");
    name
}

async fn write_eml(dir: &Path, message_id: &str, message: &[u8]) -> std::io::Result<()> {
    let dir = dir.to_path_buf();
    let name = eml_name(message_id);
    let bytes = message.to_vec();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(&name))
    })
    .await
    .map_err(std::io::Error::other)?
}
