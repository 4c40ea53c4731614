//! `migdoc doctor` on real databases: a small history migrated by real Alembic on a throwaway
//! PostgreSQL, then put into each state the incident reports describe (applied but not
//! recorded, half applied, recorded but missing, unknown revision, drift, never stamped), and
//! the plan applied for real.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{oracle_python, run_migdoc, write_files, ENV_PY};

/// a1: type status + table users; b2: users.email; c3: type tier (created explicitly, a label
/// with a quote) + users.tier.
fn project(dir: &Path) {
    let header = |rev: &str, down: &str| format!("import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n\nrevision = '{rev}'\ndown_revision = {down}\n\n\n");
    let a1 = format!(
        "{}def upgrade():\n    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True), sa.Column('status', sa.Enum('active', 'banned', name='status'), nullable=False))\n\n\ndef downgrade():\n    op.drop_table('users')\n    op.execute('DROP TYPE status')\n",
        header("a1", "None")
    );
    let b2 = format!("{}def upgrade():\n    op.add_column('users', sa.Column('email', sa.String(200)))\n\n\ndef downgrade():\n    op.drop_column('users', 'email')\n", header("b2", "'a1'"));
    let c3 = format!(
        "{}def upgrade():\n    tier = postgresql.ENUM('gold', \"it's\", name='tier')\n    tier.create(op.get_bind())\n    op.add_column('users', sa.Column('tier', postgresql.ENUM(name='tier', create_type=False)))\n\n\ndef downgrade():\n    op.drop_column('users', 'tier')\n    op.execute('DROP TYPE tier')\n",
        header("c3", "'b2'")
    );
    write_files(
        dir,
        &[
            ("alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n"),
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
        Fixture { _tmp: tmp, dir, cluster }
    }

    /// A fresh database migrated to `target` by real Alembic.
    fn database(&self, name: &str, target: &str) -> String {
        self.cluster.create_database(name).unwrap_or_else(|e| panic!("{e}"));
        let url = self.cluster.url(name);
        let out = Command::new(oracle_python())
            .args(["-m", "alembic", "upgrade", target])
            .current_dir(&self.dir)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "alembic upgrade {target}: {}", String::from_utf8_lossy(&out.stderr));
        url
    }

    fn sql(&self, db: &str, sql: &str) -> String {
        self.cluster.psql(db, sql).unwrap_or_else(|e| panic!("{e}"))
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
        assert!(out.status.success(), "alembic upgrade head after the repair: {}", String::from_utf8_lossy(&out.stderr));
        let (code, d) = self.doctor(url, &[]);
        assert_eq!((code, states(&d, "diagnosis")), (0, vec!["healthy".to_owned()]), "{d}");
    }

    fn doctor(&self, url: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["doctor".to_owned(), self.dir.display().to_string(), "--database-url".into(), url.to_owned(), "--format".into(), "json".into()];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let out = run_migdoc(&args);
        let value: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
        (out.code, value["databases"][0].clone())
    }
}

fn states(d: &Value, key: &str) -> Vec<String> {
    d[key]["findings"].as_array().into_iter().flatten().map(|f| f["state"].as_str().unwrap_or("").to_owned()).collect()
}

#[test]
fn doctor_diagnoses_and_repairs_real_databases() {
    let f = Fixture::new();

    // Healthy, and behind.
    let url = f.database("healthy", "head");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!((code, states(&d, "diagnosis")), (0, vec!["healthy".to_owned()]), "{d}");
    let url = f.database("behind", "b2");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(code, 0);
    assert_eq!(states(&d, "diagnosis"), ["behind"]);
    assert_eq!(d["diagnosis"]["findings"][0]["pending"], serde_json::json!(["c3"]));

    // Applied but not recorded: the dry run changes nothing, --apply stamps and re-diagnoses.
    let url = f.database("unrecorded", "head");
    f.sql("unrecorded", "UPDATE alembic_version SET version_num = 'b2'");
    let (code, d) = f.doctor(&url, &[]);
    assert_eq!(code, 0, "{d}");
    assert_eq!(states(&d, "diagnosis"), ["applied_not_recorded"]);
    assert_eq!(f.sql("unrecorded", "SELECT version_num FROM alembic_version"), "b2\n", "a dry run wrote to the database");
    let (code, d) = f.doctor(&url, &["--apply"]);
    assert_eq!((code, states(&d, "after")), (0, vec!["healthy".to_owned()]), "{d}");
    assert_eq!(f.sql("unrecorded", "SELECT version_num FROM alembic_version"), "c3\n");
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
    assert!(d["error"].as_str().is_some_and(|e| e.contains("ambiguous")), "{d}");
    let (code, d) = f.doctor(&url, &["--apply", "--choose", "undo"]);
    assert_eq!((code, states(&d, "after")), (0, vec!["behind".to_owned()]), "{d}");
    // Now the deploy that kept failing with `type "tier" already exists` goes through.
    f.heals(&url);

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
    assert_eq!(f.sql("finish", "SELECT version_num FROM alembic_version"), "c3\n");

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
    let (_, d) = f.doctor(&url, &[]);
    assert_eq!(states(&d, "diagnosis"), ["drift"]);
    let extra = d["diagnosis"]["findings"][0]["extra"].to_string();
    assert!(extra.contains("vip") && extra.contains("scratch"), "{extra}");
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
        cmd.args(["doctor", &f.dir.display().to_string(), "--database-url", &url, "--apply", "--format", "json"]);
        cmd.output().unwrap_or_else(|e| panic!("{e}"))
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(run);
        let b = s.spawn(run);
        (a.join().unwrap_or_else(|_| panic!("a")), b.join().unwrap_or_else(|_| panic!("b")))
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
            assert!(healthy || e.contains("holds the lock") || e.contains("changed since the diagnosis"), "{d}");
        }
    }
    assert_eq!(f.sql("race", "SELECT string_agg(version_num, ',') FROM alembic_version"), "c3\n");
    f.heals(&url);
}

#[test]
fn doctor_apply_is_refused_while_another_holds_the_lock() {
    let f = Fixture::new();
    let url = f.database("locked", "head");
    f.sql("locked", "UPDATE alembic_version SET version_num = 'b2'");
    // A second writer (another doctor, or a migration whose env.py takes the same lock).
    let mut holder = Command::new(f.cluster.binaries().bindir.join("psql"))
        .args(["-X", "-q", "-c", &format!("SELECT pg_advisory_lock({}); SELECT pg_sleep(30)", migdoc_doctor_lock_key())])
        .env("PGHOST", f.cluster.socket_dir())
        .env("PGPORT", f.cluster.port().to_string())
        .env("PGUSER", "postgres")
        .env("PGDATABASE", "locked")
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while f.sql("locked", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").trim() == "0" {
        assert!(std::time::Instant::now() < deadline, "the lock holder never got the lock");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (code, d) = f.doctor(&url, &["--apply"]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(code, 1, "{d}");
    assert!(d["error"].as_str().is_some_and(|e| e.contains("holds the lock")), "{d}");
    assert_eq!(f.sql("locked", "SELECT version_num FROM alembic_version"), "b2\n");
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
    f.cluster.create_database("tenants").unwrap_or_else(|e| panic!("{e}"));
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
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = run_migdoc(&["doctor".into(), f.dir.display().to_string(), "--database-url".into(), healthy, "--database-url".into(), behind]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("database") && out.stdout.lines().filter(|l| l.contains("fleet_")).count() >= 4, "{}", out.stdout);

    let out = run_migdoc(&["doctor".into(), f.dir.display().to_string(), "--database-url".into(), tenants, "--schemas".into(), "tenant_%".into(), "--format".into(), "json".into()]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let found: Vec<(String, Vec<String>)> = v["databases"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| (d["schema"].as_str().unwrap_or("").to_owned(), states(d, "diagnosis")))
        .collect();
    assert_eq!(found, [("tenant_a".to_owned(), vec!["healthy".to_owned()]), ("tenant_b".to_owned(), vec!["behind".to_owned()])], "{v}");

    let out = run_migdoc(&["doctor".into(), f.dir.display().to_string(), "--database-url".into(), "postgresql+psycopg2://app:hunter2@127.0.0.1:1/prod".into()]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("app:***@127.0.0.1:1"), "{}", out.stdout);
    assert!(!out.stdout.contains("hunter2") && !out.stderr.contains("hunter2"), "the password leaked");
}

/// kill -9 in the middle of `--apply` (after the plan's first statement ran, while its stamp
/// waits for a lock) leaves the database as it was: the plan is one transaction.
#[test]
fn a_killed_apply_leaves_the_database_as_it_was() {
    use std::os::unix::process::CommandExt as _;
    let f = Fixture::new();
    let url = f.database("crash", "b2");
    f.sql("crash", "ALTER TABLE users ADD COLUMN tier text");
    // Reads of alembic_version pass this lock; the stamp's DELETE waits for it.
    let mut holder = Command::new(f.cluster.binaries().bindir.join("psql"))
        .args(["-X", "-q", "-c", "BEGIN; LOCK TABLE alembic_version IN EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;"])
        .env("PGHOST", f.cluster.socket_dir())
        .env("PGPORT", f.cluster.port().to_string())
        .env("PGUSER", "postgres")
        .env("PGDATABASE", "crash")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let waiting_for_lock = || f.sql("crash", "SELECT count(*) FROM pg_locks WHERE NOT granted").trim() != "0";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while f.sql("crash", "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'alembic_version' AND l.mode = 'ExclusiveLock'").trim() == "0" {
        assert!(std::time::Instant::now() < deadline, "the holder never locked the table");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut doctor = crate::support::migdoc()
        .args(["doctor", &f.dir.display().to_string(), "--database-url", &url, "--apply", "--choose", "finish"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !waiting_for_lock() {
        assert!(std::time::Instant::now() < deadline, "doctor never reached the stamp");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The plan's CREATE TYPE has run inside the transaction; now kill doctor and its psql.
    let group = rustix::process::Pid::from_child(&doctor);
    rustix::process::kill_process_group(group, rustix::process::Signal::KILL).unwrap_or_else(|e| panic!("{e}"));
    let status = doctor.wait().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9), "doctor was not killed: {status}");
    let _ = holder.kill();
    let _ = holder.wait();
    // The server notices a vanished client only when it next talks to it: end those sessions
    // as a lost connection would.
    f.sql("crash", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'crash' AND pid <> pg_backend_pid()");
    assert_eq!(f.sql("crash", "SELECT count(*) FROM pg_type WHERE typname = 'tier'"), "0\n", "half a plan was committed");
    assert_eq!(f.sql("crash", "SELECT version_num FROM alembic_version"), "b2\n");
}
