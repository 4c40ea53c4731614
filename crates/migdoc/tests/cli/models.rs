//! Differential tests of the model rules: each project in `tests/model_scenarios/` carries what
//! real SQLAlchemy (2.0 and 2.1) did against the schema real Alembic migrated on PostgreSQL 15
//! (`scenario.toml`, recorded by `tests/oracle/record_models.py`): for every model table, an
//! insert giving every column a value (one row per enum member), an insert of the required columns
//! only, and a read of all rows back through the model types. migdoc must report a model error
//! (MD3xx) on exactly the tables where one of those failed, and nowhere else.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::check_scenario;

/// The model scenario directories, sorted.
pub(crate) fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/model_scenarios");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("scenario.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Tables where the recorded run failed (a check that was skipped is not a failure).
pub(crate) fn failing_tables(outcome: &toml::Table) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(tables) = outcome.get("tables").and_then(toml::Value::as_table) else {
        return out;
    };
    for (name, checks) in tables {
        let Some(checks) = checks.as_table() else {
            continue;
        };
        let failed = checks.values().filter_map(toml::Value::as_table).any(|c| {
            c.get("ok").and_then(toml::Value::as_bool) == Some(false)
                && c.get("skipped").and_then(toml::Value::as_bool) != Some(true)
        });
        if failed {
            out.insert(name.clone());
        }
    }
    out
}

/// The tables migdoc reports model errors on: every model message names `table` or `table.column`
/// in backticks.
pub(crate) fn reported_tables(
    diagnostics: &[Value],
    known: &BTreeSet<String>,
) -> (BTreeSet<String>, Vec<String>) {
    let mut tables = BTreeSet::new();
    let mut unattributed = Vec::new();
    for d in diagnostics {
        let code = d["code"].as_str().unwrap_or_default();
        if d["severity"] != "error" || !code.starts_with("MD3") {
            continue;
        }
        let message = d["message"].as_str().unwrap_or_default();
        match known
            .iter()
            .find(|t| message.contains(&format!("`{t}`")) || message.contains(&format!("`{t}.")))
        {
            Some(t) => {
                tables.insert(t.clone());
            }
            None => unattributed.push(format!("{code}: {message}")),
        }
    }
    (tables, unattributed)
}

fn mismatch(dir: &Path, sa: &str, recorded: &toml::Table) -> Option<String> {
    let report = check_scenario(dir, sa, 15);
    let diagnostics: Vec<Value> = report["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let upgrade_ok = recorded
        .get("upgrade")
        .and_then(toml::Value::as_table)
        .and_then(|u| u.get("ok"))
        .and_then(toml::Value::as_bool);
    assert_eq!(
        upgrade_ok,
        Some(true),
        "{}: model scenarios are about the models; their migrations must pass",
        dir.display()
    );
    let failing = failing_tables(recorded);
    let known: BTreeSet<String> = recorded
        .get("tables")
        .and_then(toml::Value::as_table)
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    let (reported, unattributed) = reported_tables(&diagnostics, &known);
    if !unattributed.is_empty() {
        return Some(format!(
            "model errors on no recorded table: {unattributed:?}"
        ));
    }
    (reported != failing).then(|| {
        let messages: Vec<String> = diagnostics.iter().map(|d| format!("{} {}: {}", d["code"], d["severity"], d["message"])).collect();
        format!("SQLAlchemy failed on {failing:?}; migdoc reported model errors on {reported:?}\n    {}", messages.join("\n    "))
    })
}

#[test]
fn model_errors_exactly_where_sqlalchemy_fails() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for dir in scenarios() {
        let text =
            std::fs::read_to_string(dir.join("scenario.toml")).unwrap_or_else(|e| panic!("{e}"));
        let scenario: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let outcomes = scenario
            .get("outcome")
            .and_then(toml::Value::as_table)
            .unwrap_or_else(|| panic!("{}: no outcome", dir.display()));
        for sa in ["sa20", "sa21"] {
            let recorded = outcomes
                .get(sa)
                .and_then(toml::Value::as_table)
                .unwrap_or_else(|| panic!("{}: no {sa}", dir.display()));
            checked += 1;
            if let Some(problem) = mismatch(&dir, sa, recorded) {
                problems.push(format!(
                    "{} [{sa}]: {problem}",
                    dir.file_name().unwrap_or_default().to_string_lossy()
                ));
            }
        }
    }
    assert!(
        checked >= 40,
        "expected at least 20 model scenarios, found {}",
        checked / 2
    );
    assert!(
        problems.is_empty(),
        "{} of {checked} model scenario runs disagree:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
