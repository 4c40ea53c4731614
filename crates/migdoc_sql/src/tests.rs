use crate::{
    AlterTableAction, ParamStyle, QualName, SqlValue, Statement, TransactionControl,
    neutralize_params, parse,
};

fn one(sql: &str) -> Statement {
    let parsed = parse(sql);
    assert!(parsed.errors.is_empty(), "{sql}: {:?}", parsed.errors);
    assert_eq!(parsed.statements.len(), 1, "{sql}");
    parsed
        .statements
        .into_iter()
        .next()
        .map(|s| s.statement)
        .unwrap_or(Statement::Other {
            keyword: String::new(),
        })
}

fn name(n: &str) -> QualName {
    QualName {
        schema: None,
        name: n.into(),
    }
}

#[test]
fn create_enum_folds_names_and_unescapes_labels() {
    assert_eq!(
        one(r#"CREATE TYPE s."Foo" AS ENUM ('a', 'it''s')"#),
        Statement::CreateEnum {
            name: QualName {
                schema: Some("s".into()),
                name: "Foo".into()
            },
            labels: vec!["a".into(), "it's".into()],
        }
    );
    assert_eq!(
        one("create type MOOD as enum ()"),
        Statement::CreateEnum {
            name: name("mood"),
            labels: vec![]
        }
    );
}

#[test]
fn domains_are_types() {
    assert_eq!(
        one("CREATE DOMAIN s.Email AS text CHECK (VALUE LIKE '%@%') NOT NULL"),
        Statement::CreateTypeOther {
            name: QualName {
                schema: Some("s".into()),
                name: "email".into()
            },
            domain: true,
        }
    );
    assert_eq!(
        one("DROP DOMAIN IF EXISTS email, \"Phone\" CASCADE"),
        Statement::DropType {
            names: vec![name("email"), name("Phone")],
            if_exists: true,
            cascade: true,
            domain: true,
        }
    );
    assert_eq!(
        one("drop domain email"),
        Statement::DropType {
            names: vec![name("email")],
            if_exists: false,
            cascade: false,
            domain: true,
        }
    );
}

#[test]
fn create_type_if_not_exists_is_rejected_with_advice() {
    let parsed = parse("CREATE TYPE IF NOT EXISTS foo AS ENUM ('a')");
    assert_eq!(parsed.errors.len(), 1);
    assert!(
        parsed.errors[0]
            .message
            .contains("CREATE TYPE IF NOT EXISTS")
    );
    assert!(
        parsed.errors[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("duplicate_object"))
    );
}

#[test]
fn alter_type_forms() {
    assert_eq!(
        one("ALTER TYPE foo ADD VALUE IF NOT EXISTS 'x' BEFORE 'a'"),
        Statement::AddEnumValue {
            name: name("foo"),
            label: "x".into(),
            if_not_exists: true,
            position: Some((true, "a".into()))
        }
    );
    assert_eq!(
        one("ALTER TYPE foo ADD VALUE 'x' AFTER 'a'"),
        Statement::AddEnumValue {
            name: name("foo"),
            label: "x".into(),
            if_not_exists: false,
            position: Some((false, "a".into()))
        }
    );
    assert_eq!(
        one("ALTER TYPE foo ADD VALUE 'x'"),
        Statement::AddEnumValue {
            name: name("foo"),
            label: "x".into(),
            if_not_exists: false,
            position: None
        }
    );
    assert_eq!(
        one("ALTER TYPE foo RENAME VALUE 'a' TO 'b'"),
        Statement::RenameEnumValue {
            name: name("foo"),
            from: "a".into(),
            to: "b".into()
        }
    );
    assert_eq!(
        one("ALTER TYPE foo RENAME TO bar"),
        Statement::RenameType {
            name: name("foo"),
            to: "bar".into()
        }
    );
    assert_eq!(
        one("DROP TYPE IF EXISTS a, s.b CASCADE"),
        Statement::DropType {
            names: vec![
                name("a"),
                QualName {
                    schema: Some("s".into()),
                    name: "b".into()
                }
            ],
            if_exists: true,
            cascade: true,
            domain: false,
        }
    );
}

#[test]
fn create_table_columns() {
    let Statement::CreateTable {
        name: t,
        columns,
        if_not_exists,
        columns_complete: true,
        foreign_keys,
    } = one(
        "CREATE TABLE IF NOT EXISTS t (id serial primary key, s mood NOT NULL DEFAULT 'x', \
         n varchar(20) null, tags mood[], CONSTRAINT pk PRIMARY KEY (id))",
    )
    else {
        panic!("not a table");
    };
    assert_eq!(t, name("t"));
    assert!(if_not_exists);
    assert!(foreign_keys.is_empty());
    let summary: Vec<_> = columns
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.type_name.name.as_str(),
                c.is_array,
                c.not_null,
                c.generated,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("id", "serial", false, true, true),
            ("s", "mood", false, true, false),
            ("n", "varchar", false, false, false),
            ("tags", "mood", true, false, false),
        ]
    );
    assert_eq!(columns[1].default, Some(SqlValue::Str("x".into())));
}

#[test]
fn alter_table_actions() {
    let Statement::AlterTable { actions, .. } = one(
        "ALTER TABLE t ADD COLUMN c mood NOT NULL DEFAULT 'a', ALTER COLUMN c TYPE newt USING c::text::newt, \
         ALTER COLUMN d SET DEFAULT 'z', ALTER COLUMN d DROP NOT NULL, DROP COLUMN e, RENAME COLUMN f TO g",
    ) else {
        panic!("not alter table");
    };
    assert!(
        matches!(&actions[0], AlterTableAction::AddColumn { column, .. } if column.name == "c" && column.not_null)
    );
    assert_eq!(
        actions[1],
        AlterTableAction::AlterColumnType {
            name: "c".into(),
            type_name: name("newt"),
            is_array: false,
            using: true,
        }
    );
    assert_eq!(
        actions[2],
        AlterTableAction::SetDefault {
            name: "d".into(),
            default: SqlValue::Str("z".into())
        }
    );
    assert_eq!(
        actions[3],
        AlterTableAction::DropNotNull { name: "d".into() }
    );
    assert_eq!(
        actions[4],
        AlterTableAction::DropColumn {
            name: "e".into(),
            if_exists: false,
            cascade: false,
        }
    );
    assert_eq!(
        actions[5],
        AlterTableAction::RenameColumn {
            from: "f".into(),
            to: "g".into()
        }
    );
}

#[test]
fn insert_and_update_values() {
    assert_eq!(
        one("INSERT INTO s.t (a, b) VALUES (1, 'x'::mood), (DEFAULT, NULL)"),
        Statement::Insert {
            table: QualName {
                schema: Some("s".into()),
                name: "t".into()
            },
            columns: Some(vec!["a".into(), "b".into()]),
            rows: vec![
                vec![SqlValue::Number("1".into()), SqlValue::Str("x".into())],
                vec![SqlValue::Default, SqlValue::Null],
            ],
            from_select: false,
        }
    );
    assert_eq!(
        one("UPDATE t SET a = 'v', b = now() WHERE c = 'q'"),
        Statement::Update {
            table: name("t"),
            assignments: vec![
                ("a".into(), SqlValue::Str("v".into())),
                ("b".into(), SqlValue::Expr)
            ],
            conditions: vec![("c".into(), SqlValue::Str("q".into()))],
        }
    );
}

#[test]
fn bind_parameters_keep_offsets() {
    let sql = "INSERT INTO r (a, b) VALUES (:user_id, :b) -- x::int";
    let neutral = neutralize_params(sql, ParamStyle::Named);
    assert_eq!(neutral.len(), sql.len());
    let parsed = parse(&neutral);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let Statement::Insert { rows, .. } = &parsed.statements[0].statement else {
        panic!()
    };
    assert_eq!(rows[0], vec![SqlValue::Param, SqlValue::Param]);
    let casts = neutralize_params("SELECT 'a:b', x::text", ParamStyle::Named);
    assert_eq!(casts, "SELECT 'a:b', x::text");
    let py = neutralize_params(
        "UPDATE t SET a = %(x)s WHERE b = %s AND c LIKE 'q%%'",
        ParamStyle::Pyformat,
    );
    assert!(parse(&py).errors.is_empty(), "{py}");
}

/// `IN :ids` is rendered by the driver as a parenthesized list (an expanding `bindparam`, a
/// psycopg2 tuple): valid SQL, with the offsets kept.
#[test]
fn a_parameter_after_in_stands_for_a_list() {
    for (sql, style) in [
        (
            "UPDATE d SET a = 1 WHERE id IN :ids AND b NOT IN :other_ids",
            ParamStyle::Named,
        ),
        ("DELETE FROM d WHERE id in %(ids)s", ParamStyle::Pyformat),
    ] {
        let neutral = neutralize_params(sql, style);
        assert_eq!(neutral.len(), sql.len());
        assert!(parse(&neutral).errors.is_empty(), "{neutral}");
    }
    // A column whose name ends in `in` is no `IN`.
    assert_eq!(
        neutralize_params("SELECT t.origin :col", ParamStyle::Named),
        "SELECT t.origin $1  "
    );
}

#[test]
fn transactions_and_do_blocks() {
    let parsed = parse(
        "COMMIT; BEGIN; DO $$ BEGIN CREATE TYPE x AS ENUM ('a'); EXCEPTION WHEN duplicate_object THEN null; END $$;",
    );
    let kinds: Vec<_> = parsed
        .statements
        .iter()
        .map(|s| s.statement.clone())
        .collect();
    assert_eq!(kinds[0], Statement::Transaction(TransactionControl::Commit));
    assert_eq!(kinds[1], Statement::Transaction(TransactionControl::Begin));
    assert!(matches!(&kinds[2], Statement::Do { body } if body.contains("duplicate_object")));
    assert_eq!(
        one("CREATE INDEX ix ON t (a)"),
        Statement::Other {
            keyword: "CREATE INDEX".into()
        }
    );
    for (sql, what) in [
        (
            "CREATE INDEX CONCURRENTLY ix ON t (a)",
            "CREATE INDEX CONCURRENTLY",
        ),
        (
            "create unique index concurrently if not exists ix on t (a)",
            "CREATE INDEX CONCURRENTLY",
        ),
        (
            "DROP INDEX CONCURRENTLY IF EXISTS ix",
            "DROP INDEX CONCURRENTLY",
        ),
        (
            "REINDEX (VERBOSE) INDEX CONCURRENTLY ix",
            "REINDEX CONCURRENTLY",
        ),
        ("REINDEX DATABASE app", "REINDEX DATABASE"),
        ("REINDEX (VERBOSE) SCHEMA app", "REINDEX SCHEMA"),
        ("CLUSTER", "CLUSTER"),
        ("VACUUM ANALYZE t", "VACUUM"),
        ("CREATE DATABASE other", "CREATE DATABASE"),
        ("ALTER SYSTEM SET work_mem = '64MB'", "ALTER SYSTEM"),
    ] {
        assert_eq!(
            one(sql),
            Statement::NoTransactionBlock { what: what.into() },
            "{sql}"
        );
    }
    // These run in a transaction block (checked on PostgreSQL 15).
    for sql in [
        "REINDEX INDEX ix",
        "ANALYZE t",
        "CLUSTER t USING ix",
        "CREATE INDEX ix ON t (a)",
    ] {
        assert!(
            !matches!(one(sql), Statement::NoTransactionBlock { .. }),
            "{sql}"
        );
    }
}

#[test]
fn schemas() {
    assert_eq!(
        one("CREATE SCHEMA app"),
        Statement::CreateSchema {
            name: "app".into(),
            if_not_exists: false
        }
    );
    assert_eq!(
        one("create schema if not exists \"My App\" authorization bob"),
        Statement::CreateSchema {
            name: "My App".into(),
            if_not_exists: true
        }
    );
    assert_eq!(
        one("DROP SCHEMA IF EXISTS a, \"B\" CASCADE"),
        Statement::DropSchema {
            names: vec!["a".into(), "B".into()],
            if_exists: true,
            cascade: true
        }
    );
    assert_eq!(
        one("DROP SCHEMA a"),
        Statement::DropSchema {
            names: vec!["a".into()],
            if_exists: false,
            cascade: false
        }
    );
    // Schema elements create objects migdoc does not follow here; the role-named form names no schema.
    assert!(matches!(
        one("CREATE SCHEMA app CREATE TABLE t (a int)"),
        Statement::Other { .. }
    ));
    assert!(matches!(
        one("CREATE SCHEMA AUTHORIZATION bob"),
        Statement::Other { .. }
    ));
}

#[test]
fn one_error_per_statement() {
    let parsed = parse("SELEC 1; SELECT 2; CREATE TYPE IF NOT EXISTS x AS ENUM ('a')");
    assert_eq!(parsed.errors.len(), 2, "{:?}", parsed.errors);
}

#[test]
fn set_schema() {
    let parsed = parse(
        "ALTER TYPE mood SET SCHEMA archive; ALTER TABLE public.t SET SCHEMA \"Archive\"; ALTER TYPE mood OWNER TO CURRENT_USER;",
    );
    assert!(matches!(
        &parsed.statements[0].statement,
        Statement::SetTypeSchema { name, schema } if name.name == "mood" && schema == "archive"
    ));
    assert!(matches!(
        &parsed.statements[1].statement,
        Statement::AlterTable { actions, .. } if matches!(actions.as_slice(), [AlterTableAction::SetSchema { schema }] if schema == "Archive")
    ));
    assert!(matches!(
        &parsed.statements[2].statement,
        Statement::Other { .. }
    ));
}

#[test]
fn identifiers_are_cut_to_63_bytes_and_fold_ascii_only() {
    let long = format!("{}{}", "a".repeat(62), "éx");
    // 62 ASCII bytes, then a two-byte character that does not fit: cut before it.
    assert_eq!(crate::truncate_identifier(&long), "a".repeat(62));
    let Statement::CreateEnum { name, .. } =
        one(&format!("CREATE TYPE {} AS ENUM ('x')", "B".repeat(70)))
    else {
        panic!()
    };
    assert_eq!(name.name, "b".repeat(63));
    let Statement::CreateEnum { name, .. } = one("CREATE TYPE Étage AS ENUM ('x')") else {
        panic!()
    };
    assert_eq!(name.name, "Étage");
    assert_eq!(
        crate::truncate_key(&format!("app.{}", "t".repeat(70))),
        format!("app.{}", "t".repeat(63))
    );
}

#[test]
fn tables_whose_columns_come_from_elsewhere_are_incomplete() {
    for (sql, complete) in [
        (
            "CREATE TABLE t (a int PRIMARY KEY, b text NOT NULL, CONSTRAINT c CHECK (a > 0), UNIQUE (b))",
            true,
        ),
        ("CREATE TABLE t (LIKE x INCLUDING ALL, a int)", false),
        ("CREATE TABLE t (a int) INHERITS (p)", false),
        ("CREATE TABLE t PARTITION OF p FOR VALUES IN (1)", false),
        ("CREATE TABLE t OF some_type", false),
    ] {
        let Statement::CreateTable {
            columns_complete, ..
        } = one(sql)
        else {
            panic!("{sql}")
        };
        assert_eq!(columns_complete, complete, "{sql}");
    }
}

#[test]
fn pyformat_in_tuple_parses_with_its_offsets() {
    for (sql, neutral) in [
        (
            "UPDATE t SET r = %s WHERE id IN %s",
            "UPDATE t SET r = $1 WHERE id =  $1",
        ),
        (
            "UPDATE t SET r = 1 WHERE id NOT IN %s",
            "UPDATE t SET r = 1 WHERE id <>     $1",
        ),
        (
            "UPDATE t SET r = 1 WHERE id not  in\n%s",
            "UPDATE t SET r = 1 WHERE id <>     \n$1",
        ),
        (
            "UPDATE t SET r = 1 WHERE id IN %(ids)s",
            "UPDATE t SET r = 1 WHERE id IN ($1)   ",
        ),
    ] {
        let out = neutralize_params(sql, ParamStyle::Pyformat);
        assert_eq!(out, neutral);
        assert_eq!(out.len(), sql.len());
        assert!(parse(&out).errors.is_empty(), "{out}");
    }
}

#[test]
fn foreign_keys_name_the_columns_they_reference() {
    let Statement::CreateTable {
        columns,
        foreign_keys,
        ..
    } = one(
        "CREATE TABLE orders (id int, code text REFERENCES users (code), uid int REFERENCES users, \
         FOREIGN KEY (a, b) REFERENCES s.t (x, y), CONSTRAINT k FOREIGN KEY (c) REFERENCES t)",
    )
    else {
        panic!()
    };
    let refs = |i: usize| {
        columns[i]
            .references
            .as_ref()
            .map(|r| r.referenced_columns.clone())
    };
    assert_eq!(refs(1), Some(vec!["code".to_owned()]));
    assert_eq!(refs(2), Some(vec![]));
    assert_eq!(foreign_keys[0].columns, ["a", "b"]);
    assert_eq!(foreign_keys[0].referenced_columns, ["x", "y"]);
    assert_eq!(foreign_keys[1].name.as_deref(), Some("k"));
    assert!(foreign_keys[1].referenced_columns.is_empty());
    let Statement::AlterTable { actions, .. } = one("ALTER TABLE users DROP COLUMN code CASCADE")
    else {
        panic!()
    };
    assert_eq!(
        actions,
        [AlterTableAction::DropColumn {
            name: "code".into(),
            if_exists: false,
            cascade: true,
        }]
    );
}

#[test]
fn tables_made_from_a_query() {
    for (sql, name, if_not_exists) in [
        ("CREATE TABLE n AS SELECT a FROM t", "n", false),
        (
            "CREATE TABLE IF NOT EXISTS s.n AS SELECT 1 WITH NO DATA",
            "s.n",
            true,
        ),
        ("SELECT a INTO n FROM t", "n", false),
    ] {
        let Statement::CreateTable {
            name: got,
            columns,
            if_not_exists: ine,
            columns_complete,
            ..
        } = one(sql)
        else {
            panic!("{sql}")
        };
        assert_eq!(got.key(), name, "{sql}");
        assert_eq!(ine, if_not_exists, "{sql}");
        assert!(columns.is_empty() && !columns_complete, "{sql}");
    }
    assert!(matches!(one("SELECT a FROM t"), Statement::Other { .. }));
}
