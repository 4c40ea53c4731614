use crate::{EnumSpec, OpKind, RevisionOps, lower_revision};

fn lower(src: &str) -> RevisionOps {
    lower_revision(
        &migdoc_python::parse_module(src).body,
        crate::LowerOptions::default(),
        &crate::Externals::new(),
    )
}

/// [`lower`] for a project whose env.py runs migrations outside a transaction, where a failure
/// a `try` swallows leaves the run going without the rest of the `try` body.
fn lower_autocommit(src: &str) -> RevisionOps {
    lower_with(
        src,
        crate::LowerOptions {
            autocommit: true,
            ..crate::LowerOptions::default()
        },
    )
}

/// Lowers `src` with `options`.
fn lower_with(src: &str, options: crate::LowerOptions) -> RevisionOps {
    lower_revision(
        &migdoc_python::parse_module(src).body,
        options,
        &crate::Externals::new(),
    )
}

fn kinds(ops: &[crate::Op]) -> Vec<String> {
    ops.iter()
        .map(|op| match &op.kind {
            OpKind::Sql(sql) => format!("Sql({})", sql.text),
            OpKind::Unknown { what, .. } => format!("Unknown({what})"),
            other => format!("{other:?}")
                .split([' ', '('])
                .next()
                .unwrap_or("")
                .to_owned(),
        })
        .collect()
}

const HEAD: &str =
    "from alembic import op\nimport sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n";

#[test]
fn op_calls_and_enum_objects() {
    let ops = lower(&format!(
        "{HEAD}\nMOOD = postgresql.ENUM('happy', 'sad', name='mood', create_type=False)\n\n\
         def upgrade():\n    MOOD.create(op.get_bind(), checkfirst=False)\n    \
         op.create_table('people', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('mood', MOOD, nullable=False))\n    \
         op.add_column('people', sa.Column('tags', postgresql.ARRAY(sa.Enum('a', 'b', name='tag'))))\n    \
         op.create_index('ix', 'people', ['mood'])\n\n\
         def downgrade():\n    op.drop_table('people')\n    MOOD.drop(op.get_bind())\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade),
        ["CreateEnum", "CreateTable", "AddColumn", "NoCatalogEffect"]
    );
    assert_eq!(kinds(&ops.downgrade), ["DropTable", "DropEnum"]);
    let OpKind::CreateTable { columns, .. } = &ops.upgrade[1].kind else {
        panic!()
    };
    assert_eq!(
        columns[1].enum_type,
        Some(EnumSpec {
            name: Some("mood".into()),
            labels: Some(vec!["happy".into(), "sad".into()]),
            dialect_enum: true,
            create_type: Some(false),
            native: true,
            metadata_bound: false,
            inherit_schema: false,
            memo_name: None,
            domain: false,
            create_constraint: false,
        })
    );
    assert!(!columns[1].nullable);
    assert!(columns[0].generated);
    let OpKind::AddColumn { column, .. } = &ops.upgrade[2].kind else {
        panic!()
    };
    assert!(column.is_array);
    assert_eq!(ops.unknown_count(), 0);
}

#[test]
fn a_postgresql_domain_is_a_named_type_without_labels() {
    let ops = lower(&format!(
        "{HEAD}\nfrom sqlalchemy.dialects.postgresql import DOMAIN\n\n\
         def upgrade():\n    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True), \
         sa.Column('email', postgresql.DOMAIN('email', sa.Text(), check=\"VALUE LIKE '%@%'\", schema='app')), \
         sa.Column('phone', DOMAIN(name='phone', data_type=sa.Text(), create_type=False)))\n\n\
         def downgrade():\n    op.drop_table('users')\n"
    ));
    let OpKind::CreateTable { columns, .. } = &ops.upgrade[0].kind else {
        panic!("{:?}", ops.upgrade)
    };
    let email = columns[1]
        .enum_type
        .clone()
        .unwrap_or_else(|| panic!("no type"));
    assert_eq!(
        (
            email.name.as_deref(),
            email.domain,
            email.labels,
            email.create_type
        ),
        (Some("app.email"), true, None, None)
    );
    assert!(email.dialect_enum);
    let phone = columns[2]
        .enum_type
        .clone()
        .unwrap_or_else(|| panic!("no type"));
    assert_eq!(
        (phone.name.as_deref(), phone.domain, phone.create_type),
        (Some("phone"), true, Some(false))
    );
    assert_eq!(ops.unknown_count(), 0);
}

#[test]
fn strings_dialect_checks_loops_and_helpers() {
    let ops = lower(&format!(
        "{HEAD}\nPREFIX = 'app'\nLABELS = ['x', 'y']\n\n\
         def is_pg():\n    return op.get_bind().dialect.name == 'postgresql'\n\n\
         def upgrade():\n    name = f'{{PREFIX}}_status'\n    if is_pg():\n        \
         op.execute('CREATE TYPE %s AS ENUM (%s)' % (name, \"'a'\"))\n    else:\n        op.execute('nope')\n    \
         with op.get_context().autocommit_block():\n        for label in LABELS:\n            \
         op.execute(\"ALTER TYPE {{}} ADD VALUE IF NOT EXISTS '{{}}'\".format(name, label))\n    \
         conn = op.get_bind()\n    if isinstance(conn.dialect, postgresql.dialect):\n        conn.execute(sa.text('DROP TYPE IF EXISTS old'))\n    \
         if conn.engine.name == 'sqlite':\n        return\n    print('done')\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade),
        [
            "Sql(CREATE TYPE app_status AS ENUM ('a'))",
            "AutocommitBlock",
            "Sql(ALTER TYPE app_status ADD VALUE IF NOT EXISTS 'x')",
            "Sql(ALTER TYPE app_status ADD VALUE IF NOT EXISTS 'y')",
            "AutocommitBlock",
            // `postgresql.dialect` is psycopg2's on SQLAlchemy 2.0 and psycopg 3's on 2.1: with the
            // version unknown, the isinstance test cannot be decided.
            "Unknown(a branch on a condition migdoc cannot decide)",
        ]
    );
}

#[test]
fn what_cannot_be_decided_is_unknown() {
    let ops = lower(&format!(
        "{HEAD}\nfrom myapp.helpers import make_enum\n\n\
         def upgrade():\n    exists = op.get_bind().execute(sa.text(\"SELECT count(*) FROM people\")).scalar()\n    \
         if not exists:\n        op.execute(\"CREATE TYPE x AS ENUM ('a')\")\n    make_enum()\n    op.sync_enum_values('public', 'x', ['a'])\n    \
         try:\n        op.execute('DROP TYPE y')\n    except Exception:\n        pass\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade),
        [
            "Sql(SELECT count(*) FROM people)",
            "Unknown(a branch on a condition migdoc cannot decide)",
            "Unknown(make_enum)",
            "Unknown(op.sync_enum_values() with arguments migdoc cannot evaluate)",
            // A failure there aborts the transaction: a run that goes on ran it.
            "SwallowingTry",
            "Sql(DROP TYPE y)",
            "SwallowingTry",
        ]
    );
}

#[test]
fn batch_alter_table_is_op_with_the_table() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    with op.batch_alter_table('users', schema=None) as batch_op:\n        \
         batch_op.add_column(sa.Column('age', sa.Integer(), nullable=True))\n        batch_op.drop_column('nick')\n        \
         batch_op.create_index('ix_age', ['age'])\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade),
        ["AddColumn", "DropColumn", "NoCatalogEffect"]
    );
    assert!(
        matches!(&ops.upgrade[1].kind, OpKind::DropColumn { table, column } if table == "users" && column == "nick")
    );
}

#[test]
fn positional_parameters_given_by_keyword() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    \
         op.alter_column(table_name='chart', column_name='last_modified', type_=sa.TIMESTAMP(timezone=True))\n    \
         op.drop_column('t', column_name='c')\n    \
         op.rename_table(old_table_name='a', new_table_name='b')\n    \
         op.execute(sqltext='DROP TABLE x')\n    \
         op.drop_table(table_name='y', schema='s')\n    \
         with op.batch_alter_table(table_name='users') as batch_op:\n        \
         batch_op.alter_column(column_name='age', nullable=False)\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade),
        [
            "AlterColumn",
            "DropColumn",
            "RenameTable",
            "Sql(DROP TABLE x)",
            "DropTable",
            "AlterColumn"
        ]
    );
    assert!(
        matches!(&ops.upgrade[0].kind, OpKind::AlterColumn { table, column, .. } if table == "chart" && column == "last_modified")
    );
    assert!(
        matches!(&ops.upgrade[2].kind, OpKind::RenameTable { from, to } if from == "a" && to == "b")
    );
    assert!(matches!(&ops.upgrade[4].kind, OpKind::DropTable { table } if table == "s.y"));
    assert!(
        matches!(&ops.upgrade[5].kind, OpKind::AlterColumn { table, column, nullable: Some(false), .. } if table == "users" && column == "age")
    );
    assert_eq!(footprints(&ops.upgrade).len(), 0);
}

#[test]
fn existence_guards_become_guard_ops() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    conn = op.get_bind()\n    \
         exists = conn.execute(sa.text(\"SELECT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood')\")).scalar()\n    \
         if not exists:\n        op.execute(\"CREATE TYPE mood AS ENUM ('a')\")\n    \
         if not sa.inspect(conn).has_table('people'):\n        op.create_table('people', sa.Column('id', sa.Integer(), primary_key=True))\n"
    ));
    assert_eq!(kinds(&ops.upgrade), ["Guard", "Guard"]);
    let OpKind::Guard {
        subject,
        when_true,
        when_false,
    } = &ops.upgrade[0].kind
    else {
        panic!()
    };
    assert_eq!(subject, &crate::GuardSubject::Type("mood".into()));
    assert!(when_true.is_empty());
    assert_eq!(kinds(when_false), ["Sql(CREATE TYPE mood AS ENUM ('a'))"]);
    assert_eq!(footprints(&ops.upgrade).len(), 0);
}

/// The column names an inspector reflects, in a list, a set or a dict keyed by them, tested
/// with `in` / `not in`: a column's existence guard. Elsewhere they are data.
#[test]
fn column_existence_tests_become_guard_ops() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    insp = sa.inspect(op.get_bind())\n    \
         cols = [c['name'] for c in insp.get_columns('accounts')]\n    \
         if 'note' not in cols:\n        op.add_column('accounts', sa.Column('note', sa.Text()))\n    \
         seen = {{c.get('name'): c for c in insp.get_columns('events', schema='audit')}}\n    \
         if 'at' in seen:\n        op.drop_column('events', 'at', schema='audit')\n    \
         for name in cols:\n        print(name)\n    \
         found = seen.get('at')\n"
    ));
    assert_eq!(kinds(&ops.upgrade), ["Guard", "Guard"]);
    let subjects: Vec<&crate::GuardSubject> = ops
        .upgrade
        .iter()
        .filter_map(|op| match &op.kind {
            OpKind::Guard { subject, .. } => Some(subject),
            _ => None,
        })
        .collect();
    assert_eq!(
        subjects,
        [
            &crate::GuardSubject::Column {
                table: "accounts".into(),
                column: "note".into()
            },
            &crate::GuardSubject::Column {
                table: "audit.events".into(),
                column: "at".into()
            }
        ]
    );
    let OpKind::Guard {
        when_true,
        when_false,
        ..
    } = &ops.upgrade[0].kind
    else {
        panic!()
    };
    assert!(when_true.is_empty());
    assert_eq!(kinds(when_false), ["AddColumn"]);
    assert_eq!(footprints(&ops.upgrade).len(), 0);
}

/// `if <existence test>: return` (or `continue` in a loop): what follows runs only when the
/// test goes the other way, so it is the guard's other branch, not "statements after a return
/// migdoc cannot decide". A block around it still sees a `return` it cannot decide.
#[test]
fn an_early_return_on_an_existence_test_guards_what_follows() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    insp = sa.inspect(op.get_bind())\n    \
         for name in ['a', 'b']:\n        \
         cols = [c['name'] for c in insp.get_columns('accounts')]\n        \
         if name in cols:\n            continue\n        \
         op.add_column('accounts', sa.Column(name, sa.Text()))\n    \
         if insp.has_table('audit'):\n        return\n    \
         op.create_table('audit', sa.Column('id', sa.Integer()))\n    \
         op.execute(\"CREATE TYPE mood AS ENUM ('a')\")\n"
    ));
    assert_eq!(kinds(&ops.upgrade), ["Guard", "Guard", "Guard"]);
    assert_eq!(footprints(&ops.upgrade).len(), 0);
    let OpKind::Guard {
        subject,
        when_true,
        when_false,
    } = &ops.upgrade[2].kind
    else {
        panic!()
    };
    assert_eq!(subject, &crate::GuardSubject::Table("audit".into()));
    assert!(when_true.is_empty());
    assert_eq!(
        kinds(when_false),
        ["CreateTable", "Sql(CREATE TYPE mood AS ENUM ('a'))"]
    );
    let OpKind::Guard { when_false, .. } = &ops.upgrade[1].kind else {
        panic!()
    };
    assert_eq!(kinds(when_false), ["AddColumn"]);

    // Inside a `with`: what follows the `with` may not run.
    let nested = lower(&format!(
        "{HEAD}\ndef upgrade():\n    insp = sa.inspect(op.get_bind())\n    \
         with op.get_context().autocommit_block():\n        \
         if insp.has_table('audit'):\n            return\n        \
         op.create_table('audit', sa.Column('id', sa.Integer()))\n    \
         op.create_table('later', sa.Column('id', sa.Integer()))\n"
    ));
    assert!(nested.unknown_count() > 0, "{:?}", kinds(&nested.upgrade));
}

#[test]
fn python_enum_classes_give_member_names_unless_values_callable() {
    let ops = lower(&format!(
        "{HEAD}import enum\n\nclass Kind(str, enum.Enum):\n    NEW_DEVELOPMENT = 'new_development'\n    RENOVATION = 'renovation'\n    \
         REMODEL = 'renovation'\n\ndef upgrade():\n    op.create_table('p', sa.Column('k', sa.Enum(Kind)), \
         sa.Column('v', sa.Enum(Kind, name='kind_v', values_callable=lambda e: [m.value for m in e])))\n"
    ));
    let OpKind::CreateTable { columns, .. } = &ops.upgrade[0].kind else {
        panic!()
    };
    let names = columns[0].enum_type.as_ref().and_then(|e| e.labels.clone());
    assert_eq!(
        names,
        Some(vec!["NEW_DEVELOPMENT".to_owned(), "RENOVATION".to_owned()])
    );
    assert_eq!(
        columns[0]
            .enum_type
            .as_ref()
            .and_then(|e| e.name.clone())
            .as_deref(),
        Some("kind")
    );
    let values = columns[1].enum_type.as_ref().and_then(|e| e.labels.clone());
    assert_eq!(
        values,
        Some(vec!["new_development".to_owned(), "renovation".to_owned()])
    );
}

#[test]
fn constants_and_helpers_from_project_modules() {
    let mut externals = crate::Externals::new();
    externals.insert(
        "myapp.enums".into(),
        migdoc_python::parse_module("from alembic import op\nSTATUSES = ['new', 'paid']\nNAME = 'order_status'\n\ndef add_label(label):\n    op.execute(f\"ALTER TYPE order_status ADD VALUE IF NOT EXISTS '{label}'\")\n"),
    );
    let body = migdoc_python::parse_module(&format!(
        "{HEAD}from myapp.enums import STATUSES, NAME, add_label\n\ndef upgrade():\n    postgresql.ENUM(*STATUSES, name=NAME).create(op.get_bind())\n    \
         op.create_table('o', sa.Column('s', sa.Enum(*STATUSES, name=NAME)))\n    add_label('shipped')\n"
    ))
    .body;
    let ops = lower_revision(&body, crate::LowerOptions::default(), &externals);
    assert_eq!(
        kinds(&ops.upgrade),
        [
            "CreateEnum",
            "CreateTable",
            "Sql(ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'shipped')"
        ]
    );
    let OpKind::CreateEnum { spec, .. } = &ops.upgrade[0].kind else {
        panic!()
    };
    assert_eq!(spec.labels, Some(vec!["new".to_owned(), "paid".to_owned()]));
}

/// The footprint of every unknown op of `ops` (in order).
fn footprints(ops: &[crate::Op]) -> Vec<crate::Footprint> {
    RevisionOps::unknowns(ops)
        .into_iter()
        .map(|(_, f)| f.clone())
        .collect()
}

#[test]
fn autogenerate_noise_is_understood() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    \
         op.create_table('t', sa.Column('id', sa.Integer(), nullable=False), sa.PrimaryKeyConstraint('id', name=op.f('pk_t')))\n    \
         op.create_index(op.f('ix_t_id'), 't', ['id'], unique=False)\n    \
         with op.batch_alter_table('t', schema=None) as batch_op:\n        \
         batch_op.add_column(sa.Column('n', sa.Text(), nullable=True))\n        \
         batch_op.create_index(batch_op.f('ix_t_n'), ['n'])\n        \
         batch_op.execute('UPDATE t SET n = 1')\n    \
         op.rename_table('t', 'u')\n\n\
         def downgrade():\n    pass\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade),
        [
            "CreateTable",
            "NoCatalogEffect",
            "AddColumn",
            "NoCatalogEffect",
            "Sql(UPDATE t SET n = 1)",
            "RenameTable"
        ]
    );
    assert_eq!(ops.unknown_count(), 0);
}

#[test]
fn data_migrations_change_no_catalog() {
    let ops = lower(&format!(
        "{HEAD}\nfrom sqlalchemy.orm import Session\n\nclass Row(object):\n    __tablename__ = 'rows'\n\n\
         def upgrade():\n    t = sa.table('t', sa.column('email', sa.String))\n    \
         op.execute(t.update().where(t.c.email == 'x').values(email='y'))\n    \
         conn = op.get_bind()\n    session = Session(bind=conn)\n    \
         for row in conn.execute(sa.text('SELECT id FROM t')):\n        \
         conn.execute(sa.text('UPDATE t SET email = :e WHERE id = :i'), {{'e': row.email, 'i': row.id}})\n    \
         for obj in session.query(Row).all():\n        obj.email = obj.email.lower()\n        session.add(obj)\n    \
         session.commit()\n\n\
         def downgrade():\n    pass\n"
    ));
    assert!(
        footprints(&ops.upgrade)
            .iter()
            .all(crate::Footprint::is_none),
        "{:?}",
        ops.upgrade
    );
}

#[test]
fn what_cannot_be_decided_has_the_footprint_of_what_it_holds() {
    let ops = lower_autocommit(&format!(
        "{HEAD}\nimport os\n\ndef upgrade():\n    \
         if os.environ.get('X'):\n        op.drop_table('audit')\n    \
         try:\n        op.execute(\"CREATE TYPE mood AS ENUM ('a')\")\n    except Exception:\n        pass\n    \
         for name in os.environ['TABLES'].split(','):\n        op.execute(f'ALTER TABLE {{name}} ADD COLUMN x int')\n    \
         op.execute(os.environ['SQL'])\n    \
         op.execute(\"DO $$ BEGIN ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0); END $$\")\n\n\
         def downgrade():\n    pass\n"
    ));
    let f = footprints(&ops.upgrade);
    assert_eq!(f[0], crate::Footprint::of_names(["audit".to_owned()]));
    assert_eq!(f[1], crate::Footprint::of_names(["mood".to_owned()]));
    // An ALTER TABLE whose table is built at run time: any table, no type.
    assert!(f[2].any_table && !f[2].any_type, "{:?}", f[2]);
    assert!(f[3].is_unbounded());
    assert_eq!(f.len(), 4, "{:?}", ops.upgrade);
    // The DO block adds a constraint only.
    let OpKind::Sql(sql) = &ops.upgrade.last().unwrap_or_else(|| panic!()).kind else {
        panic!()
    };
    assert!(crate::Footprint::of_sql(&sql.parsed).is_none());
}

#[test]
fn helpers_bind_keywords_varargs_and_return_values() {
    let ops = lower(&format!(
        "{HEAD}\ndef make(name, *columns, kind='t', **options):\n    op.create_table(name, *columns)\n    return kind\n\n\
         def drop(*, table):\n    op.drop_table(table)\n\n\
         def upgrade():\n    k = make('a', sa.Column('id', sa.Integer()), sa.Column('b', sa.Text()), kind='x', extra=1)\n    \
         drop(table=k)\n\n\
         def downgrade():\n    pass\n"
    ));
    assert_eq!(kinds(&ops.upgrade), ["CreateTable", "DropTable"]);
    let OpKind::CreateTable { table, columns } = &ops.upgrade[0].kind else {
        panic!()
    };
    assert_eq!((table.as_str(), columns.len()), ("a", 2));
    assert_eq!(ops.upgrade[1].kind, OpKind::DropTable { table: "x".into() });
}

#[test]
fn the_connections_commit_is_a_transaction_boundary_and_its_rollback_unbounded() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    op.execute(\"ALTER TYPE mood ADD VALUE 'ok'\")\n    op.get_bind().commit()\n    \
         op.execute(\"UPDATE t SET m = 'ok'\")\n    op.get_bind().rollback()\n\n\
         def downgrade():\n    pass\n"
    ));
    assert_eq!(kinds(&ops.upgrade)[1], "AutocommitBlock");
    assert!(
        footprints(&ops.upgrade)
            .iter()
            .any(crate::Footprint::is_unbounded)
    );
}

/// `postgresql_concurrently=True` on an index, through `op` and in a batch block: a statement
/// PostgreSQL runs only outside a transaction block; without it, an index has no effect to check.
#[test]
fn concurrent_indexes_need_no_transaction_block() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    op.create_index('ix', 't', ['a'], postgresql_concurrently=True)\n    \
         op.create_index('iy', 't', ['b'])\n    \
         with op.batch_alter_table('t') as batch_op:\n        batch_op.drop_index('ix', postgresql_concurrently=True)\n\n\
         def downgrade():\n    pass\n"
    ));
    let what: Vec<String> = ops
        .upgrade
        .iter()
        .map(|op| match &op.kind {
            OpKind::NoTransactionBlock { what } => what.clone(),
            other => format!("{other:?}")
                .split([' ', '('])
                .next()
                .unwrap_or("")
                .to_owned(),
        })
        .collect();
    assert_eq!(
        what,
        [
            "CREATE INDEX CONCURRENTLY",
            "NoCatalogEffect",
            "DROP INDEX CONCURRENTLY"
        ]
    );
}

#[test]
fn what_a_helper_migdoc_cannot_see_returns_carries_the_names_it_was_given() {
    // `app` and `permissions` are modules migdoc cannot read.
    let ops = lower(&format!(
        "{HEAD}\nfrom app.security import cached_app, Pvm, migrate_roles, create_table, find_name, drop_uc\n\n\
         PVM_MAP = {{Pvm('ChartView', 'can_list'): (Pvm('Chart', 'can_read'),)}}\n\n\
         def upgrade():\n    \
         migrate_roles(PVM_MAP)\n    \
         appbuilder = cached_app(config={{'FAB_UPDATE_PERMS': False}}).appbuilder\n    \
         roles = [r for r in appbuilder.sm.get_all_roles() if r.name in ['User']]\n    \
         for role in roles:\n        appbuilder.sm.remove_permission_from_role(role, appbuilder.sm.get_permission('can_read', 'Config'))\n    \
         t = create_table('rls_filter_tables', sa.Column('id', sa.Integer()))\n    \
         op.get_bind().execute(t.insert().values(id=1))\n    \
         app = cached_app()\n    \
         if name := find_name('tables', ['a', 'b']):\n        drop_uc(op, name, 'tables')\n    \
         drop_uc(op)\n\n\
         def downgrade():\n    pass\n"
    ));
    let f = footprints(&ops.upgrade);
    let names = |f: &crate::Footprint| {
        f.names
            .iter()
            .cloned()
            .collect::<std::collections::BTreeSet<String>>()
    };
    assert!(
        !f.iter()
            .take(f.len() - 1)
            .any(crate::Footprint::is_unbounded),
        "{:?}",
        ops.upgrade
    );
    assert!(
        names(&f[0]).contains("Chart") && names(&f[0]).contains("can_list"),
        "{:?}",
        f[0]
    );
    // The loop's call: its receiver's names and its arguments'.
    assert!(
        names(&f[1]).contains("FAB_UPDATE_PERMS") && names(&f[1]).contains("Config"),
        "{:?}",
        f[1]
    );
    // An assigned helper call keeps the names it was given; its table's rows are data.
    assert_eq!(names(&f[2]), ["rls_filter_tables".to_owned()].into());
    // `app = cached_app()` builds a value: no op. The walrus binds what `find_name` returned.
    assert!(
        names(&f[3]).contains("tables") && names(&f[3]).contains("a"),
        "{:?}",
        f[3]
    );
    // A helper given the migration's `op` and nothing it can name may do anything to tables
    // (it drops no enum type: it was given no name of one).
    assert_eq!(f[4], crate::Footprint::unread_code());
    assert_eq!(f.len(), 5, "{:?}", ops.upgrade);
}

#[test]
fn comprehensions_over_known_sequences_are_evaluated() {
    let ops = lower(&format!(
        "{HEAD}\nTABLES = ['a', 'b', 'c']\n\n\
         def upgrade():\n    \
         cols = [sa.Column(t, sa.Integer()) for t in TABLES if t != 'b']\n    \
         for c in cols:\n        op.add_column('t', c)\n    \
         [op.drop_table(t) for t in TABLES if t == 'c']\n    \
         rows = [r.id for r in op.get_bind().execute(sa.text('SELECT id FROM a'))]\n    \
         for r in rows:\n        op.get_bind().execute(sa.text('DELETE FROM a WHERE id = :i'), {{'i': r}})\n\n\
         def downgrade():\n    pass\n"
    ));
    let k = kinds(&ops.upgrade);
    assert_eq!(&k[..3], ["AddColumn", "AddColumn", "DropTable"], "{k:?}");
    // Rows of a query are data: the loop over them changes no catalog object.
    assert!(
        footprints(&ops.upgrade)
            .iter()
            .all(crate::Footprint::is_none),
        "{:?}",
        ops.upgrade
    );
}

#[test]
fn string_templates_and_context_manager_connections_are_followed() {
    let ops = lower(&format!(
        "{HEAD}\nimport contextlib\nfrom string import Template\n\n\
         @contextlib.contextmanager\ndef nested(conn):\n    with conn.engine.begin() as new_conn:\n        yield new_conn\n\n\
         def upgrade():\n    \
         sql = Template('ALTER TABLE $table ADD COLUMN ${{column}}_at timestamp; -- costs $$5').substitute(table='users', column='seen')\n    \
         op.execute(sa.text(sql))\n    \
         with nested(op.get_bind()) as c:\n        c.execute(sa.text('UPDATE users SET seen_at = now()'))\n    \
         op.execute(Template('DROP TABLE $t').safe_substitute())\n\n\
         def downgrade():\n    pass\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade),
        [
            "Sql(ALTER TABLE users ADD COLUMN seen_at timestamp; -- costs $5)",
            "Sql(UPDATE users SET seen_at = now())",
            "Sql(DROP TABLE $t)"
        ]
    );
}

#[test]
fn the_main_options_of_alembic_ini_are_read_as_configured() {
    let src = format!(
        "{HEAD}\ndef legacy(op):\n    conf = op.get_context().config\n    version = conf.get_main_option('legacy_version')\n    \
         if version:\n        return int(version) >= 5\n    return False\n\n\
         def upgrade():\n    if legacy(op):\n        return\n    \
         op.create_table('t', sa.Column('id', sa.Integer()))\n    \
         op.execute(op.get_context().config.get_main_option('extra_sql', 'SELECT 1'))\n\n\
         def downgrade():\n    pass\n"
    );
    let body = migdoc_python::parse_module(&src).body;
    let with = |options: Option<&[(&str, &str)]>| {
        let main_options = options.map(|o| {
            std::sync::Arc::new(
                o.iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            )
        });
        lower_revision(
            &body,
            crate::LowerOptions {
                main_options,
                ..crate::LowerOptions::default()
            },
            &crate::Externals::new(),
        )
    };
    // Not set in alembic.ini: the guard is false, the default is used.
    assert_eq!(
        kinds(&with(Some(&[])).upgrade),
        ["CreateTable", "Sql(SELECT 1)"]
    );
    assert_eq!(
        kinds(&with(Some(&[("extra_sql", "SELECT 2")])).upgrade),
        ["CreateTable", "Sql(SELECT 2)"]
    );
    // No configuration (a bare versions directory): undecided, and the option read itself
    // changes nothing (only what the undecided guard and the unknown SQL may run counts).
    let bare = with(None);
    assert!(bare.unknown_count() > 0);
    let unknowns: Vec<String> = crate::RevisionOps::unknowns(&bare.upgrade)
        .into_iter()
        .filter_map(|(op, _)| match &op.kind {
            OpKind::Unknown { what, .. } => Some(what.clone()),
            _ => None,
        })
        .collect();
    assert!(
        unknowns
            .iter()
            .all(|what| !what.contains("get_main_option")),
        "{unknowns:?}"
    );
}

#[test]
fn a_create_method_given_no_connection_builds_a_value() {
    let ops = lower(&format!(
        "{HEAD}\nfrom sqlalchemy.orm import sessionmaker\nfactory = sessionmaker()\n\n\
         def upgrade():\n    \
         col = sa.Column('secret', factory.create(sa.String(256)))\n    \
         op.create_table('t', sa.Column('id', sa.Integer()), col)\n    \
         meta = sa.MetaData()\n    \
         sa.Table('u', meta, sa.Column('id', sa.Integer())).create(op.get_bind())\n\n\
         def downgrade():\n    pass\n"
    ));
    // `factory.create(...)` builds a column type; the table created on the migration's
    // connection is a `CREATE TABLE` (`table_create_is_the_ddl_of_the_sqlalchemy_version`).
    assert!(footprints(&ops.upgrade).is_empty(), "{:?}", ops.upgrade);
    assert_eq!(kinds(&ops.upgrade), ["CreateTable", "CreateTable"]);
}

#[test]
fn sql_imported_from_a_module_migdoc_cannot_read_is_named() {
    let ops = lower(&format!(
        "{HEAD}\nfrom app.sql import NATSORT\n\ndef upgrade():\n    op.execute(NATSORT)\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade),
        [
            "Unknown(execute() of `app.sql.NATSORT`, from a module migdoc could not read (not found from here, or not the project's))"
        ]
    );
    // Code migdoc could not read: it may create or change anything but the enum types that
    // exist, which it was given no name of.
    assert_eq!(footprints(&ops.upgrade), [crate::Footprint::unread_code()]);
}

#[test]
fn a_helper_migdoc_cannot_read_given_no_names_drops_no_type() {
    let ops = lower(&format!(
        "{HEAD}
from app.db import helpers
from app.db.helpers import build, LEGACY

         def upgrade():
             helpers.build_tables(op.get_bind())
             build(op)
             helpers.drop_enum(op, LEGACY)
             helpers.drop_enum(op, 'mood')
             helpers.drop_enum(op, undefined_name)
"
    ));
    assert_eq!(
        footprints(&ops.upgrade),
        [
            crate::Footprint::unread_code(),
            crate::Footprint::unread_code(),
            // A value of a module migdoc could not read may name any type; so may a value it
            // cannot evaluate.
            crate::Footprint::unbounded(),
            crate::Footprint::of_names(["mood".to_owned()]),
            crate::Footprint::unbounded(),
        ]
    );
    // Assigned, such a call builds a value, as any call given no names does.
    let ops = lower(&format!(
        "{HEAD}
from app import make_app

def upgrade():
    app = make_app()
"
    ));
    assert!(footprints(&ops.upgrade).is_empty(), "{:?}", ops.upgrade);
}

#[test]
fn a_setting_of_the_project_and_a_message_name_no_type() {
    let ops = lower(&format!(
        "{HEAD}
from app.db import helpers

def upgrade():
    profile = op.get_context().opts['app_profile']
    helpers.export_logs(op.get_bind(), profile)
    folder = helpers.folder_of(op.get_context().opts.get('app_profile')).parent
    helpers.delete_files(folder, 'orders')
    helpers.echo_error(f\"Couldn't transfer attribute {{undefined_name}} of a node\")
    helpers.drop_enum(op, op.get_context().opts['version_table_schema'])
    helpers.drop_enum(op, f\"{{undefined_name}}_status\")
    helpers.drop_enum(op, f\"DROP TYPE {{undefined_name}}\")
"
    ));
    assert_eq!(
        footprints(&ops.upgrade),
        [
            crate::Footprint::unread_code(),
            // Built from a setting alone: a setting too, which may name a table.
            crate::Footprint::unread_code()
                .union(crate::Footprint::of_names(["orders".to_owned()])),
            crate::Footprint::unread_code(),
            // Alembic's own options may name the version table's schema; a name or SQL built
            // at run time may name any type.
            crate::Footprint::unbounded(),
            crate::Footprint::unbounded(),
            crate::Footprint::unbounded(),
        ]
    );
}

#[test]
fn a_followed_helper_that_builds_a_value_keeps_what_migdoc_understood() {
    let ops = lower(&format!(
        "{HEAD}
from flask_caching import Cache

def make_app(config):
    op.create_table('audit', sa.Column('id', sa.Integer()))
    cache = Cache()
    cache.init_app(undefined_name)
    return cache

def make_named(table):
    undefined_call(undefined_name)
    return table

def upgrade():
    appbuilder = make_app(config=dict(debug=False)).appbuilder
    table = make_named('orders')
"
    ));
    // What the helpers did not understand is read as if they had not been followed: the first
    // is given nothing that names an object, the second a table.
    assert_eq!(
        footprints(&ops.upgrade),
        [crate::Footprint::of_names(["orders".to_owned()])],
        "{:?}",
        ops.upgrade
    );
    assert!(
        ops.upgrade.iter().any(
            |o| matches!(&o.kind, crate::OpKind::CreateTable { table, .. } if table == "audit")
        ),
        "{:?}",
        ops.upgrade
    );
}

#[test]
fn a_declarative_base_holds_the_tables_of_its_models() {
    let ops = lower(&format!(
        "{HEAD}
from sqlalchemy import orm

Base = orm.declarative_base()

class State(Base):
    __tablename__ = 'states'
    id = sa.Column(sa.Integer, primary_key=True)
    state = sa.Column(sa.String)

def upgrade():
    for name, table in Base.metadata.tables.items():
        if name == 'states':
            with op.batch_alter_table(name, copy_from=table, recreate='always') as batch_op:
                batch_op.alter_column('state', new_column_name='last')
            break
"
    ));
    assert!(footprints(&ops.upgrade).is_empty(), "{:?}", ops.upgrade);
    assert_eq!(ops.upgrade.len(), 1, "{:?}", ops.upgrade);
    assert!(
        format!("{:?}", ops.upgrade[0].kind).contains("\"states\""),
        "{:?}",
        ops.upgrade
    );
}

#[test]
fn a_revision_without_downgrade_fails_to_downgrade() {
    let ops = lower(&format!("{HEAD}\ndef upgrade():\n    op.drop_table('t')\n"));
    assert_eq!(footprints(&ops.downgrade), [crate::Footprint::unbounded()]);
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    op.drop_table('t')\n\ndef downgrade():\n    pass\n"
    ));
    assert!(ops.downgrade.is_empty());
}

#[test]
fn repetition_and_integer_arithmetic() {
    let ops = lower(&format!(
        "{HEAD}\nN = 60 + 2 * 2 - 1\n\n\
         def upgrade():\n    op.execute(\"ALTER TYPE mood RENAME VALUE 'ok' TO '\" + \"x\" * N + \"'\")\n    \
         op.execute(\"SELECT \" + \", \".join([\"1\"] * 3))\n    \
         op.execute(\"SELECT '\" + 0 * \"y\" + \"'\")\n    \
         op.execute(\"x\" * (1024 * 1024 * 2))\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade)[..3],
        [
            format!(
                "Sql(ALTER TYPE mood RENAME VALUE 'ok' TO '{}')",
                "x".repeat(63)
            ),
            "Sql(SELECT 1, 1, 1)".to_owned(),
            "Sql(SELECT '')".to_owned(),
        ]
    );
    // Beyond the budget: not evaluated.
    assert!(
        matches!(ops.upgrade[3].kind, OpKind::Unknown { .. }),
        "{:?}",
        ops.upgrade[3]
    );
}

#[test]
fn long_names_are_cut_as_postgresql_stores_them() {
    let long = "n".repeat(70);
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    op.create_table('{long}', sa.Column('{long}', sa.Enum('x', name='{long}')))\n    \
         op.drop_table('short')\n"
    ));
    let OpKind::CreateTable { table, columns } = &ops.upgrade[0].kind else {
        panic!()
    };
    assert_eq!(table, &"n".repeat(63));
    assert_eq!(columns[0].name, "n".repeat(63));
    let spec = columns[0].enum_type.as_ref().unwrap_or_else(|| panic!());
    assert_eq!(spec.name.as_deref(), Some("n".repeat(63).as_str()));
    // SQLAlchemy's memo still knows the long name.
    assert_eq!(spec.memo_name.as_deref(), Some(long.as_str()));
    assert!(matches!(&ops.upgrade[1].kind, OpKind::DropTable { table } if table == "short"));
}

/// Python the evaluator meets, each value as CPython 3.11 computes it (recorded by running it).
#[test]
fn python_values_as_cpython_computes_them() {
    let src = "from alembic import op\n\nTABLES = {\"t1\": \"mood\", \"t2\": \"tier\"}\n\n\ndef upgrade():\n    op.execute(\"%s\" % \", \".join(f\"'{l:s}'\" for l in [\"a\", \"b\"]))\n    op.execute(\"{name}\".format(name=\"tier\"))\n    op.execute(f\"{'colour_xyz'[:6]}|{'colour_xyz'[-3:]}|{'colour_xyz'[1]}|{'abc'[-1]}|{'abc'[5:]}\")\n    op.execute(\"%(n)s-%(m)r\" % {\"n\": \"pct\", \"m\": \"it's\"})\n    op.execute(\", \".join([\"'r%d'\" % i for i in range(3)]) + \"|\" + \",\".join(str(i) for i in range(5, 0, -2)))\n    op.execute(f\"{sorted(['y1', 'x1'])[0]}{list(reversed(['w2', 'w1']))[0]}{len(TABLES)}{repr('k')}\")\n    op.execute(\", \".join(k for k in TABLES) + (\"a\" if 1 < 2 else \"b\") + (\"c\" if \"x\" in \"xyz\" else \"d\") + (\"e\" if \"t1\" in TABLES else \"f\"))\n    op.execute(\";\".join(f\"{i}:{k}={v}\" for i, (k, v) in enumerate(TABLES.items(), 1)))\n    op.execute(\";\".join(f\"{a}{b}\" for a, b in zip([\"m\", \"n\", \"o\"], \"xy\")))\n    op.execute(f\"{3:03d}|{'x':>4}|{'x':*^5}|{-7:04d}|{12:<4}|{True}|{None}\")\n    op.execute(\"{0} {1}\".format(\"a\", \"b\") + str(5) + \"%d\" % 5 + str(TABLES.get(\"t2\")) + str(TABLES.get(\"zz\", \"dflt\")))\n    op.execute(repr(\"it's\") + repr(\"a\\\\b\"))\n";
    let ops = lower(src);
    let expected: Vec<String> = [
        "'a', 'b'",
        "tier",
        "colour|xyz|o|c|",
        "pct-\"it's\"",
        "'r0', 'r1', 'r2'|5,3,1",
        "x1w12'k'",
        "t1, t2ace",
        "1:t1=mood;2:t2=tier",
        "mx;ny",
        "003|   x|**x**|-007|12  |True|None",
        "a b55tierdflt",
        "\"it's\"'a\\\\b'",
    ]
    .iter()
    .map(|s| format!("Sql({s})"))
    .collect();
    assert_eq!(kinds(&ops.upgrade), expected);
}

#[test]
fn a_table_with_a_column_migdoc_cannot_evaluate_is_incomplete() {
    let ops = lower(&format!(
        "{HEAD}\nfrom app.columns import audit_column\n\n\
         def upgrade():\n    op.create_table('t', sa.Column('id', sa.Integer()), audit_column)\n"
    ));
    assert_eq!(kinds(&ops.upgrade)[0], "CreateTable");
    let OpKind::Unknown { footprint, .. } = &ops.upgrade[1].kind else {
        panic!("{:?}", ops.upgrade)
    };
    // The table surely exists; its columns are what is not known.
    assert_eq!(footprint, &crate::Footprint::of_columns("t".to_owned()));
}

/// `db = get_sqla_class()(); session = db.Session(bind=bind)` (superset's extensions): the
/// extension object is unknown, but what its `Session` gives is an ORM session, and a project
/// class method given only that session touches no schema object.
#[test]
fn a_session_from_an_unknown_extension_object_is_data() {
    let mut externals = crate::Externals::new();
    externals.insert(
        "app.extensions".into(),
        migdoc_python::parse_module(
            "def get_sqla_class():\n    return make()\n\ndb = get_sqla_class()()\n",
        ),
    );
    let body = migdoc_python::parse_module(&format!(
        "{HEAD}from app.extensions import db\nfrom app.viz import MigrateTreeMap\n\n\
         def upgrade():\n    bind = op.get_bind()\n    session = db.Session(bind=bind)\n    \
         MigrateTreeMap.upgrade(session)\n"
    ))
    .body;
    let ops = lower_revision(&body, crate::LowerOptions::default(), &externals);
    assert!(
        footprints(&ops.upgrade).iter().all(|f| !f.is_unbounded()),
        "{:?}",
        footprints(&ops.upgrade)
    );
}

/// `continue` and `break` end the loop body (and `break` the loop); in a branch migdoc cannot
/// decide, what follows them in the loop may not run (superset's `if has_uuid_column(...):
/// continue` before `add_column`).
#[test]
fn continue_and_break_end_the_loop_body() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    \
         for t in ['a', 'b', 'c']:\n        if t == 'a':\n            continue\n        \
         if t == 'c':\n            break\n        op.add_column(t, sa.Column('x', sa.Integer()))\n    \
         else:\n        op.drop_table('never')\n    \
         for t in ['d', 'e']:\n        if op.get_bind().execute(sa.text('SELECT 1')).scalar():\n            continue\n        \
         op.add_column(t, sa.Column('y', sa.Integer()))\n    \
         op.add_column('f', sa.Column('z', sa.Integer()))\n\n\
         def downgrade():\n    pass\n"
    ));
    let added: Vec<String> = ops
        .upgrade
        .iter()
        .filter_map(|op| match &op.kind {
            OpKind::AddColumn { table, .. } => Some(table.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(added, ["b", "f"], "{:?}", kinds(&ops.upgrade));
    assert!(!kinds(&ops.upgrade).contains(&"DropTable".to_owned()));
    // An add_column that may not run leaves that column uncertain, not the table.
    let silenced: Vec<Vec<(String, String)>> = footprints(&ops.upgrade)
        .iter()
        .map(|f| f.columns.clone())
        .collect();
    assert_eq!(
        silenced,
        [
            vec![("d".to_owned(), "y".to_owned())],
            vec![("e".to_owned(), "y".to_owned())]
        ]
    );
}

#[test]
fn bulk_insert_names_the_table_of_its_stand_in_and_keeps_string_values() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    t = sa.table('customers', sa.column('id'), sa.column('mood'), schema='app')\n    \
         op.bulk_insert(t, [{{'id': 1, 'mood': 'angry'}}, {{'id': 2}}])\n    \
         op.bulk_insert(unknown_table, [{{'id': 3}}])\n\ndef downgrade():\n    pass\n"
    ));
    let OpKind::BulkInsert {
        table,
        rows,
        strings,
    } = &ops.upgrade[0].kind
    else {
        panic!("{:?}", ops.upgrade)
    };
    assert_eq!(table, "app.customers");
    assert_eq!(
        rows.as_deref(),
        Some(
            &[
                vec!["id".to_owned(), "mood".to_owned()],
                vec!["id".to_owned()]
            ][..]
        )
    );
    assert_eq!(strings, &[("mood".to_owned(), "angry".to_owned())]);
    // A variable's name is not a table's: no table, no conclusion.
    assert_eq!(kinds(&ops.upgrade[1..]), ["Unknown(op.bulk_insert)"]);
}

#[test]
fn table_create_is_the_ddl_of_the_sqlalchemy_version() {
    let src = format!(
        "{HEAD}\ndef upgrade():\n    people = sa.Table('people', sa.MetaData(), sa.Column('id', sa.Integer(), primary_key=True), \
         sa.Column('mood', sa.Enum('happy', 'sad', name='mood')), sa.Column('m2', sa.Enum('happy', 'sad', name='mood')))\n    \
         people.create(op.get_bind())\n    people.create(op.get_bind(), checkfirst=True)\n\ndef downgrade():\n    pass\n"
    );
    let with = |sa21: Option<bool>| {
        lower_with(
            &src,
            crate::LowerOptions {
                sqlalchemy_2_1: sa21,
                ..crate::LowerOptions::default()
            },
        )
    };
    let checkfirst = |ops: &RevisionOps| match &ops.upgrade[0].kind {
        OpKind::CreateEnum { checkfirst, .. } => Some(*checkfirst),
        _ => None,
    };
    // Before 2.1 nothing is checked; 2.1 checks types (`CheckFirst.TYPES`). One type per call.
    let sa20 = with(Some(false));
    assert_eq!(kinds(&sa20.upgrade), ["CreateEnum", "CreateTable", "Guard"]);
    assert_eq!(checkfirst(&sa20), Some(false));
    let sa21 = with(Some(true));
    assert_eq!(checkfirst(&sa21), Some(true));
    let OpKind::CreateTable { columns, .. } = &sa21.upgrade[1].kind else {
        panic!()
    };
    assert!(
        columns
            .iter()
            .filter_map(|c| c.enum_type.as_ref())
            .all(|e| e.create_type == Some(false))
    );
    // An unknown version where it matters: an unknown, with the table and type as footprint.
    assert_eq!(
        kinds(&with(None).upgrade)[0],
        "Unknown(create() of a SQLAlchemy table)"
    );
}

#[test]
fn create_all_of_a_local_metadata_is_the_ddl_it_emits() {
    let lower_sa21 = |body: &str, sa21: Option<bool>| {
        let src = format!("{HEAD}\ndef upgrade():\n{body}\n\ndef downgrade():\n    pass\n");
        lower_with(
            &src,
            crate::LowerOptions {
                sqlalchemy_2_1: sa21,
                ..crate::LowerOptions::default()
            },
        )
    };
    // The child first: create_all creates the table it references first. Types come first,
    // each once; `checkfirst` defaults to true, so every table is under a check.
    let tables = "    meta = sa.MetaData()\n    \
        sa.Table('pets', meta, sa.Column('id', sa.Integer(), primary_key=True), sa.Column('owner_id', sa.Integer(), sa.ForeignKey('owners.id')), sa.Column('mood', sa.Enum('a', 'b', name='mood')))\n    \
        sa.Table('owners', meta, sa.Column('id', sa.Integer(), primary_key=True), sa.Column('mood', sa.Enum('a', 'b', name='mood')))\n";
    let ops = lower_sa21(
        &format!("{tables}    meta.create_all(op.get_bind())"),
        Some(false),
    );
    assert_eq!(kinds(&ops.upgrade), ["CreateEnum", "Guard", "Guard"]);
    let guarded: Vec<Vec<String>> = ops
        .upgrade
        .iter()
        .filter_map(|op| match &op.kind {
            OpKind::Guard { when_false, .. } => Some(
                when_false
                    .iter()
                    .map(|o| match &o.kind {
                        OpKind::CreateTable { table, .. } => format!("CreateTable({table})"),
                        OpKind::AddForeignKey { table, key } => {
                            format!("AddForeignKey({table}->{})", key.referenced)
                        }
                        other => format!("{other:?}"),
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    assert_eq!(
        guarded,
        [
            vec!["CreateTable(owners)".to_owned()],
            vec![
                "CreateTable(pets)".to_owned(),
                "AddForeignKey(pets->owners)".to_owned()
            ]
        ]
    );
    // `checkfirst=False`: nothing is checked.
    let unchecked = lower_sa21(
        &format!("{tables}    meta.create_all(op.get_bind(), checkfirst=False)"),
        Some(false),
    );
    assert_eq!(
        kinds(&unchecked.upgrade),
        ["CreateEnum", "CreateTable", "CreateTable", "AddForeignKey"]
    );
    // `sa.Enum(create_type=False)` counts by version: with none known, `create_all` is an unknown.
    let flagged = "    meta = sa.MetaData()\n    sa.Table('t', meta, sa.Column('m', sa.Enum('a', name='m', create_type=False)))\n    meta.create_all(op.get_bind())";
    assert_eq!(
        kinds(&lower_sa21(flagged, Some(false)).upgrade),
        ["CreateEnum", "Guard"]
    );
    assert_eq!(kinds(&lower_sa21(flagged, Some(true)).upgrade), ["Guard"]);
    assert_eq!(
        kinds(&lower_sa21(flagged, None).upgrade),
        ["Unknown(create_all() of a MetaData)"]
    );
    // A metadata a helper also sees may gain tables migdoc does not: unbounded.
    let escaped = lower_sa21(
        &format!("{tables}    add_tables(meta)\n    meta.create_all(op.get_bind())"),
        Some(false),
    );
    let last = escaped.upgrade.last().expect("an op");
    assert!(matches!(&last.kind, OpKind::Unknown { footprint, .. } if footprint.is_unbounded()));
}

#[test]
fn what_the_inspector_reads_is_data() {
    // Reading constraints changes nothing: the batch block's `drop_constraint` under the
    // undecided condition is the only uncertain op, and it touches no table migdoc tracks.
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    inspector = sa.inspect(op.get_bind())\n    \
         uniques = inspector.get_unique_constraints('perms')\n    \
         idx = inspector.get_indexes('perms')\n    \
         found = any(c.get('name') == 'u' for c in uniques)\n    \
         with op.batch_alter_table('perms') as batch_op:\n        if found:\n            batch_op.drop_constraint('u', type_='unique')\n\n\
         def downgrade():\n    pass\n"
    ));
    assert!(
        ops.upgrade.iter().all(|op| match &op.kind {
            OpKind::Unknown { footprint, .. } => !footprint.names.iter().any(|n| n == "perms"),
            _ => true,
        }),
        "{:?}",
        ops.upgrade
    );
}

#[test]
fn a_table_made_from_a_query_is_a_table() {
    use crate::Footprint;
    // Holed SQL that does not parse: a data statement changes nothing, `SELECT ... INTO` makes a
    // table.
    assert!(Footprint::of_holed_sql("UPDATE t SET a = 1 WHERE b IN (,)").is_none());
    assert!(Footprint::of_holed_sql("SELECT a FROM t WHERE b IN (,)").is_none());
    assert!(Footprint::of_holed_sql("SELECT a INTO n FROM t WHERE b IN (,)").is_unbounded());
    // Parsed: the table it makes.
    let parsed = migdoc_sql::parse("CREATE TABLE n AS SELECT a FROM t");
    assert_eq!(
        Footprint::of_sql(&parsed),
        Footprint::of_names(["n".to_owned()])
    );
}

#[test]
fn a_column_migdoc_cannot_evaluate_on_a_named_table_touches_its_columns() {
    let ops = lower(&format!(
        "{HEAD}\nfrom app.columns import audit_column\n\n\
         def upgrade():\n    op.add_column('t', audit_column())\n    \
         op.alter_column(table_name='u', column_name=audit_column(), nullable=True)\n    \
         op.add_column(audit_column(), sa.Column('x', sa.Integer()))\n"
    ));
    let f = footprints(&ops.upgrade);
    assert_eq!(f[0], crate::Footprint::of_columns("t".to_owned()));
    assert_eq!(f[1], crate::Footprint::of_columns("u".to_owned()));
    // No table to name: any table.
    assert!(f[2].any_table && f[2].columns_of.is_empty(), "{:?}", f[2]);
}

#[test]
fn a_column_whose_name_migdoc_cannot_evaluate_makes_the_table_incomplete() {
    let ops = lower(&format!(
        "{HEAD}\nfrom app.names import col_a\n\n\
         def upgrade():\n    op.create_table('t', sa.Column('id', sa.Integer()), sa.Column(col_a, sa.Integer()))\n"
    ));
    assert_eq!(kinds(&ops.upgrade)[0], "CreateTable");
    assert_eq!(
        footprints(&ops.upgrade),
        [crate::Footprint::of_columns("t".to_owned())]
    );
}

/// A table's constraints are no columns: `op.create_table` with a `CheckConstraint` among its
/// elements knows every column, while an element migdoc cannot read may be one.
#[test]
fn a_check_constraint_leaves_the_table_complete() {
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    op.create_table('m', sa.Column('id', sa.String(36), nullable=False),\n\
         \x20       sa.CheckConstraint(\"stage IN ('a', 'b')\", name='m_stage_check'),\n\
         \x20       sa.PrimaryKeyConstraint('id', name='m_pk'))\n\
         \x20   op.create_table('n', sa.Column('id', sa.Integer), helper())\n"
    ));
    assert_eq!(
        kinds(&ops.upgrade),
        [
            "CreateTable",
            "CreateTable",
            "Unknown(a column migdoc cannot evaluate)"
        ]
    );
}

/// Following a helper never leaves migdoc knowing less than not following it: what a followed
/// helper returns that migdoc cannot evaluate is made from the names in its arguments, as an
/// unfollowed call's result is; an imported module's `__name__` is its dotted name.
#[test]
fn a_followed_helper_gives_what_an_unfollowed_one_would() {
    let mut externals = crate::Externals::new();
    externals.insert(
        "myapp.web".into(),
        migdoc_python::parse_module(
            "from alembic import op\nfrom flask import Flask\n\ndef create_app(config=None):\n    app = None\n    \
             while app is None:\n        app = Flask(__name__)\n    app.config.from_mapping(config)\n    return app\n\n\
             def note():\n    op.execute(f\"COMMENT ON TABLE t IS '{__name__}'\")\n",
        ),
    );
    let body = migdoc_python::parse_module(&format!(
        "{HEAD}from myapp.web import create_app, note\n\ndef upgrade():\n    note()\n    \
         sm = create_app(config={{'UPDATE_PERMS': False}}).appbuilder.sm\n    \
         for role in sm.get_all_roles():\n        sm.add_permission_to_role(role, None)\n"
    ))
    .body;
    let ops = lower_revision(&body, crate::LowerOptions::default(), &externals);
    assert_eq!(
        kinds(&ops.upgrade)[0],
        "Sql(COMMENT ON TABLE t IS 'myapp.web')"
    );
    let f = footprints(&ops.upgrade);
    assert!(!f.is_empty(), "{:?}", ops.upgrade);
    assert!(f.iter().all(|f| !f.is_unbounded()), "{:?}", ops.upgrade);
}

/// A `raise` that runs fails the migration, so the run that goes on is one where it did not
/// run: inside a `try` or a loop it adds nothing to the footprint. A helper's `raise` may rest
/// on a module global migdoc took for a constant: it stays unbounded.
#[test]
fn a_raise_adds_nothing_to_what_goes_on() {
    let mut externals = crate::Externals::new();
    externals.insert(
        "myapp.checks".into(),
        migdoc_python::parse_module("def fail(message):\n    raise RuntimeError(message)\n"),
    );
    let body = migdoc_python::parse_module(&format!(
        "{HEAD}from myapp.checks import fail\n\ndef upgrade():\n    \
         try:\n        op.add_column('t', sa.Column('c', sa.Integer()))\n        raise ValueError()\n    except ValueError:\n        pass\n    \
         if op.get_bind().dialect.server_version_info < (12,):\n        fail('too old')\n    \
         op.drop_column('t', 'c')\n"
    ))
    .body;
    let ops = lower_revision(&body, crate::LowerOptions::default(), &externals);
    let f = footprints(&ops.upgrade);
    // The try's raise is caught; `fail` raises on every path, so the branch that calls it
    // fails the migration, and the run that goes on is the one that did not take it.
    assert_eq!(f.len(), 1, "{:?}", ops.upgrade);
    assert!(!f[0].is_unbounded(), "{:?}", ops.upgrade);
    assert_eq!(
        kinds(&ops.upgrade).last().map(String::as_str),
        Some("DropColumn")
    );
}

/// A function given to a call migdoc cannot follow may be run by it: the call's footprint is
/// what its arguments name and what running the function may change, not everything.
#[test]
fn a_callback_given_to_an_unknown_call_adds_what_it_may_change() {
    let ops = lower(&format!(
        "{HEAD}from somelib import register\n\n\
         def hook(*args):\n    op.execute('DROP TYPE mood')\n\n\
         def upgrade():\n    register('t', hook)\n"
    ));
    let f = footprints(&ops.upgrade);
    assert_eq!(f.len(), 1, "{:?}", ops.upgrade);
    assert!(!f[0].is_unbounded(), "{:?}", ops.upgrade);
    assert!(
        f[0].names.contains(&"t".to_owned()) && f[0].names.contains(&"mood".to_owned()),
        "{:?}",
        f[0]
    );
}

#[test]
fn column_operations_inside_a_try_leave_the_table_and_its_other_columns_certain() {
    let ops = lower_autocommit(&format!(
        "{HEAD}\ndef upgrade():\n    \
         try:\n        op.alter_column('t', 'a', nullable=True)\n    except Exception:\n        pass\n    \
         try:\n        op.alter_column('t', 'a', new_column_name='b')\n    except Exception:\n        pass\n    \
         try:\n        op.add_column('u', sa.Column('c', sa.Integer()))\n        op.drop_column('v', 'd')\n    \
         except Exception:\n        pass\n    \
         try:\n        op.drop_table('w')\n    except Exception:\n        pass\n"
    ));
    let f = footprints(&ops.upgrade);
    // Which columns exist stays known; how they are defined does not.
    assert_eq!(
        f[0],
        crate::Footprint {
            details_of: vec!["t".to_owned()],
            ..crate::Footprint::default()
        }
    );
    // A rename: the old name and the new one, not the table's other columns.
    let column = |t: &str, c: &str| (t.to_owned(), c.to_owned());
    assert_eq!(
        f[1],
        crate::Footprint {
            columns: vec![column("t", "a"), column("t", "b")],
            ..crate::Footprint::default()
        }
    );
    assert_eq!(
        f[2],
        crate::Footprint {
            columns: vec![column("u", "c"), column("v", "d")],
            ..crate::Footprint::default()
        }
    );
    assert_eq!(f[3], crate::Footprint::of_names(["w".to_owned()]));
}

#[test]
fn a_label_added_or_renamed_that_may_not_run_leaves_the_type_itself_certain() {
    let ops = lower_autocommit(&format!(
        "{HEAD}\ndef upgrade():\n    \
         try:\n        op.execute(\"ALTER TYPE status ADD VALUE 'x'\")\n    except Exception:\n        pass\n    \
         try:\n        op.execute(\"ALTER TYPE kind RENAME VALUE 'A' TO 'a'\")\n    except Exception:\n        pass\n    \
         try:\n        op.execute(\"DO $$ BEGIN ALTER TYPE mood ADD VALUE 'ok'; END $$\")\n    except Exception:\n        pass\n    \
         try:\n        op.execute(\"ALTER TYPE mood RENAME TO feeling\")\n    except Exception:\n        pass\n"
    ));
    let f = footprints(&ops.upgrade);
    let labels = |t: &str| crate::Footprint {
        labels_of: vec![t.to_owned()],
        ..crate::Footprint::default()
    };
    assert_eq!(f[0], labels("status"));
    assert_eq!(f[1], labels("kind"));
    assert_eq!(f[2], labels("mood"));
    // Renaming the type itself is no label change: both names may or may not exist.
    assert_eq!(
        f[3],
        crate::Footprint::of_names(["feeling".to_owned(), "mood".to_owned()])
    );
}

#[test]
fn a_try_of_database_operations_runs_whole_in_a_transaction() {
    let swallowing = [
        "SwallowingTry",
        "AddColumn",
        "NoCatalogEffect",
        "DropColumn",
        "SwallowingTry",
    ];
    let body = "    try:\n        op.add_column('t', sa.Column('c', sa.Integer()))\n        \
                if 'x' in ['y']:\n            pass\n        \
                with op.batch_alter_table('t') as batch_op:\n            batch_op.create_index('ix', ['c'])\n        \
                op.drop_column('t', 'd')\n";
    let src = |handler: &str| {
        format!(
            "{HEAD}\ndef upgrade():\n{body}    except Exception as e:\n{handler}\n\ndef downgrade():\n    pass\n"
        )
    };
    // Inside the migration's transaction: what fails there fails the run.
    assert_eq!(kinds(&lower(&src("        print(e)")).upgrade), swallowing);
    // A handler that recovers the transaction (a rollback, a savepoint) lets the run go on
    // without the rest of the body; so does a migration that runs outside a transaction.
    for recovered in [
        lower(&src("        op.get_bind().rollback()")),
        lower(&src("        op.execute('ROLLBACK TO SAVEPOINT s')")),
        lower_autocommit(&src("        pass")),
    ] {
        let k = kinds(&recovered.upgrade);
        assert!(
            k.len() == 1 && k[0].starts_with("Unknown(statements inside try/except"),
            "{recovered:?}"
        );
    }
    // A statement that may fail in Python (a lookup, a helper) may skip the rest of the body.
    let python = lower(&format!(
        "{HEAD}\nNAMES = {{}}\n\ndef upgrade():\n    try:\n        name = NAMES['t']\n        \
         op.drop_column('t', 'd')\n    except KeyError:\n        pass\n"
    ));
    assert_eq!(
        kinds(&python.upgrade),
        ["Unknown(statements inside try/except)"]
    );
    // A handler that raises again swallows nothing: the body is a plain block, whatever it holds.
    let reraised = lower(&format!(
        "{HEAD}\nNAMES = {{}}\n\ndef upgrade():\n    try:\n        name = NAMES['t']\n        \
         op.drop_column('t', 'd')\n    except KeyError as e:\n        print(e)\n        raise\n"
    ));
    assert_eq!(kinds(&reraised.upgrade), ["DropColumn"]);
    // Inside an autocommit block, each statement commits alone.
    let autocommit = lower(&format!(
        "{HEAD}\ndef upgrade():\n    with op.get_context().autocommit_block():\n        \
         try:\n            op.execute(\"ALTER TYPE s ADD VALUE 'x'\")\n        except Exception:\n            pass\n"
    ));
    assert_eq!(
        kinds(&autocommit.upgrade),
        [
            "AutocommitBlock",
            "Unknown(statements inside try/except)",
            "AutocommitBlock"
        ]
    );
}

#[test]
fn a_plain_string_given_to_execute_fails_on_sqlalchemy_2() {
    let src = format!(
        "{HEAD}\ndef upgrade():\n    conn = op.get_bind()\n    \
         conn.execute(\"UPDATE t SET a = 1 WHERE id = %s\", (1,))\n    \
         conn.execute(sa.text(\"UPDATE t SET a = 2\"))\n    op.execute(\"UPDATE t SET a = 3\")\n"
    );
    let with = |sqlalchemy_2_0| {
        kinds(
            &lower_with(
                &src,
                crate::LowerOptions {
                    sqlalchemy_2_0,
                    ..crate::LowerOptions::default()
                },
            )
            .upgrade,
        )
    };
    let sql = [
        "Sql(UPDATE t SET a = 1 WHERE id = %s)",
        "Sql(UPDATE t SET a = 2)",
        "Sql(UPDATE t SET a = 3)",
    ];
    // 1.x sends the string to the driver; an unknown version decides nothing.
    assert_eq!(with(Some(false)), sql);
    assert_eq!(with(None), sql);
    // 2.0 raises; the SQL follows as 1.x ran it, so that what comes after is checked.
    let mut failing = vec!["StringNotExecutable"];
    failing.extend(sql);
    assert_eq!(with(Some(true)), failing);
}

/// Text with holes (a table prefix env.py may pass to `upgrade()`) is a plain string only where
/// the argument builds it: `text()` of it is executable (zuul's history, which requires
/// SQLAlchemy 2.0, had 14 false MD222 errors).
#[test]
fn text_with_holes_is_a_plain_string_only_where_the_argument_builds_it() {
    let src = format!(
        "{HEAD}\ndef upgrade(prefix=''):\n    conn = op.get_bind()\n    \
         statement = f\"UPDATE {{prefix}}t SET a = 1\"\n    \
         conn.execute(sa.text(statement))\n    \
         wrapped = sa.text(statement)\n    conn.execute(wrapped)\n    \
         conn.execute(f\"UPDATE {{prefix}}t SET a = 2\")\n    \
         conn.execute(\"UPDATE \" + prefix + \"t SET a = 3\")\n"
    );
    let ops = lower_with(
        &src,
        crate::LowerOptions {
            sqlalchemy_2_0: Some(true),
            ..crate::LowerOptions::default()
        },
    );
    let kinds = kinds(&ops.upgrade);
    let failing: Vec<usize> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| *k == "StringNotExecutable")
        .map(|(i, _)| i)
        .collect();
    // Only the f-string and the `+` given to execute() themselves, each right before its SQL.
    assert_eq!(failing.len(), 2, "{kinds:?}");
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    assert_eq!(failing, [2, 4], "{kinds:?}");
}

/// `str.format` with a value migdoc cannot evaluate leaves a hole (zuul's `"UPDATE {t}
/// ...".format(t=table_prefix + T)`), and the table `op.create_table` returns is data to
/// insert into (gnocchi's `t.insert().from_select(...)`): neither is an unbounded unknown.
#[test]
fn format_with_unknown_values_and_the_created_table_leave_the_catalog_known() {
    let src = format!(
        "{HEAD}import json\nimport sys\nfrom alembic import util\n\ndef upgrade(table_prefix=''):\n    \
         op.execute(sa.text(\"UPDATE {{t}} SET a = 1\".format(t=table_prefix + 'buildset')))\n    \
         for row in op.get_bind().execute(sa.text(\"SELECT id, p FROM t\")):\n        \
         op.execute(\"UPDATE t SET p = '{{p}}', q = '{{q}}' WHERE id = {{i}}\".format(p=json.dumps(row.p), q=json.dumps({{'a': 'b'}}), i=row.id))\n    \
         util.warn(\"check {{0}} by hand\".format(table_prefix))\n    \
         sys.stderr.write(f\"{{table_prefix}} done\\n\")\n    \
         op.execute(\"ALTER TABLE {{}} DROP COLUMN b\".format(table_prefix))\n    \
         rt = op.create_table('rt', sa.Column('name', sa.String(255)))\n    \
         src = sa.table('src', sa.column('name'))\n    \
         op.execute(rt.insert().from_select(['name'], sa.select(src.c.name)))\n"
    );
    let ops = lower(&src).upgrade;
    let unbounded: Vec<&crate::Op> = ops
        .iter()
        .filter(
            |op| matches!(&op.kind, OpKind::Unknown { footprint, .. } if footprint.is_unbounded()),
        )
        .collect();
    assert!(unbounded.is_empty(), "{:?}", kinds(&ops));
    // The UPDATE is data; the ALTER TABLE on a table with a hole in its name may change some
    // table, not a type.
    let holed: Vec<&crate::Footprint> = ops
        .iter()
        .filter_map(|op| match &op.kind {
            OpKind::Unknown { what, footprint } if what.contains("SQL built") => Some(footprint),
            _ => None,
        })
        .collect();
    assert_eq!(holed.len(), 2, "{:?}", kinds(&ops));
    assert!(holed[0].is_none(), "{:?}", holed[0]);
    assert!(holed[1].any_table && !holed[1].any_type, "{:?}", holed[1]);
    // The loop's UPDATE, built from rows and `json.dumps` of them, is data.
    assert!(
        ops.iter().any(|op| matches!(&op.kind, OpKind::Unknown { what, footprint } if what.contains("loop") && footprint.is_none())),
        "{:?}",
        kinds(&ops)
    );
}

/// Code at module level runs when Alembic loads the revision (fittrackee's `c59425f77851`
/// creates its enum type there, in a `try` for commands without a database): what it may
/// change is uncertain; a call there migdoc cannot follow adds nothing.
#[test]
fn code_at_module_level_is_an_uncertain_op_before_the_migration() {
    let src = format!(
        "{HEAD}import sys\nsys.path.append('/opt/app')\nfrom app.bootstrap import init\ninit()\n\
         mood = postgresql.ENUM('a', 'b', name='mood')\n\
         try:\n    mood.create(op.get_bind(), checkfirst=True)\nexcept NameError:\n    pass\n\n\
         def upgrade():\n    op.add_column('t', sa.Column('m', mood))\n\n\
         def downgrade():\n    op.drop_column('t', 'm')\n"
    );
    let ops = lower(&src);
    for direction in [&ops.upgrade, &ops.downgrade] {
        let Some(OpKind::Unknown { what, footprint }) = direction.first().map(|op| &op.kind) else {
            panic!("{:?}", kinds(direction));
        };
        assert!(what.contains("module level"), "{what}");
        assert!(!footprint.is_unbounded(), "{footprint:?}");
        assert!(footprint.names.iter().any(|n| n == "mood"), "{footprint:?}");
    }
    // Without module-level code, nothing is added.
    let plain = lower(&format!(
        "{HEAD}\ndef upgrade():\n    op.drop_column('t', 'm')\n"
    ));
    assert_eq!(kinds(&plain.upgrade), ["DropColumn"]);
}

#[test]
fn a_declarative_models_table_create_is_its_ddl_with_the_mixins_it_can_read() {
    let src = format!(
        "{HEAD}\nfrom sqlalchemy.ext.declarative import declarative_base\nfrom app.mixins import AuditMixin\n\n\
         Base = declarative_base()\n\n\
         class Stamped:\n    created_on = sa.Column(sa.DateTime, nullable=True)\n\n\
         class Tag(Base, Stamped):\n    __tablename__ = 'tag'\n    id = sa.Column(sa.Integer, primary_key=True)\n    \
         kind = sa.Column(sa.Enum('custom', 'owner', name='tagkind'))\n\n\
         class TaggedObject(AuditMixin, Base):\n    __tablename__ = 'tagged_object'\n    \
         id = sa.Column(sa.Integer, primary_key=True)\n\n\
         def upgrade():\n    bind = op.get_bind()\n    Tag.__table__.create(bind)\n    TaggedObject.__table__.create(bind)\n\n\
         def downgrade():\n    pass\n"
    );
    let ops = lower_with(
        &src,
        crate::LowerOptions {
            sqlalchemy_2_1: Some(false),
            ..crate::LowerOptions::default()
        },
    );
    assert_eq!(
        kinds(&ops.upgrade),
        [
            "CreateEnum",
            "CreateTable",
            "CreateTable",
            "Unknown(create() of a model with columns migdoc cannot read (a mixin from elsewhere, a declared_attr))"
        ]
    );
    let columns = |i: usize| match &ops.upgrade[i].kind {
        OpKind::CreateTable { table, columns } => (
            table.clone(),
            columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
        ),
        _ => panic!("{:?}", ops.upgrade[i]),
    };
    // The mixin's column, then the class's own.
    assert_eq!(
        columns(1),
        (
            "tag".to_owned(),
            vec!["created_on".to_owned(), "id".to_owned(), "kind".to_owned()]
        )
    );
    assert_eq!(
        columns(2),
        ("tagged_object".to_owned(), vec!["id".to_owned()])
    );
    // What the mixin from elsewhere adds is unknown; that the table exists is not.
    assert_eq!(
        footprints(&ops.upgrade),
        [crate::Footprint::of_columns("tagged_object".to_owned())]
    );
}

#[test]
fn a_function_passed_to_or_from_another_module_is_not_called_by_its_index() {
    // A function value is an index into its module's table: `pick(first)` used to call the
    // helper module's function of that index (or panic when there is none).
    let mut externals = crate::Externals::new();
    externals.insert(
        "myapp.helpers".into(),
        migdoc_python::parse_module(
            "def pick(callback):\n    return callback()\n\n\
             def made():\n    return made_here\n\n\
             def made_here():\n    return 'from helpers'\n\n\
             CALLBACKS = [made_here]\n",
        ),
    );
    let body = migdoc_python::parse_module(&format!(
        "{HEAD}from myapp.helpers import pick, made, CALLBACKS\n\n\
         def one():\n    op.create_table('one', sa.Column('id', sa.Integer()))\n\n\
         def two():\n    op.create_table('two', sa.Column('id', sa.Integer()))\n\n\
         def three():\n    op.create_table('three', sa.Column('id', sa.Integer()))\n\n\
         def upgrade():\n    pick(three)\n    made()()\n    CALLBACKS[0]()\n"
    ))
    .body;
    let ops = lower_revision(&body, crate::LowerOptions::default(), &externals);
    // None of the revision's own functions runs by mistake.
    assert!(
        !kinds(&ops.upgrade).iter().any(|k| k == "CreateTable"),
        "{:?}",
        kinds(&ops.upgrade)
    );
}

#[test]
fn text_with_params_is_the_same_statement() {
    // prefect's data migrations: `conn.execute(sa.text(...).params({...}))`.
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    conn = op.get_bind()\n    \
         conn.execute(sa.text('UPDATE work_queue SET priority = :p WHERE id = :id').params({{'p': 1, 'id': 2}}))\n    \
         conn.execute(sa.text('DELETE FROM flow_run WHERE id = :id').unique_params(id=3))\n\n\
         def downgrade():\n    pass\n"
    ));
    let kinds = kinds(&ops.upgrade);
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(
        kinds[0].starts_with("Sql(UPDATE work_queue")
            && kinds[1].starts_with("Sql(DELETE FROM flow_run"),
        "{kinds:?}"
    );
}

#[test]
fn isinstance_of_something_else_than_a_dialect_is_undecided() {
    // prefect's lease storage helper: `if not isinstance(module, StorageModule): raise ...`
    // is no dialect test, so the raise is not taken to run; the test of a dialect still is.
    let ops = lower(&format!(
        "{HEAD}\nimport importlib\nclass StorageModule:\n    pass\n\n\
         def upgrade():\n    module = importlib.import_module(NAME)\n    \
         if not isinstance(module, StorageModule):\n        raise ValueError('no storage')\n    \
         op.add_column('t', sa.Column('a', sa.Integer()))\n    \
         if not isinstance(op.get_bind().dialect, postgresql.psycopg2.PGDialect_psycopg2):\n        \
         op.drop_table('never')\n\n\
         def downgrade():\n    pass\n"
    ));
    let kinds = kinds(&ops.upgrade);
    assert!(kinds.contains(&"AddColumn".to_owned()), "{kinds:?}");
    assert!(
        !kinds
            .iter()
            .any(|k| k.contains("raise") || k == "DropTable"),
        "{kinds:?}"
    );
}

#[test]
fn a_helper_that_raises_on_every_path_stops_the_run_where_it_is_called() {
    // langflow's revisions: `_raise_schema_error(detail)` after an early return on a check of
    // the reflected schema; the run that goes on is the one that returned.
    let ops = lower(&format!(
        "{HEAD}\ndef _fail(detail):\n    msg = f'{{detail}}: drop the table first'\n    raise RuntimeError(msg)\n\n\
         STRICT = True\n\n\
         def _may_fail():\n    if not STRICT:\n        return\n    raise RuntimeError('no')\n\n\
         def _validate(bind):\n    if bind.execute(sa.text('SELECT 1')).scalar():\n        return\n    _fail('bad schema')\n\n\
         def upgrade():\n    _validate(op.get_bind())\n    op.add_column('t', sa.Column('a', sa.Integer()))\n\n\
         def downgrade():\n    _may_fail()\n    \
         op.drop_column('t', 'a')\n"
    ));
    assert_eq!(kinds(&ops.upgrade), ["Sql(SELECT 1)", "AddColumn"]);
    assert!(footprints(&ops.upgrade).is_empty(), "{:?}", ops.upgrade);
    // A raise that rests on what migdoc decided (a module global another function may set) is
    // not taken to stop the run: what it hides stays unknown.
    let down = kinds(&ops.downgrade);
    assert_eq!(
        down,
        ["Unknown(a raise in a helper)", "DropColumn"],
        "{:?}",
        ops.downgrade
    );
}

#[test]
fn existence_tests_joined_by_and_or_not_are_guards() {
    // langflow: `if column_exists(t, "a", conn) and not column_exists(t, "a_v2", conn):`.
    let ops = lower(&format!(
        "{HEAD}\ndef upgrade():\n    insp = sa.inspect(op.get_bind())\n    \
         if insp.has_table('a') and not insp.has_table('b'):\n        op.create_table('b', sa.Column('id', sa.Integer()))\n    \
         if insp.has_table('c') or insp.has_table('d'):\n        pass\n    else:\n        op.drop_table('e')\n\n\
         def downgrade():\n    pass\n"
    ));
    assert!(footprints(&ops.upgrade).is_empty(), "{:?}", ops.upgrade);
    let guard = |op: &crate::Op| match &op.kind {
        OpKind::Guard {
            subject: crate::GuardSubject::Table(t),
            when_true,
            when_false,
        } => (t.clone(), when_true.clone(), when_false.clone()),
        other => panic!("not a guard: {other:?}"),
    };
    // `a and not b`: b is tested only where a exists; the body runs where b does not.
    let (a, a_true, a_false) = guard(&ops.upgrade[0]);
    assert_eq!(a, "a");
    assert!(a_false.is_empty());
    let (b, b_true, b_false) = guard(&a_true[0]);
    assert_eq!(b, "b");
    assert!(b_true.is_empty());
    assert_eq!(kinds(&b_false), ["CreateTable"]);
    // `c or d`: d is tested only where c does not exist; the else branch where neither does.
    let (c, c_true, c_false) = guard(&ops.upgrade[1]);
    assert_eq!(c, "c");
    assert!(c_true.is_empty());
    let (d, d_true, d_false) = guard(&c_false[0]);
    assert_eq!(d, "d");
    assert!(d_true.is_empty());
    assert_eq!(kinds(&d_false), ["DropTable"]);
}

#[test]
fn the_server_version_and_the_inspectors_dialect_are_the_deployments() {
    // galaxy: `version_info = op.get_bind().engine.dialect.server_version_info` picks the SQL.
    let src = format!(
        "{HEAD}\ndef upgrade():\n    v = op.get_bind().engine.dialect.server_version_info\n    \
         if v and v[0] > 10 or not v:\n        op.execute('CREATE TYPE new_style AS ENUM (\\'a\\')')\n    \
         else:\n        op.execute('CREATE TYPE old_style AS ENUM (\\'a\\')')\n    \
         if v >= (9, 6):\n        op.drop_table('t')\n    \
         insp = sa.inspect(op.get_bind())\n    \
         if insp.dialect.name == 'sqlite':\n        op.execute('PRAGMA foreign_keys = OFF')\n\n\
         def downgrade():\n    pass\n"
    );
    let ops = lower_with(
        &src,
        crate::LowerOptions {
            postgres_version: Some(15),
            ..crate::LowerOptions::default()
        },
    );
    assert_eq!(
        kinds(&ops.upgrade),
        ["Sql(CREATE TYPE new_style AS ENUM ('a'))", "DropTable"]
    );
    // Without a version, the branch stays undecided.
    let ops = lower(&src);
    assert!(ops.unknown_count() > 0, "{:?}", ops.upgrade);
}

#[test]
fn text_chosen_by_a_condition_migdoc_cannot_decide_is_one_of_its_texts() {
    // phoenix: `f"CREATE INDEX {'CONCURRENTLY ' if c else ''}IF NOT EXISTS ..."`; rucio: a schema
    // prefix that is `version_table_schema + '.'` or nothing.
    let ops = lower_autocommit(&format!(
        "{HEAD}\nimport os\nfrom alembic import context\n\ndef upgrade():\n    \
         c = os.environ.get('C') == 'true'\n    \
         op.execute(f\"CREATE INDEX {{'CONCURRENTLY ' if c else ''}}IF NOT EXISTS ix ON t (a)\")\n    \
         schema = context.get_context().version_table_schema + '.' if context.get_context().version_table_schema else ''\n    \
         op.execute('ALTER TABLE ' + schema + 'rules ALTER COLUMN state TYPE CHAR')\n    \
         op.execute(f'ALTER INDEX {{schema}}\"IX_A\" RENAME TO \"IX_B\"')\n    \
         op.execute('DROP TYPE ' + ('a' if c else 'b'))\n    \
         if ('x' if c else 'y') == 'z':\n        op.drop_table('never')\n\n\
         def downgrade():\n    pass\n"
    ));
    let f = footprints(&ops.upgrade);
    assert!(f[0].is_none(), "{:?}", f[0]);
    assert!(f[1].any_table && !f[1].any_type, "{:?}", f[1]);
    assert!(f[2].is_none(), "{:?}", f[2]);
    assert_eq!(
        f[3],
        crate::Footprint::of_names(["a".to_owned(), "b".to_owned()])
    );
    // Neither text is `z`: the branch is decided.
    assert_eq!(f.len(), 4, "{:?}", ops.upgrade);
    assert!(!kinds(&ops.upgrade).contains(&"DropTable".to_owned()));
}

#[test]
fn a_hole_where_only_a_label_may_stand_leaves_the_type_named() {
    // rucio: `f'CREATE TYPE "T" AS ENUM({labels(values)})'` with a function migdoc cannot follow.
    let f = crate::Footprint::of_holed_sql(&format!(
        "DROP TYPE \"T\"; CREATE TYPE \"T\" AS ENUM({})",
        crate::HOLE
    ));
    assert_eq!(f, crate::Footprint::of_names(["T".to_owned()]));
    let f = crate::Footprint::of_holed_sql(&format!(
        "ALTER INDEX {}\"IX\" RENAME TO \"IY\"",
        crate::HOLE
    ));
    assert!(f.is_none(), "{f:?}");
}

#[test]
fn dml_on_a_table_cast_or_imported_from_a_module_migdoc_cannot_read_changes_no_catalog() {
    // galaxy: `psa_table = cast(Table, UserAuthnzToken.table)`, then
    // `connection.execute(psa_table.delete().where(...))`.
    let ops = lower(&format!(
        "{HEAD}\nfrom typing import cast\nfrom galaxy.model import UserAuthnzToken\n\n\
         def upgrade():\n    connection = op.get_bind()\n    \
         t = cast(sa.Table, UserAuthnzToken.table)\n    \
         connection.execute(t.delete().where(t.c.user_id == 1))\n    \
         connection.execute(UserAuthnzToken.__table__.insert().values(user_id=1))\n\n\
         def downgrade():\n    pass\n"
    ));
    assert_eq!(ops.unknown_count(), 0, "{:?}", ops.upgrade);
}

#[test]
fn values_changed_in_place_are_followed_or_forgotten() {
    // fides: a dict filled in a loop whose body may `continue` first is not the empty dict it
    // started as; an `if` on it is undecided, never a certain drop.
    let ops = lower(&format!(
        "{HEAD}\ndef walk(found, n):\n    found.append(n)\n\n\
         def upgrade():\n    conn = op.get_bind()\n    \
         rows = conn.execute(sa.text('SELECT k FROM m')).fetchall()\n    \
         mapping = {{}}\n    for r in rows:\n        if '.' not in r.k:\n            continue\n        mapping[r.k] = 1\n    \
         if len(mapping) == 0:\n        op.drop_table('a')\n    \
         d = {{}}\n    d['x'] = 't1'\n    op.drop_table(d['x'])\n    \
         names = ['b']\n    names.insert(0, 'c')\n    op.drop_table(names[0])\n    \
         sql = 'DROP TABLE '\n    sql += 't2'\n    op.execute(sql)\n    \
         cols = {{'k': 'x'}}\n    del cols['k']\n    op.drop_table(cols.get('k', 'y'))\n    \
         seen = []\n    walk(seen, 1)\n    if seen:\n        op.drop_table('w')\n    \
         found = []\n    def visit(n):\n        found.append(n)\n        visit(n)\n    visit(3)\n    \
         if found:\n        op.drop_table('z')\n    \
         if {{}}:\n        op.drop_table('never')\n\n\
         def downgrade():\n    pass\n"
    ));
    let kinds = kinds(&ops.upgrade);
    let dropped: Vec<&str> = ops
        .upgrade
        .iter()
        .filter_map(|op| match &op.kind {
            OpKind::DropTable { table } => Some(table.as_str()),
            _ => None,
        })
        .collect();
    // Only what is certain: `d['x']` is `t1`; `names`, `cols`, `seen`, `found` and `mapping`
    // are no longer known, and `{}` is false.
    assert_eq!(dropped, ["t1"], "{kinds:?}");
    assert!(
        kinds.contains(&"Sql(DROP TABLE t2)".to_owned()),
        "{kinds:?}"
    );
    let f = footprints(&ops.upgrade);
    for name in ["a", "w", "z"] {
        assert!(
            f.iter().any(|f| f.names.contains(&name.to_owned())),
            "{name} is not uncertain: {f:?}"
        );
    }
    assert!(!f.iter().any(|f| f.names.contains(&"never".to_owned())));
    // The recursive closure reads `visit` and `found` from the frame that calls it.
    assert!(!f.iter().any(crate::Footprint::is_unbounded), "{f:?}");
}

#[test]
fn what_the_standard_library_and_data_libraries_do_with_data_changes_no_catalog() {
    // aiida: `json.dump(data, codecs.getwriter("utf-8")(handle), default=json_serializer)`;
    // superset: a progress count passed to a callable; fides: a DBAPI cursor's COPY and a
    // networkx graph.
    let ops = lower(&format!(
        "{HEAD}\nimport codecs\nimport csv\nimport json\nimport networkx as nx\nfrom app.progress import report\n\n\
         def serialize(obj):\n    from uuid import UUID\n    obj.check()\n    if isinstance(obj, UUID):\n        return str(obj)\n    \
         raise TypeError(f'{{type(obj)}} is not serializable')\n\n\
         def upgrade():\n    conn = op.get_bind()\n    \
         rows = conn.execute(sa.text('SELECT 1')).fetchall()\n    \
         with open('out.json', 'wb') as handle:\n        \
         json.dump({{'rows': rows}}, codecs.getwriter('utf-8')(handle), default=serialize)\n        \
         csv_file = open('links.csv', 'w')\n    \
         writer = csv.DictWriter(csv_file, fieldnames=['a'])\n    writer.writeheader()\n    writer.writerows(paths)\n    \
         processed = 0\n    for r in rows:\n        processed += len(r)\n        report(processed)\n    \
         paths = []\n    for r in rows:\n        paths.append(r.a)\n    g = nx.Graph()\n    nx.add_path(g, paths)\n    \
         with open('t.csv') as f:\n        conn.connection.cursor().copy_expert('COPY t FROM STDIN', f)\n\n\
         def downgrade():\n    pass\n"
    ));
    assert!(
        footprints(&ops.upgrade)
            .iter()
            .all(crate::Footprint::is_none),
        "{:?}",
        ops.upgrade
    );
}
