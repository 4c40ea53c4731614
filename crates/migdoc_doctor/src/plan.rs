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

fn add_label(type_name: &str, label: &str, postgres_version: u32) -> Step {
    Step {
        why: format!("add the missing label '{label}' to {type_name}"),
        sql: Some(format!("ALTER TYPE {} ADD VALUE IF NOT EXISTS {};", qualified(type_name), literal(label))),
        own_transaction: postgres_version < 12,
        manual: false,
    }
}

fn qualified(name: &str) -> String {
    match name.split_once('.') {
        Some((schema, n)) => format!("{}.{}", ident(schema), ident(n)),
        None => ident(name),
    }
}

/// The plan for `diagnosis`. `choice` decides ambiguous situations; without one they are
/// explained and the plan is marked ambiguous (`--apply` refuses it).
pub fn plan(diagnosis: &Diagnosis, vt: &VersionTable<'_>, version_table_exists: bool, choice: Option<Choice>, postgres_version: u32, expected_labels: &dyn Fn(&str, &str) -> Option<Vec<String>>) -> Plan {
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
                    recreate(&mut plan.steps, missing, revision, postgres_version, expected_labels);
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
                            Effect::Table { name } => plan.steps.push(Step {
                                why: format!("drop table {name}, which {revision} created before it failed (its rows go with it)"),
                                sql: Some(format!("DROP TABLE {};", qualified(name))),
                                own_transaction: false,
                                manual: false,
                            }),
                            Effect::Column { table, column } if !present.contains(&Effect::Table { name: table.clone() }) => plan.steps.push(Step {
                                why: format!("drop column {table}.{column}, which {revision} added before it failed"),
                                sql: Some(format!("ALTER TABLE {} DROP COLUMN {};", qualified(table), ident(column))),
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
                    // Labels are added in place, safely (IF NOT EXISTS).
                    for e in missing {
                        if let Effect::Label { type_name, label } = e {
                            plan.steps.push(add_label(type_name, label, postgres_version));
                        }
                    }
                    continue;
                }
                match (choice, &diagnosis.looks_like) {
                    (Some(Choice::Stamp), Some(known)) => {
                        plan.steps.push(stamp(vt, &recorded, known, exists));
                        plan.steps.push(Step { why: format!("then run `alembic upgrade head`: it applies {revision} again"), sql: None, own_transaction: false, manual: false });
                        recorded = vec![known.clone()];
                    }
                    (Some(Choice::Finish), _) => recreate(&mut plan.steps, missing, revision, postgres_version, expected_labels),
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
            Finding::Healthy | Finding::Behind { .. } | Finding::Drift { .. } | Finding::SeveralRecorded { .. } | Finding::SeveralHeads { .. } => {}
        }
    }
    plan
}

/// Steps that create the `missing` objects of `revision`: labels in place, enum types with the
/// labels the history gives them; anything else is a manual step (migdoc does not know a table's
/// or column's full definition).
fn recreate(steps: &mut Vec<Step>, missing: &[Effect], revision: &str, postgres_version: u32, expected_labels: &dyn Fn(&str, &str) -> Option<Vec<String>>) {
    for e in missing {
        match e {
            Effect::Label { type_name, label } if !missing.contains(&Effect::Type { name: type_name.clone() }) => {
                steps.push(add_label(type_name, label, postgres_version));
            }
            Effect::Type { name } => match expected_labels(revision, name) {
                Some(labels) => steps.push(Step {
                    why: format!("create type {name}, which {revision} creates and is missing"),
                    sql: Some(format!("CREATE TYPE {} AS ENUM ({});", qualified(name), labels.iter().map(|l| literal(l)).collect::<Vec<_>>().join(", "))),
                    own_transaction: false,
                    manual: false,
                }),
                None => steps.push(manual(format!("create {e} as {revision} does"))),
            },
            Effect::Label { .. } => {}
            other => steps.push(manual(format!("create {other} as {revision} does (migdoc does not know its full definition)"))),
        }
    }
}

fn manual(why: String) -> Step {
    Step { why, sql: None, own_transaction: false, manual: true }
}
