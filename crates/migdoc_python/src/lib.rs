//! Python syntax for migdoc.
//!
//! ruff's parser does the parsing; `lower` turns its tree into migdoc's own (`ast`), so that the rest
//! of migdoc never names a ruff type and a parser upgrade touches one module.
//!
//! Invariant: parsing never fails. A file that is not valid Python still yields a tree (ruff recovers
//! from errors) plus the list of syntax errors; callers turn those into diagnostics.

use ruff_text_size::Ranged;

pub mod ast;
pub mod walk;
mod line_index;
mod lower;

pub use ast::TextRange;
pub use line_index::{LineColumn, LineIndex};

/// A parsed module: migdoc's tree and the syntax errors found on the way.
#[derive(Clone, Debug)]
pub struct Module {
    pub body: Vec<ast::Stmt>,
    pub errors: Vec<SyntaxError>,
    /// Every `# comment`, `#` included, in source order.
    pub comments: Vec<TextRange>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
}

/// Parses `source` as a Python module. Never fails: see the crate docs.
pub fn parse_module(source: &str) -> Module {
    let parsed =
        ruff_python_parser::parse_unchecked_source(source, ruff_python_ast::PySourceType::Python);
    let errors = parsed
        .errors()
        .iter()
        .map(|e| SyntaxError {
            message: e.error.to_string(),
            range: TextRange::new(e.location.start().to_u32(), e.location.end().to_u32()),
        })
        .collect();
    let comments = parsed
        .tokens()
        .iter()
        .filter(|t| t.kind() == ruff_python_ast::token::TokenKind::Comment)
        .map(|t| TextRange::new(t.range().start().to_u32(), t.range().end().to_u32()))
        .collect();
    let lowerer = lower::Lowerer { source };
    Module {
        body: lowerer.suite(&parsed.syntax().body),
        errors,
        comments,
    }
}

/// `text` as a double-quoted Python string literal.
pub fn string_literal(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The absolute name of the module `from <module> import ...` names when written with `level`
/// leading dots in module `name` (`app.models`; a package's `__init__` carries the package's
/// name, `is_package`). `None` when the dots climb above the top package.
pub fn absolute_import(name: &str, is_package: bool, module: Option<&str>, level: u32) -> Option<String> {
    if level == 0 {
        return module.map(str::to_owned);
    }
    let mut parts: Vec<&str> = if name.is_empty() { Vec::new() } else { name.split('.').collect() };
    if !is_package {
        parts.pop()?;
    }
    for _ in 1..level {
        parts.pop()?;
    }
    parts.extend(module);
    (!parts.is_empty()).then(|| parts.join("."))
}
