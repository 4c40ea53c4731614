//! Differential tests against Alembic itself: for every fixture and for the real histories of
//! several open-source projects, Alembic's heads, revisions and walk order (from
//! `tests/oracle/alembic_oracle.py`, which feeds Alembic's own `RevisionMap`) equal migdoc's.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{alembic_oracle, fixtures_dir, repo_root, run_migdoc};

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The version directories Alembic reads for a fixture.
fn fixture_version_dirs(dir: &Path) -> Vec<PathBuf> {
    match dir.file_name().and_then(|n| n.to_str()) {
        Some("several_locations") => vec![dir.join("db/versions"), dir.join("plugins/billing")],
        Some("pyproject_config") => vec![dir.join("src/app/migrations/versions")],
        Some("include_object_filter") => vec![dir.join("migrations/versions")],
        _ => vec![dir.join("versions")],
    }
}

fn migdoc_json(command: &str, dirs: &[PathBuf]) -> Value {
    let mut args = vec![command.to_owned(), dirs[0].display().to_string()];
    for dir in dirs {
        args.push("--versions".into());
        args.push(dir.display().to_string());
    }
    args.push(
        if command == "graph" {
            "--format"
        } else {
            "--output-format"
        }
        .into(),
    );
    args.push("json".into());
    let out = run_migdoc(&args);
    assert!(
        out.code == 0 || out.code == 1,
        "migdoc {command} failed: {}",
        out.stderr
    );
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// The migdoc rule that must fire when Alembic fails with this error.
fn expected_code(error: &str) -> &'static str {
    let table = [
        ("CycleDetected", "MD104"),
        ("LoopDetected", "MD104"),
        ("present more than once", "MD102"),
        ("Branch name", "MD105"),
        ("Could not determine revision id", "MD106"),
        ("not allowed in revision identifier", "MD108"),
        ("SyntaxError", "MD001"),
        ("UnicodeDecodeError", "MD003"),
        ("NonLiteralValue", "MD109"),
        ("is not present", "MD103"),
        ("KeyError", "MD10"),
    ];
    table
        .iter()
        .find(|(needle, _)| error.contains(needle))
        .map_or("?", |(_, code)| code)
}

/// What migdoc gets wrong about one history, judged by Alembic's verdict on it (`oracle`):
/// the rule Alembic's failure calls for, or the same heads, walk order and revision count, no
/// graph error, and MD101 exactly on the heads a deploy cannot take as one.
fn disagreement(name: &str, oracle: &Value, dirs: &[PathBuf]) -> Option<String> {
    let check = migdoc_json("check", dirs);
    let diagnostics = || check["diagnostics"].as_array().into_iter().flatten();
    let all_codes: Vec<String> = diagnostics()
        .filter_map(|d| d["code"].as_str().map(str::to_owned))
        .collect();
    let codes: Vec<String> = diagnostics()
        .filter(|d| d["severity"] == "error")
        .filter_map(|d| d["code"].as_str().map(str::to_owned))
        .collect();
    if let Some(error) = oracle["error"].as_str() {
        let code = expected_code(error);
        // A value the oracle cannot evaluate is a warning for migdoc (Alembic itself would
        // import the file); every other Alembic failure is an error.
        let reported = if code == "MD109" { &all_codes } else { &codes };
        return (!reported.iter().any(|c| c.starts_with(code))).then(|| {
            format!(
                "{name}: Alembic fails with `{error}`; migdoc reported {codes:?}, expected {code}"
            )
        });
    }
    let graph = migdoc_json("graph", dirs);
    if sorted(strings(&graph["heads"])) != strings(&oracle["heads"]) {
        return Some(format!(
            "{name}: heads {:?}, Alembic's {:?}",
            sorted(strings(&graph["heads"])),
            strings(&oracle["heads"])
        ));
    }
    if strings(&graph["order"]) != strings(&oracle["order"]) {
        return Some(format!(
            "{name}: walk order {:?}, Alembic's {:?}",
            strings(&graph["order"]),
            strings(&oracle["order"])
        ));
    }
    if check["summary"]["revisions"].as_u64() != Some(strings(&oracle["revisions"]).len() as u64) {
        return Some(format!("{name}: revision count"));
    }
    let graph_errors: Vec<&String> = codes
        .iter()
        .filter(|c| c.starts_with("MD1") && *c != "MD101")
        .collect();
    if !graph_errors.is_empty() {
        return Some(format!(
            "{name}: Alembic accepts the graph, migdoc reported {graph_errors:?}"
        ));
    }
    // Several heads are one head too many only where a deploy takes them as one: under the
    // same branch label, or under none (`oracle["unmerged_heads"]`, judged by Alembic's own
    // `<label>@head`).
    (codes.contains(&"MD101".to_owned()) == strings(&oracle["unmerged_heads"]).is_empty())
        .then(|| format!("{name}: MD101 (multiple heads) said wrongly: {codes:?}"))
}

#[test]
fn fixtures_agree_with_alembic() {
    let mut compared = 0;
    let mut wrong = Vec::new();
    for dir in crate::fixture_names() {
        let dirs = fixture_version_dirs(&dir);
        let oracle = alembic_oracle(&dirs);
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        wrong.extend(disagreement(&name, &oracle, &dirs));
        compared += 1;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(compared >= 20, "only {compared} fixtures compared");
}

/// Revision maps migdoc does not read as Alembic does yet, with the reason. The test fails when
/// one of them starts to agree, so that the list only shrinks.
const MAP_GAPS: &[(&str, &str)] = &[];

/// The revision maps of Alembic's own test suite (`tests/revision_maps/alembic_test_suite.json`:
/// each revision's parents, dependencies and branch labels, in load order), written as version
/// directories and judged by Alembic itself: the same verdict as for the fixtures.
#[test]
fn alembic_test_suite_revision_maps_agree_with_alembic() {
    let text =
        std::fs::read_to_string(repo_root().join("tests/revision_maps/alembic_test_suite.json"))
            .unwrap_or_else(|e| panic!("{e}"));
    let maps: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut dirs = Vec::new();
    for map in &maps {
        let name = map["name"]
            .as_str()
            .unwrap_or_else(|| panic!("a map without a name"));
        let dir = tmp.path().join(name);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        for (i, rev) in map["revisions"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            // Python literals written from JSON: strings, lists of strings, None.
            let literal = |v: &Value| match v {
                Value::Null => "None".to_owned(),
                other => other.to_string(),
            };
            let text = format!(
                "revision = {}\ndown_revision = {}\nbranch_labels = {}\ndepends_on = {}\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
                literal(&rev["revision"]),
                literal(&rev["down_revision"]),
                literal(&rev["branch_labels"]),
                literal(&rev["depends_on"]),
            );
            std::fs::write(dir.join(format!("r{i:03}.py")), text).unwrap_or_else(|e| panic!("{e}"));
        }
        dirs.push((name.to_owned(), dir));
    }
    let out = Command::new(crate::support::oracle_python())
        .arg(repo_root().join("tests/oracle/alembic_oracle.py"))
        .arg("--each")
        .args(dirs.iter().map(|(_, d)| d))
        .output()
        .unwrap_or_else(|e| panic!("cannot run the oracle: {e}"));
    let verdicts: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(
        verdicts.len(),
        dirs.len(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut wrong = Vec::new();
    let mut gaps_now_right = Vec::new();
    for ((name, dir), oracle) in dirs.iter().zip(&verdicts) {
        let verdict = disagreement(name, oracle, std::slice::from_ref(dir));
        let gap = MAP_GAPS.iter().any(|(n, _)| n == name);
        match (verdict, gap) {
            (Some(w), false) => wrong.push(w),
            (None, true) => gaps_now_right.push(name.clone()),
            _ => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} maps:\n{}",
        wrong.len(),
        dirs.len(),
        wrong.join("\n")
    );
    assert!(
        gaps_now_right.is_empty(),
        "now right, take them out of MAP_GAPS: {gaps_now_right:?}"
    );
    assert!(dirs.len() >= 80, "only {} maps", dirs.len());
    // Both kinds are there: graphs Alembic refuses, and graphs with several heads.
    let refused = verdicts.iter().filter(|v| v["error"].is_string()).count();
    let several_heads = verdicts
        .iter()
        .filter(|v| v["heads"].as_array().is_some_and(|h| h.len() > 1))
        .count();
    assert!(
        refused >= 15 && several_heads >= 10,
        "{refused} refused, {several_heads} with several heads"
    );
}

/// Real histories of open-source projects (downloaded once by `scripts/real-histories`, cached under
/// target/): every file is read, and revision counts, heads and order equal Alembic's.
#[test]
fn real_histories_agree_with_alembic() {
    let root = repo_root();
    let status = Command::new("bash")
        .arg(root.join("scripts/real-histories"))
        .status()
        .unwrap_or_else(|e| panic!("cannot run scripts/real-histories: {e}"));
    assert!(status.success(), "scripts/real-histories failed");
    let manifest = std::fs::read_to_string(root.join("target/real-histories/manifest.tsv"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut seen = 0;
    for line in manifest
        .lines()
        .filter(|l| !l.starts_with("name\t") && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, _version, dir] = cols[..] else {
            panic!("bad manifest line {line}");
        };
        let dirs = vec![PathBuf::from(dir)];
        let oracle = alembic_oracle(&dirs);
        let check = migdoc_json("check", &dirs);
        // A header the oracle cannot read without importing the file (glance's
        // `branch_labels = migration.EXPAND_BRANCH`): migdoc says it cannot read it either.
        if oracle["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("NonLiteralValue"))
        {
            let codes: Vec<&str> = check["diagnostics"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d["code"].as_str())
                .collect();
            assert!(codes.contains(&"MD109"), "{name}: {}", oracle["error"]);
            continue;
        }
        assert!(
            oracle["error"].is_null(),
            "{name}: the oracle failed: {}",
            oracle["error"]
        );
        let graph = migdoc_json("graph", &dirs);
        assert_eq!(
            check["summary"]["files"].as_u64(),
            oracle["files"].as_u64(),
            "{name}: files read"
        );
        assert_eq!(
            check["summary"]["revisions"].as_u64(),
            Some(strings(&oracle["revisions"]).len() as u64),
            "{name}: revisions"
        );
        assert_eq!(
            sorted(strings(&graph["heads"])),
            strings(&oracle["heads"]),
            "{name}: heads"
        );
        assert_eq!(
            strings(&graph["order"]),
            strings(&oracle["order"]),
            "{name}: walk order"
        );
        let unreadable: Vec<&Value> = check["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| {
                matches!(
                    d["code"].as_str(),
                    Some("MD001" | "MD003" | "MD102" | "MD103" | "MD104" | "MD106")
                )
            })
            .collect();
        assert!(unreadable.is_empty(), "{name}: {unreadable:?}");
        seen += 1;
    }
    assert!(seen >= 7, "only {seen} real histories in the manifest");
}

#[test]
fn fixtures_dir_exists() {
    assert!(fixtures_dir().is_dir());
}

/// The models that ship with real projects are read without a model error that real SQLAlchemy
/// would not show: none is reported where the history is not fully understood, and on the tables
/// whose migrated definition is certain, only the drift that is really there.
#[test]
#[allow(clippy::print_stdout)] // how much of the models was compared is the test's report
fn real_projects_models_give_no_unproven_errors() {
    let root = repo_root();
    let status = Command::new("bash")
        .arg(root.join("scripts/real-histories"))
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "scripts/real-histories failed");
    let base = root.join("target/real-histories");
    // (tree, versions, model modules, the fewest model tables the rules must compare with the
    // replayed head: the rest rest on what migdoc could not evaluate).
    let projects: [(&str, &str, &[&str], u64); 4] = [
        (
            "apache-superset/tree",
            "superset/migrations/versions",
            &[
                "superset.models.core",
                "superset.models.dashboard",
                "superset.models.slice",
                "superset.connectors.sqla.models",
            ],
            19,
        ),
        // Revision 0074 builds the Flask app, which migdoc cannot follow to its end.
        (
            "apache-airflow/tree",
            "airflow/migrations/versions",
            &["airflow.models"],
            0,
        ),
        (
            "mlflow/tree",
            "mlflow/store/db_migrations/versions",
            &["mlflow.store.tracking.dbmodels.models"],
            54,
        ),
        // Checked from where ckan's alembic.ini is: its options decide the legacy-version
        // guard at the top of each revision.
        ("ckan/tree/ckan/migration", "versions", &["ckan.model"], 24),
    ];
    let mut compared_lines = Vec::new();
    for (tree, versions, models, floor) in projects {
        let tree = base.join(tree);
        let mut args = vec![
            "check".to_owned(),
            tree.display().to_string(),
            "--versions".into(),
            tree.join(versions).display().to_string(),
        ];
        for m in models {
            args.extend(["--models".to_owned(), (*m).to_owned()]);
        }
        args.extend([
            "--sqlalchemy-version".into(),
            "2.0".into(),
            "--output-format".into(),
            "json".into(),
        ]);
        let out = crate::support::run_migdoc(&args);
        let report: Value =
            serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
        let model_errors: Vec<String> = report["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| {
                d["code"].as_str().is_some_and(|c| c.starts_with("MD3")) && d["severity"] == "error"
            })
            .map(|d| {
                format!(
                    "{} {}",
                    d["code"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or("")
                )
            })
            .collect();
        // superset's `user_favorite_tag` is created by one revision (e0f6f91c2055) with
        // `nullable=False` columns that nothing later changes, while its model's
        // `Column("user_id", Integer, ForeignKey(...))` is nullable (SQLAlchemy 2.0.58:
        // `t.c.user_id.nullable` is True): a drift that is really there.
        let expected: &[&str] = if tree.ends_with("apache-superset/tree") {
            &[
                "MD304 column `user_favorite_tag.user_id` is nullable in the model but NOT NULL without a default in the migrated table: an object saved without it is rejected",
                "MD304 column `user_favorite_tag.tag_id` is nullable in the model but NOT NULL without a default in the migrated table: an object saved without it is rejected",
            ]
        } else {
            &[]
        };
        assert_eq!(model_errors, expected, "{}", tree.display());
        let summary = &report["summary"]["models"];
        let compared = summary["compared"].as_u64().unwrap_or(0);
        compared_lines.push(format!(
            "{}: {compared} of {} model tables compared",
            tree.display(),
            summary["tables"]
        ));
        assert!(
            compared >= floor,
            "{}: {compared} model tables compared, fewer than {floor}",
            tree.display()
        );
        // The models were found and read.
        let mut listed = vec![
            "models".to_owned(),
            tree.display().to_string(),
            "--versions".into(),
            tree.join(versions).display().to_string(),
        ];
        for m in models {
            listed.extend(["--models".to_owned(), (*m).to_owned()]);
        }
        listed.extend(["--format".into(), "json".into()]);
        let out = crate::support::run_migdoc(&listed);
        let schema: Value =
            serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
        let tables = schema["tables"].as_array().map_or(0, Vec::len);
        assert!(
            tables >= 5,
            "{}: only {tables} model tables read",
            tree.display()
        );
    }
    println!("{}", compared_lines.join("\n"));
}
