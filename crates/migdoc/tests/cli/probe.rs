//! Detection coverage on real histories: in how many revisions would `check` catch a sure bug
//! that depends on what earlier revisions did?
//!
//! For each revision R that has a parent, the revision at the root of R's first-parent chain gets
//! `CREATE TYPE migdoc_probe_t AS ENUM ('a')` at the top of its `upgrade()`, and R gets the same
//! statement again: PostgreSQL always rejects the second (nothing in between drops a type of
//! that name), in every deploy mode. `check` must report an error on R that names the type.
//! Where it stays silent, what it knows of the catalog did not survive the operations between
//! the root and R, and a real bug there would pass unseen.
//!
//! The histories are read in place, inside the unpacked package (`scripts/real-histories`), so
//! the project modules their revisions import are found as a user's checkout finds them. The
//! probed files are replaced in memory only. Each history's numbers are printed, and each must
//! stay at or above the floor recorded here (the measured value when the floor was set).

use std::collections::HashMap;

use migdoc_python::ast::Stmt;

/// (history, lowest accepted caught revisions in place, the same for a bare copy of the
/// versions directory, probed revisions).
const FLOORS: &[(&str, usize, usize, usize)] = &[
    ("apache-superset", 343, 343, 343),
    ("apache-airflow", 151, 151, 151),
    ("apache-airflow-core", 123, 123, 123),
    ("mlflow", 69, 69, 69),
    ("mlflow-server-auth", 6, 6, 6),
    ("ckan", 108, 108, 108),
    ("aiida-core", 101, 101, 101),
    ("indico", 177, 177, 177),
    ("prefect", 119, 119, 119),
    ("langflow-base", 161, 161, 161),
    ("glance", 28, 28, 28),
    ("cloudkitty", 10, 10, 10),
    ("cloudkitty-sqlalchemy", 2, 2, 2),
    ("cloudkitty-rating-pyscripts-sqlalchemy", 2, 2, 2),
    ("cloudkitty-v1-sqlalchemy", 4, 4, 4),
    ("cloudkitty-storage_state", 5, 5, 5),
    ("optuna", 9, 9, 9),
];

const PROBE: &str = "op.execute(\"CREATE TYPE migdoc_probe_t AS ENUM ('a')\")";

/// In place (the project's modules are found) and on a bare copy of the versions directory
/// (as a probe that copies only that directory sees it: project helpers cannot be followed,
/// sibling revisions imported by package path still are).
#[test]
#[allow(clippy::print_stdout)] // the per-history numbers are the test's report
fn probe_coverage_on_real_histories() {
    let dirs = crate::support::real_history_dirs();
    let mut report = Vec::new();
    let mut low = Vec::new();
    let (mut all_caught, mut all_bare, mut all_probed) = (0, 0, 0);
    for &(name, floor, bare_floor, expected_probed) in FLOORS {
        let dir = dirs
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in the manifest"));
        let (caught, probed) = probe(dir);
        let copy = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("probe-{name}-{}", std::process::id()))
            .join("versions");
        crate::support::copy_dir(dir, &copy);
        let (bare, bare_probed) = probe(&copy);
        if let Some(parent) = copy.parent() {
            std::fs::remove_dir_all(parent).ok();
        }
        report.push(format!(
            "{name}: {caught}/{probed} revisions would have a sure enum bug caught ({}%), {bare}/{bare_probed} on a bare copy ({}%)",
            100 * caught / probed.max(1),
            100 * bare / bare_probed.max(1)
        ));
        assert_eq!(
            probed, expected_probed,
            "{name}: the number of probed revisions changed"
        );
        assert_eq!(
            bare_probed, expected_probed,
            "{name}: the number of probed revisions of the bare copy changed"
        );
        if caught < floor {
            low.push(format!("{name}: {caught} < {floor}"));
        }
        if bare < bare_floor {
            low.push(format!("{name} (bare copy): {bare} < {bare_floor}"));
        }
        (all_caught, all_bare, all_probed) =
            (all_caught + caught, all_bare + bare, all_probed + probed);
    }
    report.push(format!(
        "all: {all_caught}/{all_probed} in place, {all_bare}/{all_probed} on bare copies"
    ));
    println!("{}", report.join("\n"));
    assert!(
        low.is_empty(),
        "coverage fell below its floor: {low:?}\n{}",
        report.join("\n")
    );
}

/// (caught, probed) for the history in `dir`.
fn probe(dir: &std::path::Path) -> (usize, usize) {
    let project =
        migdoc_project::Project::discover(&crate::support::project_root_of(dir), &[dir.to_owned()])
            .unwrap_or_else(|e| panic!("{e}"));
    let mut sources = project.load();
    let settings = migdoc_linter::Settings {
        postgres_version: 15,
        sqlalchemy_2_1: Some(false),
        sqlalchemy_2_0: Some(true),
    };
    let mut ops = migdoc_linter::lower(&project, &sources, &settings);
    // Revision id -> file index, first parent, and where upgrade()'s body starts.
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, f) in sources.files.iter().enumerate() {
        if let Some(id) = f.header.id() {
            by_id.insert(id.to_owned(), i);
        }
    }
    let parent = |sources: &migdoc_project::Sources, i: usize| -> Option<usize> {
        let first = sources.files[i].header.down_revisions.first()?;
        by_id.get(&first.value).copied()
    };
    let mut caught = 0;
    let mut probed = 0;
    let ids: Vec<(String, usize)> = {
        let mut v: Vec<(String, usize)> = by_id.iter().map(|(k, v)| (k.clone(), *v)).collect();
        v.sort();
        v
    };
    for (id, r) in ids {
        // The root of r's first-parent chain.
        let mut base = r;
        let mut steps = 0;
        while let Some(p) = parent(&sources, base) {
            base = p;
            steps += 1;
            if steps > sources.files.len() {
                break;
            }
        }
        if base == r {
            continue;
        }
        let (Some(r_text), Some(base_text)) =
            (injected(&sources.files[r]), injected(&sources.files[base]))
        else {
            continue;
        };
        probed += 1;
        let swap = |sources: &mut migdoc_project::Sources, i: usize, text: String| {
            let f = &sources.files[i];
            let new = migdoc_project::RevisionFile::from_bytes(
                &f.abs_path,
                f.path.clone(),
                text.into_bytes(),
            );
            std::mem::replace(&mut sources.files[i], new)
        };
        let old_r = swap(&mut sources, r, r_text);
        let old_base = swap(&mut sources, base, base_text);
        let lowered = |sources: &migdoc_project::Sources, i: usize| {
            migdoc_ir::lower_revision(
                &sources.files[i].module().body,
                migdoc_linter::lower_options(&project, &settings),
                &sources.modules,
            )
        };
        let old_ops_r = std::mem::replace(&mut ops[r], lowered(&sources, r));
        let old_ops_base = std::mem::replace(&mut ops[base], lowered(&sources, base));
        let report = migdoc_linter::check_lowered(&project, &sources, &settings, &ops);
        if report.diagnostics.iter().any(|d| {
            d.severity == migdoc_linter::Severity::Error
                && d.revision.as_deref() == Some(id.as_str())
                && d.message.contains("migdoc_probe_t")
        }) {
            caught += 1;
        }
        sources.files[r] = old_r;
        sources.files[base] = old_base;
        ops[r] = old_ops_r;
        ops[base] = old_ops_base;
    }
    (caught, probed)
}

/// The file's text with the probe statement at the top of `upgrade()` (and `from alembic import
/// op` when the file does not import it); `None` when `upgrade()` has no body of its own line.
fn injected(file: &migdoc_project::RevisionFile) -> Option<String> {
    injected_stmt(file, PROBE)
}

/// The file's text with `stmt` at the top of `upgrade()`.
fn injected_stmt(file: &migdoc_project::RevisionFile, stmt: &str) -> Option<String> {
    let module = file.module();
    let upgrade = module.body.iter().find_map(|s| match s {
        Stmt::FunctionDef(f) if f.name == "upgrade" => Some(f),
        _ => None,
    })?;
    let first = upgrade.body.first()?;
    let at = first.range().start as usize;
    let line_start = file.text[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &file.text[line_start..at];
    if !indent.chars().all(char::is_whitespace) {
        // `def upgrade(): pass` on one line.
        return None;
    }
    let mut out = String::with_capacity(file.text.len() + 80);
    if !file.text.contains("from alembic import op") {
        out.push_str("from alembic import op\n");
    }
    out.push_str(&file.text[..line_start]);
    out.push_str(indent);
    out.push_str(stmt);
    out.push('\n');
    out.push_str(&file.text[line_start..]);
    Some(out)
}

/// The harder probe: at each revision R that ran cleanly on its own, re-create something that
/// really exists right before R according to the catalogs PostgreSQL reported
/// (`tests/real_truth/*.json`, `scripts/record-truth.py`): an enum type when there is one, else
/// a column of a table (both picked by a hash of R's id). PostgreSQL rejects it (42710 / 42701);
/// `check` must report an error on R that names it. Unlike the first probe's fresh type, these
/// objects went through the history's own operations, known and unknown (each ckan revision
/// starts with `if skip_based_on_legacy_engine_version(op, __name__): return`, decided by
/// `alembic.ini`'s options: the project is checked from where its `alembic.ini` is). Objects
/// the database held before the first revision are not the history's and are not probed,
/// unless `check` is told of them with `--base-models`.
#[test]
#[allow(clippy::print_stdout)] // the per-history numbers are the test's report
fn harder_probe_on_objects_postgresql_reported() {
    /// (history, lowest accepted caught revisions, probed revisions).
    const HARD_FLOORS: &[(&str, usize, usize)] = &[
        ("ckan", 108, 108),
        ("ckan-ckanext-example_database_migrations", 1, 1),
        ("aiida-core", 42, 42),
        ("aiida-core-sqlite_zip", 3, 3),
        ("mlflow-server-auth", 6, 6),
        ("mlflow", 69, 69),
        ("apache-superset", 337, 343),
        ("apache-airflow", 113, 116),
        ("prefect", 115, 115),
        ("langflow-base", 161, 161),
        ("glance", 28, 28),
        ("cloudkitty-sqlalchemy", 2, 2),
        ("cloudkitty-rating-pyscripts-sqlalchemy", 1, 1),
        ("cloudkitty-v1-sqlalchemy", 4, 4),
        ("cloudkitty-storage_state", 5, 5),
        ("optuna", 2, 2),
    ];
    let root = crate::support::repo_root();
    let dirs = crate::support::real_history_dirs();
    let mut report = Vec::new();
    let mut low = Vec::new();
    for &(name, floor, expected) in HARD_FLOORS {
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(root.join(format!("tests/real_truth/{name}.json")))
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let dir = dirs
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in the manifest"));
        let (caught, probed, missed) = hard_probe(dir, &truth);
        report.push(format!("{name}: {caught}/{probed} revisions would have an existing object re-created caught ({}%){}", 100 * caught / probed.max(1), if missed.is_empty() { String::new() } else { format!("; missed: {}", missed.join(", ")) }));
        assert_eq!(
            probed, expected,
            "{name}: the number of probed revisions changed"
        );
        if caught < floor {
            low.push(format!("{name}: {caught} < {floor}"));
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        low.is_empty(),
        "coverage fell below its floor: {low:?}\n{}",
        report.join("\n")
    );
}

/// (caught, probed, missed revisions) for one history and its recorded truth.
fn hard_probe(dir: &std::path::Path, truth: &serde_json::Value) -> (usize, usize, Vec<String>) {
    let mut project =
        migdoc_project::Project::discover(&crate::support::project_root_of(dir), &[dir.to_owned()])
            .unwrap_or_else(|e| panic!("{e}"));
    // The schema the history presupposes, as recorded with its truth (`--base-models`).
    project.base_models = crate::support::base_models(truth);
    let mut sources = project.load();
    let sqlalchemy = truth["sqlalchemy"].as_str().unwrap_or("2.0");
    let settings = migdoc_linter::Settings {
        postgres_version: 15,
        sqlalchemy_2_1: Some(sqlalchemy.starts_with("2.1")),
        sqlalchemy_2_0: Some(!sqlalchemy.starts_with("1.")),
    };
    let mut ops = migdoc_linter::lower(&project, &sources, &settings);
    let by_id: HashMap<String, usize> = sources
        .files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| Some((f.header.id()?.to_owned(), i)))
        .collect();
    let steps = truth["steps"].as_array().cloned().unwrap_or_default();
    // Each independent history ran on a database of its own: its first revision has nothing
    // before it.
    let firsts: Vec<&str> = truth["histories"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h[0].as_str())
        .collect();
    let catalogs = full_catalogs(&steps);
    // What the database held before the first revision (superset's app makes Flask-AppBuilder's
    // `ab_*` tables as it starts) is not the history's: unless `check` is told of it
    // (`--base-models`, as for mlflow), it is not probed.
    let presupposed: std::collections::HashSet<&str> =
        if crate::support::base_models(truth).is_empty() {
            steps
                .iter()
                .filter_map(|s| s.get("catalog_before"))
                .flat_map(|c| {
                    ["types", "tables"].into_iter().flat_map(move |kind| {
                        c[kind]
                            .as_object()
                            .into_iter()
                            .flat_map(|m| m.keys().map(String::as_str))
                    })
                })
                .collect()
        } else {
            std::collections::HashSet::new()
        };
    let (mut caught, mut probed, mut missed) = (0, 0, Vec::new());
    for (i, step) in steps.iter().enumerate().skip(1) {
        let (Some(catalog), true) = (&catalogs[i - 1], step["ok"] == true) else {
            continue;
        };
        let id = step["revision"].as_str().unwrap_or_default();
        if firsts.contains(&id) {
            continue;
        }
        let Some(&r) = by_id.get(id) else { continue };
        let pick = |n: usize| (xxhash_rust::xxh3::xxh3_64(id.as_bytes()) % n as u64) as usize;
        let types: Vec<&String> = catalog["types"]
            .as_object()
            .map(|m| {
                m.keys()
                    .filter(|t| !presupposed.contains(t.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let tables: Vec<(&String, &serde_json::Value)> = catalog["tables"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(t, c)| {
                        *t != "alembic_version"
                            && !presupposed.contains(t.as_str())
                            && c.as_array().is_some_and(|c| !c.is_empty())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (stmt, named) = if !types.is_empty() {
            let t = types[pick(types.len())];
            (
                format!("op.execute('CREATE TYPE \"{t}\" AS ENUM (\\'a\\')')"),
                t.clone(),
            )
        } else if !tables.is_empty() {
            let (t, cols) = tables[pick(tables.len())];
            let c = cols[0].as_str().unwrap_or_default();
            (
                format!("op.execute('ALTER TABLE \"{t}\" ADD COLUMN \"{c}\" integer')"),
                c.to_owned(),
            )
        } else {
            continue;
        };
        let Some(text) = injected_stmt(&sources.files[r], &stmt) else {
            continue;
        };
        probed += 1;
        let f = &sources.files[r];
        let new = migdoc_project::RevisionFile::from_bytes(
            &f.abs_path,
            f.path.clone(),
            text.into_bytes(),
        );
        let old = std::mem::replace(&mut sources.files[r], new);
        let lowered = migdoc_ir::lower_revision(
            &sources.files[r].module().body,
            migdoc_linter::lower_options(&project, &settings),
            &sources.modules,
        );
        let old_ops = std::mem::replace(&mut ops[r], lowered);
        let report = migdoc_linter::check_lowered(&project, &sources, &settings, &ops);
        if report.diagnostics.iter().any(|d| {
            d.severity == migdoc_linter::Severity::Error
                && d.revision.as_deref() == Some(id)
                && d.message.contains(named.as_str())
        }) {
            caught += 1;
        } else {
            missed.push(format!("{id} ({named}) [{stmt}]"));
        }
        sources.files[r] = old;
        ops[r] = old_ops;
    }
    (caught, probed, missed)
}

/// The catalog after each step: recorded in full at the first revision of each history, then as
/// `catalog_changes` against the step before (an enum type or table with its new labels or
/// columns, or null when it is gone; `scripts/record-truth.py`'s `dump`).
fn full_catalogs(steps: &[serde_json::Value]) -> Vec<Option<serde_json::Value>> {
    let mut out: Vec<Option<serde_json::Value>> = Vec::with_capacity(steps.len());
    for step in steps {
        let previous = out.last().cloned().flatten();
        let catalog = match (step.get("catalog"), step.get("catalog_changes"), previous) {
            (Some(full), _, _) => Some(full.clone()),
            (None, Some(changes), Some(mut current)) => {
                for kind in ["types", "tables"] {
                    let (Some(objects), Some(changed)) =
                        (current[kind].as_object_mut(), changes[kind].as_object())
                    else {
                        continue;
                    };
                    for (name, value) in changed {
                        if value.is_null() {
                            objects.remove(name);
                        } else {
                            objects.insert(name.clone(), value.clone());
                        }
                    }
                }
                Some(current)
            }
            _ => None,
        };
        out.push(catalog);
    }
    out
}
