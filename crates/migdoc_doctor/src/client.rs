//! The connection: `psql`, driven with libpq's environment variables (the password never
//! appears on a command line or in a message), read-only with a `statement_timeout` unless a
//! plan is being applied.

use std::path::{Path, PathBuf};
use std::process::Command;

use migdoc_pg::url::DbUrl;

use crate::DoctorError;

/// The advisory lock `doctor --apply` holds while it writes (and that env.py can take around
/// migrations, so that the two never interleave): the bytes of "migdoc".
pub const LOCK_KEY: i64 = 0x6d69_6764_6f63;

pub struct Client {
    psql: PathBuf,
    env: Vec<(String, String)>,
    shown: String,
    statement_timeout_ms: u64,
}

/// Percent-decoding for URL parts.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// libpq's environment for `url` (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
/// `PGSSLMODE`, ...). TLS is whatever the URL asks for (`?sslmode=require`).
pub fn libpq_env(url: &DbUrl) -> Vec<(String, String)> {
    let mut env = Vec::new();
    let (userinfo, hostport) = match url.authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, url.authority.as_str()),
    };
    if let Some(u) = userinfo {
        let (user, password) = match u.split_once(':') {
            Some((user, pw)) => (user, Some(pw)),
            None => (u, None),
        };
        if !user.is_empty() {
            env.push(("PGUSER".into(), decode(user)));
        }
        if let Some(pw) = password {
            env.push(("PGPASSWORD".into(), decode(pw)));
        }
    }
    if !hostport.is_empty() {
        let (host, port) = match hostport.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())) {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        };
        env.push(("PGHOST".into(), decode(host.trim_start_matches('[').trim_end_matches(']'))));
        if let Some(p) = port {
            env.push(("PGPORT".into(), p.to_owned()));
        }
    }
    if !url.database.is_empty() {
        env.push(("PGDATABASE".into(), decode(&url.database)));
    }
    for kv in url.query.iter().flat_map(|q| q.split('&')) {
        let Some((k, v)) = kv.split_once('=') else { continue };
        let var = match k {
            "host" => "PGHOST",
            "port" => "PGPORT",
            "user" => "PGUSER",
            "password" => "PGPASSWORD",
            "dbname" => "PGDATABASE",
            "sslmode" => "PGSSLMODE",
            "sslrootcert" => "PGSSLROOTCERT",
            "sslcert" => "PGSSLCERT",
            "sslkey" => "PGSSLKEY",
            "application_name" => "PGAPPNAME",
            "connect_timeout" => "PGCONNECT_TIMEOUT",
            "options" => "PGOPTIONS",
            _ => continue,
        };
        env.retain(|(name, _)| name != var);
        env.push((var.into(), decode(v)));
    }
    env
}

impl Client {
    pub fn connect(url: &str, psql: Option<&Path>, statement_timeout_ms: u64) -> Result<Client, DoctorError> {
        let parsed = DbUrl::parse(url).ok_or_else(|| DoctorError::BadUrl(migdoc_pg::url::mask(url)))?;
        let psql = match psql {
            Some(p) => p.to_path_buf(),
            None => find_psql()?,
        };
        // The first query tells whether the server is reachable.
        Ok(Client { psql, env: libpq_env(&parsed), shown: parsed.masked(), statement_timeout_ms })
    }

    /// The URL as it may be shown.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn command(&self, read_only: bool) -> Command {
        let mut cmd = Command::new(&self.psql);
        cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]);
        for var in ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE", "PGOPTIONS", "PGSERVICE", "PGHOSTADDR"] {
            cmd.env_remove(var);
        }
        let mut options = format!("-c statement_timeout={} -c lock_timeout=10000", self.statement_timeout_ms);
        if read_only {
            options.push_str(" -c default_transaction_read_only=on");
        }
        for (k, v) in &self.env {
            if k == "PGOPTIONS" {
                options = format!("{v} {options}");
            } else {
                cmd.env(k, v);
            }
        }
        cmd.env("PGOPTIONS", options);
        cmd.env("PGCONNECT_TIMEOUT", self.env.iter().find(|(k, _)| k == "PGCONNECT_TIMEOUT").map_or("10", |(_, v)| v));
        cmd.stdin(std::process::Stdio::null());
        cmd
    }

    fn run(&self, mut cmd: Command) -> Result<String, DoctorError> {
        let out = cmd.output().map_err(|e| DoctorError::Connect(format!("cannot run {}: {e}", self.psql.display())))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            return Err(DoctorError::Connect(format!("{}: {err}", self.shown)));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs `sql` read-only.
    pub fn query(&self, sql: &str) -> Result<String, DoctorError> {
        let mut cmd = self.command(true);
        cmd.args(["-c", sql]);
        self.run(cmd)
    }

    /// Runs a psql script with writes allowed.
    pub fn script(&self, script: &str) -> Result<String, DoctorError> {
        let mut dir = std::env::temp_dir();
        dir.push(format!("migdoc-doctor-{}-{}.sql", std::process::id(), std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())));
        std::fs::write(&dir, script).map_err(|e| DoctorError::Connect(e.to_string()))?;
        let mut cmd = self.command(false);
        cmd.arg("-f").arg(&dir);
        let result = self.run(cmd);
        let _ = std::fs::remove_file(&dir);
        result
    }
}

fn find_psql() -> Result<PathBuf, DoctorError> {
    if let Ok(bins) = migdoc_pg::find_binaries(None) {
        let p = bins.bindir.join("psql");
        if p.is_file() {
            return Ok(p);
        }
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("psql"))
        .find(|p| p.is_file())
        .ok_or_else(|| DoctorError::Connect("psql was not found: install the PostgreSQL client (postgresql-client)".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_to_libpq_environment() {
        let url = DbUrl::parse("postgresql+asyncpg://app:p%40ss@db.example:6432/prod?sslmode=require").unwrap_or_else(|| panic!("parse"));
        let env = libpq_env(&url);
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PGUSER"), Some("app"));
        assert_eq!(get("PGPASSWORD"), Some("p@ss"));
        assert_eq!(get("PGHOST"), Some("db.example"));
        assert_eq!(get("PGPORT"), Some("6432"));
        assert_eq!(get("PGDATABASE"), Some("prod"));
        assert_eq!(get("PGSSLMODE"), Some("require"));
        let socket = DbUrl::parse("postgresql://postgres@/app?host=/tmp/x%20y&port=5432").unwrap_or_else(|| panic!("parse"));
        let env = libpq_env(&socket);
        assert!(env.contains(&("PGHOST".into(), "/tmp/x y".into())), "{env:?}");
    }
}
