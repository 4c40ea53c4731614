//! `migdoc.alembic`, the enum helpers shipped in the wheel: real Alembic runs migrations that use
//! them (with `python/` on PYTHONPATH, as the installed package would be), and `migdoc verify`
//! compares every deploy mode and the migrated catalog with what `check` predicted.

use std::path::Path;

use crate::support::{ENV_PY, pyenv_python, repo_root, run_migdoc, write_files};

const HEAD: &str = "import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n\
                    from migdoc.alembic import add_enum_values, create_enum, drop_enum, enum_exists, rename_enum_value\n\n";

fn revision(id: &str, down: &str, upgrade: &str, downgrade: &str) -> String {
    format!(
        "{HEAD}revision = '{id}'\ndown_revision = {down}\n\ndef upgrade():\n{upgrade}\n\ndef downgrade():\n{downgrade}\n"
    )
}

fn project(dir: &Path, revisions: &[(&str, String)]) {
    let mut files: Vec<(String, String)> = vec![
        (
            "alembic.ini".into(),
            "[alembic]\nscript_location = migrations\n".into(),
        ),
        ("migrations/env.py".into(), ENV_PY.into()),
    ];
    files.extend(
        revisions
            .iter()
            .map(|(name, text)| (format!("migrations/versions/{name}.py"), text.clone())),
    );
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write_files(dir, &borrowed);
}

fn verify(dir: &Path) -> (i32, serde_json::Value) {
    let python = pyenv_python("sa20");
    let out = crate::support::migdoc()
        .args([
            "verify",
            &dir.display().to_string(),
            "--python",
            &python.display().to_string(),
            "--output-format",
            "json",
        ])
        .env("PYTHONPATH", repo_root().join("python"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}{}", String::from_utf8_lossy(&out.stderr)));
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
                revision(
                    "d4",
                    "'c3'",
                    "    add_enum_values('status', ['first'], before='new')\n    add_enum_values('status', ['x1', 'x2'], after='new')",
                    "    pass",
                ),
            ),
        ],
    );
    let check = run_migdoc(&[
        "check".into(),
        tmp.path().display().to_string(),
        "--sqlalchemy-version".into(),
        "2.0".into(),
        "--output-format".into(),
        "json".into(),
        "--ignore".into(),
        "MD218".into(),
    ]);
    let report: serde_json::Value =
        serde_json::from_str(&check.stdout).unwrap_or_else(|e| panic!("{e}: {}", check.stderr));
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    assert_eq!(
        report["summary"]["unknown_operations"], 0,
        "every helper call is understood"
    );
    let (code, report) = verify(tmp.path());
    assert_eq!(code, 0, "{report}");
    for mode in ["upgrade_head", "step_by_step", "roundtrip"] {
        assert_eq!(
            report["verify"][mode]["ok"], true,
            "{mode}: {}",
            report["verify"][mode]
        );
    }
    // No MD402: the migrated catalog (labels in order, `settled` renamed, `priority`) is the replay's.
    assert_eq!(
        report["diagnostics"],
        serde_json::json!([]),
        "{}",
        report["diagnostics"]
    );
}

#[test]
fn helper_misuse_fails_for_real_as_predicted() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(
        tmp.path(),
        &[(
            "a1",
            revision(
                "a1",
                "None",
                "    add_enum_values('ghost', ['x'])",
                "    pass",
            ),
        )],
    );
    let check = run_migdoc(&[
        "check".into(),
        tmp.path().display().to_string(),
        "--sqlalchemy-version".into(),
        "2.0".into(),
        "--output-format".into(),
        "concise".into(),
    ]);
    assert!(check.stdout.contains("MD202"), "{}", check.stdout);
    let (code, report) = verify(tmp.path());
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        report["verify"]["upgrade_head"]["sqlstate"], "42704",
        "{}",
        report["verify"]
    );
    let md401: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "MD401")
        .collect();
    assert!(
        !md401.is_empty()
            && md401.iter().all(|d| !d["message"]
                .as_str()
                .unwrap_or_default()
                .contains("not predicted")),
        "{}",
        report["diagnostics"]
    );
}

#[test]
fn new_migration_writes_a_revision_on_the_head_that_alembic_loads() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(
        tmp.path(),
        &[(
            "a1",
            revision(
                "a1",
                "None",
                "    create_enum('status', ['new'])",
                "    drop_enum('status')",
            ),
        )],
    );
    let first = run_migdoc(&[
        "new-migration".into(),
        tmp.path().display().to_string(),
        "-m".into(),
        "Add \"order\" status".into(),
    ]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let path = tmp.path().join(first.stdout.trim());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.contains("down_revision = 'a1'")
            && text.contains("#     from migdoc.alembic import create_enum"),
        "{text}"
    );
    // No import the file does not use (the guidance is comments).
    assert!(
        !text
            .lines()
            .any(|l| l.starts_with("import ") || l.starts_with("from ")),
        "{text}"
    );
    let second = run_migdoc(&[
        "new-migration".into(),
        tmp.path().display().to_string(),
        "-m".into(),
        "second".into(),
    ]);
    let second_text =
        std::fs::read_to_string(tmp.path().join(second.stdout.trim())).unwrap_or_default();
    let first_rev = path
        .file_name()
        .map(|n| n.to_string_lossy()[..12].to_owned())
        .unwrap_or_default();
    assert!(
        second_text.contains(&format!("down_revision = '{first_rev}'")),
        "{second_text}"
    );
    let check = run_migdoc(&[
        "check".into(),
        tmp.path().display().to_string(),
        "--output-format".into(),
        "concise".into(),
        "--ignore".into(),
        "MD218".into(),
    ]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, ""),
        "{}",
        check.stderr
    );
    // Alembic loads the files and sees one head: the second migration.
    let heads = std::process::Command::new(pyenv_python("sa20"))
        .args(["-m", "alembic", "heads"])
        .current_dir(tmp.path())
        .env("PYTHONPATH", repo_root().join("python"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let heads = String::from_utf8_lossy(&heads.stdout);
    assert!(
        heads
            .trim()
            .starts_with(&second.stdout.trim().rsplit('/').next().unwrap_or_default()[..12]),
        "{heads}"
    );
    // Two heads: it refuses to guess.
    write_files(
        tmp.path(),
        &[(
            "migrations/versions/z9.py",
            &revision("z9", "'a1'", "    pass", "    pass"),
        )],
    );
    let refused = run_migdoc(&[
        "new-migration".into(),
        tmp.path().display().to_string(),
        "-m".into(),
        "third".into(),
    ]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("2 heads") && refused.stderr.contains("--head"),
        "{}",
        refused.stderr
    );
}

/// `new-migration` renders the project's own `script.py.mako` and names the file with its
/// `file_template`, as `alembic revision` does: both are run on the same project and their files
/// compared (ids and dates aside, and the bodies, where migdoc writes its guidance).
#[test]
fn new_migration_renders_the_projects_template_like_alembic_revision() {
    let python = pyenv_python("sa20");
    let alembic_dir = std::process::Command::new(&python)
        .args([
            "-c",
            "import alembic, os; print(os.path.dirname(alembic.__file__))",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let generic = std::path::PathBuf::from(String::from_utf8_lossy(&alembic_dir.stdout).trim())
        .join("templates/generic/script.py.mako");
    let template = std::fs::read_to_string(&generic)
        .unwrap_or_else(|e| panic!("{}: {e}", generic.display()))
        + "# this project's own template\n";
    let ini = "[alembic]\nscript_location = migrations\nfile_template = %%(year)d_%%(month).2d_%%(day).2d-%%(rev)s_%%(slug)s\ntruncate_slug_length = 10\n";
    let make = |dir: &Path| {
        project(
            dir,
            &[("a1", revision("a1", "None", "    pass", "    pass"))],
        );
        write_files(
            dir,
            &[
                ("alembic.ini", ini),
                ("migrations/script.py.mako", &template),
            ],
        );
    };
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (ours, theirs) = (tmp.path().join("ours"), tmp.path().join("theirs"));
    make(&ours);
    make(&theirs);
    let message = "Add order status column";
    let out = crate::support::run_migdoc_in(
        &ours,
        &["new-migration".into(), "-m".into(), message.into()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let alembic = std::process::Command::new(&python)
        .args(["-m", "alembic", "revision", "-m", message])
        .current_dir(&theirs)
        .env("PYTHONPATH", repo_root().join("python"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        alembic.status.success(),
        "{}",
        String::from_utf8_lossy(&alembic.stderr)
    );
    let new_file = |dir: &Path| {
        std::fs::read_dir(dir.join("migrations/versions"))
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n != "a1.py" && n.to_string_lossy().ends_with(".py"))
            })
            .unwrap_or_else(|| panic!("no new file in {}", dir.display()))
    };
    let (our_path, their_path) = (new_file(&ours), new_file(&theirs));
    assert_eq!(
        out.stdout.trim(),
        format!(
            "migrations/versions/{}",
            our_path.file_name().unwrap_or_default().to_string_lossy()
        )
    );
    // Same name shape: date, then the id, then the slug cut at 10 characters.
    let shape = |p: &Path| {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let (date, rest) = name.split_once('-').unwrap_or_default();
        (
            date.len(),
            rest.split_once('_')
                .map(|(id, slug)| (id.len(), slug.to_owned())),
        )
    };
    assert_eq!(
        shape(&our_path),
        shape(&their_path),
        "{} vs {}",
        our_path.display(),
        their_path.display()
    );
    assert_eq!(
        shape(&our_path).1.map(|s| s.1),
        Some("add_order_.py".to_owned())
    );
    // Same text up to the bodies, once ids and dates are set aside.
    let normalize = |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let id = name
            .split_once('-')
            .and_then(|(_, rest)| rest.split_once('_'))
            .map(|(id, _)| id.to_owned())
            .unwrap_or_default();
        text.replace(&id, "<id>")
            .lines()
            .map(|l| {
                if l.starts_with("Create Date: ") {
                    "Create Date: <date>"
                } else {
                    l
                }
            })
            .take_while(|l| !l.starts_with("def upgrade"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(normalize(&our_path), normalize(&their_path));
    let ours_text = std::fs::read_to_string(&our_path).unwrap_or_default();
    assert!(
        ours_text.contains("# this project's own template") && ours_text.contains("create_enum("),
        "{ours_text}"
    );
    // Alembic loads the result and sees it as the head on a1.
    std::fs::remove_file(&their_path).unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        &our_path,
        theirs
            .join("migrations/versions")
            .join(our_path.file_name().unwrap_or_default()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let heads = std::process::Command::new(&python)
        .args(["-m", "alembic", "heads"])
        .current_dir(&theirs)
        .env("PYTHONPATH", repo_root().join("python"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let id = shape(&our_path)
        .1
        .map(|_| {
            our_path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .split_once('-')
                .map(|(_, r)| r[..12].to_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    assert!(
        String::from_utf8_lossy(&heads.stdout).starts_with(&id),
        "{}",
        String::from_utf8_lossy(&heads.stdout)
    );
}

/// A history with a cycle, or a template migdoc cannot render: refused, nothing written.
#[test]
fn new_migration_refuses_what_it_cannot_do_exactly() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(
        tmp.path(),
        &[
            ("a1", revision("a1", "'b2'", "    pass", "    pass")),
            ("b2", revision("b2", "'a1'", "    pass", "    pass")),
        ],
    );
    let count = |dir: &Path| {
        std::fs::read_dir(dir.join("migrations/versions"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    let out = run_migdoc(&[
        "new-migration".into(),
        tmp.path().display().to_string(),
        "-m".into(),
        "x".into(),
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cycle (a1, b2)") || out.stderr.contains("cycle (b2, a1)"),
        "{}",
        out.stderr
    );
    assert_eq!(count(tmp.path()), 2);

    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    project(
        tmp.path(),
        &[("a1", revision("a1", "None", "    pass", "    pass"))],
    );
    write_files(
        tmp.path(),
        &[(
            "migrations/script.py.mako",
            "% for db in dbs:\nx\n% endfor\n",
        )],
    );
    let out = run_migdoc(&[
        "new-migration".into(),
        tmp.path().display().to_string(),
        "-m".into(),
        "x".into(),
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("migrations/script.py.mako uses the control line `% for db in dbs:`")
            && out.stderr.contains("alembic revision"),
        "{}",
        out.stderr
    );
    assert_eq!(count(tmp.path()), 1);
    // A template that renders no revision header is refused too.
    write_files(
        tmp.path(),
        &[("migrations/script.py.mako", "\"\"\"${message}\"\"\"\n")],
    );
    let out = run_migdoc(&[
        "new-migration".into(),
        tmp.path().display().to_string(),
        "-m".into(),
        "x".into(),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
    assert_eq!(count(tmp.path()), 1);
}
