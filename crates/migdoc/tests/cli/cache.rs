//! `migdoc check`'s cache: a warm run reports exactly what `--no-cache` reports, on every
//! scenario and fixture; an edited revision file, an edited imported module or other lowering
//! settings are seen; a corrupt or unwritable cache costs only a cold run.

use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_128;

use crate::support::{copy_dir, migdoc, repo_root};

/// `check --output-format json` (elapsed time zeroed) and the cache line of `MIGDOC_TIMINGS`:
/// how many files were parsed and lowered, `None` with `--no-cache`.
fn check(dir: &Path, extra: &[&str]) -> (serde_json::Value, Option<(usize, usize)>) {
    let mut cmd = migdoc();
    cmd.current_dir(dir)
        .arg("check")
        .arg(dir)
        .args(["--output-format", "json"])
        .args(extra)
        .env("MIGDOC_TIMINGS", "1");
    if !dir.join("alembic.ini").exists() && !dir.join("pyproject.toml").exists() {
        cmd.arg("--versions").arg(dir.join("versions"));
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: {stderr}",
        dir.display()
    );
    let mut value: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    value["summary"]["elapsed_ms"] = 0.into();
    let counts = stderr.lines().find_map(|l| {
        let rest = l.strip_prefix("cache: ")?;
        let words: Vec<&str> = rest.split_whitespace().collect();
        // "cache: P of N files parsed, L lowered"
        Some((words.first()?.parse().ok()?, words.get(5)?.parse().ok()?))
    });
    (value, counts)
}

fn projects() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for parent in [
        repo_root().join("tests/scenarios"),
        crate::support::fixtures_dir(),
    ] {
        let entries = std::fs::read_dir(&parent).unwrap_or_else(|e| panic!("{e}"));
        dirs.extend(
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir()),
        );
    }
    dirs.push(repo_root().join("examples/shop"));
    dirs.sort();
    dirs
}

/// Every scenario and fixture, copied: cold (writes the cache), warm (reads it) and without the
/// cache give the same report, and the warm run parses and lowers nothing.
#[test]
fn warm_runs_report_what_cold_runs_do() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut compared = 0;
    for (i, dir) in projects().into_iter().enumerate() {
        let copy = tmp.path().join(format!("p{i}"));
        copy_dir(&dir, &copy);
        let (uncached, none) = check(&copy, &["--no-cache"]);
        assert_eq!(none, None);
        assert!(
            !copy.join(".migdoc_cache").exists(),
            "--no-cache wrote a cache in {}",
            dir.display()
        );
        let (cold, cold_counts) = check(&copy, &[]);
        let (warm, warm_counts) = check(&copy, &[]);
        assert!(
            cold == uncached,
            "{}: the cold run differs from --no-cache",
            dir.display()
        );
        assert!(
            warm == uncached,
            "{}: the warm run differs from --no-cache:\n{warm:#}\n{uncached:#}",
            dir.display()
        );
        let files = uncached["summary"]["files"].as_u64().unwrap_or(0) as usize;
        assert_eq!(cold_counts, Some((files, files)), "{}", dir.display());
        assert_eq!(
            warm_counts,
            Some((0, 0)),
            "{}: the warm run parsed or lowered again",
            dir.display()
        );
        compared += 1;
    }
    assert!(compared > 80, "only {compared} projects");
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
}

fn revision(id: &str, down: Option<&str>, head: &str, body: &str) -> String {
    let down = down.map_or_else(|| "None".to_owned(), |d| format!("'{d}'"));
    format!(
        "\"\"\"{id}\"\"\"\n{head}from alembic import op\n\nrevision = '{id}'\ndown_revision = {down}\n\n\ndef upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n"
    )
}

/// A project whose first revision takes its labels from a project module.
fn labels_project(dir: &Path) {
    write(
        &dir.join("alembic.ini"),
        "[alembic]\nscript_location = %(here)s/migrations\nprepend_sys_path = .\n",
    );
    write(
        &dir.join("migrations/env.py"),
        "from alembic import context\n",
    );
    write(&dir.join("myapp/__init__.py"), "");
    write(&dir.join("myapp/labels.py"), "MOODS = \"'happy', 'sad'\"\n");
    write(
        &dir.join("migrations/versions/a1.py"),
        &revision(
            "a1",
            None,
            "from myapp.labels import MOODS\n",
            "    op.execute(f\"CREATE TYPE mood AS ENUM ({MOODS})\")\n    op.execute(\"CREATE TABLE t (m mood)\")",
        ),
    );
    write(
        &dir.join("migrations/versions/b2.py"),
        &revision(
            "b2",
            Some("a1"),
            "",
            "    op.execute(\"INSERT INTO t (m) VALUES ('angry')\")",
        ),
    );
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["code"].as_str().map(str::to_owned))
        .collect()
}

/// Edits are seen: a revision file (only it is parsed again), an imported module (every file is
/// lowered again), the SQLAlchemy version (lowering depends on it).
#[test]
fn edits_and_settings_invalidate_what_they_change() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path().join("project");
    labels_project(&dir);
    let (first, counts) = check(&dir, &[]);
    assert_eq!(counts, Some((2, 2)));
    let invalid_label = |report: &serde_json::Value| {
        report["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|d| d["message"].as_str().is_some_and(|m| m.contains("angry")))
    };
    assert!(invalid_label(&first), "{first:#}");

    // The imported module gains the label: nothing is parsed again, everything is lowered again.
    write(
        &dir.join("myapp/labels.py"),
        "MOODS = \"'happy', 'sad', 'angry'\"\n",
    );
    let (second, counts) = check(&dir, &[]);
    assert_eq!(counts, Some((0, 2)));
    assert!(!invalid_label(&second), "{second:#}");
    assert_eq!(second, check(&dir, &["--no-cache"]).0);

    // One revision file changes: it alone is parsed and lowered.
    write(
        &dir.join("migrations/versions/b2.py"),
        &revision(
            "b2",
            Some("a1"),
            "",
            "    # TODO: more moods\n    op.execute(\"INSERT INTO t (m) VALUES ('happy')\")",
        ),
    );
    let (third, counts) = check(&dir, &[]);
    assert_eq!(counts, Some((1, 1)));
    assert!(codes(&third).contains(&"MD217".to_owned()), "{third:#}");
    assert_eq!(third, check(&dir, &["--no-cache"]).0);

    // Another SQLAlchemy version: lowered again, parsed not.
    for version in ["2.1", "2.0", "2.0"] {
        let (warm, counts) = check(&dir, &["--sqlalchemy-version", version]);
        assert_eq!(
            warm,
            check(&dir, &["--no-cache", "--sqlalchemy-version", version]).0
        );
        assert_eq!(counts.map(|c| c.0), Some(0));
    }
    let (_, counts) = check(&dir, &["--sqlalchemy-version", "2.0"]);
    assert_eq!(
        counts,
        Some((0, 0)),
        "the same settings twice: nothing to redo"
    );

    // A renamed file is seen too (with the settings of the last run, so that only it is redone).
    std::fs::rename(
        dir.join("migrations/versions/b2.py"),
        dir.join("migrations/versions/b2_renamed.py"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (renamed, counts) = check(&dir, &["--sqlalchemy-version", "2.0"]);
    assert_eq!(counts, Some((1, 1)));
    assert_eq!(
        renamed,
        check(&dir, &["--no-cache", "--sqlalchemy-version", "2.0"]).0
    );
    assert!(
        renamed["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|d| d["path"] == "migrations/versions/b2_renamed.py"),
        "{renamed:#}"
    );
}

/// A corrupt cache file, a truncated one, one from another version, a cache directory that cannot
/// be written: the report is the same, and a cache that can be written is repaired.
#[test]
fn broken_caches_cost_only_a_cold_run() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path().join("project");
    labels_project(&dir);
    let (expected, _) = check(&dir, &["--no-cache"]);
    check(&dir, &[]);
    let cache_dir = dir.join(".migdoc_cache");
    assert_eq!(
        std::fs::read_to_string(cache_dir.join(".gitignore"))
            .unwrap_or_default()
            .lines()
            .last(),
        Some("*")
    );
    assert!(cache_dir.join("CACHEDIR.TAG").is_file());
    let file = std::fs::read_dir(&cache_dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "bin"))
        .unwrap_or_else(|| panic!("no cache file in {}", cache_dir.display()));
    let good = std::fs::read(&file).unwrap_or_else(|e| panic!("{e}"));
    let mut flipped = good.clone();
    for b in flipped.iter_mut().skip(good.len() / 2).step_by(7) {
        *b ^= 0x5a;
    }
    // Another version's cache, with a valid checksum (16 bytes of xxh3, then the version).
    let mut foreign = good[16..].to_vec();
    if let Some(b) = foreign.iter_mut().take(16).find(|b| **b == b'.') {
        *b = b'!';
    }
    let with_checksum =
        |payload: &[u8]| -> Vec<u8> { [&xxh3_128(payload).to_le_bytes()[..], payload].concat() };
    let foreign = with_checksum(&foreign);
    let huge_length = with_checksum(&[0xfb_u8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    for (what, bytes) in [
        ("garbage", b"not a cache at all".to_vec()),
        ("truncated", good[..good.len() / 3].to_vec()),
        ("flipped", flipped),
        ("foreign version", foreign),
        ("huge length", huge_length.to_vec()),
        ("empty", Vec::new()),
    ] {
        std::fs::write(&file, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let (report, counts) = check(&dir, &[]);
        assert!(report == expected, "{what}: the report changed");
        let (parsed, lowered) = counts.unwrap_or_else(|| panic!("{what}: no cache line"));
        assert!(parsed <= 2 && lowered <= 2, "{what}");
        let (_, counts) = check(&dir, &[]);
        assert_eq!(counts, Some((0, 0)), "{what}: the cache was not repaired");
    }
    // Another build of migdoc (a copy of the executable: another modification time) ignores the
    // cache, rewrites it, and then uses its own.
    let other = tmp.path().join("migdoc-other-build");
    std::fs::copy(env!("CARGO_BIN_EXE_migdoc"), &other).unwrap_or_else(|e| panic!("{e}"));
    let other_build = |dir: &Path| {
        let out = std::process::Command::new(&other)
            .arg("check")
            .arg(dir)
            .env("MIGDOC_TIMINGS", "1")
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .find(|l| l.starts_with("cache: "))
            .map(str::to_owned)
    };
    assert_eq!(check(&dir, &[]).1, Some((0, 0)));
    assert_eq!(
        other_build(&dir).as_deref(),
        Some("cache: 2 of 2 files parsed, 2 lowered")
    );
    assert_eq!(
        other_build(&dir).as_deref(),
        Some("cache: 0 of 2 files parsed, 0 lowered")
    );
    assert_eq!(check(&dir, &[]).1, Some((2, 2)));
    // A cache directory that cannot be created (under a regular file).
    let blocked = tmp.path().join("a-file");
    write(&blocked, "");
    let (report, counts) = check(
        &dir,
        &["--cache-dir", &blocked.join("cache").display().to_string()],
    );
    assert_eq!(report, expected);
    assert_eq!(counts, Some((2, 2)));
    // MIGDOC_NO_CACHE is --no-cache; MIGDOC_CACHE_DIR is --cache-dir.
    let elsewhere = tmp.path().join("elsewhere");
    let out = migdoc()
        .arg("check")
        .arg(&dir)
        .env("MIGDOC_CACHE_DIR", &elsewhere)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(1));
    assert!(elsewhere.join("CACHEDIR.TAG").is_file());
    let out = migdoc()
        .arg("check")
        .arg(&dir)
        .env("MIGDOC_NO_CACHE", "1")
        .env("MIGDOC_TIMINGS", "1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("cache:"));
}

/// Runs at once share one cache: each reads a whole file or none (writes are renamed into place),
/// and all of them report the same.
#[test]
fn concurrent_runs_agree() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path().join("shop");
    copy_dir(&repo_root().join("examples/shop"), &dir);
    let (expected, _) = check(&dir, &["--no-cache"]);
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(dir.join(".migdoc_cache"));
        let reports: Vec<serde_json::Value> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..6).map(|_| s.spawn(|| check(&dir, &[]).0)).collect();
            runs.into_iter()
                .map(|r| r.join().unwrap_or_else(|_| panic!("a run panicked")))
                .collect()
        });
        assert!(reports.iter().all(|r| *r == expected));
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.join(".migdoc_cache"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        3,
        "temporary files left behind: {leftovers:?}"
    );
}

/// Boolean environment variables take the usual spellings.
#[test]
fn no_cache_from_the_environment_accepts_one_and_zero() {
    let root = crate::support::repo_root().join("examples/shop");
    for value in ["1", "0", "true", "false", "yes", "no"] {
        let out = crate::support::migdoc()
            .args([
                "check",
                &root.display().to_string(),
                "--output-format",
                "concise",
            ])
            .env("MIGDOC_NO_CACHE", value)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            out.status.code(),
            Some(1),
            "MIGDOC_NO_CACHE={value}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
