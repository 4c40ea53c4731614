//! `migdoc verify` as users run it: as root and as an unprivileged user, without PostgreSQL,
//! against a server it cannot reach, and interrupted in the middle of a migration.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{ENV_PY, migdoc, pyenv_python, repo_root, run_migdoc, write_files};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// `migdoc verify --versions VERSIONS DIR` with the pinned sa20 Python, then `extra`.
fn verify_versions(versions: &Path, dir: &Path, extra: &[&str]) -> crate::support::Output {
    let mut args = vec![
        "verify".to_owned(),
        "--versions".into(),
        versions.display().to_string(),
        dir.display().to_string(),
        "--python".into(),
        pyenv_python("sa20").display().to_string(),
    ];
    args.extend(extra.iter().map(|e| (*e).to_owned()));
    run_migdoc(&args)
}

/// A copy of scenario `name` in a fresh directory that any user can read.
fn readable_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dst = tmp.path().join(name);
    let status = Command::new("cp")
        .arg("-r")
        .arg(repo_root().join("tests/scenarios").join(name))
        .arg(&dst)
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(tmp.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    (tmp, dst)
}

#[test]
fn verify_runs_as_an_unprivileged_user_and_reports_predicted_failures() {
    let (_tmp, project) = readable_copy("enum_created_explicitly_and_by_create_table");
    // The `user` venv is built from the system's Python, which other users can run.
    let python = pyenv_python("user");
    let exe = env!("CARGO_BIN_EXE_migdoc");
    let args = [
        exe,
        "verify",
        &project.display().to_string(),
        "--python",
        &python.display().to_string(),
        "--output-format",
        "json",
    ];
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "nobody", "--"]).args(args);
        c
    } else {
        let mut c = Command::new(exe);
        c.args(&args[1..]);
        c
    };
    let out = cmd
        .env("CI", "true")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(report["verify"]["upgrade_head"]["ok"], false);
    assert_eq!(report["verify"]["upgrade_head"]["sqlstate"], "42710");
    assert_eq!(report["verify"]["roundtrip"]["skipped"], true);
    let md401: Vec<&Value> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "MD401")
        .collect();
    assert_eq!(md401.len(), 1, "{md401:?}");
    assert!(
        md401[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("predicted by MD201")),
        "{md401:?}"
    );
}

#[test]
fn verify_without_postgresql_or_server_says_so() {
    let project = repo_root().join("tests/scenarios/add_value_without_use");
    let python = pyenv_python("sa20").display().to_string();
    let p = project.display().to_string();
    let out = run_migdoc(&[
        "verify".into(),
        p.clone(),
        "--python".into(),
        python.clone(),
        "--postgres-bin".into(),
        "/no/postgres/here".into(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("no postgresql server binaries found")
            && out.stderr.contains("/no/postgres/here"),
        "{}",
        out.stderr
    );

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
    assert!(
        !out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"),
        "the password leaked: {}",
        out.stderr
    );

    let out = run_migdoc(&[
        "verify".into(),
        project.display().to_string(),
        "--python".into(),
        "/no/python".into(),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("/no/python"), "{}", out.stderr);

    // A Python without Alembic: the module is named, with no traceback.
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let venv = tmp.path().join("bare");
    let status = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let out = run_migdoc(&[
        "verify".into(),
        project.display().to_string(),
        "--python".into(),
        venv.join("bin/python").display().to_string(),
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("cannot import `alembic`: install alembic and sqlalchemy"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Traceback"), "{}", out.stderr);
}

/// A project whose only migration sleeps, so that migdoc can be interrupted in the middle of it.
fn slow_project(dir: &Path) {
    write_files(
        dir,
        &[
            (
                "alembic.ini",
                "[alembic]\nscript_location = %(here)s/migrations\n",
            ),
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
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("migdoc-pg-"))
        })
        .collect()
}

#[test]
fn an_interrupted_verify_leaves_no_server_behind() {
    interrupted_verify_leaves_nothing(&[]);
}

/// The same with the env.py migdoc writes: it goes with the cluster.
#[test]
fn an_interrupted_verify_with_the_generic_env_leaves_nothing_behind() {
    interrupted_verify_leaves_nothing(&["--generic-env"]);
}

/// `migdoc verify` of `project` with the sa20 Python and `TMPDIR=tmpdir`, in the background.
fn spawn_verify(project: &Path, tmpdir: &Path, extra: &[&str]) -> std::process::Child {
    spawn_verify_with(project, tmpdir, extra, &[])
}

fn spawn_verify_with(
    project: &Path,
    tmpdir: &Path,
    extra: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> std::process::Child {
    migdoc()
        .args([
            "verify",
            &project.display().to_string(),
            "--python",
            &pyenv_python("sa20").display().to_string(),
        ])
        .args(extra)
        .envs(env.iter().copied())
        .env("TMPDIR", tmpdir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn interrupted_verify_leaves_nothing(extra: &[&str]) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The cluster's directory is created in TMPDIR; the postgres user must be able to enter it.
    let tmpdir = tmp.path().join("tmp");
    std::fs::create_dir(&tmpdir).unwrap_or_else(|e| panic!("{e}"));
    let status = Command::new("chmod")
        .args(["755"])
        .arg(tmp.path())
        .arg(&tmpdir)
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let project = tmp.path().join("project");
    slow_project(&project);
    let mut child = spawn_verify(&project, &tmpdir, extra);
    let started = Instant::now();
    // Wait until a migration is running: the server has a client sleeping in pg_sleep.
    let pid = loop {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "verify never started a cluster"
        );
        if let Some(dir) = clusters_in(&tmpdir).first()
            && let Ok(pidfile) = std::fs::read_to_string(dir.join("data/postmaster.pid"))
        {
            // The driver runs as `python -c <its source>`: its docstring is on the command line.
            // Only this migdoc's own children count (other tests run drivers too).
            let running = Command::new("pgrep")
                .args(["-P", &child.id().to_string(), "-f", "Alembic driver"])
                .output()
                .is_ok_and(|o| o.status.success());
            if running {
                break pidfile.lines().next().unwrap_or_default().trim().to_owned();
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_millis(500));
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::INT,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !clusters_in(&tmpdir).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the cluster directory is still there after Ctrl-C: {:?}",
            clusters_in(&tmpdir)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status =
        std::fs::read_to_string(Path::new("/proc").join(&pid).join("status")).unwrap_or_default();
    assert!(
        status.is_empty() || status.contains("State:\tZ"),
        "the server is still running: {status}"
    );
    // Nothing else is left in the temporary directory either (no driver script, no env).
    let left: Vec<_> = std::fs::read_dir(&tmpdir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind after Ctrl-C: {left:?}");
}

/// On a server the user names, a verify that is interrupted (SIGINT), terminated (SIGTERM) or
/// killed (SIGKILL) in the middle of a migration drops its scratch databases, even while its
/// driver is still connected, and leaves no file behind.
#[test]
fn a_stopped_verify_on_a_named_server_drops_its_scratch_databases() {
    use rustix::process::Signal;
    let bins = migdoc_pg::find_binaries(None).unwrap_or_else(|e| panic!("{e}"));
    let cluster = migdoc_pg::Cluster::start(&bins).unwrap_or_else(|e| panic!("{e}"));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = tmp.path().join("project");
    slow_project(&project);
    let scratch = "SELECT count(*) FROM pg_database WHERE datname LIKE 'migdoc\\_verify\\_%'";
    // No psql on PATH: migdoc is its own client (the clean-up runs `sh`, `sleep` and `rm`).
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap_or_else(|e| panic!("{e}"));
    for tool in ["sh", "sleep", "rm"] {
        std::os::unix::fs::symlink(Path::new("/bin").join(tool), bin.join(tool))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let query = |sql: &str| {
        cluster
            .psql("postgres", sql)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    for (signal, extra) in [
        (Signal::INT, None),
        (Signal::TERM, Some("--generic-env")),
        (Signal::KILL, None),
    ] {
        let tmpdir = tmp.path().join(format!("tmp-{}", signal.as_raw()));
        std::fs::create_dir(&tmpdir).unwrap_or_else(|e| panic!("{e}"));
        let url = cluster.url("postgres");
        let mut args = vec!["--database-url", url.as_str()];
        args.extend(extra);
        let mut child = spawn_verify_with(&project, &tmpdir, &args, &[("PATH", bin.as_os_str())]);
        let started = Instant::now();
        while query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()").trim() == "0" {
            assert!(started.elapsed() < Duration::from_secs(60), "verify never started a migration");
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_ne!(query(scratch).trim(), "0");
        rustix::process::kill_process(rustix::process::Pid::from_child(&child), signal)
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = child.wait();
        let deadline = Instant::now() + Duration::from_secs(60);
        while query(scratch).trim() != "0" {
            assert!(
                Instant::now() < deadline,
                "scratch databases left after {signal:?}: {}",
                query("SELECT string_agg(datname, ' ') FROM pg_database")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let left = || {
            std::fs::read_dir(&tmpdir)
                .map(|d| {
                    d.filter_map(Result::ok)
                        .map(|e| e.path())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        while !left().is_empty() {
            assert!(
                Instant::now() < deadline,
                "left behind after {signal:?}: {:?}",
                left()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// env.py that takes its URL from `alembic -x db_url=...` gets it from verify too.
#[test]
fn verify_passes_the_url_as_an_x_argument_when_env_py_reads_one() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_files(
        tmp.path(),
        &[
            (
                "alembic.ini",
                "[alembic]\nscript_location = %(here)s/migrations\n",
            ),
            (
                "migrations/env.py",
                "from alembic import context\nfrom sqlalchemy import create_engine, pool\n\n\
                 url = context.get_x_argument(as_dictionary=True).get('db_url')\n\
                 engine = create_engine(url, poolclass=pool.NullPool)\n\
                 with engine.connect() as connection:\n    context.configure(connection=connection, target_metadata=None)\n\
                 \x20   with context.begin_transaction():\n        context.run_migrations()\n",
            ),
            (
                "migrations/versions/a1_t.py",
                "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'a1'\ndown_revision = None\n\n\ndef upgrade():\n    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))\n\n\ndef downgrade():\n    op.drop_table('t')\n",
            ),
        ],
    );
    let out = run_migdoc(&[
        "verify".into(),
        tmp.path().display().to_string(),
        "--python".into(),
        pyenv_python("sa20").display().to_string(),
        "--output-format".into(),
        "json".into(),
    ]);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    for mode in ["upgrade_head", "step_by_step", "roundtrip"] {
        assert_eq!(
            report["verify"][mode]["ok"], true,
            "{mode}: {}",
            report["verify"][mode]
        );
    }
    assert_eq!(out.code, 0, "{}", out.stdout);
}

/// The model scenarios through verify: the models compared with the database real Alembic
/// migrated give a model error exactly on the tables where SQLAlchemy failed.
#[test]
fn verify_compares_the_models_with_the_migrated_database() {
    let bins = migdoc_pg::find_binaries(None).unwrap_or_else(|e| panic!("{e}"));
    let cluster = migdoc_pg::Cluster::start(&bins).unwrap_or_else(|e| panic!("{e}"));
    let python = pyenv_python("sa20").display().to_string();
    let mut problems = Vec::new();
    let dirs = crate::models::scenarios();
    for dir in &dirs {
        let out = run_migdoc(&[
            "verify".into(),
            dir.display().to_string(),
            "--python".into(),
            python.clone(),
            "--database-url".into(),
            cluster.url("postgres"),
            "--output-format".into(),
            "json".into(),
        ]);
        let report: Value = match serde_json::from_str(&out.stdout) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{}: {e}: {}", dir.display(), out.stderr));
                continue;
            }
        };
        let text =
            std::fs::read_to_string(dir.join("scenario.toml")).unwrap_or_else(|e| panic!("{e}"));
        let recorded: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let outcome = recorded
            .get("outcome")
            .and_then(|o| o.get("sa20"))
            .and_then(toml::Value::as_table)
            .unwrap_or_else(|| panic!("no outcome"));
        let failing = crate::models::failing_tables(outcome);
        let known: std::collections::BTreeSet<String> = outcome
            .get("tables")
            .and_then(toml::Value::as_table)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default();
        let diagnostics: Vec<Value> = report["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let (reported, unattributed) = crate::models::reported_tables(&diagnostics, &known);
        let other: Vec<String> = diagnostics
            .iter()
            .filter(|d| d["code"].as_str().is_some_and(|c| c.starts_with("MD4")))
            .map(|d| d["message"].to_string())
            .collect();
        if reported != failing || !unattributed.is_empty() || !other.is_empty() {
            problems.push(format!("{}: SQLAlchemy failed on {failing:?}; verify reported {reported:?} {unattributed:?} {other:?}", dir.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A bare versions directory runs with the env.py migdoc writes: every revision's own run is in
/// the JSON truth (`steps`), a failing one with PostgreSQL's SQLSTATE, and nothing after it.
#[test]
fn verify_runs_a_bare_versions_directory_and_records_each_revision() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let versions = tmp.path().join("versions");
    let rev = |id: &str, down: &str, body: &str| {
        format!(
            "from alembic import op\n\nrevision = '{id}'\ndown_revision = {down}\n\n\ndef upgrade():\n    {body}\n\n\ndef downgrade():\n    pass\n"
        )
    };
    write_files(
        &versions,
        &[
            (
                "a1.py",
                &rev(
                    "a1",
                    "None",
                    "op.execute(\"CREATE TYPE mood AS ENUM ('ok')\")",
                ),
            ),
            (
                "b2.py",
                &rev("b2", "'a1'", "op.execute(\"CREATE TABLE t (m mood)\")"),
            ),
            (
                "c3.py",
                &rev(
                    "c3",
                    "'b2'",
                    "op.execute(\"CREATE TYPE mood AS ENUM ('ok')\")",
                ),
            ),
            ("d4.py", &rev("d4", "'c3'", "op.execute(\"SELECT 1\")")),
        ],
    );
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(tmp.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let out = verify_versions(&versions, tmp.path(), &["--output-format", "json"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let steps = report["verify"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let summary: Vec<(String, bool, String)> = steps
        .iter()
        .map(|s| {
            (
                s["revision"].as_str().unwrap_or("").to_owned(),
                s["ok"] == true,
                s["sqlstate"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("a1".into(), true, String::new()),
            ("b2".into(), true, String::new()),
            ("c3".into(), false, "42710".into())
        ],
        "{}",
        out.stdout
    );
    assert_eq!(report["verify"]["upgrade_head"]["sqlstate"], "42710");
    // `check` predicted it: the failure is confirmed, not "not predicted".
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"MD401"), "{codes:?}");
    assert!(
        report["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|d| !d["message"]
                .as_str()
                .unwrap_or("")
                .contains("not predicted")),
        "{}",
        out.stdout
    );
    // The header counts what ran, not what was listed.
    let human = verify_versions(&versions, tmp.path(), &[]);
    assert!(
        human.stdout.contains("Ran 2 of 4 revisions one at a time"),
        "{}",
        human.stdout
    );
    // The catalog after each revision, on request.
    let out = verify_versions(
        &versions,
        tmp.path(),
        &["--catalog-after-each", "--output-format", "json"],
    );
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let steps = &report["verify"]["steps"];
    assert_eq!(
        steps[0]["catalog"]["types"]["mood"]["labels"],
        serde_json::json!(["ok"]),
        "{steps}"
    );
    assert!(steps[0]["catalog"]["tables"].get("t").is_none(), "{steps}");
    assert!(steps[1]["catalog"]["tables"].get("t").is_some(), "{steps}");
    assert!(steps[2].get("catalog").is_none(), "{steps}");
    // And before the first: the empty database.
    assert_eq!(
        steps[0]["catalog_before"]["types"],
        serde_json::json!({}),
        "{steps}"
    );
    assert!(steps[1].get("catalog_before").is_none(), "{steps}");
}

/// Two independent histories (bases nothing ties together) that each build the same schema:
/// each deploys cleanly on a database of its own, and `alembic upgrade heads`, which applies both
/// to one database, fails at the first object the second one creates again. `check` reports
/// that one failure, not its aftermath (every later revision of the second history), and
/// `verify` confirms it: each history run one revision at a time on its own database, and
/// `upgrade heads` on one.
#[test]
fn independent_histories_deploy_apart_and_collide_in_upgrade_heads() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let versions = tmp.path().join("versions");
    let rev = |id: &str, down: &str, label: &str, up: &[&str], back: &[&str]| {
        let body = |sql: &[&str]| {
            sql.iter()
                .map(|b| format!("    op.execute(\"{b}\")"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        format!(
            "from alembic import op\n\nrevision = '{id}'\ndown_revision = {down}\nbranch_labels = {label}\n\n\ndef upgrade():\n{}\n\n\ndef downgrade():\n{}\n",
            body(up),
            body(back)
        )
    };
    let create = [
        "CREATE TYPE plan AS ENUM ('free')",
        "CREATE TABLE accounts (id int, p plan)",
    ];
    let drop = ["DROP TABLE accounts", "DROP TYPE plan"];
    let grow = ["ALTER TABLE accounts ADD COLUMN owner text"];
    let shrink = ["ALTER TABLE accounts DROP COLUMN owner"];
    write_files(
        &versions,
        &[
            ("a1.py", &rev("a1", "None", "('main',)", &create, &drop)),
            ("a2.py", &rev("a2", "'a1'", "None", &grow, &shrink)),
            ("x1.py", &rev("x1", "None", "('legacy',)", &create, &drop)),
            ("x2.py", &rev("x2", "'x1'", "None", &grow, &shrink)),
        ],
    );
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(tmp.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let errors = |report: &Value| -> Vec<String> {
        let mut errors: Vec<String> = report["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["severity"] == "error")
            .map(|d| {
                format!(
                    "{}@{}",
                    d["code"].as_str().unwrap_or(""),
                    d["revision"].as_str().unwrap_or("")
                )
            })
            .collect();
        errors.sort();
        errors
    };
    let check = run_migdoc(&[
        "check".into(),
        "--versions".into(),
        versions.display().to_string(),
        "--no-cache".into(),
        "--output-format".into(),
        "json".into(),
    ]);
    let report: Value =
        serde_json::from_str(&check.stdout).unwrap_or_else(|e| panic!("{e}: {}", check.stderr));
    let found = errors(&report);
    // One head per labelled history is by design (no MD101): only the collision is an error.
    assert_eq!(found.len(), 1, "{found:?}\n{}", check.stdout);
    // The second base Alembic applies (by its order) is where `upgrade heads` fails.
    let second = found[0]
        .strip_prefix("MD201@")
        .unwrap_or_else(|| panic!("{found:?}"))
        .to_owned();
    let collision = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["code"] == "MD201")
        .map(|d| d["message"].as_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    assert!(
        collision.contains("fails in `alembic upgrade heads`")
            && collision.contains("`a1`")
            && collision.contains("`x1`"),
        "{collision}"
    );

    let out = verify_versions(&versions, tmp.path(), &["--output-format", "json"]);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let verify = &report["verify"];
    let mut histories: Vec<Vec<String>> = serde_json::from_value(verify["histories"].clone())
        .unwrap_or_else(|e| panic!("{e}: {verify}"));
    histories.sort();
    assert_eq!(histories, [vec!["a1", "a2"], vec!["x1", "x2"]], "{verify}");
    let steps: Vec<(String, bool)> = verify["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["revision"].as_str().unwrap_or("").to_owned(),
                s["ok"] == true,
            )
        })
        .collect();
    assert_eq!(steps.len(), 4, "{verify}");
    assert!(steps.iter().all(|(_, ok)| *ok), "{verify}");
    assert_eq!(verify["upgrade_heads"]["ok"], false, "{verify}");
    assert_eq!(
        verify["upgrade_heads"]["revision"],
        second.as_str(),
        "{verify}"
    );
    assert_eq!(verify["upgrade_heads"]["sqlstate"], "42710", "{verify}");
    // The real failure is the one `check` predicted; nothing `check` said went unconfirmed.
    let fails = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["code"] == "MD401" && d["revision"] == second.as_str())
        .map(|d| d["message"].as_str().unwrap_or("").to_owned())
        .unwrap_or_default();
    assert!(
        fails.contains("`alembic upgrade heads`") && fails.contains("predicted by MD201"),
        "{}",
        out.stdout
    );
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    // Alembic refuses `upgrade head` (two heads), which is by design here: not a finding.
    assert_eq!(codes, ["MD401"], "{}", out.stdout);
    assert!(!out.stdout.contains("not predicted"), "{}", out.stdout);
}

/// A module the migrations import that the Python lacks is named, as an environment problem.
#[test]
fn verify_names_a_missing_python_module() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let versions = tmp.path().join("versions");
    write_files(
        &versions,
        &[(
            "a1.py",
            "from alembic import op\nimport migdoc_no_such_package\n\nrevision = 'a1'\ndown_revision = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
        )],
    );
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(tmp.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let out = verify_versions(&versions, tmp.path(), &[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("cannot import `migdoc_no_such_package`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Traceback"), "{}", out.stderr);
}

/// A revision that hangs is stopped at the step timeout and reported; the URL is in no child
/// process's arguments while it runs.
#[test]
fn verify_stops_a_hanging_revision_and_keeps_the_url_out_of_arguments() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = tmp.path().join("project");
    slow_project(&project);
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(tmp.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let child = migdoc()
        .args([
            "verify",
            &project.display().to_string(),
            "--python",
            &pyenv_python("sa20").display().to_string(),
        ])
        .args(["--step-timeout", "3", "--output-format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // While a migration runs, no process has a database URL in its arguments.
    let started = Instant::now();
    let mut seen_driver = false;
    while started.elapsed() < Duration::from_secs(20) && !seen_driver {
        for entry in std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains("Alembic driver") {
                seen_driver = true;
                assert!(
                    !cmdline.contains("postgresql://") && !cmdline.contains("postgresql+"),
                    "a URL in a child's arguments: {cmdline}"
                );
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(seen_driver, "never saw the driver run");
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "the step timeout did not stop the hanging revision"
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let step = &report["verify"]["step_by_step"];
    assert_eq!(step["exception"], "Timeout", "{step}");
    assert_eq!(step["revision"], "a1", "{step}");
    // `upgrade head` is one command, but each revision in it has the step timeout: the one that
    // hangs is named.
    let head = &report["verify"]["upgrade_head"];
    assert_eq!(head["exception"], "Timeout", "{head}");
    assert_eq!(head["revision"], "a1", "{head}");
    assert!(
        head["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("revision a1 did not finish in 3 s")),
        "{head}"
    );
}

/// A history that needs an extension the test server lacks is an environment failure, not a
/// finding; a failure `check` did not predict points at the statement that failed.
#[test]
fn verify_separates_environment_failures_and_anchors_unpredicted_ones() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rev = |id: &str, body: &str| {
        format!(
            "from alembic import op\n\nrevision = '{id}'\ndown_revision = None\n\n\ndef upgrade():\n    {body}\n\n\ndef downgrade():\n    pass\n"
        )
    };
    let run = |dir: &Path| {
        let status = Command::new("chmod")
            .args(["-R", "a+rX"])
            .arg(tmp.path())
            .status();
        assert!(status.is_ok_and(|s| s.success()));
        verify_versions(dir, dir, &["--output-format", "json"])
    };
    let ext = tmp.path().join("ext");
    write_files(
        &ext,
        &[(
            "a1.py",
            &rev(
                "a1",
                "op.execute('CREATE EXTENSION migdoc_no_such_extension')",
            ),
        )],
    );
    let out = run(&ext);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    assert_eq!(
        report["verify"]["upgrade_head"]["environment"], true,
        "{}",
        out.stdout
    );
    assert!(
        report["diagnostics"].as_array().is_some_and(Vec::is_empty),
        "{}",
        out.stdout
    );

    let div = tmp.path().join("div");
    write_files(
        &div,
        &[(
            "a1.py",
            &rev(
                "a1",
                "op.execute('SELECT 1 / (SELECT count(*) FROM pg_class WHERE false)')",
            ),
        )],
    );
    let out = run(&div);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let md401 = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["code"] == "MD401")
        .cloned()
        .unwrap_or_default();
    assert!(
        md401["message"]
            .as_str()
            .is_some_and(|m| m.contains("not predicted")),
        "{md401}"
    );
    assert_eq!(md401["line"], 8, "{md401}");
}

/// `--prepare`: a history that presupposes a table its project makes before the first revision
/// runs cleanly once the command has made it on each new database; without it, the first
/// revision fails; a failing command stops `verify` with its error output.
#[test]
fn verify_prepares_each_database_before_the_first_revision() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let versions = tmp.path().join("versions");
    write_files(
        &versions,
        &[(
            "a1.py",
            "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'a1'\ndown_revision = None\n\n\n\
             def upgrade():\n    op.add_column('base_t', sa.Column('note', sa.Text()))\n\n\n\
             def downgrade():\n    op.drop_column('base_t', 'note')\n",
        )],
    );
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(tmp.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let verify = |extra: &[&str]| {
        let mut args = vec!["--output-format", "json"];
        args.extend(extra);
        verify_versions(&versions, tmp.path(), &args)
    };
    // `python` is the chosen interpreter (it has SQLAlchemy); the URL is in the environment.
    let make = "python -c 'import os, sqlalchemy as sa; e = sa.create_engine(os.environ[\"DATABASE_URL\"]); \
                m = sa.MetaData(); sa.Table(\"base_t\", m, sa.Column(\"id\", sa.Integer, primary_key=True)); m.create_all(e)'";
    let out = verify(&["--prepare", make]);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    for mode in ["upgrade_head", "step_by_step", "roundtrip"] {
        assert_eq!(report["verify"][mode]["ok"], true, "{mode}: {}", out.stdout);
    }
    let out = verify(&[]);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    assert_eq!(
        report["verify"]["upgrade_head"]["sqlstate"], "42P01",
        "{}",
        out.stdout
    );
    let out = verify(&["--prepare", "echo 'no such thing' >&2; exit 3"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("the --prepare command failed") && out.stderr.contains("no such thing"),
        "{}",
        out.stderr
    );
}

/// A Flask-Migrate project's revisions read the application at import time (superset's
/// encrypted columns, a table name from `current_app.config`): `flask db upgrade` runs them
/// inside the app context, and so does `verify --flask-app`, found as `flask --app` finds it.
#[test]
fn verify_runs_the_migrations_inside_a_flask_app_context() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let versions = tmp.path().join("versions");
    write_files(
        tmp.path(),
        &[(
            "webapp.py",
            "import os\nimport sqlalchemy as sa\nfrom flask import Flask\n\n\ndef create_app():\n    \
             app = Flask(__name__)\n    app.config['AUDIT_TABLE'] = 'audit_log'\n    \
             app.config['DB'] = os.environ['WEBAPP_DB']\n    \
             # Like Flask-AppBuilder's create_db: the app makes its own tables as it starts.\n    \
             with sa.create_engine(app.config['DB']).begin() as c:\n        \
             c.execute(sa.text('CREATE TABLE IF NOT EXISTS app_settings (k text)'))\n    return app\n",
        )],
    );
    write_files(
        &versions,
        &[(
            "a1.py",
            "from alembic import op\nimport sqlalchemy as sa\nfrom flask import current_app\n\n\
             revision = 'a1'\ndown_revision = None\nTABLE = current_app.config['AUDIT_TABLE']\n\n\n\
             def upgrade():\n    op.create_table(TABLE, sa.Column('id', sa.Integer, primary_key=True))\n    \
             sa.create_engine(current_app.config['DB']).dispose()\n\n\n\
             def downgrade():\n    op.drop_table(TABLE)\n",
        )],
    );
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(tmp.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "--output-format",
            "json",
            "--url-env",
            "WEBAPP_DB",
            "--catalog-after-each",
        ];
        args.extend(extra);
        verify_versions(&versions, tmp.path(), &args)
    };
    let out = verify(&["--flask-app", "webapp:create_app()"]);
    let report: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    for mode in ["upgrade_head", "step_by_step", "roundtrip"] {
        assert_eq!(report["verify"][mode]["ok"], true, "{mode}: {}", out.stdout);
    }
    // What the app made as it started is the catalog before the first revision.
    let first = &report["verify"]["steps"][0];
    assert!(
        first["catalog"]["tables"].get("audit_log").is_some()
            && first["catalog_before"]["tables"]
                .get("app_settings")
                .is_some()
            && first["catalog_before"]["tables"].get("audit_log").is_none(),
        "{}",
        out.stdout
    );
    // Without the app, Alembic cannot even read the revision.
    let out = verify(&[]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("application context"), "{}", out.stderr);
    // An app that cannot be found is said so, as Flask says it.
    let out = verify(&["--flask-app", "webapp:make_app()"]);
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("make_app"), "{}", out.stderr);
}

/// A migrations directory that is a package named `alembic`, beside alembic.ini (langflow's
/// layout), sits on one of the project's module roots: it must not shadow the library the
/// revisions import `op` from.
#[test]
fn a_migrations_package_named_alembic_does_not_shadow_the_library() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = tmp.path().join("proj");
    let versions = project.join("alembic/versions");
    write_files(
        &project,
        &[
            ("alembic/__init__.py", ""),
            (
                "alembic/versions/a1.py",
                "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'a1'\ndown_revision = None\n\n\n\
                 def upgrade():\n    op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True))\n\n\n\
                 def downgrade():\n    op.drop_table('t')\n",
            ),
        ],
    );
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(tmp.path())
        .status();
    assert!(status.is_ok_and(|s| s.success()));
    let out = verify_versions(&versions, &project, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("cannot import"), "{}", out.stderr);
}
