//! Safe fixes: text edits to a revision file that remove a diagnostic's cause without changing
//! anything else the migration does. Each is offered only when the source has the exact shape it
//! expects (a standalone `op.execute(...)` statement, a literal `name=`, ...); otherwise there is
//! no fix, never a guess. The tests prove each one by running the fixed migrations through real
//! Alembic on real PostgreSQL.

use migdoc_project::RevisionFile;
use migdoc_python::TextRange;
use migdoc_python::ast::{Expr, Stmt};

/// A fix: its title (shown with `--diff`) and its edits, in one revision file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// Replace `start..end` (bytes) with `content`; `start == end` inserts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub start: u32,
    pub end: u32,
    pub content: String,
}

impl Fix {
    /// `text` with `fixes` applied; an edit overlapping one already taken is left out (the next
    /// run offers it again). Returns the new text and how many fixes were applied whole.
    pub fn apply_all(text: &str, fixes: &[&Fix]) -> (String, usize) {
        let mut taken: Vec<&Edit> = Vec::new();
        let mut applied = 0;
        let mut seen: Vec<&Fix> = Vec::new();
        for fix in fixes {
            if seen.contains(fix) {
                continue;
            }
            seen.push(fix);
            let overlaps = fix.edits.iter().any(|e| {
                taken.iter().any(|t| {
                    (e.start < t.end && t.start < e.end)
                        || (e.start == t.start && e.end == e.start && t.end == t.start)
                })
            });
            if overlaps
                || fix
                    .edits
                    .iter()
                    .any(|e| text.get(e.start as usize..e.end as usize).is_none())
            {
                continue;
            }
            taken.extend(&fix.edits);
            applied += 1;
        }
        taken.sort();
        let mut out = String::with_capacity(text.len() + 64);
        let mut at = 0;
        for e in taken {
            out.push_str(&text[at..e.start as usize]);
            out.push_str(&e.content);
            at = e.end as usize;
        }
        out.push_str(&text[at..]);
        (out, applied)
    }
}

fn text_of(file: &RevisionFile, range: TextRange) -> &str {
    file.text
        .get(range.start as usize..range.end as usize)
        .unwrap_or("")
}

/// The statement at `range` stands alone on its line(s): only indentation before it, only
/// white space or a comment after it. Returns (start of its first line, its indentation).
fn standalone(file: &RevisionFile, range: TextRange) -> Option<(usize, &str)> {
    let text = &file.text;
    let line_start = text[..range.start as usize]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let indent = &text[line_start..range.start as usize];
    let rest = &text[range.end as usize..];
    let after = &rest[..rest.find('\n').unwrap_or(rest.len())];
    (indent.chars().all(|c| c == ' ' || c == '\t')
        && (after.trim().is_empty() || after.trim_start().starts_with('#')))
    .then_some((line_start, indent))
}

/// The file's line ending: `\r\n` when its first line ends so.
fn newline(file: &RevisionFile) -> &'static str {
    match file.text.find('\n') {
        Some(i) if file.text[..i].ends_with('\r') => "\r\n",
        _ => "\n",
    }
}

/// One level of indentation as this file writes it: a tab where `indent` has tabs, else the
/// indentation of the first statement of the first top-level function (4 spaces when there is
/// none). `None` when `indent` mixes tabs and spaces: no deeper level is safe to guess.
fn indent_unit<'a>(file: &'a RevisionFile, indent: &str) -> Option<&'a str> {
    if indent.contains('\t') {
        return indent.chars().all(|c| c == '\t').then_some("\t");
    }
    let first = file.module().body.iter().find_map(|s| match s {
        Stmt::FunctionDef(f) => f.body.first(),
        _ => None,
    });
    let unit = first.and_then(|stmt| {
        let start = stmt.range().start as usize;
        let line_start = file.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let unit = &file.text[line_start..start];
        (!unit.is_empty() && unit.chars().all(|c| c == ' ')).then_some(unit)
    });
    Some(unit.unwrap_or("    "))
}

/// Where the line after `range` starts (the end of the text when it is the last line).
fn next_line(file: &RevisionFile, range: TextRange) -> usize {
    let rest = &file.text[range.end as usize..];
    rest.find('\n')
        .map_or(file.text.len(), |i| range.end as usize + i + 1)
}

fn keyword<'a>(keywords: &'a [migdoc_python::ast::Keyword], name: &str) -> Option<&'a Expr> {
    keywords
        .iter()
        .find(|k| k.arg.as_deref() == Some(name))
        .map(|k| &k.value)
}

/// MD214: `sa.Enum(..., name="x", create_type=False)` → `postgresql.ENUM(...)`, which honours
/// `create_type` on every SQLAlchemy version, plus `from sqlalchemy.dialects import postgresql`.
pub(crate) fn dialect_enum(file: &RevisionFile, type_name: &str) -> Option<Fix> {
    let short = type_name.rsplit('.').next().unwrap_or(type_name);
    let mut edits = Vec::new();
    migdoc_python::walk::each_expr(&file.module().body, &mut |e| {
        let Expr::Call { func, keywords, .. } = e else {
            return;
        };
        let is_sa_enum = func.dotted_name().is_some_and(|n| {
            matches!(
                n.as_str(),
                "sa.Enum" | "sqlalchemy.Enum" | "sqlalchemy.types.Enum" | "types.Enum"
            )
        });
        let create_type_false = matches!(
            keyword(keywords, "create_type"),
            Some(Expr::Bool { value: false, .. })
        );
        let named =
            matches!(keyword(keywords, "name"), Some(Expr::Str { value, .. }) if value == short);
        if is_sa_enum && create_type_false && named {
            let r = func.range();
            edits.push(Edit {
                start: r.start,
                end: r.end,
                content: "postgresql.ENUM".into(),
            });
        }
    });
    if edits.is_empty() {
        return None;
    }
    let imported = file.module().body.iter().any(|s| match s {
        Stmt::ImportFrom {
            module: Some(m),
            names,
            ..
        } => m == "sqlalchemy.dialects" && names.iter().any(|a| a.bound_name() == "postgresql"),
        Stmt::Import { names, .. } => names.iter().any(|a| a.bound_name() == "postgresql"),
        _ => false,
    });
    if !imported {
        let last_import = file
            .module()
            .body
            .iter()
            .rev()
            .find(|s| matches!(s, Stmt::Import { .. } | Stmt::ImportFrom { .. }))?;
        let at = u32::try_from(next_line(file, last_import.range())).ok()?;
        edits.push(Edit {
            start: at,
            end: at,
            content: "from sqlalchemy.dialects import postgresql\n".into(),
        });
    }
    Some(Fix {
        title: format!(
            "use `postgresql.ENUM` for `{type_name}`, which honours `create_type=False`"
        ),
        edits,
    })
}

/// Byte offsets of `ADD VALUE` (any case) not followed by `IF NOT EXISTS`, in `text`.
fn bare_add_values(text: &str) -> Vec<usize> {
    let upper = text.to_ascii_uppercase();
    upper
        .match_indices("ADD VALUE")
        .filter(|(at, m)| {
            !upper[at + m.len()..]
                .trim_start()
                .starts_with("IF NOT EXISTS")
        })
        .map(|(at, m)| at + m.len())
        .collect()
}

/// MD204: `ALTER TYPE ... ADD VALUE 'x'` of a label that exists → `ADD VALUE IF NOT EXISTS 'x'`.
pub(crate) fn add_value_if_not_exists(file: &RevisionFile, range: TextRange) -> Option<Fix> {
    let edits: Vec<Edit> = bare_add_values(text_of(file, range))
        .into_iter()
        .map(|at| {
            let at = range.start + u32::try_from(at).unwrap_or(0);
            Edit {
                start: at,
                end: at,
                content: " IF NOT EXISTS".into(),
            }
        })
        .collect();
    (!edits.is_empty()).then(|| Fix {
        title: "write `ADD VALUE IF NOT EXISTS`".into(),
        edits,
    })
}

/// The standalone `op.execute(...)` statements in `body` (any depth) whose text satisfies `want`.
fn execute_statements<'a>(
    body: &'a [Stmt],
    file: &RevisionFile,
    want: &dyn Fn(&str) -> bool,
    out: &mut Vec<&'a Stmt>,
) {
    for stmt in body {
        match stmt {
            Stmt::Expr {
                value: Expr::Call { func, .. },
                range,
            } if func.dotted_name().as_deref() == Some("op.execute")
                && want(text_of(file, *range)) =>
            {
                out.push(stmt)
            }
            Stmt::FunctionDef(f) => execute_statements(&f.body, file, want, out),
            Stmt::If { body, orelse, .. } => {
                execute_statements(body, file, want, out);
                execute_statements(orelse, file, want, out);
            }
            _ => {}
        }
    }
}

/// MD205: the `op.execute("ALTER TYPE t ADD VALUE 'x'")` before the use → inside
/// `with op.get_context().autocommit_block():`, so the label is committed before it is used.
pub(crate) fn autocommit_add_value(
    file: &RevisionFile,
    type_name: &str,
    label: &str,
    use_at: u32,
) -> Option<Fix> {
    let short = type_name
        .rsplit('.')
        .next()
        .unwrap_or(type_name)
        .to_ascii_lowercase();
    let quoted = format!("'{}'", label.replace('\'', "''"));
    let want = |text: &str| {
        let lower = text.to_ascii_lowercase();
        lower.contains("add value") && lower.contains(&short) && text.contains(&quoted)
    };
    let mut found = Vec::new();
    execute_statements(&file.module().body, file, &want, &mut found);
    let stmt = found.into_iter().rev().find(|s| s.range().end <= use_at)?;
    let (line_start, indent) = standalone(file, stmt.range())?;
    let unit = indent_unit(file, indent)?;
    Some(Fix {
        title: format!(
            "add '{label}' to `{type_name}` in an autocommit block, committed before it is used"
        ),
        // The statement's own indentation is replaced: the block's is one level deeper, in
        // the file's own unit (a tab where the line is indented with tabs).
        edits: vec![Edit {
            start: u32::try_from(line_start).ok()?,
            end: stmt.range().start,
            content: format!(
                "{indent}with op.get_context().autocommit_block():{}{indent}{unit}",
                newline(file)
            ),
        }],
    })
}

/// `name` as PostgreSQL reads it back: bare when it is a plain lower-case identifier.
fn sql_name(name: &str) -> String {
    name.split('.')
        .map(|part| {
            let plain = part
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
            if plain {
                part.to_owned()
            } else {
                format!("\"{}\"", part.replace('"', "\"\""))
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// MD210: the downgrade drops the table but leaves the type → `op.execute("DROP TYPE IF EXISTS t")`
/// right after the last `op.drop_table(...)` of `downgrade()`.
pub(crate) fn drop_type_in_downgrade(file: &RevisionFile, type_name: &str) -> Option<Fix> {
    let downgrade = file.module().body.iter().find_map(|s| match s {
        Stmt::FunctionDef(f) if f.name == "downgrade" => Some(f),
        _ => None,
    })?;
    let drop = downgrade
        .body
        .iter()
        .rev()
        .find(|s| matches!(s, Stmt::Expr { value: Expr::Call { func, .. }, .. } if func.dotted_name().as_deref() == Some("op.drop_table")))?;
    let (_, indent) = standalone(file, drop.range())?;
    let at = u32::try_from(next_line(file, drop.range())).ok()?;
    let eol = newline(file);
    let before = if at as usize == file.text.len() && !file.text.ends_with('\n') {
        eol
    } else {
        ""
    };
    Some(Fix {
        title: format!("drop `{type_name}` after the table in `downgrade()`"),
        edits: vec![Edit {
            start: at,
            end: at,
            content: format!(
                "{before}{indent}op.execute({}){eol}",
                migdoc_python::string_literal(&format!(
                    "DROP TYPE IF EXISTS {}",
                    sql_name(type_name)
                ))
            ),
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> RevisionFile {
        RevisionFile::from_bytes(
            std::path::Path::new("/x/a1.py"),
            "a1.py".into(),
            text.as_bytes().to_vec(),
        )
    }

    fn fixed(text: &str, fix: Option<Fix>) -> String {
        let fix = fix.unwrap_or_else(|| panic!("no fix for:\n{text}"));
        Fix::apply_all(text, &[&fix]).0
    }

    #[test]
    fn sa_enum_becomes_postgresql_enum_with_its_import() {
        let src = "import sqlalchemy as sa\nfrom alembic import op\n\nE = sa.Enum('a', name='mood', create_type=False)\nF = sa.Enum('b', name='other', create_type=False)\n";
        let out = fixed(src, dialect_enum(&file(src), "mood"));
        assert_eq!(
            out,
            "import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n\nE = postgresql.ENUM('a', name='mood', create_type=False)\nF = sa.Enum('b', name='other', create_type=False)\n"
        );
        assert!(dialect_enum(&file("E = sa.Enum('a', name='mood')\n"), "mood").is_none());
    }

    #[test]
    fn add_value_gets_if_not_exists() {
        let src = "op.execute(\"ALTER TYPE s ADD VALUE 'x'\")\n";
        let f = file(src);
        let range = TextRange::new(0, u32::try_from(src.len() - 1).unwrap_or(0));
        assert_eq!(
            fixed(src, add_value_if_not_exists(&f, range)),
            "op.execute(\"ALTER TYPE s ADD VALUE IF NOT EXISTS 'x'\")\n"
        );
        let done = "op.execute(\"ALTER TYPE s add value if not exists 'x'\")\n";
        assert!(
            add_value_if_not_exists(
                &file(done),
                TextRange::new(0, u32::try_from(done.len() - 1).unwrap_or(0))
            )
            .is_none()
        );
    }

    #[test]
    fn add_value_moves_into_an_autocommit_block() {
        let src = "def upgrade():\n    op.execute(\"ALTER TYPE job_status ADD VALUE 'failed'\")  # new\n    op.execute(\"INSERT INTO jobs VALUES ('failed')\")\n";
        let use_at = u32::try_from(src.find("INSERT").unwrap_or(0)).unwrap_or(0);
        assert_eq!(
            fixed(
                src,
                autocommit_add_value(&file(src), "job_status", "failed", use_at)
            ),
            "def upgrade():\n    with op.get_context().autocommit_block():\n        op.execute(\"ALTER TYPE job_status ADD VALUE 'failed'\")  # new\n    op.execute(\"INSERT INTO jobs VALUES ('failed')\")\n"
        );
    }

    /// The MD205 and MD210 fixes on one history written in four styles: the fixed text parses
    /// as CPython parses it (tabs included), keeps the file's line ending and indents the new
    /// block one level of the file's own unit.
    #[test]
    fn fixes_follow_the_files_indentation_and_line_endings() {
        let body = "def upgrade():\n@if True:\n@@op.execute(\"ALTER TYPE job_status ADD VALUE 'failed'\")\n@@op.execute(\"INSERT INTO jobs VALUES ('failed')\")\n\n\ndef downgrade():\n@op.drop_table(\"jobs\")\n";
        for (unit, eol) in [
            ("    ", "\n"),
            ("\t", "\n"),
            ("  ", "\n"),
            ("    ", "\r\n"),
            ("\t", "\r\n"),
        ] {
            let src = body.replace('@', unit).replace('\n', eol);
            let use_at = u32::try_from(src.find("INSERT").unwrap_or(0)).unwrap_or(0);
            let f = file(&src);
            let out = fixed(
                &src,
                autocommit_add_value(&f, "job_status", "failed", use_at),
            );
            let expected = "def upgrade():\n@if True:\n@@with op.get_context().autocommit_block():\n@@@op.execute(\"ALTER TYPE job_status ADD VALUE 'failed'\")\n@@op.execute(\"INSERT INTO jobs VALUES ('failed')\")\n\n\ndef downgrade():\n@op.drop_table(\"jobs\")\n";
            assert_eq!(
                out,
                expected.replace('@', unit).replace('\n', eol),
                "unit {unit:?}, line ending {eol:?}"
            );
            let out = fixed(&out, drop_type_in_downgrade(&file(&out), "job_status"));
            assert!(out.ends_with(&format!("{unit}op.drop_table(\"jobs\"){eol}{unit}op.execute(\"DROP TYPE IF EXISTS job_status\"){eol}")), "{out:?}");
            assert!(
                migdoc_python::parse_module(&out).errors.is_empty(),
                "{out:?}"
            );
        }
        // A line indented with spaces and a tab gets no fix: no deeper level is safe to guess.
        let mixed = "def upgrade():\n \top.execute(\"ALTER TYPE job_status ADD VALUE 'failed'\")\n \top.execute(\"INSERT INTO jobs VALUES ('failed')\")\n";
        let use_at = u32::try_from(mixed.find("INSERT").unwrap_or(0)).unwrap_or(0);
        assert!(autocommit_add_value(&file(mixed), "job_status", "failed", use_at).is_none());
    }

    #[test]
    fn downgrade_drops_the_type_after_the_table() {
        let src = "def downgrade():\n    op.drop_table('users')\n    op.drop_table('people')";
        assert_eq!(
            fixed(src, drop_type_in_downgrade(&file(src), "Mood")),
            "def downgrade():\n    op.drop_table('users')\n    op.drop_table('people')\n    op.execute(\"DROP TYPE IF EXISTS \\\"Mood\\\"\")\n"
        );
    }

    #[test]
    fn overlapping_fixes_apply_once() {
        let a = Fix {
            title: "a".into(),
            edits: vec![Edit {
                start: 0,
                end: 1,
                content: "X".into(),
            }],
        };
        let b = Fix {
            title: "b".into(),
            edits: vec![Edit {
                start: 0,
                end: 2,
                content: "Y".into(),
            }],
        };
        assert_eq!(Fix::apply_all("abc", &[&a, &b, &a]), ("Xbc".to_owned(), 1));
    }
}
