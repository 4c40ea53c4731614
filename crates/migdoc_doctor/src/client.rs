//! The connection: `psql`, driven with libpq's environment variables (the password never
//! appears on a command line or in a message), read-only with a `statement_timeout` unless a
//! plan is being applied.

use std::path::{Path, PathBuf};
use std::process::Command;

use migdoc_pg::url::DbUrl;

use crate::DoctorError;

/// The advisory lock `doctor --apply` holds while it writes (and that env.py can take around
/// migrations, so that the two never interleave).
pub use migdoc_pg::LOCK_KEY;

pub struct Client {
    psql: PathBuf,
    env: Vec<(String, String)>,
    shown: String,
    statement_timeout_ms: u64,
}

impl Client {
    pub fn connect(url: &str, psql: Option<&Path>, statement_timeout_ms: u64) -> Result<Client, DoctorError> {
        let parsed = DbUrl::parse(url).ok_or_else(|| DoctorError::BadUrl(migdoc_pg::url::mask(url)))?;
        let psql = match psql {
            Some(p) => p.to_path_buf(),
            None => find_psql()?,
        };
        // The first query tells whether the server is reachable.
        Ok(Client { psql, env: parsed.libpq_env(), shown: parsed.masked(), statement_timeout_ms })
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
    migdoc_pg::find_psql(None).ok_or_else(|| DoctorError::Connect("psql was not found: install the PostgreSQL client (postgresql-client)".into()))
}
