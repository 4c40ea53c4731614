//! A PostgreSQL session of migdoc's own: the native client (`postgres`), no `psql`, no script
//! file, no password on any command line or in any message.
//!
//! Every session runs with `standard_conforming_strings = on` and `search_path = pg_catalog`
//! (whatever the server, the database or the role sets), a `statement_timeout`, a
//! `lock_timeout` and `application_name = migdoc`; a read-only session also with
//! `default_transaction_read_only = on`. When migdoc dies, the connection closes and the server
//! rolls back whatever transaction was open and releases the session's advisory locks.
//!
//! Where to connect comes from a [`ConnInfo`] alone (the caller's `PGHOST`, `PGUSER`, ... change
//! nothing). A password not in it comes, as with libpq, from `PGPASSWORD`, then from the password
//! file (`PGPASSFILE`, else `~/.pgpass`). TLS follows `sslmode` as libpq does: `disable`,
//! `allow`/`prefer` (TLS when the server offers it), `require` (TLS, certificate not checked),
//! `verify-ca` (chain checked against `sslrootcert`, else the system's roots), `verify-full`
//! (and the host name).

use std::sync::Arc;
use std::time::Duration;

pub use postgres;
use postgres::config::SslMode;

use crate::url::ConnInfo;

/// The settings a session starts with.
#[derive(Clone, Copy, Debug)]
pub struct SessionOptions {
    pub statement_timeout_ms: u64,
    pub lock_timeout_ms: u64,
    /// `default_transaction_read_only = on`: a write needs `START TRANSACTION READ WRITE`.
    pub read_only: bool,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            statement_timeout_ms: 30_000,
            lock_timeout_ms: 10_000,
            read_only: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// What is wrong with the connection settings (the password never appears).
    #[error("{shown}: {why}")]
    Config { shown: String, why: String },
    #[error("{shown}: {why}")]
    Connect { shown: String, why: String },
}

pub struct Session {
    client: postgres::Client,
    shown: String,
}

impl Session {
    pub fn connect(info: &ConnInfo, options: &SessionOptions) -> Result<Session, SessionError> {
        let shown = info.masked().to_owned();
        let config_error = |why: String| SessionError::Config {
            shown: shown.clone(),
            why,
        };
        let mut config = postgres::Config::new();
        let hosts: Vec<String> = match info.get("host").filter(|h| !h.is_empty()) {
            Some(h) => h.split(',').map(str::to_owned).collect(),
            // libpq's default: the Unix socket (Debian's directory, then the upstream one).
            None => vec!["/var/run/postgresql".into(), "/tmp".into()],
        };
        let ports: Vec<u16> = match info.get("port").filter(|p| !p.is_empty()) {
            Some(p) => p
                .split(',')
                .map(|p| {
                    p.trim()
                        .parse::<u16>()
                        .map_err(|_| config_error(format!("invalid port \"{p}\"")))
                })
                .collect::<Result<_, _>>()?,
            None => vec![5432],
        };
        if ports.len() != 1 && ports.len() != hosts.len() {
            return Err(config_error(format!(
                "{} ports for {} hosts",
                ports.len(),
                hosts.len()
            )));
        }
        for (i, host) in hosts.iter().enumerate() {
            config.host(host);
            config.port(if ports.len() == 1 { ports[0] } else { ports[i] });
        }
        if let Some(addr) = info.get("hostaddr").filter(|a| !a.is_empty()) {
            let ip = addr
                .parse()
                .map_err(|_| config_error(format!("invalid hostaddr \"{addr}\"")))?;
            config.hostaddr(ip);
        }
        let user = info
            .get("user")
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(os_user);
        config.user(&user);
        let dbname = info
            .get("dbname")
            .filter(|d| !d.is_empty())
            .unwrap_or(&user)
            .to_owned();
        config.dbname(&dbname);
        let password = match info.get("password") {
            Some(p) => Some(p.to_owned()),
            None => std::env::var("PGPASSWORD")
                .ok()
                .or_else(|| password_file_entry(&hosts[0], ports[0], &dbname, &user)),
        };
        if let Some(p) = &password {
            config.password(p);
        }
        let timeout = info
            .get("connect_timeout")
            .and_then(|t| t.parse::<u64>().ok())
            .filter(|t| *t > 0)
            .unwrap_or(10);
        config.connect_timeout(Duration::from_secs(timeout.max(2)));
        let mut settings = format!(
            "-c statement_timeout={} -c lock_timeout={} -c standard_conforming_strings=on -c search_path=pg_catalog",
            options.statement_timeout_ms, options.lock_timeout_ms
        );
        if options.read_only {
            settings.push_str(" -c default_transaction_read_only=on");
        }
        // The user's own options first: migdoc's, later, win.
        if let Some(user_options) = info.get("options").filter(|o| !o.trim().is_empty()) {
            settings = format!("{user_options} {settings}");
        }
        config.options(&settings);
        config.application_name("migdoc");
        let mode = info.get("sslmode").unwrap_or("prefer");
        let (ssl_mode, verify) = match mode {
            "disable" => (SslMode::Disable, Verify::Nothing),
            "allow" | "prefer" => (SslMode::Prefer, Verify::Nothing),
            "require" => (SslMode::Require, Verify::Nothing),
            "verify-ca" => (SslMode::Require, Verify::Chain),
            "verify-full" => (SslMode::Require, Verify::ChainAndName),
            other => return Err(config_error(format!("invalid sslmode \"{other}\""))),
        };
        config.ssl_mode(ssl_mode);
        let tls = tls_config(info, verify).map_err(config_error)?;
        let client = config
            .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
            .map_err(|e| SessionError::Connect {
                shown: shown.clone(),
                why: connect_error(&e),
            })?;
        Ok(Session { client, shown })
    }

    pub fn client(&mut self) -> &mut postgres::Client {
        &mut self.client
    }

    /// Where it is connected, as it may be shown.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

/// A server error as a message: PostgreSQL's text, its detail and SQLSTATE.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut out = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                out.push_str(&format!("; {detail}"));
            }
            out
        }
        None => {
            // The client's own errors say what went wrong in their source ("invalid
            // configuration": "password missing").
            let mut out = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                let text = inner.to_string();
                if !out.contains(&text) {
                    out.push_str(&format!(": {text}"));
                }
                source = inner.source();
            }
            out
        }
    }
}

/// The SQLSTATE of a server error.
pub fn sqlstate(e: &postgres::Error) -> Option<&str> {
    e.code().map(postgres::error::SqlState::code)
}

fn connect_error(e: &postgres::Error) -> String {
    let text = describe(e);
    if text.contains("password missing") {
        return "the server asks for a password and none was given: put it in the URL, in PGPASSWORD, or in the password file (~/.pgpass, or PGPASSFILE)".into();
    }
    text
}

/// The name of the user running migdoc (libpq's default user name).
fn os_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "postgres".into())
}

/// libpq's password file lookup: `host:port:database:user:password` lines, `*` matching
/// anything, `\` escaping `:` and `\`. A socket directory matches as `localhost`. A file that
/// others can read is ignored, as libpq does.
fn password_file_entry(host: &str, port: u16, dbname: &str, user: &str) -> Option<String> {
    let path = match std::env::var_os("PGPASSFILE") {
        Some(p) => std::path::PathBuf::from(p),
        None => std::path::PathBuf::from(std::env::var_os("HOME")?).join(".pgpass"),
    };
    password_in(&path, host, port, dbname, user)
}

fn password_in(
    path: &std::path::Path,
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.permissions().mode() & 0o077 != 0 {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let host = if host.starts_with('/') {
        "localhost"
    } else {
        host
    };
    let port = port.to_string();
    let wanted = [host, port.as_str(), dbname, user];
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => field.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut field)),
                c => field.push(c),
            }
        }
        fields.push(field);
        if fields.len() == 5
            && fields[..4]
                .iter()
                .zip(wanted)
                .all(|(f, w)| f == "*" || f == w)
        {
            return fields.pop();
        }
    }
    None
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verify {
    Nothing,
    Chain,
    ChainAndName,
}

fn tls_config(info: &ConnInfo, verify: Verify) -> Result<rustls::ClientConfig, String> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = match verify {
        Verify::Nothing => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))),
        Verify::Chain | Verify::ChainAndName => {
            let mut roots = rustls::RootCertStore::empty();
            match info.get("sslrootcert").filter(|r| !r.is_empty()) {
                Some("system") | None => {
                    for cert in rustls_native_certs::load_native_certs().certs {
                        let _ = roots.add(cert);
                    }
                }
                Some(path) => {
                    let certs = CertificateDer::pem_file_iter(path)
                        .map_err(|e| format!("sslrootcert {path}: {e}"))?;
                    for cert in certs {
                        roots
                            .add(cert.map_err(|e| format!("sslrootcert {path}: {e}"))?)
                            .map_err(|e| format!("sslrootcert {path}: {e}"))?;
                    }
                }
            }
            if roots.is_empty() {
                return Err("sslmode asks to verify the server's certificate, and no root certificate was found (set sslrootcert)".into());
            }
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| format!("TLS: {e}"))?;
            if verify == Verify::ChainAndName {
                builder.with_webpki_verifier(webpki)
            } else {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
            }
        }
    };
    match (
        info.get("sslcert").filter(|c| !c.is_empty()),
        info.get("sslkey").filter(|k| !k.is_empty()),
    ) {
        (Some(cert), Some(key)) => {
            let certs = CertificateDer::pem_file_iter(cert)
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| format!("sslcert {cert}: {e}"))?;
            let key =
                PrivateKeyDer::from_pem_file(key).map_err(|e| format!("sslkey {key}: {e}"))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| format!("sslcert: {e}"))
        }
        (None, None) => Ok(builder.with_no_client_auth()),
        _ => Err("sslcert and sslkey go together".into()),
    }
}

/// `sslmode=require`/`prefer`: encrypted, the certificate not checked (as libpq does without a
/// root certificate); the handshake's signatures still are.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain is checked, the host name is not.
#[derive(Debug)]
struct ChainOnly(Arc<rustls::client::WebPkiServerVerifier>);

impl rustls::client::danger::ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        use rustls::CertificateError;
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(rustls::client::danger::ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_file_as_libpq_reads_it() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = dir.path().join("pgpass");
        std::fs::write(&file, "# comment\ndb:5432:other:app:no\ndb:*:prod:app:pa\\:ss\\\\1\nlocalhost:5433:*:*:sock\n").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            password_in(&file, "db", 5432, "prod", "app").as_deref(),
            Some("pa:ss\\1")
        );
        assert_eq!(
            password_in(&file, "/tmp/sock", 5433, "x", "y").as_deref(),
            Some("sock")
        );
        assert_eq!(password_in(&file, "db", 5432, "nope", "app"), None);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            password_in(&file, "db", 5432, "prod", "app"),
            None,
            "a file others can read is ignored"
        );
    }
}
