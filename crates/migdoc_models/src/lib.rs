//! The schema an application's SQLAlchemy models declare, read from source without importing
//! anything: declarative classes (2.0 `Mapped[...]` + `mapped_column`, 1.x `Column`), `Table(...)`
//! objects, mixins and abstract bases, single and joined inheritance, `__table_args__` schemas,
//! Python enum classes and every way `sa.Enum` / `postgresql.ENUM` are written.
//!
//! Invariant: what cannot be read stays unknown. A column whose type is not understood has no type
//! (`sql_type` and `enum_type` are `None`, `type_known` false); a class whose table name cannot be
//! evaluated is counted in [`ModelSchema::unknown`], never guessed.

mod annotation;
mod classes;

use migdoc_ir::{EnumSpec, PyEnumClass};
use migdoc_python::TextRange;
use serde::Serialize;

/// One module to read models from.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// Dotted name (`app.models`; a package's `__init__` has the package's name).
    pub name: &'a str,
    pub is_package: bool,
    pub module: &'a migdoc_python::Module,
}

/// What the models declare.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ModelSchema {
    /// Sorted by table name.
    pub tables: Vec<ModelTable>,
    /// Mapped classes or tables that could not be read (a computed `__tablename__`, say).
    pub unknown: Vec<UnknownModel>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelTable {
    /// `schema.table` when the schema is not `public`, as the replayed catalog names tables.
    pub name: String,
    /// The mapped classes that share this table (one, or several with single-table inheritance);
    /// empty for a `Table(...)` object.
    pub classes: Vec<String>,
    /// Index into the inputs of the module that declares it.
    pub module: usize,
    pub range: TextRange,
    pub columns: Vec<ModelColumn>,
    /// Every attribute that might be a column was read.
    pub complete: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelColumn {
    /// The database column name.
    pub name: String,
    pub module: usize,
    pub range: TextRange,
    /// The PostgreSQL type, when migdoc names it.
    pub sql_type: Option<String>,
    pub enum_type: Option<ModelEnum>,
    pub is_array: bool,
    pub nullable: bool,
    /// SQLAlchemy (`default=`) or the database (`server_default=`) fills it when omitted.
    pub has_default: bool,
    /// A SERIAL / identity column.
    pub generated: bool,
    pub primary_key: bool,
    /// The type was understood (as a named type, an enum, or a known other type).
    pub type_known: bool,
}

/// An enum column's type, with what SQLAlchemy will send for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelEnum {
    /// The PostgreSQL type name (`None` when it cannot be evaluated).
    pub name: Option<String>,
    /// The strings SQLAlchemy sends: member names, or values with `values_callable`, or the
    /// literal labels; `None` when unknown.
    pub sends: Option<Vec<String>>,
    /// `native_enum=True` (a PostgreSQL enum type) rather than a VARCHAR.
    pub native: bool,
    /// `create_type=` as written.
    pub create_type: Option<bool>,
    /// `postgresql.ENUM` rather than `sa.Enum`.
    pub dialect_enum: bool,
    /// `inherit_schema=True`: the type is in its table's schema.
    pub inherit_schema: bool,
    /// The Python enum class, when the type is built from one.
    pub class: Option<EnumClass>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnumClass {
    pub name: String,
    pub names: Vec<String>,
    pub values: Option<Vec<String>>,
    /// `values_callable=` was given: SQLAlchemy sends what it returns (taken to be the values).
    pub uses_values: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnknownModel {
    pub module: usize,
    pub range: TextRange,
    pub what: String,
}

impl ModelSchema {
    pub fn table(&self, name: &str) -> Option<&ModelTable> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// Reads the models of `inputs`.
pub fn extract(inputs: &[Input<'_>]) -> ModelSchema {
    classes::extract(inputs)
}

fn model_enum(spec: &EnumSpec, class: Option<EnumClass>) -> ModelEnum {
    ModelEnum {
        name: spec.name.clone(),
        sends: spec.labels.clone(),
        native: spec.native,
        create_type: spec.create_type,
        dialect_enum: spec.dialect_enum,
        inherit_schema: spec.inherit_schema,
        class,
    }
}

fn enum_class(name: &str, class: &PyEnumClass, uses_values: bool) -> EnumClass {
    EnumClass {
        name: name.to_owned(),
        names: class.names.clone(),
        values: class.values.clone(),
        uses_values,
    }
}

#[cfg(test)]
mod tests;
