use crate::{Input, ModelSchema, ModelTable, extract};

/// Reads `modules` (dotted name, source); a name ending in `/` is a package's `__init__`.
fn read(modules: &[(&str, &str)]) -> ModelSchema {
    let parsed: Vec<(String, bool, migdoc_python::Module)> = modules
        .iter()
        .map(|(name, src)| {
            (
                name.trim_end_matches('/').to_owned(),
                name.ends_with('/'),
                migdoc_python::parse_module(src),
            )
        })
        .collect();
    let inputs: Vec<Input<'_>> = parsed
        .iter()
        .map(|(name, is_package, module)| Input {
            name,
            is_package: *is_package,
            module,
        })
        .collect();
    extract(&inputs)
}

fn table<'s>(schema: &'s ModelSchema, name: &str) -> &'s ModelTable {
    schema.table(name).unwrap_or_else(|| {
        panic!(
            "no table {name} in {:?}",
            schema.tables.iter().map(|t| &t.name).collect::<Vec<_>>()
        )
    })
}

/// `name type null|notnull` per column, for compact assertions.
fn shape(t: &ModelTable) -> Vec<String> {
    t.columns
        .iter()
        .map(|c| {
            let ty = match (&c.enum_type, &c.sql_type) {
                (Some(e), _) => format!(
                    "enum:{}:{}",
                    e.name.clone().unwrap_or_default(),
                    e.sends.clone().unwrap_or_default().join("|")
                ),
                (None, Some(t)) => t.clone(),
                (None, None) => "?".to_owned(),
            };
            format!(
                "{} {ty} {}",
                c.name,
                if c.nullable { "null" } else { "notnull" }
            )
        })
        .collect()
}

const BASE: &str = "
import enum
from typing import Optional, Literal
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass
";

#[test]
fn mapped_annotations_give_type_and_nullability() {
    let src = format!(
        "{BASE}
class Status(enum.Enum):
    NEW = 'new'
    OLD = 'old'

class Order(Base):
    __tablename__ = 'orders'
    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[Optional[str]]
    status: Mapped[Status]
    kind: Mapped[Literal['a', 'b']]
    total: Mapped[float | None] = mapped_column(sa.Numeric(10, 2))
    forced: Mapped[str] = mapped_column(nullable=True)
    owner = sa.orm.relationship('User')
"
    );
    let schema = read(&[("app.models", &src)]);
    assert_eq!(
        shape(table(&schema, "orders")),
        [
            "id integer notnull",
            "note varchar null",
            "status enum:status:NEW|OLD notnull",
            "kind enum::a|b notnull",
            "total numeric null",
            "forced varchar null",
        ]
    );
    let orders = table(&schema, "orders");
    assert!(
        orders.columns[0].generated,
        "an integer primary key is SERIAL"
    );
    assert!(
        !orders.columns[3]
            .enum_type
            .as_ref()
            .is_some_and(|e| e.native),
        "Literal is a non-native enum"
    );
}

#[test]
fn enum_labels_are_names_unless_values_callable() {
    let src = format!(
        "{BASE}
class Kind(str, enum.Enum):
    NEW_DEVELOPMENT = 'new_development'
    RENOVATION = 'renovation'
    REFIT = 'renovation'   # an alias: not a member of its own

class Project(Base):
    __tablename__ = 'projects'
    id = sa.Column(sa.Integer, primary_key=True)
    by_name = sa.Column(sa.Enum(Kind))
    by_value = sa.Column(sa.Enum(Kind, name='kind2', values_callable=lambda e: [m.value for m in e]))
    literal = sa.Column(sa.Enum('x', 'y', name='xy'), nullable=False)
"
    );
    let schema = read(&[("app.models", &src)]);
    assert_eq!(
        shape(table(&schema, "projects")),
        [
            "id integer notnull",
            "by_name enum:kind:NEW_DEVELOPMENT|RENOVATION null",
            "by_value enum:kind2:new_development|renovation null",
            "literal enum:xy:x|y notnull",
        ]
    );
    let class = table(&schema, "projects").columns[1]
        .enum_type
        .as_ref()
        .and_then(|e| e.class.clone());
    assert_eq!(
        class.map(|c| (c.name, c.uses_values)),
        Some(("Kind".to_owned(), false))
    );
}

#[test]
fn enums_imported_from_another_module_relative_or_absolute() {
    let enums = "import enum\nclass State(enum.Enum):\n    DRAFT = 'draft'\n    SENT = 'sent'\n";
    let models = format!(
        "{BASE}
from .enums import State
from app.enums import State as S2

class Invoice(Base):
    __tablename__ = 'invoices'
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[State]
    other = sa.Column(sa.Enum(S2, name='s2'))
"
    );
    let schema = read(&[("app/", ""), ("app.enums", enums), ("app.models", &models)]);
    assert_eq!(
        shape(table(&schema, "invoices")),
        [
            "id integer notnull",
            "state enum:state:DRAFT|SENT notnull",
            "other enum:s2:DRAFT|SENT null"
        ]
    );
}

#[test]
fn mixins_abstract_bases_and_inheritance() {
    let src = format!(
        "{BASE}
class Timestamps:
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)

class Abstract(Base):
    __abstract__ = True
    id: Mapped[int] = mapped_column(primary_key=True)

class Employee(Timestamps, Abstract):
    __tablename__ = 'employees'
    kind: Mapped[str]
    __mapper_args__ = {{'polymorphic_on': 'kind'}}

class Engineer(Employee):
    language: Mapped[Optional[str]]

class Manager(Employee):
    __tablename__ = 'managers'
    id: Mapped[int] = mapped_column(sa.ForeignKey('employees.id'), primary_key=True)
    budget: Mapped[int]
"
    );
    let schema = read(&[("app.models", &src)]);
    assert_eq!(
        shape(table(&schema, "employees")),
        // Python's MRO: the class, then `Timestamps`, then `Abstract`.
        [
            "kind varchar notnull",
            "created_at timestamptz notnull",
            "id integer notnull",
            "language varchar null"
        ]
    );
    assert_eq!(
        table(&schema, "employees").classes,
        ["Employee", "Engineer"]
    );
    // Joined inheritance: its own table, without the parent's columns nor its mixins' (observed
    // with SQLAlchemy 2.0.58).
    assert_eq!(
        shape(table(&schema, "managers")),
        ["id integer notnull", "budget integer notnull"]
    );
}

#[test]
fn table_objects_table_args_and_type_annotation_map() {
    let src = format!(
        "{BASE}
class Mapped2(DeclarativeBase):
    type_annotation_map = {{str: sa.Text()}}

class Widget(Base):
    __tablename__ = 'widgets'
    __table_args__ = (sa.PrimaryKeyConstraint('code'), {{'schema': 'inventory'}})
    code = sa.Column(sa.String(10))
    label: Mapped[str]

tags = sa.Table('tags', Base.metadata, sa.Column('id', sa.Integer, primary_key=True), sa.Column('name', sa.String(50), nullable=False))
"
    );
    let schema = read(&[("app.models", &src)]);
    assert_eq!(
        shape(table(&schema, "inventory.widgets")),
        ["code varchar notnull", "label text notnull"]
    );
    assert_eq!(
        shape(table(&schema, "tags")),
        ["id integer notnull", "name varchar notnull"]
    );
}

#[test]
fn what_cannot_be_read_stays_unknown() {
    let src = format!(
        "{BASE}
from somewhere import make_column, NAME

class Thing(Base):
    __tablename__ = NAME
    id = sa.Column(sa.Integer, primary_key=True)

class Other(Base):
    __tablename__ = 'others'
    id = sa.Column(sa.Integer, primary_key=True)
    magic = make_column()
    custom = sa.Column(SomeType())
"
    );
    let schema = read(&[("app.models", &src)]);
    assert_eq!(schema.unknown.len(), 1, "{:?}", schema.unknown);
    let others = table(&schema, "others");
    assert_eq!(shape(others), ["id integer notnull", "custom ? null"]);
    assert!(!others.columns[1].type_known);
}

#[test]
fn sqlmodel_tables_and_annotated_1x_columns() {
    // langflow's models: a SQLModel table's fields are its columns; `sa_column=` gives one
    // migdoc reads, the others (type and nullability from the annotation) leave it incomplete.
    let src = "
from typing import ClassVar
from uuid import UUID
import sqlalchemy as sa
from sqlalchemy import Column
from sqlmodel import Field, Relationship, SQLModel
from sqlalchemy.orm import declarative_base

class Cleanup(SQLModel, table=True):
    __tablename__ = 'cleanup'
    id: UUID = Field(primary_key=True)
    provider: str = Field(sa_column=Column(sa.String(64), nullable=False))
    kind: str = Field(sa_column=Column(sa.String(64), nullable=True))

class Settings(SQLModel, table=True):
    __tablename__ = 'settings'
    LIMIT: ClassVar[int] = 3
    name: str = Field(sa_column=Column(sa.String(64), primary_key=True))
    owner: 'User' = Relationship(back_populates='settings')

Legacy = declarative_base()

class Old(Legacy):
    __tablename__ = 'old'
    id: int = Column(sa.Integer, primary_key=True)
    note: str = Column(sa.Text, nullable=False)
";
    let schema = read(&[("app.models", src)]);
    let cleanup = table(&schema, "cleanup");
    assert_eq!(
        shape(cleanup),
        ["provider varchar notnull", "kind varchar null"]
    );
    assert!(
        !cleanup.complete,
        "`id: UUID = Field(...)` is a column migdoc does not read"
    );
    let settings = table(&schema, "settings");
    assert_eq!(shape(settings), ["name varchar notnull"]);
    assert!(
        settings.complete,
        "a ClassVar and a Relationship are no columns"
    );
    assert_eq!(
        shape(table(&schema, "old")),
        ["id integer notnull", "note text notnull"]
    );
}

#[test]
fn an_alias_bound_in_a_module_level_try_and_an_unknown_call_on_a_mapped_attribute() {
    // optuna's models: `_Column` is `mapped_column`, bound inside `try` (its `except
    // ImportError` is for SQLAlchemy < 2.0). A call migdoc cannot evaluate on a `Mapped[...]`
    // attribute may be a column: the table is incomplete, never complete without it.
    let src = "
from typing import Any
from sqlalchemy import Integer, String, orm
from sqlalchemy.orm import Mapped
from app.columns import make_column

try:
    from sqlalchemy.orm import declarative_base
except ImportError:
    from sqlalchemy.ext.declarative import declarative_base

try:
    from sqlalchemy.orm import mapped_column

    _Column = mapped_column
except ImportError:
    from sqlalchemy import Column as _Column

BaseModel: Any = declarative_base()

class StudyModel(BaseModel):
    __tablename__ = 'studies'
    study_id: Mapped[int] = _Column(Integer, primary_key=True)
    study_name: Mapped[str] = _Column(String(512), index=True, unique=True, nullable=False)
    trials = orm.relationship('TrialModel')

class TrialModel(BaseModel):
    __tablename__ = 'trials'
    trial_id: Mapped[int] = _Column(Integer, primary_key=True)
    number: Mapped[int] = make_column(Integer)
";
    let schema = read(&[("app.models", src)]);
    let studies = table(&schema, "studies");
    assert_eq!(
        shape(studies),
        ["study_id integer notnull", "study_name varchar notnull"]
    );
    assert!(studies.complete, "a relationship is no column");
    let trials = table(&schema, "trials");
    assert_eq!(shape(trials), ["trial_id integer notnull"]);
    assert!(!trials.complete, "`make_column(...)` may be a column");
}

#[test]
fn a_column_named_by_keyword() {
    // datajunction's `async_: Mapped[bool] = mapped_column(default=False, name="async")`.
    let src = "
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from app.naming import column_name

class Base(DeclarativeBase):
    pass

class Database(Base):
    __tablename__ = 'database'
    id: Mapped[int] = mapped_column(primary_key=True)
    async_: Mapped[bool] = mapped_column(default=False, name='async')
    schema: Mapped[str | None] = mapped_column(default=None, name='schema_')
    legacy = sa.Column(sa.Text, name='legacy_note')

class Other(Base):
    __tablename__ = 'other'
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(name=column_name('label'))
";
    let schema = read(&[("app.models", src)]);
    let names: Vec<&str> = table(&schema, "database")
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["id", "async", "schema_", "legacy_note"]);
    // A name migdoc cannot evaluate is not the attribute's: that column is not read.
    let other = table(&schema, "other");
    assert_eq!(shape(other), ["id integer notnull"]);
    assert!(!other.complete);
}
