//! Connecting to a [`PgTarget`]: TLS as its `sslmode` says, a short
//! connect timeout, TCP keepalives, and the session settings every
//! connection runs with; and PostgreSQL errors as [`StoreError`]s.

use std::sync::Arc;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::target::{Host, PgTarget, TlsMode};
use crate::StoreError;

/// A session idle inside a transaction longer than this is ended by the
/// server, releasing its locks (a paused or partitioned process must not
/// hold the lease row or the plan lock for ever). Shorter than the default
/// lease, so a stalled commit never outlives a takeover's wait.
pub const IDLE_IN_TRANSACTION: &str = "10s";

/// Opens a connection to `target`; `read_only` makes every transaction of
/// the session read-only.
pub fn connect(target: &PgTarget, read_only: bool) -> Result<Client, StoreError> {
    let mut config = Config::new();
    match &target.host {
        Host::Tcp(h) => config.host(h),
        Host::Socket(p) => config.host_path(p),
    };
    config
        .port(target.port)
        .user(&target.user)
        .dbname(&target.dbname)
        .application_name(&target.application_name)
        .connect_timeout(target.connect_timeout)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .tcp_user_timeout(Duration::from_secs(20));
    if let Some(p) = &target.password {
        config.password(p);
    }
    let result = match target.tls {
        TlsMode::Disable => {
            config.ssl_mode(postgres::config::SslMode::Disable);
            config.connect(NoTls)
        }
        mode => {
            let ssl = if mode == TlsMode::Prefer {
                postgres::config::SslMode::Prefer
            } else {
                postgres::config::SslMode::Require
            };
            config.ssl_mode(ssl);
            config.connect(MakeRustlsConnect::new(tls_config(target)?))
        }
    };
    let mut client = result.map_err(|e| connect_error(target, &e))?;
    let mut setup = format!(
        "SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION}'; SET TIME ZONE 'UTC';"
    );
    if read_only {
        setup.push_str("SET default_transaction_read_only = on;");
    }
    client
        .batch_execute(&setup)
        .map_err(|e| pg_error(target, &e))?;
    Ok(client)
}

/// The rustls client configuration `target`'s `sslmode` asks for.
fn tls_config(target: &PgTarget) -> Result<ClientConfig, StoreError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(target, e.to_string()))?;
    let roots = Arc::new(roots(target)?);
    let config = match target.tls {
        TlsMode::VerifyFull => builder.with_root_certificates(roots).with_no_client_auth(),
        mode => {
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                roots,
                provider.clone(),
            )
            .build()
            .map_err(|e| tls_error(target, e.to_string()))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Lenient {
                    webpki,
                    check_chain: mode == TlsMode::VerifyCa,
                }))
                .with_no_client_auth()
        }
    };
    Ok(config)
}

/// The roots to trust: the `sslrootcert` file, else the public web roots.
fn roots(target: &PgTarget) -> Result<RootCertStore, StoreError> {
    let mut store = RootCertStore::empty();
    let Some(path) = &target.root_cert else {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok(store);
    };
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            tls_error(
                target,
                format!("cannot read sslrootcert {}: {e}", path.display()),
            )
        })?;
    for cert in certs {
        store
            .add(cert)
            .map_err(|e| tls_error(target, format!("sslrootcert {}: {e}", path.display())))?;
    }
    if store.is_empty() {
        return Err(tls_error(
            target,
            format!("sslrootcert {} holds no certificate", path.display()),
        ));
    }
    Ok(store)
}

fn tls_error(target: &PgTarget, detail: String) -> StoreError {
    StoreError::Setting {
        setting: target.setting.clone(),
        detail,
        hint: "sslrootcert must name a PEM file of the certificate authorities to trust"
            .to_string(),
    }
}

/// `sslmode=require`/`prefer` (encrypt, trust any certificate) and
/// `verify-ca` (the chain must be trusted; the name is not checked).
#[derive(Debug)]
struct Lenient {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    check_chain: bool,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.check_chain {
            return Ok(ServerCertVerified::assertion());
        }
        match self
            .webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName))
            | Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// Why connecting failed, with what to check.
fn connect_error(target: &PgTarget, e: &postgres::Error) -> StoreError {
    let code = e.code();
    let hint = if code == Some(&SqlState::INVALID_PASSWORD)
        || code == Some(&SqlState::INVALID_AUTHORIZATION_SPECIFICATION)
    {
        "check the user in the URL and the password in PEERWELL_STATE_PASSWORD (or the \
         variable `[state] password_env` names) or the .pgpass file (`[state] passfile`)"
    } else if code == Some(&SqlState::INVALID_CATALOG_NAME) {
        "create the database first (createdb), owned by the user in the URL"
    } else {
        "check that the server runs and accepts connections at that host and port, and \
         the URL's sslmode"
    };
    StoreError::Unavailable {
        path: target.location(),
        setting: target.setting.clone(),
        detail: describe(e),
        hint: hint.to_string(),
    }
}

/// What a PostgreSQL error says, without any parameter values.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

/// The [`StoreError`] a failed statement on `target` is.
pub fn pg_error(target: &PgTarget, e: &postgres::Error) -> StoreError {
    let path = target.location();
    let Some(code) = e.code() else {
        return connect_error(target, e);
    };
    match code.code() {
        "40001" | "40P01" | "55P03" => StoreError::Busy { path },
        "53100" => StoreError::Full { path },
        "25006" | "42501" => StoreError::ReadOnly {
            path,
            detail: describe(e),
        },
        c if c.starts_with("08") || c.starts_with("57") || c.starts_with("28") => {
            connect_error(target, e)
        }
        _ => StoreError::Io {
            path,
            message: describe(e),
        },
    }
}
