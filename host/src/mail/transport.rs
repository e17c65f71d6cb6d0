//! Where messages go: a folder of `.eml` files (the default) or an SMTP
//! server (`[mail.smtp]`).
//!
//! `.eml` files are named by Message-ID and written atomically (a temporary
//! file, synced, then renamed), so sending the same reminder again
//! overwrites its file instead of adding a second one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::settings::{MailSettings, SmtpSettings, SmtpTls};

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth retrying: a 4xx reply, a dropped connection, a timeout, a
    /// folder that could not be written.
    Transient(String),
    /// The server refused the message for good (5xx), with its reply.
    Permanent(String),
}

/// A configured destination for messages.
pub enum Transport {
    /// `.eml` files in this folder.
    Folder(PathBuf),
    /// An SMTP server.
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
}

impl Transport {
    /// The transport `settings` ask for; `folder` is where `.eml` files go
    /// when there is no SMTP server and no `[mail] folder`. Fails when the
    /// password's environment variable is not set.
    pub fn build(settings: &MailSettings, folder: &Path) -> Result<Transport, String> {
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
                match smtp.send_raw(&envelope, message).await {
                    Ok(_) => Ok(()),
                    Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                    Err(e) => Err(SendError::Transient(e.to_string())),
                }
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

fn smtp_transport(
    smtp: &SmtpSettings,
    timeout_seconds: u32,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = |host: &str| {
        TlsParameters::new(host.to_string())
            .map_err(|e| format!("cannot set up TLS for {host}: {e}"))
    };
    let mode = match smtp.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::StartTls => Tls::Required(tls(&smtp.host)?),
        SmtpTls::Tls => Tls::Wrapper(tls(&smtp.host)?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
        .port(smtp.port)
        .tls(mode)
        .timeout(Some(Duration::from_secs(u64::from(timeout_seconds))));
    if let (Some(user), Some(var)) = (&smtp.username, &smtp.password_env) {
        let password = std::env::var(var).map_err(|_| {
            format!(
                "the SMTP password's environment variable {var} (`password_env` in [mail.smtp]) is not set"
            )
        })?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
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
