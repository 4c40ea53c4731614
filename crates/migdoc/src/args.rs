//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "migdoc",
    version,
    about = "Keeps Alembic + PostgreSQL migration histories healthy"
)]
pub(crate) struct Args {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// When to color the output: `auto` colors a terminal unless `NO_COLOR` is set (`FORCE_COLOR`
    /// colors anything), `always`, `never`
    #[arg(long, value_enum, global = true, default_value_t = ColorArg::Auto)]
    pub(crate) color: ColorArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Where and how a report is written (`check` and `verify`).
#[derive(Debug, ClapArgs)]
pub(crate) struct OutputArgs {
    #[arg(long, value_enum, default_value_t = crate::report::Format::Human)]
    pub(crate) output_format: crate::report::Format,
    /// Write the report to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    pub(crate) output_file: Option<PathBuf>,
    /// Print the diagnostics and nothing else (no summary)
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Exit 0 even when there are findings (2 still means migdoc could not run)
    #[arg(long)]
    pub(crate) exit_zero: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check a migration history statically (no database)
    Check(CheckArgs),
    /// Show the revision graph
    Graph(GraphArgs),
    /// Show the documentation of a rule
    Rule(RuleArgs),
    /// Show the schema migdoc reads from the SQLAlchemy models
    Models(ModelsArgs),
    /// Run the real migrations on a throwaway PostgreSQL and compare with `check`
    Verify(VerifyArgs),
    /// Diagnose a live database against the history, and print (or apply) the way out
    Doctor(DoctorArgs),
    /// Write a new revision file on the current head, using the safe enum patterns
    NewMigration(NewMigrationArgs),
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell)
    GenerateShellCompletion { shell: clap_complete::Shell },
    /// Drops a killed `verify --database-url`'s scratch databases (run by verify's own clean-up;
    /// the server and the names come from the environment)
    #[command(hide = true)]
    InternalDropScratch,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct NewMigrationArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// The revision's message (its docstring and file name)
    #[arg(short, long)]
    pub(crate) message: String,
    /// The parent revision (default: the single head)
    #[arg(long, value_name = "REV")]
    pub(crate) head: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    /// The database (repeatable); default: DATABASE_URL, then sqlalchemy.url from alembic.ini
    #[arg(long, value_name = "URL")]
    pub(crate) database_url: Vec<String>,
    /// A file with one database URL per line (`#` comments)
    #[arg(long, value_name = "FILE")]
    pub(crate) urls_file: Option<PathBuf>,
    /// Diagnose every schema matching this LIKE pattern (schema-per-tenant deployments)
    #[arg(long, value_name = "PATTERN")]
    pub(crate) schemas: Option<String>,
    /// Print the plan without changing anything (the default)
    #[arg(long, conflicts_with = "apply")]
    pub(crate) dry_run: bool,
    /// Run the plan: one transaction, under an advisory lock, then diagnose again
    #[arg(long)]
    pub(crate) apply: bool,
    /// The way out when there is more than one
    #[arg(long, value_enum)]
    pub(crate) choose: Option<ChoiceArg>,
    #[arg(long = "output-format", alias = "format", value_enum, default_value_t = DoctorFormat::Text)]
    pub(crate) output_format: DoctorFormat,
    /// statement_timeout for every query, in milliseconds
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    pub(crate) statement_timeout: u64,
    /// With --apply: wait up to SECONDS for a running migration or doctor (migdoc's lock, the
    /// version table) instead of refusing at once
    #[arg(long, value_name = "SECONDS", requires = "apply")]
    pub(crate) lock_wait: Option<u64>,
    /// Databases diagnosed at once
    #[arg(long, default_value_t = 4)]
    pub(crate) jobs: usize,
    /// The project's SQLAlchemy version (found from lock files, requirements or a venv otherwise)
    #[arg(long, value_name = "VERSION")]
    pub(crate) sqlalchemy_version: Option<String>,
    /// The Python with the project's Alembic: `--choose finish` asks it for a revision's SQL
    /// (`alembic upgrade --sql`, offline) where migdoc does not know a definition completely
    /// (default: the project's .venv/ or venv/, else python3)
    #[arg(long, value_name = "PYTHON")]
    pub(crate) python: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ChoiceArg {
    Finish,
    Undo,
    Stamp,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum DoctorFormat {
    Text,
    Json,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    /// The Python interpreter of the project's environment (default: the active venv, .venv/ or
    /// venv/ in the project, else python3)
    #[arg(long, value_name = "PATH")]
    pub(crate) python: Option<PathBuf>,
    /// Use this server (migdoc creates and drops its own scratch databases) instead of a
    /// throwaway cluster
    #[arg(long, value_name = "URL")]
    pub(crate) database_url: Option<String>,
    /// The directory of initdb, pg_ctl and postgres
    #[arg(long, value_name = "DIR")]
    pub(crate) postgres_bin: Option<PathBuf>,
    /// An environment variable env.py reads the database URL from (repeatable; DATABASE_URL and
    /// the URL-like variables env.py reads are set anyway)
    #[arg(long, value_name = "NAME")]
    pub(crate) url_env: Vec<String>,
    /// The longest one revision may take in the per-revision runs before migdoc stops it and
    /// reports it [default: 600]
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) step_timeout: Option<u64>,
    /// Run the history with an env.py migdoc writes (the URL of the test server,
    /// `target_metadata = None`, the project's `transaction_per_migration` and version table),
    /// for an env.py that needs the application; always so with --versions
    #[arg(long)]
    pub(crate) generic_env: bool,
    /// Record the catalog (enum types and labels, tables and columns) after each revision of
    /// the one-revision-per-run mode, in the JSON output (`verify.steps[].catalog`)
    #[arg(long)]
    pub(crate) catalog_after_each: bool,
    /// A shell command run on each new database before the first migration, as the project's
    /// own initialisation does (e.g. a `create_all` of its initial models): it gets the URL in
    /// MIGDOC_URL, DATABASE_URL and the variables env.py reads, and the chosen Python first on
    /// PATH
    #[arg(long, value_name = "COMMAND")]
    pub(crate) prepare: Option<String>,
    /// Run the migrations inside this Flask application's app context, as `flask db upgrade`
    /// (Flask-Migrate) does: `module:app`, `module:create_app()` or `module`, as `flask --app`
    /// reads it (for revisions or an env.py that need `current_app`)
    #[arg(long, value_name = "IMPORT")]
    pub(crate) flask_app: Option<String>,
    /// The lowest severity that makes the exit code 1 [default: error, or `fail-on` in the config]
    #[arg(long, value_enum)]
    pub(crate) fail_on: Option<FailOn>,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct ModelsArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    #[arg(long = "output-format", alias = "format", value_enum, default_value_t = ModelsFormat::Text)]
    pub(crate) output_format: ModelsFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum ModelsFormat {
    Text,
    Json,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct ProjectArgs {
    /// The project directory (holding alembic.ini or pyproject.toml), or its alembic.ini
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
    /// A versions directory to read instead of the configuration (repeatable)
    #[arg(long = "versions", value_name = "DIR")]
    pub(crate) versions: Vec<PathBuf>,
    /// A module to read models from instead of following env.py's `target_metadata`
    /// (repeatable; like `[tool.migdoc] models`)
    #[arg(long = "models", value_name = "MODULE")]
    pub(crate) models: Vec<String>,
    /// A module whose models `metadata.create_all()` made before the first revision, for a
    /// history that presupposes a schema built outside it (repeatable; like `[tool.migdoc]
    /// base-models`)
    #[arg(long = "base-models", value_name = "MODULE")]
    pub(crate) base_models: Vec<String>,
}

impl ProjectArgs {
    pub(crate) fn discover(&self) -> Result<migdoc_project::Project, migdoc_project::ProjectError> {
        let mut project = migdoc_project::Project::discover(&self.path, &self.versions)?;
        if !self.models.is_empty() {
            project.models = self.models.clone();
        }
        if !self.base_models.is_empty() {
            project.base_models = self.base_models.clone();
        }
        Ok(project)
    }
}

#[derive(Debug, ClapArgs)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    /// Show how often each rule fired (and whether it can be fixed) instead of the diagnostics
    #[arg(long, conflicts_with_all = ["fix", "diff"])]
    pub(crate) statistics: bool,
    /// The lowest severity that makes the exit code 1 [default: error, or `fail-on` in the config]
    #[arg(long, value_enum)]
    pub(crate) fail_on: Option<FailOn>,
    /// The PostgreSQL major version your deployments run [default: 14, or `postgres-version`]
    #[arg(long, value_parser = clap::value_parser!(u32).range(9..=99))]
    pub(crate) postgres_version: Option<u32>,
    /// The project's SQLAlchemy version (e.g. 2.0 or 2.1.9); found from lock files,
    /// requirements, pyproject or a venv when not given
    #[arg(long, value_name = "VERSION")]
    pub(crate) sqlalchemy_version: Option<String>,
    /// Run only these rules: codes, names, code prefixes or ALL (comma-separated; replaces the
    /// config's `select`)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub(crate) select: Option<Vec<String>>,
    /// Do not run these rules (comma-separated; added to the config's `ignore`)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub(crate) ignore: Vec<String>,
    /// Report only what is not in this baseline file (written by --write-baseline)
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
    /// Write every current diagnostic to FILE as the baseline, and exit 0
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub(crate) write_baseline: Option<PathBuf>,
    /// Replay the whole history, but report only on files added or changed since this git
    /// revision (and uncommitted ones)
    #[arg(long, value_name = "GIT_REF")]
    pub(crate) changed_since: Option<String>,
    /// Replay the whole history, but report only on these files (comma-separated)
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "FILES",
        conflicts_with = "changed_since"
    )]
    pub(crate) changed_files: Option<Vec<PathBuf>>,
    /// Apply the safe fixes to the revision files, then report what is left
    #[arg(long, conflicts_with = "diff")]
    pub(crate) fix: bool,
    /// Show the safe fixes as a unified diff, change nothing (exit 1 when there is one)
    #[arg(long)]
    pub(crate) diff: bool,
    /// List every operation migdoc could not evaluate, and what each one silences
    #[arg(long)]
    pub(crate) show_unknown: bool,
    /// Parse and lower every file again, and leave the cache alone
    /// (`MIGDOC_NO_CACHE`: 1/0, true/false, yes/no, on/off)
    #[arg(long, env = "MIGDOC_NO_CACHE", value_parser = clap::builder::BoolishValueParser::new())]
    pub(crate) no_cache: bool,
    /// Where the cache lives [default: .migdoc_cache in the project root]
    #[arg(long, env = "MIGDOC_CACHE_DIR", value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum FailOn {
    Error,
    Warning,
}

impl FailOn {
    /// The flag, else the config's `fail-on`, else `error`.
    pub(crate) fn threshold(
        flag: Option<FailOn>,
        config: &migdoc_project::MigdocConfig,
    ) -> migdoc_linter::Severity {
        match (flag, config.fail_on.as_deref()) {
            (Some(FailOn::Warning), _) | (None, Some("warning")) => {
                migdoc_linter::Severity::Warning
            }
            _ => migdoc_linter::Severity::Error,
        }
    }
}

#[derive(Debug, ClapArgs)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    pub(crate) project: ProjectArgs,
    #[arg(long = "output-format", alias = "format", value_enum, default_value_t = crate::graph_view::GraphFormat::Text)]
    pub(crate) output_format: crate::graph_view::GraphFormat,
}

#[derive(Debug, ClapArgs)]
pub(crate) struct RuleArgs {
    /// A rule's code (MD101) or name (multiple-heads)
    pub(crate) name: Option<String>,
    /// Every rule
    #[arg(long, conflicts_with = "name")]
    pub(crate) all: bool,
    /// One line per rule: code, name, default severity
    #[arg(long, conflicts_with_all = ["name", "all"])]
    pub(crate) list: bool,
    /// `markdown` with --all: the rules reference page (docs/rules.md is generated this way)
    #[arg(long = "output-format", alias = "format", value_enum, default_value_t = RuleFormat::Text)]
    pub(crate) output_format: RuleFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum RuleFormat {
    Text,
    Markdown,
}
