//! The command-line habits ruff users bring: fixable markers, `--statistics`, `--quiet`,
//! `--exit-zero`, `--output-file`, `--color` with `FORCE_COLOR`/`NO_COLOR`, the GitLab format,
//! documentation URLs, shell completions, one `--output-format` flag everywhere, and a summary
//! that speaks English.

use std::path::{Path, PathBuf};

use crate::support::{migdoc, repo_root, run_migdoc, run_migdoc_in, write_files};

fn shop() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path().join("shop");
    crate::support::copy_dir(&repo_root().join("examples/shop"), &dir);
    (tmp, dir)
}

fn check(dir: &Path, extra: &[&str]) -> crate::support::Output {
    let mut args: Vec<String> = vec![
        "check".into(),
        ".".into(),
        "--sqlalchemy-version".into(),
        "2.0".into(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    run_migdoc_in(dir, &args)
}

#[test]
fn fixable_findings_are_marked_and_carried_in_json() {
    let (_tmp, dir) = shop();
    let concise = check(&dir, &["--output-format", "concise"]).stdout;
    let marked: Vec<&str> = concise.lines().filter(|l| l.contains(" [*] ")).collect();
    assert_eq!(marked.len(), 1, "{concise}");
    assert!(marked[0].contains(": MD205 [*] [error] "), "{concise}");
    let human = check(&dir, &[]).stdout;
    assert!(
        human.contains("[*] 1 fixable with `migdoc check --fix`"),
        "{human}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&check(&dir, &["--output-format", "json"]).stdout)
            .unwrap_or_else(|e| panic!("{e}"));
    let diagnostics = json["diagnostics"].as_array().cloned().unwrap_or_default();
    let fixed: Vec<_> = diagnostics.iter().filter(|d| !d["fix"].is_null()).collect();
    assert_eq!(fixed.len(), 1);
    let fix = &fixed[0]["fix"];
    assert_eq!(fix["applicability"], "safe");
    assert_eq!(
        fix["edits"][0]["location"],
        serde_json::json!({"line": 19, "column": 1}),
        "{fix}"
    );
    assert!(
        fix["edits"][0]["content"]
            .as_str()
            .is_some_and(|c| c.contains("autocommit_block()")),
        "{fix}"
    );
    for d in &diagnostics {
        let url = d["url"].as_str().unwrap_or_default();
        assert!(
            url.ends_with(&format!(
                "docs/rules.md#{}",
                d["name"].as_str().unwrap_or("?")
            )),
            "{d}"
        );
    }
    // The rule's documentation says so too, and links to itself.
    let rule = run_migdoc(&["rule".into(), "MD205".into()]).stdout;
    assert!(
        rule.contains("Fix is sometimes available")
            && rule.contains("docs/rules.md#new-label-used-in-same-transaction"),
        "{rule}"
    );
    assert!(
        !run_migdoc(&["rule".into(), "MD101".into()])
            .stdout
            .contains("Fix is")
    );
}

#[test]
fn statistics_quiet_exit_zero_and_output_file() {
    let (_tmp, dir) = shop();
    let stats = check(&dir, &["--statistics"]);
    assert_eq!(stats.code, 1);
    let lines: Vec<&str> = stats.stdout.lines().collect();
    assert_eq!(lines[0], "2\tMD101\t    multiple-heads", "{}", stats.stdout);
    assert!(
        lines.contains(&"1\tMD205\t[*] new-label-used-in-same-transaction"),
        "{}",
        stats.stdout
    );
    assert!(
        stats.stdout.contains("Found 8 findings."),
        "{}",
        stats.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&check(&dir, &["--statistics", "--output-format", "json"]).stdout)
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json[0]["code"], "MD101");
    assert_eq!(json[0]["count"], 2);
    assert_eq!(
        json.as_array().map(|a| a
            .iter()
            .map(|r| r["count"].as_u64().unwrap_or(0))
            .sum::<u64>()),
        Some(8)
    );

    let quiet = check(&dir, &["--quiet"]);
    assert_eq!(quiet.code, 1);
    assert!(
        quiet.stdout.contains("MD205")
            && !quiet.stdout.contains("Found ")
            && !quiet.stdout.contains("fully checked"),
        "{}",
        quiet.stdout
    );

    assert_eq!(check(&dir, &["--exit-zero"]).code, 0);
    // A usage error is still 2.
    assert_eq!(check(&dir, &["--exit-zero", "--select", "NOPE"]).code, 2);

    let out = check(
        &dir,
        &[
            "--output-file",
            "reports/migdoc.json",
            "--output-format",
            "json",
            "--color",
            "always",
        ],
    );
    assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{}", out.stderr);
    let written =
        std::fs::read_to_string(dir.join("reports/migdoc.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&written)
            .map(|v| v["summary"]["errors"].clone())
            .ok(),
        Some(serde_json::json!(6))
    );
}

#[test]
fn color_follows_the_flag_and_the_environment() {
    let (_tmp, dir) = shop();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = migdoc();
        cmd.current_dir(&dir)
            .args(["check", ".", "--sqlalchemy-version", "2.0"])
            .args(args)
            .env_remove("FORCE_COLOR")
            .env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stdout).contains('\x1b')
    };
    // Not a terminal: no color, unless forced.
    assert!(!run(&[], &[]));
    assert!(run(&["--color", "always"], &[]));
    assert!(run(&[], &[("FORCE_COLOR", "1")]));
    assert!(!run(&["--color", "never"], &[("FORCE_COLOR", "1")]));
    assert!(!run(&[], &[("FORCE_COLOR", "")]));
    assert!(run(&["--color", "always"], &[("NO_COLOR", "1")]));
    // Colored output says the same thing once its styles are removed.
    let plain = check(&dir, &[]).stdout;
    let colored = check(&dir, &["--color", "always"]).stdout;
    let mut stripped = String::new();
    let mut chars = colored.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            stripped.push(c);
        }
    }
    let without_time = |s: &str| {
        s.lines()
            .filter(|l| !l.contains(" ms"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_time(&stripped), without_time(&plain));
}

#[test]
fn gitlab_code_quality_report() {
    let (_tmp, dir) = shop();
    let out = check(&dir, &["--output-format", "gitlab"]);
    assert_eq!(out.code, 1);
    let issues: Vec<serde_json::Value> =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
    assert_eq!(issues.len(), 8);
    let mut fingerprints: Vec<&str> = issues
        .iter()
        .filter_map(|i| i["fingerprint"].as_str())
        .collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 8, "fingerprints must be unique");
    for issue in &issues {
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap_or("")),
            "{issue}"
        );
        let path = issue["location"]["path"].as_str().unwrap_or("");
        assert!(dir.join(path).is_file(), "{issue}");
        assert!(
            issue["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l >= 1),
            "{issue}"
        );
        assert!(
            issue["check_name"]
                .as_str()
                .is_some_and(|c| c.starts_with("MD")),
            "{issue}"
        );
    }
    // The same findings give the same fingerprints on the next run.
    let again: Vec<serde_json::Value> =
        serde_json::from_str(&check(&dir, &["--output-format", "gitlab"]).stdout)
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, issues);
}

#[test]
fn sarif_rules_link_their_documentation() {
    let (_tmp, dir) = shop();
    let sarif: serde_json::Value =
        serde_json::from_str(&check(&dir, &["--output-format", "sarif"]).stdout)
            .unwrap_or_else(|e| panic!("{e}"));
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert!(rule["helpUri"].as_str().is_some_and(|u| u.ends_with(&format!("#{}", rule["name"].as_str().unwrap_or("?")))), "{rule}");
    }
}

#[test]
fn every_subcommand_takes_output_format() {
    let (_tmp, dir) = shop();
    for (sub, format) in [("graph", "json"), ("models", "json"), ("rule", "markdown")] {
        let mut args: Vec<String> = vec![sub.into()];
        if sub == "rule" {
            args.push("--all".into());
        } else {
            args.push(dir.display().to_string());
        }
        let new =
            run_migdoc(&[args.clone(), vec!["--output-format".into(), format.into()]].concat());
        assert_eq!(new.code, 0, "{sub}: {}", new.stderr);
        // The old spelling still works and means the same.
        let old = run_migdoc(&[args, vec!["--format".into(), format.into()]].concat());
        assert_eq!(old.stdout, new.stdout, "{sub}");
    }
    let doctor = run_migdoc(&[
        "doctor".into(),
        dir.display().to_string(),
        "--output-format".into(),
        "json".into(),
        "--database-url".into(),
        "postgresql://nobody@127.0.0.1:1/none".into(),
    ]);
    assert!(
        serde_json::from_str::<serde_json::Value>(&doctor.stdout).is_ok(),
        "{}{}",
        doctor.stdout,
        doctor.stderr
    );
}

#[test]
fn shell_completions() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run_migdoc(&["generate-shell-completion".into(), shell.into()]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(
            out.stdout.contains("migdoc") && out.stdout.contains("output-format"),
            "{shell}"
        );
    }
    // bash accepts what it is given.
    let out = run_migdoc(&["generate-shell-completion".into(), "bash".into()]);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let script = tmp.path().join("migdoc.bash");
    std::fs::write(&script, &out.stdout).unwrap_or_else(|e| panic!("{e}"));
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
    assert_eq!(
        run_migdoc(&["generate-shell-completion".into(), "tcsh".into()]).code,
        2
    );
}

#[test]
fn the_summary_speaks_english() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write_files(
        tmp.path(),
        &[(
            "versions/a1.py",
            "from alembic import op\n\nrevision = 'a1'\ndown_revision = None\n\ndef upgrade():\n    op.execute('CREATE TABLE t (id int)')\n\ndef downgrade():\n    pass\n",
        )],
    );
    let out = run_migdoc_in(
        tmp.path(),
        &["check".into(), "--versions".into(), "versions".into()],
    );
    let last = out.stdout.lines().last().unwrap_or_default().to_owned();
    assert!(last.starts_with("1 file, 1 revision, 1 head: a1; 1 of 1 operation understood, 1 of 1 revision fully checked; "), "{last}");
    // A history that is one cycle has no head.
    write_files(
        tmp.path(),
        &[
            ("versions/a1.py", "revision = 'a1'\ndown_revision = 'b2'\n"),
            ("versions/b2.py", "revision = 'b2'\ndown_revision = 'a1'\n"),
        ],
    );
    let out = run_migdoc_in(
        tmp.path(),
        &["check".into(), "--versions".into(), "versions".into()],
    );
    let last = out.stdout.lines().last().unwrap_or_default().to_owned();
    assert!(
        last.contains(", no head;") && !last.contains(": ;"),
        "{last}"
    );
}
