//! The `migdoc` command line. The only crate that prints.
//!
//! Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or internal error.

mod args;
mod cache;
mod doctor;
mod fix;
mod graph_view;
mod mako;
mod models_view;
mod new_migration;
mod report;
mod scope;
mod verify;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;

use args::{Args, CheckArgs, Command, FailOn, GraphArgs, ModelsArgs, RuleArgs};
use migdoc_linter::{Rule, Settings};

// Parsing thousands of files allocates many small nodes across threads: mimalloc is much faster
// than the system allocator at that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`migdoc check | head`) is not an error worth a message.
            if e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            let mut stderr = io::stderr().lock();
            let _ = writeln!(stderr, "migdoc: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let color = args.color;
    match args.command {
        Command::Check(check) => run_check(check, color),
        Command::Graph(graph) => run_graph(graph),
        Command::Rule(rule) => run_rule(rule),
        Command::Models(models) => run_models(models),
        Command::Verify(verify) => verify::run(verify, color),
        Command::Doctor(doctor) => doctor::run(doctor),
        Command::NewMigration(new) => new_migration::run(new),
        Command::InternalDropScratch => {
            let url = std::env::var(migdoc_verify::SCRATCH_URL_VAR)
                .map_err(|_| anyhow::anyhow!("{} is not set", migdoc_verify::SCRATCH_URL_VAR))?;
            let prefix = std::env::var(migdoc_verify::SCRATCH_PREFIX_VAR)
                .map_err(|_| anyhow::anyhow!("{} is not set", migdoc_verify::SCRATCH_PREFIX_VAR))?;
            migdoc_verify::drop_scratch_databases(&url, &prefix)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::GenerateShellCompletion { shell } => {
            use clap::CommandFactory as _;
            let mut out = io::stdout().lock();
            clap_complete::generate(shell, &mut Args::command(), "migdoc", &mut out);
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A presupposed schema that cannot be read would make every replay start from the wrong
/// database: a configuration error, not a finding.
pub(crate) fn require_base_models(sources: &migdoc_project::Sources) -> anyhow::Result<()> {
    match sources.base_models.missing.as_slice() {
        [] => Ok(()),
        missing => anyhow::bail!(
            "base models not found: {} (looked for them from the project root, `prepend_sys_path` and the package the versions directory is in)",
            missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Writes a report as `--output-format`, `--output-file`, `--quiet` and `--color` say.
pub(crate) fn write_report(
    output: &args::OutputArgs,
    color: args::ColorArg,
    ctx_of: &dyn Fn(bool) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<()> {
    use io::IsTerminal as _;
    let terminal = output.output_file.is_none() && io::stdout().is_terminal();
    let colored = report::use_color(color, terminal);
    let bytes = ctx_of(colored && terminal)?;
    report::emit(&bytes, output.output_file.as_deref(), colored)
}

fn run_check(args: CheckArgs, color: args::ColorArg) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let project = args.project.discover()?;
    let config = &project.settings;
    let selection = selection(config, args.select.as_deref(), &args.ignore)?;
    let cache = (!args.no_cache).then(|| cache::Cache::open(&project, args.cache_dir.as_deref()));
    let mut sources = match &cache {
        Some(cache) => project.load_with(&|path, hash| cache.known(path, hash)),
        None => project.load(),
    };
    require_base_models(&sources)?;
    let sqlalchemy = match args
        .sqlalchemy_version
        .as_ref()
        .or(config.sqlalchemy_version.as_ref())
    {
        Some(v) => Some(parse_sqlalchemy_version(v)?),
        None => migdoc_project::detect_sqlalchemy_version(&project.root).map(|(v, _)| v),
    };
    let settings = Settings::new(
        args.postgres_version
            .or(config.postgres_version)
            .unwrap_or(14),
        sqlalchemy,
    );
    let loaded = started.elapsed();
    let lower_key = cache::lower_key(&sources, &migdoc_linter::lower_options(&project, &settings));
    let ops = migdoc_linter::lower_with(&project, &sources, &settings, |file| {
        cache.as_ref().and_then(|c| c.ops(file, lower_key))
    });
    let mut report = migdoc_linter::check_lowered(&project, &sources, &settings, &ops);
    if let Some(base) = report.base.as_ref().filter(|b| b.tables == 0) {
        anyhow::bail!(
            "the base models ({}) declare no table migdoc can read: name the modules that define the models `create_all` makes (`migdoc models --models MODULE` shows what migdoc reads)",
            base.modules.join(", ")
        );
    }
    if let Some(cache) = &cache {
        cache.store(&sources, lower_key, &ops);
    }
    migdoc_linter::apply_selection(&mut report, &project, &sources, &selection, true);
    let ops_hashes: Vec<u128> = sources.files.iter().map(|f| f.hash).collect();
    if report.diagnostics.iter().any(|d| d.fix.is_some()) {
        // The proof re-checks the project with the fixes applied: only the fixed files are
        // lowered again (the others, and the modules they import, are unchanged).
        let recheck = |sources: &migdoc_project::Sources| {
            let fixed_ops = migdoc_linter::lower_with(&project, sources, &settings, |file| {
                let i = sources.files.iter().position(|f| std::ptr::eq(f, file))?;
                (file.hash == ops_hashes[i]).then(|| ops[i].clone())
            });
            let mut report = migdoc_linter::check_lowered(&project, sources, &settings, &fixed_ops);
            migdoc_linter::apply_selection(&mut report, &project, sources, &selection, true);
            report.diagnostics
        };
        fix::prove(&mut report, &mut sources, &recheck);
    }
    if args.diff || args.fix {
        let fixed = fix::compute(&report, &sources);
        if args.diff {
            let mut out = io::BufWriter::new(io::stdout().lock());
            fix::diff(&mut out, &fixed, &report::Paths::new(&project.root))?;
            out.flush()?;
            let n: usize = fixed.iter().map(|f| f.applied).sum();
            writeln!(
                io::stderr().lock(),
                "migdoc: {n} fix{} in {} file{}",
                if n == 1 { "" } else { "es" },
                fixed.len(),
                if fixed.len() == 1 { "" } else { "s" }
            )?;
            return Ok(if fixed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        let n = fix::write(&fixed)?;
        writeln!(
            io::stderr().lock(),
            "migdoc: fixed {n} problem{} in {} file{}",
            if n == 1 { "" } else { "s" },
            fixed.len(),
            if fixed.len() == 1 { "" } else { "s" }
        )?;
        if n > 0 {
            // Report on the files as they are now.
            return run_check(CheckArgs { fix: false, ..args }, color);
        }
    }
    if let Some(path) = &args.write_baseline {
        scope::write_baseline(path, &report.diagnostics)?;
        let mut stderr = io::stderr().lock();
        writeln!(
            stderr,
            "migdoc: wrote {} diagnostics to the baseline {}",
            report.diagnostics.len(),
            path.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut hidden = scope::Hidden::default();
    if let Some(path) = args.baseline.as_ref().or(config.baseline.as_ref()) {
        hidden.baselined = scope::apply_baseline(path, &mut report.diagnostics)?;
    }
    let changed = match (&args.changed_since, &args.changed_files) {
        (Some(git_ref), _) => Some(scope::changed_since(&project.root, git_ref)?),
        (None, Some(files)) => Some(scope::given_files(&project.root, files)),
        (None, None) => None,
    };
    if let Some(files) = &changed {
        hidden.unchanged = scope::keep_changed(files, &mut report.diagnostics);
    }
    let elapsed_ms = started.elapsed().as_millis();
    if std::env::var_os("MIGDOC_TIMINGS").is_some() {
        let mut stderr = io::stderr().lock();
        let _ = writeln!(
            stderr,
            "timings: read+parse {:?}, analysis {:?}",
            loaded,
            started.elapsed() - loaded
        );
        if let Some(cache) = &cache {
            let (parsed, lowered) = cache.misses();
            let _ = writeln!(
                stderr,
                "cache: {parsed} of {} files parsed, {lowered} lowered",
                sources.files.len()
            );
        }
    }
    let paths = report::Paths::new(&project.root);
    write_report(&args.output, color, &|hyperlinks| {
        let ctx = report::Ctx {
            paths: &paths,
            report: &report,
            sources: &sources,
            elapsed_ms,
            verify: None,
            hidden,
            show_unknown: args.show_unknown,
            quiet: args.output.quiet,
            hyperlinks,
        };
        let mut out = Vec::new();
        if args.statistics {
            report::statistics(
                &mut out,
                &ctx,
                args.output.output_format == report::Format::Json,
            )?;
        } else {
            args.output.output_format.write(&mut out, &ctx)?;
        }
        Ok(out)
    })?;
    let threshold = FailOn::threshold(args.fail_on, config);
    let failed =
        !args.output.exit_zero && report.diagnostics.iter().any(|d| d.severity >= threshold);
    // The process ends here: freeing every syntax tree node by node would cost 7% of a run.
    std::mem::forget(report);
    std::mem::forget(sources);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The rules to run: `--select` (else the config's `select`), minus the config's `ignore` and
/// `--ignore`, at the configured severities.
pub(crate) fn selection(
    config: &migdoc_project::MigdocConfig,
    select: Option<&[String]>,
    ignore: &[String],
) -> anyhow::Result<migdoc_linter::RuleSelection> {
    let from_config = migdoc_linter::RuleSelection::new(
        config.select.as_deref(),
        &config.ignore,
        &config.severity,
    );
    if let Err(e) = from_config {
        anyhow::bail!("{}: {e}", config.path.display());
    }
    let ignore: Vec<String> = config.ignore.iter().chain(ignore).cloned().collect();
    migdoc_linter::RuleSelection::new(
        select.or(config.select.as_deref()),
        &ignore,
        &config.severity,
    )
    .map_err(|e| anyhow::anyhow!(e))
}

/// `2.0`, `2.1.9`, `1.4` (any PEP 440 version) → whether it is 2.1 or later.
pub(crate) fn parse_sqlalchemy_version(
    v: &str,
) -> anyhow::Result<migdoc_project::SqlalchemyVersion> {
    match migdoc_project::SqlalchemyVersion::parse(v) {
        Some(version) => Ok(version),
        None => anyhow::bail!(
            "`{v}` is not a SQLAlchemy version (expected something like 2.0 or 2.1.9)"
        ),
    }
}

fn run_graph(args: GraphArgs) -> anyhow::Result<ExitCode> {
    let project = args.project.discover()?;
    let sources = project.load();
    let report = migdoc_linter::check(&project, &sources, &Settings::default());
    let mut out = io::BufWriter::new(io::stdout().lock());
    graph_view::write(&mut out, args.output_format, &report.graph, &sources)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn run_models(args: ModelsArgs) -> anyhow::Result<ExitCode> {
    let project = args.project.discover()?;
    let sources = project.load();
    let models = migdoc_linter::read_models(&sources);
    let mut out = io::BufWriter::new(io::stdout().lock());
    models_view::write(&mut out, args.output_format, &models, &sources.models)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn run_rule(args: RuleArgs) -> anyhow::Result<ExitCode> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    if args.list {
        for rule in Rule::ALL {
            writeln!(
                out,
                "| {} | {} | {} |",
                rule.code(),
                rule.name(),
                rule.default_severity().as_str()
            )?;
        }
    } else if args.all && args.output_format == args::RuleFormat::Markdown {
        write_rules_page(&mut out)?;
    } else if args.all {
        for rule in Rule::ALL {
            write_rule(&mut out, *rule)?;
        }
    } else {
        let Some(name) = args.name else {
            anyhow::bail!("name a rule (`migdoc rule multiple-heads`) or pass --all");
        };
        let Some(rule) = Rule::from_code_or_name(&name) else {
            anyhow::bail!("no rule is called `{name}`; `migdoc rule --all` lists them");
        };
        write_rule(&mut out, rule)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The rules reference (`docs/rules.md`): a table, then each rule's documentation.
fn write_rules_page(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "# Rules\n")?;
    writeln!(
        out,
        "<!-- Generated by `migdoc rule --all --format markdown`; do not edit. -->\n"
    )?;
    writeln!(
        out,
        "Select, ignore or re-grade them in `[tool.migdoc]` (`select`, `ignore`, `severity`) by code,"
    )?;
    writeln!(
        out,
        "name or code prefix; silence one place with `# migdoc: ignore[CODE]` on the line or alone on the"
    )?;
    writeln!(
        out,
        "line before, or a whole file with `# migdoc: ignore-file[CODE]`.\n"
    )?;
    writeln!(out, "| code | name | severity |")?;
    writeln!(out, "| --- | --- | --- |")?;
    for rule in Rule::ALL {
        writeln!(
            out,
            "| [{}](#{}) | {} | {} |",
            rule.code(),
            rule.name(),
            rule.name(),
            rule.default_severity().as_str()
        )?;
    }
    writeln!(out)?;
    for rule in Rule::ALL {
        writeln!(out, "## {}\n", rule.name())?;
        let fix = if rule.has_fix() {
            " · fix sometimes available"
        } else {
            ""
        };
        writeln!(
            out,
            "`{}` · default severity: {} · added in {}{fix}\n",
            rule.code(),
            rule.default_severity().as_str(),
            rule.since()
        )?;
        // The rule's own headings sit one level below its title.
        let docs = rule.docs();
        let mut fenced = false;
        for line in docs.trim_end().lines() {
            if line.starts_with("```") {
                fenced = !fenced;
            }
            if !fenced && line.starts_with('#') {
                writeln!(out, "#{line}")?;
            } else {
                writeln!(out, "{line}")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_rule(out: &mut impl Write, rule: Rule) -> io::Result<()> {
    writeln!(out, "# {} ({})\n", rule.name(), rule.code())?;
    writeln!(
        out,
        "Default severity: {}. Added in {}.\n",
        rule.default_severity().as_str(),
        rule.since()
    )?;
    if rule.has_fix() {
        writeln!(
            out,
            "Fix is sometimes available: `migdoc check --fix` applies it, `--diff` shows it.\n"
        )?;
    }
    writeln!(out, "{}", rule.docs().trim_end())?;
    writeln!(out, "\nDocumentation: {}", rule.url())?;
    writeln!(out)
}
