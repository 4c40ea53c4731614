//! Python syntax for migdoc.
//!
//! ruff's parser does the parsing; `lower` turns its tree into migdoc's own (`ast`), so that the rest
//! of migdoc never names a ruff type and a parser upgrade touches one module.
//!
//! Invariant: parsing never fails. A file that is not valid Python still yields a tree (ruff recovers
//! from errors) plus the list of syntax errors; callers turn those into diagnostics.

use ruff_text_size::Ranged;

pub mod ast;
mod line_index;
mod lower;
pub mod walk;

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
    let mut errors: Vec<SyntaxError> = parsed
        .errors()
        .iter()
        .map(|e| SyntaxError {
            message: e.error.to_string(),
            range: TextRange::new(e.location.start().to_u32(), e.location.end().to_u32()),
        })
        .collect();
    if errors.is_empty() {
        errors.extend(cpython_indentation_error(source, parsed.tokens()));
    }
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

/// The indentation error CPython's tokenizer raises where ruff's lexer is more lenient: ruff
/// compares tabs and spaces with a tab size of 2, CPython requires the same order with a tab
/// size of 8 and of 1 ("inconsistent use of tabs and spaces in indentation", a `TabError`).
/// Checked on the first token of every logical line, as `tokenizer.c` does.
fn cpython_indentation_error(
    source: &str,
    tokens: &ruff_python_ast::token::Tokens,
) -> Option<SyntaxError> {
    use ruff_python_ast::token::TokenKind;
    // (column with tabs to multiples of 8, column with tabs counted as 1)
    let mut stack: Vec<(u32, u32)> = vec![(0, 0)];
    let mut at_line_start = true;
    for token in tokens.iter() {
        match token.kind() {
            TokenKind::Newline => {
                at_line_start = true;
                continue;
            }
            TokenKind::NonLogicalNewline
            | TokenKind::Comment
            | TokenKind::Indent
            | TokenKind::Dedent => continue,
            TokenKind::EndOfFile => break,
            _ if !at_line_start => continue,
            _ => at_line_start = false,
        }
        let start = token.range().start().to_usize();
        let line_start = source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let (mut col, mut alt) = (0u32, 0u32);
        for c in source[line_start..start].chars() {
            match c {
                ' ' => (col, alt) = (col + 1, alt + 1),
                '\t' => (col, alt) = ((col / 8 + 1) * 8, alt + 1),
                '\x0c' => (col, alt) = (0, 0),
                _ => break,
            }
        }
        let range = TextRange::new(line_start as u32, start as u32);
        let inconsistent = || {
            Some(SyntaxError {
                message:
                    "inconsistent use of tabs and spaces in indentation (Python raises TabError)"
                        .into(),
                range,
            })
        };
        let &(top, top_alt) = stack.last().expect("the stack keeps its root");
        if col == top {
            if alt != top_alt {
                return inconsistent();
            }
        } else if col > top {
            if alt <= top_alt {
                return inconsistent();
            }
            stack.push((col, alt));
        } else {
            while stack.len() > 1 && col < stack.last().expect("non-empty").0 {
                stack.pop();
            }
            let &(top, top_alt) = stack.last().expect("the stack keeps its root");
            if col != top {
                return Some(SyntaxError {
                    message: "unindent does not match any outer indentation level".into(),
                    range,
                });
            }
            if alt != top_alt {
                return inconsistent();
            }
        }
    }
    None
}

/// `text` as a double-quoted Python string literal.
pub fn string_literal(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The absolute name of the module `from <module> import ...` names when written with `level`
/// leading dots in module `name` (`app.models`; a package's `__init__` carries the package's
/// name, `is_package`). `None` when the dots climb above the top package.
pub fn absolute_import(
    name: &str,
    is_package: bool,
    module: Option<&str>,
    level: u32,
) -> Option<String> {
    if level == 0 {
        return module.map(str::to_owned);
    }
    let mut parts: Vec<&str> = if name.is_empty() {
        Vec::new()
    } else {
        name.split('.').collect()
    };
    if !is_package {
        parts.pop()?;
    }
    for _ in 1..level {
        parts.pop()?;
    }
    parts.extend(module);
    (!parts.is_empty()).then(|| parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::parse_module;

    fn errors(source: &str) -> Vec<String> {
        parse_module(source)
            .errors
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    #[test]
    fn tabs_and_spaces_as_cpython_reads_them() {
        // Each verdict was checked with `python3.11 -c 'compile(open(f).read(), f, "exec")'`.
        let tab_error = |s: &str| errors(s).iter().any(|m| m.contains("TabError"));
        // A tab block, one line of it indented with 4 spaces and a tab: TabError.
        assert!(tab_error("def f():\n\tif x:\n    \tpass\n"));
        // A tab, then 8 spaces: equal with tab size 8, not with 1 (ruff's lexer objects too).
        assert!(!errors("if x:\n\ta = 1\n        b = 2\n").is_empty());
        // Consistent tabs, consistent spaces, and a continuation line are fine.
        assert!(errors("def f():\n\tif x:\n\t\tpass\n\treturn (1,\n  2)\n").is_empty());
        assert!(errors("def f():\n    if x:\n        pass\n").is_empty());
        assert!(errors("x = [\n\t1,\n        2]\n").is_empty());
        // Comments and blank lines are not indentation.
        assert!(errors("def f():\n\tpass\n        # a comment\n\n\treturn\n").is_empty());
        // A dedent to a level that was never opened.
        assert!(
            errors("if x:\n        a\n    b\n")
                .iter()
                .any(|m| m.contains("unindent"))
        );
    }
}
