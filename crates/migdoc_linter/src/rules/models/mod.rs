//! Rules that compare the models (`migdoc_models`) with the schema replayed to head: one file per
//! rule for its documentation; the comparison is here.
//!
//! What an operation migdoc does not understand may have changed (`Outcome::uncertain`) says
//! nothing about what the database has: those tables and types are not compared, and after an
//! unbounded one only the rules that read the models alone run.

pub(crate) mod column_type_mismatch;
pub(crate) mod enum_label_never_sent;
pub(crate) mod enum_label_not_in_database;
pub(crate) mod enum_type_name_mismatch;
pub(crate) mod model_column_missing;
pub(crate) mod model_enum_create_type_false;
pub(crate) mod model_table_missing;
pub(crate) mod nullable_mismatch;
pub(crate) mod unmapped_not_null_column;

use migdoc_models::{ModelColumn, ModelEnum, ModelSchema, ModelTable};
use migdoc_python::TextRange;
use migdoc_replay::{Catalog, Column, Outcome};

use crate::{Context, Rule, Settings, Severity};

/// Compares the models with the replayed head; returns how many model tables were compared
/// (the others rest on what operations migdoc could not evaluate may have changed, or on a
/// table the history presupposes).
///
/// `filtered`: env.py gives Alembic an `include_object` / `include_name` filter, so a model
/// table may be no concern of this history (a plugin's history over the application's
/// metadata): a table missing from the migrated schema is then not reported.
pub(crate) fn check(
    ctx: &mut Context<'_>,
    models: &ModelSchema,
    outcome: &Outcome,
    settings: &Settings,
    filtered: bool,
) -> usize {
    for table in &models.tables {
        for column in &table.columns {
            if let Some(e) = &column.enum_type {
                create_type_false(ctx, column, e, settings);
            }
        }
    }
    if outcome.uncertain.unbounded {
        return 0;
    }
    let catalog = &outcome.head;
    let mut compared = 0;
    for table in &models.tables {
        if outcome.uncertain.table_definition(&table.name) {
            continue;
        }
        let Some(db) = catalog.tables.get(&table.name) else {
            // The history builds on tables made outside it: this may be one of them. Or
            // env.py's filter may leave it to another history.
            if outcome.predates || filtered {
                continue;
            }
            compared += 1;
            ctx.report_model(
                Rule::ModelTableMissing,
                table.module,
                header(ctx, table.module, table.range),
                format!(
                    "model table `{}` is not created by any migration",
                    table.name
                ),
                Some(
                    "generate the migration (`alembic revision --autogenerate`) and review it"
                        .to_owned(),
                ),
            );
            continue;
        };
        compared += 1;
        for column in &table.columns {
            match db.column(&column.name) {
                None => ctx.report_model(
                    Rule::ModelColumnMissing,
                    column.module,
                    column.range,
                    format!("column `{}.{}` is declared by the model but the migrated table has no such column", table.name, column.name),
                    Some(format!("add it in a migration: `op.add_column(\"{}\", sa.Column(\"{}\", ...))`", bare(&table.name), column.name)),
                ),
                Some(db_column) => compare_column(ctx, catalog, &outcome.uncertain, table, column, db_column),
            }
        }
        if table.complete {
            for db_column in &db.columns {
                if db_column.not_null
                    && !db_column.has_default
                    && !table.columns.iter().any(|c| c.name == db_column.name)
                {
                    ctx.report_model(
                        Rule::UnmappedNotNullColumn,
                        table.module,
                        header(ctx, table.module, table.range),
                        format!(
                            "column `{}.{}` is NOT NULL without a default, and the model does not declare it: inserts through the model fail with a not-null violation",
                            table.name, db_column.name
                        ),
                        Some(format!("declare `{}` in the model, or give it a server default", db_column.name)),
                    );
                }
            }
        }
    }
    compared
}

fn compare_column(
    ctx: &mut Context<'_>,
    catalog: &Catalog,
    uncertain: &migdoc_replay::Uncertainty,
    table: &ModelTable,
    column: &ModelColumn,
    db: &Column,
) {
    if db.not_null
        && !db.has_default
        && column.nullable
        && !column.has_default
        && !column.primary_key
    {
        ctx.report_model(
            Rule::NullableMismatch,
            column.module,
            column.range,
            format!(
                "column `{}.{}` is nullable in the model but NOT NULL without a default in the migrated table: an object saved without it is rejected",
                table.name, column.name
            ),
            Some("declare it `nullable=False` in the model (or give it a default)".to_owned()),
        );
    }
    if let (Some(model_type), Some(db_type)) = (&column.sql_type, &db.sql_type)
        && !column.is_array
        && migdoc_ir::types::family(model_type) != migdoc_ir::types::family(db_type)
    {
        let (severity, consequence) = if assignable(model_type, db_type) {
            (
                Severity::Warning,
                "PostgreSQL converts on insert, but values read back are not what the model declares",
            )
        } else {
            (
                Severity::Error,
                "PostgreSQL rejects the values the model sends",
            )
        };
        ctx.report_model_with(
                Rule::ColumnTypeMismatch,
                severity,
                column.module,
                column.range,
                format!("column `{}.{}` is `{model_type}` in the model but `{db_type}` in the migrated table: {consequence}", table.name, column.name),
                Some(format!("align them: change the model, or `op.alter_column(\"{}\", \"{}\", type_=..., postgresql_using=...)`", bare(&table.name), column.name)),
            );
    }
    let (Some(e), Some(type_name)) = (&column.enum_type, &db.enum_type) else {
        return;
    };
    if let Some(name) = e.name.as_ref().filter(|n| e.native && *n != type_name) {
        ctx.report_model(
            Rule::EnumTypeNameMismatch,
            column.module,
            column.range,
            format!("column `{}.{}` uses enum type `{type_name}` in the migrated table, but the model names it `{name}`", table.name, column.name),
            Some(format!("pass `name=\"{type_name}\"` to the model's enum")),
        );
    }
    if uncertain.type_labels(type_name) {
        return;
    }
    let Some(db_type) = catalog.types.get(type_name).filter(|t| t.is_enum) else {
        return;
    };
    let Some(sends) = &e.sends else { return };
    let missing: Vec<&String> = sends
        .iter()
        .filter(|s| !db_type.labels.contains(s))
        .collect();
    if !missing.is_empty() {
        let (message, help) =
            label_mismatch(table, column, e, type_name, &db_type.labels, &missing);
        ctx.report_model(
            Rule::EnumLabelNotInDatabase,
            column.module,
            column.range,
            message,
            Some(help),
        );
    }
    let never: Vec<&String> = db_type
        .labels
        .iter()
        .filter(|l| !sends.contains(l))
        .collect();
    if !never.is_empty() && missing.is_empty() {
        ctx.report_model(
            Rule::EnumLabelNeverSent,
            column.module,
            column.range,
            format!(
                "enum type `{type_name}` has labels the model never sends: {}",
                quoted(&never)
            ),
            None,
        );
    }
}

/// Whether PostgreSQL accepts what SQLAlchemy sends for a `model` typed column in a `db` typed
/// column (checked on PostgreSQL 15: a string into an integer column fails; an integer into a
/// text column is converted).
fn assignable(model: &str, db: &str) -> bool {
    let (m, d) = (
        migdoc_ir::types::family(model),
        migdoc_ir::types::family(db),
    );
    let numeric = |f: &str| matches!(f, "integer" | "float" | "numeric");
    let temporal = |f: &str| matches!(f, "timestamp" | "timestamptz" | "date");
    d == "string" || (numeric(m) && numeric(d)) || (temporal(m) && temporal(d))
}

fn label_mismatch(
    table: &ModelTable,
    column: &ModelColumn,
    e: &ModelEnum,
    type_name: &str,
    labels: &[String],
    missing: &[&String],
) -> (String, String) {
    let message = format!(
        "`{}.{}` sends {} that enum type `{type_name}` does not have (its labels: {}): inserts fail with `invalid input value for enum {type_name}`",
        table.name,
        column.name,
        quoted(missing),
        quoted(&labels.iter().collect::<Vec<_>>())
    );
    let add = format!(
        "a migration that adds them: {}",
        missing
            .iter()
            .map(|l| format!(
                "`ALTER TYPE {type_name} ADD VALUE IF NOT EXISTS '{}'`",
                l.replace('\'', "''")
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Names sent where the database has the values: `values_callable` is the fix.
    if let Some(class) = &e.class
        && let Some(values) = class.values.as_ref().filter(|_| !class.uses_values)
        && values.iter().all(|v| labels.contains(v))
    {
        return (
            format!(
                "{message}; SQLAlchemy sends the member NAMES of `{}`, the database has its VALUES",
                class.name
            ),
            format!(
                "`sa.Enum({}, values_callable=lambda e: [m.value for m in e])`, or {add}",
                class.name
            ),
        );
    }
    (message, add)
}

fn create_type_false(
    ctx: &mut Context<'_>,
    column: &ModelColumn,
    e: &ModelEnum,
    settings: &Settings,
) {
    // `sa.Enum(create_type=False)` is ignored before SQLAlchemy 2.1: `create_all` still creates it.
    let honoured = e.dialect_enum || settings.sqlalchemy_2_1 == Some(true);
    if e.create_type != Some(false) || !honoured || !e.native {
        return;
    }
    let name = e.name.as_deref().unwrap_or("the type");
    ctx.report_model(
        Rule::ModelEnumCreateTypeFalse,
        column.module,
        column.range,
        format!("the model declares enum `{name}` with `create_type=False`: `metadata.create_all()` (test fixtures) will not create it"),
        Some(format!(
            "create the type in the fixture before `create_all()`: `postgresql.ENUM(..., name=\"{name}\").create(conn, checkfirst=True)`, or drop `create_type=False` from the model"
        )),
    );
}

fn quoted(labels: &[&String]) -> String {
    labels
        .iter()
        .map(|l| format!("'{l}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn bare(table: &str) -> &str {
    table.rsplit('.').next().unwrap_or(table)
}

/// The first line of a class or `Table(...)`: what a diagnostic about the whole table underlines.
fn header(ctx: &Context<'_>, module: usize, range: TextRange) -> TextRange {
    let text = &ctx.sources.models.modules[module].text;
    let start = range.start as usize;
    let end = text
        .get(start..range.end as usize)
        .and_then(|s| s.find('\n'))
        .map_or(range.end, |n| u32::try_from(start + n).unwrap_or(range.end));
    TextRange::new(range.start, end)
}
