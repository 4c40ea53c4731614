//! `migdoc doctor` on real databases: a small history migrated by real Alembic on a throwaway
//! PostgreSQL, then put into each state the incident reports describe (applied but not
//! recorded, half applied, recorded but missing, unknown revision, drift, never stamped), and
//! the plan applied for real.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{ENV_PY, oracle_python, run_migdoc, write_files};

/// a1: type status + table users; b2: users.email; c3: type tier (created explicitly, a label
/// with a quote) + users.tier.
fn project(dir: &Path) {
    let header = |rev: &str, down: &str| {
        format!(
            "import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n\nrevision = '{rev}'\ndown_revision = {down}\n\n\n"
        )
    };
    let a1 = format!(
        "{}def upgrade():\n    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True), sa.Column('status', sa.Enum('active', 'banned', name='status'), nullable=False))\n\n\ndef downgrade():\n    op.drop_table('users')\n    op.execute('DROP TYPE status')\n",
        header("a1", "None")
    );
    let b2 = format!(
        "{}def upgrade():\n    op.add_column('users', sa.Column('email', sa.String(200)))\n\n\ndef downgrade():\n    op.drop_column('users', 'email')\n",
        header("b2", "'a1'")
    );
    let c3 = format!(
        "{}def upgrade():\n    tier = postgresql.ENUM('gold', \"it's\", name='tier')\n    tier.create(op.get_bind())\n    op.add_column('users', sa.Column('tier', postgresql.ENUM(name='tier', create_type=False)))\n\n\ndef downgrade():\n    op.drop_column('users', 'tier')\n    op.execute('DROP TYPE tier')\n",
        header("c3", "'b2'")
    );
    write_files(
        dir,
        &[
            (
                "alembic.ini",
                "[alembic]\nscript_location = %(here)s/migrations\n",
            ),
            ("migrations/env.py", ENV_PY),
            ("migrations/versions/a1_users.py", &a1),
            ("migrations/versions/b2_email.py", &b2),
            ("migrations/versions/c3_tier.py", &c3),
        ],
    );
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    cluster: migdoc_pg::Cluster,
}

impl Fixture {
    fn new() -> Fixture {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = tmp.path().join("project");
        project(&dir);
        let bins = migdoc_pg::find_binaries(None).unwrap_or_else(|e| panic!("{e}"));
        let cluster = migdoc_pg::Cluster::start(&bins).unwrap_or_else(|e| panic!("{e}"));
        Fixture {
            _tmp: tmp,
            dir,
            cluster,
        }
    }

    /// A fresh database migrated to `target` by real Alembic.
    fn database(&self, name: &str, target: &str) -> String {
        self.cluster
            .create_database(name)
            .unwrap_or_else(|e| panic!("{e}"));
        let url = self.cluster.url(name);
        let out = Command::new(oracle_python())
            .args(["-m", "alembic", "upgrade", target])
            .current_dir(&self.dir)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "alembic upgrade {target}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        url
    }

    fn sql(&self, db: &str, sql: &str) -> String {
        self.cluster.psql(db, sql).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Polls `sql` on `db` until its (trimmed) result satisfies `done`, for at most 30 seconds:
    /// waiting for another session to take or release a lock, or to start.
    fn wait_until(&self, db: &str, sql: &str, done: impl Fn(&str) -> bool, what: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !done(self.sql(db, sql).trim()) {
            assert!(std::time::Instant::now() < deadline, "{what}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// The proof that a database is healthy again: real `alembic upgrade head` succeeds on it,
    /// and doctor then finds it healthy.
    fn heals(&self, url: &str) {
        let out = Command::new(oracle_python())
            .args(["-m", "alembic", "upgrade", "head"])
            .current_dir(&self.dir)
            .env("DATABASE_URL", url)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "alembic upgrade head after the repair: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (code, d) = self.doctor(url, &[]);
        assert_eq!(
            (code, states(&d, "diagnosis")),
            (0, vec!["healthy".to_owned()]),
            "{d}"
        );
    }

    /// The schema of database `db` as pg_dump writes it (comments and session lines left out),
    /// and its version rows.
    fn dump(&self, db: &str) -> String {
        let out = Command::new(self.cluster.binaries().bindir.join("pg_dump"))
            .args(["--schema-only", "--no-owner", "--no-privileges", "-h"])
            .arg(self.cluster.socket_dir())
            .args(["-p", &self.cluster.port().to_string(), "-U", "postgres", db])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let schema = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| {
                !l.starts_with("--")
                    && !l.starts_with("\\restrict")
                    && !l.starts_with("\\unrestrict")
            })
            .collect::<Vec<_>>()
            .join("\n");
        let versions = self.sql(
            db,
            "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version",
        );
        format!("{schema}\nversions: {versions}")
    }

    fn doctor(&self, url: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec![
            "doctor".to_owned(),
            self.dir.display().to_string(),
            "--database-url".into(),
            url.to_owned(),
            "--format".into(),
            "json".into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let out = run_migdoc(&args);
        let value: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
        (out.code, value["databases"][0].clone())
    }
}

fn states(d: &Value, key: &str) -> Vec<String> {
    d[key]["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["state"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn doctor_diagnoses_and_repairs_real_databases() {
    let f = Fixture::new();

    // Healthy, and behind.
    let url = f.database("healthy", "head");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(
        (code, states(&d, "diagnosis")),
        (0, vec!["healthy".to_owned()]),
        "{d}"
    );
    let url = f.database("behind", "b2");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(code, 0);
    assert_eq!(states(&d, "diagnosis"), ["behind"]);
    assert_eq!(
        d["diagnosis"]["findings"][0]["pending"],
        serde_json::json!(["c3"])
    );

    // Applied but not recorded: the dry run changes nothing, --apply stamps and re-diagnoses.
    let url = f.database("unrecorded", "head");
    f.sql(
        "unrecorded",
        "UPDATE alembic_version SET version_num = 'b2'",
    );
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(code, 1, "applied but not recorded needs action: {d}");
    assert_eq!(states(&d, "diagnosis"), ["applied_not_recorded"]);
    assert_eq!(
        f.sql("unrecorded", "SELECT version_num FROM alembic_version"),
        "b2\n",
        "a dry run wrote to the database"
    );
    let (code, d) = f.doctor(&url, &["--apply"]);
    assert_eq!(
        (code, states(&d, "after")),
        (0, vec!["healthy".to_owned()]),
        "{d}"
    );
    assert_eq!(
        f.sql("unrecorded", "SELECT version_num FROM alembic_version"),
        "c3\n"
    );
    f.heals(&url);

    // Half applied (incident 002): c3 created its type and died. Ambiguous until a choice.
    let url = f.database("partial", "b2");
    f.sql("partial", "CREATE TYPE tier AS ENUM ('gold', 'it''s')");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(code, 1, "{d}");
    assert_eq!(states(&d, "diagnosis"), ["partially_applied"]);
    assert!(d["plan"]["ambiguous"].is_string(), "{d}");
    let (code, d) = f.doctor(&url, &["--apply"]);
    assert_eq!(code, 1, "{d}");
    assert!(
        d["error"].as_str().is_some_and(|e| e.contains("ambiguous")),
        "{d}"
    );
    let (code, d) = f.doctor(&url, &["--apply", "--choose", "undo"]);
    assert_eq!(
        (code, states(&d, "after")),
        (0, vec!["behind".to_owned()]),
        "{d}"
    );
    // Now the deploy that kept failing with `type "tier" already exists` goes through, and the
    // schema is the one a clean upgrade gives.
    f.heals(&url);
    let clean = f.dump("healthy");
    assert_eq!(
        f.dump("partial"),
        clean,
        "undo, then upgrade, differs from a clean upgrade"
    );

    // Undo drops only what holds no data: a1 half applied, and its table already has a row.
    let url = f.database("partial_rows", "base");
    f.sql(
        "partial_rows",
        "CREATE TABLE users (id integer PRIMARY KEY); INSERT INTO users VALUES (1)",
    );
    let (_, d) = f.doctor(&url, &[]);
    assert_eq!(
        states(&d, "diagnosis"),
        ["partially_applied", "behind"],
        "{d}"
    );
    let (code, d) = f.doctor(&url, &["--apply", "--choose", "undo"]);
    assert_eq!(code, 1, "{d}");
    assert!(
        d["error"]
            .as_str()
            .is_some_and(|e| e.contains("table users has rows")),
        "{d}"
    );
    assert_eq!(
        f.sql("partial_rows", "SELECT count(*) FROM users"),
        "1\n",
        "undo dropped a table with rows"
    );
    f.sql("partial_rows", "DELETE FROM users");
    let (code, d) = f.doctor(&url, &["--apply", "--choose", "undo"]);
    assert_eq!(
        (code, states(&d, "after")),
        (0, vec!["behind".to_owned()]),
        "{d}"
    );
    f.heals(&url);
    assert_eq!(
        f.dump("partial_rows"),
        clean,
        "undo, then upgrade, differs from a clean upgrade"
    );

    // Half applied, finished instead: the type is created with its labels (one has a quote).
    let url = f.database("finish", "b2");
    f.sql("finish", "ALTER TABLE users ADD COLUMN tier text");
    let (_, d) = f.doctor(&url, &[]);
    assert_eq!(states(&d, "diagnosis"), ["partially_applied"], "{d}");
    let (_, d) = f.doctor(&url, &["--apply", "--choose", "finish"]);
    assert!(d["applied"] == true, "{d}");
    assert_eq!(
        f.sql("finish", "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum JOIN pg_type t ON t.oid = enumtypid WHERE typname = 'tier'"),
        "gold,it's\n"
    );
    assert_eq!(
        f.sql("finish", "SELECT version_num FROM alembic_version"),
        "c3\n"
    );

    // Recorded but missing: a revision stamped that never ran.
    let url = f.database("missing", "b2");
    f.sql("missing", "UPDATE alembic_version SET version_num = 'c3'");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(code, 1, "{d}");
    assert_eq!(states(&d, "diagnosis"), ["recorded_but_missing"]);
    assert_eq!(d["diagnosis"]["findings"][0]["revision"], "c3", "{d}");
    let (_, d) = f.doctor(&url, &["--apply", "--choose", "stamp"]);
    assert!(d["applied"] == true, "{d}");
    f.heals(&url);

    // Unknown revision (deployed from another branch), stamped back on request.
    let url = f.database("unknown", "head");
    f.sql("unknown", "UPDATE alembic_version SET version_num = 'zz99'");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(code, 1);
    assert_eq!(states(&d, "diagnosis"), ["unknown_revision"]);
    assert_eq!(d["diagnosis"]["findings"][0]["looks_like"], "c3");
    let (_, d) = f.doctor(&url, &["--apply", "--choose", "stamp"]);
    assert_eq!(states(&d, "after"), ["healthy"], "{d}");
    f.heals(&url);

    // Drift, and a database that was never stamped.
    let url = f.database("drift", "head");
    f.sql("drift", "ALTER TYPE status ADD VALUE 'vip'");
    f.sql("drift", "CREATE TABLE scratch (id int)");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(states(&d, "diagnosis"), ["drift"]);
    assert_eq!(code, 1, "drift needs action: {d}");
    let extra = d["diagnosis"]["findings"][0]["extra"].to_string();
    assert!(
        extra.contains("vip") && extra.contains("scratch"),
        "{extra}"
    );
    let url = f.database("unstamped", "head");
    f.sql("unstamped", "DROP TABLE alembic_version");
    let (_, d) = f.doctor(&url, &[]);
    assert_eq!(states(&d, "diagnosis"), ["no_version_table"]);
    let (_, d) = f.doctor(&url, &["--apply", "--choose", "stamp"]);
    assert_eq!(states(&d, "after"), ["healthy"], "{d}");
    f.heals(&url);
}

#[test]
fn two_doctors_applying_at_once_apply_the_plan_once() {
    let f = Fixture::new();
    let url = f.database("race", "head");
    f.sql("race", "UPDATE alembic_version SET version_num = 'b2'");
    let run = || {
        let mut cmd = crate::support::migdoc();
        cmd.args([
            "doctor",
            &f.dir.display().to_string(),
            "--database-url",
            &url,
            "--apply",
            "--format",
            "json",
        ]);
        cmd.output().unwrap_or_else(|e| panic!("{e}"))
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(run);
        let b = s.spawn(run);
        (
            a.join().unwrap_or_else(|_| panic!("a")),
            b.join().unwrap_or_else(|_| panic!("b")),
        )
    });
    let outcomes: Vec<Value> = [a, b]
        .iter()
        .map(|o| serde_json::from_slice::<Value>(&o.stdout).unwrap_or_else(|e| panic!("{e}")))
        .map(|v| v["databases"][0].clone())
        .collect();
    let applied = outcomes.iter().filter(|d| d["applied"] == true).count();
    // The other one found the lock taken, the plan stale, or nothing left to do.
    assert!(applied <= 1, "applied twice: {outcomes:?}");
    for d in &outcomes {
        if d["applied"] != true {
            let e = d["error"].as_str().unwrap_or("");
            let healthy = states(d, "diagnosis") == ["healthy"];
            assert!(
                healthy
                    || e.contains("holds the lock")
                    || e.contains("changed since the diagnosis"),
                "{d}"
            );
        }
    }
    assert_eq!(
        f.sql(
            "race",
            "SELECT string_agg(version_num, ',') FROM alembic_version"
        ),
        "c3\n"
    );
    f.heals(&url);
}

#[test]
fn doctor_apply_is_refused_while_another_holds_the_lock() {
    let f = Fixture::new();
    let url = f.database("locked", "head");
    f.sql("locked", "UPDATE alembic_version SET version_num = 'b2'");
    // A second writer (another doctor, or a migration whose env.py takes the same lock).
    let mut holder = Command::new(f.cluster.binaries().bindir.join("psql"))
        .args([
            "-X",
            "-q",
            "-c",
            &format!(
                "SELECT pg_advisory_lock({}); SELECT pg_sleep(30)",
                migdoc_doctor_lock_key()
            ),
        ])
        .env("PGHOST", f.cluster.socket_dir())
        .env("PGPORT", f.cluster.port().to_string())
        .env("PGUSER", "postgres")
        .env("PGDATABASE", "locked")
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    f.wait_until(
        "locked",
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'",
        |r| r != "0",
        "the lock holder never got the lock",
    );
    let (code, d) = f.doctor(&url, &["--apply"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(code, 1, "{d}");
    assert!(
        d["error"]
            .as_str()
            .is_some_and(|e| e.contains("holds the lock")),
        "{d}"
    );
    assert_eq!(
        f.sql("locked", "SELECT version_num FROM alembic_version"),
        "b2\n"
    );
}

fn migdoc_doctor_lock_key() -> i64 {
    0x6d69_6764_6f63
}

#[test]
fn doctor_fleet_tenants_and_bad_urls() {
    let f = Fixture::new();
    let healthy = f.database("fleet_a", "head");
    let behind = f.database("fleet_b", "a1");
    // Schema-per-tenant: each tenant migrated with its own search_path.
    f.cluster
        .create_database("tenants")
        .unwrap_or_else(|e| panic!("{e}"));
    let tenants = f.cluster.url("tenants");
    for (schema, target) in [("tenant_a", "head"), ("tenant_b", "b2")] {
        f.sql("tenants", &format!("CREATE SCHEMA {schema}"));
        let out = Command::new(oracle_python())
            .args(["-m", "alembic", "upgrade", target])
            .current_dir(&f.dir)
            .env("DATABASE_URL", &tenants)
            .env("PGOPTIONS", format!("-c search_path={schema}"))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run_migdoc(&[
        "doctor".into(),
        f.dir.display().to_string(),
        "--database-url".into(),
        healthy,
        "--database-url".into(),
        behind,
    ]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("database")
            && out.stdout.lines().filter(|l| l.contains("fleet_")).count() >= 4,
        "{}",
        out.stdout
    );

    let out = run_migdoc(&[
        "doctor".into(),
        f.dir.display().to_string(),
        "--database-url".into(),
        tenants,
        "--schemas".into(),
        "tenant_%".into(),
        "--format".into(),
        "json".into(),
    ]);
    let v: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let found: Vec<(String, Vec<String>)> = v["databases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["schema"].as_str().unwrap_or("").to_owned(),
                states(d, "diagnosis"),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("tenant_a".to_owned(), vec!["healthy".to_owned()]),
            ("tenant_b".to_owned(), vec!["behind".to_owned()])
        ],
        "{v}"
    );

    let out = run_migdoc(&[
        "doctor".into(),
        f.dir.display().to_string(),
        "--database-url".into(),
        "postgresql+psycopg2://app:hunter2@127.0.0.1:1/prod".into(),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("app:***@127.0.0.1:1"), "{}", out.stdout);
    assert!(
        !out.stdout.contains("hunter2") && !out.stderr.contains("hunter2"),
        "the password leaked"
    );

    // Every form of a password, on success and on failure, in text and JSON: never shown.
    let socket = f.cluster.socket_dir().display().to_string();
    for url in [
        format!("postgresql://postgres@/fleet_a?host={socket}&password=hunter2"),
        "postgresql://app:hun/ter?2@127.0.0.1:1/prod".to_owned(),
        "postgresql://app@127.0.0.1:1/prod?password=hunter2".to_owned(),
        "mysql://app:hunter2@127.0.0.1:1/prod".to_owned(),
        "postgressql://app:hunter2@127.0.0.1:1/prod".to_owned(),
    ] {
        for format in ["text", "json"] {
            let out = run_migdoc(&[
                "doctor".into(),
                f.dir.display().to_string(),
                "--database-url".into(),
                url.clone(),
                "--format".into(),
                format.into(),
            ]);
            for secret in ["hunter2", "hun/ter", "ter?2"] {
                assert!(
                    !out.stdout.contains(secret) && !out.stderr.contains(secret),
                    "{url} leaked: {}{}",
                    out.stdout,
                    out.stderr
                );
            }
        }
    }
    // With no password anywhere, nothing prompts for one (no terminal is needed to find out).
    let out = run_migdoc(&[
        "doctor".into(),
        f.dir.display().to_string(),
        "--database-url".into(),
        "postgresql://app@127.0.0.1:1/prod".into(),
    ]);
    assert_eq!(out.code, 2);
}

/// Killing migdoc (SIGKILL or SIGTERM, migdoc alone, not its process group) in the middle of
/// `--apply`, while it waits for a migration that holds the version table, leaves the database as
/// it was: its connection drops with it, and the server rolls its open transaction back.
#[test]
fn a_killed_apply_leaves_the_database_as_it_was() {
    let f = Fixture::new();
    for (db, signal) in [
        ("crash_kill", rustix::process::Signal::KILL),
        ("crash_term", rustix::process::Signal::TERM),
    ] {
        let url = f.database(db, "b2");
        f.sql(db, "ALTER TABLE users ADD COLUMN tier text");
        let before = f.dump(db);
        // A migration in progress: it holds the version table.
        let mut holder = Command::new(f.cluster.binaries().bindir.join("psql"))
            .args([
                "-X",
                "-q",
                "-c",
                "BEGIN; LOCK TABLE alembic_version IN EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;",
            ])
            .env("PGHOST", f.cluster.socket_dir())
            .env("PGPORT", f.cluster.port().to_string())
            .env("PGUSER", "postgres")
            .env("PGDATABASE", db)
            .env("PGAPPNAME", "holder")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        f.wait_until(db, "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'alembic_version' AND l.mode = 'ExclusiveLock'", |r| r != "0", "the holder never locked the table");
        let mut doctor = crate::support::migdoc()
            .args([
                "doctor",
                &f.dir.display().to_string(),
                "--database-url",
                &url,
                "--apply",
                "--choose",
                "finish",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        f.wait_until(
            db,
            "SELECT count(*) FROM pg_locks WHERE NOT granted",
            |r| r != "0",
            "doctor never waited for the version table",
        );
        rustix::process::kill_process(rustix::process::Pid::from_child(&doctor), signal)
            .unwrap_or_else(|e| panic!("{e}"));
        let status = doctor.wait().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(signal.as_raw()),
            "doctor was not stopped: {status}"
        );
        // The migration ends (the server notices its vanished client only when it next talks to
        // it: end that session as a lost connection would); migdoc's session goes with it.
        let _ = holder.kill();
        let _ = holder.wait();
        f.sql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'");
        f.wait_until(db, &format!("SELECT count(*) FROM pg_stat_activity WHERE datname = '{db}' AND application_name = 'migdoc'"), |r| r == "0", "migdoc's session never ended");
        assert_eq!(
            f.sql(db, "SELECT count(*) FROM pg_type WHERE typname = 'tier'"),
            "0\n",
            "a plan was committed after {signal:?}"
        );
        assert_eq!(f.sql(db, "SELECT version_num FROM alembic_version"), "b2\n");
        assert_eq!(f.dump(db), before, "the database changed after {signal:?}");
        let scripts: Vec<_> = std::fs::read_dir(std::env::temp_dir())
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("migdoc-doctor-{}-", doctor.id()))
            })
            .collect();
        assert!(scripts.is_empty(), "a plan was left on disk: {scripts:?}");
    }
}

/// A database whose own settings are hostile: `standard_conforming_strings = off` (a backslash
/// in a label would end its literal) and a `search_path` that puts another application's schema
/// first. Labels that try to inject SQL and a psql meta-command are written byte for byte, as
/// labels, into the home schema; nothing else happens.
#[test]
fn hostile_database_settings_change_nothing_but_the_plan() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let marker = tmp.path().join("shell-ran");
    let f = Fixture::new();
    let b2 = format!(
        "import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n\nrevision = 'b2'\ndown_revision = 'a1'\n\n\n\
         def upgrade():\n    postgresql.ENUM(\"x\\\\'); CREATE TABLE pwned (); --\", \"\\\\! touch {marker}\", name='hostile').create(op.get_bind())\n    \
         op.add_column('users', sa.Column('hostile', postgresql.ENUM(name='hostile', create_type=False)))\n\n\n\
         def downgrade():\n    op.drop_column('users', 'hostile')\n    op.execute('DROP TYPE hostile')\n",
        marker = marker.display()
    );
    std::fs::remove_file(f.dir.join("migrations/versions/b2_email.py"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(f.dir.join("migrations/versions/c3_tier.py"))
        .unwrap_or_else(|e| panic!("{e}"));
    write_files(&f.dir, &[("migrations/versions/b2_hostile.py", &b2)]);
    let url = f.database("hostile", "a1");
    f.sql("hostile", "ALTER TABLE users ADD COLUMN hostile text");
    f.sql("hostile", "CREATE SCHEMA other; CREATE TABLE other.alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO other.alembic_version VALUES ('theirs')");
    f.sql(
        "hostile",
        "ALTER DATABASE hostile SET standard_conforming_strings = off",
    );
    f.sql(
        "hostile",
        "ALTER DATABASE hostile SET search_path = other, public",
    );
    let (_, d) = f.doctor(&url, &[]);
    // The other application's version table is drift beside the half-applied revision.
    assert_eq!(
        states(&d, "diagnosis"),
        ["partially_applied", "drift"],
        "{d}"
    );
    let (_, d) = f.doctor(&url, &["--apply", "--choose", "finish"]);
    assert!(d["applied"] == true, "{d}");
    let sql = |q: &str| f.sql("hostile", &format!("SET search_path = public; {q}"));
    assert_eq!(
        sql("SELECT count(*) FROM pg_class WHERE relname = 'pwned'"),
        "0\n",
        "SQL was injected"
    );
    assert!(!marker.exists(), "a psql meta-command ran");
    let labels = sql(
        "SELECT string_agg(enumlabel, '|' ORDER BY enumsortorder) FROM pg_enum JOIN pg_type t ON t.oid = enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE typname = 'hostile' AND nspname = 'public'",
    );
    assert_eq!(
        labels,
        format!(
            "x\\'); CREATE TABLE pwned (); --|\\! touch {}\n",
            marker.display()
        )
    );
    assert_eq!(
        sql("SELECT version_num FROM public.alembic_version"),
        "b2\n"
    );
    assert_eq!(
        sql("SELECT version_num FROM other.alembic_version"),
        "theirs\n",
        "another schema's version table was written"
    );
}

/// `--choose finish` does exactly what the revision would have done, or nothing: a type is
/// recreated with the labels it has at that revision (a later revision's label is left to that
/// revision, whose `alembic upgrade` then works), and a plan that needs a column migdoc cannot
/// define is refused whole, without a stamp.
#[test]
fn finish_is_exact_or_refused() {
    let f = Fixture::new();
    let d4 = "from alembic import op\n\nrevision = 'd4'\ndown_revision = 'c3'\n\n\ndef upgrade():\n    op.execute(\"ALTER TYPE tier ADD VALUE 'platinum'\")\n\n\ndef downgrade():\n    pass\n";
    write_files(&f.dir, &[("migrations/versions/d4_platinum.py", d4)]);

    // c3 half applied: its column is there, its type is not.
    let url = f.database("exact", "b2");
    f.sql("exact", "ALTER TABLE users ADD COLUMN tier text");
    let (_, d) = f.doctor(&url, &["--apply", "--choose", "finish"]);
    assert!(d["applied"] == true, "{d}");
    assert_eq!(
        f.sql("exact", "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum JOIN pg_type t ON t.oid = enumtypid WHERE typname = 'tier'"),
        "gold,it's\n",
        "the type got labels of a later revision"
    );
    assert_eq!(
        f.sql("exact", "SELECT version_num FROM alembic_version"),
        "c3\n"
    );
    f.heals(&url);

    // c3 half applied the other way: its type is there, its column is not. migdoc does not
    // know the column's full definition, and without a Python that has the project's Alembic
    // nothing is written, nothing is stamped.
    let url = f.database("refused", "b2");
    f.sql("refused", "CREATE TYPE tier AS ENUM ('gold', 'it''s')");
    let (code, d) = f.doctor(
        &url,
        &[
            "--apply",
            "--choose",
            "finish",
            "--python",
            "/nonexistent/python3",
        ],
    );
    assert_eq!(code, 1, "{d}");
    assert!(
        d["applied"] != true
            && d["error"]
                .as_str()
                .is_some_and(|e| e.contains("nothing was changed")),
        "{d}"
    );
    assert_eq!(
        f.sql("refused", "SELECT version_num FROM alembic_version"),
        "b2\n",
        "a revision was stamped whose column is missing"
    );
}

/// A real finish: what migdoc does not know completely (a table, a column), the project's own
/// Alembic writes (`alembic upgrade PARENT:REV --sql`, offline), and doctor runs the revision's
/// statements that have not run. Then real `alembic upgrade head` goes through, and the schema
/// is the one a clean upgrade gives (pg_dump equal, label order included).
#[test]
fn finish_runs_the_revisions_own_sql_and_equals_a_clean_upgrade() {
    let f = Fixture::new();
    // env.py as Alembic's template writes it: offline mode writes SQL, online mode connects.
    let env_py = "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine, pool\n\n\n\
                  def run_migrations_offline():\n    context.configure(url=os.environ['DATABASE_URL'], target_metadata=None, literal_binds=True)\n\
                  \x20   with context.begin_transaction():\n        context.run_migrations()\n\n\n\
                  def run_migrations_online():\n    engine = create_engine(os.environ['DATABASE_URL'], poolclass=pool.NullPool)\n\
                  \x20   with engine.connect() as connection:\n        context.configure(connection=connection, target_metadata=None)\n\
                  \x20       with context.begin_transaction():\n            context.run_migrations()\n\n\n\
                  if context.is_offline_mode():\n    run_migrations_offline()\nelse:\n    run_migrations_online()\n";
    write_files(&f.dir, &[("migrations/env.py", env_py)]);
    let python = oracle_python().display().to_string();
    f.database("clean", "head");
    let clean = f.dump("clean");
    // a1 half applied: its type is there (made on another connection), its table is not.
    // c3 half applied: its type is there, its column is not.
    for (db, at, sql, revision) in [
        (
            "type_no_table",
            "base",
            "CREATE TYPE status AS ENUM ('active', 'banned')",
            "a1",
        ),
        (
            "type_no_column",
            "b2",
            "CREATE TYPE tier AS ENUM ('gold', 'it''s')",
            "c3",
        ),
    ] {
        let url = f.database(db, at);
        f.sql(db, sql);
        let (code, d) = f.doctor(&url, &["--choose", "finish", "--python", &python]);
        assert_eq!(code, 1, "{d}");
        let steps = d["plan"]["steps"].as_array().cloned().unwrap_or_default();
        assert!(
            steps.iter().all(|s| s["sql"].is_string()),
            "a step without SQL: {d}"
        );
        assert!(
            !steps
                .iter()
                .any(|s| s["sql"].as_str().is_some_and(|q| q.contains("CREATE TYPE"))),
            "a type that is there would be created again: {d}"
        );
        let (code, d) = f.doctor(
            &url,
            &["--apply", "--choose", "finish", "--python", &python],
        );
        assert_eq!(code, 0, "{d}");
        assert!(d["applied"] == true, "{d}");
        assert_eq!(
            f.sql(db, "SELECT version_num FROM alembic_version"),
            format!("{revision}\n")
        );
        f.heals(&url);
        assert_eq!(
            f.dump(db),
            clean,
            "{db}: the finished schema differs from a clean upgrade's"
        );
    }
}

/// A revision that creates a schema and a table in it, half applied: undo drops the schema it
/// left empty (after what is in it), and refuses while the schema holds an object, changing
/// nothing; `alembic upgrade head` then gives the schema a clean upgrade gives.
#[test]
fn undo_drops_a_schema_only_while_it_is_empty() {
    let f = Fixture::new();
    let d4 = "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'd4'\ndown_revision = 'c3'\n\n\ndef upgrade():\n    op.execute(sa.schema.CreateSchema('audit'))\n    \
              op.create_table('log', sa.Column('id', sa.Integer, primary_key=True), schema='audit')\n\n\ndef downgrade():\n    op.drop_table('log', schema='audit')\n    op.execute('DROP SCHEMA audit')\n";
    write_files(&f.dir, &[("migrations/versions/d4_audit.py", d4)]);
    f.database("clean", "head");
    let clean = f.dump("clean");

    // The schema alone, and a table of somebody else's in it: undo refuses, nothing changes.
    let url = f.database("schema_used", "c3");
    f.sql(
        "schema_used",
        "CREATE SCHEMA audit; CREATE TABLE audit.notes (id int)",
    );
    let (_, d) = f.doctor(&url, &[]);
    assert_eq!(
        states(&d, "diagnosis"),
        ["partially_applied", "drift"],
        "{d}"
    );
    assert_eq!(
        d["diagnosis"]["findings"][0]["present"],
        serde_json::json!([{"kind": "schema", "name": "audit"}]),
        "{d}"
    );
    let before = f.dump("schema_used");
    let (code, d) = f.doctor(&url, &["--apply", "--choose", "undo"]);
    assert_eq!(code, 1, "{d}");
    assert!(
        d["error"]
            .as_str()
            .is_some_and(|e| e.contains("schema audit holds objects")),
        "{d}"
    );
    assert_eq!(
        f.dump("schema_used"),
        before,
        "a refused undo changed the database"
    );

    // The schema alone, empty: undo drops it, and the revision runs again.
    let url = f.database("schema_empty", "c3");
    f.sql("schema_empty", "CREATE SCHEMA audit");
    let (code, d) = f.doctor(&url, &["--apply", "--choose", "undo"]);
    assert_eq!(
        (code, states(&d, "after")),
        (0, vec!["behind".to_owned()]),
        "{d}"
    );
    assert_eq!(
        f.sql(
            "schema_empty",
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'audit'"
        ),
        "0\n"
    );
    f.heals(&url);
    assert_eq!(
        f.dump("schema_empty"),
        clean,
        "undo, then upgrade, differs from a clean upgrade"
    );
}

/// A checkout with two heads needs action whatever the database holds: the next `alembic upgrade
/// head` fails (incident 003), even on a database recorded at both heads.
#[test]
fn two_heads_need_action_and_system_schemas_are_no_tenants() {
    let f = Fixture::new();
    let e5 = "from alembic import op\n\nrevision = 'e5'\ndown_revision = 'b2'\n\n\ndef upgrade():\n    op.execute('CREATE TABLE audit (id int)')\n\n\ndef downgrade():\n    op.execute('DROP TABLE audit')\n";
    write_files(&f.dir, &[("migrations/versions/e5_audit.py", e5)]);
    let url = f.database("two_heads", "heads");
    assert_eq!(
        f.sql(
            "two_heads",
            "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version"
        ),
        "c3,e5\n"
    );
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(code, 1, "{d}");
    assert_eq!(states(&d, "diagnosis"), ["several_heads"], "{d}");

    // `--schemas '%'` means the tenants, not pg_catalog, pg_toast or information_schema; a tenant
    // whose name holds a newline is one tenant.
    f.sql("two_heads", "CREATE SCHEMA \"odd\nname\"");
    let out = run_migdoc(&[
        "doctor".into(),
        f.dir.display().to_string(),
        "--database-url".into(),
        url,
        "--schemas".into(),
        "%".into(),
        "--format".into(),
        "json".into(),
    ]);
    let v: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let schemas: Vec<&str> = v["databases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["schema"].as_str())
        .collect();
    assert_eq!(schemas, ["odd\nname", "public"], "{v}");
}

/// Missing labels are added at their places, in the history's order (the order is part of the
/// type: it is how ORDER BY sorts); a type with the right labels in the wrong order is reported.
#[test]
fn labels_are_added_in_place_and_their_order_is_checked() {
    let f = Fixture::new();
    let d4 = "from alembic import op\n\nrevision = 'd4'\ndown_revision = 'c3'\n\n\ndef upgrade():\n    op.execute(\"ALTER TYPE tier ADD VALUE 'silver' AFTER 'gold'\")\n    op.execute(\"ALTER TYPE tier ADD VALUE 'owner' BEFORE 'gold'\")\n\n\ndef downgrade():\n    pass\n";
    write_files(&f.dir, &[("migrations/versions/d4_more_tiers.py", d4)]);
    let order = |db: &str| {
        f.sql(db, "SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum JOIN pg_type t ON t.oid = enumtypid WHERE typname = 'tier'")
    };

    // d4 recorded, its labels missing.
    let url = f.database("labels", "c3");
    f.sql("labels", "UPDATE alembic_version SET version_num = 'd4'");
    let (_, d) = f.doctor(&url, &[]);
    assert_eq!(states(&d, "diagnosis"), ["recorded_but_missing"], "{d}");
    let (code, d) = f.doctor(&url, &["--apply"]);
    assert_eq!(
        (code, states(&d, "after")),
        (0, vec!["healthy".to_owned()]),
        "{d}"
    );
    assert_eq!(order("labels"), "owner,gold,silver,it's\n");
    f.heals(&url);

    // The same labels in another order: reported, with the way out, and not healthy.
    let url = f.database("order", "b2");
    f.sql("order", "CREATE TYPE tier AS ENUM ('it''s', 'gold'); ALTER TABLE users ADD COLUMN tier tier; UPDATE alembic_version SET version_num = 'c3'");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(states(&d, "diagnosis"), ["label_order", "behind"], "{d}");
    assert_eq!(code, 1, "a wrong label order needs action: {d}");
    let text = d["diagnosis"].to_string();
    assert!(text.contains("it's") && text.contains("gold"), "{text}");
}

/// A fleet of tenant schemas repaired with `--jobs`: each apply locks its own tenant (and shares
/// the database's lock), so workers never refuse each other; a tenant whose lock another
/// session holds is refused alone.
#[test]
fn fleet_apply_locks_each_tenant_alone() {
    let f = Fixture::new();
    f.cluster
        .create_database("fleet")
        .unwrap_or_else(|e| panic!("{e}"));
    let url = f.cluster.url("fleet");
    // 200 tenants; every one has c3's objects but records b2: applied but not recorded.
    let tenants: Vec<String> = (0..200).map(|i| format!("tenant_{i:03}")).collect();
    let mut setup = String::new();
    for t in &tenants {
        setup.push_str(&format!(
            "CREATE SCHEMA {t}; SET search_path = {t}; CREATE TYPE status AS ENUM ('active', 'banned'); CREATE TYPE tier AS ENUM ('gold', 'it''s'); \
             CREATE TABLE users (id serial PRIMARY KEY, status status NOT NULL, email varchar(200), tier tier); \
             CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); INSERT INTO alembic_version VALUES ('b2');\n"
        ));
    }
    f.sql("fleet", &setup);
    // Another session is repairing tenant_005: it holds that tenant's lock.
    let lock = format!(
        "SELECT pg_advisory_lock_shared({}), pg_advisory_lock({}, hashtext('tenant_005'))",
        migdoc_doctor_lock_key(),
        0x6d69_6764
    );
    let mut holder = Command::new(f.cluster.binaries().bindir.join("psql"))
        .args(["-X", "-q", "-c", &format!("{lock}; SELECT pg_sleep(60)")])
        .env("PGHOST", f.cluster.socket_dir())
        .env("PGPORT", f.cluster.port().to_string())
        .env("PGUSER", "postgres")
        .env("PGDATABASE", "fleet")
        .env("PGAPPNAME", "tenant_005_holder")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    f.wait_until(
        "fleet",
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
        |r| r == "2",
        "the holder never took its locks",
    );
    let apply_all = || {
        run_migdoc(&[
            "doctor".into(),
            f.dir.display().to_string(),
            "--database-url".into(),
            url.clone(),
            "--schemas".into(),
            "tenant_%".into(),
            "--apply".into(),
            "--jobs".into(),
            "8".into(),
            "--format".into(),
            "json".into(),
        ])
    };
    let out = apply_all();
    let _ = holder.kill();
    let _ = holder.wait();
    let v: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let refused: Vec<&str> = v["databases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["error"].is_string())
        .filter_map(|d| d["schema"].as_str())
        .collect();
    assert_eq!(refused, ["tenant_005"], "{v}");
    let repaired = v["databases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["applied"] == true && states(d, "after") == ["healthy"])
        .count();
    assert_eq!(repaired, 199, "{v}");
    let recorded: Vec<String> = tenants
        .iter()
        .map(|t| format!("SELECT '{t}' || ':' || version_num FROM {t}.alembic_version"))
        .collect();
    let recorded = f.sql(
        "fleet",
        &format!(
            "SELECT * FROM ({}) AS v ORDER BY 1",
            recorded.join(" UNION ALL ")
        ),
    );
    for (t, line) in tenants.iter().zip(recorded.lines()) {
        assert_eq!(
            line,
            format!("{t}:{}", if t == "tenant_005" { "b2" } else { "c3" })
        );
    }
    assert_eq!(recorded.lines().count(), 200);
    assert_eq!(out.code, 1);
    // Once the other session is gone (its backend too: a killed psql's `pg_sleep` would hold
    // the lock on), the same command repairs the last tenant: all 200 are healthy, and the 199
    // already repaired are left alone.
    f.sql(
        "fleet",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tenant_005_holder'",
    );
    f.wait_until(
        "fleet",
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'",
        |r| r == "0",
        "the holder's locks stayed",
    );
    let again = apply_all();
    let v: Value =
        serde_json::from_str(&again.stdout).unwrap_or_else(|e| panic!("{e}: {}", again.stderr));
    let dbs = v["databases"].as_array().cloned().unwrap_or_default();
    assert_eq!(dbs.len(), 200, "{v}");
    let applied: Vec<&str> = dbs
        .iter()
        .filter(|d| d["applied"] == true)
        .filter_map(|d| d["schema"].as_str())
        .collect();
    assert_eq!(applied, ["tenant_005"], "{v}");
    assert!(
        dbs.iter().all(|d| d["error"].is_null()
            && (states(d, "after") == ["healthy"] || states(d, "diagnosis") == ["healthy"])),
        "{v}"
    );
    let still_b2 = f.sql(
        "fleet",
        &format!(
            "SELECT count(*) FROM ({}) AS v WHERE v.r NOT LIKE '%:c3'",
            tenants
                .iter()
                .map(|t| format!(
                    "SELECT '{t}' || ':' || version_num AS r FROM {t}.alembic_version"
                ))
                .collect::<Vec<_>>()
                .join(" UNION ALL ")
        ),
    );
    assert_eq!(still_b2.trim(), "0");
    assert_eq!(again.code, 0, "{}", again.stderr);
}

/// `--lock-wait`: a doctor that finds migdoc's lock held (a deploy running) waits for it instead
/// of refusing, then applies; without the flag it refuses at once.
#[test]
fn lock_wait_waits_for_a_running_deploy() {
    let f = Fixture::new();
    let url = f.database("waits", "head");
    f.sql("waits", "UPDATE alembic_version SET version_num = 'b2'");
    let hold = |seconds: u32| {
        let child = Command::new(f.cluster.binaries().bindir.join("psql"))
            .args([
                "-X",
                "-q",
                "-c",
                &format!(
                    "SELECT pg_advisory_lock({}), pg_sleep({seconds})",
                    migdoc_doctor_lock_key()
                ),
            ])
            .env("PGHOST", f.cluster.socket_dir())
            .env("PGPORT", f.cluster.port().to_string())
            .env("PGUSER", "postgres")
            .env("PGDATABASE", "waits")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        f.wait_until(
            "waits",
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
            |r| r != "0",
            "the holder never took the lock",
        );
        child
    };
    let mut holder = hold(3);
    let (code, d) = f.doctor(&url, &["--apply"]);
    assert_eq!(code, 1, "{d}");
    assert!(
        d["error"]
            .as_str()
            .is_some_and(|e| e.contains("holds the lock")),
        "{d}"
    );
    let _ = holder.wait();

    let mut holder = hold(3);
    let (code, d) = f.doctor(&url, &["--apply", "--lock-wait", "60"]);
    assert_eq!(
        (code, states(&d, "after")),
        (0, vec!["healthy".to_owned()]),
        "{d}"
    );
    assert_eq!(
        f.sql("waits", "SELECT version_num FROM alembic_version"),
        "c3\n"
    );
    let _ = holder.wait();

    // What the lock holder did meanwhile changed the catalog (not the version table): the plan
    // was made for another database, and nothing is changed.
    let url = f.database("moved", "head");
    f.sql("moved", "UPDATE alembic_version SET version_num = 'b2'");
    let child = Command::new(f.cluster.binaries().bindir.join("psql"))
        .args([
            "-X",
            "-q",
            "-c",
            &format!(
                "SELECT pg_advisory_lock({}), pg_sleep(3); CREATE TABLE audit (id int)",
                migdoc_doctor_lock_key()
            ),
        ])
        .env("PGHOST", f.cluster.socket_dir())
        .env("PGPORT", f.cluster.port().to_string())
        .env("PGUSER", "postgres")
        .env("PGDATABASE", "moved")
        .stdout(std::process::Stdio::null())
        .spawn();
    let mut holder = child.unwrap_or_else(|e| panic!("{e}"));
    f.wait_until(
        "moved",
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted",
        |r| r != "0",
        "the holder never took the lock",
    );
    let (code, d) = f.doctor(&url, &["--apply", "--lock-wait", "60"]);
    let _ = holder.wait();
    assert_eq!(code, 1, "{d}");
    assert!(
        d["error"]
            .as_str()
            .is_some_and(|e| e.contains("database changed") && e.contains("nothing was changed")),
        "{d}"
    );
    assert_eq!(
        f.sql("moved", "SELECT version_num FROM alembic_version"),
        "b2\n",
        "a stale plan was applied"
    );
}

/// A real `alembic upgrade head` (env.py without migdoc's lock, as Alembic's template) runs
/// while `doctor --apply` repairs the same database: doctor waits for the migration's
/// transaction, sees that the database moved, and changes nothing; the version table keeps one
/// row, and doctor run again repairs what is still to repair.
#[test]
fn a_real_alembic_upgrade_during_apply_leaves_one_row() {
    let f = Fixture::new();
    write_files(
        &f.dir,
        &[(
            "migrations/versions/d4_audit.py",
            "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'd4'\ndown_revision = 'c3'\n\n\ndef upgrade():\n    op.execute('SELECT pg_sleep(4)')\n    op.create_table('audit', sa.Column('id', sa.Integer, primary_key=True))\n\n\ndef downgrade():\n    op.drop_table('audit')\n",
        )],
    );
    let url = f.database("race", "c3");
    // Label "it's" of tier is missing: recreate the type with 'gold' alone.
    f.sql("race", "ALTER TABLE users DROP COLUMN tier; DROP TYPE tier; CREATE TYPE tier AS ENUM ('gold'); ALTER TABLE users ADD COLUMN tier tier");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(
        (code, states(&d, "diagnosis")),
        (
            1,
            vec!["recorded_but_missing".to_owned(), "behind".to_owned()]
        ),
        "{d}"
    );
    let mut alembic = Command::new(oracle_python())
        .args(["-m", "alembic", "upgrade", "head"])
        .current_dir(&f.dir)
        .env("DATABASE_URL", &url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    f.wait_until("race", "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(4)%' AND state = 'active'", |r| r != "0", "the migration never started");
    let (code, d) = f.doctor(&url, &["--apply"]);
    let status = alembic.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "the migration failed");
    assert_eq!(code, 1, "{d}");
    assert!(
        d["error"]
            .as_str()
            .is_some_and(|e| e.contains("nothing was changed")),
        "{d}"
    );
    assert_eq!(
        f.sql("race", "SELECT version_num FROM alembic_version"),
        "d4\n"
    );
    assert_eq!(
        f.sql("race", "SELECT enum_range(NULL::tier)::text"),
        "{gold}\n",
        "doctor wrote after the migration moved the database"
    );
    let (code, d) = f.doctor(&url, &["--apply"]);
    assert_eq!(
        (code, states(&d, "after")),
        (0, vec!["healthy".to_owned()]),
        "{d}"
    );
    assert_eq!(
        f.sql("race", "SELECT version_num FROM alembic_version"),
        "d4\n"
    );
}

/// doctor is its own PostgreSQL client: with no `psql` anywhere on `PATH`, against a server
/// that demands a password (SCRAM), every way of giving it works and none shows it: in the URL
/// (percent-encoded, or raw with `/` and `?`), as `?password=`, in a key=value string (quoted,
/// with a space), through `PGPASSWORD`, and through a password file. No password, or a wrong
/// one, is a clear error (exit 2) that names where a password can go, and shows none.
#[test]
fn doctor_needs_no_psql_and_takes_a_password_every_way() {
    use std::os::unix::fs::PermissionsExt as _;
    let f = Fixture::new();
    f.database("auth", "head");
    let password = "hun/ter?2 x'y";
    f.sql("auth", &format!("CREATE ROLE app LOGIN PASSWORD '{}'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO app", password.replace('\'', "''")));
    f.cluster
        .set_hba("local all postgres trust\nlocal all all scram-sha-256\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let socket = f.cluster.socket_dir().display().to_string();
    let port = f.cluster.port();
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let empty_path = f._tmp.path().join("no-binaries");
    std::fs::create_dir_all(&empty_path).unwrap_or_else(|e| panic!("{e}"));
    let pgpass = f._tmp.path().join("pgpass");
    std::fs::write(
        &pgpass,
        format!(
            "localhost:{port}:auth:app:{}\n",
            password.replace('\\', "\\\\").replace(':', "\\:")
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600))
        .unwrap_or_else(|e| panic!("{e}"));
    let doctor = |url: &str, env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_migdoc"));
        cmd.args([
            "doctor",
            &f.dir.display().to_string(),
            "--format",
            "json",
            "--database-url",
            url,
        ])
        .env("PATH", &empty_path)
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        for secret in ["hun/ter", "ter?2", "hun%2F", "x'y", "x\\'y"] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{url} showed the password: {stdout}{stderr}"
            );
        }
        (out.status.code().unwrap_or(-1), stdout, stderr)
    };
    let sock = enc(&socket);
    let pgpass_s = pgpass.display().to_string();
    let quoted = password.replace('\\', "\\\\").replace('\'', "\\'");
    for (url, env) in [
        (
            format!(
                "postgresql+psycopg2://app:{}@/auth?host={sock}&port={port}",
                enc(password)
            ),
            vec![],
        ),
        (
            format!("postgresql://app:{password}@/auth?host={sock}&port={port}")
                .replace(' ', "%20"),
            vec![],
        ),
        (
            format!(
                "postgres://app@/auth?host={sock}&port={port}&password={}",
                enc(password)
            ),
            vec![],
        ),
        (
            format!("host={socket} port={port} user=app dbname=auth password = '{quoted}'"),
            vec![],
        ),
        (
            format!("postgresql://app@/auth?host={sock}&port={port}"),
            vec![("PGPASSWORD", password)],
        ),
        (
            format!("host={socket} port={port} user=app dbname=auth"),
            vec![("PGPASSFILE", pgpass_s.as_str())],
        ),
    ] {
        let (code, stdout, stderr) = doctor(&url, &env);
        assert_eq!(code, 0, "{url} {env:?}: {stdout}{stderr}");
        let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        assert_eq!(
            states(&v["databases"][0], "diagnosis"),
            ["healthy"],
            "{url}: {v}"
        );
    }
    let (code, stdout, _) = doctor(
        &format!("postgresql://app@/auth?host={sock}&port={port}"),
        &[],
    );
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.contains("PGPASSWORD") && stdout.contains(".pgpass"),
        "a missing password names where it can go: {stdout}"
    );
    let (code, stdout, _) = doctor(
        &format!("postgresql://app:hun%2Fter%3F3@/auth?host={sock}&port={port}"),
        &[],
    );
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.contains("password authentication failed"),
        "{stdout}"
    );
}
