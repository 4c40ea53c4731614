//! migdoc's own Python tree: the part of Python that migrations, `env.py` and model modules use,
//! with every node's byte range in the source. Everything else is kept as `Other`, so nothing is
//! silently dropped: a consumer that meets `Other` knows it does not understand that code.

use serde::{Deserialize, Serialize};

/// A byte range in the source file, `start..end`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub const fn new(start: u32, end: u32) -> Self {
        Self { start, end }
    }

    pub const fn len(self) -> u32 {
        self.end - self.start
    }

    pub const fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest range that covers both.
    #[must_use]
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange::new(self.start.min(other.start), self.end.max(other.end))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Assign {
        targets: Vec<Expr>,
        value: Expr,
        range: TextRange,
    },
    /// `x: T = v` (value absent in a bare annotation).
    AnnAssign {
        target: Expr,
        annotation: Expr,
        value: Option<Expr>,
        range: TextRange,
    },
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
        range: TextRange,
    },
    Expr {
        value: Expr,
        range: TextRange,
    },
    FunctionDef(Box<FunctionDef>),
    ClassDef(Box<ClassDef>),
    /// `elif` is lowered to a nested `If` in `orelse`.
    If {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        range: TextRange,
    },
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        range: TextRange,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        range: TextRange,
    },
    With {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
        range: TextRange,
    },
    Try {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
        range: TextRange,
    },
    Return {
        value: Option<Expr>,
        range: TextRange,
    },
    Raise {
        range: TextRange,
    },
    Import {
        names: Vec<Alias>,
        range: TextRange,
    },
    ImportFrom {
        module: Option<String>,
        level: u32,
        names: Vec<Alias>,
        range: TextRange,
    },
    Pass {
        range: TextRange,
    },
    Break {
        range: TextRange,
    },
    Continue {
        range: TextRange,
    },
    /// `del a, d[k], o.x`.
    Delete {
        targets: Vec<Expr>,
        range: TextRange,
    },
    /// Anything else (`match`, `global`, `assert`, ...).
    Other {
        range: TextRange,
    },
}

impl Stmt {
    pub fn range(&self) -> TextRange {
        match self {
            Stmt::Assign { range, .. }
            | Stmt::AnnAssign { range, .. }
            | Stmt::AugAssign { range, .. }
            | Stmt::Expr { range, .. }
            | Stmt::If { range, .. }
            | Stmt::For { range, .. }
            | Stmt::While { range, .. }
            | Stmt::With { range, .. }
            | Stmt::Try { range, .. }
            | Stmt::Return { range, .. }
            | Stmt::Raise { range }
            | Stmt::Import { range, .. }
            | Stmt::ImportFrom { range, .. }
            | Stmt::Pass { range }
            | Stmt::Break { range }
            | Stmt::Continue { range }
            | Stmt::Delete { range, .. }
            | Stmt::Other { range } => *range,
            Stmt::FunctionDef(f) => f.range,
            Stmt::ClassDef(c) => c.range,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FunctionDef {
    pub name: String,
    pub params: Vec<Param>,
    pub decorators: Vec<Expr>,
    pub body: Vec<Stmt>,
    /// Its body holds `yield` (outside nested functions): calling it runs nothing yet and
    /// returns a generator (or, under `@contextmanager`, what `with` binds).
    pub is_generator: bool,
    /// `async def`: calling it runs nothing yet and returns a coroutine.
    pub is_async: bool,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub default: Option<Expr>,
    /// `*args` or `**kwargs`.
    pub variadic: bool,
    pub kind: ParamKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// Positional or keyword (positional-only ones too).
    Positional,
    /// After `*` or `*args`: by keyword only.
    KeywordOnly,
    /// `*args`: the positional arguments left over, as a tuple.
    VarArgs,
    /// `**kwargs`: the keyword arguments left over, as a dict.
    VarKeywords,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClassDef {
    pub name: String,
    pub bases: Vec<Expr>,
    pub keywords: Vec<Keyword>,
    pub decorators: Vec<Expr>,
    pub body: Vec<Stmt>,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WithItem {
    pub context: Expr,
    pub target: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExceptHandler {
    pub type_: Option<Expr>,
    pub name: Option<String>,
    pub body: Vec<Stmt>,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alias {
    pub name: String,
    pub asname: Option<String>,
}

impl Alias {
    /// The name the import binds in the importing module.
    pub fn bound_name(&self) -> &str {
        match &self.asname {
            Some(alias) => alias,
            // `import a.b` binds `a`.
            None => self.name.split('.').next().unwrap_or(&self.name),
        }
    }

    /// For `import a.b [as c]`: the module the bound name refers to (`a.b` with an alias, `a`
    /// without: `import a.b` binds the package `a`).
    pub fn imported_module(&self) -> &str {
        match &self.asname {
            Some(_) => &self.name,
            None => self.bound_name(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Keyword {
    /// `None` for `**kwargs`.
    pub arg: Option<String>,
    pub value: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mult,
    Div,
    Mod,
    FloorDiv,
    Pow,
    BitOr,
    BitAnd,
    BitXor,
    LShift,
    RShift,
    MatMult,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
    Pos,
    Invert,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

/// One piece of an f-string: literal text or an interpolated expression.
#[derive(Clone, Debug, PartialEq)]
pub enum FStringPart {
    Literal(String),
    /// `{expr}` with its conversion (`!r`, `!s`) and whether it has a format spec.
    Interpolation {
        expr: Expr,
        conversion: Option<char>,
        has_format_spec: bool,
        /// The format spec when it is plain text (`{n:03d}`); `None` without one, or when it
        /// holds interpolations itself.
        format_spec: Option<String>,
    },
}

/// How a string literal's text maps onto the source, for diagnostics inside SQL strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrLayout {
    /// Where the first character of the value is in the source, when every character of the
    /// value is spelled literally (a single part without escapes): then value offset `i` is
    /// source offset `content_start + i`.
    pub content_start: Option<u32>,
}

/// One `for target in iter if ...` clause of a comprehension.
#[derive(Clone, Debug, PartialEq)]
pub struct Generator {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Name {
        id: String,
        range: TextRange,
    },
    Attribute {
        value: Box<Expr>,
        attr: String,
        range: TextRange,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        keywords: Vec<Keyword>,
        range: TextRange,
    },
    /// A string literal, implicit concatenations already joined.
    Str {
        value: String,
        layout: StrLayout,
        range: TextRange,
    },
    FString {
        parts: Vec<FStringPart>,
        range: TextRange,
    },
    Bytes {
        range: TextRange,
    },
    Int {
        /// `None` when it does not fit in an `i64`.
        value: Option<i64>,
        range: TextRange,
    },
    Float {
        value: f64,
        range: TextRange,
    },
    Bool {
        value: bool,
        range: TextRange,
    },
    NoneLiteral {
        range: TextRange,
    },
    Ellipsis {
        range: TextRange,
    },
    Tuple {
        elts: Vec<Expr>,
        range: TextRange,
    },
    List {
        elts: Vec<Expr>,
        range: TextRange,
    },
    Set {
        elts: Vec<Expr>,
        range: TextRange,
    },
    /// `None` keys are `**mapping` entries.
    Dict {
        items: Vec<(Option<Expr>, Expr)>,
        range: TextRange,
    },
    BinOp {
        left: Box<Expr>,
        op: BinOp,
        right: Box<Expr>,
        range: TextRange,
    },
    UnaryOp {
        op: UnaryOp,
        operand: Box<Expr>,
        range: TextRange,
    },
    BoolOp {
        op: BoolOp,
        values: Vec<Expr>,
        range: TextRange,
    },
    Compare {
        left: Box<Expr>,
        ops: Vec<CmpOp>,
        comparators: Vec<Expr>,
        range: TextRange,
    },
    Subscript {
        value: Box<Expr>,
        slice: Box<Expr>,
        range: TextRange,
    },
    /// `lower:upper:step` inside a subscript.
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
        range: TextRange,
    },
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
        range: TextRange,
    },
    Lambda {
        params: Vec<Param>,
        body: Box<Expr>,
        range: TextRange,
    },
    Starred {
        value: Box<Expr>,
        range: TextRange,
    },
    /// `[elt for ...]`, `{elt for ...}`, `(elt for ...)`, and `{key: elt for ...}` (`key` set).
    Comprehension {
        key: Option<Box<Expr>>,
        elt: Box<Expr>,
        generators: Vec<Generator>,
        range: TextRange,
    },
    /// `target := value`.
    Walrus {
        target: Box<Expr>,
        value: Box<Expr>,
        range: TextRange,
    },
    /// `await`, `yield`, a slice, ...
    Other {
        range: TextRange,
    },
}

impl Expr {
    pub fn range(&self) -> TextRange {
        match self {
            Expr::Name { range, .. }
            | Expr::Attribute { range, .. }
            | Expr::Call { range, .. }
            | Expr::Str { range, .. }
            | Expr::FString { range, .. }
            | Expr::Bytes { range }
            | Expr::Int { range, .. }
            | Expr::Float { range, .. }
            | Expr::Bool { range, .. }
            | Expr::NoneLiteral { range }
            | Expr::Ellipsis { range }
            | Expr::Tuple { range, .. }
            | Expr::List { range, .. }
            | Expr::Set { range, .. }
            | Expr::Dict { range, .. }
            | Expr::BinOp { range, .. }
            | Expr::UnaryOp { range, .. }
            | Expr::BoolOp { range, .. }
            | Expr::Compare { range, .. }
            | Expr::Subscript { range, .. }
            | Expr::IfExp { range, .. }
            | Expr::Slice { range, .. }
            | Expr::Lambda { range, .. }
            | Expr::Starred { range, .. }
            | Expr::Comprehension { range, .. }
            | Expr::Walrus { range, .. }
            | Expr::Other { range } => *range,
        }
    }

    /// `a.b.c` as `"a.b.c"`, for names and attribute chains only.
    pub fn dotted_name(&self) -> Option<String> {
        match self {
            Expr::Name { id, .. } => Some(id.clone()),
            Expr::Attribute { value, attr, .. } => {
                let mut base = value.dotted_name()?;
                base.push('.');
                base.push_str(attr);
                Some(base)
            }
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::Str { value, .. } => Some(value),
            _ => None,
        }
    }
}
