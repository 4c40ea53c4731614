//! Revision files: which files Alembic loads, and the header it reads from each
//! (`revision`, `down_revision`, `branch_labels`, `depends_on`), mirroring `Script._from_path`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use migdoc_python::ast::{Expr, Stmt};
use migdoc_python::{LineIndex, Module, SyntaxError, TextRange};
use serde::{Deserialize, Serialize};

/// A value read from the file, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Located<T> {
    pub value: T,
    pub range: TextRange,
}

/// How the revision id was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RevisionId {
    /// `revision = "..."` in the module.
    Assigned(Located<String>),
    /// No `revision` variable, but the file name is `<hex>.py`: Alembic's legacy fallback.
    FromFileName(String),
    /// `revision` is bound to something migdoc cannot evaluate.
    NotLiteral(TextRange),
    /// No `revision` variable and no hexadecimal file name: Alembic refuses the whole directory.
    Missing,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionHeader {
    pub id: RevisionId,
    /// Parents; empty for a base. `range` of each item is the string literal.
    pub down_revisions: Vec<Located<String>>,
    /// Where `down_revision` is assigned (for diagnostics about the whole tuple).
    pub down_revision_range: Option<TextRange>,
    /// The assignment was found but could not be evaluated.
    pub down_revision_unknown: bool,
    pub branch_labels: Vec<Located<String>>,
    /// Where `branch_labels` is assigned something migdoc cannot evaluate
    /// (`migration.EXPAND_BRANCH`): the revision has labels, which migdoc does not know.
    pub branch_labels_unknown: Option<TextRange>,
    pub depends_on: Vec<Located<String>>,
    /// The first line of the module docstring (Alembic's "message").
    pub message: Option<String>,
}

impl RevisionHeader {
    pub fn id(&self) -> Option<&str> {
        match &self.id {
            RevisionId::Assigned(located) => Some(&located.value),
            RevisionId::FromFileName(id) => Some(id),
            RevisionId::NotLiteral(_) | RevisionId::Missing => None,
        }
    }

    pub fn id_range(&self) -> Option<TextRange> {
        match &self.id {
            RevisionId::Assigned(located) => Some(located.range),
            RevisionId::NotLiteral(range) => Some(*range),
            RevisionId::FromFileName(_) | RevisionId::Missing => None,
        }
    }
}

/// One revision file as read from disk.
#[derive(Clone, Debug)]
pub struct RevisionFile {
    /// The path shown to users: relative to the project root when it is inside it.
    pub path: PathBuf,
    pub abs_path: PathBuf,
    pub text: String,
    pub line_index: LineIndex,
    pub header: RevisionHeader,
    /// What the rules read from the syntax tree.
    pub facts: SyntaxFacts,
    /// Set when the bytes are not UTF-8 (then `text` is the lossy decoding).
    pub not_utf8: bool,
    /// A hash (xxh3, 128 bits) of the bytes read: what cached results of this file are keyed on.
    pub hash: u128,
    /// The syntax tree, parsed on first use when the header and facts came from the cache.
    module: OnceLock<Module>,
}

/// What the rules need from a revision file's syntax tree, kept apart from the tree so that a
/// file whose results are cached is not parsed at all (unless a fix needs its tree).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxFacts {
    pub errors: Vec<SyntaxError>,
    /// Every `# comment`, `#` included, in source order.
    pub comments: Vec<TextRange>,
    /// The module docstring and those of `upgrade()` and `downgrade()`.
    pub docstrings: Vec<TextRange>,
    /// The modules that module-level imports may read: `import a.b` gives `a.b`,
    /// `from a import b` gives `a` and `a.b` (`b` may be a submodule).
    pub imports: Vec<String>,
}

impl SyntaxFacts {
    pub fn of(module: &Module) -> SyntaxFacts {
        SyntaxFacts {
            errors: module.errors.clone(),
            comments: module.comments.clone(),
            docstrings: docstrings(&module.body),
            imports: imports(&module.body),
        }
    }
}

/// What a file's header and facts are when they are already known (from the cache).
pub struct Known {
    pub header: RevisionHeader,
    pub facts: SyntaxFacts,
}

/// Where a loader finds the results of a file it has seen before: the file's shown path and
/// the hash of its bytes in, its header and facts out.
pub type Reuse<'a> = dyn Fn(&Path, u128) -> Option<Known> + Sync + 'a;

fn docstrings(body: &[Stmt]) -> Vec<TextRange> {
    let first_string = |body: &[Stmt]| match body.first() {
        Some(Stmt::Expr {
            value: Expr::Str { range, .. },
            ..
        }) => Some(*range),
        _ => None,
    };
    let mut out: Vec<TextRange> = first_string(body).into_iter().collect();
    for stmt in body {
        if let Stmt::FunctionDef(f) = stmt
            && matches!(f.name.as_str(), "upgrade" | "downgrade")
        {
            out.extend(first_string(&f.body));
        }
    }
    out
}

fn imports(body: &[Stmt]) -> Vec<String> {
    let mut out = Vec::new();
    // Module-level imports, and those inside the module's functions (`upgrade()` often imports
    // its helpers itself).
    let nested = body.iter().filter_map(|s| match s {
        Stmt::FunctionDef(f) => Some(f.body.iter()),
        _ => None,
    });
    for stmt in body.iter().chain(nested.flatten()) {
        match stmt {
            Stmt::ImportFrom {
                module: Some(module),
                level: 0,
                names,
                ..
            } => {
                out.push(module.clone());
                for alias in names {
                    out.push(format!("{module}.{}", alias.name));
                }
            }
            Stmt::Import { names, .. } => out.extend(names.iter().map(|alias| alias.name.clone())),
            // `helpers = import_module("app.migrations.helpers")` (often another revision file).
            Stmt::Assign { value, .. } => out.extend(import_module_call(value)),
            _ => {}
        }
    }
    out
}

/// The module `importlib.import_module("...")` names, when it is a string literal.
pub(crate) fn import_module_call(expr: &migdoc_python::ast::Expr) -> Option<String> {
    use migdoc_python::ast::Expr;
    let Expr::Call { func, args, .. } = expr else {
        return None;
    };
    let callee = func.dotted_name()?;
    if callee != "import_module" && callee != "importlib.import_module" {
        return None;
    }
    match args.first()? {
        Expr::Str { value, .. } => Some(value.clone()),
        _ => None,
    }
}

/// Alembic's `_only_source_rev_file`: `(?!\.\#|__init__)(.*\.py)$`, matched from the start.
pub(crate) fn is_revision_file_name(name: &str) -> bool {
    name.ends_with(".py") && !name.starts_with(".#") && !name.starts_with("__init__")
}

/// Alembic's `_legacy_rev`: `([a-f0-9]+)\.py$` matched from the start, so the whole stem is hex.
fn legacy_revision_id(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(".py")?;
    let is_hex = !stem.is_empty()
        && stem
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    is_hex.then(|| stem.to_owned())
}

pub(crate) fn read_revision_file(
    abs_path: &Path,
    shown: PathBuf,
    reuse: &Reuse<'_>,
) -> Result<RevisionFile, std::io::Error> {
    let bytes = std::fs::read(abs_path)?;
    Ok(RevisionFile::from_bytes_with(abs_path, shown, bytes, reuse))
}

impl RevisionFile {
    /// A revision file from its bytes, read from disk or not: the text is parsed and the
    /// header (`revision`, `down_revision`, ...) read the way Alembic reads it.
    pub fn from_bytes(abs_path: &Path, shown: PathBuf, bytes: Vec<u8>) -> RevisionFile {
        RevisionFile::from_bytes_with(abs_path, shown, bytes, &|_, _| None)
    }

    /// Like [`RevisionFile::from_bytes`], but the header and facts come from `reuse` when it
    /// knows these bytes at this path; the text is then not parsed.
    pub fn from_bytes_with(
        abs_path: &Path,
        shown: PathBuf,
        bytes: Vec<u8>,
        reuse: &Reuse<'_>,
    ) -> RevisionFile {
        let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
        let (text, not_utf8) = match String::from_utf8(bytes) {
            Ok(text) => (text, false),
            Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), true),
        };
        let module = OnceLock::new();
        let Known { header, facts } = reuse(&shown, hash).unwrap_or_else(|| {
            let parsed = module.get_or_init(|| migdoc_python::parse_module(&text));
            let file_name = abs_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Known {
                header: read_header(&parsed.body, &file_name),
                facts: SyntaxFacts::of(parsed),
            }
        });
        RevisionFile {
            path: shown,
            abs_path: abs_path.to_owned(),
            line_index: LineIndex::new(&text),
            text,
            header,
            facts,
            not_utf8,
            hash,
            module,
        }
    }

    /// The syntax tree (parsed now if the file's results came from the cache).
    pub fn module(&self) -> &Module {
        self.module
            .get_or_init(|| migdoc_python::parse_module(&self.text))
    }
}

/// What a module-level name is bound to, evaluated as a literal: `None`, a string, or a
/// tuple/list of strings. `Err(())` when the value is something else.
enum Literal {
    None,
    Strings(Vec<Located<String>>),
}

fn literal(expr: &Expr, earlier: &[(String, Expr)]) -> Result<Literal, ()> {
    match expr {
        Expr::NoneLiteral { .. } => Ok(Literal::None),
        Expr::Str { value, range, .. } => Ok(Literal::Strings(vec![Located {
            value: value.clone(),
            range: *range,
        }])),
        Expr::Tuple { elts, .. } | Expr::List { elts, .. } => {
            let mut out = Vec::new();
            for elt in elts {
                match literal(elt, earlier)? {
                    Literal::Strings(mut s) => out.append(&mut s),
                    Literal::None => return Err(()),
                }
            }
            Ok(Literal::Strings(out))
        }
        // A name bound earlier in the module to a literal (`revision = REV_ID`).
        Expr::Name { id, .. } => match earlier.iter().rev().find(|(name, _)| name == id) {
            Some((_, value)) if !matches!(value, Expr::Name { .. }) => literal(value, earlier),
            _ => Err(()),
        },
        _ => Err(()),
    }
}

pub(crate) fn read_header(body: &[Stmt], file_name: &str) -> RevisionHeader {
    // Module-level bindings in order; the last binding of a name wins, as at import time.
    let mut bindings: Vec<(String, Expr)> = Vec::new();
    for stmt in body {
        match stmt {
            Stmt::Assign { targets, value, .. } => {
                for target in targets {
                    if let Expr::Name { id, .. } = target {
                        bindings.push((id.clone(), value.clone()));
                    }
                }
            }
            Stmt::AnnAssign {
                target: Expr::Name { id, .. },
                value: Some(value),
                ..
            } => bindings.push((id.clone(), value.clone())),
            _ => {}
        }
    }
    let find = |name: &str| -> Option<(usize, &Expr)> {
        bindings
            .iter()
            .enumerate()
            .rev()
            .find(|(_, (n, _))| n == name)
            .map(|(i, (_, e))| (i, e))
    };
    let strings = |name: &str| -> (Vec<Located<String>>, Option<TextRange>, bool) {
        match find(name) {
            None => (Vec::new(), None, false),
            Some((i, expr)) => match literal(expr, &bindings[..i]) {
                Ok(Literal::None) => (Vec::new(), Some(expr.range()), false),
                Ok(Literal::Strings(s)) => (s, Some(expr.range()), false),
                Err(()) => (Vec::new(), Some(expr.range()), true),
            },
        }
    };
    let id = match find("revision") {
        Some((i, expr)) => match literal(expr, &bindings[..i]) {
            Ok(Literal::Strings(s)) if s.len() == 1 => {
                RevisionId::Assigned(s.into_iter().next().unwrap_or_else(|| unreachable!()))
            }
            _ => RevisionId::NotLiteral(expr.range()),
        },
        None => legacy_revision_id(file_name).map_or(RevisionId::Missing, RevisionId::FromFileName),
    };
    let (down_revisions, down_revision_range, down_revision_unknown) = strings("down_revision");
    let (branch_labels, labels_range, labels_unknown) = strings("branch_labels");
    let branch_labels_unknown = labels_range.filter(|_| labels_unknown);
    let (depends_on, _, _) = strings("depends_on");
    let message = match body.first() {
        Some(Stmt::Expr {
            value: Expr::Str { value, .. },
            ..
        }) => value
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned),
        _ => None,
    };
    RevisionHeader {
        id,
        down_revisions,
        down_revision_range,
        down_revision_unknown,
        branch_labels,
        branch_labels_unknown,
        depends_on,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(src: &str, file: &str) -> RevisionHeader {
        read_header(&migdoc_python::parse_module(src).body, file)
    }

    fn values(v: &[Located<String>]) -> Vec<&str> {
        v.iter().map(|l| l.value.as_str()).collect()
    }

    #[test]
    fn reads_every_spelling() {
        let h = header(
            "\"\"\"add users\n\nRevision ID: x\"\"\"\nrevision: str = 'b2'\ndown_revision: Union[str, Sequence[str], None] = ('a1', 'a2')\n\
             branch_labels = ['feature']\ndepends_on = 'c3'\n",
            "b2_x.py",
        );
        assert_eq!(h.id(), Some("b2"));
        assert_eq!(values(&h.down_revisions), ["a1", "a2"]);
        assert_eq!(values(&h.branch_labels), ["feature"]);
        assert_eq!(values(&h.depends_on), ["c3"]);
        assert_eq!(h.message.as_deref(), Some("add users"));
        let base = header(
            "revision = 'a'\ndown_revision = None\ndepends_on = ()\n",
            "a.py",
        );
        assert!(base.down_revisions.is_empty());
        assert!(!base.down_revision_unknown);
        assert!(base.depends_on.is_empty());
    }

    #[test]
    fn revision_id_fallbacks() {
        assert_eq!(
            header("x = 1\n", "ae1027a6acf.py").id,
            RevisionId::FromFileName("ae1027a6acf".into())
        );
        assert_eq!(header("x = 1\n", "add_users.py").id, RevisionId::Missing);
        assert!(matches!(
            header("revision = make()\n", "a.py").id,
            RevisionId::NotLiteral(_)
        ));
        assert_eq!(
            header("REV = 'z9'\nrevision = REV\n", "a.py").id(),
            Some("z9")
        );
        // The last binding wins.
        assert_eq!(
            header("revision = 'a'\nrevision = 'b'\n", "a.py").id(),
            Some("b")
        );
    }

    #[test]
    fn skipped_file_names() {
        assert!(is_revision_file_name("1a2b_add.py"));
        assert!(!is_revision_file_name("__init__.py"));
        assert!(!is_revision_file_name("__init__x.py"));
        assert!(!is_revision_file_name(".#1a2b_add.py"));
        assert!(!is_revision_file_name("1a2b_add.pyc"));
        assert!(!is_revision_file_name("notes.txt"));
    }
}
