//! `migdoc doctor`: diagnose live databases against the history, print the way out, and apply it
//! when asked. Several databases (`--database-url` repeated, `--urls-file`) and tenant schemas
//! (`--schemas`) are diagnosed concurrently, with a summary table.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;
use migdoc_doctor::{Choice, Client, Diagnosis, LiveState, Plan, Severity, Target};
use migdoc_graph::Graph;
use migdoc_ir::RevisionOps;
use serde::Serialize;

use crate::args::{ChoiceArg, DoctorArgs, DoctorFormat};

struct History {
    graph: Graph,
    ops: Vec<RevisionOps>,
    settings: migdoc_replay::Settings,
    project: migdoc_project::Project,
    python: Option<std::path::PathBuf>,
    /// What the project's Alembic wrote offline, by revision (asked once, whatever the tenants).
    offline: Mutex<std::collections::HashMap<String, Option<Result<String, String>>>>,
}

impl History {
    /// `alembic upgrade PARENT:REV --sql` with the project's Python; `None` for a merge
    /// revision or one migdoc does not know.
    fn offline_sql(&self, revision: &str) -> Option<Result<String, String>> {
        let mut cache = self
            .offline
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = cache.get(revision) {
            return known.clone();
        }
        let node = self.graph.node(self.graph.get(revision)?);
        let range = match node.parents.as_slice() {
            [] => revision.to_owned(),
            [parent] => format!("{}:{revision}", self.graph.node(*parent).id),
            _ => return None,
        };
        let sql = Some(
            migdoc_verify::offline_sql(&self.project, self.python.as_deref(), &range)
                .map_err(|e| e.to_string()),
        );
        cache.insert(revision.to_owned(), sql.clone());
        sql
    }
}

/// One database (or tenant schema) and what doctor found there.
#[derive(Serialize)]
struct Outcome {
    url: String,
    schema: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diagnosis: Option<Diagnosis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<Plan>,
    applied: bool,
    /// The diagnosis after `--apply`.
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<Diagnosis>,
}

impl Outcome {
    fn failed(url: String, schema: Option<String>, error: String) -> Outcome {
        Outcome {
            url,
            schema,
            error: Some(error),
            diagnosis: None,
            plan: None,
            applied: false,
            after: None,
        }
    }

    fn severity(&self) -> Option<Severity> {
        self.after
            .as_ref()
            .or(self.diagnosis.as_ref())
            .map(Diagnosis::severity)
    }

    /// Whether the database (after `--apply`, when it ran) needs something done.
    fn needs_action(&self) -> bool {
        self.after
            .as_ref()
            .or(self.diagnosis.as_ref())
            .is_some_and(|d| d.findings.iter().any(migdoc_doctor::Finding::needs_action))
    }
}

fn urls(args: &DoctorArgs, project: &migdoc_project::Project) -> anyhow::Result<Vec<String>> {
    let mut urls = args.database_url.clone();
    if let Some(file) = &args.urls_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        urls.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    if urls.is_empty() {
        if let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            urls.push(url);
        } else if let Some(url) = project
            .config
            .as_ref()
            .and_then(|c| c.sqlalchemy_url.clone())
            .filter(|u| !u.contains("driver://"))
        {
            urls.push(url);
        }
    }
    if urls.is_empty() {
        anyhow::bail!(
            "no database: pass --database-url URL (or --urls-file FILE), set DATABASE_URL, or set sqlalchemy.url in alembic.ini"
        );
    }
    Ok(urls)
}

pub(crate) fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let project = args.project.discover()?;
    let sources = project.load();
    crate::require_base_models(&sources)?;
    let urls = urls(&args, &project)?;
    let sqlalchemy = match args
        .sqlalchemy_version
        .as_ref()
        .or(project.settings.sqlalchemy_version.as_ref())
    {
        Some(v) => Some(crate::parse_sqlalchemy_version(v)?),
        None => migdoc_project::detect_sqlalchemy_version(&project.root).map(|(v, _)| v),
    };
    let env = project.env.as_ref();
    let version_table = env
        .and_then(|e| e.version_table.known())
        .unwrap_or_else(|| "alembic_version".to_owned());
    let version_schema = env.and_then(|e| e.version_table_schema.known());
    let choice = args.choose.map(|c| match c {
        ChoiceArg::Finish => Choice::Finish,
        ChoiceArg::Undo => Choice::Undo,
        ChoiceArg::Stamp => Choice::Stamp,
    });
    let graph = migdoc_linter::build_graph(&sources);
    // The PostgreSQL version changes no catalog, only which statements fail: 14 is fine here.
    let settings = migdoc_linter::Settings::new(14, sqlalchemy);
    let ops = migdoc_linter::lower(&project, &sources, &settings);
    let replay_settings = migdoc_linter::replay_settings(&project, &sources, &settings);
    let history = History {
        graph,
        ops,
        settings: replay_settings,
        project,
        python: args.python.clone(),
        offline: Mutex::default(),
    };

    // Every (url, schema) to diagnose.
    let mut targets: Vec<(String, Option<String>)> = Vec::new();
    let mut outcomes: Vec<Outcome> = Vec::new();
    for url in &urls {
        match &args.schemas {
            None => targets.push((url.clone(), None)),
            // System schemas are no tenants; the pattern goes as a bind value.
            Some(pattern) => match Client::connect(url, args.statement_timeout)
                .and_then(|mut c| c.schemas_like(pattern))
            {
                Ok(names) => targets.extend(names.into_iter().map(|s| (url.clone(), Some(s)))),
                Err(e) => outcomes.push(Outcome::failed(
                    migdoc_pg::url::mask(url),
                    None,
                    e.to_string(),
                )),
            },
        }
    }
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..args.jobs.clamp(1, 64).min(targets.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((url, schema)) = targets.get(i) else {
                        break;
                    };
                    let target = Target {
                        version_table: version_table.clone(),
                        version_schema: version_schema.clone(),
                        home: schema.clone().unwrap_or_else(|| "public".to_owned()),
                        home_only: schema.is_some(),
                    };
                    let outcome = doctor_one(
                        url,
                        schema.clone(),
                        &target,
                        &history,
                        choice,
                        args.apply,
                        args.statement_timeout,
                        args.lock_wait,
                    );
                    results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((i, outcome));
                }
            });
        }
    });
    let mut results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    results.sort_by_key(|(i, _)| *i);
    outcomes.extend(results.into_iter().map(|(_, o)| o));

    let mut out = io::BufWriter::new(io::stdout().lock());
    match args.output_format {
        DoctorFormat::Json => {
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({ "version": 1, "databases": outcomes }),
            )?;
            writeln!(out)?;
        }
        DoctorFormat::Text => text(&mut out, &outcomes, args.apply)?,
    }
    out.flush()?;
    let unreachable = outcomes.iter().any(|o| o.diagnosis.is_none());
    // A refused or failed --apply is a finding too.
    let refused = outcomes.iter().any(|o| o.error.is_some());
    // The exit codes a deploy pipeline can trust (README: "Exit codes").
    Ok(if unreachable {
        ExitCode::from(2)
    } else if refused || outcomes.iter().any(Outcome::needs_action) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[allow(clippy::too_many_arguments)]
fn doctor_one(
    url: &str,
    schema: Option<String>,
    target: &Target,
    history: &History,
    choice: Option<Choice>,
    apply: bool,
    timeout: u64,
    lock_wait: Option<u64>,
) -> Outcome {
    let shown = migdoc_pg::url::mask(url);
    let mut client = match Client::connect(url, timeout) {
        Ok(c) => c,
        Err(e) => return Outcome::failed(shown, schema, e.to_string()),
    };
    let rediagnose = |live: &LiveState| {
        migdoc_doctor::diagnose(&history.graph, &history.ops, &history.settings, live)
    };
    let diagnose =
        |client: &mut Client| -> Result<(LiveState, Diagnosis, u32), migdoc_doctor::DoctorError> {
            let (live, version) = migdoc_doctor::read_state(client, target)?;
            let diagnosis = rediagnose(&live);
            Ok((live, diagnosis, version))
        };
    let (live, diagnosis, version) = match diagnose(&mut client) {
        Ok(d) => d,
        Err(e) => return Outcome::failed(shown, schema, e.to_string()),
    };
    let offline = |revision: &str| history.offline_sql(revision);
    let plan = migdoc_doctor::plan(
        &diagnosis,
        target,
        &live,
        choice,
        version,
        (&history.graph, &history.ops, &history.settings),
        &offline,
    );
    let mut outcome = Outcome {
        url: shown,
        schema,
        error: None,
        diagnosis: Some(diagnosis),
        plan: Some(plan),
        applied: false,
        after: None,
    };
    let has_sql = outcome
        .plan
        .as_ref()
        .is_some_and(|p| p.steps.iter().any(|s| s.sql.is_some()) || p.ambiguous.is_some());
    if apply && has_sql {
        let plan = outcome
            .plan
            .as_ref()
            .map_or_else(Plan::default, Clone::clone);
        let Some(diagnosis) = outcome.diagnosis.as_ref() else {
            return outcome;
        };
        // Re-diagnosed inside the write transaction, before it commits.
        match migdoc_doctor::apply(
            &mut client,
            &plan,
            target,
            diagnosis,
            &live,
            lock_wait,
            &rediagnose,
        ) {
            Ok(after) => {
                outcome.applied = true;
                outcome.after = Some(after);
            }
            Err(e) => outcome.error = Some(e.to_string()),
        }
    }
    outcome
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Ok => "ok",
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn text(out: &mut impl Write, outcomes: &[Outcome], apply: bool) -> io::Result<()> {
    for o in outcomes {
        let place = o
            .schema
            .as_ref()
            .map(|s| format!(" (schema {s})"))
            .unwrap_or_default();
        writeln!(out, "{}{place}", o.url)?;
        if let Some(d) = &o.diagnosis {
            let recorded = if d.recorded.is_empty() {
                "nothing".to_owned()
            } else {
                d.recorded.join(", ")
            };
            writeln!(
                out,
                "  recorded: {recorded}; heads of this checkout: {}",
                d.heads.join(", ")
            )?;
            for f in &d.findings {
                writeln!(out, "  [{}] {}", severity_word(f.severity()), f.describe())?;
            }
            if d.incomplete {
                writeln!(
                    out,
                    "  (part of the history is not understood by migdoc: conclusions about the objects it may touch are left out)"
                )?;
            }
        }
        if let Some(plan) = &o.plan
            && (!plan.steps.is_empty() || plan.ambiguous.is_some())
        {
            writeln!(
                out,
                "  plan{}:",
                if apply {
                    ""
                } else {
                    " (dry run: nothing was changed; --apply runs it)"
                }
            )?;
            for (n, step) in plan.steps.iter().enumerate() {
                writeln!(out, "    {}. {}", n + 1, step.why)?;
                if let Some(sql) = &step.sql {
                    for line in sql.lines() {
                        writeln!(out, "         {line}")?;
                    }
                    if step.own_transaction {
                        writeln!(
                            out,
                            "         (runs on its own: before PostgreSQL 12, ADD VALUE cannot run in a transaction block)"
                        )?;
                    }
                }
            }
            if let Some(why) = &plan.ambiguous {
                writeln!(out, "    choose: {why}")?;
            }
        }
        if o.applied {
            writeln!(
                out,
                "  applied in one transaction under pg_advisory_lock({}).",
                migdoc_doctor::LOCK_KEY
            )?;
            if let Some(after) = &o.after {
                for f in &after.findings {
                    writeln!(
                        out,
                        "  now: [{}] {}",
                        severity_word(f.severity()),
                        f.describe()
                    )?;
                }
            }
        }
        if let Some(e) = &o.error {
            writeln!(out, "  error: {e}")?;
        }
        writeln!(out)?;
    }
    if outcomes.len() > 1 {
        writeln!(
            out,
            "{:<60} {:<20} {:<8} state",
            "database", "recorded", "severity"
        )?;
        for o in outcomes {
            let name = match &o.schema {
                Some(s) => format!("{} [{s}]", o.url),
                None => o.url.clone(),
            };
            let (recorded, state) = match (&o.error, o.after.as_ref().or(o.diagnosis.as_ref())) {
                (Some(e), _) if o.diagnosis.is_none() => (
                    "-".to_owned(),
                    format!("unreachable: {}", e.lines().next().unwrap_or("")),
                ),
                (_, Some(d)) => (
                    if d.recorded.is_empty() {
                        "-".to_owned()
                    } else {
                        d.recorded.join(",")
                    },
                    d.findings
                        .iter()
                        .map(|f| f.describe().split(':').next().unwrap_or("").to_owned())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                _ => ("-".to_owned(), String::new()),
            };
            let sev = o.severity().map_or("error", severity_word);
            writeln!(out, "{name:<60} {recorded:<20} {sev:<8} {state}")?;
        }
    }
    Ok(())
}
