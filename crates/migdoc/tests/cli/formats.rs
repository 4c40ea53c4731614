//! Snapshots of the machine-read outputs on the bundled example project (`tests/snapshots/`,
//! regenerate with `UPDATE_EXPECT=1` and review the diff), and the SARIF output validated against
//! the SARIF 2.1.0 JSON schema (from the npm package `@microsoft/jest-sarif`, cached under
//! `target/sarif-schema/`) with Python's `jsonschema` (the pinned `tools` venv).

use std::path::PathBuf;
use std::process::Command;

use crate::support::{repo_root, run_migdoc};

fn example(format: &str) -> String {
    let out = run_migdoc(&[
        "check".into(),
        repo_root().join("examples/shop").display().to_string(),
        "--output-format".into(),
        format.into(),
        "--sqlalchemy-version".into(),
        "2.0".into(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    out.stdout
}

fn snapshot(name: &str, actual: &str) {
    let path = repo_root().join("crates/migdoc/tests/snapshots").join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing (UPDATE_EXPECT=1 writes it)", path.display()));
    assert!(expected == actual, "{name} changed; review with UPDATE_EXPECT=1 and git diff:\n{actual}");
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
        assert!(pack.status.success(), "npm pack: {}", String::from_utf8_lossy(&pack.stderr));
        let tarball = String::from_utf8_lossy(&pack.stdout).trim().to_owned();
        let untar = Command::new("tar").args(["xzf", &tarball]).current_dir(&dir).status().unwrap_or_else(|e| panic!("{e}"));
        assert!(untar.success());
    }
    schema
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let schema = sarif_schema();
    let python = crate::support::pyenv_python("tools");
    let sarif = repo_root().join("target/sarif-schema/shop.sarif.json");
    std::fs::write(&sarif, example("sarif")).unwrap_or_else(|e| panic!("{e}"));
    let code = "import json, sys, jsonschema\n\
                schema = json.load(open(sys.argv[1]))\n\
                log = json.load(open(sys.argv[2]))\n\
                errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)\n\
                [print(e.message, list(e.absolute_path)) for e in errors]\n\
                print(len(log['runs'][0]['results']), 'results,', len(errors), 'errors')\n\
                sys.exit(1 if errors else 0)\n";
    let out = Command::new(python).arg("-c").arg(code).arg(&schema).arg(&sarif).output().unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("8 results, 0 errors"), "{stdout}");
}
