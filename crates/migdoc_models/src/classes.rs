//! Declarative classes and `Table(...)` objects → tables and columns.
//!
//! A class is mapped when it has a `__tablename__` (its own table; joined inheritance when a base
//! is mapped too) or `__table__`, or when it has no table of its own but a mapped base (single
//! table inheritance: its columns join the base's table). Classes that are neither (mixins,
//! `__abstract__` bases, the declarative base) lend their columns to the mapped classes below
//! them, as SQLAlchemy copies mixin columns.

use std::collections::BTreeMap;

use migdoc_ir::{ColumnSpec, Evaluated, Externals, LowerOptions, ModuleEnv};
use migdoc_python::TextRange;
use migdoc_python::ast::{ClassDef, Expr, Keyword, Stmt};

use crate::annotation::{self, AnnotatedType};
use crate::{Input, ModelColumn, ModelSchema, ModelTable, UnknownModel};

/// Calls whose result is a mapped attribute that is not a column.
const NOT_COLUMNS: &[&str] = &[
    "relationship",
    "relation",
    "backref",
    "synonym",
    "column_property",
    "association_proxy",
    "composite",
    "query_expression",
    "hybrid_property",
    "dynamic_loader",
    "WriteOnlyMapped",
];

struct Class<'a> {
    module: usize,
    def: &'a ClassDef,
}

pub(crate) fn extract(inputs: &[Input<'_>]) -> ModelSchema {
    let externals: Externals = inputs
        .iter()
        .map(|i| (i.name.to_owned(), i.module.clone()))
        .collect();
    let options = LowerOptions::default();
    let cache = migdoc_ir::EnvCache::default();
    let envs: Vec<ModuleEnv<'_>> = inputs
        .iter()
        .map(|i| {
            ModuleEnv::new(
                &i.module.body,
                options.clone(),
                &externals,
                i.name,
                i.is_package,
                &cache,
            )
        })
        .collect();
    let mut classes: Vec<Class<'_>> = Vec::new();
    for (m, input) in inputs.iter().enumerate() {
        for stmt in &input.module.body {
            if let Stmt::ClassDef(def) = stmt {
                classes.push(Class { module: m, def });
            }
        }
    }
    let index = classes
        .iter()
        .enumerate()
        .map(|(i, c)| ((c.module, c.def.name.clone()), i))
        .collect();
    let reader = Reader {
        inputs,
        envs: &envs,
        classes: &classes,
        type_map: type_annotation_map(&classes, &envs),
        index,
        mappings: std::cell::RefCell::new(vec![None; classes.len()]),
    };
    reader.run()
}

struct Reader<'r, 'a> {
    inputs: &'r [Input<'a>],
    envs: &'r [ModuleEnv<'r>],
    classes: &'r [Class<'r>],
    type_map: Vec<(String, Evaluated)>,
    /// (module, class name) → class.
    index: std::collections::HashMap<(usize, String), usize>,
    /// Memo of [`Reader::mapping`].
    mappings: std::cell::RefCell<Vec<Option<Mapping>>>,
}

/// How a class maps.
#[derive(Clone, Debug, PartialEq)]
enum Mapping {
    /// Its own table (`__tablename__` / `__table__`).
    Table(String),
    /// Single-table inheritance into the table of class `usize`.
    Inherits(usize),
    /// A mixin, abstract base or the declarative base.
    Unmapped,
    /// A table name migdoc cannot evaluate.
    Unknown,
}

impl Reader<'_, '_> {
    fn run(&self) -> ModelSchema {
        let mut schema = ModelSchema::default();
        let mappings: Vec<Mapping> = (0..self.classes.len())
            .map(|c| self.mapping(c, 0))
            .collect();
        let mut tables: BTreeMap<String, ModelTable> = BTreeMap::new();
        let mut class_table: Vec<Option<String>> = vec![None; self.classes.len()];
        // Own tables first, then single-table subclasses add their columns.
        for (c, mapping) in mappings.iter().enumerate() {
            let class = &self.classes[c];
            match mapping {
                Mapping::Table(name) => {
                    let (mut columns, complete) = self.class_columns(c, &mappings, true);
                    apply_primary_key(&mut columns, &self.table_args_primary_key(c));
                    inherit_schema(&mut columns, name);
                    class_table[c] = Some(name.clone());
                    let table = tables.entry(name.clone()).or_insert_with(|| ModelTable {
                        name: name.clone(),
                        classes: Vec::new(),
                        module: class.module,
                        range: class.def.range,
                        columns: Vec::new(),
                        complete: true,
                    });
                    table.classes.push(class.def.name.clone());
                    merge(&mut table.columns, columns);
                    table.complete &= complete;
                }
                Mapping::Unknown => schema.unknown.push(UnknownModel {
                    module: class.module,
                    range: class.def.range,
                    what: format!(
                        "class {}: a table name migdoc cannot evaluate",
                        class.def.name
                    ),
                }),
                Mapping::Inherits(_) | Mapping::Unmapped => {}
            }
        }
        for (c, mapping) in mappings.iter().enumerate() {
            if !matches!(mapping, Mapping::Inherits(_)) {
                continue;
            }
            let Some(root) = self.table_of(c, &mappings) else {
                continue;
            };
            let (mut columns, complete) = self.class_columns(c, &mappings, false);
            inherit_schema(&mut columns, &root);
            if let Some(table) = tables.get_mut(&root) {
                table.classes.push(self.classes[c].def.name.clone());
                merge(&mut table.columns, columns);
                table.complete &= complete;
            }
        }
        for (m, input) in self.inputs.iter().enumerate() {
            for stmt in &input.module.body {
                let (Stmt::Assign { value, .. }
                | Stmt::AnnAssign {
                    value: Some(value), ..
                }) = stmt
                else {
                    continue;
                };
                if let Some(table) = self.table_object(m, value) {
                    tables.entry(table.name.clone()).or_insert(table);
                }
            }
        }
        schema.tables = tables.into_values().collect();
        schema
    }

    /// The table a (possibly single-table-inheriting) class writes to.
    fn table_of(&self, c: usize, mappings: &[Mapping]) -> Option<String> {
        let mut at = c;
        for _ in 0..16 {
            match &mappings[at] {
                Mapping::Table(name) => return Some(name.clone()),
                Mapping::Inherits(parent) => at = *parent,
                _ => return None,
            }
        }
        None
    }

    fn mapping(&self, c: usize, depth: u32) -> Mapping {
        if let Some(m) = self.mappings.borrow()[c].clone() {
            return m;
        }
        let m = self.compute_mapping(c, depth);
        if depth == 0 {
            self.mappings.borrow_mut()[c] = Some(m.clone());
        }
        m
    }

    fn compute_mapping(&self, c: usize, depth: u32) -> Mapping {
        let class = &self.classes[c];
        let env = &self.envs[class.module];
        let mut abstract_ = false;
        for stmt in &class.def.body {
            let Some((name, value)) = assignment(stmt) else {
                continue;
            };
            match name {
                "__abstract__" => abstract_ = matches!(env.eval(value), Evaluated::Bool(true)),
                "__tablename__" => {
                    return match env.eval(value) {
                        Evaluated::Str(table) => Mapping::Table(qualify(&table, self.schema_of(c))),
                        _ => Mapping::Unknown,
                    };
                }
                "__table__" => {
                    return match self.table_object(class.module, value) {
                        Some(t) => Mapping::Table(t.name),
                        None => Mapping::Unknown,
                    };
                }
                _ => {}
            }
        }
        if abstract_ || depth > 16 {
            return Mapping::Unmapped;
        }
        // No table of its own: single-table inheritance when a base is mapped.
        for base in self.bases(c) {
            match self.mapping(base, depth + 1) {
                Mapping::Table(_) | Mapping::Inherits(_) => return Mapping::Inherits(base),
                Mapping::Unknown => return Mapping::Unknown,
                Mapping::Unmapped => {}
            }
        }
        Mapping::Unmapped
    }

    /// The classes (among those read) that class `c` names as bases, in order.
    fn bases(&self, c: usize) -> Vec<usize> {
        let class = &self.classes[c];
        class
            .def
            .bases
            .iter()
            .filter_map(|b| self.resolve_class(class.module, &b.dotted_name()?, 0))
            .collect()
    }

    /// The class a (dotted) name refers to in module `m`: defined there, or imported.
    fn resolve_class(&self, m: usize, name: &str, depth: u32) -> Option<usize> {
        if depth > 4 {
            return None;
        }
        if let Some(&c) = self.index.get(&(m, name.to_owned())) {
            return Some(c);
        }
        let input = &self.inputs[m];
        let (head, rest) = match name.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (name, None),
        };
        for stmt in &input.module.body {
            match stmt {
                Stmt::ImportFrom {
                    module,
                    level,
                    names,
                    ..
                } => {
                    let Some(abs) = migdoc_python::absolute_import(
                        input.name,
                        input.is_package,
                        module.as_deref(),
                        *level,
                    ) else {
                        continue;
                    };
                    for alias in names.iter().filter(|a| a.bound_name() == head) {
                        let target = self.module_index(&abs);
                        // `from app.models import Base` then `Base`.
                        if let (None, Some(t)) = (rest, target)
                            && let Some(found) = self.resolve_class(t, &alias.name, depth + 1)
                        {
                            return Some(found);
                        }
                        // `from app import models` then `models.Base`.
                        if let (Some(rest), Some(t)) =
                            (rest, self.module_index(&format!("{abs}.{}", alias.name)))
                        {
                            return self.resolve_class(t, rest, depth + 1);
                        }
                    }
                }
                Stmt::Import { names, .. } => {
                    if let Some(alias) = names.iter().find(|a| a.bound_name() == head) {
                        let rest = rest?;
                        // `import app.models` binds `app`; `app.models.Base` names the class.
                        // `import app.models as m` binds `m`; `m.Base` does.
                        let full = if alias.asname.is_some() {
                            format!("{}.{rest}", alias.name)
                        } else {
                            format!("{head}.{rest}")
                        };
                        let (modname, class) = full.rsplit_once('.')?;
                        let t = self.module_index(modname)?;
                        return self.resolve_class(t, class, depth + 1);
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn module_index(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|i| i.name == name)
    }

    /// `__table_args__ = {"schema": "x"}` or `(..., {"schema": "x"})`, on the class or a base.
    fn schema_of(&self, c: usize) -> Option<String> {
        let class = &self.classes[c];
        let env = &self.envs[class.module];
        for stmt in &class.def.body {
            let Some(("__table_args__", value)) = assignment(stmt) else {
                continue;
            };
            let dict = match value {
                Expr::Dict { .. } => Some(value),
                Expr::Tuple { elts, .. } => elts.last().filter(|e| matches!(e, Expr::Dict { .. })),
                _ => None,
            };
            let Some(Expr::Dict { items, .. }) = dict else {
                return None;
            };
            for (k, v) in items {
                if k.as_ref().and_then(Expr::as_str) == Some("schema")
                    && let Evaluated::Str(s) = env.eval(v)
                {
                    return Some(s);
                }
            }
            return None;
        }
        self.bases(c).into_iter().find_map(|b| self.schema_of(b))
    }

    /// `PrimaryKeyConstraint("a", "b")` in `__table_args__` (of the class or a base).
    fn table_args_primary_key(&self, c: usize) -> Vec<String> {
        let class = &self.classes[c];
        for stmt in &class.def.body {
            let Some(("__table_args__", value)) = assignment(stmt) else {
                continue;
            };
            let Expr::Tuple { elts, .. } = value else {
                return Vec::new();
            };
            return primary_key_names(elts);
        }
        self.bases(c)
            .into_iter()
            .map(|b| self.table_args_primary_key(b))
            .find(|k| !k.is_empty())
            .unwrap_or_default()
    }

    /// The columns class `c` contributes: its own, and those of unmapped bases (mixins). With
    /// `with_mapped_bases` false (single-table subclasses), mapped bases' columns are left out.
    fn class_columns(
        &self,
        c: usize,
        mappings: &[Mapping],
        own_table: bool,
    ) -> (Vec<ModelColumn>, bool) {
        let mut columns = Vec::new();
        let mut complete = true;
        let mut stack = vec![c];
        let mut visited = Vec::new();
        while let Some(at) = stack.pop() {
            if visited.contains(&at) || visited.len() > 32 {
                continue;
            }
            visited.push(at);
            complete &= self.own_columns(at, &mut columns);
            for base in self.bases(at).into_iter().rev() {
                // A mapped base's columns live in its own table (joined) or are already in the
                // shared table (single-table inheritance).
                if mappings[base] == Mapping::Unmapped {
                    stack.push(base);
                }
            }
            // An unresolved base (a class from a library) may bring columns migdoc cannot see;
            // the declarative base itself brings none.
            let unresolved = self.classes[at].def.bases.iter().filter(|b| {
                b.dotted_name().is_some_and(|n| {
                    self.resolve_class(self.classes[at].module, &n, 0).is_none()
                        && !is_known_base(&n)
                })
            });
            if own_table && unresolved.count() > 0 && at != c {
                complete = false;
            }
        }
        (columns, complete)
    }

    /// The columns declared in class `c`'s own body; false when an attribute might be a column
    /// migdoc cannot read.
    fn own_columns(&self, c: usize, out: &mut Vec<ModelColumn>) -> bool {
        let class = &self.classes[c];
        let env = &self.envs[class.module];
        let mut complete = true;
        for stmt in &class.def.body {
            match stmt {
                Stmt::Assign {
                    targets,
                    value,
                    range,
                } => {
                    let [Expr::Name { id, .. }] = targets.as_slice() else {
                        continue;
                    };
                    if id.starts_with("__") {
                        continue;
                    }
                    match self.column_value(class.module, value) {
                        Some(Some(spec)) => {
                            out.push(self.model_column(class.module, id, &spec, None, *range))
                        }
                        Some(None) => complete = false,
                        None => {}
                    }
                }
                Stmt::AnnAssign {
                    target: Expr::Name { id, .. },
                    annotation,
                    value,
                    range,
                } => {
                    let Some(inner) = annotation::mapped_inner(annotation) else {
                        // Not `Mapped[...]`: a 1.x column with an annotation (`id: int =
                        // Column(...)`), or a field of a SQLModel table (`class T(SQLModel,
                        // table=True)`), whose column is its `sa_column=` when it gives one.
                        let value = value.as_ref().map(|v| sa_column_of_field(v).unwrap_or(v));
                        match value.map(|v| self.column_value(class.module, v)) {
                            Some(Some(Some(spec))) => {
                                out.push(self.model_column(class.module, id, &spec, None, *range));
                            }
                            Some(Some(None)) => complete = false,
                            // Every other field of a SQLModel table is a column too, one
                            // migdoc does not read (its type and nullability come from the
                            // annotation and `Field(...)`).
                            _ if is_sqlmodel_table(class.def)
                                && !is_class_var(annotation)
                                && !value.is_some_and(is_relationship_call) =>
                            {
                                complete = false;
                            }
                            _ => {}
                        }
                        continue;
                    };
                    let (inner, optional) = annotation::strip_optional(inner);
                    let inferred = annotation::infer(env, inner, &self.type_map);
                    let spec = match value {
                        None => None,
                        Some(value) => match self.column_value(class.module, value) {
                            Some(Some(spec)) => Some(spec),
                            Some(None) => {
                                complete = false;
                                continue;
                            }
                            // `relationship(...)` and other non-columns.
                            None if !is_unknown_call(value) => continue,
                            // A call migdoc cannot evaluate (`_Column(...)`, an alias it did
                            // not follow) on a `Mapped[...]` attribute: a column it cannot read.
                            None => {
                                complete = false;
                                continue;
                            }
                        },
                    };
                    // A bare `Mapped["Other"]` or `Mapped[list[...]]` with no value is no column we know.
                    if spec.is_none() && inferred == AnnotatedType::Unknown {
                        complete = false;
                        continue;
                    }
                    out.push(self.annotated_column(
                        class.module,
                        id,
                        spec,
                        &inferred,
                        optional,
                        *range,
                    ));
                }
                Stmt::FunctionDef(f)
                    if f.decorators.iter().any(|d| {
                        d.dotted_name()
                            .is_some_and(|n| n.ends_with("declared_attr"))
                    }) =>
                {
                    if let Some(Stmt::Return {
                        value: Some(value), ..
                    }) = f.body.last()
                    {
                        match self.column_value(class.module, value) {
                            Some(Some(spec)) => out.push(self.model_column(
                                class.module,
                                &f.name,
                                &spec,
                                None,
                                f.range,
                            )),
                            Some(None) => complete = false,
                            None => {}
                        }
                    }
                }
                _ => {}
            }
        }
        complete
    }

    /// `Some(Some(spec))` for a column, `Some(None)` for something that may be a column but cannot
    /// be read, `None` for what is not a column.
    fn column_value(&self, m: usize, value: &Expr) -> Option<Option<ColumnSpec>> {
        let Expr::Call { func, args, .. } = value else {
            return None;
        };
        let callee = func.dotted_name().unwrap_or_default();
        let last = callee.rsplit('.').next().unwrap_or_default();
        if NOT_COLUMNS.contains(&last) {
            return None;
        }
        // `deferred(Column(...))`, `orm.deferred(...)`.
        if last == "deferred" {
            return args.first().and_then(|a| self.column_value(m, a));
        }
        match self.envs[m].eval(value) {
            Evaluated::Column(spec) => Some(Some(spec)),
            _ if last == "Column" || last == "mapped_column" => Some(None),
            _ => None,
        }
    }

    fn annotated_column(
        &self,
        m: usize,
        attr: &str,
        spec: Option<ColumnSpec>,
        inferred: &AnnotatedType,
        optional: bool,
        range: TextRange,
    ) -> ModelColumn {
        let typed = spec.as_ref().is_some_and(|s| s.typed);
        let primary_key = spec.as_ref().is_some_and(|s| s.primary_key);
        // `mapped_column()` takes nullability from the annotation unless `nullable=` says.
        let nullable = spec
            .as_ref()
            .and_then(|s| s.explicit_nullable)
            .unwrap_or(optional && !primary_key);
        let mut column = match &spec {
            Some(spec) => self.model_column(m, attr, spec, Some(nullable), range),
            None => ModelColumn {
                name: attr.to_owned(),
                module: m,
                range,
                sql_type: None,
                enum_type: None,
                is_array: false,
                nullable,
                has_default: false,
                generated: false,
                primary_key: false,
                type_known: false,
            },
        };
        if !typed {
            match inferred {
                AnnotatedType::Sql(t) => {
                    column.sql_type = Some(t.clone());
                    column.type_known = true;
                    // An integer primary key SQLAlchemy makes SERIAL.
                    if column.primary_key && migdoc_ir::types::family(t) == "integer" {
                        column.generated = spec.as_ref().is_none_or(|s| {
                            s.generated || !matches!(s.explicit_nullable, Some(true))
                        });
                    }
                }
                AnnotatedType::Enum(e) => {
                    column.enum_type = Some(e.clone());
                    column.type_known = true;
                }
                AnnotatedType::Unknown => column.type_known = false,
            }
        }
        column
    }

    fn model_column(
        &self,
        m: usize,
        attr: &str,
        spec: &ColumnSpec,
        nullable: Option<bool>,
        range: TextRange,
    ) -> ModelColumn {
        let enum_type = spec
            .enum_type
            .as_ref()
            .map(|e| crate::model_enum(e, self.enum_class_of(m, range)));
        ModelColumn {
            name: if spec.name.is_empty() {
                attr.to_owned()
            } else {
                spec.name.clone()
            },
            module: m,
            range,
            sql_type: spec.sql_type.clone(),
            type_known: spec.typed,
            enum_type,
            is_array: spec.is_array,
            nullable: nullable.unwrap_or(spec.nullable),
            has_default: spec.has_default || spec.has_server_default || spec.generated,
            generated: spec.generated,
            primary_key: spec.primary_key,
        }
    }

    /// The Python enum class behind the `sa.Enum(Class, ...)` written inside `range`, if any.
    fn enum_class_of(&self, m: usize, range: TextRange) -> Option<crate::EnumClass> {
        let mut found = None;
        let inside = |r: TextRange| r.start >= range.start && r.end <= range.end;
        for stmt in all_statements(&self.inputs[m].module.body) {
            let r = stmt.range();
            if !(r.start <= range.start && range.end <= r.end) {
                continue;
            }
            visit_calls(stmt, &mut |func, args, keywords| {
                let name = func.dotted_name().unwrap_or_default();
                if !(name.ends_with("Enum") || name.ends_with("ENUM"))
                    || found.is_some()
                    || !inside(func.range())
                {
                    return;
                }
                if let Some(Expr::Name { id, .. }) = args.first()
                    && let Some(class) = self.envs[m].py_enum(id)
                {
                    let uses_values = keywords
                        .iter()
                        .any(|k| k.arg.as_deref() == Some("values_callable"));
                    found = Some(crate::enum_class(id, &class, uses_values));
                }
            });
        }
        found
    }

    /// `Table("name", metadata, Column(...), ..., schema="x")`.
    fn table_object(&self, m: usize, value: &Expr) -> Option<ModelTable> {
        let Expr::Call {
            func,
            args,
            keywords,
            range,
        } = value
        else {
            return None;
        };
        let callee = func.dotted_name()?;
        if callee != "Table" && !callee.ends_with(".Table") {
            return None;
        }
        let env = &self.envs[m];
        let Evaluated::Str(name) = env.eval(args.first()?) else {
            return None;
        };
        let schema = keyword(keywords, "schema").and_then(|e| match env.eval(e) {
            Evaluated::Str(s) => Some(s),
            _ => None,
        });
        let mut columns = Vec::new();
        let mut complete = true;
        let keys = primary_key_names(args);
        for arg in args.iter().skip(2) {
            match env.eval(arg) {
                Evaluated::Column(spec) if !spec.name.is_empty() => {
                    columns.push(self.model_column(m, &spec.name.clone(), &spec, None, arg.range()))
                }
                Evaluated::Column(_) | Evaluated::Unknown => complete &= !is_column_call(arg),
                _ => {}
            }
        }
        apply_primary_key(&mut columns, &keys);
        inherit_schema(&mut columns, &qualify(&name, schema.clone()));
        Some(ModelTable {
            name: qualify(&name, schema),
            classes: Vec::new(),
            module: m,
            range: *range,
            columns,
            complete,
        })
    }
}

/// The column names of a `PrimaryKeyConstraint("a", "b")` among `exprs`.
fn primary_key_names(exprs: &[Expr]) -> Vec<String> {
    exprs
        .iter()
        .filter_map(|e| match e {
            Expr::Call { func, args, .. }
                if func
                    .dotted_name()
                    .is_some_and(|n| n.ends_with("PrimaryKeyConstraint")) =>
            {
                Some(
                    args.iter()
                        .filter_map(|a| a.as_str().map(str::to_owned))
                        .collect::<Vec<_>>(),
                )
            }
            _ => None,
        })
        .flatten()
        .collect()
}

/// `sa.Enum(..., inherit_schema=True)` types live in the schema of table `table` (`schema.name`).
fn inherit_schema(columns: &mut [ModelColumn], table: &str) {
    let Some((schema, _)) = table.split_once('.') else {
        return;
    };
    for e in columns.iter_mut().filter_map(|c| c.enum_type.as_mut()) {
        if e.inherit_schema
            && let Some(name) = e.name.as_mut().filter(|n| !n.contains('.'))
        {
            *name = format!("{schema}.{name}");
        }
    }
}

/// Primary key columns are NOT NULL; a single integer key is SERIAL.
fn apply_primary_key(columns: &mut [ModelColumn], keys: &[String]) {
    for c in columns.iter_mut().filter(|c| keys.contains(&c.name)) {
        c.primary_key = true;
        c.nullable = false;
    }
    if let [only] = keys
        && let Some(c) = columns.iter_mut().find(|c| &c.name == only)
        && c.sql_type
            .as_deref()
            .is_some_and(|t| migdoc_ir::types::family(t) == "integer")
    {
        c.generated = true;
        c.has_default = true;
    }
}

/// `Field(sa_column=Column(...))`, SQLModel's way to give a field its column.
fn sa_column_of_field(e: &Expr) -> Option<&Expr> {
    let Expr::Call { func, keywords, .. } = e else {
        return None;
    };
    let name = func.dotted_name()?;
    (name == "Field" || name.ends_with(".Field"))
        .then(|| keyword(keywords, "sa_column"))
        .flatten()
}

/// `class T(SQLModel, table=True)`: a SQLModel class mapped to a table, whose annotated fields
/// are its columns.
fn is_sqlmodel_table(c: &ClassDef) -> bool {
    matches!(
        keyword(&c.keywords, "table"),
        Some(Expr::Bool { value: true, .. })
    )
}

/// `ClassVar[...]`: a class attribute, never a column.
fn is_class_var(annotation: &Expr) -> bool {
    let base = match annotation {
        Expr::Subscript { value, .. } => value.as_ref(),
        other => other,
    };
    base.dotted_name()
        .is_some_and(|n| n == "ClassVar" || n.ends_with(".ClassVar"))
}

/// `Relationship(...)` (SQLModel) or `relationship(...)`: a mapped attribute that is no column.
fn is_relationship_call(e: &Expr) -> bool {
    matches!(e, Expr::Call { func, .. } if func.dotted_name().is_some_and(|n| {
        let last = n.rsplit('.').next().unwrap_or(&n);
        last == "Relationship" || NOT_COLUMNS.contains(&last)
    }))
}

/// A call that is neither a column nor one of [`NOT_COLUMNS`] as far as migdoc can tell.
fn is_unknown_call(e: &Expr) -> bool {
    matches!(e, Expr::Call { func, .. } if func.dotted_name().is_none_or(|n| {
        let last = n.rsplit('.').next().unwrap_or(&n);
        !NOT_COLUMNS.contains(&last) && last != "Relationship"
    }))
}

fn is_column_call(e: &Expr) -> bool {
    matches!(e, Expr::Call { func, .. } if func.dotted_name().is_some_and(|n| n == "Column" || n.ends_with(".Column")))
}

fn keyword<'e>(keywords: &'e [Keyword], name: &str) -> Option<&'e Expr> {
    keywords
        .iter()
        .find(|k| k.arg.as_deref() == Some(name))
        .map(|k| &k.value)
}

/// Bases that are SQLAlchemy's own (they bring no columns).
fn is_known_base(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    matches!(
        last,
        "DeclarativeBase"
            | "DeclarativeBaseNoMeta"
            | "MappedAsDataclass"
            | "AsyncAttrs"
            | "object"
            | "Generic"
            | "Protocol"
    ) || name.ends_with("Model")
}

/// Adds columns not already present (a subclass or mixin column does not replace one already read).
fn merge(into: &mut Vec<ModelColumn>, columns: Vec<ModelColumn>) {
    for c in columns {
        if !into.iter().any(|existing| existing.name == c.name) {
            into.push(c);
        }
    }
}

fn qualify(table: &str, schema: Option<String>) -> String {
    match schema.filter(|s| s != "public") {
        Some(s) => format!("{s}.{table}"),
        None => table.to_owned(),
    }
}

fn assignment(stmt: &Stmt) -> Option<(&str, &Expr)> {
    match stmt {
        Stmt::Assign { targets, value, .. } => match targets.as_slice() {
            [Expr::Name { id, .. }] => Some((id, value)),
            _ => None,
        },
        Stmt::AnnAssign {
            target: Expr::Name { id, .. },
            value: Some(value),
            ..
        } => Some((id, value)),
        _ => None,
    }
}

/// `type_annotation_map = {str: String(50), Status: sa.Enum(Status, name="st")}` on any class.
fn type_annotation_map(classes: &[Class<'_>], envs: &[ModuleEnv<'_>]) -> Vec<(String, Evaluated)> {
    let mut out = Vec::new();
    for class in classes {
        for stmt in &class.def.body {
            let Some(("type_annotation_map", Expr::Dict { items, .. })) = assignment(stmt) else {
                continue;
            };
            for (k, v) in items {
                if let Some(key) = k.as_ref().and_then(Expr::dotted_name) {
                    out.push((key, envs[class.module].eval(v)));
                }
            }
        }
    }
    out
}

/// Every statement of a module, class bodies included (one level of nesting is what models use).
fn all_statements(body: &[Stmt]) -> Vec<&Stmt> {
    let mut out = Vec::new();
    for stmt in body {
        out.push(stmt);
        if let Stmt::ClassDef(c) = stmt {
            for inner in &c.body {
                out.push(inner);
                if let Stmt::FunctionDef(f) = inner {
                    out.extend(f.body.iter());
                }
            }
        }
    }
    out
}

/// Calls `f` on every call expression in `stmt`'s values, outermost first.
fn visit_calls<'e>(stmt: &'e Stmt, f: &mut impl FnMut(&'e Expr, &'e [Expr], &'e [Keyword])) {
    fn expr<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr, &'e [Expr], &'e [Keyword])) {
        if let Expr::Call {
            func,
            args,
            keywords,
            ..
        } = e
        {
            f(func, args, keywords);
            for a in args {
                expr(a, f);
            }
            for k in keywords {
                expr(&k.value, f);
            }
        }
    }
    match stmt {
        Stmt::Assign { value, .. }
        | Stmt::AnnAssign {
            value: Some(value), ..
        }
        | Stmt::Return {
            value: Some(value), ..
        } => expr(value, f),
        Stmt::FunctionDef(def) => {
            for s in &def.body {
                visit_calls(s, f);
            }
        }
        _ => {}
    }
}
