//! `migdoc verify` as users run it: as root and as an unprivileged user, without PostgreSQL,
//! against a server it cannot reach, and interrupted in the middle of a migration.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{migdoc, pyenv_python, repo_root, run_migdoc, write_files, ENV_PY};

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A copy of scenario `name` in a fresh directory that any user can read.
fn readable_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dst = tmp.path().join(name);
    let status = Command::new("cp").arg("-r").arg(repo_root().join("tests/scenarios").join(name)).arg(&dst).status();
    assert!(status.is_ok_and(|s| s.success()));
    let status = Command::new("chmod").args(["-R", "a+rX"]).arg(tmp.path()).status();
    assert!(status.is_ok_and(|s| s.success()));
    (tmp, dst)
}

#[test]
fn verify_runs_as_an_unprivileged_user_and_reports_predicted_failures() {
    let (_tmp, project) = readable_copy("enum_created_explicitly_and_by_create_table");
    // The `user` venv is built from the system's Python, which other users can run.
    let python = pyenv_python("user");
    let exe = env!("CARGO_BIN_EXE_migdoc");
    let args = [exe, "verify", &project.display().to_string(), "--python", &python.display().to_string(), "--output-format", "json"];
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).args(args);
        c
    } else {
        let mut c = Command::new(exe);
        c.args(&args[1..]);
        c
    };
    let out = cmd.env("CI", "true").output().unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report["verify"]["upgrade_head"]["ok"], false);
    assert_eq!(report["verify"]["upgrade_head"]["sqlstate"], "42710");
    assert_eq!(report["verify"]["roundtrip"]["skipped"], true);
    let md401: Vec<&Value> = report["diagnostics"].as_array().into_iter().flatten().filter(|d| d["code"] == "MD401").collect();
    assert_eq!(md401.len(), 1, "{md401:?}");
    assert!(md401[0]["message"].as_str().is_some_and(|m| m.contains("predicted by MD201")), "{md401:?}");
}

#[test]
fn verify_without_postgresql_or_server_says_so() {
    let project = repo_root().join("tests/scenarios/add_value_without_use");
    let python = pyenv_python("sa20").display().to_string();
    let p = project.display().to_string();
    let out = run_migdoc(&["verify".into(), p.clone(), "--python".into(), python.clone(), "--postgres-bin".into(), "/no/postgres/here".into()]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("no postgresql server binaries found") && out.stderr.contains("/no/postgres/here"), "{}", out.stderr);

    let out = run_migdoc(&[
        "verify".into(),
        p,
        "--python".into(),
        python,
        "--database-url".into(),
        "postgresql+psycopg2://app:hunter2@127.0.0.1:1/prod".into(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("app:***@127.0.0.1:1"), "{}", out.stderr);
    assert!(!out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"), "the password leaked: {}", out.stderr);

    let out = run_migdoc(&["verify".into(), project.display().to_string(), "--python".into(), "/no/python".into()]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("/no/python"), "{}", out.stderr);
}

/// A project whose only migration sleeps, so that migdoc can be interrupted in the middle of it.
fn slow_project(dir: &Path) {
    write_files(
        dir,
        &[
            ("alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n"),
            ("migrations/env.py", ENV_PY),
            (
                "migrations/versions/a1_slow.py",
                "from alembic import op\n\nrevision = 'a1'\ndown_revision = None\n\n\ndef upgrade():\n    op.execute('SELECT pg_sleep(120)')\n\n\ndef downgrade():\n    pass\n",
            ),
        ],
    );
}

fn clusters_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("migdoc-pg-")))
        .collect()
}

#[test]
fn an_interrupted_verify_leaves_no_server_behind() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The cluster's directory is created in TMPDIR; the postgres user must be able to enter it.
    let tmpdir = tmp.path().join("tmp");
    std::fs::create_dir(&tmpdir).unwrap_or_else(|e| panic!("{e}"));
    let status = Command::new("chmod").args(["755"]).arg(tmp.path()).arg(&tmpdir).status();
    assert!(status.is_ok_and(|s| s.success()));
    let project = tmp.path().join("project");
    slow_project(&project);
    let mut child = migdoc()
        .args(["verify", &project.display().to_string(), "--python", &pyenv_python("sa20").display().to_string()])
        .env("TMPDIR", &tmpdir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    // Wait until a migration is running: the server has a client sleeping in pg_sleep.
    let pid = loop {
        assert!(started.elapsed() < Duration::from_secs(60), "verify never started a cluster");
        if let Some(dir) = clusters_in(&tmpdir).first()
            && let Ok(pidfile) = std::fs::read_to_string(dir.join("data/postmaster.pid")) {
                let running = Command::new("pgrep").args(["-f", "pg_sleep|migdoc-driver"]).output().is_ok_and(|o| o.status.success());
                if running {
                    break pidfile.lines().next().unwrap_or_default().trim().to_owned();
                }
            }
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    assert!(status.is_ok_and(|s| s.success()));
    let _ = child.wait();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !clusters_in(&tmpdir).is_empty() {
        assert!(Instant::now() < deadline, "the cluster directory is still there after Ctrl-C: {:?}", clusters_in(&tmpdir));
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = std::fs::read_to_string(Path::new("/proc").join(&pid).join("status")).unwrap_or_default();
    assert!(status.is_empty() || status.contains("State:\tZ"), "the server is still running: {status}");
}
