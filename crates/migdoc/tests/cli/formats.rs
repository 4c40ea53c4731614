//! Snapshots of the machine-read outputs on the bundled example project (`tests/snapshots/`,
//! regenerate with `UPDATE_EXPECT=1` and review the diff), and the SARIF output validated against
//! the SARIF 2.1.0 JSON schema (from the npm package `@microsoft/jest-sarif`, cached under
//! `target/sarif-schema/`) with Python's `jsonschema` (the pinned `tools` venv).

use std::path::PathBuf;
use std::process::Command;

use crate::support::{repo_root, run_migdoc_in};

/// Run from the repository root, as a CI job runs it: paths are shown from there
/// (`examples/shop/migrations/...`), so that annotations and SARIF locations point at files.
fn example(format: &str) -> String {
    let out = run_migdoc_in(
        &repo_root(),
        &[
            "check".into(),
            repo_root().join("examples/shop").display().to_string(),
            "--output-format".into(),
            format.into(),
            "--sqlalchemy-version".into(),
            "2.0".into(),
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    out.stdout
}

fn snapshot(name: &str, actual: &str) {
    let path = repo_root().join("crates/migdoc/tests/snapshots").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing (UPDATE_EXPECT=1 writes it)", path.display()));
    assert!(
        expected == actual,
        "{name} changed; review with UPDATE_EXPECT=1 and git diff:\n{actual}"
    );
}

#[test]
fn github_annotations_snapshot() {
    snapshot("shop.github.txt", &example("github"));
}

#[test]
fn sarif_snapshot() {
    snapshot("shop.sarif.json", &example("sarif"));
}

#[test]
fn junit_snapshot() {
    // The run time is the only thing that changes between runs.
    let xml = example("junit");
    let stable: String = xml
        .lines()
        .map(|l| match l.find(" time=\"") {
            Some(at) => format!("{} time=\"…\">", &l[..at]),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    snapshot("shop.junit.xml", &(stable + "\n"));
}

fn sarif_schema() -> PathBuf {
    let dir = repo_root().join("target/sarif-schema");
    let schema = dir.join("package/lib/schemas/sarif-2.1.0-rtm.5.json");
    if !schema.exists() {
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let pack = Command::new("npm")
            .args(["pack", "--silent", "@microsoft/jest-sarif@1.0.0-beta.0"])
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| panic!("npm is needed to fetch the SARIF schema: {e}"));
        assert!(
            pack.status.success(),
            "npm pack: {}",
            String::from_utf8_lossy(&pack.stderr)
        );
        let tarball = String::from_utf8_lossy(&pack.stdout).trim().to_owned();
        let untar = Command::new("tar")
            .args(["xzf", &tarball])
            .current_dir(&dir)
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(untar.success());
    }
    schema
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let schema = sarif_schema();
    let python = crate::support::pyenv_python("tools");
    // From the repository root (relative URIs) and from outside the project (absolute `file://`
    // URIs, a space in the path percent-encoded).
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let project = tmp.path().join("a project");
    crate::support::copy_dir(&repo_root().join("examples/shop"), &project);
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap_or_else(|e| panic!("{e}"));
    let outside = run_migdoc_in(
        &elsewhere,
        &[
            "check".into(),
            project.display().to_string(),
            "--output-format".into(),
            "sarif".into(),
            "--sqlalchemy-version".into(),
            "2.0".into(),
        ],
    )
    .stdout;
    assert!(
        outside.contains("\"uri\": \"file:///") && outside.contains("a%20project/"),
        "{outside}"
    );
    for (name, text) in [
        ("shop.sarif.json", example("sarif")),
        ("outside.sarif.json", outside),
    ] {
        let sarif = repo_root().join("target/sarif-schema").join(name);
        std::fs::write(&sarif, text).unwrap_or_else(|e| panic!("{e}"));
        let code = "import json, sys, jsonschema\n\
                    schema = json.load(open(sys.argv[1]))\n\
                    log = json.load(open(sys.argv[2]))\n\
                    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)\n\
                    [print(e.message, list(e.absolute_path)) for e in errors]\n\
                    print(len(log['runs'][0]['results']), 'results,', len(errors), 'errors')\n\
                    sys.exit(1 if errors else 0)\n";
        let out = Command::new(&python)
            .arg("-c")
            .arg(code)
            .arg(&schema)
            .arg(&sarif)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("8 results, 0 errors"), "{name}: {stdout}");
    }
}

/// The paths one output format shows.
fn shown_paths(format: &str, stdout: &str) -> Vec<String> {
    let json = || {
        serde_json::from_str::<serde_json::Value>(stdout)
            .unwrap_or_else(|e| panic!("{format}: {e}: {stdout}"))
    };
    match format {
        "concise" | "human" => stdout
            .lines()
            .filter_map(|l| {
                l.split_once(": MD")
                    .map(|(loc, _)| loc.rsplitn(3, ':').nth(2).unwrap_or(loc).to_owned())
            })
            .collect(),
        "json" => json()["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["path"].as_str().map(str::to_owned))
            .collect(),
        "github" => stdout
            .lines()
            .filter_map(|l| {
                l.split(",file=")
                    .nth(1)?
                    .split(',')
                    .next()
                    .map(str::to_owned)
            })
            .collect(),
        "sarif" => json()["runs"][0]["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str()
            })
            .map(|uri| {
                let path = uri.strip_prefix("file://").unwrap_or(uri);
                let mut out = Vec::new();
                let bytes = path.as_bytes();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' && i + 2 < bytes.len() + 1 {
                        out.push(
                            u8::from_str_radix(&path[i + 1..i + 3], 16)
                                .unwrap_or_else(|e| panic!("{uri}: {e}")),
                        );
                        i += 3;
                    } else {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
                String::from_utf8_lossy(&out).into_owned()
            })
            .collect(),
        "junit" => stdout
            .lines()
            .filter_map(|l| {
                l.split(" file=\"")
                    .nth(1)?
                    .split('"')
                    .next()
                    .map(str::to_owned)
            })
            .collect(),
        "diff" => stdout
            .lines()
            .filter_map(|l| l.strip_prefix("--- "))
            .map(|p| p.strip_prefix("a/").unwrap_or(p).to_owned())
            .collect(),
        _ => unreachable!("{format}"),
    }
}

/// A project in a subdirectory of a repository (`services/api`, as the README's pre-commit
/// snippet has it), checked from the repository root, from the project directory and from
/// outside both: in every output format each path shown names an existing file from where
/// migdoc ran (relative inside the current directory, absolute outside it), and naming the
/// project by its `alembic.ini` gives the same paths.
#[test]
fn paths_point_at_files_from_any_directory() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo with space");
    let project = repo.join("services/api");
    crate::support::copy_dir(&repo_root().join("examples/shop"), &project);
    let outside = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap_or_else(|e| panic!("{e}"));
    for (cwd, named) in [
        (&repo, "services/api".to_owned()),
        (&repo, "services/api/alembic.ini".to_owned()),
        (&project, ".".to_owned()),
        (&outside, project.display().to_string()),
    ] {
        for format in [
            "concise", "human", "json", "github", "sarif", "junit", "diff",
        ] {
            let mut args = vec![
                "check".to_owned(),
                named.clone(),
                "--sqlalchemy-version".into(),
                "2.0".into(),
            ];
            if format == "diff" {
                args.push("--diff".into());
            } else {
                args.extend(["--output-format".into(), format.into()]);
            }
            let out = run_migdoc_in(cwd, &args);
            assert_eq!(
                out.code,
                1,
                "{format} from {}: {}",
                cwd.display(),
                out.stderr
            );
            let paths = shown_paths(format, &out.stdout);
            assert!(
                !paths.is_empty(),
                "{format} from {}: no paths in\n{}",
                cwd.display(),
                out.stdout
            );
            for shown in paths {
                let path = std::path::Path::new(&shown);
                assert_eq!(
                    path.is_absolute(),
                    *cwd == outside,
                    "{format} from {}: {shown}",
                    cwd.display()
                );
                assert!(
                    cwd.join(path).is_file(),
                    "{format} from {}: {shown} is not a file from there",
                    cwd.display()
                );
            }
        }
    }
}

/// `--show-unknown` lists each place once: a loop migdoc unrolls runs the same unknown call once
/// per item, and the line says how many times.
#[test]
fn show_unknown_lists_each_place_once() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let versions = tmp.path().join("versions");
    std::fs::create_dir_all(&versions).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        versions.join("a.py"),
        "from alembic import op\nfrom helpers import mystery\n\nrevision = 'a'\ndown_revision = None\n\n\
         def upgrade():\n    for t in ['x', 'y', 'z']:\n        mystery('v')\n    mystery('w')\n\n\
         def downgrade():\n    pass\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = run_migdoc_in(
        tmp.path(),
        &[
            "check".into(),
            "--versions".into(),
            "versions".into(),
            "--no-cache".into(),
            "--show-unknown".into(),
        ],
    );
    let lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("silences"))
        .collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(lines[0].ends_with("(3 times)"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("4 operations migdoc could not evaluate, at 2 places:"),
        "{}",
        out.stdout
    );
}

/// The messages of the errors `check --output-format json` reports on `dir/versions`.
fn error_messages(dir: &std::path::Path) -> Vec<String> {
    let out = run_migdoc_in(
        dir,
        &[
            "check".into(),
            "--versions".into(),
            "versions".into(),
            "--no-cache".into(),
            "--output-format".into(),
            "json".into(),
        ],
    );
    let report: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["severity"] == "error")
        .map(|d| d["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Foreign keys: `DROP TABLE` of a table another table's key references fails (2BP01, MD216);
/// a key dropped (even in a `try:`) is forgotten, a renamed table keeps its references, and a
/// new table of an old name is referenced by nothing.
#[test]
fn foreign_keys_refuse_dropping_a_referenced_table() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let versions = tmp.path().join("versions");
    std::fs::create_dir_all(&versions).unwrap_or_else(|e| panic!("{e}"));
    let head = "from alembic import op\nimport sqlalchemy as sa\n\n";
    let id = "sa.Column('id', sa.Integer(), primary_key=True)";
    std::fs::write(
        versions.join("a1.py"),
        format!(
            "{head}revision = 'a1'\ndown_revision = None\n\ndef upgrade():\n    \
             op.create_table('owners', {id})\n    \
             op.create_table('tickets', {id}, sa.Column('owner_id', sa.Integer(), sa.ForeignKey('owners.id')))\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        versions.join("b2.py"),
        format!(
            "{head}revision = 'b2'\ndown_revision = 'a1'\n\ndef upgrade():\n    \
             try:\n        op.drop_constraint('tickets_owner_id_fkey', 'tickets', type_='foreignkey')\n    except Exception:\n        pass\n    \
             op.drop_table('owners')\n    \
             op.create_table('teams', {id})\n    \
             op.create_table('members', {id}, sa.Column('team_id', sa.Integer()), sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name='fk_team'))\n    \
             op.rename_table('teams', 'squads')\n    \
             op.create_table('teams', {id})\n    \
             op.drop_table('teams')\n    \
             op.drop_table('squads')\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let errors = error_messages(tmp.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("table `squads` is still referenced by a foreign key of `members`"),
        "{errors:?}"
    );
}

/// The same in raw SQL: `REFERENCES` on a column (in `CREATE TABLE` and `ADD COLUMN`),
/// `FOREIGN KEY` table constraints, `ADD CONSTRAINT ... FOREIGN KEY`, `DROP CONSTRAINT`, and
/// `DROP TABLE ... CASCADE`.
#[test]
fn foreign_keys_in_raw_sql() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let versions = tmp.path().join("versions");
    std::fs::create_dir_all(&versions).unwrap_or_else(|e| panic!("{e}"));
    let sql = [
        "CREATE TABLE a (id int PRIMARY KEY)",
        "CREATE TABLE b (id int, a_id int REFERENCES a (id))",
        "DROP TABLE a",
        "CREATE TABLE c (id int PRIMARY KEY)",
        "CREATE TABLE d (id int, c_id int, CONSTRAINT fk_d FOREIGN KEY (c_id) REFERENCES c (id))",
        "ALTER TABLE d DROP CONSTRAINT fk_d",
        "DROP TABLE c",
        "CREATE TABLE e (id int PRIMARY KEY)",
        "CREATE TABLE f (id int)",
        "ALTER TABLE f ADD COLUMN e_id int REFERENCES e",
        "DROP TABLE e CASCADE",
        "CREATE TABLE g (id int PRIMARY KEY)",
        "CREATE TABLE h (g_id int)",
        "ALTER TABLE h ADD CONSTRAINT fk_h FOREIGN KEY (g_id) REFERENCES g (id), ADD CONSTRAINT uq_h UNIQUE (g_id)",
        "DROP TABLE g",
    ];
    let body: String = sql
        .iter()
        .map(|s| format!("    op.execute(\"{s}\")\n"))
        .collect();
    std::fs::write(
        versions.join("a1.py"),
        format!("from alembic import op\n\nrevision = 'a1'\ndown_revision = None\n\ndef upgrade():\n{body}"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut errors: Vec<String> = error_messages(tmp.path())
        .iter()
        .map(|m| m.split(':').next().unwrap_or(m).to_owned())
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            "table `a` is still referenced by a foreign key of `b`",
            "table `g` is still referenced by a foreign key of `h`"
        ],
        "{errors:?}"
    );
}
