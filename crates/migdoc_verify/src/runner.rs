//! Runs Alembic commands with the project's own Python: one process per command (as deploys run
//! them), through `driver.py`, which reports the outcome as JSON.

use std::path::{Path, PathBuf};
use std::process::Command;

use migdoc_project::Project;
use serde::Deserialize;

use crate::{RunOutcome, VerifyError};

const DRIVER: &str = include_str!("driver.py");

/// `--python`, else the active venv, else `.venv/` or `venv/` in the project (or a parent), else
/// `python3` on `PATH`. The interpreter must import `alembic`; returns it with the versions of
/// Alembic and SQLAlchemy it has.
pub fn find_python(explicit: Option<&Path>, root: &Path) -> Result<(PathBuf, String, String), VerifyError> {
    let candidate = if let Some(p) = explicit {
        // Absolute (Alembic runs in the project's directory), but not resolved: a venv's python
        // is a symlink whose target would not see the venv.
        std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
    } else if let Some(venv) = std::env::var_os("VIRTUAL_ENV").map(PathBuf::from).filter(|v| v.join("bin/python").is_file()) {
        venv.join("bin/python")
    } else {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        root.ancestors()
            .flat_map(|d| [d.join(".venv/bin/python"), d.join("venv/bin/python")])
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("python3"))
    };
    let out = Command::new(&candidate)
        .args(["-c", "import alembic, sqlalchemy; print(alembic.__version__, sqlalchemy.__version__)"])
        .output()
        .map_err(|e| VerifyError::Python(format!("cannot run {}: {e}; pass --python PATH", candidate.display())))?;
    if !out.status.success() {
        return Err(VerifyError::Python(format!(
            "{} cannot import alembic and sqlalchemy; pass --python with the interpreter of the project's environment\n{}",
            candidate.display(),
            String::from_utf8_lossy(&out.stderr).trim_end()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut versions = text.split_whitespace().map(str::to_owned);
    let (alembic, sqlalchemy) = (versions.next().unwrap_or_default(), versions.next().unwrap_or_default());
    Ok((candidate, alembic, sqlalchemy))
}

pub(crate) struct Alembic {
    python: PathBuf,
    config: PathBuf,
    /// Where Alembic runs (the configuration's directory): relative `script_location`s and
    /// `prepend_sys_path = .` are relative to it.
    cwd: PathBuf,
    /// Variables env.py reads the URL from.
    url_vars: Vec<String>,
    /// `-x` keys env.py reads (the URL is passed as each).
    x_keys: Vec<String>,
    version_table: String,
    driver: tempfile::NamedTempFile,
}

#[derive(Deserialize)]
struct DriverOutput {
    ok: bool,
    revisions: Option<Vec<String>>,
    revision: Option<String>,
    sqlstate: Option<String>,
    error: Option<String>,
    exception: Option<String>,
    statement: Option<String>,
}

impl Alembic {
    pub(crate) fn new(python: PathBuf, config: PathBuf, project: &Project, url_env: &[String]) -> Result<Alembic, VerifyError> {
        let mut driver = tempfile::Builder::new().prefix("migdoc-driver-").suffix(".py").tempfile()?;
        std::io::Write::write_all(&mut driver, DRIVER.as_bytes())?;
        let cwd = config.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let env = project.env.as_ref();
        // The variables env.py reads that look like they hold a URL, and those the user names.
        let mut url_vars: Vec<String> = env
            .map(|e| {
                e.env_vars
                    .iter()
                    .filter(|v| {
                        let up = v.to_ascii_uppercase();
                        up.contains("URL") || up.contains("DSN") || up.contains("DATABASE") || up.starts_with("DB_") || up.ends_with("_DB")
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        url_vars.extend(url_env.iter().cloned());
        url_vars.push("DATABASE_URL".to_owned());
        url_vars.sort();
        url_vars.dedup();
        let version_table = env.and_then(|e| e.version_table.known()).unwrap_or_else(|| "alembic_version".to_owned());
        let x_keys = env.map(|e| e.x_argument_keys.clone()).unwrap_or_default();
        Ok(Alembic { python, config, cwd, url_vars, x_keys, version_table, driver })
    }

    pub(crate) fn version_table(&self) -> &str {
        &self.version_table
    }

    fn driver(&self, url: &str, args: &[&str]) -> Result<DriverOutput, VerifyError> {
        let mut cmd = Command::new(&self.python);
        cmd.arg(self.driver.path()).arg(&self.config).arg(url).args(args).current_dir(&self.cwd);
        for var in &self.url_vars {
            cmd.env(var, url);
        }
        // The driver passes these as `-x key=URL` (Alembic's `cmd_opts.x`).
        cmd.env("MIGDOC_X_ARGS", self.x_keys.iter().map(|k| format!("{k}={url}")).collect::<Vec<_>>().join("\n"));
        // Running migrations must not litter the project with bytecode.
        cmd.env("PYTHONDONTWRITEBYTECODE", "1").stdin(std::process::Stdio::null());
        let out = cmd.output().map_err(|e| VerifyError::Python(format!("cannot run {}: {e}", self.python.display())))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap_or_default();
        serde_json::from_str(last).map_err(|_| {
            VerifyError::Python(format!(
                "alembic {} did not report an outcome ({}):\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim_end()
            ))
        })
    }

    /// Alembic's base-to-head order of every revision.
    pub(crate) fn revisions(&self, url: &str) -> Result<Vec<String>, VerifyError> {
        let out = self.driver(url, &["revisions"])?;
        if !out.ok {
            return Err(VerifyError::Python(format!("Alembic cannot read the history: {}", out.error.unwrap_or_default())));
        }
        Ok(out.revisions.unwrap_or_default())
    }

    pub(crate) fn run(&self, url: &str, args: &[&str]) -> Result<RunOutcome, VerifyError> {
        let out = self.driver(url, args)?;
        Ok(RunOutcome {
            ok: out.ok,
            skipped: false,
            phase: None,
            revision: out.revision,
            sqlstate: out.sqlstate.filter(|_| !out.ok),
            error: out.error,
            exception: out.exception,
            statement: out.statement,
        })
    }
}
