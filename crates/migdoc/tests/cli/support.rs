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
    let out = migdoc().args(args).output().unwrap_or_else(|e| panic!("cannot run migdoc: {e}"));
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
    assert!(out.status.success(), "scripts/pyenv failed: {}", String::from_utf8_lossy(&out.stderr));
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// What Alembic itself makes of the given versions directories (`tests/oracle/alembic_oracle.py`).
pub(crate) fn alembic_oracle(dirs: &[PathBuf]) -> serde_json::Value {
    let out = Command::new(oracle_python())
        .arg(repo_root().join("tests/oracle/alembic_oracle.py"))
        .args(dirs)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the oracle: {e}"));
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("oracle output is not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)))
}
