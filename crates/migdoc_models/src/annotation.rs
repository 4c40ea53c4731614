//! SQLAlchemy 2.0's `Mapped[...]` annotations: the column type and nullability they imply when
//! `mapped_column()` does not say (the default type map, the Base's `type_annotation_map`,
//! `Optional[...]` / `X | None`, enum classes, `Literal[...]`).

use migdoc_ir::{Evaluated, ModuleEnv};
use migdoc_python::ast::{BinOp, Expr};

use crate::{EnumClass, ModelEnum};

/// What an annotation says about a column.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AnnotatedType {
    Sql(String),
    Enum(ModelEnum),
    /// A type migdoc does not map (or a forward reference): the column is unknown.
    Unknown,
}

/// `Mapped[X]` (however `Mapped` is spelled) → `X`.
pub(crate) fn mapped_inner(annotation: &Expr) -> Option<&Expr> {
    let Expr::Subscript { value, slice, .. } = annotation else {
        return None;
    };
    let name = value.dotted_name()?;
    (name == "Mapped" || name.ends_with(".Mapped")).then_some(slice)
}

/// `Optional[X]`, `Union[X, None]`, `X | None` → (`X`, true); anything else → (itself, false).
pub(crate) fn strip_optional(expr: &Expr) -> (&Expr, bool) {
    match expr {
        Expr::Subscript { value, slice, .. } => {
            let name = value.dotted_name().unwrap_or_default();
            let last = name.rsplit('.').next().unwrap_or_default();
            if last == "Optional" {
                return (strip_optional(slice).0, true);
            }
            if last == "Union"
                && let Expr::Tuple { elts, .. } = slice.as_ref()
            {
                let rest: Vec<&Expr> = elts.iter().filter(|e| !is_none(e)).collect();
                if let [only] = rest[..] {
                    return (only, rest.len() < elts.len());
                }
            }
            (expr, false)
        }
        Expr::BinOp {
            left,
            op: BinOp::BitOr,
            right,
            ..
        } => {
            if is_none(right) {
                (strip_optional(left).0, true)
            } else if is_none(left) {
                (strip_optional(right).0, true)
            } else {
                (expr, false)
            }
        }
        _ => (expr, false),
    }
}

fn is_none(e: &Expr) -> bool {
    matches!(e, Expr::NoneLiteral { .. })
}

/// The type SQLAlchemy derives from the annotation's inner type `expr` (after `Optional`).
/// `type_map` is the declarative base's `type_annotation_map`, keys as written.
pub(crate) fn infer(
    env: &ModuleEnv<'_>,
    expr: &Expr,
    type_map: &[(String, Evaluated)],
) -> AnnotatedType {
    if let Expr::Subscript { value, slice, .. } = expr {
        let name = value.dotted_name().unwrap_or_default();
        if name == "Literal" || name.ends_with(".Literal") {
            return literal(slice);
        }
        return AnnotatedType::Unknown;
    }
    let Some(name) = expr.dotted_name() else {
        return AnnotatedType::Unknown;
    };
    let last = name.rsplit('.').next().unwrap_or_default();
    if let Some((_, mapped)) = type_map
        .iter()
        .find(|(k, _)| k == &name || k.rsplit('.').next() == Some(last))
    {
        return match mapped {
            Evaluated::SqlType(t) => AnnotatedType::Sql(t.clone()),
            Evaluated::Enum(spec) => AnnotatedType::Enum(crate::model_enum(spec, None)),
            _ => AnnotatedType::Unknown,
        };
    }
    if let Some(class) = env.py_enum(&name) {
        // `Mapped[Status]`: `sa.Enum(Status)`, a native type named after the class, sending names.
        return AnnotatedType::Enum(ModelEnum {
            name: Some(last.to_lowercase()),
            sends: Some(class.names.clone()),
            native: true,
            create_type: None,
            dialect_enum: false,
            inherit_schema: false,
            class: Some(EnumClass {
                name: last.to_owned(),
                names: class.names,
                values: class.values,
                uses_values: false,
            }),
        });
    }
    let sql = match name.as_str() {
        "int" => "integer",
        "str" => "varchar",
        "bool" => "boolean",
        "float" => "double precision",
        "bytes" => "bytea",
        "datetime.datetime" | "datetime" | "dt.datetime" => "timestamp",
        "datetime.date" | "date" | "dt.date" => "date",
        "datetime.time" | "time" | "dt.time" => "time",
        "datetime.timedelta" | "timedelta" | "dt.timedelta" => "interval",
        "decimal.Decimal" | "Decimal" => "numeric",
        "uuid.UUID" | "UUID" => "uuid",
        _ => return AnnotatedType::Unknown,
    };
    AnnotatedType::Sql(sql.to_owned())
}

/// `Literal["a", "b"]`: SQLAlchemy 2.0 and 2.1 both map it to `Enum("a", "b", native_enum=False)`,
/// a VARCHAR with no type of its own (observed; see `tests/model_scenarios/README.md`).
fn literal(slice: &Expr) -> AnnotatedType {
    let items: Vec<&Expr> = match slice {
        Expr::Tuple { elts, .. } => elts.iter().collect(),
        other => vec![other],
    };
    let Some(labels) = items
        .iter()
        .map(|e| e.as_str().map(str::to_owned))
        .collect::<Option<Vec<_>>>()
    else {
        return AnnotatedType::Unknown;
    };
    AnnotatedType::Enum(ModelEnum {
        name: None,
        sends: Some(labels),
        native: false,
        create_type: None,
        dialect_enum: false,
        inherit_schema: false,
        class: None,
    })
}
