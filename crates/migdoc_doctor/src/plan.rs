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
        sql.push_str(&format!(
            "INSERT INTO {table} (version_num) VALUES ({});",
            literal(to)
        ));
    } else {
        let list = from
            .iter()
            .map(|f| literal(f))
            .collect::<Vec<_>>()
            .join(", ");
        sql.push_str(&format!("DELETE FROM {table} WHERE version_num IN ({list});\nINSERT INTO {table} (version_num) VALUES ({});", literal(to)));
    }
    Step {
        why: format!("record {to} in the version table (what `alembic stamp {to}` does)"),
        sql: Some(sql),
        own_transaction: false,
        manual: false,
    }
}

/// What the plan knows of enum labels: a type's labels at a revision (in the history's order),
/// and its labels in the database (in the database's order).
pub struct Labels<'a> {
    pub at: &'a dyn Fn(&str, &str) -> Option<Vec<String>>,
    pub live: &'a dyn Fn(&str) -> Vec<String>,
    /// The SQL the project's own Alembic writes for a revision offline (`alembic upgrade
    /// PARENT:REV --sql`); `None` when it cannot be asked (no Python, a merge revision).
    pub offline_sql: &'a dyn Fn(&str) -> Option<Result<String, String>>,
}

/// Steps that add `missing` labels to `type_name`, in the history's order and each at its place
/// (`BEFORE` the next label the type already has, else `AFTER` the previous one), so that the
/// type ends with the order `revision` gives it.
fn add_labels(
    steps: &mut Vec<Step>,
    type_name: &str,
    missing: &[&str],
    revision: &str,
    labels: &Labels<'_>,
    postgres_version: u32,
) {
    let mut current = (labels.live)(type_name);
    let expected = (labels.at)(revision, type_name)
        .filter(|e| missing.iter().all(|m| e.iter().any(|l| l == m)));
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
            (Some(n), _) => (
                format!(" BEFORE {}", literal(n)),
                current.iter().position(|l| l == n).unwrap_or(current.len()),
            ),
            (None, Some(p)) => (
                format!(" AFTER {}", literal(p)),
                current
                    .iter()
                    .position(|l| l == p)
                    .map_or(current.len(), |i| i + 1),
            ),
            (None, None) => (String::new(), current.len()),
        };
        steps.push(add_label(type_name, label, &position, postgres_version));
        current.insert(at, label.clone());
    }
}

fn add_label(type_name: &str, label: &str, position: &str, postgres_version: u32) -> Step {
    Step {
        why: format!("add the missing label '{label}' to {type_name}{position}"),
        sql: Some(format!(
            "ALTER TYPE {} ADD VALUE IF NOT EXISTS {}{position};",
            qualified(type_name),
            literal(label)
        )),
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
pub fn plan(
    diagnosis: &Diagnosis,
    vt: &VersionTable<'_>,
    version_table_exists: bool,
    choice: Option<Choice>,
    postgres_version: u32,
    labels: &Labels<'_>,
) -> Plan {
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
            Finding::PartiallyApplied {
                revision,
                present,
                missing,
            } => {
                match choice {
                    Some(Choice::Finish) => {
                        let mut steps = Vec::new();
                        recreate(&mut steps, missing, revision, postgres_version, labels);
                        if steps.iter().any(|s| s.manual) {
                            // What migdoc does not know completely, the project's own Alembic
                            // writes: the revision's statements that have not run.
                            match (labels.offline_sql)(revision) {
                            Some(Ok(sql)) => match finish_from_sql(revision, &sql, present, missing, vt.table) {
                                Ok(exact) => steps = exact,
                                Err(why) => steps = vec![manual(format!("finish {revision}: {why}"))],
                            },
                            Some(Err(why)) => steps.push(manual(format!("finish {revision}: Alembic could not write its SQL offline: {why}"))),
                            None => {}
                        }
                        }
                        plan.steps.extend(steps);
                        plan.steps.push(stamp(vt, &recorded, revision, exists));
                        recorded = vec![revision.clone()];
                        exists = true;
                    }
                    Some(Choice::Undo) => {
                        for e in present.iter().rev() {
                            match e {
                            // Last (effects sort schemas first), and only when nothing is in it
                            // any more: RESTRICT refuses too, the guard says why.
                            Effect::Schema { name } => plan.steps.push(Step {
                                why: format!("drop schema {name}, which {revision} created before it failed (only while it is empty)"),
                                sql: Some(format!(
                                    "{}\nDROP SCHEMA {};",
                                    refuse_if(
                                        &format!(
                                            "EXISTS (SELECT FROM pg_catalog.pg_depend WHERE refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND refobjid = {}::pg_catalog.regnamespace)",
                                            literal(&ident(name))
                                        ),
                                        &format!("schema {name} holds objects: undo drops only what {revision} left empty")
                                    ),
                                    ident(name)
                                )),
                                own_transaction: false,
                                manual: false,
                            }),
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
                        plan.steps.push(Step {
                            why: format!("then run `alembic upgrade` to apply {revision} again"),
                            sql: None,
                            own_transaction: false,
                            manual: false,
                        });
                    }
                    _ => {
                        plan.ambiguous = Some(format!(
                            "{revision} is half applied: `--choose finish` creates what is missing and stamps {revision}; `--choose undo` drops what it created so that `alembic upgrade` can run it again"
                        ));
                    }
                }
            }
            Finding::RecordedButMissing { revision, missing } => {
                let only_labels = missing.iter().all(|e| matches!(e, Effect::Label { .. }));
                if only_labels {
                    // Labels are added in place, at their places, safely (IF NOT EXISTS).
                    for (type_name, list) in labels_by_type(missing) {
                        add_labels(
                            &mut plan.steps,
                            type_name,
                            &list,
                            revision,
                            labels,
                            postgres_version,
                        );
                    }
                    continue;
                }
                match (choice, &diagnosis.looks_like) {
                    (Some(Choice::Stamp), Some(known)) => {
                        plan.steps.push(stamp(vt, &recorded, known, exists));
                        plan.steps.push(Step {
                            why: format!(
                                "then run `alembic upgrade head`: it applies {revision} again"
                            ),
                            sql: None,
                            own_transaction: false,
                            manual: false,
                        });
                        recorded = vec![known.clone()];
                    }
                    (Some(Choice::Finish), _) => {
                        recreate(&mut plan.steps, missing, revision, postgres_version, labels)
                    }
                    _ => {
                        plan.ambiguous = Some(format!(
                            "{revision} is recorded but its objects are missing: {}`--choose finish` recreates what migdoc can",
                            diagnosis.looks_like.as_ref().map(|k| format!("`--choose stamp` records {k} (the last revision whose objects are all present) so that `alembic upgrade head` runs {revision} again; ")).unwrap_or_default()
                        ));
                    }
                }
            }
            Finding::UnknownRevision {
                revision,
                looks_like,
            } => match (choice, looks_like) {
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
                    plan.ambiguous = Some(format!(
                        "the database was never stamped: `--choose stamp` records {known}, the last revision whose objects are all present"
                    ));
                }
                (_, None) => plan.steps.push(manual(
                    "find out which revision this schema corresponds to, then `alembic stamp` it"
                        .into(),
                )),
            },
            Finding::Healthy
            | Finding::Behind { .. }
            | Finding::Drift { .. }
            | Finding::SeveralRecorded { .. }
            | Finding::SeveralHeads { .. }
            | Finding::LabelOrder { .. } => {}
        }
    }
    plan
}

/// Steps that create the `missing` objects of `revision`: labels in place, enum types with the
/// labels the history gives them; anything else is a manual step (migdoc does not know a table's
/// or column's full definition).
fn recreate(
    steps: &mut Vec<Step>,
    missing: &[Effect],
    revision: &str,
    postgres_version: u32,
    labels: &Labels<'_>,
) {
    for e in missing {
        match e {
            Effect::Type { name } => match (labels.at)(revision, name) {
                Some(list) => steps.push(Step {
                    why: format!("create type {name}, which {revision} creates and is missing"),
                    sql: Some(format!(
                        "CREATE TYPE {} AS ENUM ({});",
                        qualified(name),
                        list.iter()
                            .map(|l| literal(l))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    own_transaction: false,
                    manual: false,
                }),
                None => steps.push(manual(format!("create {e} as {revision} does"))),
            },
            Effect::Label { .. } => {}
            other => steps.push(manual(format!(
                "create {other} as {revision} does (migdoc does not know its full definition)"
            ))),
        }
    }
    let of_existing_types: Vec<Effect> =
        missing.iter().filter(|e| matches!(e, Effect::Label { type_name, .. } if !missing.contains(&Effect::Type { name: type_name.clone() }))).cloned().collect();
    for (type_name, list) in labels_by_type(&of_existing_types) {
        add_labels(steps, type_name, &list, revision, labels, postgres_version);
    }
}

/// The statements of Alembic's offline SQL for `revision` (`alembic upgrade PARENT:REV --sql`)
/// that finish it, each a step:
/// - a statement that creates one of the revision's objects runs when that object is missing and
///   is skipped when present (a statement adding several columns: all, or none, present);
/// - the version table's statements are skipped (the plan stamps after them);
/// - any other statement (an index, a constraint, data) runs when it comes after every statement
///   whose object is present, or when only schemas, enum types and labels are present (they were made on
///   another connection, or committed alone: the revision's own transaction, which would have
///   run the statement, rolled back). Otherwise migdoc cannot tell whether it ran: an error.
pub fn finish_from_sql(
    revision: &str,
    sql: &str,
    present: &[Effect],
    missing: &[Effect],
    version_table: &str,
) -> Result<Vec<Step>, String> {
    use migdoc_sql::{AlterTableAction, Statement};
    enum Kind {
        Present,
        Missing,
        Skip,
        Other,
    }
    let parsed = migdoc_sql::parse(sql);
    if let Some(e) = parsed.errors.first() {
        return Err(format!(
            "migdoc cannot read Alembic's offline SQL: {}",
            e.message
        ));
    }
    let state = |e: Effect| {
        if present.contains(&e) {
            Kind::Present
        } else if missing.contains(&e) {
            Kind::Missing
        } else {
            Kind::Other
        }
    };
    let kinds: Vec<Result<Kind, String>> = parsed
        .statements
        .iter()
        .map(|st| {
            Ok(match &st.statement {
                Statement::Transaction(_) => Kind::Skip,
                Statement::CreateTable { name, .. }
                | Statement::Insert { table: name, .. }
                | Statement::Update { table: name, .. }
                    if name.name == version_table =>
                {
                    Kind::Skip
                }
                Statement::CreateSchema { name, .. } => {
                    state(Effect::Schema { name: name.clone() })
                }
                Statement::CreateEnum { name, .. } | Statement::CreateTypeOther { name, .. } => {
                    state(Effect::Type { name: name.key() })
                }
                Statement::CreateTable { name, .. } => state(Effect::Table { name: name.key() }),
                Statement::AddEnumValue { name, label, .. } => state(Effect::Label {
                    type_name: name.key(),
                    label: label.clone(),
                }),
                Statement::AlterTable { name, actions, .. }
                    if !actions.is_empty()
                        && actions
                            .iter()
                            .all(|a| matches!(a, AlterTableAction::AddColumn { .. })) =>
                {
                    let states: Vec<Kind> = actions
                        .iter()
                        .filter_map(|a| match a {
                            AlterTableAction::AddColumn { column, .. } => {
                                Some(state(Effect::Column {
                                    table: name.key(),
                                    column: column.name.clone(),
                                }))
                            }
                            _ => None,
                        })
                        .collect();
                    if states.iter().all(|k| matches!(k, Kind::Present)) {
                        Kind::Present
                    } else if states.iter().all(|k| matches!(k, Kind::Missing)) {
                        Kind::Missing
                    } else {
                        return Err(format!(
                            "some of the columns `{}` adds to {name} are there and some are not",
                            first_line(sql, st.range)
                        ));
                    }
                }
                _ => Kind::Other,
            })
        })
        .collect();
    let last_present = kinds.iter().rposition(|k| matches!(k, Ok(Kind::Present)));
    let only_types_present = present.iter().all(|e| {
        matches!(
            e,
            Effect::Schema { .. } | Effect::Type { .. } | Effect::Label { .. }
        )
    });
    let mut steps = Vec::new();
    for (i, (st, kind)) in parsed.statements.iter().zip(kinds).enumerate() {
        let text = sql
            .get(st.range.start as usize..st.range.end as usize)
            .unwrap_or("")
            .trim()
            .trim_end_matches(';')
            .trim();
        let run = match kind? {
            Kind::Present | Kind::Skip => false,
            Kind::Missing => true,
            Kind::Other if last_present.is_none_or(|p| i > p) || only_types_present => true,
            Kind::Other => {
                return Err(format!(
                    "migdoc cannot tell whether `{}` ran",
                    first_line(sql, st.range)
                ));
            }
        };
        if run {
            steps.push(Step {
                why: format!("run `{}` ({revision}'s own statement, from `alembic upgrade --sql`; not run yet)", first_line(sql, st.range)),
                sql: Some(format!("{text};")),
                own_transaction: false,
                manual: false,
            });
        }
    }
    Ok(steps)
}

fn first_line(sql: &str, range: migdoc_sql::SqlRange) -> String {
    let text = sql
        .get(range.start as usize..range.end as usize)
        .unwrap_or("")
        .trim();
    let line = text
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches(';');
    if line.len() < text.trim_end_matches(';').len() {
        format!("{line} ...")
    } else {
        line.to_owned()
    }
}

/// A statement that aborts the transaction with `message` when `condition` holds.
fn refuse_if(condition: &str, message: &str) -> String {
    let body = format!(
        "BEGIN IF {condition} THEN RAISE EXCEPTION USING MESSAGE = {}; END IF; END",
        literal(message)
    );
    format!("DO {};", crate::quote::dollar(&body))
}

fn manual(why: String) -> Step {
    Step {
        why,
        sql: None,
        own_transaction: false,
        manual: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQL: &str = "BEGIN;\n\nCREATE TYPE status AS ENUM ('a', 'b');\n\nCREATE TABLE users (id SERIAL NOT NULL, status status, PRIMARY KEY (id));\n\n\
                       CREATE INDEX ix_users_status ON users (status);\n\nALTER TABLE orders ADD COLUMN note TEXT, ADD COLUMN due DATE;\n\n\
                       UPDATE alembic_version SET version_num='r2' WHERE alembic_version.version_num = 'r1';\n\nCOMMIT;\n";

    fn ty(n: &str) -> Effect {
        Effect::Type { name: n.into() }
    }
    fn table(n: &str) -> Effect {
        Effect::Table { name: n.into() }
    }
    fn col(t: &str, c: &str) -> Effect {
        Effect::Column {
            table: t.into(),
            column: c.into(),
        }
    }
    fn run(present: &[Effect], missing: &[Effect]) -> Result<Vec<String>, String> {
        finish_from_sql("r2", SQL, present, missing, "alembic_version")
            .map(|steps| steps.into_iter().filter_map(|s| s.sql).collect())
    }

    #[test]
    fn runs_what_has_not_run_and_refuses_what_it_cannot_tell() {
        // Only the type is there: everything else runs, the version table is left to the stamp.
        let all = [
            table("users"),
            col("users", "id"),
            col("users", "status"),
            col("orders", "note"),
            col("orders", "due"),
        ];
        let steps = run(&[ty("status")], &all).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(steps.len(), 3, "{steps:?}");
        assert!(
            steps[0].starts_with("CREATE TABLE users")
                && steps[1].starts_with("CREATE INDEX")
                && steps[2].starts_with("ALTER TABLE orders"),
            "{steps:?}"
        );
        // A later statement's columns are there, the table before them is not: the statements did
        // not run in order, and whether the index was made cannot be told.
        let e = run(
            &[ty("status"), col("orders", "note"), col("orders", "due")],
            &[table("users"), col("users", "id"), col("users", "status")],
        )
        .err();
        assert!(e.is_some_and(|e| e.contains("cannot tell") && e.contains("CREATE INDEX")));
        // The table is there, the columns after it are not: its index came after it, and did
        // not run (the statements ran in order up to the table).
        let steps = run(
            &[
                ty("status"),
                table("users"),
                col("users", "id"),
                col("users", "status"),
            ],
            &[col("orders", "note"), col("orders", "due")],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            steps.len() == 2 && steps[0].starts_with("CREATE INDEX"),
            "{steps:?}"
        );
        // One of two columns of one statement: neither running it nor skipping it is right.
        let e = run(
            &[ty("status"), col("orders", "note")],
            &[
                table("users"),
                col("users", "id"),
                col("users", "status"),
                col("orders", "due"),
            ],
        )
        .err();
        assert!(e.is_some_and(|e| e.contains("some of the columns")));
    }
}
