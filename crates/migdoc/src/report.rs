//! Reporters: one pure function per output format, writing a [`Report`] to any `Write`.

use std::io::{self, Write};
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
    /// GitLab Code Quality (a JSON array, as `codequality` artifacts are read)
    Gitlab,
}

pub(crate) struct Ctx<'a> {
    pub(crate) report: &'a Report,
    pub(crate) sources: &'a Sources,
    pub(crate) elapsed_ms: u128,
    /// `migdoc verify`'s runs: shown before the diagnostics, and as `verify` in JSON.
    pub(crate) verify: Option<serde_json::Value>,
    /// Diagnostics left out by a baseline or `--changed-since`.
    pub(crate) hidden: crate::scope::Hidden,
    /// `--show-unknown`: list every operation migdoc could not evaluate and what it silences.
    pub(crate) show_unknown: bool,
    /// How paths are shown.
    pub(crate) paths: &'a Paths,
    /// `--quiet`: the diagnostics and nothing else.
    pub(crate) quiet: bool,
    /// Rule codes link to their documentation (OSC 8), on a terminal that gets colors.
    pub(crate) hyperlinks: bool,
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
        Paths {
            root: std::path::absolute(root).unwrap_or_else(|_| root.to_owned()),
            cwd: std::env::current_dir().ok(),
        }
    }

    pub(crate) fn show(&self, path: &Path) -> String {
        let abs = lexical(&if path.is_absolute() {
            path.to_owned()
        } else {
            self.root.join(path)
        });
        let relative = |abs: &Path| {
            self.cwd
                .as_deref()
                .and_then(|cwd| abs.strip_prefix(cwd).ok())
                .map(Path::to_owned)
        };
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
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether to color, as ruff decides: `--color always|never`, else `FORCE_COLOR` (non-empty)
/// colors, `NO_COLOR` (non-empty, <https://no-color.org>) does not, and otherwise a terminal does.
pub(crate) fn use_color(choice: crate::args::ColorArg, terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    match choice {
        crate::args::ColorArg::Always => true,
        crate::args::ColorArg::Never => false,
        crate::args::ColorArg::Auto if set("FORCE_COLOR") => true,
        crate::args::ColorArg::Auto => !set("NO_COLOR") && terminal,
    }
}

/// Writes `report` (styled freely) to `file` or standard output; escape sequences are
/// stripped (anstream) unless `color`.
pub(crate) fn emit(bytes: &[u8], file: Option<&Path>, color: bool) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let stripped;
    let bytes = if color {
        bytes
    } else {
        stripped = anstream::adapter::strip_bytes(bytes).into_vec();
        &stripped
    };
    match file {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut out = io::stdout().lock();
            out.write_all(bytes)?;
            Ok(out.flush()?)
        }
    }
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
            Format::Gitlab => {
                serde_json::to_writer_pretty(&mut *out, &gitlab_value(ctx))?;
                writeln!(out)
            }
        }
    }
}

fn counts(report: &Report) -> (usize, usize, usize) {
    let count = |s: Severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    };
    (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    )
}

/// Styles (anstyle); [`emit`] strips them when the output is not colored.
struct Paint;

impl Paint {
    fn style(&self, style: anstyle::Style, text: &str) -> String {
        format!("{style}{text}{style:#}")
    }
    fn bold(&self, t: &str) -> String {
        self.style(anstyle::Style::new().bold(), t)
    }
    fn color(&self, color: anstyle::AnsiColor, bold: bool, t: &str) -> String {
        let style = anstyle::Style::new().fg_color(Some(color.into()));
        self.style(if bold { style.bold() } else { style }, t)
    }
    fn severity(&self, s: Severity) -> String {
        let color = match s {
            Severity::Error => anstyle::AnsiColor::Red,
            Severity::Warning => anstyle::AnsiColor::Yellow,
            Severity::Info => anstyle::AnsiColor::Cyan,
        };
        self.color(color, true, s.as_str())
    }
    fn blue(&self, t: &str) -> String {
        self.color(anstyle::AnsiColor::Blue, false, t)
    }
    /// `text` as an OSC 8 hyperlink to `url`.
    fn link(&self, url: &str, text: &str) -> String {
        format!("\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\")
    }
}

/// ` [*]` after the code of a diagnostic `--fix` can fix, as ruff marks them.
fn fix_mark(d: &Diagnostic) -> &'static str {
    if d.fix.is_some() { " [*]" } else { "" }
}

fn human(out: &mut impl Write, ctx: &Ctx) -> io::Result<()> {
    let p = Paint;
    if let Some(verify) = &ctx.verify {
        verify_header(out, verify, &p)?;
    }
    for d in &ctx.report.diagnostics {
        writeln!(
            out,
            "{}:{}:{}: {}{} [{}] {}",
            p.bold(&ctx.paths.show(&d.path)),
            d.start.line,
            d.start.column,
            if ctx.hyperlinks {
                p.link(&d.rule.url(), &p.bold(d.rule.code()))
            } else {
                p.bold(d.rule.code())
            },
            fix_mark(d),
            p.severity(d.severity),
            d.message
        )?;
        if let Some(frame) = code_frame(ctx, d) {
            let width = d.start.line.to_string().len();
            let bar = p.blue(&format!("{:width$} |", ""));
            writeln!(out, "{bar}")?;
            writeln!(
                out,
                "{} {}",
                p.blue(&format!("{:width$} |", d.start.line)),
                frame.0
            )?;
            writeln!(
                out,
                "{bar} {}",
                p.severity(d.severity)
                    .replace(d.severity.as_str(), &frame.1)
            )?;
        }
        if let Some(help) = &d.help {
            writeln!(out, "  = help: {help}")?;
        }
        writeln!(out)?;
    }
    if ctx.quiet {
        return if ctx.show_unknown {
            show_unknown(out, ctx.report, ctx.paths)
        } else {
            Ok(())
        };
    }
    summary(out, ctx, &p)
}

/// The offending line (tabs expanded) and a caret underline for the diagnostic's columns.
fn code_frame(ctx: &Ctx, d: &Diagnostic) -> Option<(String, String)> {
    d.range?;
    let (line_index, text) = match ctx.sources.files.iter().find(|f| f.path == d.path) {
        Some(file) => (&file.line_index, &file.text),
        None => {
            let module = ctx
                .sources
                .models
                .modules
                .iter()
                .find(|m| m.path == d.path)?;
            (&module.line_index, &module.text)
        }
    };
    let line = line_index
        .line_text(text, d.start.line)
        .replace('\t', "    ");
    let start = d.start.column.saturating_sub(1) as usize;
    let line_len = line.chars().count();
    let end = if d.end.line == d.start.line {
        (d.end.column.saturating_sub(1) as usize).max(start + 1)
    } else {
        line_len.max(start + 1)
    };
    let carets = format!(
        "{}{}",
        " ".repeat(start),
        "^".repeat(end.min(line_len.max(start + 1)) - start)
    );
    Some((line, carets))
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn summary(out: &mut impl Write, ctx: &Ctx, p: &Paint) -> io::Result<()> {
    let r = ctx.report;
    let (errors, warnings, infos) = counts(r);
    let verdict = if r.diagnostics.is_empty() {
        p.color(anstyle::AnsiColor::Green, true, "All checks passed!")
    } else {
        format!(
            "Found {}, {}, {}.",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(infos, "info")
        )
    };
    writeln!(out, "{verdict}")?;
    let fixable = r.diagnostics.iter().filter(|d| d.fix.is_some()).count();
    if fixable > 0 {
        writeln!(
            out,
            "[*] {fixable} fixable with `migdoc check --fix` (`--diff` shows how)."
        )?;
    }
    let hidden = ctx.hidden;
    if hidden.baselined > 0 {
        writeln!(
            out,
            "{} known in the baseline, not shown.",
            hidden.baselined
        )?;
    }
    if hidden.unchanged > 0 {
        writeln!(
            out,
            "{} in files this change does not touch, not shown.",
            hidden.unchanged
        )?;
    }
    let heads = match r.heads.len() {
        0 => "no head".to_owned(),
        1 => format!("1 head: {}", r.heads[0]),
        n => format!("{n} heads: {}", r.heads.join(", ")),
    };
    writeln!(
        out,
        "{}, {}, {heads}; {} of {} understood, {} of {} fully checked; {} ms",
        plural(r.files, "file"),
        plural(r.revisions, "revision"),
        r.operations.saturating_sub(r.unknown_operations),
        plural(r.operations, "operation"),
        r.fully_checked,
        plural(r.revisions, "revision"),
        ctx.elapsed_ms
    )?;
    if let Some(base) = &r.base {
        writeln!(
            out,
            "Every replay starts from what `create_all` of {} makes: {}, {}.",
            base.modules.join(", "),
            plural(base.tables, "table"),
            plural(base.types, "enum type")
        )?;
    }
    if let Some(models) = &r.models_summary {
        writeln!(
            out,
            "Models ({}): {} of {} compared with the replayed head{}.",
            models.modules.join(", "),
            models.compared,
            plural(models.tables, "table"),
            if models.compared < models.tables {
                "; the others may have been changed by operations migdoc could not evaluate, made outside the history, or left to another history by env.py's `include_object`"
            } else {
                ""
            }
        )?;
    }
    if ctx.show_unknown {
        show_unknown(out, r, ctx.paths)?;
    }
    Ok(())
}

/// `--statistics`: how often each rule fired, most frequent first, as ruff prints it (text), or
/// one object per rule (json).
pub(crate) fn statistics(out: &mut impl Write, ctx: &Ctx, json: bool) -> io::Result<()> {
    let mut rows: Vec<(migdoc_linter::Rule, usize, usize)> = Vec::new();
    for d in &ctx.report.diagnostics {
        match rows.iter_mut().find(|(rule, ..)| *rule == d.rule) {
            Some(row) => {
                row.1 += 1;
                row.2 += usize::from(d.fix.is_some());
            }
            None => rows.push((d.rule, 1, usize::from(d.fix.is_some()))),
        }
    }
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.code().cmp(b.0.code())));
    if json {
        let value: Vec<_> = rows
            .iter()
            .map(|(rule, count, fixable)| json!({"code": rule.code(), "name": rule.name(), "count": count, "fixable": fixable, "url": rule.url()}))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &value)?;
        return writeln!(out);
    }
    let width = rows
        .iter()
        .map(|r| r.1.to_string().len())
        .max()
        .unwrap_or(1);
    for (rule, count, fixable) in &rows {
        let mark = if *fixable > 0 { "[*]" } else { "   " };
        writeln!(
            out,
            "{count:>width$}\t{}\t{mark} {}",
            rule.code(),
            rule.name()
        )?;
    }
    let fixable: usize = rows.iter().map(|r| r.2).sum();
    if !ctx.quiet {
        if rows.is_empty() {
            writeln!(out, "All checks passed!")?;
        } else {
            writeln!(
                out,
                "Found {}.",
                plural(ctx.report.diagnostics.len(), "finding")
            )?;
            if fixable > 0 {
                writeln!(out, "[*] {fixable} fixable with `migdoc check --fix`.")?;
            }
        }
    }
    Ok(())
}

/// `--show-unknown`: each operation migdoc could not evaluate, and what it silences.
fn show_unknown(out: &mut impl Write, r: &Report, paths: &Paths) -> io::Result<()> {
    if r.unknowns.is_empty() {
        return writeln!(out, "Every operation was understood.");
    }
    // A loop migdoc unrolls runs the same code once per item: one line per place, with the
    // number of times.
    let mut places: Vec<(String, usize)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for u in &r.unknowns {
        let line = format!(
            "{}:{}:{}: {} in {}(): silences {}",
            paths.show(&u.path),
            u.start.line,
            u.start.column,
            u.what,
            u.direction,
            u.silences()
        );
        match index.get(&line) {
            Some(&i) => places[i].1 += 1,
            None => {
                index.insert(line.clone(), places.len());
                places.push((line, 1));
            }
        }
    }
    writeln!(
        out,
        "{} operations migdoc could not evaluate, at {}:",
        r.unknowns.len(),
        plural(places.len(), "place")
    )?;
    for (line, times) in places {
        if times > 1 {
            writeln!(out, "{line} ({times} times)")?;
        } else {
            writeln!(out, "{line}")?;
        }
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
            "{}:{}:{}: {}{} [{}] {}",
            ctx.paths.show(&d.path),
            d.start.line,
            d.start.column,
            d.rule.code(),
            fix_mark(d),
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
                "url": d.rule.url(),
                "fix": json_fix(ctx, d),
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
    if let Some(models) = &r.models_summary {
        value["summary"]["models"] = json!(models);
    }
    if let Some(base) = &r.base {
        value["summary"]["base"] = json!(base);
    }
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
                    "footprint": {"names": u.footprint.names, "any_table": u.footprint.any_table, "any_type": u.footprint.any_type, "columns_of": u.footprint.columns_of, "details_of": u.footprint.details_of, "labels_of": u.footprint.labels_of, "unread": u.footprint.unread,
                                  "columns": u.footprint.columns.iter().map(|(t, c)| json!({"table": t, "column": c})).collect::<Vec<_>>(),
                                  "unbounded": u.footprint.is_unbounded()},
                    "silences": u.silences(),
                })
            })
            .collect();
    }
    value
}

/// A diagnostic's fix as ruff's JSON has it: its title and its edits, with 1-based lines and
/// columns; `null` when there is none.
fn json_fix(ctx: &Ctx, d: &Diagnostic) -> serde_json::Value {
    let (Some(fix), Some(file)) = (&d.fix, ctx.sources.files.iter().find(|f| f.path == d.path))
    else {
        return serde_json::Value::Null;
    };
    let at = |offset: u32| {
        let lc = file.line_index.line_column(&file.text, offset);
        json!({"line": lc.line, "column": lc.column})
    };
    let edits: Vec<_> = fix
        .edits
        .iter()
        .map(|e| json!({"content": e.content, "location": at(e.start), "end_location": at(e.end)}))
        .collect();
    json!({"applicability": "safe", "message": fix.title, "edits": edits})
}

/// GitLab Code Quality: one issue per diagnostic, a fingerprint stable across runs (rule, path,
/// message, and which occurrence of those it is).
fn gitlab_value(ctx: &Ctx) -> serde_json::Value {
    let mut seen: Vec<(String, usize)> = Vec::new();
    let issues: Vec<_> = ctx
        .report
        .diagnostics
        .iter()
        .map(|d| {
            let path = ctx.paths.show(&d.path);
            let key = format!(
                "{}\0{}\0{}",
                d.rule.code(),
                d.path.to_string_lossy(),
                d.message
            );
            let occurrence = match seen.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((key.clone(), 0));
                    0
                }
            };
            let fingerprint = format!(
                "{:032x}",
                xxhash_rust::xxh3::xxh3_128(format!("{key}\0{occurrence}").as_bytes())
            );
            let severity = match d.severity {
                Severity::Error => "major",
                Severity::Warning => "minor",
                Severity::Info => "info",
            };
            json!({
                "description": format!("{} {}: {}", d.rule.code(), d.rule.name(), d.message),
                "check_name": d.rule.code(),
                "fingerprint": fingerprint,
                "severity": severity,
                "location": {"path": path, "lines": {"begin": d.start.line, "end": d.end.line}},
            })
        })
        .collect();
    serde_json::Value::Array(issues)
}

/// What `migdoc verify` ran and how each deploy mode ended.
fn verify_header(out: &mut impl Write, verify: &serde_json::Value, p: &Paint) -> io::Result<()> {
    let total = verify["revisions"].as_array().map_or(0, Vec::len);
    let ran = verify["steps"]
        .as_array()
        .map_or(0, |steps| steps.iter().filter(|s| s["ok"] == true).count());
    let count = if ran == total {
        format!("{total} revisions")
    } else {
        format!("{ran} of {total} revisions one at a time")
    };
    writeln!(
        out,
        "Ran {count} with {} on {}",
        verify["python"].as_str().unwrap_or("python"),
        verify["server"].as_str().unwrap_or("PostgreSQL")
    )?;
    let histories = verify["histories"].as_array().map_or(1, Vec::len);
    let step_label = if histories > 1 {
        format!("one revision per run ({histories} histories apart)")
    } else {
        "one revision per run".to_owned()
    };
    let modes = [
        ("upgrade_head", "upgrade head (one run)"),
        ("step_by_step", step_label.as_str()),
        ("roundtrip", "downgrade base + upgrade head"),
        ("upgrade_heads", "upgrade heads (one database)"),
    ];
    let width = modes.iter().map(|(_, l)| l.len()).max().unwrap_or(0) + 2;
    for (key, label) in modes {
        let run = &verify[key];
        if run.is_null() {
            continue;
        }
        let verdict = if run["ok"] == true {
            p.color(anstyle::AnsiColor::Green, false, "ok")
        } else if run["skipped"] == true {
            "skipped".to_owned()
        } else if run["environment"] == true {
            let at = run["revision"]
                .as_str()
                .map(|r| format!(" at {r}"))
                .unwrap_or_default();
            p.color(anstyle::AnsiColor::Yellow, false, &format!("not run{at}: the test server cannot: {} (an environment failure, not a finding)", run["error"].as_str().unwrap_or("")))
        } else {
            let at = run["revision"]
                .as_str()
                .map(|r| format!(" at {r}"))
                .unwrap_or_default();
            let phase = run["phase"]
                .as_str()
                .map(|ph| format!(" ({ph})"))
                .unwrap_or_default();
            p.color(
                anstyle::AnsiColor::Red,
                false,
                &format!("failed{at}{phase}: {}", run["error"].as_str().unwrap_or("")),
            )
        };
        writeln!(out, "  {label:<width$}{verdict}")?;
    }
    writeln!(out)
}

/// GitHub Actions workflow commands; `%`, CR, LF and (in properties) `:` and `,` are escaped.
fn github(out: &mut impl Write, ctx: &Ctx) -> io::Result<()> {
    fn data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
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
                "helpUri": r.url(),
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
    writeln!(
        out,
        r#"<testsuites name="migdoc" tests="{}" failures="{}" time="{seconds:.3}">"#,
        diagnostics.len().max(1),
        diagnostics.len()
    )?;
    if diagnostics.is_empty() {
        writeln!(out, r#"  <testsuite name="migdoc" tests="1" failures="0">"#)?;
        writeln!(
            out,
            r#"    <testcase name="migdoc check" classname="migdoc"/>"#
        )?;
        writeln!(out, "  </testsuite>")?;
    }
    let mut i = 0;
    while i < diagnostics.len() {
        let path = ctx.paths.show(&diagnostics[i].path);
        let n = diagnostics[i..]
            .iter()
            .take_while(|d| d.path == diagnostics[i].path)
            .count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{n}" failures="{n}">"#,
            esc(&path)
        )?;
        for d in &diagnostics[i..i + n] {
            let name = format!(
                "{} {} at {}:{}",
                d.rule.code(),
                d.rule.name(),
                d.start.line,
                d.start.column
            );
            writeln!(
                out,
                r#"    <testcase name="{}" classname="{}" file="{}" line="{}">"#,
                esc(&name),
                esc(&path),
                esc(&path),
                d.start.line
            )?;
            let body = match &d.help {
                Some(help) => format!(
                    "{}:{}:{}: {}\nhelp: {help}",
                    path, d.start.line, d.start.column, d.message
                ),
                None => format!(
                    "{}:{}:{}: {}",
                    path, d.start.line, d.start.column, d.message
                ),
            };
            writeln!(
                out,
                r#"      <failure type="{}" message="{}">{}</failure>"#,
                d.severity.as_str(),
                esc(&d.message),
                esc(&body)
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
        i += n;
    }
    writeln!(out, "</testsuites>")
}
