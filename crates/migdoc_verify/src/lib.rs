//! `migdoc verify`: the project's real Alembic, run by the project's own Python, on a throwaway
//! PostgreSQL (or scratch databases on a server the user names), in the three ways teams deploy:
//! `upgrade head` on an empty database, one revision per run, and the downgrade→upgrade round
//! trip. After `upgrade head` the catalog is read back (`introspect.rs`) as the same
//! [`migdoc_replay::Catalog`] the replay predicts, so the two compare as plain values.
//!
//! Invariants: nothing is written to a database migdoc did not create for the run; scratch
//! databases and the throwaway cluster are removed afterwards (the cluster even when the process
//! is killed: `migdoc_pg`'s reaper); passwords never appear in messages.

mod introspect;
mod runner;
mod server;

use std::path::PathBuf;

use migdoc_project::Project;
use migdoc_replay::Catalog;
use serde::Serialize;

pub use runner::find_python;
pub use server::Server;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Postgres(#[from] migdoc_pg::PgError),
    #[error("{0}")]
    Python(String),
    #[error("{0}")]
    Database(String),
    #[error("verify needs an Alembic configuration (alembic.ini or [tool.alembic]); --versions alone cannot be run")]
    NoConfig,
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
}

/// Everything a verify run found.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    pub upgrade_head: RunOutcome,
    pub step_by_step: RunOutcome,
    pub roundtrip: RunOutcome,
    /// The catalog after a successful `upgrade head`.
    #[serde(skip)]
    pub catalog: Option<Catalog>,
    /// Alembic's base-to-head order (the order of the per-revision runs).
    pub revisions: Vec<String>,
    pub python: PathBuf,
    pub alembic_version: String,
    pub sqlalchemy_version: String,
    /// The server, password masked.
    pub server: String,
    pub postgres_version: u32,
    pub elapsed_ms: u128,
}

/// A step of the per-revision runs, for a progress bar.
#[derive(Clone, Debug)]
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    pub revision: &'a str,
}

/// Runs the project's migrations for real. `progress` is called before each per-revision run.
pub fn verify(project: &Project, options: &Options, progress: &(dyn Fn(Progress<'_>) + Sync)) -> Result<Verified, VerifyError> {
    let started = std::time::Instant::now();
    let config = project.config.as_ref().ok_or(VerifyError::NoConfig)?;
    let (python, alembic_version, sqlalchemy_version) = runner::find_python(options.python.as_deref(), &project.root)?;
    let server = Server::start(options)?;
    let alembic = runner::Alembic::new(python.clone(), config.source.clone(), project, &options.url_env)?;
    let revisions = {
        let db = server.scratch("list")?;
        let listed = alembic.revisions(&server.sqlalchemy_url(&db));
        server.drop_scratch(&db);
        listed?
    };
    let (head_and_roundtrip, step) = std::thread::scope(|s| {
        let step = s.spawn(|| step_by_step(&server, &alembic, &revisions, progress));
        let head = head_and_roundtrip(&server, &alembic);
        (head, step.join().unwrap_or_else(|_| Err(VerifyError::Python("the per-revision runs panicked".into()))))
    });
    let (upgrade_head, roundtrip, catalog) = head_and_roundtrip?;
    Ok(Verified {
        upgrade_head,
        step_by_step: step?,
        roundtrip,
        catalog,
        revisions,
        python,
        alembic_version,
        sqlalchemy_version,
        server: server.describe(),
        postgres_version: server.version(),
        elapsed_ms: started.elapsed().as_millis(),
    })
}

fn head_and_roundtrip(server: &Server, alembic: &runner::Alembic) -> Result<(RunOutcome, RunOutcome, Option<Catalog>), VerifyError> {
    let db = server.scratch("head")?;
    let url = server.sqlalchemy_url(&db);
    let result = (|| {
        let head = alembic.run(&url, &["upgrade", "head"])?;
        let catalog = if head.ok { Some(introspect::catalog(server, &db, alembic.version_table())?) } else { None };
        Ok::<_, VerifyError>((head, catalog))
    })();
    server.drop_scratch(&db);
    let (head, catalog) = result?;
    if !head.ok {
        return Ok((head, RunOutcome { ok: false, skipped: true, ..RunOutcome::default() }, None));
    }
    let db = server.scratch("roundtrip")?;
    let url = server.sqlalchemy_url(&db);
    let result = (|| {
        let first = alembic.run(&url, &["upgrade", "head"])?;
        if !first.ok {
            return Ok(RunOutcome { ok: false, skipped: true, ..RunOutcome::default() });
        }
        for (phase, args) in [("downgrade", ["downgrade", "base"]), ("upgrade", ["upgrade", "head"])] {
            let outcome = alembic.run(&url, &args)?;
            if !outcome.ok {
                return Ok(RunOutcome { phase: Some(phase.to_owned()), ..outcome });
            }
        }
        Ok::<_, VerifyError>(RunOutcome { ok: true, ..RunOutcome::default() })
    })();
    server.drop_scratch(&db);
    Ok((head, result?, catalog))
}

fn step_by_step(server: &Server, alembic: &runner::Alembic, revisions: &[String], progress: &(dyn Fn(Progress<'_>) + Sync)) -> Result<RunOutcome, VerifyError> {
    let db = server.scratch("steps")?;
    let url = server.sqlalchemy_url(&db);
    let result = (|| {
        for (i, rev) in revisions.iter().enumerate() {
            progress(Progress { done: i, total: revisions.len(), revision: rev });
            let outcome = alembic.run(&url, &["upgrade", rev])?;
            if !outcome.ok {
                return Ok(outcome);
            }
        }
        Ok::<_, VerifyError>(RunOutcome { ok: true, ..RunOutcome::default() })
    })();
    server.drop_scratch(&db);
    result
}
