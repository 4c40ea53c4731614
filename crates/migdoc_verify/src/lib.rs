//! `migdoc verify`: the project's real Alembic, run by the project's own Python, on a throwaway
//! PostgreSQL (or scratch databases on a server the user names), in the three ways teams deploy:
//! `upgrade head` on an empty database, one revision per run, and the downgrade→upgrade round
//! trip. After `upgrade head` the catalog is read back (`introspect.rs`) as the same
//! [`migdoc_replay::Catalog`] the replay predicts, so the two compare as plain values.
//!
//! Invariants: nothing is written to a database migdoc did not create for the run; scratch
//! databases and the throwaway cluster are removed afterwards (the cluster even when the process
//! is killed: `migdoc_pg`'s reaper); passwords never appear in messages.

mod generic;
mod introspect;
mod runner;
mod server;

use std::path::PathBuf;

use migdoc_project::Project;
use migdoc_replay::Catalog;
use serde::Serialize;

pub use runner::find_python;
pub use server::{SCRATCH_PREFIX_VAR, SCRATCH_URL_VAR, Server, drop_scratch_databases};

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Postgres(#[from] migdoc_pg::PgError),
    #[error("{0}")]
    Python(String),
    #[error("{0}")]
    Database(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// What the user chose.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The interpreter that has the project's Alembic (`--python`); found when `None`.
    pub python: Option<PathBuf>,
    /// An existing server to create scratch databases on, instead of a throwaway cluster.
    pub database_url: Option<String>,
    pub postgres_bin: Option<PathBuf>,
    /// Environment variables env.py reads the URL from, besides those migdoc detects.
    pub url_env: Vec<String>,
    /// The longest one revision may take in the per-revision runs (default 10 minutes).
    pub step_timeout: Option<std::time::Duration>,
    /// Run the history with an env.py migdoc writes (`generic.rs`) instead of the project's
    /// own; always so for a bare versions directory.
    pub generic_env: bool,
    /// Read the catalog after each revision of the per-revision runs (`Step::catalog`).
    pub catalog_after_each: bool,
    /// A shell command run on each new scratch database before its first Alembic command
    /// (`--prepare`): what a project's own initialisation does before it upgrades (a
    /// `create_all` of its initial models, extensions).
    pub prepare: Option<String>,
    /// A Flask application to run the migrations inside (`--flask-app`, in the form of `flask
    /// --app`): its app context is pushed before Alembic reads the history, as `flask db
    /// upgrade` (Flask-Migrate) does.
    pub flask_app: Option<String>,
}

/// One deploy mode's outcome, in the shape `tests/scenarios/*/scenario.toml` records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunOutcome {
    pub ok: bool,
    /// The round trip did not run because `upgrade head` failed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
    /// Round trip only: `downgrade` or `upgrade` (the re-upgrade).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The revision whose migration failed; `None` when Alembic refused before running one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqlstate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// The test server lacks something the history needs (a PostgreSQL extension such as
    /// postgis, timescaledb or pgvector): an environment failure, not a finding.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub environment: bool,
}

impl RunOutcome {
    /// Alembic refused `upgrade head` because the history has several heads; nothing ran.
    pub fn refused_for_several_heads(&self) -> bool {
        !self.ok
            && self.revision.is_none()
            && self.exception.as_deref() == Some("CommandError")
            && self
                .error
                .as_deref()
                .is_some_and(|e| e.contains("Multiple head revisions"))
    }

    /// Marks a failure the server's environment caused (`extension "x" is not available`,
    /// `could not open extension control file`).
    pub(crate) fn classify(mut self) -> Self {
        let error = self.error.as_deref().unwrap_or_default();
        self.environment = !self.ok
            && (self.sqlstate.as_deref() == Some("58P01")
                || (error.contains("extension")
                    && (error.contains("is not available") || error.contains("control file"))));
        self
    }
}

/// Everything a verify run found.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    pub upgrade_head: RunOutcome,
    pub step_by_step: RunOutcome,
    pub roundtrip: RunOutcome,
    /// The catalog after a successful `upgrade head` (or `upgrade heads`, where Alembic
    /// refused `head` for several heads).
    #[serde(skip)]
    pub catalog: Option<Catalog>,
    /// `alembic upgrade heads` on one empty database, when the history has several heads
    /// (labelled branches, or independent histories: see [`Verified::histories`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade_heads: Option<RunOutcome>,
    /// Alembic's base-to-head order (the order of the per-revision runs).
    pub revisions: Vec<String>,
    /// The independent histories (revisions tied together through `down_revision` or
    /// `depends_on`), each base to head, when there are several: the per-revision runs deploy
    /// each on a database of its own, as `alembic upgrade <its head>` would.
    #[serde(skip_serializing_if = "one_history")]
    pub histories: Vec<Vec<String>>,
    /// Each per-revision run that happened, in order: the truth for that revision.
    pub steps: Vec<Step>,
    pub python: PathBuf,
    pub alembic_version: String,
    pub sqlalchemy_version: String,
    /// The server, password masked.
    pub server: String,
    pub postgres_version: u32,
    pub elapsed_ms: u128,
}

fn one_history(histories: &[Vec<String>]) -> bool {
    histories.len() <= 1
}

/// One revision's own run (`alembic upgrade REV` on the database the earlier ones built).
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub revision: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqlstate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub environment: bool,
    /// The catalog right after this revision (`--catalog-after-each`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog: Option<Catalog>,
    /// The catalog right before this revision, on the first revision of each history's
    /// per-revision run (`--catalog-after-each`): what the database held before any revision
    /// ran, as `--prepare` or the application (`--flask-app`) left it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog_before: Option<Catalog>,
    /// The run's outcome as the deploy mode reports it.
    #[serde(skip)]
    pub outcome: RunOutcome,
}

/// The SQL the project's own Alembic writes for `alembic upgrade RANGE --sql` (offline mode: no
/// database is touched), with the project's Python (`python`, else as `verify` finds it).
pub fn offline_sql(
    project: &Project,
    python: Option<&std::path::Path>,
    range: &str,
) -> Result<String, VerifyError> {
    let (python, _, _) = runner::find_python(python, &project.root)?;
    let dir = tempfile::Builder::new()
        .prefix("migdoc-offline-")
        .tempdir()?;
    let generic = match &project.config {
        Some(_) => None,
        None => Some(generic::GenericEnv::write(project, dir.path())?),
    };
    let (config, sys_path) = match (&generic, &project.config) {
        (Some(env), _) => (env.ini(), project.search_roots()),
        (None, Some(config)) => (config.source.clone(), Vec::new()),
        (None, None) => unreachable!("a project without configuration runs with the generic env"),
    };
    let alembic = runner::Alembic::new(
        python,
        config,
        project,
        &[],
        std::time::Duration::from_secs(120),
        sys_path,
        None,
    )?;
    alembic.offline_sql(range)
}

/// A step of the per-revision runs, for a progress bar.
#[derive(Clone, Debug)]
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub revision: &'a str,
}

/// Runs the project's migrations for real. `progress` is called before each per-revision run.
pub fn verify(
    project: &Project,
    options: &Options,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Verified, VerifyError> {
    let started = std::time::Instant::now();
    let (python, alembic_version, sqlalchemy_version) =
        runner::find_python(options.python.as_deref(), &project.root)?;
    let server = Server::start(options)?;
    let step_timeout = options
        .step_timeout
        .unwrap_or(std::time::Duration::from_secs(600));
    let generic = match (&project.config, options.generic_env) {
        (Some(_), false) => None,
        _ => Some(generic::GenericEnv::write(project, server.own_dir())?),
    };
    let (config, sys_path) = match (&generic, &project.config) {
        (Some(env), _) => (env.ini(), project.search_roots()),
        (None, Some(config)) => (config.source.clone(), Vec::new()),
        (None, None) => unreachable!("a project without configuration runs with the generic env"),
    };
    let alembic = runner::Alembic::new(
        python.clone(),
        config,
        project,
        &options.url_env,
        step_timeout,
        sys_path,
        options.flask_app.clone(),
    )?;
    let (revisions, histories) = {
        let db = server.scratch("list")?;
        let listed = alembic.revisions(&server.sqlalchemy_url(&db));
        server.drop_scratch(&db);
        listed?
    };
    let prepare = options.prepare.as_deref();
    let (head_and_roundtrip, step) = std::thread::scope(|s| {
        let step = s.spawn(|| {
            // Each independent history on a database of its own.
            let mut steps = Vec::new();
            for history in &histories {
                let done = steps.len();
                let each = |p: Progress<'_>| {
                    progress(Progress {
                        done: done + p.done,
                        total: revisions.len(),
                        revision: p.revision,
                    });
                };
                steps.extend(step_by_step(
                    &server,
                    &alembic,
                    history,
                    &each,
                    options.catalog_after_each,
                    prepare,
                )?);
            }
            Ok::<_, VerifyError>(steps)
        });
        let head = head_and_roundtrip(&server, &alembic, revisions.len(), prepare).and_then(
            |(head, roundtrip, catalog, heads)| {
                let heads = match heads {
                    Some(heads) => Some(heads),
                    None if histories.len() > 1 => {
                        Some(upgrade_heads(&server, &alembic, revisions.len(), prepare)?)
                    }
                    None => None,
                };
                Ok((head, roundtrip, catalog, heads))
            },
        );
        (
            head,
            step.join().unwrap_or_else(|_| {
                Err(VerifyError::Python("the per-revision runs panicked".into()))
            }),
        )
    });
    let (upgrade_head, roundtrip, catalog, upgrade_heads) = head_and_roundtrip?;
    let steps = step?;
    // The mode's outcome: its first failure (one per independent history at most).
    let step_by_step = steps.iter().find(|s| !s.outcome.ok).map_or_else(
        || RunOutcome {
            ok: true,
            ..RunOutcome::default()
        },
        |s| s.outcome.clone(),
    );
    Ok(Verified {
        upgrade_head,
        upgrade_heads,
        step_by_step,
        steps,
        roundtrip,
        catalog,
        revisions,
        histories,
        python,
        alembic_version,
        sqlalchemy_version,
        server: server.describe(),
        postgres_version: server.version(),
        elapsed_ms: started.elapsed().as_millis(),
    })
}

/// `upgrade head`, the round trip, the catalog after the one-run deploy, and `upgrade heads`
/// when Alembic refused `head` for several heads.
type HeadAndRoundtrip = (RunOutcome, RunOutcome, Option<Catalog>, Option<RunOutcome>);

fn head_and_roundtrip(
    server: &Server,
    alembic: &runner::Alembic,
    n: usize,
    prepare: Option<&str>,
) -> Result<HeadAndRoundtrip, VerifyError> {
    let db = server.scratch("head")?;
    let url = server.sqlalchemy_url(&db);
    let result = (|| {
        if let Some(command) = prepare {
            alembic.prepare(&url, command)?;
        }
        let head = alembic.run(&url, &["upgrade", "head"], n)?;
        // Several heads (labelled branches, independent histories): Alembic refuses `head`
        // before it runs anything, and such a history is deployed with `upgrade heads`,
        // on this same, still empty, database.
        let heads = if head.refused_for_several_heads() {
            Some(alembic.run(&url, &["upgrade", "heads"], n)?)
        } else {
            None
        };
        let catalog = if head.ok || heads.as_ref().is_some_and(|h| h.ok) {
            Some(introspect::catalog(server, &db, alembic.version_table())?)
        } else {
            None
        };
        Ok::<_, VerifyError>((head, heads, catalog))
    })();
    server.drop_scratch(&db);
    let (head, heads, catalog) = result?;
    if !head.ok {
        return Ok((
            head,
            RunOutcome {
                ok: false,
                skipped: true,
                ..RunOutcome::default()
            },
            catalog,
            heads,
        ));
    }
    let db = server.scratch("roundtrip")?;
    let url = server.sqlalchemy_url(&db);
    let result = (|| {
        if let Some(command) = prepare {
            alembic.prepare(&url, command)?;
        }
        let first = alembic.run(&url, &["upgrade", "head"], n)?;
        if !first.ok {
            return Ok(RunOutcome {
                ok: false,
                skipped: true,
                ..RunOutcome::default()
            });
        }
        for (phase, args) in [
            ("downgrade", ["downgrade", "base"]),
            ("upgrade", ["upgrade", "head"]),
        ] {
            let outcome = alembic.run(&url, &args, n)?;
            if !outcome.ok {
                return Ok(RunOutcome {
                    phase: Some(phase.to_owned()),
                    ..outcome
                });
            }
        }
        Ok::<_, VerifyError>(RunOutcome {
            ok: true,
            ..RunOutcome::default()
        })
    })();
    server.drop_scratch(&db);
    Ok((head, result?, catalog, None))
}

/// `alembic upgrade heads` on one empty database: every independent history applied to it.
fn upgrade_heads(
    server: &Server,
    alembic: &runner::Alembic,
    n: usize,
    prepare: Option<&str>,
) -> Result<RunOutcome, VerifyError> {
    let db = server.scratch("heads")?;
    let url = server.sqlalchemy_url(&db);
    let result = (|| {
        if let Some(command) = prepare {
            alembic.prepare(&url, command)?;
        }
        alembic.run(&url, &["upgrade", "heads"], n)
    })();
    server.drop_scratch(&db);
    result
}

/// One `alembic upgrade REV` per revision, each its own Alembic run (in one Python process),
/// stopping at the first failure: each revision's outcome.
fn step_by_step(
    server: &Server,
    alembic: &runner::Alembic,
    revisions: &[String],
    progress: &(dyn Fn(Progress<'_>) + Sync),
    catalog_after_each: bool,
    prepare: Option<&str>,
) -> Result<Vec<Step>, VerifyError> {
    let db = server.scratch("steps")?;
    let url = server.sqlalchemy_url(&db);
    if let Some(command) = prepare
        && let Err(e) = alembic.prepare(&url, command)
    {
        server.drop_scratch(&db);
        return Err(e);
    }
    let catalogs = std::sync::Mutex::new(Vec::new());
    let before = std::sync::Mutex::new(None);
    let read = |i: Option<usize>| -> Result<(), VerifyError> {
        let catalog = introspect::catalog(server, &db, alembic.version_table())?;
        let lock = |e| VerifyError::Python(format!("catalog lock: {e}"));
        match i {
            None => *before.lock().map_err(|e| lock(e.to_string()))? = Some(catalog),
            Some(_) => catalogs
                .lock()
                .map_err(|e| lock(e.to_string()))?
                .push(catalog),
        }
        Ok(())
    };
    let after: Option<&dyn Fn(Option<usize>) -> Result<(), VerifyError>> = if catalog_after_each {
        Some(&read)
    } else {
        None
    };
    let result = alembic.steps(
        &url,
        revisions,
        &|i| {
            progress(Progress {
                done: i,
                total: revisions.len(),
                revision: &revisions[i],
            })
        },
        after,
    );
    server.drop_scratch(&db);
    let mut catalogs = catalogs.into_inner().unwrap_or_default().into_iter();
    let mut before = before.into_inner().unwrap_or_default();
    let steps: Vec<Step> = result?
        .into_iter()
        .map(|(revision, outcome)| Step {
            catalog_before: before.take(),
            revision,
            ok: outcome.ok,
            sqlstate: outcome.sqlstate.clone(),
            error: outcome.error.clone(),
            exception: outcome.exception.clone(),
            statement: outcome.statement.clone(),
            environment: outcome.environment,
            catalog: if outcome.ok { catalogs.next() } else { None },
            outcome,
        })
        .collect();
    Ok(steps)
}
