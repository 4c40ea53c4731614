//! All CLI tests in one integration binary. Fixture projects live in `tests/fixtures/<name>/` with
//! their expected concise output and exit code in `expect.txt` (regenerate with `UPDATE_EXPECT=1`,
//! then review the diff).

mod support;

use std::path::{Path, PathBuf};

use support::{fixtures_dir, migdoc, run_migdoc};

/// The fixture's arguments: a bare `versions/` directory needs `--versions`.
fn fixture_args(dir: &Path) -> Vec<String> {
    let mut args = vec![dir.display().to_string()];
    if !dir.join("alembic.ini").exists() && !dir.join("pyproject.toml").exists() {
        args.push("--versions".into());
        args.push(dir.join("versions").display().to_string());
    }
    args
}

fn check(name: &str) {
    let dir = fixtures_dir().join(name);
    let mut args = vec![
        "check".to_owned(),
        "--output-format".into(),
        "concise".into(),
    ];
    args.extend(fixture_args(&dir));
    let out = support::run_migdoc_in(&dir, &args);
    let actual = format!("{}exit: {}\n", out.stdout, out.code);
    let expect_path = dir.join("expect.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expect_path, &actual).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let expected = std::fs::read_to_string(&expect_path)
        .unwrap_or_else(|_| panic!("{} has no expect.txt", dir.display()));
    assert_eq!(
        actual, expected,
        "fixture {name}: stderr was {}",
        out.stderr
    );
}

macro_rules! fixture_tests {
    ($($name:ident),* $(,)?) => { $( #[test] fn $name() { check(stringify!($name)); } )* };
}

fixture_tests!(
    annotated,
    branch_merge,
    cycle,
    depends_on,
    duplicate_branch_label,
    duplicate_id,
    duplicate_label_two_heads,
    dynamic_header,
    empty_depends_on,
    include_object_filter,
    invalid_id,
    labelled_branches,
    legacy_file_name,
    linear,
    missing_dependency,
    missing_parent,
    missing_revision_id,
    not_python,
    not_utf8,
    presupposed_schema,
    pyproject_config,
    self_parent,
    several_locations,
    sql_syntax,
    two_heads,
    unread_helper,
);

#[test]
fn every_fixture_directory_has_a_test() {
    let source = include_str!("main.rs");
    for entry in std::fs::read_dir(fixtures_dir()).unwrap_or_else(|e| panic!("{e}")) {
        let name = entry
            .unwrap_or_else(|e| panic!("{e}"))
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            source.contains(&format!("    {name},\n")),
            "fixture {name} is not listed in fixture_tests!"
        );
    }
}

#[test]
fn json_output_is_the_documented_contract() {
    let dir = fixtures_dir().join("two_heads");
    let mut args = vec!["check".to_owned(), "--output-format".into(), "json".into()];
    args.extend(fixture_args(&dir));
    let out = support::run_migdoc_in(&dir, &args);
    assert_eq!(out.code, 1);
    let value: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    assert_eq!(value["version"], 1);
    let keys: Vec<&str> = value["diagnostics"][0]
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "code",
            "name",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "revision",
            "message",
            "help",
            "url",
            "fix"
        ]
    );
    let summary = &value["summary"];
    for key in [
        "files",
        "revisions",
        "heads",
        "errors",
        "warnings",
        "infos",
        "unknown_operations",
        "elapsed_ms",
    ] {
        assert!(summary.get(key).is_some(), "summary lacks {key}");
    }
    assert_eq!(summary["heads"], serde_json::json!(["b2", "c3"]));
    assert_eq!(summary["errors"], 2);
    assert_eq!(value["diagnostics"][0]["path"], "versions/b2.py");
}

#[test]
fn fail_on_warning_turns_warnings_into_exit_1() {
    let dir = fixtures_dir().join("dynamic_header");
    let mut args = vec!["check".to_owned()];
    args.extend(fixture_args(&dir));
    assert_eq!(run_migdoc(&args).code, 0);
    args.extend(["--fail-on".into(), "warning".into()]);
    assert_eq!(run_migdoc(&args).code, 1);
}

#[test]
fn github_and_sarif_formats() {
    let dir = fixtures_dir().join("two_heads");
    let mut args = vec![
        "check".to_owned(),
        "--output-format".into(),
        "github".into(),
    ];
    args.extend(fixture_args(&dir));
    let out = support::run_migdoc_in(&dir, &args);
    assert!(
        out.stdout.starts_with("::error title=MD101 multiple-heads,file=versions/b2.py,line=4,col=12,endLine=4,endColumn=16::"),
        "{}",
        out.stdout
    );
    args[2] = "sarif".into();
    let out = support::run_migdoc_in(&dir, &args);
    let sarif: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"],
        "MD101"
    );
}

#[test]
fn human_output_has_a_code_frame() {
    let dir = fixtures_dir().join("sql_syntax");
    let mut args = vec!["check".to_owned()];
    args.extend(fixture_args(&dir));
    let out = run_migdoc(&args);
    assert!(
        out.stdout
            .contains("14 |     op.execute(\"CREATE TYPE IF NOT EXISTS mood AS ENUM ('happy')\")"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("^^^^^"), "{}", out.stdout);
    assert!(
        !out.stdout.contains('\x1b'),
        "no colors when not a terminal"
    );
}

#[test]
fn usage_and_missing_paths_exit_2_with_a_message() {
    let out = run_migdoc(&["check".into(), "/definitely/not/here".into()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("/definitely/not/here does not exist"),
        "{}",
        out.stderr
    );
    let out = run_migdoc(&["check".into(), "--output-format".into(), "xml".into()]);
    assert_eq!(out.code, 2);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = migdoc()
        .arg("check")
        .current_dir(tmp.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--versions"));
}

#[test]
fn graph_formats() {
    let dir = fixtures_dir().join("branch_merge");
    let base = |format: &str| {
        let mut args = vec!["graph".to_owned(), "--format".into(), format.into()];
        args.extend(fixture_args(&dir));
        let out = run_migdoc(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let text = base("text");
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "d4 -> e5 (head), e5",
            "b2, c3 -> d4 (mergepoint), d4_merge",
            "a1 -> b2, b2",
            "a1 -> c3, c3",
            "<base> -> a1 (base) (branchpoint), a1",
        ]
    );
    assert!(base("mermaid").contains("n0 --> n1"));
    assert!(base("dot").contains("\"b2\" -> \"d4\";"));
    let json: serde_json::Value =
        serde_json::from_str(&base("json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        json["order"],
        serde_json::json!(["e5", "d4", "b2", "c3", "a1"])
    );
}

#[test]
fn rule_docs() {
    let out = run_migdoc(&["rule".into(), "multiple-heads".into()]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("# multiple-heads (MD101)"));
    assert!(out.stdout.contains("## Why is this bad?"));
    let out = run_migdoc(&["rule".into(), "no-such-rule".into()]);
    assert_eq!(out.code, 2);
}

/// The README's rule table is the registry's, so that it cannot drift.
#[test]
fn readme_lists_every_rule() {
    let out = run_migdoc(&["rule".into(), "--list".into()]);
    assert_eq!(out.code, 0);
    let readme = std::fs::read_to_string(support::repo_root().join("README.md"))
        .unwrap_or_else(|e| panic!("{e}"));
    let table: Vec<&str> = readme.lines().filter(|l| l.starts_with("| MD")).collect();
    assert_eq!(
        table,
        out.stdout.lines().collect::<Vec<_>>(),
        "update the README's rule table from `migdoc rule --list`"
    );
}

/// `docs/rules.md` is generated from the registry: it fails when a rule's docs changed and the page
/// was not regenerated (`migdoc rule --all --format markdown > docs/rules.md`).
#[test]
fn committed_rule_docs_are_generated() {
    let out = run_migdoc(&[
        "rule".into(),
        "--all".into(),
        "--format".into(),
        "markdown".into(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let committed =
        std::fs::read_to_string(support::repo_root().join("docs/rules.md")).unwrap_or_default();
    assert!(
        out.stdout
            .contains("## enum-created-twice\n\n`MD201` · default severity: error"),
        "{}",
        out.stdout
    );
    assert!(
        committed == out.stdout,
        "docs/rules.md is stale: run `cargo run -- rule --all --format markdown > docs/rules.md`"
    );
}

/// A `%` in SQL sent to the driver as it is: an error with psycopg2 (the driver of a plain
/// `postgresql://` URL), nothing with asyncpg, a warning when the driver is not known.
#[test]
fn a_percent_the_driver_reads_as_a_parameter() {
    let revision = "revision = 'a1'\ndown_revision = None\n\nfrom alembic import op\n\n\
                    def upgrade():\n    op.get_bind().exec_driver_sql(\"SELECT format('%I', 'x'), 5 %% 3\")\n\n\
                    def downgrade():\n    pass\n";
    let severity_with = |url: Option<&str>| -> Vec<String> {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let ini = match url {
            Some(url) => {
                format!("[alembic]\nscript_location = migrations\nsqlalchemy.url = {url}\n")
            }
            None => "[alembic]\nscript_location = migrations\n".to_owned(),
        };
        support::write_files(
            tmp.path(),
            &[
                ("alembic.ini", &ini),
                (
                    "migrations/env.py",
                    "from alembic import context\ncontext.configure(url=None)\n",
                ),
                ("migrations/versions/a1.py", revision),
            ],
        );
        let out = run_migdoc(&[
            "check".into(),
            tmp.path().display().to_string(),
            "--no-cache".into(),
            "--output-format".into(),
            "json".into(),
        ]);
        let value: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {} {}", out.stdout, out.stderr));
        value["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["code"] == "MD223")
            .map(|d| format!("{}@{}", d["severity"].as_str().unwrap_or("?"), d["column"]))
            .collect()
    };
    // One report, at the first `%` that is not `%%`.
    assert_eq!(
        severity_with(Some("postgresql://u@localhost/db")),
        ["error@51"]
    );
    assert_eq!(
        severity_with(Some("postgresql+psycopg://u@localhost/db")),
        ["error@51"]
    );
    assert!(severity_with(Some("postgresql+asyncpg://u@localhost/db")).is_empty());
    assert_eq!(severity_with(None), ["warning@51"]);
}

/// Large and hostile inputs get diagnostics, never a panic or a hang.
#[test]
fn big_and_broken_files() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let versions = tmp.path().join("versions");
    std::fs::create_dir(&versions).unwrap_or_else(|e| panic!("{e}"));
    // A 5 MB revision file.
    let mut big = String::from("revision = 'a1'\ndown_revision = None\n\ndef upgrade():\n");
    while big.len() < 5_000_000 {
        big.push_str("    op.execute(\"UPDATE t SET a = 'x' WHERE b = 1\")\n");
    }
    std::fs::write(versions.join("a1.py"), big).unwrap_or_else(|e| panic!("{e}"));
    // Binary garbage, deep nesting, and an unterminated string.
    std::fs::write(versions.join("b2.py"), [0xff, 0xfe, 0x00, 0x41, 0x0a])
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        versions.join("c3.py"),
        format!(
            "revision = 'c3'\ndown_revision = 'a1'\nx = {}1{}\n",
            "(".repeat(5000),
            ")".repeat(5000)
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        versions.join("d4.py"),
        "revision = 'd4'\ndown_revision = 'c3'\nop.execute(\"\"\"never closed\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = run_migdoc(&[
        "check".into(),
        tmp.path().display().to_string(),
        "--versions".into(),
        versions.display().to_string(),
        "--output-format".into(),
        "json".into(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let value: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let codes: Vec<&str> = value["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"MD003"), "{codes:?}");
    assert!(codes.contains(&"MD001"), "{codes:?}");
}

#[test]
fn ten_thousand_revisions() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new("python3")
        .arg(support::repo_root().join("scripts/gen_corpus.py"))
        .arg(tmp.path())
        .arg("10000")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The generator prints "N revisions" (merges add a few).
    let generated: u64 = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let out = run_migdoc(&[
        "check".into(),
        tmp.path().display().to_string(),
        "--output-format".into(),
        "json".into(),
    ]);
    assert_eq!(
        out.code,
        0,
        "{}",
        out.stdout.chars().take(2000).collect::<String>()
    );
    let value: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value["summary"]["revisions"].as_u64(), Some(generated));
    assert!(generated >= 10_000);
    assert_eq!(value["summary"]["heads"].as_array().map(Vec::len), Some(1));
    // Files are parsed and lowered in parallel; the output does not depend on it.
    let serial = migdoc()
        .args([
            "check",
            &tmp.path().display().to_string(),
            "--output-format",
            "json",
            "--no-cache",
        ])
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut serial: serde_json::Value =
        serde_json::from_slice(&serial.stdout).unwrap_or_else(|e| panic!("{e}"));
    let mut parallel = value;
    serial["summary"]["elapsed_ms"] = 0.into();
    parallel["summary"]["elapsed_ms"] = 0.into();
    assert!(
        serial == parallel,
        "one thread and several give different reports"
    );
}

pub(crate) fn fixture_names() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs
}

mod cache;
mod config;
mod differential;
mod doctor;
mod fixes;
mod formats;
mod habits;
mod helpers;
mod models;
mod packaging;
mod probe;
mod scenarios;
mod scenarios_live;
mod truth;
mod verify;

/// The README's first command: the bundled example shows each kind of problem it was made for.
#[test]
fn example_project_shows_its_problems() {
    let root = support::repo_root().join("examples/shop");
    let out = run_migdoc(&[
        "check".into(),
        root.display().to_string(),
        "--output-format".into(),
        "concise".into(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for code in ["MD002", "MD101", "MD202", "MD205", "MD214", "MD306"] {
        assert!(
            out.stdout.contains(code),
            "examples/shop lost its {code}:\n{}",
            out.stdout
        );
    }
    let models = run_migdoc(&["models".into(), root.display().to_string()]);
    assert!(
        models.stdout.contains("table customers"),
        "{}",
        models.stdout
    );
}
