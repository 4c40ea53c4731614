//! How Python teams install migdoc: the wheel (maturin, binary + the `migdoc` Python package) into
//! a fresh venv, `cargo install` into a fresh prefix, and the pre-commit hook through
//! `pre-commit run` with `args: [services/api]` on a copy of the example project in a subdirectory
//! (its output is a snapshot).
//! maturin and pre-commit come from the pinned `tools` venv (scripts/pyenv).

use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

use crate::support::{copy_dir, pyenv_python, repo_root};

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Both tests build the wheel with maturin in this repository's target directory, and maturin
/// stages the binary there by renaming `target/release/migdoc` to `target/maturin/migdoc`: two
/// builds at once (or a build and `cargo install`) race on that file. They take turns.
static MATURIN: Mutex<()> = Mutex::new(());

fn maturin_turn() -> MutexGuard<'static, ()> {
    MATURIN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn tools_bin(name: &str) -> std::path::PathBuf {
    pyenv_python("tools").with_file_name(name)
}

#[test]
fn wheel_and_cargo_install_run_from_fresh_environments() {
    let root = repo_root();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // The wheel, built by maturin (binary bindings) into a scratch directory.
    let wheels = tmp.path().join("wheels");
    let turn = maturin_turn();
    ok(Command::new(tools_bin("maturin"))
        .args(["build", "--release", "--quiet", "-o"])
        .arg(&wheels)
        .current_dir(&root));
    let wheel = std::fs::read_dir(&wheels)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"));
    let wheel = wheel.unwrap_or_else(|| panic!("maturin wrote no wheel"));
    let venv = tmp.path().join("venv");
    ok(Command::new("python3").args(["-m", "venv"]).arg(&venv));
    ok(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--no-index"])
        .arg(&wheel));
    let version = ok(Command::new(venv.join("bin/migdoc")).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("migdoc {}", env!("CARGO_PKG_VERSION"))
    );
    let check = run(Command::new(venv.join("bin/migdoc"))
        .args(["check", "--output-format", "concise"])
        .arg(root.join("examples/shop")));
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stdout).contains("MD101"));
    // The helpers ship in the same wheel.
    let helper = ok(Command::new(venv.join("bin/python")).args(["-c", "import migdoc, pathlib; print((pathlib.Path(migdoc.__file__).parent / 'alembic.py').is_file())"]));
    assert_eq!(helper.trim(), "True");
    // cargo install into a fresh prefix (reusing this repository's release build). It still holds
    // the turn: cargo links target/release/migdoc, the file maturin moves away.
    let prefix = tmp.path().join("prefix");
    ok(Command::new(env!("CARGO"))
        .args(["install", "--quiet", "--locked", "--path"])
        .arg(root.join("crates/migdoc"))
        .arg("--root")
        .arg(&prefix)
        .arg("--target-dir")
        .arg(root.join("target")));
    drop(turn);
    let version = ok(Command::new(prefix.join("bin/migdoc")).arg("--version"));
    assert_eq!(
        version.trim(),
        format!("migdoc {}", env!("CARGO_PKG_VERSION"))
    );
}

/// The hook as the README configures it for a project in a subdirectory (`args: [services/api]`)
/// on a copy of examples/shop inside a git repository: it fails with migdoc's findings, at paths
/// from the repository root. The output is compared with `tests/snapshots/pre-commit.txt`,
/// timings masked. pre-commit installs the hook from this repository's committed `HEAD` (CI
/// tests a clean clone; uncommitted changes are not in it).
#[test]
fn pre_commit_hook_runs_migdoc_on_the_project() {
    let root = repo_root();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path().join("repo");
    copy_dir(&root.join("examples/shop"), &repo.join("services/api"));
    let head = ok(Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["rev-parse", "HEAD"]))
    .trim()
    .to_owned();
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!("repos:\n  - repo: {}\n    rev: {head}\n    hooks:\n      - id: migdoc\n        args: [services/api]\n", root.display()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let git = |args: &[&str]| {
        ok(Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "shop"]);
    // pre-commit installs the hook with pip, which builds the wheel with maturin.
    let turn = maturin_turn();
    let out = run(Command::new(tools_bin("pre-commit"))
        .args(["run", "--all-files", "--color", "never"])
        .current_dir(&repo)
        .env("PRE_COMMIT_HOME", tmp.path().join("pre-commit-home"))
        // The clone builds in this repository's target directory, so its dependencies are reused.
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env("NO_COLOR", "1"));
    drop(turn);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // From the hook's own line on; the run time is the only thing that changes.
    let from_hook = stdout
        .lines()
        .skip_while(|l| !l.starts_with("migdoc"))
        .map(|l| match l.rfind("; ") {
            Some(at) if l.ends_with(" ms") => format!("{}; N ms", &l[..at]),
            _ => l.to_owned(),
        });
    let actual: String = from_hook.map(|l| l + "\n").collect();
    assert!(
        actual.contains("- hook id: migdoc")
            && actual
                .contains("services/api/migrations/versions/c3e5a7b9d1f2_refunds.py:12:17: MD101"),
        "{stdout}"
    );
    let path = root.join("crates/migdoc/tests/snapshots/pre-commit.txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &actual).unwrap_or_else(|e| panic!("{e}"));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "the hook's output changed (UPDATE_EXPECT=1 rewrites the snapshot):\n{actual}"
    );
}

/// A fresh clone runs the README's first command, and nothing in the repository reads a folder
/// beside it: the corpus generator the scale test and the benchmark use is the repository's own.
#[test]
fn a_fresh_clone_runs_the_readme_first_command() {
    let root = repo_root();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let clone = tmp.path().join("migdoc");
    ok(Command::new("git")
        .args(["clone", "-q"])
        .arg(&root)
        .arg(&clone));
    // The README's first command, in the clone: the example is tracked and shows its problems.
    // (Building the clone would rebuild every workspace crate for a new path: CI itself builds
    // and tests a fresh clone, so the test runs the binary under test.)
    let out = run(Command::new(env!("CARGO_BIN_EXE_migdoc"))
        .args(["check", "examples/shop", "--output-format", "concise"])
        .current_dir(&clone));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for code in ["MD002", "MD101", "MD202", "MD205", "MD214", "MD306"] {
        assert!(
            stdout.contains("examples/shop/migrations/") && stdout.contains(code),
            "{code} missing:\n{stdout}"
        );
    }
    // Everything the build needs is tracked: the clone resolves its workspace offline, locked.
    ok(Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--locked",
            "--offline",
            "--format-version",
            "1",
            "--no-deps",
        ])
        .current_dir(&clone));
    // No tracked file reaches for that folder beside the repository (the pattern is built here so
    // that this file does not match it).
    let pattern = format!("\\.\\./{}", ["sha", "red"].concat());
    let grep = Command::new("git")
        .args(["grep", "-n", "-e", &pattern, "--", ".", ":!*.md"])
        .current_dir(&clone)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        grep.stdout.is_empty(),
        "files that read outside the repository:\n{}",
        String::from_utf8_lossy(&grep.stdout)
    );
    // The corpus generator is there and writes a project migdoc reads.
    let corpus = tmp.path().join("corpus");
    ok(Command::new("python3")
        .arg(clone.join("scripts/gen_corpus.py"))
        .arg(&corpus)
        .arg("20"));
    let check = crate::support::run_migdoc(&[
        "check".into(),
        corpus.display().to_string(),
        "--output-format".into(),
        "json".into(),
        "--no-cache".into(),
    ]);
    let report: serde_json::Value = serde_json::from_str(&check.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", check.stdout, check.stderr));
    assert_eq!(report["summary"]["revisions"], 20, "{}", report["summary"]);
}
