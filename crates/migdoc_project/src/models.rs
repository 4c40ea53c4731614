//! The application's model modules: where `env.py`'s `target_metadata` is imported from (or the
//! modules `[tool.migdoc] models = [...]` names), and the project modules those import in turn.
//! Only files are read; nothing is imported or run.

use std::collections::BTreeSet;

use rayon::prelude::*;
use std::path::PathBuf;

use migdoc_python::ast::Stmt;
use migdoc_python::{LineIndex, Module};

use crate::{Project, shown_path};

/// Beyond this many modules the models are not followed further (a framework's whole tree).
const MAX_MODULES: usize = 400;

/// One model module, parsed.
#[derive(Debug)]
pub struct ModelModule {
    /// The dotted name (`app.models`); a package's `__init__.py` carries the package's name.
    pub name: String,
    pub is_package: bool,
    /// As shown to users (relative to the project root when inside it).
    pub path: PathBuf,
    pub text: String,
    pub line_index: LineIndex,
    pub module: Module,
}

/// The model modules of a project, in the order they were reached (entry modules first).
#[derive(Debug, Default)]
pub struct ModelSources {
    /// The modules the search started from, as named in env.py or the configuration.
    pub entry: Vec<String>,
    /// `[tool.migdoc] models` chose the entry modules (rather than env.py).
    pub configured: bool,
    pub modules: Vec<ModelModule>,
    /// Entry modules that were named but not found on disk.
    pub missing: Vec<String>,
    /// More modules were imported than [`MAX_MODULES`]: the rest were not read.
    pub truncated: bool,
}

impl Project {
    /// The modules to read models from: `--models` or `[tool.migdoc] models` when given, else the
    /// project modules env.py imports (where its `target_metadata` comes from).
    pub fn load_models(&self) -> ModelSources {
        let configured = (!self.models.is_empty()).then(|| self.models.clone());
        let (entry, configured) = match configured {
            Some(models) => (models, true),
            // Projects often import the model modules for their side effect (registering the
            // tables on the metadata) next to the base: every project module env.py imports.
            None => match self.env.as_ref().filter(|e| e.target_metadata.is_some()) {
                Some(env) => (
                    env.imported_modules
                        .iter()
                        .filter(|m| is_project_module(m))
                        .cloned()
                        .collect(),
                    false,
                ),
                None => (Vec::new(), false),
            },
        };
        self.load_model_modules(entry, configured)
    }

    /// The modules of the schema the history presupposes: `--base-models` or `[tool.migdoc]
    /// base-models`, and the project modules they import. Empty when none is configured.
    pub fn load_base_models(&self) -> ModelSources {
        if self.base_models.is_empty() {
            return ModelSources::default();
        }
        self.load_model_modules(self.base_models.clone(), true)
    }

    /// Reads `entry` and the project modules they import, breadth first.
    fn load_model_modules(&self, entry: Vec<String>, configured: bool) -> ModelSources {
        let mut out = ModelSources {
            entry: entry.clone(),
            configured,
            ..ModelSources::default()
        };
        if entry.is_empty() {
            return out;
        }
        let roots = self.search_roots();
        // Breadth first, one level at a time: a level's files are read and parsed in parallel,
        // then taken in the order they were reached, which is the order a queue would give.
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut level: Vec<String> = entry
            .iter()
            .filter(|e| seen.insert((*e).clone()))
            .cloned()
            .collect();
        while !level.is_empty() && !out.truncated {
            let mut found = Vec::new();
            for name in level {
                let Some((path, is_package)) = find_module(&roots, &name) else {
                    if configured && entry.contains(&name) {
                        out.missing.push(name);
                    }
                    continue;
                };
                if out.modules.len() + found.len() >= MAX_MODULES {
                    out.truncated = true;
                    break;
                }
                found.push((name, path, is_package));
            }
            let read: Vec<Option<(ModelModule, Vec<String>)>> = found
                .into_par_iter()
                .map(|(name, path, is_package)| {
                    let text = std::fs::read_to_string(&path).ok()?;
                    let module = migdoc_python::parse_module(&text);
                    // A package's parents are imported first by Python; its `__init__` may
                    // define the base.
                    let mut wanted = Vec::new();
                    if let Some((parent, _)) = name.rsplit_once('.') {
                        wanted.push(parent.to_owned());
                    }
                    collect_imports(&module.body, &name, is_package, &mut wanted);
                    let module = ModelModule {
                        name,
                        is_package,
                        path: shown_path(&self.root, &path),
                        line_index: LineIndex::new(&text),
                        text,
                        module,
                    };
                    Some((module, wanted))
                })
                .collect();
            let mut next = Vec::new();
            for (module, wanted) in read.into_iter().flatten() {
                for w in wanted {
                    if is_project_module(&w) && seen.insert(w.clone()) {
                        next.push(w);
                    }
                }
                out.modules.push(module);
            }
            level = next;
        }
        if !configured {
            // `from app import Base` gave the candidate `app.Base`, which is no module.
            let found: BTreeSet<&str> = out.modules.iter().map(|m| m.name.as_str()).collect();
            out.entry.retain(|e| found.contains(e.as_str()));
        }
        out
    }
}

fn is_project_module(name: &str) -> bool {
    let top = name.split('.').next().unwrap_or_default();
    !matches!(
        top,
        "sqlalchemy"
            | "alembic"
            | "typing"
            | "typing_extensions"
            | "os"
            | "sys"
            | "enum"
            | "datetime"
            | "uuid"
            | "json"
            | "re"
            | "decimal"
            | "collections"
            | "functools"
            | "dataclasses"
            | "__future__"
            | "abc"
            | "logging"
            | "pydantic"
            | "flask"
            | "flask_sqlalchemy"
    )
}

fn find_module(roots: &[PathBuf], name: &str) -> Option<(PathBuf, bool)> {
    let rel = name.replace('.', "/");
    roots.iter().find_map(|root| {
        let file = root.join(format!("{rel}.py"));
        if file.is_file() {
            return Some((file, false));
        }
        let init = root.join(&rel).join("__init__.py");
        init.is_file().then_some((init, true))
    })
}

/// The modules a module imports (absolute names), including `from pkg import sub` candidates.
fn collect_imports(body: &[Stmt], name: &str, is_package: bool, out: &mut Vec<String>) {
    for stmt in body {
        match stmt {
            Stmt::ImportFrom {
                module,
                level,
                names,
                ..
            } => {
                let Some(base) =
                    migdoc_python::absolute_import(name, is_package, module.as_deref(), *level)
                else {
                    continue;
                };
                out.push(base.clone());
                for alias in names {
                    if alias.name != "*" {
                        out.push(format!("{base}.{}", alias.name));
                    }
                }
            }
            Stmt::Import { names, .. } => out.extend(names.iter().map(|a| a.name.clone())),
            // Models behind `if TYPE_CHECKING:` are still models of the same metadata.
            Stmt::If { body, orelse, .. } | Stmt::Try { body, orelse, .. } => {
                collect_imports(body, name, is_package, out);
                collect_imports(orelse, name, is_package, out);
            }
            _ => {}
        }
    }
}
