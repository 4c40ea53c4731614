//! Runs Alembic commands with the project's own Python through `driver.py` (passed with `-c`:
//! no file to leave behind), which reports each outcome as a JSON line. `upgrade head` and the
//! round trip run one process per command, as deploys run them; the per-revision runs share one
//! process in which every revision is its own Alembic run (a new Config, env.py, connection and
//! MigrationContext each). The URL travels in the environment, never in arguments.

use std::path::{Path, PathBuf};
use std::process::Command;

use migdoc_project::Project;
use serde::Deserialize;

use crate::{RunOutcome, VerifyError};

const DRIVER: &str = include_str!("driver.py");
/// The line the driver prints (with `MIGDOC_PROGRESS=1`) as each migration starts.
const PROGRESS: &str = "migdoc-progress ";

/// `--python`, else the active venv, else `.venv/` or `venv/` in the project (or a parent), else
/// `python3` on `PATH`. The interpreter must import `alembic`; returns it with the versions of
/// Alembic and SQLAlchemy it has.
pub fn find_python(
    explicit: Option<&Path>,
    root: &Path,
) -> Result<(PathBuf, String, String), VerifyError> {
    let candidate = if let Some(p) = explicit {
        // Absolute (Alembic runs in the project's directory), but not resolved: a venv's python
        // is a symlink whose target would not see the venv.
        std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
    } else if let Some(venv) = std::env::var_os("VIRTUAL_ENV")
        .map(PathBuf::from)
        .filter(|v| v.join("bin/python").is_file())
    {
        venv.join("bin/python")
    } else {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        root.ancestors()
            .flat_map(|d| [d.join(".venv/bin/python"), d.join("venv/bin/python")])
            .find(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("python3"))
    };
    let probe = "import sys\ntry:\n    import alembic, sqlalchemy\nexcept ImportError as e:\n    print(e.name or e)\n    sys.exit(3)\nprint(alembic.__version__, sqlalchemy.__version__)";
    let out = Command::new(&candidate)
        .args(["-c", probe])
        .output()
        .map_err(|e| {
            VerifyError::Python(format!(
                "cannot run {}: {e}; pass --python PATH",
                candidate.display()
            ))
        })?;
    if !out.status.success() {
        let why = match out.status.code() {
            Some(3) => format!(
                "cannot import `{}`",
                String::from_utf8_lossy(&out.stdout).trim()
            ),
            // Not an import error: the interpreter's own last words (no traceback).
            _ => format!(
                "failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("no output")
                    .trim()
            ),
        };
        return Err(VerifyError::Python(format!(
            "{} {why}: install alembic and sqlalchemy into that environment, or pass --python with the interpreter of the project's environment",
            candidate.display()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut versions = text.split_whitespace().map(str::to_owned);
    let (alembic, sqlalchemy) = (
        versions.next().unwrap_or_default(),
        versions.next().unwrap_or_default(),
    );
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
    /// The longest one revision may take in the per-revision runs.
    step_timeout: std::time::Duration,
    /// Directories put first on `sys.path` (the project's module roots, with the generic env).
    sys_path: Vec<PathBuf>,
    /// `--flask-app`: the driver runs inside this application's app context.
    flask_app: Option<String>,
}

#[derive(Deserialize)]
struct DriverOutput {
    ok: bool,
    /// A module the migrations (or Alembic itself) import that this Python lacks.
    missing: Option<String>,
    /// The revision of a `steps` line.
    step: Option<String>,
    revisions: Option<Vec<String>>,
    /// What `revisions` printed: the independent histories, each base to head.
    histories: Option<Vec<Vec<String>>>,
    /// What `sql` printed: the offline SQL.
    sql: Option<String>,
    revision: Option<String>,
    sqlstate: Option<String>,
    error: Option<String>,
    exception: Option<String>,
    statement: Option<String>,
}

impl Alembic {
    pub(crate) fn new(
        python: PathBuf,
        config: PathBuf,
        project: &Project,
        url_env: &[String],
        step_timeout: std::time::Duration,
        sys_path: Vec<PathBuf>,
        flask_app: Option<String>,
    ) -> Result<Alembic, VerifyError> {
        let cwd = config
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let env = project.env.as_ref();
        // The variables env.py reads that look like they hold a URL, and those the user names.
        let mut url_vars: Vec<String> = env
            .map(|e| {
                e.env_vars
                    .iter()
                    .filter(|v| {
                        let up = v.to_ascii_uppercase();
                        up.contains("URL")
                            || up.contains("DSN")
                            || up.contains("DATABASE")
                            || up.starts_with("DB_")
                            || up.ends_with("_DB")
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        url_vars.extend(url_env.iter().cloned());
        url_vars.push("DATABASE_URL".to_owned());
        url_vars.sort();
        url_vars.dedup();
        let version_table = env
            .and_then(|e| e.version_table.known())
            .unwrap_or_else(|| "alembic_version".to_owned());
        let x_keys = env.map(|e| e.x_argument_keys.clone()).unwrap_or_default();
        Ok(Alembic {
            python,
            config,
            cwd,
            url_vars,
            x_keys,
            version_table,
            step_timeout,
            sys_path,
            flask_app,
        })
    }

    pub(crate) fn version_table(&self) -> &str {
        &self.version_table
    }

    fn command(&self, url: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.python);
        cmd.arg("-c")
            .arg(DRIVER)
            .arg(&self.config)
            .args(args)
            .current_dir(&self.cwd);
        cmd.env("MIGDOC_URL", url);
        cmd.env(
            "MIGDOC_SYS_PATH",
            self.sys_path
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        );
        for var in &self.url_vars {
            cmd.env(var, url);
        }
        // The driver passes these as `-x key=URL` (Alembic's `cmd_opts.x`).
        cmd.env(
            "MIGDOC_X_ARGS",
            self.x_keys
                .iter()
                .map(|k| format!("{k}={url}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        if let Some(app) = &self.flask_app {
            cmd.env("MIGDOC_FLASK_APP", app);
        }
        // Running migrations must not litter the project with bytecode.
        cmd.env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(std::process::Stdio::null());
        cmd
    }

    /// Runs one driver command; `None` when it ran longer than `timeout` in all, or, once
    /// the driver has said a revision started, when one revision ran longer than the step
    /// timeout (it is then killed).
    fn driver_within(
        &self,
        url: &str,
        args: &[&str],
        timeout: std::time::Duration,
    ) -> Result<Result<DriverOutput, Option<String>>, VerifyError> {
        let child = self
            .command(url, args)
            .env("MIGDOC_PROGRESS", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| {
                VerifyError::Python(format!("cannot run {}: {e}", self.python.display()))
            })?;
        match output_within(child, timeout, Some(self.step_timeout))? {
            Ok(out) => self.parse_output(&out, args).map(Ok),
            Err(last) => Ok(Err(last)),
        }
    }

    /// `--prepare`: the user's shell command, run in Alembic's directory on each new scratch
    /// database before the first Alembic command, with the URL in its environment
    /// (`MIGDOC_URL`, `DATABASE_URL` and the variables env.py reads, never in arguments) and the
    /// chosen Python first on `PATH`. It must succeed within the step timeout.
    pub(crate) fn prepare(&self, url: &str, command: &str) -> Result<(), VerifyError> {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(command).current_dir(&self.cwd);
        cmd.env("MIGDOC_URL", url);
        for var in &self.url_vars {
            cmd.env(var, url);
        }
        if let Some(bin) = self.python.parent().filter(|b| !b.as_os_str().is_empty()) {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let joined = std::env::join_paths(
                std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path)),
            )
            .map_err(|e| VerifyError::Python(format!("PATH: {e}")))?;
            cmd.env("PATH", joined);
        }
        cmd.env("MIGDOC_PYTHON", &self.python)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let child = cmd
            .spawn()
            .map_err(|e| VerifyError::Python(format!("cannot run the --prepare command: {e}")))?;
        let failed = |what: String, out: Option<&std::process::Output>| {
            let stderr = out.map_or_else(String::new, |o| {
                String::from_utf8_lossy(&o.stderr).into_owned()
            });
            let lines: Vec<&str> = stderr.lines().collect();
            let tail: Vec<String> = lines[lines.len().saturating_sub(12)..]
                .iter()
                .map(|l| migdoc_pg::url::mask(l))
                .collect();
            VerifyError::Python(format!(
                "the --prepare command {what}{}{}",
                if tail.is_empty() { "" } else { ":\n" },
                tail.join("\n")
            ))
        };
        match output_within(child, self.step_timeout, None)? {
            Err(_) => Err(failed(
                format!(
                    "did not finish in {} s; migdoc stopped it",
                    self.step_timeout.as_secs()
                ),
                None,
            )),
            Ok(out) if !out.status.success() => {
                Err(failed(format!("failed ({})", out.status), Some(&out)))
            }
            Ok(_) => Ok(()),
        }
    }

    fn driver(&self, url: &str, args: &[&str]) -> Result<DriverOutput, VerifyError> {
        let out = self.command(url, args).output().map_err(|e| {
            VerifyError::Python(format!("cannot run {}: {e}", self.python.display()))
        })?;
        self.parse_output(&out, args)
    }

    fn parse_output(
        &self,
        out: &std::process::Output,
        args: &[&str],
    ) -> Result<DriverOutput, VerifyError> {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let last = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .unwrap_or_default();
        let parsed: DriverOutput = serde_json::from_str(last).map_err(|_| {
            VerifyError::Python(format!(
                "alembic {} did not report an outcome ({}):\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim_end()
            ))
        })?;
        self.environment(&parsed)?;
        Ok(parsed)
    }

    /// A module this Python lacks is the environment's failure, not the migrations'.
    fn environment(&self, out: &DriverOutput) -> Result<(), VerifyError> {
        match &out.missing {
            Some(module) => Err(VerifyError::Python(format!(
                "{} cannot import `{module}`, which the migrations (or Alembic) need: install the project's dependencies into that environment, or pass --python with the interpreter that has them",
                self.python.display()
            ))),
            None => Ok(()),
        }
    }

    /// `alembic upgrade REV` for each of `revisions`, each its own Alembic run, in one Python
    /// process; stops at the first failure. `each(i)` is called as revision `i` starts. A
    /// revision that takes longer than the step timeout, or a process that dies, is a failure of
    /// that revision. Returns the outcome of each revision run.
    /// With `after`, the driver waits before the first revision until `after(None)` has run,
    /// and after each revision until `after(Some(i))` has (a catalog read between two revisions
    /// sees exactly the first one's result).
    pub(crate) fn steps(
        &self,
        url: &str,
        revisions: &[String],
        each: &dyn Fn(usize),
        after: Option<&dyn Fn(Option<usize>) -> Result<(), VerifyError>>,
    ) -> Result<Vec<(String, RunOutcome)>, VerifyError> {
        use std::io::BufRead;
        let mut args = vec!["steps"];
        args.extend(revisions.iter().map(String::as_str));
        let mut command = self.command(url, &args);
        if after.is_some() {
            command
                .env("MIGDOC_STEP_WAIT", "1")
                .stdin(std::process::Stdio::piped());
        }
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| {
                VerifyError::Python(format!("cannot run {}: {e}", self.python.display()))
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| VerifyError::Python("no stdout".into()))?;
        let mut stderr = child
            .stderr
            .take()
            .ok_or_else(|| VerifyError::Python("no stderr".into()))?;
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if line.starts_with('{') && tx.send(line).is_err() {
                    break;
                }
            }
        });
        // stderr is drained on its own thread so a chatty env.py never blocks the child.
        let err_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        });
        let next = |child: &mut std::process::Child| {
            if let Some(stdin) = child.stdin.as_mut() {
                let _ = std::io::Write::write_all(stdin, b"next\n");
                let _ = std::io::Write::flush(stdin);
            }
        };
        // A line read while waiting for the driver to be ready that was something else (Alembic
        // could not read the history): the first revision's outcome.
        let mut pending = None;
        if let Some(after) = after {
            match rx.recv_timeout(self.step_timeout) {
                Ok(line) if line.contains("\"ready\"") => {
                    after(None)?;
                    next(&mut child);
                }
                other => pending = Some(other),
            }
        }
        let mut outcomes = Vec::new();
        for (i, rev) in revisions.iter().enumerate() {
            each(i);
            let failure = |exception: &str, error: String| RunOutcome {
                ok: false,
                revision: Some(rev.clone()),
                sqlstate: Some(String::new()),
                error: Some(error),
                exception: Some(exception.to_owned()),
                ..RunOutcome::default()
            };
            let received = pending
                .take()
                .unwrap_or_else(|| rx.recv_timeout(self.step_timeout));
            match received {
                Ok(line) => {
                    let out: DriverOutput = serde_json::from_str(&line)
                        .map_err(|e| VerifyError::Python(format!("bad driver output: {e}")))?;
                    if out.missing.is_some() {
                        let _ = child.kill();
                        let _ = child.wait();
                        self.environment(&out)?;
                    }
                    let ok = out.ok;
                    outcomes.push((
                        out.step.clone().unwrap_or_else(|| rev.clone()),
                        outcome(out),
                    ));
                    if !ok {
                        break;
                    }
                    if let Some(after) = after {
                        after(Some(i))?;
                        next(&mut child);
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let secs = self.step_timeout.as_secs();
                    outcomes.push((rev.clone(), failure("Timeout", format!("alembic upgrade {rev} did not finish in {secs} s; migdoc stopped it"))));
                    break;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child
                        .wait()
                        .map_or_else(|e| e.to_string(), |s| s.to_string());
                    let tail: String = err_reader
                        .join()
                        .unwrap_or_default()
                        .lines()
                        .rev()
                        .take(5)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<Vec<_>>()
                        .join("\n");
                    outcomes.push((
                        rev.clone(),
                        failure(
                            "Crash",
                            format!("Python died during alembic upgrade {rev} ({status}): {tail}"),
                        ),
                    ));
                    let _ = reader.join();
                    return Ok(outcomes);
                }
            }
        }
        let _ = child.wait();
        let _ = reader.join();
        let _ = err_reader.join();
        Ok(outcomes)
    }

    /// Alembic's base-to-head order, and the independent histories (revisions tied together
    /// through `down_revision` or `depends_on`), each base to head.
    pub(crate) fn revisions(
        &self,
        url: &str,
    ) -> Result<(Vec<String>, Vec<Vec<String>>), VerifyError> {
        let out = self.driver(url, &["revisions"])?;
        if !out.ok {
            return Err(VerifyError::Python(format!(
                "Alembic cannot read the history: {}",
                out.error.unwrap_or_default()
            )));
        }
        let revisions = out.revisions.unwrap_or_default();
        let histories = out
            .histories
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| vec![revisions.clone()]);
        Ok((revisions, histories))
    }

    /// `alembic upgrade RANGE --sql`: the SQL Alembic would run, without a database.
    pub(crate) fn offline_sql(&self, range: &str) -> Result<String, VerifyError> {
        // Offline mode connects to nothing: the URL only names the dialect (and a port nothing
        // listens on, should an env.py connect anyway).
        let out = self.driver(
            "postgresql://migdoc-offline@127.0.0.1:1/offline",
            &["sql", range],
        )?;
        if !out.ok {
            let error = out.error.unwrap_or_default();
            let hint = if error.contains("127.0.0.1") || error.contains("connect") {
                " (env.py connected instead of writing SQL: does it call `context.configure(url=...)` when `context.is_offline_mode()`, as Alembic's template does?)"
            } else {
                ""
            };
            return Err(VerifyError::Python(format!(
                "`alembic upgrade {range} --sql` failed: {}{error}{hint}",
                out.exception.map(|e| format!("{e}: ")).unwrap_or_default()
            )));
        }
        Ok(out.sql.unwrap_or_default())
    }

    /// One Alembic command in its own process, stopped when one revision runs longer than the
    /// step timeout (the driver says when each starts), or after `revisions` step timeouts in
    /// all when it cannot say.
    pub(crate) fn run(
        &self,
        url: &str,
        args: &[&str],
        revisions: usize,
    ) -> Result<RunOutcome, VerifyError> {
        let timeout = self
            .step_timeout
            .saturating_mul(u32::try_from(revisions.max(1)).unwrap_or(u32::MAX));
        Ok(match self.driver_within(url, args, timeout)? {
            Ok(out) => outcome(out),
            // Stopped in a revision: that revision did not finish in the step timeout.
            Err(Some(revision)) => RunOutcome {
                ok: false,
                sqlstate: Some(String::new()),
                error: Some(format!(
                    "revision {revision} did not finish in {} s during alembic {}; migdoc stopped it",
                    self.step_timeout.as_secs(),
                    args.join(" ")
                )),
                exception: Some("Timeout".to_owned()),
                revision: Some(revision),
                ..RunOutcome::default()
            },
            Err(None) => RunOutcome {
                ok: false,
                sqlstate: Some(String::new()),
                error: Some(format!(
                    "alembic {} did not finish in {} s; migdoc stopped it",
                    args.join(" "),
                    timeout.as_secs()
                )),
                exception: Some("Timeout".to_owned()),
                ..RunOutcome::default()
            },
        })
    }
}

fn outcome(out: DriverOutput) -> RunOutcome {
    RunOutcome {
        ok: out.ok,
        skipped: false,
        phase: None,
        revision: out.revision,
        sqlstate: out.sqlstate.filter(|_| !out.ok),
        error: out.error,
        exception: out.exception,
        statement: out.statement,
        environment: false,
    }
    .classify()
}

/// The output of `child` (its stdout and stderr piped), or `None` when it ran longer than
/// `timeout` (it is then killed).
/// The child's output, or, when it was stopped, the revision it had started last (`None` when
/// it had said none).
fn output_within(
    mut child: std::process::Child,
    timeout: std::time::Duration,
    per_revision: Option<std::time::Duration>,
) -> Result<Result<std::process::Output, Option<String>>, VerifyError> {
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let started = std::time::Instant::now();
    // When the driver last said a revision started (`PROGRESS` lines, which are not output).
    let last_start =
        std::sync::Arc::new(std::sync::Mutex::new(None::<(std::time::Instant, String)>));
    let out_reader = child.stdout.take().map(|o| {
        let last_start = std::sync::Arc::clone(&last_start);
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut kept = Vec::new();
            let mut reader = std::io::BufReader::new(o);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                if let Some(rest) = line.strip_prefix(PROGRESS.as_bytes()) {
                    let revision = String::from_utf8_lossy(rest).trim().to_owned();
                    if let Ok(mut at) = last_start.lock() {
                        *at = Some((std::time::Instant::now(), revision));
                    }
                } else {
                    kept.extend_from_slice(&line);
                }
                line.clear();
            }
            kept
        })
    });
    let err_reader = child.stderr.take().map(|e| drain(Box::new(e)));
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        let now = std::time::Instant::now();
        let revision_started = last_start
            .lock()
            .ok()
            .and_then(|at| at.as_ref().map(|a| a.0));
        let over = match (per_revision, revision_started) {
            (Some(limit), Some(at)) => now >= at + limit,
            _ => now >= started + timeout,
        };
        if over {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let stdout = out_reader.and_then(|r| r.join().ok()).unwrap_or_default();
    let stderr = err_reader.and_then(|r| r.join().ok()).unwrap_or_default();
    let last = last_start
        .lock()
        .ok()
        .and_then(|at| at.as_ref().map(|a| a.1.clone()));
    Ok(status
        .map(|status| std::process::Output {
            status,
            stdout,
            stderr,
        })
        .ok_or(last))
}
