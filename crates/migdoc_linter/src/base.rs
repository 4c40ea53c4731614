//! The schema a history presupposes (`[tool.migdoc] base-models`): what
//! `metadata.create_all()` of those models makes, as the catalog every replay starts from.
//!
//! `create_all` creates every table of the metadata and, on PostgreSQL, the named native enum
//! types its columns use (with the labels SQLAlchemy sends). What the models do not tell is
//! uncertain from the start: a table not read whole has uncertain columns, an enum whose labels
//! are unknown (or that `create_type=False` leaves to someone else) has uncertain labels, a
//! native enum without a readable name makes every type uncertain. A table the models declare
//! where migdoc cannot read it (a computed `__tablename__`, a module past the import budget) is
//! what a history without base models presupposes too: the replay already takes a table no
//! revision creates to predate the history.

use std::sync::Arc;

use migdoc_models::{ModelSchema, ModelTable};
use migdoc_project::Sources;
use migdoc_replay::{Base, Catalog, Column, EnumType, Table, Uncertainty};

/// Stands for "made before the first revision" where the catalog records which revision made
/// an object: no revision index reaches it, so it is an ancestor of every revision.
const PRESUPPOSED: usize = usize::MAX;

/// The presupposed schema of `sources`, when base models are configured.
pub(crate) fn presupposed(sources: &Sources) -> Option<Arc<Base>> {
    if sources.base_models.entry.is_empty() {
        return None;
    }
    let schema = crate::schema_of(&sources.base_models);
    Some(Arc::new(base_of(&schema)))
}

/// What `metadata.create_all()` of `schema`'s tables makes.
fn base_of(schema: &ModelSchema) -> Base {
    let mut catalog = Catalog::default();
    let mut uncertain = Uncertainty::default();
    for table in &schema.tables {
        add_table(table, &mut catalog, &mut uncertain);
    }
    Base { catalog, uncertain }
}

fn add_table(table: &ModelTable, catalog: &mut Catalog, uncertain: &mut Uncertainty) {
    let schema = table.name.rsplit_once('.').map(|(s, _)| s);
    let mut columns = Vec::with_capacity(table.columns.len());
    for c in &table.columns {
        let enum_type = c.enum_type.as_ref().filter(|e| e.native).and_then(|e| {
            let Some(name) = &e.name else {
                // `create_all` made a type migdoc cannot name.
                uncertain.any_type = true;
                return None;
            };
            let key = match schema {
                Some(s) if e.inherit_schema => format!("{s}.{name}"),
                _ => name.clone(),
            };
            let labels = e.sends.clone();
            if labels.is_none() || e.create_type == Some(false) {
                uncertain.labels.insert(key.clone());
            }
            catalog.types.entry(key.clone()).or_insert(EnumType {
                labels: labels.unwrap_or_default(),
                created_by: PRESUPPOSED,
                is_enum: true,
                is_domain: false,
            });
            Some(key)
        });
        columns.push(Column {
            name: c.name.clone(),
            enum_type,
            not_null: !c.nullable,
            // `default=` is SQLAlchemy's, not the table's: counting it errs towards silence.
            has_default: c.has_default || c.generated,
            sql_type: c.sql_type.clone(),
            allowed: None,
        });
    }
    if !table.complete {
        uncertain.columns.insert(table.name.clone());
    }
    if let Some(s) = schema {
        catalog.schemas.insert(s.to_owned());
    }
    catalog.tables.insert(
        table.name.clone(),
        Table {
            columns,
            created_by: PRESUPPOSED,
        },
    );
}
