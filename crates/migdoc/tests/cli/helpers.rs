//! `migdoc.alembic`, the enum helpers shipped in the wheel: real Alembic runs migrations that use
//! them (with `python/` on PYTHONPATH, as the installed package would be), and `migdoc verify`
//! compares every deploy mode and the migrated catalog with what `check` predicted.

use std::path::Path;

use crate::support::{pyenv_python, repo_root, run_migdoc, write_files, ENV_PY};

const HEAD: &str = "import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n\
                    from migdoc.alembic import add_enum_values, create_enum, drop_enum, enum_exists, rename_enum_value\n\n";

fn revision(id: &str, down: &str, upgrade: &str, downgrade: &str) -> String {
    format!("{HEAD}revision = '{id}'\ndown_revision = {down}\n\ndef upgrade():\n{upgrade}\n\ndef downgrade():\n{downgrade}\n")
}

fn project(dir: &Path, revisions: &[(&str, String)]) {
    let mut files: Vec<(String, String)> = vec![
        ("alembic.ini".into(), "[alembic]\nscript_location = migrations\n".into()),
        ("migrations/env.py".into(), ENV_PY.into()),
    ];
    files.extend(revisions.iter().map(|(name, text)| (format!("migrations/versions/{name}.py"), text.clone())));
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    write_files(dir, &borrowed);
}

fn verify(dir: &Path) -> (i32, serde_json::Value) {
    let python = pyenv_python("sa20");
    let out = crate::support::migdoc()
        .args(["verify", &dir.display().to_string(), "--python", &python.display().to_string(), "--output-format", "json"])
        .env("PYTHONPATH", repo_root().join("python"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), report)
}

#[test]
fn helpers_are_idempotent_safe_and_predicted_exactly() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(
        tmp.path(),
        &[
            (
                "a1",
                revision(
                    "a1",
                    "None",
                    "    create_enum('status', ['new', 'paid'])\n    create_enum('status', ['new', 'paid'])\n\
                     \x20   op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True),\n\
                     \x20       sa.Column('status', postgresql.ENUM(name='status', create_type=False)))",
                    "    op.drop_table('orders')\n    drop_enum('status')\n    drop_enum('status')",
                ),
            ),
            (
                "b2",
                revision(
                    "b2",
                    "'a1'",
                    "    add_enum_values('status', ['shipped', \"it's: done\"])\n    add_enum_values('status', ['shipped'])\n\
                     \x20   op.execute(\"INSERT INTO orders (id, status) VALUES (1, 'shipped'), (2, 'it''s: done')\")",
                    "    op.execute('DELETE FROM orders')",
                ),
            ),
            (
                "c3",
                revision(
                    "c3",
                    "'b2'",
                    "    rename_enum_value('status', 'paid', 'settled')\n    rename_enum_value('status', 'paid', 'settled')\n\
                     \x20   if not enum_exists('priority'):\n        create_enum('priority', ['low', 'high'], schema='public')\n\
                     \x20   op.execute(\"INSERT INTO orders (id, status) VALUES (3, 'settled')\")",
                    "    op.execute('DELETE FROM orders WHERE id = 3')\n    rename_enum_value('status', 'settled', 'paid')\n    drop_enum('priority')",
                ),
            ),
            (
                "d4",
                revision("d4", "'c3'", "    add_enum_values('status', ['first'], before='new')\n    add_enum_values('status', ['x1', 'x2'], after='new')", "    pass"),
            ),
        ],
    );
    let check = run_migdoc(&["check".into(), tmp.path().display().to_string(), "--sqlalchemy-version".into(), "2.0".into(), "--output-format".into(), "json".into(), "--ignore".into(), "MD218".into()]);
    let report: serde_json::Value = serde_json::from_str(&check.stdout).unwrap_or_else(|e| panic!("{e}: {}", check.stderr));
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    assert_eq!(report["summary"]["unknown_operations"], 0, "every helper call is understood");
    let (code, report) = verify(tmp.path());
    assert_eq!(code, 0, "{report}");
    for mode in ["upgrade_head", "step_by_step", "roundtrip"] {
        assert_eq!(report["verify"][mode]["ok"], true, "{mode}: {}", report["verify"][mode]);
    }
    // No MD402: the migrated catalog (labels in order, `settled` renamed, `priority`) is the replay's.
    assert_eq!(report["diagnostics"], serde_json::json!([]), "{}", report["diagnostics"]);
}

#[test]
fn helper_misuse_fails_for_real_as_predicted() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path(), &[("a1", revision("a1", "None", "    add_enum_values('ghost', ['x'])", "    pass"))]);
    let check = run_migdoc(&["check".into(), tmp.path().display().to_string(), "--sqlalchemy-version".into(), "2.0".into(), "--output-format".into(), "concise".into()]);
    assert!(check.stdout.contains("MD202"), "{}", check.stdout);
    let (code, report) = verify(tmp.path());
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["verify"]["upgrade_head"]["sqlstate"], "42704", "{}", report["verify"]);
    let md401: Vec<&serde_json::Value> = report["diagnostics"].as_array().into_iter().flatten().filter(|d| d["code"] == "MD401").collect();
    assert!(!md401.is_empty() && md401.iter().all(|d| !d["message"].as_str().unwrap_or_default().contains("not predicted")), "{}", report["diagnostics"]);
}

#[test]
fn new_migration_writes_a_revision_on_the_head_that_alembic_loads() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(tmp.path(), &[("a1", revision("a1", "None", "    create_enum('status', ['new'])", "    drop_enum('status')"))]);
    let first = run_migdoc(&["new-migration".into(), tmp.path().display().to_string(), "-m".into(), "Add \"order\" status".into()]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let path = tmp.path().join(first.stdout.trim());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.contains("down_revision = \"a1\"") && text.contains("from migdoc.alembic import"), "{text}");
    let second = run_migdoc(&["new-migration".into(), tmp.path().display().to_string(), "-m".into(), "second".into()]);
    let second_text = std::fs::read_to_string(tmp.path().join(second.stdout.trim())).unwrap_or_default();
    let first_rev = path.file_name().map(|n| n.to_string_lossy()[..12].to_owned()).unwrap_or_default();
    assert!(second_text.contains(&format!("down_revision = \"{first_rev}\"")), "{second_text}");
    let check = run_migdoc(&["check".into(), tmp.path().display().to_string(), "--output-format".into(), "concise".into(), "--ignore".into(), "MD218".into()]);
    assert_eq!((check.code, check.stdout.as_str()), (0, ""), "{}", check.stderr);
    // Alembic loads the files and sees one head: the second migration.
    let heads = std::process::Command::new(pyenv_python("sa20"))
        .args(["-m", "alembic", "heads"])
        .current_dir(tmp.path())
        .env("PYTHONPATH", repo_root().join("python"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let heads = String::from_utf8_lossy(&heads.stdout);
    assert!(heads.trim().starts_with(&second.stdout.trim().rsplit('/').next().unwrap_or_default()[..12]), "{heads}");
    // Two heads: it refuses to guess.
    write_files(tmp.path(), &[("migrations/versions/z9.py", &revision("z9", "'a1'", "    pass", "    pass"))]);
    let refused = run_migdoc(&["new-migration".into(), tmp.path().display().to_string(), "-m".into(), "third".into()]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("2 heads") && refused.stderr.contains("--head"), "{}", refused.stderr);
}
