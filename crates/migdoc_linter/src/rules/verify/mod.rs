//! What `migdoc verify` found, as diagnostics: each real failure with the prediction `check` made
//! for it (MD401), differences between the migrated database and the replay (MD402), and
//! predictions the real runs did not confirm (MD403).

pub(crate) mod migration_fails;
pub(crate) mod prediction_not_confirmed;
pub(crate) mod replay_differs;

use std::collections::BTreeSet;
use std::path::Path;

use migdoc_replay::{Catalog, Column};

use crate::{Context, Diagnostic, LiveRun, Report, Rule, Severity};

/// Rules whose error means "a deploy of this revision fails".
fn predicts_failure(d: &Diagnostic) -> bool {
    d.severity == Severity::Error && predicts_some_failure(d)
}

/// Also the warnings: a failure only the round trip meets is a warning.
fn predicts_some_failure(d: &Diagnostic) -> bool {
    d.rule == Rule::MultipleHeads || d.rule == Rule::InvalidSql || d.rule.code().starts_with("MD2")
}

fn mode_phrase(run: &LiveRun) -> String {
    match run.mode {
        "upgrade_head" => "`alembic upgrade head` (one run)".to_owned(),
        "step_by_step" => "the one-revision-per-run deploy".to_owned(),
        "upgrade_heads" => "`alembic upgrade heads` (every head in one database)".to_owned(),
        _ => format!(
            "the round trip's {}",
            run.phase.as_deref().unwrap_or("upgrade")
        ),
    }
}

/// Alembic refused to run before any revision because the history has several heads.
fn refused_for_several_heads(run: &LiveRun) -> bool {
    run.revision.is_none()
        && run
            .error
            .as_deref()
            .is_some_and(|e| e.contains("Multiple head revisions"))
}

pub(crate) fn check(
    ctx: &mut Context<'_>,
    report: &Report,
    runs: &[LiveRun],
    live: Option<&Catalog>,
    config_path: &Path,
) {
    let file_of = |rev: &str| {
        report
            .graph
            .nodes
            .iter()
            .find(|n| n.id == rev)
            .map(|n| n.file)
    };
    // One diagnostic per distinct failure, naming every mode it happened in.
    let mut groups: Vec<(&LiveRun, Vec<String>, bool)> = Vec::new();
    // A server that lacks an extension the history needs is the environment's failure, shown
    // in verify's header, not a finding.
    // Alembic refusing `upgrade head` for several heads is a finding only where `check` finds
    // heads that must be merged (MD101); one head per labelled branch or independent history is
    // deployed with `upgrade heads` or by label, which verify runs instead.
    let heads_by_design = !report
        .diagnostics
        .iter()
        .any(|d| d.rule == Rule::MultipleHeads);
    let by_design =
        |r: &LiveRun| heads_by_design && r.mode == "upgrade_head" && refused_for_several_heads(r);
    for run in runs
        .iter()
        .filter(|r| !r.ok && !r.skipped && !r.environment && !by_design(r))
    {
        let deploy = run.mode != "roundtrip";
        match groups.iter_mut().find(|(g, _, _)| {
            g.revision == run.revision && g.sqlstate == run.sqlstate && g.error == run.error
        }) {
            Some((_, modes, in_deploy)) => {
                modes.push(mode_phrase(run));
                *in_deploy |= deploy;
            }
            None => groups.push((run, vec![mode_phrase(run)], deploy)),
        }
    }
    for (run, modes, in_deploy) in groups {
        // As in `check`: an error when a normal deploy fails, a warning when only the round trip does.
        let severity = if in_deploy {
            Severity::Error
        } else {
            Severity::Warning
        };
        let predictions: Vec<&Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| {
                if run.mode == "roundtrip" {
                    predicts_some_failure(d)
                } else {
                    predicts_failure(d)
                }
            })
            .filter(|d| match &run.revision {
                Some(rev) => d.revision.as_deref() == Some(rev.as_str()),
                None => d.rule == Rule::MultipleHeads,
            })
            .collect();
        let codes: BTreeSet<&str> = predictions.iter().map(|d| d.rule.code()).collect();
        let verdict = if codes.is_empty() {
            "not predicted by `migdoc check`".to_owned()
        } else {
            format!(
                "predicted by {}",
                codes.into_iter().collect::<Vec<_>>().join(", ")
            )
        };
        let sqlstate = run
            .sqlstate
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| format!(" (SQLSTATE {s})"))
            .unwrap_or_default();
        let error = run.error.as_deref().unwrap_or("failed");
        let modes = modes.join(" and in ");
        let help = run
            .statement
            .as_deref()
            .map(|s| format!("the statement that failed: {}", s.trim()));
        match run.revision.as_deref().and_then(file_of) {
            Some(file) => {
                // Where `check` pointed, when it predicted the failure.
                let range = predictions
                    .iter()
                    .find(|d| d.range.is_some())
                    .and_then(|d| d.range)
                    .or_else(|| failing_site(ctx, file, run));
                ctx.report_with(
                    Rule::MigrationFails,
                    severity,
                    file,
                    range,
                    format!("this revision fails in {modes}: {error}{sqlstate}; {verdict}"),
                    help,
                );
            }
            None => ctx.report_path(
                Rule::MigrationFails,
                config_path.to_path_buf(),
                format!("Alembic refuses to run in {modes}: {error}; {verdict}"),
                None,
            ),
        }
    }
    if runs.iter().all(|r| r.ok) {
        for d in report.diagnostics.iter().filter(|d| predicts_failure(d)) {
            let Some(file) = d.revision.as_deref().and_then(file_of) else {
                continue;
            };
            ctx.report(
                Rule::PredictionNotConfirmed,
                file,
                d.range,
                format!("`migdoc check` reported {} here, but PostgreSQL ran this history in every deploy mode", d.rule.code()),
                None,
            );
        }
    }
    if let (Some(live), Some(replayed)) = (live, report.head.as_ref()) {
        differences(ctx, live, replayed, config_path);
    }
}

/// Reports where the migrated database and the replayed catalog differ, at the revision that
/// created the object in the replay when there is one.
fn differences(ctx: &mut Context<'_>, live: &Catalog, replayed: &Catalog, config_path: &Path) {
    let mut found: Vec<(Option<usize>, String)> = Vec::new();
    let names: BTreeSet<&String> = live.types.keys().chain(replayed.types.keys()).collect();
    for name in names {
        match (live.types.get(name), replayed.types.get(name)) {
            (Some(_), None) => found.push((
                None,
                format!("type `{name}` exists in the migrated database but not in migdoc's replay"),
            )),
            (None, Some(t)) => found.push((
                Some(t.created_by),
                format!("type `{name}` is in migdoc's replay but not in the migrated database"),
            )),
            (Some(l), Some(r)) if r.is_enum && l.labels != r.labels => found.push((
                Some(r.created_by),
                format!(
                    "type `{name}`: the database has labels {}; migdoc's replay has {}",
                    labels(&l.labels),
                    labels(&r.labels)
                ),
            )),
            _ => {}
        }
    }
    let tables: BTreeSet<&String> = live.tables.keys().chain(replayed.tables.keys()).collect();
    for name in tables {
        match (live.tables.get(name), replayed.tables.get(name)) {
            (Some(_), None) => found.push((
                None,
                format!(
                    "table `{name}` exists in the migrated database but not in migdoc's replay"
                ),
            )),
            (None, Some(t)) => found.push((
                Some(t.created_by),
                format!("table `{name}` is in migdoc's replay but not in the migrated database"),
            )),
            (Some(l), Some(r)) => {
                for c in &l.columns {
                    match r.column(&c.name) {
                        None => found.push((Some(r.created_by), format!("column `{name}.{}` exists in the migrated database but not in migdoc's replay", c.name))),
                        Some(rc) => {
                            if let Some(what) = column_difference(c, rc) {
                                found.push((Some(r.created_by), format!("column `{name}.{}`: {what}", c.name)));
                            }
                        }
                    }
                }
                for rc in r.columns.iter().filter(|rc| l.column(&rc.name).is_none()) {
                    found.push((Some(r.created_by), format!("column `{name}.{}` is in migdoc's replay but not in the migrated database", rc.name)));
                }
            }
            (None, None) => {}
        }
    }
    for (file, message) in found {
        let message =
            format!("{message} (a construct migdoc does not understand, or a bug in migdoc)");
        match file.filter(|&f| f < ctx.sources.files.len()) {
            Some(file) => ctx.report(Rule::ReplayDiffers, file, None, message, None),
            None => ctx.report_path(
                Rule::ReplayDiffers,
                config_path.to_path_buf(),
                message,
                None,
            ),
        }
    }
}

fn column_difference(live: &Column, replayed: &Column) -> Option<String> {
    if live.enum_type != replayed.enum_type {
        let show = |e: &Option<String>| {
            e.as_deref()
                .map_or_else(|| "no enum type".to_owned(), |t| format!("enum type `{t}`"))
        };
        return Some(format!(
            "the database has {}; migdoc's replay has {}",
            show(&live.enum_type),
            show(&replayed.enum_type)
        ));
    }
    if live.not_null != replayed.not_null {
        let show = |n: bool| if n { "NOT NULL" } else { "nullable" };
        return Some(format!(
            "{} in the database, {} in migdoc's replay",
            show(live.not_null),
            show(replayed.not_null)
        ));
    }
    if let (Some(l), Some(r)) = (&live.sql_type, &replayed.sql_type)
        && l != r
    {
        return Some(format!("`{l}` in the database, `{r}` in migdoc's replay"));
    }
    None
}

fn labels(labels: &[String]) -> String {
    if labels.is_empty() {
        return "none".to_owned();
    }
    labels
        .iter()
        .map(|l| format!("'{l}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where an unpredicted failure points: the failing statement, when the file spells its first
/// line; else the `def` of the function that was running.
fn failing_site(ctx: &Context<'_>, file: usize, run: &LiveRun) -> Option<migdoc_python::TextRange> {
    let f = ctx.sources.files.get(file)?;
    if let Some(first) = run
        .statement
        .as_deref()
        .and_then(|s| s.trim().lines().next())
        .map(str::trim)
        .filter(|l| l.len() >= 12)
        && let Some(at) = f.text.find(first)
    {
        let start = u32::try_from(at).ok()?;
        return Some(migdoc_python::TextRange::new(
            start,
            start + u32::try_from(first.len()).ok()?,
        ));
    }
    let name = if run.phase.as_deref() == Some("downgrade") {
        "downgrade"
    } else {
        "upgrade"
    };
    f.module().body.iter().find_map(|s| match s {
        migdoc_python::ast::Stmt::FunctionDef(def) if def.name == name => {
            let start = def.range.start;
            let def_at = f.text.get(start as usize..)?.find(&format!("def {name}"))?;
            let at = start + u32::try_from(def_at).ok()?;
            Some(migdoc_python::TextRange::new(
                at,
                at + 4 + u32::try_from(name.len()).ok()?,
            ))
        }
        _ => None,
    })
}
