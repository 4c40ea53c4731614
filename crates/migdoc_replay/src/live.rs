//! A live database's catalog read as the [`Catalog`] the replay builds, so that "what the
//! migrations say" and "what the database has" compare as plain values: enum types with their
//! labels in order, tables with their columns (enum type, NOT NULL, default, type). Names are as
//! the replay writes them: bare in the home schema (`public`, or a tenant's schema), `schema.name`
//! elsewhere. No I/O here: the caller runs [`catalog_query`] and hands over its one JSON value.

use serde::Deserialize;

use crate::catalog::{Catalog, Column, EnumType, Table};

/// One query, one JSON value: every enum type and every column of every table outside the
/// system schemas. It reads `pg_catalog` directly (the `information_schema` views are an order
/// of magnitude slower on catalogs of thousands of tables).
pub fn catalog_query() -> String {
    query(
        "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'",
    )
}

/// [`catalog_query`] limited to the objects of one schema (a tenant's), which is much less to
/// read in a database of many tenants.
pub fn catalog_query_for(schema: &str) -> String {
    query(&format!("n.nspname = '{}'", schema.replace('\'', "''")))
}

fn query(schemas: &str) -> String {
    format!(
        r"
SELECT json_build_object(
  'schemas', (SELECT coalesce(json_agg(n.nspname::text ORDER BY n.nspname), '[]') FROM pg_namespace n
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'),
  'types', (SELECT coalesce(json_agg(json_build_object(
              'schema', n.nspname, 'name', t.typname, 'is_enum', t.typtype = 'e', 'is_domain', t.typtype = 'd',
              'labels', (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))), '[]')
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE (t.typtype IN ('e', 'd', 'r')
                   OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = t.typrelid AND r.relkind = 'c')))
              AND {schemas}),
  'columns', (SELECT coalesce(json_agg(json_build_object(
              'schema', n.nspname, 'table', c.relname, 'column', a.attname,
              'not_null', a.attnotnull,
              'has_default', a.atthasdef OR a.attidentity <> '',
              'data_type', CASE WHEN t.typcategory = 'A' THEN 'ARRAY' ELSE '' END,
              'udt_schema', tn.nspname, 'udt', t.typname)
              ORDER BY n.nspname, c.relname, a.attnum), '[]')
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_type t ON t.oid = a.atttypid
            JOIN pg_namespace tn ON tn.oid = t.typnamespace
            WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND {schemas})
)"
    )
}

/// Reads [`catalog_query`]'s output. `home` is the schema whose objects have bare names;
/// `version_table` (in it) is left out.
pub fn catalog_from_json(text: &str, version_table: &str, home: &str) -> Result<Catalog, String> {
    let raw: Raw =
        serde_json::from_str(text.trim()).map_err(|e| format!("cannot read the catalog: {e}"))?;
    Ok(build(raw, version_table, home))
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    schemas: Vec<String>,
    types: Vec<RawType>,
    columns: Vec<RawColumn>,
}

#[derive(Deserialize)]
struct RawType {
    schema: String,
    name: String,
    labels: Option<Vec<String>>,
    /// Enum types, domains, range types and standalone composite types are read: each takes a
    /// name in the types' namespace.
    #[serde(default = "yes")]
    is_enum: bool,
    #[serde(default)]
    is_domain: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct RawColumn {
    schema: String,
    table: String,
    column: String,
    not_null: bool,
    has_default: bool,
    data_type: String,
    udt_schema: String,
    udt: String,
}

fn build(raw: Raw, version_table: &str, home: &str) -> Catalog {
    let qualified = |schema: &str, name: &str| {
        if schema == home {
            name.to_owned()
        } else {
            format!("{schema}.{name}")
        }
    };
    let mut catalog = Catalog {
        schemas: raw.schemas.into_iter().collect(),
        ..Catalog::default()
    };
    for t in raw.types {
        catalog.types.insert(
            qualified(&t.schema, &t.name),
            EnumType {
                labels: t.labels.unwrap_or_default(),
                created_by: 0,
                is_enum: t.is_enum,
                is_domain: t.is_domain,
            },
        );
    }
    for c in raw.columns {
        if c.table == version_table && c.schema == home {
            continue;
        }
        // `_mood` is the array type of `mood`.
        let (udt, is_array) = match (c.data_type.as_str(), c.udt.strip_prefix('_')) {
            ("ARRAY", Some(element)) => (element, true),
            _ => (c.udt.as_str(), false),
        };
        let type_key = qualified(&c.udt_schema, udt);
        let enum_type = catalog.types.contains_key(&type_key).then_some(type_key);
        let sql_type = if is_array || enum_type.is_some() {
            None
        } else {
            migdoc_ir::types::from_sql(udt).map(str::to_owned)
        };
        let table = catalog
            .tables
            .entry(qualified(&c.schema, &c.table))
            .or_insert_with(|| Table {
                columns: Vec::new(),
                created_by: 0,
            });
        table.columns.push(Column {
            name: c.column,
            enum_type,
            not_null: c.not_null,
            has_default: c.has_default,
            sql_type,
            allowed: None,
        });
    }
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_replay_shape() {
        let raw: Raw = serde_json::from_str(
            r#"{"types": [{"schema": "public", "name": "mood", "labels": ["sad", "ok"]}, {"schema": "app", "name": "st", "labels": ["a"]}],
                "columns": [
                  {"schema": "public", "table": "t", "column": "id", "not_null": true, "has_default": true, "data_type": "integer", "udt_schema": "pg_catalog", "udt": "int4"},
                  {"schema": "public", "table": "t", "column": "m", "not_null": false, "has_default": false, "data_type": "USER-DEFINED", "udt_schema": "public", "udt": "mood"},
                  {"schema": "public", "table": "t", "column": "ms", "not_null": false, "has_default": false, "data_type": "ARRAY", "udt_schema": "public", "udt": "_mood"},
                  {"schema": "app", "table": "u", "column": "s", "not_null": true, "has_default": false, "data_type": "USER-DEFINED", "udt_schema": "app", "udt": "st"},
                  {"schema": "public", "table": "alembic_version", "column": "version_num", "not_null": true, "has_default": false, "data_type": "character varying", "udt_schema": "pg_catalog", "udt": "varchar"}
                ]}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let c = build(raw, "alembic_version", "public");
        assert_eq!(c.types.keys().collect::<Vec<_>>(), ["app.st", "mood"]);
        let t = &c.tables["t"];
        assert_eq!(t.columns[0].sql_type.as_deref(), Some("integer"));
        assert_eq!(t.columns[1].enum_type.as_deref(), Some("mood"));
        assert_eq!(t.columns[2].enum_type.as_deref(), Some("mood"));
        assert_eq!(
            c.tables["app.u"].columns[0].enum_type.as_deref(),
            Some("app.st")
        );
        assert!(!c.tables.contains_key("alembic_version"));
    }
}
