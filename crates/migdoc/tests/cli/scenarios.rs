//! Differential tests against real PostgreSQL: every scenario project in `tests/scenarios/` carries
//! the outcome that real Alembic + SQLAlchemy (2.0, 2.1 and 1.4) + PostgreSQL 15 gave for it
//! (`scenario.toml`, recorded by running it; `scenarios_live.rs` re-runs them). migdoc must predict
//! it: an error at the failing revision when PostgreSQL failed on a normal deploy (with the deploy
//! modes it fails in), no error when it passed, and a diagnostic at the revision whose round trip
//! fails.

use serde_json::Value;

use crate::scenarios_live::recorded_outcomes;
use crate::support::check_scenario;

/// Scenarios migdoc does not predict yet, with the reason. The test fails when one of them starts
/// to agree, so that the list only shrinks.
pub(crate) const KNOWN_GAPS: &[(&str, &str, &str)] = &[];

/// The SQLSTATEs each error rule stands for: the error PostgreSQL recorded must be one that an
/// error migdoc reports at the failing revision stands for (a right revision with the wrong
/// error is a wrong prediction too).
const SQLSTATES: &[(&str, &[&str])] = &[
    ("MD002", &["42601"]),
    ("MD201", &["42710"]),
    ("MD202", &["42704", "42809"]),
    ("MD203", &["42704"]),
    ("MD204", &["42710"]),
    ("MD205", &["55P04"]),
    // `LookupError`: a column typed `sa.Enum(..., validate_strings=True)` rejects the value in
    // Python, before PostgreSQL would (22P02). 23514: the CHECK of a non-native enum.
    ("MD206", &["22P02", "22023", "LookupError", "23514"]),
    ("MD207", &["25001"]),
    ("MD208", &["23502"]),
    ("MD209", &["2BP01"]),
    ("MD210", &["42710"]),
    ("MD212", &["42602"]),
    // `DuplicateColumnError`: SQLAlchemy 2.0 and later refuse a table definition that names a
    // column twice, before any SQL.
    (
        "MD216",
        &[
            "42P01",
            "42P07",
            "42703",
            "42701",
            "42804",
            "2BP01",
            "DuplicateColumnError",
        ],
    ),
    ("MD219", &["25001"]),
    // `CompileError`: a `DROP CONSTRAINT` without a name, refused before any SQL.
    ("MD220", &["CompileError"]),
    // 25P02: the statement after one a `try` swallowed, in the transaction PostgreSQL aborted.
    ("MD221", &["25P02"]),
    // Raised by SQLAlchemy 2.0 and later before any SQL.
    ("MD222", &["ObjectNotExecutableError"]),
];

fn table<'t>(t: &'t toml::Table, key: &str) -> &'t toml::Table {
    t.get(key)
        .and_then(toml::Value::as_table)
        .unwrap_or_else(|| panic!("scenario.toml lacks {key}"))
}

fn failed(outcome: &toml::Table) -> bool {
    !outcome
        .get("ok")
        .and_then(toml::Value::as_bool)
        .unwrap_or(false)
        && !outcome
            .get("skipped")
            .and_then(toml::Value::as_bool)
            .unwrap_or(false)
}

fn revision(outcome: &toml::Table) -> Option<&str> {
    outcome.get("revision").and_then(toml::Value::as_str)
}

/// What is wrong with migdoc's prediction for one scenario and SQLAlchemy version, if anything.
fn mismatch(
    dir: &std::path::Path,
    sa: &str,
    recorded: &toml::Table,
    postgres: i64,
) -> Option<String> {
    let report = check_scenario(dir, sa, postgres);
    let diagnostics: Vec<&Value> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let errors: Vec<&Value> = diagnostics
        .iter()
        .copied()
        .filter(|d| d["severity"] == "error")
        .collect();
    let at = |rev: &str| -> Vec<&Value> {
        diagnostics
            .iter()
            .copied()
            .filter(|d| d["revision"] == rev)
            .collect()
    };
    let upgrade_head = table(recorded, "upgrade_head");
    let step = table(recorded, "step_by_step");
    let roundtrip = table(recorded, "roundtrip");
    let (one_fails, step_fails) = (failed(upgrade_head), failed(step));
    if one_fails || step_fails {
        let Some(rev) = revision(if one_fails { upgrade_head } else { step }) else {
            // Alembic refused to start: several heads.
            return (!errors.iter().any(|d| d["code"] == "MD101")).then(|| {
                "Alembic refused to run (several heads); migdoc did not say MD101".into()
            });
        };
        let failing: Vec<&str> = [upgrade_head, step]
            .iter()
            .filter(|o| failed(o))
            .filter_map(|o| revision(o))
            .collect();
        let phrase = match (one_fails, step_fails) {
            (true, true) => "and in deploys that run one revision at a time",
            (true, false) => "(one run, one transaction)",
            _ => "fails when revisions deploy one per run",
        };
        let predicted = at(rev).iter().any(|d| {
            d["severity"] == "error"
                && (d["code"] == "MD002"
                    || d["message"].as_str().is_some_and(|m| m.contains(phrase)))
        });
        if !predicted {
            return Some(format!(
                "PostgreSQL failed at {rev} ({phrase}); migdoc said {:?}",
                summary(&diagnostics)
            ));
        }
        let recorded_state = [upgrade_head, step]
            .iter()
            .find(|o| failed(o))
            .map(|o| {
                let field = |k: &str| o.get(k).and_then(toml::Value::as_str).unwrap_or_default();
                if field("sqlstate").is_empty() && field("error").contains("(builtins.LookupError)")
                {
                    "LookupError"
                } else if field("sqlstate").is_empty() {
                    // Raised in Python before any SQL: the exception is the error.
                    field("exception")
                } else {
                    field("sqlstate")
                }
            })
            .unwrap_or_default();
        let stands_for = |code: &str| -> &[&str] {
            SQLSTATES
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, states)| *states)
                .unwrap_or_else(|| panic!("{code}: add the SQLSTATEs it stands for to SQLSTATES"))
        };
        let right_error = at(rev).iter().any(|d| {
            d["severity"] == "error"
                && stands_for(d["code"].as_str().unwrap_or_default()).contains(&recorded_state)
        });
        if !right_error {
            return Some(format!(
                "PostgreSQL failed at {rev} with {recorded_state}; migdoc said {:?}",
                summary(&diagnostics)
            ));
        }
        let extra: Vec<String> = errors
            .iter()
            .filter(|d| !failing.iter().any(|r| d["revision"] == *r))
            .map(|d| format!("{}@{}", d["code"], d["revision"]))
            .collect();
        return (!extra.is_empty())
            .then(|| format!("errors at revisions that did not fail: {extra:?}"));
    }
    if !errors.is_empty() {
        return Some(format!(
            "PostgreSQL passed; migdoc reported errors {:?}",
            summary(&errors)
        ));
    }
    if failed(roundtrip) {
        let rev = revision(roundtrip).unwrap_or_default();
        if at(rev).is_empty() {
            return Some(format!(
                "the round trip fails at {rev}; migdoc said {:?}",
                summary(&diagnostics)
            ));
        }
    } else if let Some(d) = diagnostics
        .iter()
        .find(|d| matches!(d["code"].as_str(), Some("MD209" | "MD210")))
    {
        return Some(format!(
            "the round trip passes; migdoc said {}",
            d["message"]
        ));
    }
    None
}

fn summary(diagnostics: &[&Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| format!("{}@{}", d["code"].as_str().unwrap_or("?"), d["revision"]))
        .collect()
}

#[test]
fn predictions_match_what_postgresql_did() {
    let mut wrong = Vec::new();
    let mut gaps_now_right = Vec::new();
    let mut compared = 0;
    for (name, dir, parsed) in recorded_outcomes() {
        let postgres = parsed
            .get("postgres")
            .and_then(toml::Value::as_integer)
            .unwrap_or(15);
        let outcomes = table(&parsed, "outcome");
        // Every scenario is recorded with SQLAlchemy 2.0 and 2.1; with 1.4 unless it uses what
        // 1.4 lacks (`environments` in its scenario.toml).
        assert!(
            outcomes.contains_key("sa20") && outcomes.contains_key("sa21"),
            "{name}: no outcome recorded for sa20 and sa21"
        );
        let declared: Vec<&str> = parsed
            .get("environments")
            .and_then(toml::Value::as_array)
            .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
            .unwrap_or_else(|| vec!["sa20", "sa21", "sa14"]);
        for sa in declared {
            compared += 1;
            let problem = mismatch(&dir, sa, table(outcomes, sa), postgres);
            let known = KNOWN_GAPS.iter().any(|(n, s, _)| *n == name && *s == sa);
            match (problem, known) {
                (Some(p), false) => wrong.push(format!("{name} [{sa}]: {p}")),
                (None, true) => gaps_now_right.push(format!("{name} [{sa}]")),
                _ => {}
            }
        }
    }
    assert!(compared >= 80, "only {compared} scenario runs compared");
    assert!(
        gaps_now_right.is_empty(),
        "now predicted correctly, remove from KNOWN_GAPS: {gaps_now_right:?}"
    );
    assert!(
        wrong.is_empty(),
        "{} of {compared} predictions disagree with PostgreSQL:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// `docs/sqlalchemy-enums.md` cites, for each behaviour, the scenarios that show it: each one is
/// a recorded scenario here.
#[test]
fn the_sqlalchemy_enum_table_cites_recorded_scenarios() {
    let root = crate::support::repo_root();
    let doc = std::fs::read_to_string(root.join("docs/sqlalchemy-enums.md"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut cited = 0;
    for row in doc
        .lines()
        .filter(|l| l.starts_with("| `") || l.starts_with("| The") || l.starts_with("| "))
    {
        let Some(last) = row.trim_end().trim_end_matches('|').rsplit('|').next() else {
            continue;
        };
        for name in last.split(',').map(|n| n.trim().trim_matches('`')) {
            if name.is_empty() || name == "Scenario" || name.starts_with("---") {
                continue;
            }
            assert!(
                root.join("tests/scenarios")
                    .join(name)
                    .join("scenario.toml")
                    .is_file(),
                "docs/sqlalchemy-enums.md cites `{name}`, which is no recorded scenario"
            );
            cited += 1;
        }
    }
    assert!(cited >= 20, "only {cited} scenarios cited");
}

/// Domains are named as domains: `DROP DOMAIN` of an enum type is PostgreSQL's 42809, and the
/// columns `DROP DOMAIN ... CASCADE` takes are reported under that statement.
#[test]
fn drop_domain_is_reported_as_drop_domain() {
    let messages = |name: &str| -> Vec<String> {
        let dir = crate::support::repo_root()
            .join("tests/scenarios")
            .join(name);
        check_scenario(&dir, "sa20", 15)["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter_map(|d| {
                Some(format!(
                    "{} {}",
                    d["code"].as_str()?,
                    d["message"].as_str()?
                ))
            })
            .collect()
    };
    let enum_dropped = messages("drop_domain_of_an_enum_type");
    assert!(
        enum_dropped
            .iter()
            .any(|m| m.starts_with("MD202 ") && m.contains("`\"mood\" is not a domain`")),
        "{enum_dropped:?}"
    );
    let cascade = messages("drop_domain_cascade_then_use_its_column");
    assert!(
        cascade.iter().any(
            |m| m.starts_with("MD211 `DROP DOMAIN email CASCADE` silently drops `users.email`")
        ),
        "{cascade:?}"
    );
}
