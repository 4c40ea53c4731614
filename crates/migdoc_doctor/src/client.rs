//! The connection: `psql`, driven with libpq's environment variables (the password never
//! appears on a command line or in a message), read-only with a `statement_timeout` unless a
//! plan is being applied. `psql` never prompts for a password (`-w`), and every session runs
//! with `standard_conforming_strings = on` whatever the server or database sets, so a quoted
//! label is the same text to the server and to psql's own lexer.

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
        cmd.args(["-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]);
        // The URL says where to connect, and nothing in the caller's environment changes that;
        // `PGPASSWORD` stays (as `~/.pgpass` does) for a URL without a password.
        for var in ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSSLMODE", "PGOPTIONS", "PGSERVICE", "PGHOSTADDR"] {
            cmd.env_remove(var);
        }
        let mut options = format!("-c statement_timeout={} -c lock_timeout=10000 -c standard_conforming_strings=on", self.statement_timeout_ms);
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
        cmd.env("PGOPTIONS", options).env("PGAPPNAME", "migdoc");
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

    /// Runs a psql script with writes allowed, in two parts: `until_commit` ends inside an open
    /// transaction, and only once psql says it ran all of it (`\\warn migdoc-ready-to-commit`)
    /// is `COMMIT` sent, then `after_commit`. The script goes through a pipe: if migdoc dies
    /// first, psql reads end of file instead of `COMMIT`, and the server rolls the transaction
    /// back. Returns what psql printed on standard output.
    pub fn script(&self, until_commit: &str, after_commit: &str) -> Result<String, DoctorError> {
        use std::io::{BufRead as _, Read as _, Write as _};
        let mut cmd = self.command(false);
        cmd.args(["-f", "-"]).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| DoctorError::Connect(format!("cannot run {}: {e}", self.psql.display())))?;
        let (Some(mut stdin), Some(mut stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take()) else {
            return Err(DoctorError::Connect("psql's pipes".into()));
        };
        let out_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let _ = stdin.write_all(until_commit.as_bytes()).and_then(|()| stdin.write_all(b"\\warn migdoc-ready-to-commit\n")).and_then(|()| stdin.flush());
        let mut errors = String::new();
        let mut stderr = std::io::BufReader::new(stderr);
        let mut line = String::new();
        let mut ready = false;
        while stderr.read_line(&mut line).unwrap_or(0) > 0 {
            if line.trim_end() == "migdoc-ready-to-commit" {
                ready = true;
                break;
            }
            errors.push_str(&line);
            line.clear();
        }
        if ready {
            let _ = stdin.write_all(b"COMMIT;\n").and_then(|()| stdin.write_all(after_commit.as_bytes()));
        }
        drop(stdin);
        let _ = stderr.read_to_string(&mut errors);
        let status = child.wait().map_err(|e| DoctorError::Connect(e.to_string()))?;
        let out = out_reader.join().unwrap_or_default();
        if !status.success() || !ready {
            return Err(DoctorError::Connect(format!("{}: {}", self.shown, errors.trim())));
        }
        Ok(out)
    }
}

fn find_psql() -> Result<PathBuf, DoctorError> {
    migdoc_pg::find_psql(None).ok_or_else(|| DoctorError::Connect("psql was not found: install the PostgreSQL client (postgresql-client)".into()))
}
