//! Rules that read the replay's outcome: one file per rule for its documentation; this module
//! turns each failure and note into a diagnostic, merging the deploy modes it occurs in.

pub(crate) mod add_value_in_transaction;
pub(crate) mod create_type_ignored;
pub(crate) mod downgrade_leaves_type;
pub(crate) mod drop_type_cascade;
pub(crate) mod drop_type_in_use;
pub(crate) mod duplicate_enum_label;
pub(crate) mod enum_created_twice;
pub(crate) mod enum_label_too_long;
pub(crate) mod enum_labels_differ_by_case;
pub(crate) mod execute_plain_string;
pub(crate) mod invalid_enum_literal;
pub(crate) mod missing_not_null_column;
pub(crate) mod needs_autocommit_block;
pub(crate) mod new_label_used_in_same_transaction;
pub(crate) mod relies_on_other_branch;
pub(crate) mod sqlalchemy_version_unknown;
pub(crate) mod swallowed_database_error;
pub(crate) mod table_conflict;
pub(crate) mod type_does_not_exist;
pub(crate) mod unnamed_constraint_drop;

use std::collections::BTreeMap;

use migdoc_python::TextRange;
use migdoc_replay::{FailureKind, Mode, NoteKind, Outcome, Phase};

use crate::{Context, Rule, Severity, fixes};

/// Which rule a failure belongs to. A type created again on the round trip's re-upgrade is the
/// downgrade's fault.
fn rule_for(kind: &FailureKind, swallowed: bool, mode: Mode, phase: Phase) -> Rule {
    if swallowed {
        return Rule::SwallowedDatabaseError;
    }
    match kind {
        FailureKind::DuplicateType { .. } if mode == Mode::RoundTrip && phase == Phase::Upgrade => {
            Rule::DowngradeLeavesType
        }
        FailureKind::DuplicateType { .. } => Rule::EnumCreatedTwice,
        FailureKind::UndefinedType {
            other_branch: Some(_),
            ..
        } => Rule::ReliesOnOtherBranch,
        FailureKind::UndefinedType { .. } | FailureKind::WrongTypeKind { .. } => {
            Rule::TypeDoesNotExist
        }
        FailureKind::DuplicateLabel { .. } => Rule::DuplicateEnumLabel,
        FailureKind::UnsafeNewValue { .. } => Rule::NewLabelUsedInSameTransaction,
        FailureKind::AddValueInTransaction { .. } => Rule::AddValueInTransaction,
        FailureKind::NotInTransactionBlock { .. } => Rule::NeedsAutocommitBlock,
        FailureKind::InvalidEnumLiteral { .. }
        | FailureKind::UndefinedLabel { .. }
        | FailureKind::CheckViolation { .. } => Rule::InvalidEnumLiteral,
        FailureKind::NotNullViolation { .. } => Rule::MissingNotNullColumn,
        FailureKind::DependentObjects { .. } => Rule::DropTypeInUse,
        FailureKind::LabelTooLong { .. } => Rule::EnumLabelTooLong,
        FailureKind::UndefinedTable { .. }
        | FailureKind::DuplicateTable { .. }
        | FailureKind::UndefinedColumn { .. }
        | FailureKind::DuplicateColumn { .. }
        | FailureKind::ColumnTwice { .. }
        | FailureKind::CannotCast { .. }
        | FailureKind::ReferencedTable { .. }
        | FailureKind::ReferencedColumn { .. }
        | FailureKind::SchemaNotEmpty { .. } => Rule::TableConflict,
        FailureKind::UnnamedConstraintDrop { .. } => Rule::UnnamedConstraintDrop,
        FailureKind::StringNotExecutable => Rule::ExecutePlainString,
    }
}

fn what(kind: &FailureKind, files: &[String]) -> (String, Option<String>) {
    match kind {
        FailureKind::DuplicateType { name, via } => (
            format!("{via} creates type `{name}`, which already exists: PostgreSQL fails with `type \"{name}\" already exists`"),
            Some(if via.contains("DOMAIN") {
                format!("create `{name}` once: pass `create_type=False` to `postgresql.DOMAIN(\"{name}\", ...)` where it is only referenced, or create it with `.create(op.get_bind(), checkfirst=True)`")
            } else {
                format!("create `{name}` once: use `postgresql.ENUM(..., name=\"{name}\", create_type=False)` where it is only referenced, or `.create(op.get_bind(), checkfirst=True)`")
            }),
        ),
        FailureKind::UndefinedType { name, via, other_branch: None } => (
            format!("{via} uses type `{name}`, which does not exist here: PostgreSQL fails with `type \"{name}\" does not exist`"),
            Some(format!("create `{name}` first (`postgresql.ENUM(..., name=\"{name}\").create(op.get_bind(), checkfirst=True)`); `op.add_column` and `op.alter_column` never create types")),
        ),
        FailureKind::WrongTypeKind { name, expected } => (
            format!("type `{name}` is not {expected}: PostgreSQL fails with `\"{name}\" is not {expected}`"),
            Some(format!("drop `{name}` with the statement of its kind (`DROP TYPE {name}` for an enum type)")),
        ),
        FailureKind::UndefinedType { name, via, other_branch: Some(creator) } => (
            format!(
                "{via} uses type `{name}`, created by {} on another branch: it exists only when Alembic applies that branch first",
                files.get(*creator).map_or("a revision", String::as_str)
            ),
            Some("add `depends_on` on the revision that creates the type, or move this change after the merge".into()),
        ),
        FailureKind::DuplicateLabel { type_name, label } => (
            format!("type `{type_name}` already has the label `{label}`: PostgreSQL fails with `enum label \"{label}\" already exists`"),
            Some("write `ADD VALUE IF NOT EXISTS`".into()),
        ),
        FailureKind::UnsafeNewValue { type_name, label } => (
            format!("label `{label}` of `{type_name}` is used in the transaction that added it: PostgreSQL fails with `unsafe use of new value \"{label}\"`"),
            Some("add the label inside `with op.get_context().autocommit_block():`, or set `transaction_per_migration=True` in env.py and use it in a later revision".into()),
        ),
        FailureKind::AddValueInTransaction { type_name } => (
            format!("`ALTER TYPE {type_name} ADD VALUE` runs inside a transaction, which PostgreSQL before 12 refuses"),
            Some("run it inside `with op.get_context().autocommit_block():`".into()),
        ),
        FailureKind::NotInTransactionBlock { what } => (
            format!("`{what}` runs inside the migration's transaction: PostgreSQL fails with `{what} cannot run inside a transaction block`"),
            Some("run it inside `with op.get_context().autocommit_block():`".into()),
        ),
        FailureKind::InvalidEnumLiteral { type_name, label, labels } => (
            format!(
                "`{label}` is not a label of `{type_name}` (labels: {}): PostgreSQL fails with `invalid input value for enum {type_name}: \"{label}\"`",
                labels.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", ")
            ),
            Some("use an existing label (labels are case-sensitive), or add the label in an earlier transaction".into()),
        ),
        FailureKind::CheckViolation { table, column, value, allowed } => (
            format!(
                "`{value}` is not one of the labels the CHECK of non-native enum column `{table}.{column}` allows ({}): PostgreSQL fails with `new row for relation \"{table}\" violates check constraint`",
                allowed.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", ")
            ),
            Some("use one of the labels (they are case-sensitive)".into()),
        ),
        FailureKind::UndefinedLabel { type_name, label } => (
            format!("`{label}` is not a label of `{type_name}`: PostgreSQL fails with `\"{label}\" is not an existing enum label`"),
            None,
        ),
        FailureKind::NotNullViolation { table, columns } => (
            format!(
                "this row omits NOT NULL column{} {} of `{table}`, which ha{} no default: PostgreSQL fails with a not-null violation",
                if columns.len() == 1 { "" } else { "s" },
                columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                if columns.len() == 1 { "s" } else { "ve" }
            ),
            Some("give every NOT NULL column a value: model defaults do not apply to raw SQL".into()),
        ),
        FailureKind::DependentObjects { type_name, users } => (
            format!(
                "type `{type_name}` is still used by {}: PostgreSQL fails with `cannot drop type {type_name} because other objects depend on it`",
                users.iter().map(|(t, c)| format!("`{t}.{c}`")).collect::<Vec<_>>().join(", ")
            ),
            Some("drop the table or column first, then the type".into()),
        ),
        FailureKind::LabelTooLong { label } => (
            format!("enum label `{label}` is {} bytes; PostgreSQL allows 63", label.len()),
            None,
        ),
        FailureKind::UndefinedTable { name } => (format!("table `{name}` does not exist here"), None),
        FailureKind::SchemaNotEmpty { schema, objects } => (
            format!(
                "schema `{schema}` still holds {}: PostgreSQL fails with `cannot drop schema {schema} because other objects depend on it`",
                objects.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ")
            ),
            Some("drop what it holds first, or use `DROP SCHEMA ... CASCADE`".into()),
        ),
        FailureKind::ReferencedTable { table, users } => (
            format!(
                "table `{table}` is still referenced by a foreign key of {}: PostgreSQL fails with `cannot drop table {table} because other objects depend on it`",
                users.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
            ),
            Some("drop the foreign key (or the referencing table) first, or use `DROP TABLE ... CASCADE` in raw SQL".into()),
        ),
        FailureKind::ReferencedColumn { table, column, users } => (
            format!(
                "column `{table}.{column}` is still referenced by a foreign key of {}: PostgreSQL fails with `cannot drop column {column} of table {table} because other objects depend on it`",
                users.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
            ),
            Some("drop the foreign key first (`op.drop_constraint(..., type_=\"foreignkey\")`), or use `DROP COLUMN ... CASCADE` in raw SQL".into()),
        ),
        FailureKind::DuplicateTable { name } => (format!("table `{name}` already exists here"), None),
        FailureKind::UndefinedColumn { table, column } => (format!("column `{table}.{column}` does not exist here"), None),
        FailureKind::DuplicateColumn { table, column } => (
            format!("column `{table}.{column}` already exists here"),
            Some("drop it first, or use `ADD COLUMN IF NOT EXISTS` in raw SQL".into()),
        ),
        FailureKind::ColumnTwice { table, column } => (
            format!("the definition of table `{table}` names column `{column}` twice: SQLAlchemy 2.0 and later raise `DuplicateColumnError` before any SQL runs (1.4 kept the last one)"),
            Some(format!("keep one `sa.Column(\"{column}\", ...)`")),
        ),
        FailureKind::UnnamedConstraintDrop { table } => (
            format!(
                "`op.drop_constraint(None, ...)`{}: a constraint without a name cannot be dropped, and env.py gives no `target_metadata` whose naming convention could name it; SQLAlchemy raises `CompileError` before any SQL",
                table.as_ref().map(|t| format!(" on `{t}`")).unwrap_or_default()
            ),
            Some("name the constraint as PostgreSQL named it (`<table>_<column>_fkey`, `<table>_<column>_key`, `<table>_<column>_check`)".into()),
        ),
        FailureKind::StringNotExecutable => (
            "`execute()` is given a plain string: SQLAlchemy 2.0 and later raise `ObjectNotExecutableError` (`Not an executable object`) before any SQL".into(),
            Some("wrap the SQL in `sa.text(...)` (`:name` parameters; `op.execute(...)` does it for you), or send it to the driver as 1.x did with `.exec_driver_sql(...)` (`%s` parameters)".into()),
        ),
        FailureKind::CannotCast { table, column, type_name } => (
            format!("`{table}.{column}` cannot be cast to `{type_name}` automatically: PostgreSQL fails with `cannot be cast automatically`"),
            Some(format!("pass `postgresql_using=\"{column}::text::{type_name}\"`")),
        ),
    }
}

fn modes_text(modes: &[(Mode, Phase)], bases: &[String]) -> String {
    if modes.iter().all(|(m, _)| *m == Mode::Heads) {
        return format!(
            "fails in `alembic upgrade heads`, which applies the independent histories from bases {} to one database; each of them alone passes here",
            bases
                .iter()
                .map(|b| format!("`{b}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let one = modes.iter().any(|(m, _)| *m == Mode::OneRun);
    let step = modes.iter().any(|(m, _)| *m == Mode::StepByStep);
    match (one, step) {
        (true, true) => "fails in `alembic upgrade head` and in deploys that run one revision at a time".into(),
        (true, false) => "fails in `alembic upgrade head` (one run, one transaction); passes when revisions deploy one per run".into(),
        (false, true) => {
            "fails when revisions deploy one per run (as in production); passes `alembic upgrade head` on an empty database, where SQLAlchemy creates each type once per run".into()
        }
        (false, false) => {
            let down = modes.iter().any(|(_, p)| *p == Phase::Downgrade);
            if down { "fails on `alembic downgrade`".into() } else { "fails when upgrading again after `alembic downgrade base`".into() }
        }
    }
}

/// `bases`: the ids of the bases of the history's independent histories (for [`Mode::Heads`]).
pub(crate) fn check(ctx: &mut Context, outcome: &Outcome, bases: &[String]) {
    let files: Vec<String> = ctx
        .sources
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    // Merge the modes of each failure at one place.
    type Place = (usize, (u32, u32), Rule);
    let mut merged: BTreeMap<Place, (FailureKind, Vec<(Mode, Phase)>)> = BTreeMap::new();
    for f in &outcome.failures {
        let rule = rule_for(&f.kind, f.swallowed, f.mode, f.phase);
        merged
            .entry((f.file, (f.range.start, f.range.end), rule))
            .or_insert_with(|| (f.kind.clone(), Vec::new()))
            .1
            .push((f.mode, f.phase));
    }
    for ((file, (start, end), rule), (kind, modes)) in merged {
        let (message, help) = what(&kind, &files);
        let (message, help) = if rule == Rule::SwallowedDatabaseError {
            (
                format!("{message}, inside a `try` whose `except` swallows it: PostgreSQL has aborted the transaction, so the next statement (or Alembic's version update) fails with `current transaction is aborted, commands ignored until end of transaction block`"),
                Some(help.map_or_else(
                    || "make the operation right for the database the history makes, or run it in a savepoint (`with op.get_bind().begin_nested():`) so that a failure does not abort the migration".to_owned(),
                    |h| format!("{h}; or run it in a savepoint (`with op.get_bind().begin_nested():`) so that a failure does not abort the migration"),
                )),
            )
        } else {
            (message, help)
        };
        let normal_deploy = modes
            .iter()
            .any(|(m, _)| matches!(m, Mode::OneRun | Mode::StepByStep | Mode::Heads));
        let severity = if normal_deploy {
            rule.default_severity()
        } else {
            rule.default_severity().min(Severity::Warning)
        };
        let message = format!("{message}; {}", modes_text(&modes, bases));
        let range = TextRange::new(start, end);
        ctx.report_with(rule, severity, file, Some(range), message, help);
        let source = &ctx.sources.files[file];
        let fix = match (&kind, rule) {
            (FailureKind::DuplicateLabel { .. }, _) => {
                fixes::add_value_if_not_exists(source, range)
            }
            (FailureKind::UnsafeNewValue { type_name, label }, _) => {
                fixes::autocommit_add_value(source, type_name, label, start)
            }
            // The fix writes `DROP TYPE`, which PostgreSQL refuses for a domain.
            (FailureKind::DuplicateType { name, via }, Rule::DowngradeLeavesType)
                if !via.contains("DOMAIN") =>
            {
                fixes::drop_type_in_downgrade(source, name)
            }
            _ => None,
        };
        ctx.attach_fix(fix);
    }
    let mut version_reported = false;
    for note in &outcome.notes {
        let range = Some(note.range);
        match &note.kind {
            NoteKind::DropTypeCascade { name, columns, via } => ctx.report(
                Rule::DropTypeCascade,
                note.file,
                range,
                format!(
                    "`{via} {name} CASCADE` silently drops {}",
                    columns
                        .iter()
                        .map(|(t, c)| format!("`{t}.{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Some(
                    "drop or convert those columns explicitly, then drop the type without CASCADE"
                        .into(),
                ),
            ),
            NoteKind::CreateTypeIgnored { name } => {
                ctx.report(
                    Rule::CreateTypeIgnored,
                    note.file,
                    range,
                    format!("`sa.Enum(..., name=\"{name}\", create_type=False)`: SQLAlchemy before 2.1 ignores `create_type` and creates the type anyway"),
                    Some("use `postgresql.ENUM(..., create_type=False)` (from sqlalchemy.dialects import postgresql)".into()),
                );
                let fix = fixes::dialect_enum(&ctx.sources.files[note.file], name);
                ctx.attach_fix(fix);
            }
            NoteKind::LabelsDifferByCase { type_name, a, b } => ctx.report(
                Rule::EnumLabelsDifferByCase,
                note.file,
                range,
                format!("labels `{a}` and `{b}` of `{type_name}` differ only by case"),
                None,
            ),
            NoteKind::SqlalchemyVersionMatters => {
                if !version_reported {
                    version_reported = true;
                    ctx.report(
                        Rule::SqlalchemyVersionUnknown,
                        note.file,
                        range,
                        "what this migration does depends on the SQLAlchemy version (1.4, 2.0 or 2.1), which migdoc could not find".into(),
                        Some("pin SQLAlchemy (requirements, lock file, pyproject) or pass `--sqlalchemy-version`".into()),
                    );
                }
            }
        }
    }
}
