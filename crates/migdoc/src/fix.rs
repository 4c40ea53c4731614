//! `migdoc check --fix` and `--diff`: the safe fixes of a report, applied to the files or shown as
//! a unified diff.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use migdoc_linter::{Fix, Report};
use migdoc_project::Sources;

/// Per revision file with fixes: (shown path, file on disk, old text, new text, fixes applied).
pub(crate) struct Fixed {
    pub(crate) shown: PathBuf,
    pub(crate) path: PathBuf,
    pub(crate) old: String,
    pub(crate) new: String,
    pub(crate) applied: usize,
}

pub(crate) fn compute(report: &Report, sources: &Sources) -> Vec<Fixed> {
    let mut by_file: BTreeMap<usize, Vec<&Fix>> = BTreeMap::new();
    for d in &report.diagnostics {
        if let (Some(fix), Some(i)) = (&d.fix, sources.files.iter().position(|f| f.path == d.path)) {
            by_file.entry(i).or_default().push(fix);
        }
    }
    by_file
        .into_iter()
        .filter_map(|(i, fixes)| {
            let file = &sources.files[i];
            if file.not_utf8 {
                return None;
            }
            let (new, applied) = Fix::apply_all(&file.text, &fixes);
            (applied > 0 && new != file.text).then(|| Fixed { shown: file.path.clone(), path: file.abs_path.clone(), old: file.text.clone(), new, applied })
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
        std::fs::rename(&tmp, &f.path).with_context(|| format!("cannot replace {}", f.path.display()))?;
        total += f.applied;
    }
    Ok(total)
}

/// A unified diff of every fixed file.
pub(crate) fn diff(out: &mut impl Write, fixed: &[Fixed]) -> std::io::Result<()> {
    for f in fixed {
        let shown = f.shown.display().to_string();
        let diff = similar::TextDiff::from_lines(&f.old, &f.new);
        write!(out, "{}", diff.unified_diff().context_radius(3).header(&format!("a/{shown}"), &format!("b/{shown}")))?;
    }
    Ok(())
}
