//! The catalog the replay builds: enum types with their labels, tables with their columns. A plain
//! value type, so that what the migrations say and what a database has compare as values.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Catalog {
    pub types: BTreeMap<String, EnumType>,
    pub tables: BTreeMap<String, Table>,
    /// Schemas: those the history creates (`CREATE SCHEMA`), or, read from a database, every
    /// schema outside the system ones.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub schemas: BTreeSet<String>,
    /// The foreign keys the history declares, by the table they are on (what `DROP TABLE` of a
    /// referenced table runs into). Replay only: a database's are not read.
    #[serde(skip)]
    pub foreign_keys: BTreeMap<String, Vec<migdoc_ir::ForeignKeySpec>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnumType {
    pub labels: Vec<String>,
    /// The revision (file index) that created it.
    #[serde(skip)]
    pub created_by: usize,
    /// `false` for composite or range types created by raw SQL (labels are meaningless).
    pub is_enum: bool,
    /// A domain (`CREATE DOMAIN`, `postgresql.DOMAIN`): `DROP DOMAIN` drops nothing else.
    #[serde(skip)]
    pub is_domain: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Table {
    pub columns: Vec<Column>,
    #[serde(skip)]
    pub created_by: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    /// The enum type this column uses (directly or as an array), if any.
    pub enum_type: Option<String>,
    pub not_null: bool,
    /// A server default, or a column that fills itself (serial, identity, primary key integer).
    pub has_default: bool,
    /// The PostgreSQL type when migdoc names it (`migdoc_ir::types`); `None` for enums, arrays and
    /// types it does not name.
    pub sql_type: Option<String>,
    /// The values a `CHECK` lets through: a non-native enum's labels
    /// (`sa.Enum(..., native_enum=False, create_constraint=True)`). Replay only.
    #[serde(skip)]
    pub allowed: Option<Vec<String>>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl Catalog {
    /// Tables (and their columns) that use enum type `name`.
    pub fn users_of(&self, name: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (table, t) in &self.tables {
            for c in &t.columns {
                if c.enum_type.as_deref() == Some(name) {
                    out.push((table.clone(), c.name.clone()));
                }
            }
        }
        out
    }
}
