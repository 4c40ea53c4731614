//! `migdoc doctor`: what state a live database is really in, and the safe way out.
//!
//! `diagnose` compares the version table with the catalog (`migdoc_replay::live`) and with the
//! catalogs the replay predicts (`migdoc_replay::catalog_after`); `plan` turns the findings into
//! SQL steps; `apply` runs them in one transaction under an advisory lock, re-reads the state
//! before writing and re-diagnoses it before committing.
//!
//! Invariants: nothing is written unless `apply` is called (the CLI calls it only for
//! `--apply`); reading runs in read-only transactions with a statement timeout; every
//! identifier and label in generated SQL goes through `quote`; no message carries a password.

mod client;
mod diagnose;
mod plan;
pub mod quote;

pub use client::{Client, LOCK_KEY};

pub use diagnose::{Diagnosis, Effect, Finding, LiveState, Severity};
use migdoc_pg::session::postgres;
pub use plan::{Choice, Plan, Step, VersionTable};

use migdoc_graph::Graph;
use migdoc_ir::RevisionOps;
use migdoc_replay::Settings;

#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("{0}")]
    BadUrl(String),
    #[error("{0}")]
    Connect(String),
    #[error(
        "another `migdoc doctor --apply` or migration holds the lock (pg_advisory_lock({LOCK_KEY})): nothing was changed; try again when it is done"
    )]
    Locked,
    #[error("{0}")]
    Ambiguous(String),
    #[error(
        "the database changed since the diagnosis (another doctor or a migration ran): nothing was changed; run doctor again"
    )]
    Stale,
    #[error("the plan was rolled back, nothing was changed: re-diagnosed before commit, {0}")]
    NotAsPlanned(String),
}

/// The first key of a tenant schema's advisory lock (`"migd"`); the second is the hash of the
/// schema's name.
pub const TENANT_LOCK_CLASS: i32 = 0x6d69_6764;

/// Where to look in the database.
#[derive(Clone, Debug)]
pub struct Target {
    pub version_table: String,
    /// `version_table_schema`, when env.py sets one.
    pub version_schema: Option<String>,
    /// The schema whose objects have bare names (`public`, or a tenant's schema).
    pub home: String,
    /// Only objects of `home` count (schema-per-tenant deployments).
    pub home_only: bool,
}

/// Reads the version table, the catalog and the server version, in one read-only snapshot.
pub fn read_state(client: &mut Client, target: &Target) -> Result<(LiveState, u32), DoctorError> {
    let result = (|| {
        let mut tx = client
            .pg()
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let state = read_in(&mut tx, target)?;
        tx.commit()?;
        Ok(state)
    })();
    result.map_err(|e: ReadError| e.into_doctor(client))
}

/// What reading the state can fail with: the server, or what it returned.
enum ReadError {
    Pg(postgres::Error),
    Catalog(String),
}

impl From<postgres::Error> for ReadError {
    fn from(e: postgres::Error) -> Self {
        ReadError::Pg(e)
    }
}

impl ReadError {
    fn into_doctor(self, client: &Client) -> DoctorError {
        match self {
            ReadError::Pg(e) => client.error(&e),
            ReadError::Catalog(why) => DoctorError::Connect(format!("{}: {why}", client.shown())),
        }
    }
}

/// The version table's schema-qualified, quoted name.
fn version_table(target: &Target) -> String {
    let schema = target.version_schema.as_deref().unwrap_or(&target.home);
    format!(
        "{}.{}",
        quote::ident(schema),
        quote::ident(&target.version_table)
    )
}

/// [`read_state`] inside a transaction the caller holds.
fn read_in(
    c: &mut impl postgres::GenericClient,
    target: &Target,
) -> Result<(LiveState, u32), ReadError> {
    let qualified = version_table(target);
    let row = c.query_one("SELECT pg_catalog.current_setting('server_version_num'), pg_catalog.to_regclass($1) IS NOT NULL", &[&qualified])?;
    let version = row
        .get::<_, String>(0)
        .parse::<u32>()
        .map_or(0, |v| v / 10000);
    let versions = if row.get::<_, bool>(1) {
        let rows = c.query(
            &format!("SELECT version_num::text FROM {qualified} ORDER BY version_num"),
            &[],
        )?;
        Some(
            rows.iter()
                .filter_map(|r| r.get::<_, Option<String>>(0))
                .collect(),
        )
    } else {
        None
    };
    let catalog_query = if target.home_only {
        migdoc_replay::live::catalog_query_for(&target.home)
    } else {
        migdoc_replay::live::catalog_query()
    };
    let text: String = c
        .query_one(&format!("SELECT ({catalog_query})::text"), &[])?
        .get(0);
    let mut catalog =
        migdoc_replay::live::catalog_from_json(&text, &target.version_table, &target.home)
            .map_err(ReadError::Catalog)?;
    if target.home_only {
        catalog.types.retain(|k, _| !k.contains('.'));
        catalog.tables.retain(|k, _| !k.contains('.'));
    }
    Ok((LiveState { versions, catalog }, version))
}

/// The diagnosis of `live` against the history.
pub fn diagnose(
    graph: &Graph,
    ops: &[RevisionOps],
    settings: &Settings,
    live: &LiveState,
) -> Diagnosis {
    diagnose::diagnose(
        &diagnose::History {
            graph,
            ops,
            settings,
        },
        live,
    )
}

/// The plan for a diagnosis. A type to recreate gets the labels the history gives it at the
/// revision being completed (not at head: labels later revisions add are theirs to add).
/// `offline_sql` gives the SQL the project's own Alembic writes for a revision (`alembic upgrade
/// PARENT:REV --sql`), for what migdoc cannot write itself.
pub fn plan(
    diagnosis: &Diagnosis,
    target: &Target,
    live: &LiveState,
    choice: Option<Choice>,
    postgres_version: u32,
    history: (&Graph, &[RevisionOps], &Settings),
    offline_sql: &dyn Fn(&str) -> Option<Result<String, String>>,
) -> Plan {
    let schema = target
        .version_schema
        .as_deref()
        .filter(|s| *s != "public")
        .or((target.home != "public").then_some(target.home.as_str()));
    let vt = VersionTable {
        schema,
        table: &target.version_table,
    };
    let history = diagnose::History {
        graph: history.0,
        ops: history.1,
        settings: history.2,
    };
    let at = |revision: &str, name: &str| history.labels_at(revision, name);
    let live_labels = |name: &str| {
        live.catalog
            .types
            .get(name)
            .map(|t| t.labels.clone())
            .unwrap_or_default()
    };
    plan::plan(
        diagnosis,
        &vt,
        live.versions.is_some(),
        choice,
        postgres_version,
        &plan::Labels {
            at: &at,
            live: &live_labels,
            offline_sql,
        },
    )
}

/// Runs `plan` in one transaction (the steps PostgreSQL forbids in one run after it, each on
/// its own) while holding migdoc's advisory lock, and returns the diagnosis of the result.
///
/// Inside the transaction, before anything is written, the version table is locked and the
/// state is read again: when it is not what the diagnosis saw (a migration or another doctor
/// ran meanwhile), nothing is changed ([`DoctorError::Stale`]). After the steps, the state is
/// read and diagnosed again in the same transaction (`rediagnose`): when the plan did not do
/// what it said (a finding it addressed is still there, or a new problem appeared), it is
/// rolled back ([`DoctorError::NotAsPlanned`]).
///
/// `lock_wait`: how long to wait for a migration or another doctor that holds migdoc's lock or
/// the version table (`None`: refuse at once when the advisory lock is held, wait up to 10 s for
/// the version table).
pub fn apply(
    client: &mut Client,
    plan: &Plan,
    target: &Target,
    diagnosis: &Diagnosis,
    live: &LiveState,
    lock_wait: Option<u64>,
    rediagnose: &dyn Fn(&LiveState) -> Diagnosis,
) -> Result<Diagnosis, DoctorError> {
    if let Some(why) = &plan.ambiguous {
        return Err(DoctorError::Ambiguous(format!(
            "the plan is ambiguous, pick an option: {why}"
        )));
    }
    let manual: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.manual)
        .map(|s| s.why.as_str())
        .collect();
    if !manual.is_empty() {
        return Err(DoctorError::Ambiguous(format!(
            "the plan needs work migdoc cannot write as SQL ({}): nothing was changed; do it by hand (or run the revision with Alembic after `--choose undo`), then run doctor again",
            manual.join("; ")
        )));
    }
    // The whole database: migdoc's lock. One tenant schema: that lock shared (a migration or a
    // whole-database apply that holds it excludes every tenant) and the tenant's own key, so
    // that a fleet's workers never refuse each other. Session locks: they go with the
    // connection, however migdoc ends.
    let tenant = format!(
        "{TENANT_LOCK_CLASS}, pg_catalog.hashtext({})",
        quote::literal(&target.home)
    );
    let (locks, unlock) = if target.home_only {
        (
            vec![
                format!("lock_shared({LOCK_KEY})"),
                format!("lock({tenant})"),
            ],
            format!(
                "SELECT pg_catalog.pg_advisory_unlock({tenant}), pg_catalog.pg_advisory_unlock_shared({LOCK_KEY})"
            ),
        )
    } else {
        (
            vec![format!("lock({LOCK_KEY})")],
            format!("SELECT pg_catalog.pg_advisory_unlock({LOCK_KEY})"),
        )
    };
    let locked = match lock_wait {
        None => {
            let tries: Vec<String> = locks
                .iter()
                .map(|l| format!("pg_catalog.pg_try_advisory_{l}"))
                .collect();
            // A refused second try must not keep the first.
            match client
                .pg()
                .query_one(&format!("SELECT {}", tries.join(" AND ")), &[])
            {
                Ok(row) => row.get::<_, bool>(0),
                Err(e) => return Err(client.error(&e)),
            }
        }
        Some(seconds) => {
            // The waits are bounded by lock_timeout alone, until the version table is held.
            let mut sql = format!(
                "SET statement_timeout = 0; SET lock_timeout = '{}s';",
                seconds.max(1)
            );
            for l in &locks {
                sql.push_str(&format!(" SELECT pg_catalog.pg_advisory_{l};"));
            }
            match client.pg().batch_execute(&sql) {
                Ok(()) => true,
                Err(e) if migdoc_pg::session::sqlstate(&e) == Some("55P03") => false,
                Err(e) => return Err(client.error(&e)),
            }
        }
    };
    if !locked {
        // Whatever part of the locks was taken goes.
        let _ = client.pg().batch_execute(&format!(
            "{unlock}; RESET statement_timeout; RESET lock_timeout"
        ));
        return Err(DoctorError::Locked);
    }
    let result = apply_locked(client, plan, target, diagnosis, live, rediagnose);
    let _ = client.pg().batch_execute(&format!(
        "{unlock}; RESET statement_timeout; RESET lock_timeout"
    ));
    result
}

fn apply_locked(
    client: &mut Client,
    plan: &Plan,
    target: &Target,
    diagnosis: &Diagnosis,
    live: &LiveState,
    rediagnose: &dyn Fn(&LiveState) -> Diagnosis,
) -> Result<Diagnosis, DoctorError> {
    let table = version_table(target);
    let fail = |client: &Client, e: ReadError| match e {
        ReadError::Pg(e) if migdoc_pg::session::sqlstate(&e) == Some("55P03") => {
            DoctorError::Locked
        }
        e => e.into_doctor(client),
    };
    let mut outcome: Result<Diagnosis, DoctorError> = (|| {
        let mut tx = client.pg().transaction().map_err(ReadError::Pg)?;
        // Writes go where reads looked: the home schema, whatever search_path the role or the
        // database sets.
        tx.batch_execute(&format!(
            "SET TRANSACTION READ WRITE; SET LOCAL search_path TO {}",
            quote::ident(&target.home)
        ))?;
        if live.versions.is_some() {
            // A running migration has read the version table (Alembic does first): wait for
            // it (up to `lock_timeout`), then see what it did.
            tx.batch_execute(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))?;
        }
        tx.batch_execute("RESET statement_timeout; RESET lock_timeout")?;
        let (now, _) = read_in(&mut tx, target)?;
        if now.versions != live.versions || now.catalog != live.catalog {
            return Ok(Err(DoctorError::Stale));
        }
        for step in plan.steps.iter().filter(|s| !s.own_transaction) {
            if let Some(sql) = &step.sql {
                tx.batch_execute(sql)?;
            }
        }
        let (after_state, _) = read_in(&mut tx, target)?;
        let after = rediagnose(&after_state);
        if let Err(why) = kept_its_word(diagnosis, &after) {
            return Ok(Err(DoctorError::NotAsPlanned(why)));
        }
        tx.commit()?;
        Ok(Ok(after))
    })()
    .unwrap_or_else(|e: ReadError| Err(fail(client, e)));
    let own: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.own_transaction)
        .filter_map(|s| s.sql.as_deref())
        .collect();
    if outcome.is_ok() && !own.is_empty() {
        for sql in own {
            if let Err(e) = client.pg().batch_execute(&format!(
                "SET search_path TO {}; {sql}",
                quote::ident(&target.home)
            )) {
                let _ = client.pg().batch_execute("RESET search_path");
                return Err(DoctorError::Connect(format!(
                    "the transaction was committed, then a step that runs on its own failed: {}",
                    client.error(&e)
                )));
            }
        }
        let _ = client.pg().batch_execute("RESET search_path");
        outcome = read_state(client, target).map(|(state, _)| rediagnose(&state));
    }
    outcome
}

/// Whether `after` is what applying a plan for `before` may leave: every finding the plan
/// addressed is gone, and nothing needing action is new.
fn kept_its_word(before: &Diagnosis, after: &Diagnosis) -> Result<(), String> {
    for f in &after.findings {
        if f.needs_action() && !before.findings.contains(f) {
            return Err(format!("it would leave a new problem: {}", f.describe()));
        }
    }
    for f in &before.findings {
        let addressed = matches!(
            f,
            Finding::AppliedNotRecorded { .. }
                | Finding::PartiallyApplied { .. }
                | Finding::RecordedButMissing { .. }
                | Finding::UnknownRevision { .. }
                | Finding::NoVersionTable { .. }
        );
        if addressed && after.findings.contains(f) {
            return Err(format!(
                "it would not fix what it was for: {}",
                f.describe()
            ));
        }
    }
    Ok(())
}
