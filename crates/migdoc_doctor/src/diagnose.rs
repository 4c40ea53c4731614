//! What state a database is really in: its `alembic_version` rows against its catalog and the
//! catalogs the replay predicts. Pure: the live state comes in as values.

use std::collections::BTreeSet;
use std::fmt;

use migdoc_graph::Graph;
use migdoc_ir::RevisionOps;
use migdoc_replay::{Catalog, Settings};
use serde::Serialize;

/// What was read from the database.
#[derive(Clone, Debug, Default)]
pub struct LiveState {
    /// `None` when the version table does not exist.
    pub versions: Option<Vec<String>>,
    pub catalog: Catalog,
}

/// An object a revision creates, checkable in a catalog.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// First, so that undoing effects in reverse order drops a schema after what is in it.
    Schema {
        name: String,
    },
    Type {
        name: String,
    },
    Label {
        type_name: String,
        label: String,
    },
    Table {
        name: String,
    },
    Column {
        table: String,
        column: String,
    },
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Schema { name } => write!(f, "schema {name}"),
            Effect::Type { name } => write!(f, "type {name}"),
            Effect::Label { type_name, label } => write!(f, "label '{label}' of {type_name}"),
            Effect::Table { name } => write!(f, "table {name}"),
            Effect::Column { table, column } => write!(f, "column {table}.{column}"),
        }
    }
}

impl Effect {
    pub fn present_in(&self, c: &Catalog) -> bool {
        match self {
            Effect::Schema { name } => c.schemas.contains(name),
            Effect::Type { name } => c.types.contains_key(name),
            Effect::Label { type_name, label } => c
                .types
                .get(type_name)
                .is_some_and(|t| t.labels.contains(label)),
            Effect::Table { name } => c.tables.contains_key(name),
            Effect::Column { table, column } => c
                .tables
                .get(table)
                .is_some_and(|t| t.column(column).is_some()),
        }
    }
}

/// Every object of `c`, as effects.
fn objects(c: &Catalog) -> BTreeSet<Effect> {
    let mut out: BTreeSet<Effect> = c
        .schemas
        .iter()
        .map(|name| Effect::Schema { name: name.clone() })
        .collect();
    for (name, t) in &c.types {
        out.insert(Effect::Type { name: name.clone() });
        if t.is_enum {
            for l in &t.labels {
                out.insert(Effect::Label {
                    type_name: name.clone(),
                    label: l.clone(),
                });
            }
        }
    }
    for (name, t) in &c.tables {
        out.insert(Effect::Table { name: name.clone() });
        for col in &t.columns {
            out.insert(Effect::Column {
                table: name.clone(),
                column: col.name.clone(),
            });
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Info,
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Finding {
    /// Recorded at the heads, and the catalog is what the history predicts.
    Healthy,
    /// Revisions not applied yet (nothing of theirs is in the database).
    Behind { pending: Vec<String> },
    /// Every effect of the revision is present, but the version table does not say so.
    AppliedNotRecorded {
        revision: String,
        effects: Vec<Effect>,
    },
    /// Some effects of the revision are present, some missing.
    PartiallyApplied {
        revision: String,
        present: Vec<Effect>,
        missing: Vec<Effect>,
    },
    /// The version table records the revision, but objects it created are missing.
    RecordedButMissing {
        revision: String,
        missing: Vec<Effect>,
    },
    /// The database is at a revision this checkout does not have.
    UnknownRevision {
        revision: String,
        looks_like: Option<String>,
    },
    /// Objects no migration of this history created.
    Drift { extra: Vec<Effect> },
    /// No version table, but tables: never stamped (or stamped elsewhere).
    NoVersionTable {
        tables: usize,
        looks_like: Option<String>,
    },
    /// Several rows in the version table on a history that does not branch there.
    SeveralRecorded { revisions: Vec<String> },
    /// The checkout has several heads: `alembic upgrade head` refuses to run, whatever the
    /// database is at (incident 003).
    SeveralHeads { heads: Vec<String> },
    /// An enum type's labels are the history's, in another order (sorting and comparisons on
    /// its columns differ). PostgreSQL cannot reorder labels: no plan.
    LabelOrder {
        type_name: String,
        expected: Vec<String>,
        actual: Vec<String>,
    },
}

impl Finding {
    pub fn severity(&self) -> Severity {
        match self {
            Finding::Healthy => Severity::Ok,
            Finding::Behind { .. } | Finding::Drift { .. } => Severity::Info,
            Finding::AppliedNotRecorded { .. }
            | Finding::NoVersionTable { .. }
            | Finding::SeveralRecorded { .. }
            | Finding::LabelOrder { .. } => Severity::Warning,
            Finding::PartiallyApplied { .. }
            | Finding::RecordedButMissing { .. }
            | Finding::UnknownRevision { .. }
            | Finding::SeveralHeads { .. } => Severity::Error,
        }
    }

    /// Whether the database needs something done before the next `alembic upgrade head` can be
    /// trusted (anything but healthy, or behind with nothing else wrong).
    pub fn needs_action(&self) -> bool {
        !matches!(self, Finding::Healthy | Finding::Behind { .. })
    }

    pub fn describe(&self) -> String {
        let list = |e: &[Effect]| {
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Finding::Healthy => {
                "healthy: recorded at the head, and the catalog matches the history".into()
            }
            Finding::Behind { pending } => format!(
                "behind: {} pending revision(s): {}",
                pending.len(),
                pending.join(", ")
            ),
            Finding::AppliedNotRecorded { revision, effects } => {
                format!(
                    "applied but not recorded: everything {revision} creates is present ({}), but alembic_version does not say {revision}",
                    list(effects)
                )
            }
            Finding::PartiallyApplied {
                revision,
                present,
                missing,
            } => {
                format!(
                    "partially applied: {revision} created {} but not {}",
                    list(present),
                    list(missing)
                )
            }
            Finding::RecordedButMissing { revision, missing } => format!(
                "recorded but missing: alembic_version includes {revision}, but {} is missing",
                list(missing)
            ),
            Finding::UnknownRevision {
                revision,
                looks_like,
            } => match looks_like {
                Some(known) => format!(
                    "unknown revision: the database is at {revision}, which this checkout does not have (deployed from another branch?); its catalog contains everything up to {known}"
                ),
                None => format!(
                    "unknown revision: the database is at {revision}, which this checkout does not have (deployed from another branch?)"
                ),
            },
            Finding::Drift { extra } => format!(
                "drift outside migrations: {} (no migration of this history creates them)",
                list(extra)
            ),
            Finding::NoVersionTable { tables, looks_like } => match looks_like {
                Some(r) => format!(
                    "no version table, but {tables} table(s): never stamped; the catalog contains everything up to {r}"
                ),
                None => format!(
                    "no version table, but {tables} table(s): never stamped, and no revision's effects are all present"
                ),
            },
            Finding::SeveralRecorded { revisions } => format!(
                "several rows in alembic_version ({}) where the history does not branch",
                revisions.join(", ")
            ),
            Finding::LabelOrder {
                type_name,
                expected,
                actual,
            } => format!(
                "the labels of {type_name} are in another order than the history gives ({} instead of {}): ORDER BY and comparisons on its columns differ; \
                 PostgreSQL cannot reorder labels: rename the type, create it again in the history's order, cast each column to it, then drop the old one",
                actual.join(", "),
                expected.join(", ")
            ),
            Finding::SeveralHeads { heads } => format!(
                "this checkout has {} heads ({}): the next `alembic upgrade head` fails with \"Multiple head revisions\"; merge them (`alembic merge heads`) before deploying",
                heads.len(),
                heads.join(", ")
            ),
        }
    }
}

/// The diagnosis of one database.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnosis {
    pub findings: Vec<Finding>,
    /// The recorded revisions (empty without a version table).
    pub recorded: Vec<String>,
    pub heads: Vec<String>,
    /// The replay did not understand part of the history: conclusions about objects it could
    /// have touched are left out.
    pub incomplete: bool,
    /// The last revision (in upgrade order) up to which every object the history creates is in
    /// the database, when that can be told.
    pub looks_like: Option<String>,
}

impl Diagnosis {
    pub fn severity(&self) -> Severity {
        self.findings
            .iter()
            .map(Finding::severity)
            .max()
            .unwrap_or(Severity::Ok)
    }
}

pub(crate) struct History<'a> {
    pub(crate) graph: &'a Graph,
    pub(crate) ops: &'a [RevisionOps],
    pub(crate) settings: &'a Settings,
}

impl History<'_> {
    /// Graph nodes that are `targets` or their ancestors.
    fn closure(&self, targets: &[usize]) -> Vec<bool> {
        let mut keep = vec![false; self.graph.nodes.len()];
        for &t in targets {
            for (i, a) in self.graph.ancestors(t).into_iter().enumerate() {
                keep[i] |= a;
            }
            keep[t] = true;
        }
        keep
    }

    fn catalog_of(&self, nodes: &[bool]) -> (Catalog, bool) {
        self.catalog_of_each(nodes, &mut |_, _| {})
    }

    fn catalog_of_each(
        &self,
        nodes: &[bool],
        each: &mut dyn FnMut(usize, &Catalog),
    ) -> (Catalog, bool) {
        let files: Vec<bool> = {
            let mut f = vec![false; self.ops.len()];
            for (i, n) in self.graph.nodes.iter().enumerate() {
                if nodes[i] && n.file < f.len() {
                    f[n.file] = true;
                }
            }
            f
        };
        migdoc_replay::catalog_after_each(
            self.graph,
            self.ops,
            self.settings,
            &|file| files.get(file).copied().unwrap_or(false),
            each,
        )
    }

    /// The labels of enum type `name` once `revision` and its ancestors have run; `None` when the
    /// replay is not sure of them.
    pub(crate) fn labels_at(&self, revision: &str, name: &str) -> Option<Vec<String>> {
        let node = self.graph.get(revision)?;
        let (catalog, uncertain) = self.catalog_of(&self.closure(&[node]));
        if uncertain {
            return None;
        }
        catalog
            .types
            .get(name)
            .filter(|t| t.is_enum)
            .map(|t| t.labels.clone())
    }

    /// The objects revision `node` adds to the catalog of its ancestors.
    fn effects_of(&self, node: usize) -> (Vec<Effect>, bool) {
        let mut with = self.closure(&[node]);
        let (after, tainted_after) = self.catalog_of(&with);
        with[node] = false;
        let (before, tainted_before) = self.catalog_of(&with);
        let (after, before) = (objects(&after), objects(&before));
        (
            after.difference(&before).cloned().collect(),
            tainted_after || tainted_before,
        )
    }

    /// The last revision in upgrade order up to which every object the history creates is
    /// present in `live` (one replay pass).
    fn looks_like(&self, live: &Catalog) -> Option<String> {
        let all = vec![true; self.graph.nodes.len()];
        let mut best = None;
        let mut broken = false;
        let (_, tainted) = self.catalog_of_each(&all, &mut |file, catalog| {
            if broken {
                return;
            }
            if objects(catalog).iter().all(|e| e.present_in(live)) {
                best = self
                    .graph
                    .nodes
                    .iter()
                    .find(|n| n.file == file)
                    .map(|n| n.id.clone());
            } else {
                broken = true;
            }
        });
        // After an operation migdoc does not understand, "present" proves nothing.
        if tainted { None } else { best }
    }
}

pub(crate) fn diagnose(history: &History<'_>, live: &LiveState) -> Diagnosis {
    let mut diagnosis = diagnose_state(history, live);
    if diagnosis.heads.len() > 1 {
        diagnosis
            .findings
            .retain(|f| !matches!(f, Finding::Healthy));
        diagnosis.findings.insert(
            0,
            Finding::SeveralHeads {
                heads: diagnosis.heads.clone(),
            },
        );
    }
    diagnosis
}

fn diagnose_state(history: &History<'_>, live: &LiveState) -> Diagnosis {
    let graph = history.graph;
    let heads: Vec<String> = graph
        .heads
        .iter()
        .map(|&h| graph.nodes[h].id.clone())
        .collect();
    let mut findings = Vec::new();
    // One replay pass, whatever needs it.
    let looks_like = history.looks_like(&live.catalog);
    let Some(versions) = &live.versions else {
        let tables = live.catalog.tables.len();
        if tables > 0 {
            findings.push(Finding::NoVersionTable {
                tables,
                looks_like: looks_like.clone(),
            });
        } else {
            let pending: Vec<String> = graph
                .upgrade_order()
                .map(|n| graph.nodes[n].id.clone())
                .collect();
            if !pending.is_empty() {
                findings.push(Finding::Behind { pending });
            }
        }
        return Diagnosis {
            findings,
            recorded: Vec::new(),
            heads,
            incomplete: false,
            looks_like,
        };
    };
    let mut known = Vec::new();
    for v in versions {
        match graph.get(v) {
            Some(n) => known.push(n),
            None => findings.push(Finding::UnknownRevision {
                revision: v.clone(),
                looks_like: looks_like.clone(),
            }),
        }
    }
    if known.len() > 1
        && known
            .iter()
            .any(|&a| known.iter().any(|&b| a != b && graph.ancestors(b)[a]))
    {
        findings.push(Finding::SeveralRecorded {
            revisions: versions.clone(),
        });
    }
    if !findings
        .iter()
        .any(|f| matches!(f, Finding::UnknownRevision { .. }))
        || !known.is_empty()
    {
        let applied = history.closure(&known);
        // The expected catalog, and which revision first created each object in it.
        let mut creator: std::collections::BTreeMap<Effect, usize> =
            std::collections::BTreeMap::new();
        let mut seen: BTreeSet<Effect> = BTreeSet::new();
        let (expected, mut incomplete) = history.catalog_of_each(&applied, &mut |file, catalog| {
            for e in objects(catalog) {
                if seen.insert(e.clone()) {
                    creator.insert(e, file);
                }
            }
        });
        let mut missing_by: Vec<(String, Vec<Effect>)> = Vec::new();
        for e in objects(&expected)
            .into_iter()
            .filter(|e| !e.present_in(&live.catalog))
        {
            let rev = creator
                .get(&e)
                .and_then(|&f| graph.nodes.iter().find(|n| n.file == f))
                .map_or_else(|| "?".to_owned(), |n| n.id.clone());
            match missing_by.iter_mut().find(|(r, _)| *r == rev) {
                Some((_, list)) => list.push(e),
                None => missing_by.push((rev, vec![e])),
            }
        }
        // Pending revisions, in upgrade order.
        let mut pending = Vec::new();
        let mut accounted: BTreeSet<Effect> = objects(&expected);
        for n in graph.upgrade_order().filter(|&n| !applied[n]) {
            let id = graph.nodes[n].id.clone();
            let (effects, tainted) = history.effects_of(n);
            incomplete |= tainted;
            accounted.extend(effects.iter().cloned());
            let (present, missing): (Vec<Effect>, Vec<Effect>) = effects
                .into_iter()
                .partition(|e| e.present_in(&live.catalog));
            if present.is_empty() || tainted {
                pending.push(id);
            } else if missing.is_empty() {
                findings.push(Finding::AppliedNotRecorded {
                    revision: id,
                    effects: present,
                });
            } else {
                findings.push(Finding::PartiallyApplied {
                    revision: id,
                    present,
                    missing,
                });
            }
        }
        if !incomplete {
            for (revision, missing) in missing_by {
                findings.push(Finding::RecordedButMissing { revision, missing });
            }
            // Schemas are not drift by themselves (`public`, and whatever else holds no object
            // of the history's): what is in them is.
            let extra: BTreeSet<Effect> = objects(&live.catalog)
                .into_iter()
                .filter(|e| !matches!(e, Effect::Schema { .. }) && !accounted.contains(e))
                .collect();
            // A new type's labels are part of the type, a new table's columns part of the table.
            let extra: Vec<Effect> = extra
                .iter()
                .filter(|e| !matches!(e, Effect::Label { type_name, .. } if extra.contains(&Effect::Type { name: type_name.clone() })))
                .filter(|e| !matches!(e, Effect::Column { table, .. } if extra.contains(&Effect::Table { name: table.clone() })))
                .cloned()
                .collect();
            if !extra.is_empty() {
                findings.push(Finding::Drift { extra });
            }
            for (name, t) in expected.types.iter().filter(|(_, t)| t.is_enum) {
                let Some(live_type) = live.catalog.types.get(name) else {
                    continue;
                };
                let actual: Vec<String> = live_type
                    .labels
                    .iter()
                    .filter(|l| t.labels.contains(l))
                    .cloned()
                    .collect();
                let expected: Vec<String> = t
                    .labels
                    .iter()
                    .filter(|l| live_type.labels.contains(l))
                    .cloned()
                    .collect();
                if actual != expected {
                    findings.push(Finding::LabelOrder {
                        type_name: name.clone(),
                        expected,
                        actual,
                    });
                }
            }
        }
        if !pending.is_empty() {
            findings.push(Finding::Behind { pending });
        }
        if findings.is_empty()
            && versions.iter().collect::<BTreeSet<_>>() == heads.iter().collect::<BTreeSet<_>>()
        {
            findings.push(Finding::Healthy);
        }
        return Diagnosis {
            findings,
            recorded: versions.clone(),
            heads,
            incomplete,
            looks_like,
        };
    }
    Diagnosis {
        findings,
        recorded: versions.clone(),
        heads,
        incomplete: true,
        looks_like,
    }
}
