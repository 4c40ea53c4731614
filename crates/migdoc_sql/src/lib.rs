//! PostgreSQL syntax for migdoc.
//!
//! squawk's parser (pure Rust, exact spans) parses each SQL string a migration runs; this crate
//! reduces its tree to the statements a migration history cares about ([`Statement`]) and reports
//! what PostgreSQL would reject ([`SqlError`]).
//!
//! Invariant: parsing never fails; unknown statements become [`Statement::Other`] with their keyword.

mod extract;
mod params;

use serde::{Deserialize, Serialize};
use squawk_syntax::ast::AstNode;

pub use params::{ParamStyle, neutralize_params};

/// A byte range inside the SQL text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlRange {
    pub start: u32,
    pub end: u32,
}

/// `schema.name`, with identifiers folded the way PostgreSQL folds them (unquoted to lower case).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualName {
    pub schema: Option<String>,
    pub name: String,
}

impl QualName {
    /// The name as migdoc's catalog keys objects: `name` in `public` (or unqualified),
    /// `schema.name` elsewhere.
    pub fn key(&self) -> String {
        match self.schema.as_deref() {
            None | Some("public") => self.name.clone(),
            Some(schema) => format!("{schema}.{}", self.name),
        }
    }
}

impl std::fmt::Display for QualName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A value in an INSERT row, an UPDATE assignment or a DEFAULT.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SqlValue {
    /// A string constant, possibly cast (`'a'::mood`).
    Str(String),
    Number(String),
    Bool(bool),
    Null,
    /// The `DEFAULT` keyword in a VALUES row.
    Default,
    /// A bind parameter (`:name`, `%(name)s`, `$1`).
    Param,
    /// Any other expression (`now()`, a subquery, ...).
    Expr,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    /// The type as written, lower-cased unless quoted (`varchar(20)`, `mood`, `public.mood`).
    pub type_name: QualName,
    /// `mood[]` and the like.
    pub is_array: bool,
    pub not_null: bool,
    pub primary_key: bool,
    pub default: Option<SqlValue>,
    /// `serial`, `bigserial`, `GENERATED ... AS IDENTITY`: the column fills itself.
    pub generated: bool,
    /// `REFERENCES t [(c)]` on the column.
    #[serde(default)]
    pub references: Option<ForeignKeyDef>,
}

/// `[CONSTRAINT name] FOREIGN KEY (columns) REFERENCES table`, or a column's `REFERENCES table`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForeignKeyDef {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub referenced: QualName,
    /// `REFERENCES t (x, y)`: the referenced columns (empty: the primary key).
    #[serde(default)]
    pub referenced_columns: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AlterTableAction {
    AddColumn {
        column: ColumnDef,
        if_not_exists: bool,
    },
    DropColumn {
        name: String,
        if_exists: bool,
        #[serde(default)]
        cascade: bool,
    },
    AlterColumnType {
        name: String,
        type_name: QualName,
        is_array: bool,
        /// `USING expr` was given.
        using: bool,
    },
    SetDefault {
        name: String,
        default: SqlValue,
    },
    DropDefault {
        name: String,
    },
    SetNotNull {
        name: String,
    },
    DropNotNull {
        name: String,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    RenameTable {
        to: String,
    },
    /// `SET SCHEMA s`: the table moves to schema `s` (its name is free again where it was).
    SetSchema {
        schema: String,
    },
    /// `ADD [CONSTRAINT name] FOREIGN KEY (...) REFERENCES t`.
    AddForeignKey(ForeignKeyDef),
    /// `DROP CONSTRAINT [IF EXISTS] name`.
    DropConstraint {
        name: String,
    },
    /// `ADD` of another kind of constraint (unique, check, primary key, exclusion).
    AddConstraint,
    /// Indexes, owners, storage, ...: nothing the catalog tracks.
    Other,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TransactionControl {
    Begin,
    Commit,
    Rollback,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Statement {
    CreateEnum {
        name: QualName,
        labels: Vec<String>,
    },
    /// `CREATE TYPE` of a composite, range or shell type, and `CREATE DOMAIN` (a domain is a
    /// type: its name is taken in the namespace enum types share).
    CreateTypeOther {
        name: QualName,
        /// `CREATE DOMAIN`.
        #[serde(default)]
        domain: bool,
    },
    AddEnumValue {
        name: QualName,
        label: String,
        if_not_exists: bool,
        /// `BEFORE 'y'` (true) or `AFTER 'y'` (false).
        position: Option<(bool, String)>,
    },
    RenameEnumValue {
        name: QualName,
        from: String,
        to: String,
    },
    RenameType {
        name: QualName,
        to: String,
    },
    /// `ALTER TYPE x SET SCHEMA s`: the type moves, with its labels; columns keep using it.
    SetTypeSchema {
        name: QualName,
        schema: String,
    },
    /// `DROP TYPE`, or `DROP DOMAIN` (`domain`).
    DropType {
        names: Vec<QualName>,
        if_exists: bool,
        cascade: bool,
        domain: bool,
    },
    CreateTable {
        name: QualName,
        columns: Vec<ColumnDef>,
        if_not_exists: bool,
        /// `columns` are all the table's columns: false with `LIKE`, `INHERITS`, `PARTITION
        /// OF`, `OF type`, or a column definition migdoc could not read.
        columns_complete: bool,
        /// Table-level `FOREIGN KEY` constraints (a column's `REFERENCES` is on the column).
        #[serde(default)]
        foreign_keys: Vec<ForeignKeyDef>,
    },
    AlterTable {
        name: QualName,
        if_exists: bool,
        actions: Vec<AlterTableAction>,
    },
    DropTable {
        names: Vec<QualName>,
        if_exists: bool,
        cascade: bool,
    },
    /// `CREATE SCHEMA [IF NOT EXISTS] name` (without schema elements).
    CreateSchema {
        name: String,
        if_not_exists: bool,
    },
    DropSchema {
        names: Vec<String>,
        if_exists: bool,
        cascade: bool,
    },
    Insert {
        table: QualName,
        /// `None` when the statement names no columns (all, in table order).
        columns: Option<Vec<String>>,
        /// Each VALUES row; empty for `INSERT ... SELECT`.
        rows: Vec<Vec<SqlValue>>,
        from_select: bool,
    },
    Update {
        table: QualName,
        assignments: Vec<(String, SqlValue)>,
        /// `column = 'literal'` comparisons in the WHERE clause (PostgreSQL validates those too).
        conditions: Vec<(String, SqlValue)>,
    },
    Transaction(TransactionControl),
    /// `DO $$ ... $$`: the body is PL/pgSQL, kept as text.
    Do {
        body: String,
    },
    /// A statement PostgreSQL refuses inside a transaction block (SQLSTATE 25001): `CREATE INDEX
    /// CONCURRENTLY`, `VACUUM`, `CREATE DATABASE`, ...; `what` names it.
    NoTransactionBlock {
        what: String,
    },
    /// Anything else, by its leading keywords (`SELECT`, `CREATE INDEX`, ...).
    Other {
        keyword: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParsedStatement {
    pub statement: Statement,
    pub range: SqlRange,
}

/// A statement PostgreSQL will reject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlError {
    pub message: String,
    /// Advice specific to the mistake, when migdoc knows it.
    pub help: Option<String>,
    pub range: SqlRange,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ParsedSql {
    pub statements: Vec<ParsedStatement>,
    /// At most one error per statement: the first, since later ones are usually its echo.
    pub errors: Vec<SqlError>,
}

/// Parses SQL text (bind parameters already neutralized, see [`neutralize_params`]).
/// PostgreSQL's identifier length, in bytes (`NAMEDATALEN - 1`).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// An identifier as PostgreSQL stores it: longer ones are cut to [`MAX_IDENTIFIER_BYTES`] bytes,
/// at a character boundary (a NOTICE, not an error; two long names that differ only after the
/// cut name the same object).
pub fn truncate_identifier(name: &str) -> &str {
    if name.len() <= MAX_IDENTIFIER_BYTES {
        return name;
    }
    let mut end = MAX_IDENTIFIER_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// [`truncate_identifier`] for each part of a `schema.name` key.
pub fn truncate_key(key: &str) -> String {
    if key.len() <= MAX_IDENTIFIER_BYTES {
        return key.to_owned();
    }
    key.split('.')
        .map(truncate_identifier)
        .collect::<Vec<_>>()
        .join(".")
}

pub fn parse(sql: &str) -> ParsedSql {
    let parse = squawk_syntax::SourceFile::parse(sql);
    let file = parse.tree();
    let mut out = ParsedSql::default();
    let mut starts = Vec::new();
    for stmt in file.stmts() {
        let node = stmt.syntax();
        let range = to_range(node.text_range());
        starts.push(range.start);
        out.statements.push(ParsedStatement {
            statement: extract::statement(node),
            range,
        });
    }
    // The parser reports an error for each token it cannot place, and those tokens sit between
    // statements. An error belongs to the last statement that starts at or before it (or to the
    // text before the first statement); only the first error of each segment is reported.
    let text_len = u32::try_from(sql.len()).unwrap_or(u32::MAX);
    let mut last_segment = None;
    for error in parse.errors() {
        let range = to_range(error.range());
        let segment = starts.iter().rposition(|&s| s <= range.start);
        if last_segment == Some(segment) {
            continue;
        }
        last_segment = Some(segment);
        let seg_start = segment.map_or(0, |i| starts[i]);
        let seg_end = segment
            .map_or(starts.first().copied(), |i| starts.get(i + 1).copied())
            .unwrap_or(text_len);
        let seg = SqlRange {
            start: seg_start,
            end: seg_end,
        };
        out.errors.push(explain(sql, error.message(), range, seg));
    }
    out
}

/// `range` without surrounding white space and a trailing semicolon.
fn trimmed(sql: &str, range: SqlRange) -> SqlRange {
    let text = sql
        .get(range.start as usize..range.end as usize)
        .unwrap_or("");
    let lead = text.len() - text.trim_start().len();
    let body = text.trim().trim_end_matches(';').trim_end();
    let start = range.start + u32::try_from(lead).unwrap_or(0);
    SqlRange {
        start,
        end: start + u32::try_from(body.len()).unwrap_or(0),
    }
}

fn to_range(r: rowan::TextRange) -> SqlRange {
    SqlRange {
        start: r.start().into(),
        end: r.end().into(),
    }
}

/// Turns a parser message into one a migration author can act on.
fn explain(sql: &str, raw: &str, range: SqlRange, segment: SqlRange) -> SqlError {
    let stmt_text = sql
        .get(segment.start as usize..segment.end as usize)
        .unwrap_or(sql);
    let words: Vec<String> = stmt_text
        .split_whitespace()
        .take(6)
        .map(str::to_ascii_uppercase)
        .collect();
    let starts = |prefix: &[&str]| {
        words
            .iter()
            .map(String::as_str)
            .take(prefix.len())
            .eq(prefix.iter().copied())
    };
    if starts(&["CREATE", "TYPE", "IF", "NOT", "EXISTS"]) {
        return SqlError {
            message: "PostgreSQL has no `CREATE TYPE IF NOT EXISTS`: this statement is a syntax error".into(),
            help: Some(
                "create the type in a `DO $$ BEGIN CREATE TYPE ... ; EXCEPTION WHEN duplicate_object THEN null; END $$` block, \
                 or use `postgresql.ENUM(..., name=...).create(op.get_bind(), checkfirst=True)`"
                    .into(),
            ),
            range: trimmed(sql, segment),
        };
    }
    let detail = raw.trim_end_matches('.');
    SqlError {
        message: format!("PostgreSQL will reject this SQL: {detail}"),
        help: None,
        range,
    }
}

#[cfg(test)]
mod tests;
