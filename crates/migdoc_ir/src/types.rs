//! Column types reduced to PostgreSQL's canonical names, so that a SQLAlchemy type in a model or an
//! `op.add_column`, and a type spelled in raw SQL, compare as plain strings. Only types that map to
//! one PostgreSQL type are named; anything else is `None` (unknown, never compared).

/// The PostgreSQL type SQLAlchemy emits for a type class (`sqlalchemy.String` → `varchar`).
/// `timezone` is the `timezone=True` argument of `DateTime` / `TIMESTAMP` / `Time`.
pub fn from_sqlalchemy(class: &str, timezone: bool) -> Option<&'static str> {
    let class = class.rsplit('.').next().unwrap_or(class);
    Some(match class {
        "Integer" | "INTEGER" | "INT" => "integer",
        "BigInteger" | "BIGINT" => "bigint",
        "SmallInteger" | "SMALLINT" => "smallint",
        "String" | "VARCHAR" | "Unicode" | "NVARCHAR" => "varchar",
        "Text" | "TEXT" | "UnicodeText" => "text",
        "CHAR" | "NCHAR" => "char",
        "Boolean" | "BOOLEAN" => "boolean",
        "DateTime" | "TIMESTAMP" if timezone => "timestamptz",
        "DateTime" | "TIMESTAMP" => "timestamp",
        "Date" | "DATE" => "date",
        "Time" | "TIME" if timezone => "timetz",
        "Time" | "TIME" => "time",
        "Float" | "FLOAT" | "Double" | "DOUBLE" | "DOUBLE_PRECISION" => "double precision",
        "REAL" => "real",
        "Numeric" | "NUMERIC" | "DECIMAL" => "numeric",
        "Uuid" | "UUID" => "uuid",
        "JSON" => "json",
        "JSONB" => "jsonb",
        "LargeBinary" | "BYTEA" | "BLOB" => "bytea",
        "Interval" | "INTERVAL" => "interval",
        "INET" => "inet",
        "CIDR" => "cidr",
        _ => return None,
    })
}

/// The canonical name of a type as written in SQL (`int4`, `character varying`, `timestamp with
/// time zone`), lower-cased and without arguments, as `migdoc_sql` reports it.
pub fn from_sql(written: &str) -> Option<&'static str> {
    Some(match written.trim() {
        "int" | "integer" | "int4" | "serial" | "serial4" => "integer",
        "bigint" | "int8" | "bigserial" | "serial8" => "bigint",
        "smallint" | "int2" | "smallserial" | "serial2" => "smallint",
        "varchar" | "character varying" => "varchar",
        "text" => "text",
        "char" | "character" | "bpchar" => "char",
        "bool" | "boolean" => "boolean",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "date" => "date",
        "time" | "time without time zone" => "time",
        "timetz" | "time with time zone" => "timetz",
        "double precision" | "float8" | "float" => "double precision",
        "real" | "float4" => "real",
        "numeric" | "decimal" => "numeric",
        "uuid" => "uuid",
        "json" => "json",
        "jsonb" => "jsonb",
        "bytea" => "bytea",
        "interval" => "interval",
        "inet" => "inet",
        "cidr" => "cidr",
        _ => return None,
    })
}

/// Types PostgreSQL converts between on assignment without complaint and that read back as the
/// same Python value: a difference inside one family is worth a warning at most.
pub fn family(canonical: &str) -> &str {
    match canonical {
        "integer" | "bigint" | "smallint" => "integer",
        "varchar" | "text" | "char" => "string",
        "double precision" | "real" => "float",
        "json" | "jsonb" => "json",
        other => other,
    }
}
