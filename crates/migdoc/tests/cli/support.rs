//! Shared helpers for the CLI tests.

use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) struct Output {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) code: i32,
}

pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub(crate) fn migdoc() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_migdoc"));
    cmd.env_remove("NO_COLOR");
    cmd
}

pub(crate) fn run_migdoc(args: &[String]) -> Output {
    output(migdoc().args(args))
}

/// [`run_migdoc`] from `cwd`: paths are shown relative to the current directory, so a test that
/// compares them runs migdoc from the project directory, as its users do.
pub(crate) fn run_migdoc_in(cwd: &Path, args: &[String]) -> Output {
    output(migdoc().current_dir(cwd).args(args))
}

fn output(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run migdoc: {e}"));
    Output {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// The sa20 venv's python.
pub(crate) fn oracle_python() -> PathBuf {
    pyenv_python("sa20")
}

/// A `scripts/pyenv` venv's python (`sa20`, `sa21`, `user`), created on first use (the script
/// locks against concurrent callers).
pub(crate) fn pyenv_python(name: &str) -> PathBuf {
    let root = repo_root();
    let out = Command::new("bash")
        .arg(root.join("scripts/pyenv"))
        .args(["--print-python", name])
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/pyenv: {e}"));
    assert!(
        out.status.success(),
        "scripts/pyenv failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// What Alembic itself makes of the given versions directories (`tests/oracle/alembic_oracle.py`).
pub(crate) fn alembic_oracle(dirs: &[PathBuf]) -> serde_json::Value {
    let out = Command::new(oracle_python())
        .arg(repo_root().join("tests/oracle/alembic_oracle.py"))
        .args(dirs)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the oracle: {e}"));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "oracle output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Writes `files` (path relative to `dir`, text) under `dir`, creating directories.
pub(crate) fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(dir)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// The `env.py` of the small projects tests write: online only, the URL from `DATABASE_URL`.
pub(crate) const ENV_PY: &str = "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine, pool\n\n\
    engine = create_engine(os.environ['DATABASE_URL'], poolclass=pool.NullPool)\n\
    with engine.connect() as connection:\n    context.configure(connection=connection, target_metadata=None)\n\
    \x20   with context.begin_transaction():\n        context.run_migrations()\n";

/// The SQLAlchemy version of a scenario environment of `scripts/pyenv`.
pub(crate) fn sqlalchemy_of(sa: &str) -> &'static str {
    match sa {
        "sa14" => "1.4",
        "sa20" => "2.0",
        "sa21" => "2.1",
        _ => panic!("{sa}: not a scenario environment (sa14, sa20, sa21)"),
    }
}

/// `migdoc check DIR --output-format json` as a scenario environment (`sa14`, `sa20`, `sa21`)
/// would run it, on PostgreSQL `postgres`; the parsed report.
pub(crate) fn check_scenario(dir: &Path, sa: &str, postgres: i64) -> serde_json::Value {
    let version = sqlalchemy_of(sa);
    let out = run_migdoc(&[
        "check".into(),
        dir.display().to_string(),
        "--sqlalchemy-version".into(),
        version.into(),
        "--postgres-version".into(),
        postgres.to_string(),
        "--output-format".into(),
        "json".into(),
    ]);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr))
}

/// Copies a directory tree (a project the test then changes).
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
    {
        // migdoc's cache (another test may be writing it) and Python's bytecode are no part of it.
        if matches!(
            entry.file_name().to_str(),
            Some(".migdoc_cache" | "__pycache__")
        ) {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// The real histories (`scripts/real-histories`, run first): name -> versions directory.
/// The modules a recorded truth says its history presupposes (`base_models`, as `migdoc check
/// --base-models` takes them).
pub(crate) fn base_models(truth: &serde_json::Value) -> Vec<String> {
    truth["base_models"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_owned))
        .collect()
}

pub(crate) fn real_history_dirs() -> std::collections::HashMap<String, PathBuf> {
    let root = repo_root();
    let status = Command::new("bash")
        .arg(root.join("scripts/real-histories"))
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "scripts/real-histories failed");
    let manifest = std::fs::read_to_string(root.join("target/real-histories/manifest.tsv"))
        .unwrap_or_else(|e| panic!("{e}"));
    manifest
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some(((*cols.first()?).to_owned(), PathBuf::from(cols.get(2)?)))
        })
        .collect()
}

/// Where a user of the project would run `migdoc check`: the nearest directory at most three
/// levels above the versions directory that holds `alembic.ini` (its options are what the
/// migrations read through `config.get_main_option`), else the versions directory itself.
pub(crate) fn project_root_of(versions: &std::path::Path) -> PathBuf {
    versions
        .ancestors()
        .take(4)
        .find(|d| d.join("alembic.ini").is_file())
        .unwrap_or(versions)
        .to_owned()
}
