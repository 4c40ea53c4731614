//! The way out of a diagnosis: SQL steps, each with its reason. A situation with more than one
//! sensible way out (a half-applied revision: finish it or undo it?) needs the user's choice.

use serde::Serialize;

use crate::diagnose::{Diagnosis, Effect, Finding};
use crate::quote::{ident, literal};

/// The way out the user picked for an ambiguous situation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Complete a partially applied revision (what migdoc can create), then stamp it.
    Finish,
    /// Remove what a partially applied revision created, so that `alembic upgrade` runs it again.
    Undo,
    /// Stamp the database at the last revision whose effects are all present.
    Stamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub why: String,
    /// `None` for a step migdoc cannot write as SQL (it says what to do instead).
    pub sql: Option<String>,
    /// `ALTER TYPE ... ADD VALUE` before PostgreSQL 12 cannot run inside a transaction block.
    pub own_transaction: bool,
    /// Work the plan needs that migdoc cannot write as SQL: `--apply` refuses the plan (running
    /// the rest, and stamping, would record what is not there).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub manual: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Set when the situation needs `--choose`; the options, explained.
    pub ambiguous: Option<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Where the version table is: `schema.table`, quoted.
pub struct VersionTable<'a> {
    pub schema: Option<&'a str>,
    pub table: &'a str,
}

impl VersionTable<'_> {
    fn name(&self) -> String {
        match self.schema {
            Some(s) => format!("{}.{}", ident(s), ident(self.table)),
            None => ident(self.table),
        }
    }
}

fn stamp(vt: &VersionTable<'_>, from: &[String], to: &str, exists: bool) -> Step {
    let table = vt.name();
    let mut sql = String::new();
    if !exists {
        sql.push_str(&format!(
            "CREATE TABLE {table} (version_num VARCHAR(32) NOT NULL, CONSTRAINT {} PRIMARY KEY (version_num));\n",
            ident(&format!("{}_pkc", vt.table))
        ));
    }
    if from.is_empty() {
        sql.push_str(&format!("INSERT INTO {table} (version_num) VALUES ({});", literal(to)));
    } else {
        let list = from.iter().map(|f| literal(f)).collect::<Vec<_>>().join(", ");
        sql.push_str(&format!("DELETE FROM {table} WHERE version_num IN ({list});\nINSERT INTO {table} (version_num) VALUES ({});", literal(to)));
    }
    Step { why: format!("record {to} in the version table (what `alembic stamp {to}` does)"), sql: Some(sql), own_transaction: false, manual: false }
}

/// What the plan knows of enum labels: a type's labels at a revision (in the history's order),
/// and its labels in the database (in the database's order).
pub struct Labels<'a> {
    pub at: &'a dyn Fn(&str, &str) -> Option<Vec<String>>,
    pub live: &'a dyn Fn(&str) -> Vec<String>,
}

/// Steps that add `missing` labels to `type_name`, in the history's order and each at its place
/// (`BEFORE` the next label the type already has, else `AFTER` the previous one), so that the
/// type ends with the order `revision` gives it.
fn add_labels(steps: &mut Vec<Step>, type_name: &str, missing: &[&str], revision: &str, labels: &Labels<'_>, postgres_version: u32) {
    let mut current = (labels.live)(type_name);
    let expected = (labels.at)(revision, type_name).filter(|e| missing.iter().all(|m| e.iter().any(|l| l == m)));
    let Some(expected) = expected else {
        for label in missing {
            steps.push(add_label(type_name, label, "", postgres_version));
            current.push((*label).to_owned());
        }
        return;
    };
    for (i, label) in expected.iter().enumerate() {
        if !missing.contains(&label.as_str()) || current.contains(label) {
            continue;
        }
        let next = expected[i + 1..].iter().find(|l| current.contains(l));
        let previous = expected[..i].iter().rev().find(|l| current.contains(l));
        let (position, at) = match (next, previous) {
            (Some(n), _) => (format!(" BEFORE {}", literal(n)), current.iter().position(|l| l == n).unwrap_or(current.len())),
            (None, Some(p)) => (format!(" AFTER {}", literal(p)), current.iter().position(|l| l == p).map_or(current.len(), |i| i + 1)),
            (None, None) => (String::new(), current.len()),
        };
        steps.push(add_label(type_name, label, &position, postgres_version));
        current.insert(at, label.clone());
    }
}

fn add_label(type_name: &str, label: &str, position: &str, postgres_version: u32) -> Step {
    Step {
        why: format!("add the missing label '{label}' to {type_name}{position}"),
        sql: Some(format!("ALTER TYPE {} ADD VALUE IF NOT EXISTS {}{position};", qualified(type_name), literal(label))),
        own_transaction: postgres_version < 12,
        manual: false,
    }
}

/// The labels among `effects`, grouped by type in first-seen order.
fn labels_by_type(effects: &[Effect]) -> Vec<(&str, Vec<&str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    for e in effects {
        if let Effect::Label { type_name, label } = e {
            match out.iter_mut().find(|(t, _)| *t == type_name) {
                Some((_, list)) => list.push(label),
                None => out.push((type_name, vec![label])),
            }
        }
    }
    out
}

fn qualified(name: &str) -> String {
    match name.split_once('.') {
        Some((schema, n)) => format!("{}.{}", ident(schema), ident(n)),
        None => ident(name),
    }
}

/// The plan for `diagnosis`. `choice` decides ambiguous situations; without one they are
/// explained and the plan is marked ambiguous (`--apply` refuses it).
pub fn plan(diagnosis: &Diagnosis, vt: &VersionTable<'_>, version_table_exists: bool, choice: Option<Choice>, postgres_version: u32, labels: &Labels<'_>) -> Plan {
    let mut plan = Plan::default();
    let mut recorded = diagnosis.recorded.clone();
    let mut exists = version_table_exists;
    for finding in &diagnosis.findings {
        match finding {
            Finding::AppliedNotRecorded { revision, .. } => {
                plan.steps.push(stamp(vt, &recorded, revision, exists));
                recorded = vec![revision.clone()];
                exists = true;
            }
            Finding::PartiallyApplied { revision, present, missing } => match choice {
                Some(Choice::Finish) => {
                    recreate(&mut plan.steps, missing, revision, postgres_version, labels);
                    plan.steps.push(stamp(vt, &recorded, revision, exists));
                    recorded = vec![revision.clone()];
                    exists = true;
                }
                Some(Choice::Undo) => {
                    for e in present.iter().rev() {
                        match e {
                            Effect::Type { name } => plan.steps.push(Step {
                                why: format!("drop type {name}, which {revision} created before it failed, so that it can run again"),
                                sql: Some(format!("DROP TYPE {};", qualified(name))),
                                own_transaction: false,
                                manual: false,
                            }),
                            // Undo drops only what holds no data: a table with rows, or a column
                            // with a value, makes the whole plan roll back (RESTRICT guards types
                            // and tables other objects use).
                            Effect::Table { name } => plan.steps.push(Step {
                                why: format!("drop table {name}, which {revision} created before it failed (only while it is empty)"),
                                sql: Some(format!(
                                    "{}\nDROP TABLE {};",
                                    refuse_if(&format!("EXISTS (SELECT FROM {})", qualified(name)), &format!("table {name} has rows: undo drops only what {revision} left empty")),
                                    qualified(name)
                                )),
                                own_transaction: false,
                                manual: false,
                            }),
                            Effect::Column { table, column } if !present.contains(&Effect::Table { name: table.clone() }) => plan.steps.push(Step {
                                why: format!("drop column {table}.{column}, which {revision} added before it failed (only while it holds no value)"),
                                sql: Some(format!(
                                    "{}\nALTER TABLE {} DROP COLUMN {};",
                                    refuse_if(
                                        &format!("EXISTS (SELECT FROM {} WHERE {} IS NOT NULL)", qualified(table), ident(column)),
                                        &format!("column {table}.{column} holds values: undo drops only what {revision} left empty")
                                    ),
                                    qualified(table),
                                    ident(column)
                                )),
                                own_transaction: false,
                                manual: false,
                            }),
                            Effect::Label { type_name, label } if !present.contains(&Effect::Type { name: type_name.clone() }) => {
                                plan.steps.push(Step {
                                    why: format!("label '{label}' of {type_name} cannot be removed in place: PostgreSQL has no DROP VALUE; leave it (the migration should use ADD VALUE IF NOT EXISTS)"),
                                    sql: None,
                                    own_transaction: false,
                                    manual: false,
                                });
                            }
                            _ => {}
                        }
                    }
                    plan.steps.push(Step { why: format!("then run `alembic upgrade` to apply {revision} again"), sql: None, own_transaction: false, manual: false });
                }
                _ => {
                    plan.ambiguous = Some(format!(
                        "{revision} is half applied: `--choose finish` creates what is missing and stamps {revision}; `--choose undo` drops what it created so that `alembic upgrade` can run it again"
                    ));
                }
            },
            Finding::RecordedButMissing { revision, missing } => {
                let only_labels = missing.iter().all(|e| matches!(e, Effect::Label { .. }));
                if only_labels {
                    // Labels are added in place, at their places, safely (IF NOT EXISTS).
                    for (type_name, list) in labels_by_type(missing) {
                        add_labels(&mut plan.steps, type_name, &list, revision, labels, postgres_version);
                    }
                    continue;
                }
                match (choice, &diagnosis.looks_like) {
                    (Some(Choice::Stamp), Some(known)) => {
                        plan.steps.push(stamp(vt, &recorded, known, exists));
                        plan.steps.push(Step { why: format!("then run `alembic upgrade head`: it applies {revision} again"), sql: None, own_transaction: false, manual: false });
                        recorded = vec![known.clone()];
                    }
                    (Some(Choice::Finish), _) => recreate(&mut plan.steps, missing, revision, postgres_version, labels),
                    _ => {
                        plan.ambiguous = Some(format!(
                            "{revision} is recorded but its objects are missing: {}`--choose finish` recreates what migdoc can",
                            diagnosis.looks_like.as_ref().map(|k| format!("`--choose stamp` records {k} (the last revision whose objects are all present) so that `alembic upgrade head` runs {revision} again; ")).unwrap_or_default()
                        ));
                    }
                }
            }
            Finding::UnknownRevision { revision, looks_like } => match (choice, looks_like) {
                (Some(Choice::Stamp), Some(known)) => {
                    plan.steps.push(stamp(vt, &recorded, known, exists));
                    recorded = vec![known.clone()];
                }
                _ => {
                    plan.ambiguous = Some(format!(
                        "the database is at {revision}, unknown to this checkout: deploy from the branch that has {revision}{}",
                        looks_like.as_ref().map(|k| format!(", or `--choose stamp` to record {k}, the last revision whose objects are all present")).unwrap_or_default()
                    ));
                }
            },
            Finding::NoVersionTable { looks_like, .. } => match (choice, looks_like) {
                (Some(Choice::Stamp), Some(known)) => {
                    plan.steps.push(stamp(vt, &[], known, false));
                    exists = true;
                    recorded = vec![known.clone()];
                }
                (_, Some(known)) => {
                    plan.ambiguous = Some(format!("the database was never stamped: `--choose stamp` records {known}, the last revision whose objects are all present"));
                }
                (_, None) => plan.steps.push(manual("find out which revision this schema corresponds to, then `alembic stamp` it".into())),
            },
            Finding::Healthy | Finding::Behind { .. } | Finding::Drift { .. } | Finding::SeveralRecorded { .. } | Finding::SeveralHeads { .. } | Finding::LabelOrder { .. } => {}
        }
    }
    plan
}

/// Steps that create the `missing` objects of `revision`: labels in place, enum types with the
/// labels the history gives them; anything else is a manual step (migdoc does not know a table's
/// or column's full definition).
fn recreate(steps: &mut Vec<Step>, missing: &[Effect], revision: &str, postgres_version: u32, labels: &Labels<'_>) {
    for e in missing {
        match e {
            Effect::Type { name } => match (labels.at)(revision, name) {
                Some(list) => steps.push(Step {
                    why: format!("create type {name}, which {revision} creates and is missing"),
                    sql: Some(format!("CREATE TYPE {} AS ENUM ({});", qualified(name), list.iter().map(|l| literal(l)).collect::<Vec<_>>().join(", "))),
                    own_transaction: false,
                    manual: false,
                }),
                None => steps.push(manual(format!("create {e} as {revision} does"))),
            },
            Effect::Label { .. } => {}
            other => steps.push(manual(format!("create {other} as {revision} does (migdoc does not know its full definition)"))),
        }
    }
    let of_existing_types: Vec<Effect> =
        missing.iter().filter(|e| matches!(e, Effect::Label { type_name, .. } if !missing.contains(&Effect::Type { name: type_name.clone() }))).cloned().collect();
    for (type_name, list) in labels_by_type(&of_existing_types) {
        add_labels(steps, type_name, &list, revision, labels, postgres_version);
    }
}

/// A statement that aborts the transaction with `message` when `condition` holds.
fn refuse_if(condition: &str, message: &str) -> String {
    let body = format!("BEGIN IF {condition} THEN RAISE EXCEPTION USING MESSAGE = {}; END IF; END", literal(message));
    format!("DO {};", crate::quote::dollar(&body))
}

fn manual(why: String) -> Step {
    Step { why, sql: None, own_transaction: false, manual: true }
}
