//! What part of a report the user asked to see: a baseline of known problems to leave out, and the
//! files a change touched (pull-request checks). The whole history is always replayed; only the
//! reporting is narrowed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use migdoc_linter::Diagnostic;
use serde_json::json;

/// How many diagnostics were left out, and why (shown in the summary).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Hidden {
    pub(crate) baselined: usize,
    pub(crate) unchanged: usize,
}

/// A diagnostic's identity in a baseline: no line numbers, so that edits elsewhere in a file keep
/// it matched.
fn key(d: &Diagnostic) -> (String, String, String) {
    (
        d.rule.code().to_owned(),
        d.path.to_string_lossy().replace('\\', "/"),
        d.message.clone(),
    )
}

/// Writes every diagnostic to `path` (JSON, sorted, one entry per occurrence).
pub(crate) fn write_baseline(path: &Path, diagnostics: &[Diagnostic]) -> anyhow::Result<()> {
    let entries: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let (code, file, message) = key(d);
            json!({"code": code, "path": file, "revision": d.revision, "message": message})
        })
        .collect();
    let value = json!({"version": 1, "diagnostics": entries});
    let text = serde_json::to_string_pretty(&value)? + "\n";
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Leaves out the diagnostics the baseline at `path` holds (each entry matches one occurrence).
pub(crate) fn apply_baseline(
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> anyhow::Result<usize> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the baseline {}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a migdoc baseline (not JSON)", path.display()))?;
    let entries = value["diagnostics"].as_array().with_context(|| {
        format!(
            "{} is not a migdoc baseline (no `diagnostics` list)",
            path.display()
        )
    })?;
    let mut known: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for e in entries {
        let field = |k: &str| {
            e[k].as_str()
                .map(str::to_owned)
                .with_context(|| format!("{}: an entry without `{k}`", path.display()))
        };
        *known
            .entry((field("code")?, field("path")?, field("message")?))
            .or_default() += 1;
    }
    let before = diagnostics.len();
    diagnostics.retain(|d| match known.get_mut(&key(d)) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    Ok(before - diagnostics.len())
}

/// The files changed since `git_ref` (from where the branch left it, like a pull request's diff),
/// uncommitted and untracked ones included, relative to `root`.
pub(crate) fn changed_since(root: &Path, git_ref: &str) -> anyhow::Result<BTreeSet<PathBuf>> {
    let git = |args: &[&str]| -> anyhow::Result<String> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .output()
            .context("cannot run git (needed by --changed-since)")?;
        if !out.status.success() {
            anyhow::bail!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let base = git(&["merge-base", git_ref, "HEAD"])
        .with_context(|| format!("--changed-since {git_ref}: no common ancestor with HEAD"))?;
    let mut files: BTreeSet<PathBuf> = git(&[
        "diff",
        "--name-only",
        "--relative",
        "--no-renames",
        base.trim(),
    ])?
    .lines()
    .map(PathBuf::from)
    .collect();
    files.extend(
        git(&["ls-files", "--others", "--exclude-standard"])?
            .lines()
            .map(PathBuf::from),
    );
    Ok(files)
}

/// The given files, relative to `root` (as diagnostics show paths).
pub(crate) fn given_files(root: &Path, files: &[PathBuf]) -> BTreeSet<PathBuf> {
    files
        .iter()
        .map(|f| migdoc_project::shown_path(root, f))
        .collect()
}

/// Keeps the diagnostics about `files`; returns how many were left out.
pub(crate) fn keep_changed(files: &BTreeSet<PathBuf>, diagnostics: &mut Vec<Diagnostic>) -> usize {
    let before = diagnostics.len();
    diagnostics.retain(|d| files.contains(&d.path));
    before - diagnostics.len()
}
