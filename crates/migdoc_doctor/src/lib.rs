//! `migdoc doctor`: what state a live database is really in, and the safe way out.
//!
//! `diagnose` compares the version table with the catalog (`migdoc_replay::live`) and with the
//! catalogs the replay predicts (`migdoc_replay::catalog_after`); `plan` turns the findings into
//! SQL steps; `apply` runs them in one transaction under an advisory lock.
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
pub use plan::{Choice, Plan, Step, VersionTable};

use migdoc_graph::Graph;
use migdoc_ir::RevisionOps;
use migdoc_replay::Settings;

#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("`{0}` is not a PostgreSQL URL")]
    BadUrl(String),
    #[error("{0}")]
    Connect(String),
    #[error("another `migdoc doctor --apply` or migration holds the lock (pg_advisory_lock({LOCK_KEY})): nothing was changed; try again when it is done")]
    Locked,
    #[error("{0}")]
    Ambiguous(String),
    #[error("the version table changed since the diagnosis (another doctor or a migration ran): nothing was changed; run doctor again")]
    Stale,
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

/// Reads the version table, the catalog and the server version, in one query.
pub fn read_state(client: &Client, target: &Target) -> Result<(LiveState, u32), DoctorError> {
    let schema = target.version_schema.as_deref().unwrap_or(&target.home);
    let qualified = format!("{}.{}", quote::ident(schema), quote::ident(&target.version_table));
    let catalog_query = if target.home_only { migdoc_replay::live::catalog_query_for(&target.home) } else { migdoc_replay::live::catalog_query() };
    // `query_to_xml` plans its query at run time: a missing version table is not an error.
    let sql = format!(
        "SELECT json_build_object('server_version', current_setting('server_version_num'), \
         'versions', CASE WHEN to_regclass({reg}) IS NULL THEN NULL ELSE query_to_xml({q}, false, false, '')::text END, \
         'catalog', ({catalog_query}))",
        reg = quote::literal(&qualified),
        q = quote::literal(&format!("SELECT version_num FROM {qualified} ORDER BY version_num")),
    );
    let text = client.query(&sql)?;
    let value: serde_json::Value = serde_json::from_str(text.trim()).map_err(|e| DoctorError::Connect(format!("cannot read the database state: {e}")))?;
    let versions = value["versions"].as_str().map(xml_values);
    let mut catalog = migdoc_replay::live::catalog_from_json(&value["catalog"].to_string(), &target.version_table, &target.home).map_err(DoctorError::Connect)?;
    if target.home_only {
        catalog.types.retain(|k, _| !k.contains('.'));
        catalog.tables.retain(|k, _| !k.contains('.'));
    }
    let version = value["server_version"].as_str().and_then(|v| v.parse::<u32>().ok()).map_or(0, |v| v / 10000);
    Ok((LiveState { versions, catalog }, version))
}

/// The `<version_num>` values of `query_to_xml`'s output, unescaped.
fn xml_values(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<version_num>") {
        let after = &rest[start + "<version_num>".len()..];
        let Some(end) = after.find("</version_num>") else { break };
        let value = after[..end].replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
        out.push(value);
        rest = &after[end..];
    }
    out
}

/// The diagnosis of `live` against the history.
pub fn diagnose(graph: &Graph, ops: &[RevisionOps], settings: &Settings, live: &LiveState) -> Diagnosis {
    diagnose::diagnose(&diagnose::History { graph, ops, settings }, live)
}

/// The plan for a diagnosis. A type to recreate gets the labels the history gives it at the
/// revision being completed (not at head: labels later revisions add are theirs to add).
pub fn plan(diagnosis: &Diagnosis, target: &Target, live: &LiveState, choice: Option<Choice>, postgres_version: u32, history: (&Graph, &[RevisionOps], &Settings)) -> Plan {
    let schema = target.version_schema.as_deref().filter(|s| *s != "public").or((target.home != "public").then_some(target.home.as_str()));
    let vt = VersionTable { schema, table: &target.version_table };
    let history = diagnose::History { graph: history.0, ops: history.1, settings: history.2 };
    let at = |revision: &str, name: &str| history.labels_at(revision, name);
    let live_labels = |name: &str| live.catalog.types.get(name).map(|t| t.labels.clone()).unwrap_or_default();
    plan::plan(diagnosis, &vt, live.versions.is_some(), choice, postgres_version, &plan::Labels { at: &at, live: &live_labels })
}

/// Runs `plan` in one transaction (the steps PostgreSQL forbids in one run after it, each on
/// its own) while holding the advisory lock; refuses when another holder has it.
/// `lock_wait`: how long to wait for a migration or another doctor that holds migdoc's lock or the
/// version table (`None`: refuse at once when the advisory lock is held, wait up to 10 s for the
/// version table).
pub fn apply(client: &Client, plan: &Plan, target: &Target, diagnosis: &Diagnosis, live: &LiveState, lock_wait: Option<u64>) -> Result<(), DoctorError> {
    if let Some(why) = &plan.ambiguous {
        return Err(DoctorError::Ambiguous(format!("the plan is ambiguous, pick an option: {why}")));
    }
    let manual: Vec<&str> = plan.steps.iter().filter(|s| s.manual).map(|s| s.why.as_str()).collect();
    if !manual.is_empty() {
        return Err(DoctorError::Ambiguous(format!(
            "the plan needs work migdoc cannot write as SQL ({}): nothing was changed; do it by hand (or run the revision with Alembic after `--choose undo`), then run doctor again",
            manual.join("; ")
        )));
    }
    // Inside the lock, before anything is written: the version table must still be what the
    // diagnosis saw, or the plan is stale (another doctor applied it meanwhile).
    let schema = target.version_schema.as_deref().unwrap_or(&target.home);
    let table = format!("{}.{}", quote::ident(schema), quote::ident(&target.version_table));
    let guard = match &live.versions {
        Some(_) => {
            let expected = diagnosis.recorded.iter().map(|v| quote::literal(v)).collect::<Vec<_>>().join(", ");
            // A running migration has read the version table (Alembic does first): wait for it
            // (up to `lock_timeout`), then see what it recorded.
            let body = format!(
                "BEGIN IF (SELECT coalesce(array_agg(version_num::text ORDER BY version_num), '{{}}') FROM {table}) IS DISTINCT FROM ARRAY[{expected}]::text[] THEN RAISE EXCEPTION 'migdoc-stale-plan'; END IF; END"
            );
            format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE;\nDO {};\n", quote::dollar(&body))
        }
        None => {
            let body = format!("BEGIN IF pg_catalog.to_regclass({}) IS NOT NULL THEN RAISE EXCEPTION 'migdoc-stale-plan'; END IF; END", quote::literal(&table));
            format!("DO {};\n", quote::dollar(&body))
        }
    };
    // Writes go where reads looked: the home schema, whatever search_path the role or the
    // database sets.
    let mut script = format!("\\set ON_ERROR_STOP 1\nSET search_path TO {};\n", quote::ident(&target.home));
    // The whole database: migdoc's lock. One tenant schema: that lock shared (a migration or a
    // whole-database apply that holds it excludes every tenant) and the tenant's own key, so
    // that a fleet's workers never refuse each other.
    let (locks, unlock) = if target.home_only {
        let tenant = format!("{TENANT_LOCK_CLASS}, pg_catalog.hashtext({})", quote::literal(&target.home));
        ([format!("lock_shared({LOCK_KEY})"), format!("lock({tenant})")], format!("pg_catalog.pg_advisory_unlock({tenant}), pg_catalog.pg_advisory_unlock_shared({LOCK_KEY})"))
    } else {
        ([format!("lock({LOCK_KEY})"), "lock_shared(0)".to_owned()], format!("pg_catalog.pg_advisory_unlock({LOCK_KEY})"))
    };
    let locks = if target.home_only { &locks[..] } else { &locks[..1] };
    match lock_wait {
        // Refuse at once when the lock is held.
        None => {
            let tries: Vec<String> = locks.iter().map(|l| format!("pg_catalog.pg_try_advisory_{l}")).collect();
            script.push_str(&format!(
                "SELECT {} AS migdoc_locked \\gset\n\\if :migdoc_locked\n\\else\n\\warn migdoc-lock-busy\n\\q\n\\endif\n",
                tries.join(" AND ")
            ));
        }
        // Wait, up to `lock_timeout`, for the lock and then for the version table.
        Some(seconds) => {
            // The waits are bounded by lock_timeout alone, until the version table is held.
            script.push_str(&format!("SET statement_timeout = 0;\nSET lock_timeout = '{}s';\n", seconds.max(1)));
            for l in locks {
                script.push_str(&format!("SELECT pg_catalog.pg_advisory_{l};\n"));
            }
        }
    }
    script.push_str("BEGIN;\n");
    script.push_str(&guard);
    if lock_wait.is_some() {
        script.push_str("RESET statement_timeout;\n");
    }
    for step in plan.steps.iter().filter(|s| !s.own_transaction) {
        if let Some(sql) = &step.sql {
            script.push_str(sql);
            script.push('\n');
        }
    }
    let mut after = String::new();
    for step in plan.steps.iter().filter(|s| s.own_transaction) {
        if let Some(sql) = &step.sql {
            after.push_str(sql);
            after.push('\n');
        }
    }
    after.push_str(&format!("SELECT {unlock};\n"));
    match client.script(&script, &after) {
        Ok(_) => {}
        Err(DoctorError::Connect(e)) if e.contains("migdoc-lock-busy") => return Err(DoctorError::Locked),
        Err(DoctorError::Connect(e)) if e.contains("migdoc-stale-plan") => return Err(DoctorError::Stale),
        Err(DoctorError::Connect(e)) if e.contains("lock timeout") => return Err(DoctorError::Locked),
        Err(e) => return Err(e),
    }
    Ok(())
}
