//! `check` on real histories against what real PostgreSQL did with them.
//!
//! `scripts/record-truth.py` ran each history through `migdoc verify --versions` (real Alembic,
//! a throwaway PostgreSQL) and kept, in `tests/real_truth/NAME.json`, how each deploy mode ended
//! and how each revision's own run ended (each independent history on a database of its own,
//! and `upgrade_heads`: all of them in one `alembic upgrade heads`). Here, without a database, every error `check` reports
//! on a revision must be a failure PostgreSQL (or Alembic) really gave there; an error on a
//! revision that ran cleanly in every mode is a false error and fails the test. Errors on
//! revisions the real runs never reached (they stopped at an earlier failure) cannot be
//! confirmed either way and are listed. Graph rules (MD1xx) are Alembic's, held against its
//! revision map by `differential.rs`.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;

#[test]
#[allow(clippy::print_stdout)] // the per-history numbers are the test's report
fn check_errors_on_real_histories_are_what_postgresql_did() {
    let root = crate::support::repo_root();
    let dirs = crate::support::real_history_dirs();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/real_truth"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "only {} recorded histories", files.len());
    let mut false_errors = Vec::new();
    let mut lines = Vec::new();
    for file in files {
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}"));
        let name = truth["name"].as_str().unwrap_or_default();
        let dir = dirs
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in the manifest"));
        let sqlalchemy: String = truth["sqlalchemy"]
            .as_str()
            .unwrap_or("2.0")
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        let mut args: Vec<String> = vec![
            "check".into(),
            crate::support::project_root_of(dir).display().to_string(),
            "--versions".into(),
            dir.display().to_string(),
            "--no-cache".into(),
            "--postgres-version".into(),
            truth["postgres"].as_u64().unwrap_or(15).to_string(),
            "--sqlalchemy-version".into(),
            sqlalchemy,
            "--output-format".into(),
            "json".into(),
        ];
        for module in crate::support::base_models(&truth) {
            args.extend(["--base-models".into(), module]);
        }
        let out = crate::support::run_migdoc(&args);
        let report: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", out.stderr));
        let steps: HashMap<&str, &Value> = truth["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| Some((s["revision"].as_str()?, s)))
            .collect();
        let failed_at = |mode: &str| {
            truth[mode]["revision"]
                .as_str()
                .filter(|_| truth[mode]["ok"] == false)
        };
        let (mut confirmed, mut unreached) = (0, 0);
        for d in report["diagnostics"].as_array().into_iter().flatten() {
            let code = d["code"].as_str().unwrap_or_default();
            if d["severity"] != "error" || code.starts_with("MD1") {
                continue;
            }
            let revision = d["revision"].as_str().unwrap_or_default();
            let real_failure = steps.get(revision).is_some_and(|s| s["ok"] == false)
                || failed_at("upgrade_head") == Some(revision)
                || failed_at("upgrade_heads") == Some(revision)
                || failed_at("roundtrip") == Some(revision);
            if real_failure {
                confirmed += 1;
            } else if steps.get(revision).is_some_and(|s| s["ok"] == true) {
                false_errors.push(format!(
                    "{name}: {}:{}: {code} {}",
                    d["path"].as_str().unwrap_or(""),
                    d["line"],
                    d["message"].as_str().unwrap_or("")
                ));
            } else {
                unreached += 1;
            }
        }
        let ran = steps.values().filter(|s| s["ok"] == true).count();
        lines.push(format!(
            "{name}: {ran} of {} revisions ran cleanly one at a time; check's errors: {confirmed} confirmed, {unreached} on revisions the real runs never reached",
            truth["revisions"].as_array().map_or(0, Vec::len)
        ));
    }
    println!("{}", lines.join("\n"));
    assert!(
        false_errors.is_empty(),
        "errors real PostgreSQL did not give:\n{}",
        false_errors.join("\n")
    );
}

/// A sample of the recording, live: the histories that import nothing but Alembic and
/// SQLAlchemy run again through `migdoc verify --versions` (the pinned sa20 environment, a
/// throwaway PostgreSQL), and each revision's outcome is still the recorded one.
#[test]
fn recorded_truth_holds_live_for_a_sample() {
    let root = crate::support::repo_root();
    let manifest = std::fs::read_to_string(root.join("target/real-histories/manifest.tsv"))
        .unwrap_or_else(|e| panic!("{e}"));
    let python = crate::support::pyenv_python("sa20").display().to_string();
    let mut compared = 0;
    for name in [
        "ckan-ckanext-activity",
        "ckan-ckanext-example_database_migrations",
        "ckan-ckanext-tracking",
    ] {
        let dir = manifest
            .lines()
            .find_map(|l| {
                l.strip_prefix(&format!("{name}\t"))
                    .and_then(|rest| rest.split('\t').nth(1))
            })
            .unwrap_or_else(|| panic!("{name} is not in the manifest"));
        let truth: Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(format!("tests/real_truth/{name}.json")))
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let out = crate::support::run_migdoc(&[
            "verify".into(),
            dir.into(),
            "--versions".into(),
            dir.into(),
            "--python".into(),
            python.clone(),
            "--output-format".into(),
            "json".into(),
        ]);
        let report: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", out.stderr));
        let shape = |steps: &Value| -> Vec<(String, bool, String)> {
            steps
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    (
                        s["revision"].as_str().unwrap_or("").to_owned(),
                        s["ok"] == true,
                        s["sqlstate"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        };
        assert_eq!(
            shape(&report["verify"]["steps"]),
            shape(&truth["steps"]),
            "{name}: the per-revision outcomes changed"
        );
        for mode in ["upgrade_head", "roundtrip"] {
            assert_eq!(
                report["verify"][mode]["ok"], truth[mode]["ok"],
                "{name}: {mode}"
            );
        }
        compared += 1;
    }
    assert_eq!(compared, 3);
}
