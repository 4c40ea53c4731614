//! What users configure and how they narrow a report: `[tool.migdoc]` / `migdoc.toml`,
//! `# migdoc: ignore[...]`, baselines, `--changed-since`, the JUnit output, and the hygiene rules
//! (MD217 TODO, MD218 env.py without a lock).

use std::path::Path;
use std::process::Command;

use crate::support::{ENV_PY, run_migdoc, write_files};

const INI: &str = "[alembic]\nscript_location = migrations\n";

/// a1 creates `mood`; b2 (two heads with c3) adds a column of a type nobody created.
fn project(dir: &Path) {
    write_files(
        dir,
        &[
            ("alembic.ini", INI),
            ("migrations/env.py", ENV_PY),
            (
                "migrations/versions/a1_mood.py",
                "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'a1'\ndown_revision = None\n\n\
                 def upgrade():\n    op.create_table('people', sa.Column('id', sa.Integer, primary_key=True),\n\
                 \x20       sa.Column('mood', sa.Enum('happy', 'sad', name='mood')))\n\n\
                 def downgrade():\n    op.drop_table('people')\n    op.execute('DROP TYPE mood')\n",
            ),
            (
                "migrations/versions/b2_tier.py",
                "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'b2'\ndown_revision = 'a1'\n\n\
                 def upgrade():\n    op.add_column('people', sa.Column('tier', sa.Enum('gold', name='tier')))\n\n\
                 def downgrade():\n    op.drop_column('people', 'tier')\n",
            ),
            (
                "migrations/versions/c3_note.py",
                "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'c3'\ndown_revision = 'a1'\n\n\
                 def upgrade():\n    op.add_column('people', sa.Column('note', sa.Text()))\n\n\
                 def downgrade():\n    op.drop_column('people', 'note')\n",
            ),
        ],
    );
}

fn check(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "check".to_owned(),
        dir.display().to_string(),
        "--output-format".into(),
        "concise".into(),
        "--sqlalchemy-version".into(),
        "2.0".into(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let out = crate::support::run_migdoc_in(dir, &args);
    (out.code, out.stdout, out.stderr)
}

fn codes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|s| s.split(' ').next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn unknown_config_keys_name_the_closest() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path());
    write_files(
        tmp.path(),
        &[("pyproject.toml", "[tool.migdoc]\npostgres_version = 15\n")],
    );
    let (code, _, stderr) = check(tmp.path(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("pyproject.toml: unknown key `tool.migdoc.postgres_version`; did you mean `tool.migdoc.postgres-version`?"), "{stderr}");
    write_files(
        tmp.path(),
        &[(
            "pyproject.toml",
            "[tool.migdoc]\nselect = [\"type-does-not-exsit\"]\n",
        )],
    );
    let (code, _, stderr) = check(tmp.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown rule `type-does-not-exsit`; did you mean `type-does-not-exist`?"),
        "{stderr}"
    );
}

#[test]
fn config_selects_rules_sets_severities_and_is_found_from_a_subdirectory() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path());
    let (code, stdout, _) = check(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&stdout),
        ["MD218", "MD101", "MD202", "MD101"],
        "{stdout}"
    );
    // migdoc.toml beside alembic.ini; the project is checked from its versions directory.
    write_files(
        tmp.path(),
        &[(
            "migdoc.toml",
            "ignore = [\"MD2\"]\nseverity = { multiple-heads = \"warning\" }\n",
        )],
    );
    let (code, stdout, _) = check(tmp.path(), &[]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(codes(&stdout), ["MD101", "MD101"]);
    assert!(stdout.contains("[warning]"));
    let (code, _, _) = check(tmp.path(), &["--fail-on", "warning"]);
    assert_eq!(code, 1);
    // --select replaces the config's selection; --ignore adds to it.
    let (_, stdout, _) = check(
        tmp.path(),
        &["--select", "MD101,MD004", "--ignore", "MD101"],
    );
    assert_eq!(codes(&stdout), Vec::<String>::new());
    let (_, stdout, _) = check(tmp.path(), &["--select", "MD101,MD202"]);
    assert_eq!(
        codes(&stdout),
        ["MD101", "MD101"],
        "the config's `ignore` (MD2) still applies: {stdout}"
    );
    // From a subdirectory: alembic.ini and migdoc.toml are found walking up.
    let (code, stdout, _) = check(&tmp.path().join("migrations"), &[]);
    assert_eq!(
        (code, codes(&stdout)),
        (0, vec!["MD101".to_owned(), "MD101".to_owned()]),
        "{stdout}"
    );
    write_files(
        tmp.path(),
        &[(
            "migdoc.toml",
            "fail-on = \"warning\"\nselect = [\"MD218\"]\n",
        )],
    );
    let (code, stdout, _) = check(tmp.path(), &[]);
    assert_eq!((code, codes(&stdout)), (1, vec!["MD218".to_owned()]));
}

#[test]
fn extra_version_locations_join_the_history() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path());
    write_files(
        tmp.path(),
        &[
            (
                "migdoc.toml",
                "extra-version-locations = [\"plugins/versions\"]\n",
            ),
            (
                "plugins/versions/d4_merge.py",
                "revision = 'd4'\ndown_revision = ('b2', 'c3')\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
            ),
        ],
    );
    let (_, stdout, _) = check(tmp.path(), &[]);
    assert!(
        !stdout.contains("MD101"),
        "the merge in the extra location joins the heads: {stdout}"
    );
}

#[test]
fn suppressions_on_the_line_the_line_before_and_the_file() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path());
    let b2 = tmp.path().join("migrations/versions/b2_tier.py");
    let text = std::fs::read_to_string(&b2).unwrap_or_default();
    // The line before, by name; a second, useless suppression on the same call.
    let suppressed = text.replace(
        "    op.add_column('people', sa.Column('tier'",
        "    # migdoc: ignore[type-does-not-exist]\n    op.add_column('people', sa.Column('tier'",
    );
    std::fs::write(
        &b2,
        suppressed.replace(
            "def downgrade():",
            "def downgrade():  # migdoc: ignore[MD201, no-such-rule]",
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (_, stdout, _) = check(tmp.path(), &[]);
    assert_eq!(
        codes(&stdout),
        ["MD218", "MD101", "MD005", "MD005", "MD101"],
        "{stdout}"
    );
    assert!(stdout.contains("`MD201` suppresses nothing"), "{stdout}");
    assert!(
        stdout.contains("`no-such-rule` is not a migdoc rule"),
        "{stdout}"
    );
    // On the line itself, by code; the file-wide form for MD101.
    let same_line = text.replace("name='tier')))", "name='tier')))  # migdoc: ignore[MD202]");
    std::fs::write(
        &b2,
        format!("# migdoc: ignore-file[multiple-heads]\n{same_line}"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (_, stdout, _) = check(tmp.path(), &[]);
    assert_eq!(codes(&stdout), ["MD218", "MD101"], "{stdout}");
    assert!(
        stdout.contains("c3_note.py"),
        "only c3's MD101 is left: {stdout}"
    );
    // MD005 can itself be ignored in the config.
    std::fs::write(
        &b2,
        text.replace("def upgrade():", "def upgrade():  # migdoc: ignore[MD301]"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    write_files(
        tmp.path(),
        &[("migdoc.toml", "ignore = [\"unused-suppression\"]\n")],
    );
    let (_, stdout, _) = check(tmp.path(), &[]);
    assert!(!stdout.contains("MD005"), "{stdout}");
}

#[test]
fn a_baseline_reports_only_new_problems() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path());
    let baseline = tmp.path().join("migdoc-baseline.json");
    let out = run_migdoc(&[
        "check".into(),
        tmp.path().display().to_string(),
        "--write-baseline".into(),
        baseline.display().to_string(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("wrote 4 diagnostics"), "{}", out.stderr);
    let (code, stdout, _) = check(tmp.path(), &["--baseline", &baseline.display().to_string()]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    // Lines move (an edit above the problem) and the baseline still matches.
    let b2 = tmp.path().join("migrations/versions/b2_tier.py");
    let text = std::fs::read_to_string(&b2).unwrap_or_default();
    std::fs::write(&b2, format!("\"\"\"tier\"\"\"\n\n{text}")).unwrap_or_else(|e| panic!("{e}"));
    let (code, stdout, _) = check(tmp.path(), &["--baseline", &baseline.display().to_string()]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    // A new problem is reported; the summary says how many were left out.
    write_files(
        tmp.path(),
        &[(
            "migrations/versions/d4_again.py",
            "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'd4'\ndown_revision = ('b2', 'c3')\n\n\
             def upgrade():\n    op.execute(\"CREATE TYPE IF NOT EXISTS mood AS ENUM ('x')\")\n\ndef downgrade():\n    pass\n",
        )],
    );
    write_files(
        tmp.path(),
        &[("migdoc.toml", "baseline = \"migdoc-baseline.json\"\n")],
    );
    let (code, stdout, _) = check(tmp.path(), &[]);
    assert_eq!(
        (code, codes(&stdout)),
        (1, vec!["MD002".to_owned()]),
        "{stdout}"
    );
    let out = run_migdoc(&[
        "check".into(),
        tmp.path().display().to_string(),
        "--sqlalchemy-version".into(),
        "2.0".into(),
    ]);
    assert!(
        out.stdout.contains("known in the baseline, not shown."),
        "{}",
        out.stdout
    );
    let broken = tmp.path().join("broken.json");
    std::fs::write(&broken, "{\"diagnostics\": 3}").unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = check(tmp.path(), &["--baseline", &broken.display().to_string()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("is not a migdoc baseline"), "{stderr}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("git: {e}"));
    assert!(status.success(), "git {args:?}");
}

#[test]
fn changed_since_reports_only_the_files_a_branch_touched() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path());
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-qm", "history"]);
    git(tmp.path(), &["checkout", "-qb", "feature"]);
    // The branch merges the heads and adds a revision with a new problem.
    write_files(
        tmp.path(),
        &[(
            "migrations/versions/d4_merge.py",
            "from alembic import op\n\nrevision = 'd4'\ndown_revision = ('b2', 'c3')\n\n\
             def upgrade():\n    op.execute(\"ALTER TYPE mood ADD VALUE 'meh'\")  # TODO: backfill\n\ndef downgrade():\n    pass\n",
        )],
    );
    git(tmp.path(), &["add", "-A"]);
    git(tmp.path(), &["commit", "-qm", "merge"]);
    let (code, stdout, _) = check(tmp.path(), &["--changed-since", "main"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout
            .lines()
            .all(|l| l.starts_with("migrations/versions/d4_merge.py")),
        "{stdout}"
    );
    assert_eq!(codes(&stdout), ["MD217"], "{stdout}");
    // An uncommitted file counts as changed; the whole history is still replayed (b2's MD202 is
    // seen when b2 is named).
    let (_, stdout, _) = check(
        tmp.path(),
        &[
            "--changed-files",
            &tmp.path()
                .join("migrations/versions/b2_tier.py")
                .display()
                .to_string(),
        ],
    );
    assert_eq!(codes(&stdout), ["MD202"], "{stdout}");
    let (code, _, stderr) = check(tmp.path(), &["--changed-since", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-branch"), "{stderr}");
}

#[test]
fn junit_output_is_well_formed() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path());
    let out = crate::support::run_migdoc_in(
        tmp.path(),
        &[
            "check".into(),
            tmp.path().display().to_string(),
            "--output-format".into(),
            "junit".into(),
            "--sqlalchemy-version".into(),
            "2.0".into(),
        ],
    );
    assert_eq!(out.code, 1);
    let xml = &out.stdout;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"migdoc\" tests=\"4\" failures=\"4\""), "{xml}");
    assert!(
        xml.contains(
            "<testsuite name=\"migrations/versions/b2_tier.py\" tests=\"2\" failures=\"2\">"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<failure type=\"error\" message=\"op.add_column uses type `tier`"),
        "{xml}"
    );
    // Python's XML parser agrees that it is well formed.
    let parsed = Command::new("python3")
        .args(["-c", "import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read().encode()); print(len(r.findall('.//testcase')), len(r.findall('.//failure')))"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().map(|mut s| s.write_all(out.stdout.as_bytes()));
            child.wait_with_output()
        })
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert_eq!(String::from_utf8_lossy(&parsed.stdout).trim(), "4 4");
    // A clean project is one passing test case.
    let clean = run_migdoc(&[
        "check".into(),
        tmp.path().display().to_string(),
        "--output-format".into(),
        "junit".into(),
        "--select".into(),
        "MD104".into(),
    ]);
    assert_eq!(clean.code, 0);
    assert!(
        clean
            .stdout
            .contains("<testcase name=\"migdoc check\" classname=\"migdoc\"/>"),
        "{}",
        clean.stdout
    );
}

#[test]
fn env_py_with_migdocs_lock_is_quiet() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path());
    let (_, stdout, _) = check(tmp.path(), &["--select", "MD218"]);
    assert!(stdout.starts_with("migrations/env.py:"), "{stdout}");
    assert!(
        stdout.contains("without a PostgreSQL advisory lock"),
        "{stdout}"
    );
    let locked = ENV_PY.replace(
        "    context.configure(",
        "    connection.execute(sa.text('SELECT pg_advisory_lock(120299473629027)'))\n    connection.commit()\n    context.configure(",
    );
    write_files(tmp.path(), &[("migrations/env.py", &locked)]);
    let (code, stdout, _) = check(tmp.path(), &["--select", "MD218"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

/// A history that presupposes a schema `create_all` made before its first revision: told so
/// (`--base-models` or `[tool.migdoc] base-models`), every replay starts from it, and what
/// re-creates its objects is reported; not told, its tables predate the history unseen.
#[test]
fn base_models_are_the_schema_the_history_starts_from() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    write_files(
        dir,
        &[
            ("alembic.ini", INI),
            ("migrations/env.py", ENV_PY),
            ("app/__init__.py", ""),
            (
                "app/initial_models.py",
                "import sqlalchemy as sa\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\
                 class Account(Base):\n    __tablename__ = 'accounts'\n    id = sa.Column(sa.Integer, primary_key=True)\n\
                 \x20   owner = sa.Column(sa.Text, nullable=False)\n    plan = sa.Column(sa.Enum('free', 'paid', name='plan'))\n",
            ),
            (
                "migrations/versions/a1_owner.py",
                "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = 'a1'\ndown_revision = None\n\n\
                 def upgrade():\n    op.add_column('accounts', sa.Column('note', sa.Text()))\n\
                 \x20   op.add_column('accounts', sa.Column('owner', sa.Text()))\n\n\
                 def downgrade():\n    op.drop_column('accounts', 'owner')\n    op.drop_column('accounts', 'note')\n",
            ),
            (
                "migrations/versions/b2_plan.py",
                "from alembic import op\n\nrevision = 'b2'\ndown_revision = 'a1'\n\n\
                 def upgrade():\n    op.execute(\"CREATE TYPE plan AS ENUM ('free')\")\n\n\
                 def downgrade():\n    op.execute('DROP TYPE plan')\n",
            ),
        ],
    );
    let errors = |stdout: &str| -> Vec<String> {
        stdout
            .lines()
            .filter(|l| l.contains("[error]"))
            .map(str::to_owned)
            .collect()
    };
    let (code, stdout, stderr) = check(dir, &[]);
    assert_eq!((code, errors(&stdout)), (0, vec![]), "{stdout}{stderr}");

    let (code, stdout, stderr) = check(dir, &["--base-models", "app.initial_models"]);
    let found = errors(&stdout);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(found.len(), 2, "{stdout}");
    assert!(
        found[0].contains("a1_owner.py:9:5: MD216")
            && found[0].contains("column `accounts.owner` already exists"),
        "{stdout}"
    );
    assert!(
        found[1].contains("b2_plan.py:7:16: MD201")
            && found[1].contains("type \"plan\" already exists"),
        "{stdout}"
    );

    write_files(
        dir,
        &[(
            "pyproject.toml",
            "[tool.migdoc]\nbase-models = [\"app.initial_models\"]\n",
        )],
    );
    let (_, configured, _) = check(dir, &[]);
    assert_eq!(errors(&configured), found);

    let (code, _, stderr) = check(dir, &["--base-models", "app.nowhere"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("base models not found: `app.nowhere`"),
        "{stderr}"
    );
    // A module that declares no table is a configuration mistake, not an empty schema.
    let (code, _, stderr) = check(dir, &["--base-models", "app"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("the base models (app) declare no table migdoc can read"),
        "{stderr}"
    );
    // What the replay starts from is in the summary and in the JSON.
    let out = crate::support::run_migdoc_in(
        dir,
        &[
            "check".into(),
            ".".into(),
            "--sqlalchemy-version".into(),
            "2.0".into(),
        ],
    );
    assert!(
        out.stdout.contains(
            "Every replay starts from what `create_all` of app.initial_models makes: 1 table, 1 enum type."
        ),
        "{}",
        out.stdout
    );
    let out = crate::support::run_migdoc_in(
        dir,
        &[
            "check".into(),
            ".".into(),
            "--sqlalchemy-version".into(),
            "2.0".into(),
            "--output-format".into(),
            "json".into(),
        ],
    );
    let json: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    assert_eq!(
        json["summary"]["base"],
        serde_json::json!({"modules": ["app.initial_models"], "tables": 1, "types": 1})
    );
}

/// The summary says how many model tables the model rules compared with the replayed head: a
/// table an operation migdoc cannot evaluate may have changed is not compared, and the user is
/// told so, in the human summary and in JSON.
#[test]
fn the_summary_says_how_many_model_tables_were_compared() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    write_files(
        dir,
        &[
            ("alembic.ini", INI),
            ("migrations/env.py", ENV_PY),
            ("app/__init__.py", ""),
            (
                "app/models.py",
                "import sqlalchemy as sa\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\
                 class Account(Base):\n    __tablename__ = 'accounts'\n    id = sa.Column(sa.Integer, primary_key=True)\n\n\
                 class Event(Base):\n    __tablename__ = 'events'\n    id = sa.Column(sa.Integer, primary_key=True)\n",
            ),
            (
                "migrations/versions/a1_tables.py",
                "import sqlalchemy as sa\nfrom alembic import op\nimport vendor_tools\n\nrevision = 'a1'\ndown_revision = None\n\n\
                 def upgrade():\n    op.create_table('accounts', sa.Column('id', sa.Integer(), primary_key=True))\n\
                 \x20   vendor_tools.build_table('events')\n\n\
                 def downgrade():\n    op.drop_table('accounts')\n",
            ),
        ],
    );
    let args = |json: bool| -> Vec<String> {
        let mut args: Vec<String> = ["check", ".", "--models", "app.models", "--no-cache"]
            .map(String::from)
            .to_vec();
        if json {
            args.extend(["--output-format".into(), "json".into()]);
        }
        args
    };
    let out = crate::support::run_migdoc_in(dir, &args(false));
    assert!(
        out.stdout.contains(
            "Models (app.models): 1 of 2 tables compared with the replayed head; the others may have been changed by operations migdoc could not evaluate"
        ),
        "{}{}",
        out.stdout,
        out.stderr
    );
    let out = crate::support::run_migdoc_in(dir, &args(true));
    let json: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    assert_eq!(
        json["summary"]["models"],
        serde_json::json!({"modules": ["app.models"], "tables": 2, "compared": 1})
    );
}
