//! `migdoc check --fix` and `--diff`: the safe fixes of a report, applied to the files or shown as
//! a unified diff.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use migdoc_linter::{Diagnostic, Fix, Report};
use migdoc_project::{RevisionFile, Sources};

/// Per revision file with fixes: (shown path, file on disk, old text, new text, fixes applied).
pub(crate) struct Fixed {
    pub(crate) shown: PathBuf,
    pub(crate) path: PathBuf,
    pub(crate) old: String,
    pub(crate) new: String,
    pub(crate) applied: usize,
}

/// Keeps only the fixes that are proven on the text they produce: each one is applied (after the
/// ones of its file already proven), the result must parse as CPython parses it (indentation
/// included) and a new check of the whole history must report nothing that the current report
/// does not (the same rule, file and message, at most as often). A fix that fails is not offered:
/// its diagnostics lose it. `recheck` runs the same check (settings, selection) on other sources.
pub(crate) fn prove(
    report: &mut Report,
    sources: &mut Sources,
    recheck: &dyn Fn(&Sources) -> Vec<Diagnostic>,
) {
    type Key = (&'static str, PathBuf, String);
    fn counts(diagnostics: &[Diagnostic]) -> BTreeMap<Key, usize> {
        let mut out = BTreeMap::new();
        for d in diagnostics {
            *out.entry((d.rule.code(), d.path.clone(), d.message.clone()))
                .or_insert(0) += 1;
        }
        out
    }
    let before = counts(&report.diagnostics);
    // Owned: the report's diagnostics lose the refused fixes at the end.
    let by_file: BTreeMap<usize, Vec<Fix>> = fixes_by_file(report, sources)
        .into_iter()
        .map(|(i, fixes)| (i, fixes.into_iter().cloned().collect()))
        .collect();
    // Usually every fix holds: one re-check of all of them at once proves them together (each
    // file's text then includes all of its fixes). Only when that fails is each one tried.
    let no_new = |after: &BTreeMap<Key, usize>| {
        after
            .iter()
            .all(|(key, n)| before.get(key).is_some_and(|m| n <= m))
    };
    let mut originals: Vec<(usize, RevisionFile)> = Vec::new();
    let mut together = true;
    for (&i, fixes) in &by_file {
        let file = &sources.files[i];
        let refs: Vec<&Fix> = fixes.iter().collect();
        let (new, applied) = Fix::apply_all(&file.text, &refs);
        let fixed = RevisionFile::from_bytes(&file.abs_path, file.path.clone(), new.into_bytes());
        if file.not_utf8 || applied != refs.len() || !fixed.facts.errors.is_empty() {
            together = false;
            break;
        }
        originals.push((i, std::mem::replace(&mut sources.files[i], fixed)));
    }
    together = together && no_new(&counts(&recheck(sources)));
    for (i, original) in originals {
        sources.files[i] = original;
    }
    if together {
        return;
    }
    let mut refused: Vec<Fix> = Vec::new();
    for (i, fixes) in by_file {
        let original = &sources.files[i];
        if original.not_utf8 {
            refused.extend(fixes);
            continue;
        }
        let (abs, shown, text) = (
            original.abs_path.clone(),
            original.path.clone(),
            original.text.clone(),
        );
        let mut proven: Vec<&Fix> = Vec::new();
        for fix in &fixes {
            let mut candidate = proven.clone();
            candidate.push(fix);
            let (new, applied) = Fix::apply_all(&text, &candidate);
            let fixed = RevisionFile::from_bytes(&abs, shown.clone(), new.into_bytes());
            let good = applied == candidate.len() && fixed.facts.errors.is_empty() && {
                let original = std::mem::replace(&mut sources.files[i], fixed);
                let after = counts(&recheck(sources));
                sources.files[i] = original;
                no_new(&after)
            };
            if good {
                proven.push(fix);
            } else {
                refused.push(fix.clone());
            }
        }
    }
    for d in &mut report.diagnostics {
        if d.fix.as_ref().is_some_and(|f| refused.contains(f)) {
            d.fix = None;
        }
    }
}

/// The distinct fixes of a report, by the index of their file in `sources`.
fn fixes_by_file<'r>(report: &'r Report, sources: &Sources) -> BTreeMap<usize, Vec<&'r Fix>> {
    let mut by_file: BTreeMap<usize, Vec<&Fix>> = BTreeMap::new();
    for d in &report.diagnostics {
        if let (Some(fix), Some(i)) = (&d.fix, sources.files.iter().position(|f| f.path == d.path))
        {
            let fixes = by_file.entry(i).or_default();
            if !fixes.contains(&fix) {
                fixes.push(fix);
            }
        }
    }
    by_file
}

pub(crate) fn compute(report: &Report, sources: &Sources) -> Vec<Fixed> {
    fixes_by_file(report, sources)
        .into_iter()
        .filter_map(|(i, fixes)| {
            let file = &sources.files[i];
            if file.not_utf8 {
                return None;
            }
            let (new, applied) = Fix::apply_all(&file.text, &fixes);
            (applied > 0 && new != file.text).then(|| Fixed {
                shown: file.path.clone(),
                path: file.abs_path.clone(),
                old: file.text.clone(),
                new,
                applied,
            })
        })
        .collect()
}

/// Writes each fixed file (through a temporary file and a rename, so a crash leaves the old one).
pub(crate) fn write(fixed: &[Fixed]) -> anyhow::Result<usize> {
    let mut total = 0;
    for f in fixed {
        let tmp = f.path.with_extension("py.migdoc-fix");
        std::fs::write(&tmp, &f.new).with_context(|| format!("cannot write {}", tmp.display()))?;
        if let Ok(meta) = std::fs::metadata(&f.path) {
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        std::fs::rename(&tmp, &f.path)
            .with_context(|| format!("cannot replace {}", f.path.display()))?;
        total += f.applied;
    }
    Ok(total)
}

/// A unified diff of every fixed file, its paths shown from the current directory (`a/`, `b/`
/// as git writes them, for `git apply`; an absolute path as it is).
pub(crate) fn diff(
    out: &mut impl Write,
    fixed: &[Fixed],
    paths: &crate::report::Paths,
) -> std::io::Result<()> {
    for f in fixed {
        let shown = paths.show(&f.shown);
        let (old, new) = if shown.starts_with('/') {
            (shown.clone(), shown)
        } else {
            (format!("a/{shown}"), format!("b/{shown}"))
        };
        let diff = similar::TextDiff::from_lines(&f.old, &f.new);
        write!(
            out,
            "{}",
            diff.unified_diff().context_radius(3).header(&old, &new)
        )?;
    }
    Ok(())
}
