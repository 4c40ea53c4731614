//! squawk's syntax tree reduced to [`Statement`]s. Walks untyped nodes by kind: the shapes used
//! here were read off the parser's output for each statement form (see the tests).

use squawk_syntax::{SyntaxKind as K, SyntaxNode, SyntaxToken};

use crate::{
    AlterTableAction, ColumnDef, ForeignKeyDef, QualName, SqlValue, Statement, TransactionControl,
};

pub(crate) fn statement(node: &SyntaxNode) -> Statement {
    let extracted = match node.kind() {
        K::CREATE_TYPE => create_type(node),
        K::ALTER_TYPE => alter_type(node),
        K::DROP_TYPE => Some(Statement::DropType {
            names: children(node, K::TYPE_NAME_REF)
                .filter_map(|n| qual_name(&n))
                .collect(),
            if_exists: has_child(node, K::IF_EXISTS),
            cascade: has_child(node, K::CASCADE),
            domain: false,
        }),
        // A domain is a type: it takes its name in the namespace enum types share.
        K::CREATE_DOMAIN => child(node, K::DOMAIN)
            .and_then(|n| qual_name(&n))
            .map(|name| Statement::CreateTypeOther { name, domain: true }),
        K::DROP_DOMAIN => Some(Statement::DropType {
            names: children(node, K::DOMAIN_REF)
                .filter_map(|n| qual_name(&n))
                .collect(),
            if_exists: has_child(node, K::IF_EXISTS),
            cascade: has_child(node, K::CASCADE),
            domain: true,
        }),
        K::CREATE_TABLE => create_table(node),
        // `CREATE TABLE t AS SELECT ...` and `SELECT ... INTO t`: a table whose columns come
        // from the query.
        K::CREATE_TABLE_AS => table_from_query(node, node),
        K::SELECT_INTO => {
            child(node, K::INTO_CLAUSE).and_then(|into| table_from_query(&into, node))
        }
        K::ALTER_TABLE => alter_table(node),
        K::DROP_TABLE => Some(Statement::DropTable {
            names: children(node, K::TABLE_NAME_REF)
                .chain(children(node, K::PATH))
                .filter_map(|n| qual_name(&n))
                .collect(),
            if_exists: has_child(node, K::IF_EXISTS),
            cascade: has_child(node, K::CASCADE),
        }),
        K::CREATE_SCHEMA => create_schema(node),
        K::DROP_SCHEMA => Some(Statement::DropSchema {
            names: descendants(node, K::SCHEMA_REF)
                .map(|n| ident_text(&n))
                .collect(),
            if_exists: has_child(node, K::IF_EXISTS),
            cascade: has_child(node, K::CASCADE),
        }),
        K::INSERT => insert(node),
        K::UPDATE => update(node),
        K::BEGIN => Some(Statement::Transaction(TransactionControl::Begin)),
        K::COMMIT_TRANSACTION => Some(Statement::Transaction(TransactionControl::Commit)),
        K::ROLLBACK_TRANSACTION => Some(Statement::Transaction(TransactionControl::Rollback)),
        K::DO => child(node, K::LITERAL)
            .and_then(|lit| string_literal(&lit))
            .map(|body| Statement::Do { body }),
        _ => None,
    };
    extracted
        .or_else(|| no_transaction_block(node))
        .unwrap_or_else(|| Statement::Other {
            keyword: keyword(node),
        })
}

/// The statements PostgreSQL runs only outside a transaction block (`PreventInTransactionBlock`
/// in its source; each checked on PostgreSQL 15: SQLSTATE 25001 inside `BEGIN`), by their words.
fn no_transaction_block(node: &SyntaxNode) -> Option<Statement> {
    let words: Vec<String> = tokens(node)
        .filter(|t| t.kind() != K::WHITESPACE && t.kind() != K::COMMENT)
        .map(|t| t.text().to_ascii_uppercase())
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
        .take(6)
        .collect();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let what = match w.as_slice() {
        ["VACUUM", ..] => "VACUUM",
        ["CREATE", "INDEX", "CONCURRENTLY", ..]
        | ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY", ..] => "CREATE INDEX CONCURRENTLY",
        ["DROP", "INDEX", "CONCURRENTLY", ..] => "DROP INDEX CONCURRENTLY",
        ["REINDEX", rest @ ..] if rest.contains(&"CONCURRENTLY") => "REINDEX CONCURRENTLY",
        ["REINDEX", "DATABASE", ..] | ["REINDEX", "VERBOSE", "DATABASE", ..] => "REINDEX DATABASE",
        ["REINDEX", "SCHEMA", ..] | ["REINDEX", "VERBOSE", "SCHEMA", ..] => "REINDEX SCHEMA",
        ["REINDEX", "SYSTEM", ..] | ["REINDEX", "VERBOSE", "SYSTEM", ..] => "REINDEX SYSTEM",
        ["CLUSTER"] | ["CLUSTER", "VERBOSE"] => "CLUSTER",
        ["CREATE", "DATABASE", ..] => "CREATE DATABASE",
        ["DROP", "DATABASE", ..] => "DROP DATABASE",
        ["CREATE", "TABLESPACE", ..] => "CREATE TABLESPACE",
        ["DROP", "TABLESPACE", ..] => "DROP TABLESPACE",
        ["ALTER", "SYSTEM", ..] => "ALTER SYSTEM",
        _ => return None,
    };
    Some(Statement::NoTransactionBlock {
        what: what.to_owned(),
    })
}

/// The statement's first keywords, upper-cased: `CREATE INDEX`, `SELECT`.
fn keyword(node: &SyntaxNode) -> String {
    let mut words = Vec::new();
    for token in tokens(node) {
        if token.kind() == K::WHITESPACE || token.kind() == K::COMMENT {
            continue;
        }
        let text = token.text();
        if !text.chars().all(|c| c.is_ascii_alphabetic()) || words.len() == 2 {
            break;
        }
        words.push(text.to_ascii_uppercase());
        if !matches!(words[0].as_str(), "CREATE" | "ALTER" | "DROP") {
            break;
        }
    }
    words.join(" ")
}

/// `CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role]`. The forms that name the schema
/// after its role, or create objects in it (schema elements), are left to `Other`.
fn create_schema(node: &SyntaxNode) -> Option<Statement> {
    let named = child(node, K::NAMED_SCHEMA)?;
    let elements = node
        .children()
        .any(|c| c.kind() != K::NAMED_SCHEMA && c.kind() != K::IF_NOT_EXISTS);
    if elements {
        return None;
    }
    let name = ident_text(&child(&named, K::SCHEMA)?);
    (!name.is_empty()).then_some(Statement::CreateSchema {
        name,
        if_not_exists: has_child(node, K::IF_NOT_EXISTS),
    })
}

fn create_type(node: &SyntaxNode) -> Option<Statement> {
    let name = qual_name(&child(node, K::TYPE_NAME)?)?;
    let Some(enum_type) = child(node, K::ENUM_TYPE) else {
        return Some(Statement::CreateTypeOther {
            name,
            domain: false,
        });
    };
    let labels = child(&enum_type, K::VARIANT_LIST)
        .map(|list| {
            children(&list, K::VARIANT)
                .filter_map(|v| child(&v, K::LITERAL))
                .filter_map(|lit| string_literal(&lit))
                .collect()
        })
        .unwrap_or_default();
    Some(Statement::CreateEnum { name, labels })
}

fn alter_type(node: &SyntaxNode) -> Option<Statement> {
    let name = qual_name(&child(node, K::TYPE_NAME_REF)?)?;
    if let Some(add) = child(node, K::ADD_VALUE) {
        let mut literals = descendants(&add, K::LITERAL).filter_map(|l| string_literal(&l));
        let label = literals.next()?;
        // `ADD VALUE 'x' BEFORE 'y'` / `AFTER 'y'`.
        let position = literals.next().and_then(|neighbour| {
            let before = tokens(&add).any(|t| t.kind() == K::BEFORE_KW);
            let after = tokens(&add).any(|t| t.kind() == K::AFTER_KW);
            (before || after).then_some((before, neighbour))
        });
        return Some(Statement::AddEnumValue {
            name,
            label,
            if_not_exists: has_child(&add, K::IF_NOT_EXISTS),
            position,
        });
    }
    if let Some(rename) = child(node, K::RENAME_VALUE) {
        let mut literals = children(&rename, K::LITERAL).filter_map(|l| string_literal(&l));
        return Some(Statement::RenameEnumValue {
            name,
            from: literals.next()?,
            to: literals.next()?,
        });
    }
    if let Some(rename) = child(node, K::TYPE_RENAME_TO) {
        let to = qual_name(&child(&rename, K::TYPE_NAME)?)?;
        return Some(Statement::RenameType { name, to: to.name });
    }
    if let Some(set) = child(node, K::SET_SCHEMA) {
        let schema = ident_text(&child(&set, K::SCHEMA_REF)?);
        return Some(Statement::SetTypeSchema { name, schema });
    }
    // `OWNER TO`, `ADD ATTRIBUTE` (composites), `SET (...)`: no name or label changes.
    None
}

fn create_table(node: &SyntaxNode) -> Option<Statement> {
    let name = qual_name(&child(node, K::TABLE_NAME)?)?;
    let mut columns: Vec<ColumnDef> = Vec::new();
    let mut columns_complete = !node
        .children()
        .any(|c| matches!(c.kind(), K::INHERITS | K::PARTITION_OF | K::OF_TYPE));
    if let Some(args) = child(node, K::TABLE_ARG_LIST) {
        for arg in args.children() {
            match arg.kind() {
                K::COLUMN => match column_def(&arg) {
                    Some(c) => columns.push(c),
                    None => columns_complete = false,
                },
                K::LIKE_CLAUSE => columns_complete = false,
                _ => {}
            }
        }
    }
    let foreign_keys = child(node, K::TABLE_ARG_LIST)
        .map(|args| {
            children(&args, K::FOREIGN_KEY_CONSTRAINT)
                .filter_map(|fk| foreign_key(&fk))
                .collect()
        })
        .unwrap_or_default();
    // A table-level PRIMARY KEY (a, b) makes those columns NOT NULL.
    if let Some(args) = child(node, K::TABLE_ARG_LIST) {
        for pk in children(&args, K::PRIMARY_KEY_CONSTRAINT) {
            for col in descendants(&pk, K::COLUMN_NAME_REF) {
                let col_name = ident_text(&col);
                if let Some(c) = columns.iter_mut().find(|c| c.name == col_name) {
                    c.primary_key = true;
                    c.not_null = true;
                }
            }
        }
    }
    Some(Statement::CreateTable {
        name,
        columns,
        if_not_exists: has_child(node, K::IF_NOT_EXISTS),
        columns_complete,
        foreign_keys,
    })
}

/// A table made from a query: its name (a `TABLE_NAME` child of `named`); the columns are the
/// query's, which migdoc does not derive.
fn table_from_query(named: &SyntaxNode, node: &SyntaxNode) -> Option<Statement> {
    Some(Statement::CreateTable {
        name: qual_name(&child(named, K::TABLE_NAME)?)?,
        columns: Vec::new(),
        if_not_exists: has_child(node, K::IF_NOT_EXISTS),
        columns_complete: false,
        foreign_keys: Vec::new(),
    })
}

/// `[CONSTRAINT name] FOREIGN KEY (a, b) REFERENCES t [(x, y)]`.
fn foreign_key(node: &SyntaxNode) -> Option<ForeignKeyDef> {
    let referenced = qual_name(&child(node, K::TABLE_NAME_REF)?)?;
    // The local columns, then (optional) the referenced ones.
    let mut lists = children(node, K::FOREIGN_KEY_COLUMN_LIST).map(|list| {
        children(&list, K::COLUMN_NAME_REF)
            .map(|c| ident_text(&c))
            .collect::<Vec<_>>()
    });
    let columns = lists.next().unwrap_or_default();
    let referenced_columns = lists.next().unwrap_or_default();
    Some(ForeignKeyDef {
        name: constraint_name(node),
        columns,
        referenced,
        referenced_columns,
    })
}

fn constraint_name(node: &SyntaxNode) -> Option<String> {
    child(node, K::CONSTRAINT_NAME_CLAUSE)
        .and_then(|c| child(&c, K::CONSTRAINT_NAME))
        .map(|n| ident_text(&n))
}

/// A column definition: `COLUMN_NAME type constraint*` (in CREATE TABLE and ADD COLUMN).
fn column_def(node: &SyntaxNode) -> Option<ColumnDef> {
    let name = ident_text(&child(node, K::COLUMN_NAME)?);
    let type_node = node.children().find(|c| is_type_kind(c.kind()))?;
    let (type_name, is_array) = type_of(&type_node);
    let mut column = ColumnDef {
        generated: matches!(
            type_name.name.as_str(),
            "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" | "serial2"
        ),
        name,
        type_name,
        is_array,
        not_null: false,
        primary_key: false,
        default: None,
        references: None,
    };
    for constraint in node.children() {
        match constraint.kind() {
            K::NOT_NULL_CONSTRAINT => column.not_null = true,
            K::NULL_CONSTRAINT => column.not_null = false,
            K::PRIMARY_KEY_CONSTRAINT => {
                column.primary_key = true;
                column.not_null = true;
            }
            K::DEFAULT_CONSTRAINT => {
                column.default = constraint.children().next().map(|e| value(&e));
            }
            K::GENERATED_CONSTRAINT => column.generated = true,
            K::REFERENCES_CONSTRAINT => {
                column.references = child(&constraint, K::TABLE_NAME_REF)
                    .and_then(|t| qual_name(&t))
                    .map(|referenced| ForeignKeyDef {
                        name: constraint_name(&constraint),
                        columns: vec![column.name.clone()],
                        referenced,
                        referenced_columns: child(&constraint, K::COLUMN_NAME_REF)
                            .map(|c| vec![ident_text(&c)])
                            .unwrap_or_default(),
                    });
            }
            _ => {}
        }
    }
    Some(column)
}

fn is_type_kind(kind: K) -> bool {
    matches!(
        kind,
        K::PATH_TYPE
            | K::ARRAY_TYPE
            | K::CHARACTER_TYPE
            | K::BIT_VARYING_TYPE
            | K::TIMESTAMP_TYPE
            | K::VARCHAR_TYPE
            | K::BIT_TYPE
            | K::DOUBLE_TYPE
            | K::TIME_TYPE
            | K::INTERVAL_TYPE
            | K::PERCENT_TYPE
    )
}

/// A type's name, lower-cased when unquoted, and whether it is an array.
fn type_of(node: &SyntaxNode) -> (QualName, bool) {
    if node.kind() == K::ARRAY_TYPE
        && let Some(inner) = node.children().find(|c| is_type_kind(c.kind()))
    {
        return (type_of(&inner).0, true);
    }
    if node.kind() == K::PATH_TYPE
        && let Some(path) = child(node, K::PATH_REF).or_else(|| child(node, K::PATH))
        && let Some(name) = qual_name(&path)
    {
        return (name, false);
    }
    // Built-in spellings (`varchar(20)`, `double precision`, `timestamp with time zone`): the
    // keywords, lower-cased and without the arguments.
    let text: String = tokens(node)
        .take_while(|t| t.kind() != K::L_PAREN)
        .filter(|t| t.kind() != K::WHITESPACE)
        .map(|t| t.text().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    (
        QualName {
            schema: None,
            name: text,
        },
        false,
    )
}

fn alter_table(node: &SyntaxNode) -> Option<Statement> {
    let relation = child(node, K::TABLE_RELATION_NAME)?;
    let name = qual_name(&relation)?;
    let mut actions = Vec::new();
    for action in node.children() {
        let parsed = match action.kind() {
            K::ADD_COLUMN => column_def(&action).map(|column| AlterTableAction::AddColumn {
                column,
                if_not_exists: has_child(&action, K::IF_NOT_EXISTS),
            }),
            K::DROP_COLUMN => {
                child(&action, K::COLUMN_NAME_REF).map(|c| AlterTableAction::DropColumn {
                    name: ident_text(&c),
                    if_exists: has_child(&action, K::IF_EXISTS),
                    cascade: has_child(&action, K::CASCADE),
                })
            }
            K::ALTER_COLUMN => alter_column(&action),
            K::RENAME_COLUMN => {
                let from = child(&action, K::COLUMN_NAME_REF).map(|c| ident_text(&c));
                let to = child(&action, K::COLUMN_NAME).map(|c| ident_text(&c));
                from.zip(to)
                    .map(|(from, to)| AlterTableAction::RenameColumn { from, to })
            }
            K::TABLE_RENAME_TO => child(&action, K::TABLE_NAME)
                .and_then(|t| qual_name(&t))
                .map(|to| AlterTableAction::RenameTable { to: to.name }),
            K::SET_SCHEMA => child(&action, K::SCHEMA_REF).map(|s| AlterTableAction::SetSchema {
                schema: ident_text(&s),
            }),
            K::ADD_CONSTRAINT => Some(
                match child(&action, K::FOREIGN_KEY_CONSTRAINT).and_then(|fk| foreign_key(&fk)) {
                    Some(fk) => AlterTableAction::AddForeignKey(fk),
                    None if child(&action, K::FOREIGN_KEY_CONSTRAINT).is_some() => {
                        AlterTableAction::Other
                    }
                    None => AlterTableAction::AddConstraint,
                },
            ),
            K::DROP_CONSTRAINT => {
                child(&action, K::CONSTRAINT_NAME_REF).map(|n| AlterTableAction::DropConstraint {
                    name: ident_text(&n),
                })
            }
            K::TABLE_RELATION_NAME | K::IF_EXISTS => continue,
            _ => Some(AlterTableAction::Other),
        };
        actions.push(parsed.unwrap_or(AlterTableAction::Other));
    }
    Some(Statement::AlterTable {
        name,
        if_exists: has_child(node, K::IF_EXISTS),
        actions,
    })
}

fn alter_column(node: &SyntaxNode) -> Option<AlterTableAction> {
    let name = ident_text(&child(node, K::COLUMN_NAME_REF)?);
    let option = node.children().find(|c| c.kind() != K::COLUMN_NAME_REF)?;
    Some(match option.kind() {
        K::SET_TYPE => {
            let type_node = option.children().find(|c| is_type_kind(c.kind()))?;
            let (type_name, is_array) = type_of(&type_node);
            AlterTableAction::AlterColumnType {
                name,
                type_name,
                is_array,
                using: has_child(&option, K::USING_EXPR),
            }
        }
        K::SET_DEFAULT => AlterTableAction::SetDefault {
            name,
            default: option
                .children()
                .next()
                .map_or(SqlValue::Expr, |e| value(&e)),
        },
        K::DROP_DEFAULT => AlterTableAction::DropDefault { name },
        K::SET_NOT_NULL => AlterTableAction::SetNotNull { name },
        K::DROP_NOT_NULL => AlterTableAction::DropNotNull { name },
        _ => AlterTableAction::Other,
    })
}

fn insert(node: &SyntaxNode) -> Option<Statement> {
    let table = qual_name(&child(node, K::RELATION_NAME_REF)?)?;
    let columns = child(node, K::COLUMN_TARGET_LIST).map(|list| {
        children(&list, K::COLUMN_TARGET)
            .filter_map(|t| child(&t, K::COLUMN_NAME_REF))
            .map(|c| ident_text(&c))
            .collect()
    });
    let rows = child(node, K::VALUES)
        .and_then(|v| child(&v, K::ROW_LIST))
        .map(|list| {
            children(&list, K::ROW)
                .map(|row| row.children().map(|e| value(&e)).collect())
                .collect()
        })
        .unwrap_or_default();
    Some(Statement::Insert {
        table,
        columns,
        rows,
        from_select: child(node, K::VALUES).is_none(),
    })
}

fn update(node: &SyntaxNode) -> Option<Statement> {
    let table = qual_name(&child(node, K::RELATION_NAME)?)?;
    let assignments = child(node, K::SET_CLAUSE)
        .and_then(|c| child(&c, K::SET_COLUMN_LIST))
        .map(|list| {
            children(&list, K::SET_SINGLE_COLUMN)
                .filter_map(|set| {
                    let column = child(&set, K::COLUMN_TARGET)
                        .and_then(|t| child(&t, K::COLUMN_NAME_REF))
                        .map(|c| ident_text(&c))?;
                    let v = child(&set, K::SET_EXPR)
                        .and_then(|e| e.children().next())
                        .map_or(SqlValue::Expr, |e| value(&e));
                    Some((column, v))
                })
                .collect()
        })
        .unwrap_or_default();
    let conditions = child(node, K::WHERE_CLAUSE)
        .map(|w| comparisons(&w))
        .unwrap_or_default();
    Some(Statement::Update {
        table,
        assignments,
        conditions,
    })
}

/// `name = 'literal'` / `name <> 'literal'` / `name IN ('a', 'b')` pairs anywhere under `node`.
fn comparisons(node: &SyntaxNode) -> Vec<(String, SqlValue)> {
    let mut out = Vec::new();
    for bin in descendants(node, K::BIN_EXPR) {
        let operands: Vec<SyntaxNode> = bin.children().collect();
        let is_comparison = bin
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .any(|t| matches!(t.kind(), K::EQ | K::NEQ | K::NEQB | K::IN_KW));
        if !is_comparison {
            continue;
        }
        if let [left, right] = operands.as_slice()
            && left.kind() == K::NAME_REF
        {
            let column = ident_text(left);
            match right.kind() {
                K::TUPLE_EXPR | K::PAREN_EXPR => {
                    for item in right.children() {
                        out.push((column.clone(), value(&item)));
                    }
                }
                _ => out.push((column, value(right))),
            }
        }
    }
    out
}

/// A value expression: literals (possibly cast), NULL, DEFAULT, parameters; anything else is `Expr`.
fn value(node: &SyntaxNode) -> SqlValue {
    match node.kind() {
        K::LITERAL => {
            let Some(token) = first_token(node) else {
                return SqlValue::Expr;
            };
            match token.kind() {
                K::NULL_KW => SqlValue::Null,
                K::TRUE_KW => SqlValue::Bool(true),
                K::FALSE_KW => SqlValue::Bool(false),
                K::INT_NUMBER | K::NUMERIC_NUMBER => SqlValue::Number(token.text().to_owned()),
                K::DEFAULT_KW => SqlValue::Default,
                K::POSITIONAL_PARAM => SqlValue::Param,
                _ => string_literal(node).map_or(SqlValue::Expr, SqlValue::Str),
            }
        }
        K::CAST_EXPR => {
            node.children()
                .next()
                .map_or(SqlValue::Expr, |inner| match value(&inner) {
                    v @ (SqlValue::Str(_) | SqlValue::Null | SqlValue::Param) => v,
                    _ => SqlValue::Expr,
                })
        }
        K::PAREN_EXPR => node
            .children()
            .next()
            .map_or(SqlValue::Expr, |inner| value(&inner)),
        K::DEFAULT_KW => SqlValue::Default,
        K::NON_STANDARD_PARAM => SqlValue::Param,
        _ => SqlValue::Expr,
    }
}

/// `'it''s'` → `it's`; `E'a\'b'` → `a'b`; `$$x$$` / `$tag$x$tag$` → `x`.
pub(crate) fn string_literal(node: &SyntaxNode) -> Option<String> {
    let token = tokens(node).find(|t| {
        matches!(
            t.kind(),
            K::STRING | K::ESC_STRING | K::DOLLAR_QUOTED_STRING | K::UNICODE_ESC_STRING
        )
    })?;
    let text = token.text();
    match token.kind() {
        K::STRING => Some(unquote(text, '\'')),
        K::ESC_STRING => Some(unescape_e(text.get(1..)?)),
        K::DOLLAR_QUOTED_STRING => {
            let tag_end = text[1..].find('$')? + 2;
            let tag = &text[..tag_end];
            text.get(tag_end..text.len().checked_sub(tag.len())?)
                .map(str::to_owned)
        }
        _ => None,
    }
}

fn unquote(text: &str, quote: char) -> String {
    let inner = text
        .strip_prefix(quote)
        .and_then(|t| t.strip_suffix(quote))
        .unwrap_or(text);
    let doubled: String = [quote, quote].iter().collect();
    inner.replace(&doubled, &quote.to_string())
}

fn unescape_e(text: &str) -> String {
    let inner = unquote(text, '\'');
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// `a`, `"A"`, `s.a` → [`QualName`], folded as PostgreSQL folds identifiers.
fn qual_name(node: &SyntaxNode) -> Option<QualName> {
    let parts: Vec<String> = node
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() != K::WHITESPACE && t.kind() != K::DOT)
        .map(|t| ident(t.text()))
        .collect();
    match parts.as_slice() {
        [] => None,
        [name] => Some(QualName {
            schema: None,
            name: name.clone(),
        }),
        [.., schema, name] => Some(QualName {
            schema: Some(schema.clone()),
            name: name.clone(),
        }),
    }
}

fn ident_text(node: &SyntaxNode) -> String {
    tokens(node)
        .find(|t| t.kind() != K::WHITESPACE)
        .map(|t| ident(t.text()))
        .unwrap_or_default()
}

/// Folds one identifier token as PostgreSQL's scanner does: quoted ones keep their case (with
/// `""` unescaped), unquoted ones lower-case ASCII letters only (UTF-8 database); both are cut
/// to [`crate::MAX_IDENTIFIER_BYTES`].
pub(crate) fn ident(text: &str) -> String {
    let folded = if text.starts_with('"') {
        unquote(text, '"')
    } else {
        text.to_ascii_lowercase()
    };
    crate::truncate_identifier(&folded).to_owned()
}

fn child(node: &SyntaxNode, kind: K) -> Option<SyntaxNode> {
    node.children().find(|c| c.kind() == kind)
}

fn children(node: &SyntaxNode, kind: K) -> impl Iterator<Item = SyntaxNode> {
    node.children().filter(move |c| c.kind() == kind)
}

fn descendants(node: &SyntaxNode, kind: K) -> impl Iterator<Item = SyntaxNode> {
    node.descendants().filter(move |c| c.kind() == kind)
}

fn has_child(node: &SyntaxNode, kind: K) -> bool {
    node.children().any(|c| c.kind() == kind)
}

fn tokens(node: &SyntaxNode) -> impl Iterator<Item = SyntaxToken> {
    node.descendants_with_tokens()
        .filter_map(|e| e.into_token())
}

fn first_token(node: &SyntaxNode) -> Option<SyntaxToken> {
    tokens(node).find(|t| t.kind() != K::WHITESPACE)
}
