//! `# migdoc: ignore[...]` comments: a diagnostic is dropped when a comment on its line, or alone on
//! the line before, names its rule (by code or name); `# migdoc: ignore-file[...]` anywhere in a file
//! covers the whole file; `# migdoc: ignore` without a list covers every rule. A suppression that
//! suppresses nothing, or names no rule, is itself reported (MD005), as ruff reports unused `noqa`.

use std::path::{Path, PathBuf};

use migdoc_project::Sources;
use migdoc_python::{LineIndex, TextRange};

use crate::registry::declare_rule;
use crate::selection::RuleSelection;
use crate::{Diagnostic, LineCol, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `# migdoc: ignore[...]` comment that suppresses nothing: the rule it names did not
    /// report there (the problem was fixed, or the comment is on the wrong line), or it names no rule.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real problem of that rule on that line, and a misspelt one
    /// never worked.
    ///
    /// ## Example
    /// ```python
    /// op.add_column("t", sa.Column("c", sa.Integer()))  # migdoc: ignore[enum-created-twice]
    /// ```
    ///
    /// ## Use instead
    /// Remove the comment, or put it on the line the diagnostic points at.
    pub(crate) struct UnusedSuppression;
}

struct Directive {
    path: PathBuf,
    revision: Option<String>,
    range: TextRange,
    start: LineCol,
    end: LineCol,
    /// Alone on its line: it also covers the next line.
    own_line: bool,
    whole_file: bool,
    rules: Named,
    used: Vec<bool>,
    used_blanket: bool,
}

/// The files whose comments can suppress: revision files, model modules and env.py.
struct FileText<'a> {
    path: &'a Path,
    revision: Option<&'a str>,
    text: &'a str,
    comments: &'a [TextRange],
    index: &'a LineIndex,
}

/// Applies the suppression comments of every file to `diagnostics`, then adds MD005 for the
/// suppressions that did nothing (when MD005 is selected).
pub(crate) fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    sources: &Sources,
    env: Option<&migdoc_project::EnvInfo>,
    selection: &RuleSelection,
    report_unused: bool,
) {
    let env_index = env.map(|e| (e, LineIndex::new(&e.text)));
    let mut files: Vec<FileText<'_>> = Vec::new();
    for f in &sources.files {
        files.push(FileText {
            path: &f.path,
            revision: f.header.id(),
            text: &f.text,
            comments: &f.facts.comments,
            index: &f.line_index,
        });
    }
    for m in &sources.models.modules {
        files.push(FileText {
            path: &m.path,
            revision: None,
            text: &m.text,
            comments: &m.module.comments,
            index: &m.line_index,
        });
    }
    if let Some((env, index)) = &env_index {
        files.push(FileText {
            path: &env.path,
            revision: None,
            text: &env.text,
            comments: &env.comments,
            index,
        });
    }
    let mut directives = Vec::new();
    for file in &files {
        for &range in file.comments {
            let comment = &file.text[range.start as usize..range.end as usize];
            if let Some((whole_file, rules)) = parse(comment) {
                let start: LineCol = file.index.line_column(file.text, range.start).into();
                let line_start = file.text[..range.start as usize]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                let own_line = file.text[line_start..range.start as usize]
                    .trim()
                    .is_empty();
                let n = rules.as_ref().map_or(0, Vec::len);
                directives.push(Directive {
                    path: file.path.to_owned(),
                    revision: file.revision.map(str::to_owned),
                    range,
                    start,
                    end: file.index.line_column(file.text, range.end).into(),
                    own_line,
                    whole_file,
                    rules,
                    used: vec![false; n],
                    used_blanket: false,
                });
            }
        }
    }
    if directives.is_empty() {
        return;
    }
    diagnostics.retain(|d| {
        let mut suppressed = false;
        for directive in directives.iter_mut().filter(|x| x.path == d.path) {
            let on_line = directive.whole_file
                || (d.range.is_some()
                    && (directive.start.line == d.start.line
                        || (directive.own_line && directive.start.line + 1 == d.start.line)));
            if !on_line {
                continue;
            }
            match &directive.rules {
                None => {
                    directive.used_blanket = true;
                    suppressed = true;
                }
                Some(rules) => {
                    for (k, (_, rule)) in rules.iter().enumerate() {
                        if *rule == Some(d.rule) {
                            directive.used[k] = true;
                            suppressed = true;
                        }
                    }
                }
            }
        }
        !suppressed
    });
    if !report_unused || !selection.is_enabled(Rule::UnusedSuppression) {
        return;
    }
    let severity = selection.severity(
        Rule::UnusedSuppression,
        Rule::UnusedSuppression.default_severity(),
    );
    for directive in directives {
        let mut complaints = Vec::new();
        match &directive.rules {
            None if !directive.used_blanket => {
                complaints.push("`# migdoc: ignore` suppresses nothing here".to_owned())
            }
            None => {}
            Some(rules) => {
                for ((written, rule), used) in rules.iter().zip(&directive.used) {
                    match rule {
                        None => complaints.push(format!(
                            "`{written}` is not a migdoc rule, so this suppression does nothing"
                        )),
                        Some(rule) if !used && selection.is_enabled(*rule) => {
                            complaints.push(format!(
                                "`{written}` suppresses nothing: {} ({}) reports nothing here",
                                rule.code(),
                                rule.name()
                            ));
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        for message in complaints {
            diagnostics.push(Diagnostic {
                rule: Rule::UnusedSuppression,
                severity,
                path: directive.path.clone(),
                range: Some(directive.range),
                start: directive.start,
                end: directive.end,
                revision: directive.revision.clone(),
                message,
                help: Some("remove it, or put it on the line the diagnostic points at (or alone on the line before)".into()),
                fix: None,
            });
        }
    }
}

/// The rules a directive names, as written and as found; `None` for every rule.
type Named = Option<Vec<(String, Option<Rule>)>>;

/// `# migdoc: ignore[MD201, enum-created-twice]` → (whole file?, rules); `None` when the comment is
/// no migdoc directive.
fn parse(comment: &str) -> Option<(bool, Named)> {
    let at = comment.find("migdoc:")?;
    let rest = comment[at + "migdoc:".len()..].trim_start();
    let (whole_file, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (false, r)
    } else {
        return None;
    };
    let Some(list) = rest.strip_prefix('[') else {
        return Some((whole_file, None));
    };
    let list = list.split(']').next().unwrap_or_default();
    let rules = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (s.to_owned(), Rule::from_code_or_name(s)))
        .collect();
    Some((whole_file, Some(rules)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        let (file, rules) = parse("# migdoc: ignore[MD201, multiple-heads]").expect("a value");
        assert!(!file);
        assert_eq!(
            rules
                .expect("a value")
                .iter()
                .map(|(_, r)| *r)
                .collect::<Vec<_>>(),
            [Some(Rule::EnumCreatedTwice), Some(Rule::MultipleHeads)]
        );
        assert!(
            parse("# noqa: E501  # migdoc: ignore-file[MD217]")
                .expect("a value")
                .0
        );
        assert_eq!(parse("# migdoc: ignore").expect("a value").1, None);
        assert_eq!(
            parse("# migdoc: ignore[nonsense]")
                .expect("a value")
                .1
                .expect("a value")[0]
                .1,
            None
        );
        assert!(parse("# an ordinary comment").is_none());
    }
}
