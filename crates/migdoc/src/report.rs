//! Reporters: one pure function per output format, writing a [`Report`] to any `Write`.

use std::io::{self, IsTerminal, Write};
use std::path::{Component, Path, PathBuf};

use clap::ValueEnum;
use migdoc_linter::{Diagnostic, Report, Severity};
use migdoc_project::Sources;
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Human,
    Concise,
    Json,
    Github,
    Sarif,
    Junit,
}

pub(crate) struct Ctx<'a> {
    pub(crate) report: &'a Report,
    pub(crate) sources: &'a Sources,
    pub(crate) elapsed_ms: u128,
    pub(crate) color: bool,
    /// `migdoc verify`'s runs: shown before the diagnostics, and as `verify` in JSON.
    pub(crate) verify: Option<serde_json::Value>,
    /// Diagnostics left out by a baseline or `--changed-since`.
    pub(crate) hidden: crate::scope::Hidden,
    /// `--show-unknown`: list every operation migdoc could not evaluate and what it silences.
    pub(crate) show_unknown: bool,
    /// How paths are shown.
    pub(crate) paths: &'a Paths,
}

/// Paths as ruff shows them: relative to the current directory when inside it, absolute
/// otherwise, whatever directory the project was named by. Diagnostics carry paths relative to
/// the project root (what baselines and the cache key on); they are turned into these only here.
pub(crate) struct Paths {
    root: PathBuf,
    cwd: Option<PathBuf>,
}

impl Paths {
    pub(crate) fn new(root: &Path) -> Paths {
        Paths { root: std::path::absolute(root).unwrap_or_else(|_| root.to_owned()), cwd: std::env::current_dir().ok() }
    }

    pub(crate) fn show(&self, path: &Path) -> String {
        let abs = lexical(&if path.is_absolute() { path.to_owned() } else { self.root.join(path) });
        let relative = |abs: &Path| self.cwd.as_deref().and_then(|cwd| abs.strip_prefix(cwd).ok()).map(Path::to_owned);
        let shown = relative(&abs)
            .or_else(|| std::fs::canonicalize(&abs).ok().and_then(|c| relative(&c)))
            .unwrap_or(abs);
        let text = shown.to_string_lossy().replace('\\', "/");
        if text.is_empty() { ".".into() } else { text }
    }
}

/// `path` without `.` components and with `..` applied to what precedes it.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Colors only on a terminal, and never when `NO_COLOR` is set (<https://no-color.org>).
pub(crate) fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
}

impl Format {
    pub(crate) fn write(self, out: &mut impl Write, ctx: &Ctx) -> io::Result<()> {
        match self {
            Format::Human => human(out, ctx),
            Format::Concise => concise(out, ctx),
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, &json_value(ctx))?;
                writeln!(out)
            }
            Format::Github => github(out, ctx),
            Format::Sarif => {
                serde_json::to_writer_pretty(&mut *out, &sarif_value(ctx))?;
                writeln!(out)
            }
            Format::Junit => junit(out, ctx),
        }
    }
}


fn counts(report: &Report) -> (usize, usize, usize) {
    let count = |s: Severity| report.diagnostics.iter().filter(|d| d.severity == s).count();
    (count(Severity::Error), count(Severity::Warning), count(Severity::Info))
}

struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.0 { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.wrap(code, s.as_str())
    }
    fn blue(&self, t: &str) -> String {
        self.wrap("34", t)
    }
}

fn human(out: &mut impl Write, ctx: &Ctx) -> io::Result<()> {
    let p = Paint(ctx.color);
    if let Some(verify) = &ctx.verify {
        verify_header(out, verify, &p)?;
    }
    for d in &ctx.report.diagnostics {
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            p.bold(&ctx.paths.show(&d.path)),
            d.start.line,
            d.start.column,
            p.bold(d.rule.code()),
            p.severity(d.severity),
            d.message
        )?;
        if let Some(frame) = code_frame(ctx, d) {
            let width = d.start.line.to_string().len();
            let bar = p.blue(&format!("{:width$} |", ""));
            writeln!(out, "{bar}")?;
            writeln!(out, "{} {}", p.blue(&format!("{:width$} |", d.start.line)), frame.0)?;
            writeln!(out, "{bar} {}", p.severity(d.severity).replace(d.severity.as_str(), &frame.1))?;
        }
        if let Some(help) = &d.help {
            writeln!(out, "  = help: {help}")?;
        }
        writeln!(out)?;
    }
    summary(out, ctx, &p)
}

/// The offending line (tabs expanded) and a caret underline for the diagnostic's columns.
fn code_frame(ctx: &Ctx, d: &Diagnostic) -> Option<(String, String)> {
    d.range?;
    let (line_index, text) = match ctx.sources.files.iter().find(|f| f.path == d.path) {
        Some(file) => (&file.line_index, &file.text),
        None => {
            let module = ctx.sources.models.modules.iter().find(|m| m.path == d.path)?;
            (&module.line_index, &module.text)
        }
    };
    let line = line_index.line_text(text, d.start.line).replace('\t', "    ");
    let start = d.start.column.saturating_sub(1) as usize;
    let line_len = line.chars().count();
    let end = if d.end.line == d.start.line {
        (d.end.column.saturating_sub(1) as usize).max(start + 1)
    } else {
        line_len.max(start + 1)
    };
    let carets = format!("{}{}", " ".repeat(start), "^".repeat(end.min(line_len.max(start + 1)) - start));
    Some((line, carets))
}

fn summary(out: &mut impl Write, ctx: &Ctx, p: &Paint) -> io::Result<()> {
    let r = ctx.report;
    let (errors, warnings, infos) = counts(r);
    let verdict = if r.diagnostics.is_empty() {
        p.wrap("1;32", "All checks passed!")
    } else {
        let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        format!(
            "Found {}, {}, {}.",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(infos, "info")
        )
    };
    writeln!(out, "{verdict}")?;
    let hidden = ctx.hidden;
    if hidden.baselined > 0 {
        writeln!(out, "{} known in the baseline, not shown.", hidden.baselined)?;
    }
    if hidden.unchanged > 0 {
        writeln!(out, "{} in files this change does not touch, not shown.", hidden.unchanged)?;
    }
    writeln!(
        out,
        "{} files, {} revisions, {} {}: {}; {} of {} operations understood, {} of {} revisions fully checked; {} ms",
        r.files,
        r.revisions,
        r.heads.len(),
        if r.heads.len() == 1 { "head" } else { "heads" },
        r.heads.join(", "),
        r.operations.saturating_sub(r.unknown_operations),
        r.operations,
        r.fully_checked,
        r.revisions,
        ctx.elapsed_ms
    )?;
    if ctx.show_unknown {
        show_unknown(out, r, ctx.paths)?;
    }
    Ok(())
}

/// `--show-unknown`: each operation migdoc could not evaluate, and what it silences.
fn show_unknown(out: &mut impl Write, r: &Report, paths: &Paths) -> io::Result<()> {
    if r.unknowns.is_empty() {
        return writeln!(out, "Every operation was understood.");
    }
    writeln!(out, "{} operations migdoc could not evaluate:", r.unknowns.len())?;
    for u in &r.unknowns {
        writeln!(
            out,
            "{}:{}:{}: {} in {}(): silences {}",
            paths.show(&u.path),
            u.start.line,
            u.start.column,
            u.what,
            u.direction,
            u.silences()
        )?;
    }
    Ok(())
}

fn concise(out: &mut impl Write, ctx: &Ctx) -> io::Result<()> {
    if ctx.show_unknown {
        show_unknown(out, ctx.report, ctx.paths)?;
    }
    for d in &ctx.report.diagnostics {
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            ctx.paths.show(&d.path),
            d.start.line,
            d.start.column,
            d.rule.code(),
            d.severity.as_str(),
            d.message
        )?;
    }
    Ok(())
}

/// The JSON contract (version 1); keep it stable.
fn json_value(ctx: &Ctx) -> serde_json::Value {
    let r = ctx.report;
    let (errors, warnings, infos) = counts(r);
    let diagnostics: Vec<_> = r
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "code": d.rule.code(),
                "name": d.rule.name(),
                "severity": d.severity.as_str(),
                "path": ctx.paths.show(&d.path),
                "line": d.start.line,
                "column": d.start.column,
                "end_line": d.end.line,
                "end_column": d.end.column,
                "revision": d.revision,
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    let mut value = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": {
            "files": r.files,
            "revisions": r.revisions,
            "heads": r.heads,
            "errors": errors,
            "warnings": warnings,
            "infos": infos,
            "unknown_operations": r.unknown_operations,
            "operations": r.operations,
            "fully_checked_revisions": r.fully_checked,
            "baselined": ctx.hidden.baselined,
            "unchanged": ctx.hidden.unchanged,
            "elapsed_ms": ctx.elapsed_ms,
        }
    });
    if let Some(verify) = &ctx.verify {
        value["verify"] = verify.clone();
    }
    if ctx.show_unknown {
        value["unknown"] = r
            .unknowns
            .iter()
            .map(|u| {
                json!({
                    "path": ctx.paths.show(&u.path),
                    "line": u.start.line,
                    "column": u.start.column,
                    "revision": u.revision,
                    "direction": u.direction,
                    "what": u.what,
                    "footprint": {"names": u.footprint.names, "any_table": u.footprint.any_table, "any_type": u.footprint.any_type,
                                  "unbounded": u.footprint.is_unbounded()},
                    "silences": u.silences(),
                })
            })
            .collect();
    }
    value
}

/// What `migdoc verify` ran and how each deploy mode ended.
fn verify_header(out: &mut impl Write, verify: &serde_json::Value, p: &Paint) -> io::Result<()> {
    let total = verify["revisions"].as_array().map_or(0, Vec::len);
    let ran = verify["steps"].as_array().map_or(0, |steps| steps.iter().filter(|s| s["ok"] == true).count());
    let count = if ran == total { format!("{total} revisions") } else { format!("{ran} of {total} revisions one at a time") };
    writeln!(
        out,
        "Ran {count} with {} on {}",
        verify["python"].as_str().unwrap_or("python"),
        verify["server"].as_str().unwrap_or("PostgreSQL")
    )?;
    for (key, label) in [("upgrade_head", "upgrade head (one run)"), ("step_by_step", "one revision per run"), ("roundtrip", "downgrade base + upgrade head")] {
        let run = &verify[key];
        let verdict = if run["ok"] == true {
            p.wrap("32", "ok")
        } else if run["skipped"] == true {
            "skipped".to_owned()
        } else if run["environment"] == true {
            let at = run["revision"].as_str().map(|r| format!(" at {r}")).unwrap_or_default();
            p.wrap("33", &format!("not run{at}: the test server cannot: {} (an environment failure, not a finding)", run["error"].as_str().unwrap_or("")))
        } else {
            let at = run["revision"].as_str().map(|r| format!(" at {r}")).unwrap_or_default();
            let phase = run["phase"].as_str().map(|ph| format!(" ({ph})")).unwrap_or_default();
            p.wrap("31", &format!("failed{at}{phase}: {}", run["error"].as_str().unwrap_or("")))
        };
        writeln!(out, "  {label:<30} {verdict}")?;
    }
    writeln!(out)
}

/// GitHub Actions workflow commands; `%`, CR, LF and (in properties) `:` and `,` are escaped.
fn github(out: &mut impl Write, ctx: &Ctx) -> io::Result<()> {
    fn data(s: &str) -> String {
        s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
    }
    fn prop(s: &str) -> String {
        data(s).replace(':', "%3A").replace(',', "%2C")
    }
    for d in &ctx.report.diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        writeln!(
            out,
            "::{level} title={},file={},line={},col={},endLine={},endColumn={}::{}",
            prop(&format!("{} {}", d.rule.code(), d.rule.name())),
            prop(&ctx.paths.show(&d.path)),
            d.start.line,
            d.start.column,
            d.end.line,
            d.end.column,
            data(&message)
        )?;
    }
    Ok(())
}

/// SARIF 2.1.0 with one run, the rules that fired, and one result per diagnostic.
fn sarif_value(ctx: &Ctx) -> serde_json::Value {
    let mut rules: Vec<_> = ctx.report.diagnostics.iter().map(|d| d.rule).collect();
    rules.sort();
    rules.dedup();
    let rule_index = |rule| rules.iter().position(|r| *r == rule).unwrap_or(0);
    let rule_objects: Vec<_> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.code(),
                "name": r.name(),
                "shortDescription": { "text": r.name().replace('-', " ") },
                "fullDescription": { "text": r.docs() },
                "defaultConfiguration": { "level": sarif_level(r.default_severity()) },
            })
        })
        .collect();
    let results: Vec<_> = ctx
        .report
        .diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            json!({
                "ruleId": d.rule.code(),
                "ruleIndex": rule_index(d.rule),
                "level": sarif_level(d.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": sarif_uri(&ctx.paths.show(&d.path)) },
                        "region": {
                            "startLine": d.start.line,
                            "startColumn": d.start.column,
                            "endLine": d.end.line,
                            "endColumn": d.end.column,
                        }
                    }
                }],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "migdoc",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/migdoc/migdoc",
                "rules": rule_objects,
            }},
            "results": results,
        }]
    })
}

/// A shown path as a SARIF `uri`: a relative reference, or a `file://` URI when absolute;
/// characters a URI cannot hold are percent-encoded.
fn sarif_uri(shown: &str) -> String {
    let mut out = String::with_capacity(shown.len() + 8);
    if shown.starts_with('/') {
        out.push_str("file://");
    }
    for b in shown.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// JUnit XML, as CI servers read test results: one test suite per file, one failing test case per
/// diagnostic; a clean run is one passing test case.
fn junit(out: &mut impl Write, ctx: &Ctx) -> io::Result<()> {
    fn esc(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                // XML 1.0 allows no other control characters, even escaped.
                c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
                c => out.push(c),
            }
        }
        out
    }
    let diagnostics = &ctx.report.diagnostics;
    let seconds = ctx.elapsed_ms as f64 / 1000.0;
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="migdoc" tests="{}" failures="{}" time="{seconds:.3}">"#, diagnostics.len().max(1), diagnostics.len())?;
    if diagnostics.is_empty() {
        writeln!(out, r#"  <testsuite name="migdoc" tests="1" failures="0">"#)?;
        writeln!(out, r#"    <testcase name="migdoc check" classname="migdoc"/>"#)?;
        writeln!(out, "  </testsuite>")?;
    }
    let mut i = 0;
    while i < diagnostics.len() {
        let path = ctx.paths.show(&diagnostics[i].path);
        let n = diagnostics[i..].iter().take_while(|d| d.path == diagnostics[i].path).count();
        writeln!(out, r#"  <testsuite name="{}" tests="{n}" failures="{n}">"#, esc(&path))?;
        for d in &diagnostics[i..i + n] {
            let name = format!("{} {} at {}:{}", d.rule.code(), d.rule.name(), d.start.line, d.start.column);
            writeln!(out, r#"    <testcase name="{}" classname="{}" file="{}" line="{}">"#, esc(&name), esc(&path), esc(&path), d.start.line)?;
            let body = match &d.help {
                Some(help) => format!("{}:{}:{}: {}\nhelp: {help}", path, d.start.line, d.start.column, d.message),
                None => format!("{}:{}:{}: {}", path, d.start.line, d.start.column, d.message),
            };
            writeln!(out, r#"      <failure type="{}" message="{}">{}</failure>"#, d.severity.as_str(), esc(&d.message), esc(&body))?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
        i += n;
    }
    writeln!(out, "</testsuites>")
}
