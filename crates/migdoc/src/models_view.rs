//! `migdoc models`: the schema migdoc reads from the models, as text or JSON, so a user can see
//! what it understood (and what it did not).

use std::io::{self, Write};

use migdoc_models::{ModelColumn, ModelEnum, ModelSchema};
use migdoc_project::ModelSources;
use migdoc_python::TextRange;
use serde_json::json;

use crate::args::ModelsFormat;

pub(crate) fn write(
    out: &mut impl Write,
    format: ModelsFormat,
    schema: &ModelSchema,
    sources: &ModelSources,
) -> io::Result<()> {
    match format {
        ModelsFormat::Text => text(out, schema, sources),
        ModelsFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &to_json(schema, sources))?;
            writeln!(out)
        }
    }
}

fn location(sources: &ModelSources, module: usize, range: TextRange) -> (String, u32) {
    let m = &sources.modules[module];
    (
        m.path.display().to_string(),
        m.line_index.line_column(&m.text, range.start).line,
    )
}

fn text(out: &mut impl Write, schema: &ModelSchema, sources: &ModelSources) -> io::Result<()> {
    if sources.entry.is_empty() {
        writeln!(
            out,
            "no models: env.py has no `target_metadata` imported from the project, and no `--models` / `[tool.migdoc] models` is given"
        )?;
        return Ok(());
    }
    let origin = if sources.configured {
        "configured"
    } else {
        "imported by env.py"
    };
    writeln!(
        out,
        "models from {} ({origin}); {} modules read",
        sources.entry.join(", "),
        sources.modules.len()
    )?;
    for missing in &sources.missing {
        writeln!(out, "  module not found: {missing}")?;
    }
    if sources.truncated {
        writeln!(
            out,
            "  stopped following imports after {} modules",
            sources.modules.len()
        )?;
    }
    for table in &schema.tables {
        let (path, line) = location(sources, table.module, table.range);
        let classes = if table.classes.is_empty() {
            "Table(...)".to_owned()
        } else {
            table.classes.join(", ")
        };
        writeln!(
            out,
            "\ntable {}  ({classes}, {path}:{line}){}",
            table.name,
            if table.complete {
                ""
            } else {
                "  [some attributes not understood]"
            }
        )?;
        let width = table
            .columns
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        for column in &table.columns {
            writeln!(out, "  {:width$}  {}", column.name, describe(column))?;
        }
    }
    for unknown in &schema.unknown {
        let (path, line) = location(sources, unknown.module, unknown.range);
        writeln!(out, "\nnot understood: {path}:{line}: {}", unknown.what)?;
    }
    Ok(())
}

fn describe(c: &ModelColumn) -> String {
    let mut parts = Vec::new();
    let ty = match (&c.enum_type, &c.sql_type) {
        (Some(e), _) => enum_text(e),
        (None, Some(t)) => t.clone(),
        (None, None) if c.type_known => "(a type migdoc does not name)".to_owned(),
        (None, None) => "(unknown type)".to_owned(),
    };
    parts.push(if c.is_array { format!("{ty}[]") } else { ty });
    parts.push(if c.nullable {
        "NULL".to_owned()
    } else {
        "NOT NULL".to_owned()
    });
    if c.primary_key {
        parts.push("primary key".to_owned());
    }
    if c.generated {
        parts.push("generated".to_owned());
    } else if c.has_default {
        parts.push("default".to_owned());
    }
    parts.join("  ")
}

fn enum_text(e: &ModelEnum) -> String {
    let name = e.name.as_deref().unwrap_or("?");
    let kind = if e.native {
        format!("enum {name}")
    } else {
        "varchar (non-native enum)".to_owned()
    };
    let sends = e.sends.as_ref().map_or_else(
        || "labels unknown".to_owned(),
        |s| {
            s.iter()
                .map(|l| format!("'{l}'"))
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    let origin = match &e.class {
        Some(c) if c.uses_values => format!(": values of {}", c.name),
        Some(c) => format!(": member names of {}", c.name),
        None => String::new(),
    };
    let create = if e.create_type == Some(false) {
        ", create_type=False"
    } else {
        ""
    };
    format!("{kind} sends ({sends}{origin}{create})")
}

fn to_json(schema: &ModelSchema, sources: &ModelSources) -> serde_json::Value {
    let column = |c: &ModelColumn| {
        let (_, line) = location(sources, c.module, c.range);
        json!({
            "name": c.name,
            "line": line,
            "sql_type": c.sql_type,
            "enum": c.enum_type,
            "is_array": c.is_array,
            "nullable": c.nullable,
            "has_default": c.has_default,
            "generated": c.generated,
            "primary_key": c.primary_key,
            "type_known": c.type_known,
        })
    };
    let tables: Vec<serde_json::Value> = schema
        .tables
        .iter()
        .map(|t| {
            let (path, line) = location(sources, t.module, t.range);
            json!({
                "name": t.name,
                "classes": t.classes,
                "path": path,
                "line": line,
                "complete": t.complete,
                "columns": t.columns.iter().map(column).collect::<Vec<_>>(),
            })
        })
        .collect();
    let unknown: Vec<serde_json::Value> = schema
        .unknown
        .iter()
        .map(|u| {
            let (path, line) = location(sources, u.module, u.range);
            json!({ "path": path, "line": line, "what": u.what })
        })
        .collect();
    json!({
        "version": 1,
        "entry": sources.entry,
        "modules": sources.modules.iter().map(|m| json!({ "name": m.name, "path": m.path.display().to_string() })).collect::<Vec<_>>(),
        "tables": tables,
        "unknown": unknown,
    })
}
