//! `migdoc check --fix` / `--diff`, each fix proven for real: the scenario fails as recorded, the
//! fix is applied, `check` is clean, and `migdoc verify` runs the fixed migrations through real
//! Alembic (SQLAlchemy 2.0) on a throwaway PostgreSQL in all three deploy modes without a failure.

use std::path::Path;

use crate::support::{copy_dir, pyenv_python, repo_root, run_migdoc};

fn check(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args: Vec<String> = ["check", &dir.display().to_string(), "--sqlalchemy-version", "2.0", "--postgres-version", "15", "--ignore", "MD218", "--output-format", "concise"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let out = run_migdoc(&args);
    (out.code, out.stdout, out.stderr)
}

/// (scenario, the code `check` reports before, a line the diff adds)
const CASES: &[(&str, &str, &str)] = &[
    ("sa_enum_create_type_false_after_create_type", "MD214", "+DEAL_STATUS_ENUM = postgresql.ENUM("),
    ("add_existing_label_without_if_not_exists", "MD204", "+    op.execute(\"ALTER TYPE job_status ADD VALUE IF NOT EXISTS 'done'\")"),
    ("add_value_then_insert_same_revision", "MD205", "+    with op.get_context().autocommit_block():"),
    ("downgrade_leaves_enum_type_behind", "MD210", "+    op.execute(\"DROP TYPE IF EXISTS mood\")"),
];

#[test]
fn every_fix_passes_real_alembic_afterwards() {
    let python = pyenv_python("sa20");
    for (scenario, code, added) in CASES {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = tmp.path().join(scenario);
        copy_dir(&repo_root().join("tests/scenarios").join(scenario), &dir);
        let (_, before, _) = check(&dir, &[]);
        assert!(before.contains(code), "{scenario}: expected {code} before the fix:\n{before}");
        let (diff_code, diff, stderr) = check(&dir, &["--diff"]);
        assert_eq!(diff_code, 1, "{scenario}: {stderr}");
        assert!(diff.lines().any(|l| l == *added), "{scenario}: the diff lacks {added:?}:\n{diff}");
        let (_, unchanged, _) = check(&dir, &[]);
        assert_eq!(unchanged, before, "{scenario}: --diff changed a file");
        let (fix_code, after, stderr) = check(&dir, &["--fix"]);
        assert!(stderr.contains("fixed 1 problem in 1 file"), "{scenario}: {stderr}");
        assert_eq!((fix_code, after.as_str()), (0, ""), "{scenario}: check is not clean after --fix");
        let (_, again, stderr) = check(&dir, &["--fix"]);
        assert!(again.is_empty() && stderr.contains("fixed 0 problems"), "{scenario}: a second --fix changed something: {stderr}");
        let out = run_migdoc(&["verify".into(), dir.display().to_string(), "--python".into(), python.display().to_string(), "--output-format".into(), "json".into()]);
        assert_eq!(out.code, 0, "{scenario}: verify after the fix: {}{}", out.stdout, out.stderr);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
        for mode in ["upgrade_head", "step_by_step", "roundtrip"] {
            assert_eq!(report["verify"][mode]["ok"], true, "{scenario} {mode}: {}", report["verify"][mode]);
        }
        assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(0), "{scenario}: {}", report["diagnostics"]);
    }
}
