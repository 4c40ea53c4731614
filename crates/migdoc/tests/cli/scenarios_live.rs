//! The recordings are still true: the scenarios in `tests/scenarios/` run again through real
//! Alembic (all three modes, `tests/oracle/run_scenario.py`) on a throwaway PostgreSQL, and the
//! outcome must be the one its `scenario.toml` records. Every recorded outcome is checked
//! statically on every run (`scenarios::`); live, a fixed sample runs here: each scenario whose
//! recording differs between the `scripts/pyenv` SQLAlchemy versions (2.0, 2.1, 1.4) with each,
//! one in three of the others with 2.0 or 2.1 in turn, and one in twelve with 1.4 (the noisy
//! variants, `*_with_noise` from `scripts/noisy-scenarios`, thinned to one in six first).
//! `MIGDOC_LIVE_ALL_SCENARIOS=1` runs every scenario with each version it was recorded with.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use crate::support::{oracle_python, pyenv_python, repo_root, run_migdoc};

const MODES: [&str; 3] = ["upgrade_head", "step_by_step", "roundtrip"];

/// Each scenario's name, directory and parsed `scenario.toml`, sorted by name.
pub(crate) fn recorded_outcomes() -> Vec<(String, PathBuf, toml::Table)> {
    let mut scenarios: Vec<(String, PathBuf, toml::Table)> =
        std::fs::read_dir(repo_root().join("tests/scenarios"))
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|dir| dir.join("scenario.toml").is_file())
            .map(|dir| {
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text = std::fs::read_to_string(dir.join("scenario.toml"))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let parsed: toml::Table =
                    toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
                (name, dir, parsed)
            })
            .collect();
    scenarios.sort_by(|a, b| a.0.cmp(&b.0));
    scenarios
}

/// The part of an outcome that must agree: whether it failed, and where and how.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    ok: bool,
    skipped: bool,
    phase: Option<String>,
    revision: Option<String>,
    sqlstate: Option<String>,
}

impl Outcome {
    fn new(field: impl Fn(&str) -> Option<String>, flag: impl Fn(&str) -> bool) -> Outcome {
        let ok = flag("ok");
        Outcome {
            ok,
            skipped: flag("skipped"),
            phase: field("phase").filter(|_| !ok),
            revision: field("revision").filter(|_| !ok),
            sqlstate: field("sqlstate").filter(|_| !ok),
        }
    }

    fn recorded(t: &toml::Table) -> Outcome {
        Outcome::new(
            |k| t.get(k).and_then(toml::Value::as_str).map(str::to_owned),
            |k| t.get(k).and_then(toml::Value::as_bool) == Some(true),
        )
    }

    fn live(v: &Value) -> Outcome {
        Outcome::new(
            |k| v[k].as_str().map(str::to_owned),
            |k| v[k].as_bool() == Some(true),
        )
    }
}

fn recorded_outcome<'t>(
    scenario: &'t toml::Table,
    sa: &str,
    mode: &str,
) -> Option<&'t toml::Table> {
    scenario.get("outcome")?.get(sa)?.get(mode)?.as_table()
}

/// Runs `migdoc verify` on one scenario with one environment's Python, against `cluster` (verify
/// creates and drops its own scratch databases there); its JSON report.
fn verify_live(cluster: &migdoc_pg::Cluster, python: &Path, dir: &Path) -> Result<Value, String> {
    let out = run_migdoc(&[
        "verify".into(),
        dir.display().to_string(),
        "--python".into(),
        python.display().to_string(),
        "--database-url".into(),
        cluster.url("postgres"),
        "--output-format".into(),
        "json".into(),
    ]);
    if out.code == 2 {
        return Err(format!("migdoc verify failed: {}", out.stderr.trim_end()));
    }
    serde_json::from_str(&out.stdout).map_err(|e| format!("{e}: {}", out.stderr))
}

/// Every scenario through `migdoc verify` (all three deploy modes, each SQLAlchemy version):
/// the outcome of each mode must be the one `scenario.toml` records, and `check`'s predictions
/// must be what verify found (every real failure predicted, no prediction unconfirmed, the
/// migrated catalog equal to the replay), except the `KNOWN_GAPS` of `scenarios.rs`.
#[test]
fn recorded_outcomes_hold_on_a_live_postgresql() {
    let bins = migdoc_pg::find_binaries(None).unwrap_or_else(|e| panic!("{e}"));
    let cluster = migdoc_pg::Cluster::start(&bins).unwrap_or_else(|e| panic!("{e}"));
    let pythons = [
        ("sa20", oracle_python()),
        ("sa21", pyenv_python("sa21")),
        ("sa14", pyenv_python("sa14")),
    ];
    let all = std::env::var("MIGDOC_LIVE_ALL_SCENARIOS")
        .is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"));
    let mut noisy = 0;
    let scenarios: Vec<_> = recorded_outcomes()
        .into_iter()
        .filter(|(name, _, _)| {
            if !name.ends_with("_with_noise") {
                return true;
            }
            noisy += 1;
            all || noisy % 6 == 1
        })
        .collect();
    assert!(
        scenarios.len() >= 80,
        "only {} scenarios found",
        scenarios.len()
    );

    // Every SQLAlchemy version where the recording says they differ (`create_type`); otherwise
    // one scenario in three with 2.0 or 2.1 in turn, and one in twelve with 1.4 (which behaved
    // as 2.0 in every other recording), unless every scenario is asked for. The static test (`scenarios::`) holds `check` against every
    // recorded outcome of each on every run.
    let differs = |parsed: &toml::Table| {
        MODES.iter().any(|mode| {
            let sa20 = recorded_outcome(parsed, "sa20", mode).map(Outcome::recorded);
            ["sa21", "sa14"].iter().any(|sa| {
                parsed.get("outcome").and_then(|o| o.get(sa)).is_some()
                    && recorded_outcome(parsed, sa, mode).map(Outcome::recorded) != sa20
            })
        })
    };
    let jobs: Vec<_> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            let every = all || differs(&s.2);
            let sample = move |k: usize| match k {
                0 | 1 => i % 3 == 0 && i / 3 % 2 == k,
                _ => i % 12 == 1,
            };
            let recorded = move |sa: &str| s.2.get("outcome").and_then(|o| o.get(sa)).is_some();
            pythons
                .iter()
                .enumerate()
                .filter(move |(k, (sa, _))| recorded(sa) && (every || sample(*k)))
                .map(move |(_, (sa, python))| (s, *sa, python))
        })
        .collect();
    let next = AtomicUsize::new(0);
    let mismatches = Mutex::new(Vec::new());
    let unpredicted = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&((name, dir, parsed), sa, python)) = jobs.get(index) else {
                        break;
                    };
                    let report = match verify_live(&cluster, python, dir) {
                        Ok(report) => report,
                        Err(e) => {
                            mismatches
                                .lock()
                                .unwrap_or_else(|e| panic!("{e}"))
                                .push(format!("{name} [{sa}]: {e}"));
                            continue;
                        }
                    };
                    for mode in MODES {
                        let problem = match recorded_outcome(parsed, sa, mode) {
                            None => Some(format!("scenario.toml has no outcome.{sa}.{mode}")),
                            Some(recorded) => {
                                let live = &report["verify"][mode];
                                let (want, got) =
                                    (Outcome::recorded(recorded), Outcome::live(live));
                                (want != got).then(|| {
                                    format!(
                                        "recorded {want:?}\n    live {got:?}: {}",
                                        live["error"].as_str().unwrap_or("")
                                    )
                                })
                            }
                        };
                        if let Some(problem) = problem {
                            mismatches
                                .lock()
                                .unwrap_or_else(|e| panic!("{e}"))
                                .push(format!("{name} [{sa}] {mode}: {problem}"));
                        }
                    }
                    let gap = crate::scenarios::KNOWN_GAPS
                        .iter()
                        .any(|(n, s, _)| n == name && *s == sa);
                    let wrong: Vec<String> = report["diagnostics"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|d| {
                            d["code"] == "MD402"
                                || d["code"] == "MD403"
                                || (d["code"] == "MD401"
                                    && d["message"]
                                        .as_str()
                                        .is_some_and(|m| m.contains("not predicted")))
                        })
                        .map(|d| format!("{} {}", d["code"], d["message"]))
                        .collect();
                    if !wrong.is_empty() && !gap {
                        unpredicted
                            .lock()
                            .unwrap_or_else(|e| panic!("{e}"))
                            .push(format!("{name} [{sa}]: {}", wrong.join("\n    ")));
                    }
                }
            });
        }
    });

    let mut mismatches = mismatches.into_inner().unwrap_or_else(|e| panic!("{e}"));
    mismatches.sort();
    assert!(
        mismatches.is_empty(),
        "{} of {} verify runs differ from scenario.toml:\n{}",
        mismatches.len(),
        jobs.len() * MODES.len(),
        mismatches.join("\n")
    );
    let mut unpredicted = unpredicted.into_inner().unwrap_or_else(|e| panic!("{e}"));
    unpredicted.sort();
    assert!(
        unpredicted.is_empty(),
        "verify and check disagree on {} runs:\n{}",
        unpredicted.len(),
        unpredicted.join("\n")
    );
}

/// The model scenarios' recordings (`tests/model_scenarios/`, made by `tests/oracle/record_models.py`)
/// still hold: every table's checks pass or fail the same way, with the same SQLSTATE.
#[test]
fn model_outcomes_hold_on_a_live_postgresql() {
    let bins = migdoc_pg::find_binaries(None).unwrap_or_else(|e| panic!("{e}"));
    let cluster = migdoc_pg::Cluster::start(&bins).unwrap_or_else(|e| panic!("{e}"));
    let pythons = [("sa20", oracle_python()), ("sa21", pyenv_python("sa21"))];
    let dirs = crate::models::scenarios();
    assert!(
        dirs.len() >= 20,
        "only {} model scenarios found",
        dirs.len()
    );
    let jobs: Vec<(&PathBuf, &str, &PathBuf)> = dirs
        .iter()
        .flat_map(|d| pythons.iter().map(move |(sa, py)| (d, *sa, py)))
        .collect();
    let next = AtomicUsize::new(0);
    let mismatches = Mutex::new(Vec::new());
    // The part of a check that must agree.
    let key = |ok: Option<bool>, skipped: Option<bool>, sqlstate: Option<&str>| {
        (ok, skipped.unwrap_or(false), sqlstate.map(str::to_owned))
    };
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(dir, sa, python)) = jobs.get(index) else {
                        break;
                    };
                    let name = dir
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let text = std::fs::read_to_string(dir.join("scenario.toml"))
                        .unwrap_or_else(|e| panic!("{e}"));
                    let recorded: toml::Table =
                        toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
                    let database = format!("models{index}");
                    let live = cluster
                        .create_database(&database)
                        .map_err(|e| e.to_string())
                        .and_then(|()| {
                            let out = Command::new(python)
                                .arg(repo_root().join("tests/oracle/run_models.py"))
                                .arg(dir)
                                .env("DATABASE_URL", cluster.url(&database))
                                .output()
                                .map_err(|e| e.to_string());
                            let _ = cluster.drop_database(&database);
                            let out = out?;
                            serde_json::from_slice::<Value>(&out.stdout).map_err(|_| {
                                format!(
                                    "run_models.py printed nothing: {}",
                                    String::from_utf8_lossy(&out.stderr)
                                )
                            })
                        });
                    let mut problems = Vec::new();
                    match live {
                        Err(e) => problems.push(e),
                        Ok(live) => {
                            let tables = recorded
                                .get("outcome")
                                .and_then(|o| o.get(sa))
                                .and_then(|o| o.get("tables"))
                                .and_then(toml::Value::as_table);
                            let recorded_tables: Vec<&String> =
                                tables.map(|t| t.keys().collect()).unwrap_or_default();
                            let live_tables: Vec<String> = live["tables"]
                                .as_object()
                                .map(|t| t.keys().cloned().collect())
                                .unwrap_or_default();
                            if recorded_tables
                                .iter()
                                .map(|s| s.as_str())
                                .ne(live_tables.iter().map(String::as_str))
                            {
                                problems.push(format!(
                                    "tables: recorded {recorded_tables:?}, live {live_tables:?}"
                                ));
                            }
                            for (table, checks) in tables.into_iter().flatten() {
                                for check in ["insert_full", "insert_required", "read"] {
                                    let r = checks.get(check).and_then(toml::Value::as_table);
                                    let want = key(
                                        r.and_then(|r| r.get("ok")).and_then(toml::Value::as_bool),
                                        r.and_then(|r| r.get("skipped"))
                                            .and_then(toml::Value::as_bool),
                                        r.and_then(|r| r.get("sqlstate"))
                                            .and_then(toml::Value::as_str),
                                    );
                                    let l = &live["tables"][table][check];
                                    let got = key(
                                        l["ok"].as_bool(),
                                        l["skipped"].as_bool(),
                                        l["sqlstate"].as_str(),
                                    );
                                    if want != got {
                                        problems.push(format!(
                                            "{table}.{check}: recorded {want:?}, live {got:?} {}",
                                            l["error"]
                                        ));
                                    }
                                }
                            }
                        }
                    }
                    for p in problems {
                        mismatches
                            .lock()
                            .unwrap_or_else(|e| panic!("{e}"))
                            .push(format!("{name} [{sa}]: {p}"));
                    }
                }
            });
        }
    });
    let mut mismatches = mismatches.into_inner().unwrap_or_else(|e| panic!("{e}"));
    mismatches.sort();
    assert!(
        mismatches.is_empty(),
        "{} model scenario runs differ from scenario.toml:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
