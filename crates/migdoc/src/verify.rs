//! `migdoc verify`: runs the project's migrations for real (`migdoc_verify`), then reports each
//! real failure with `check`'s prediction, the differences between the migrated database and the
//! replay, and the models against the migrated database.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use migdoc_linter::{LiveRun, Settings};

use crate::args::{FailOn, VerifyArgs};
use crate::report;

pub(crate) fn run(args: VerifyArgs, color: crate::args::ColorArg) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let project = args.project.discover()?;
    let selection = crate::selection(&project.settings, None, &[])?;
    let sources = project.load();
    crate::require_base_models(&sources)?;
    let options = migdoc_verify::Options {
        python: args.python.clone(),
        database_url: args.database_url.clone(),
        postgres_bin: args.postgres_bin.clone(),
        url_env: args.url_env.clone(),
        step_timeout: args.step_timeout.map(std::time::Duration::from_secs),
        generic_env: args.generic_env,
        catalog_after_each: args.catalog_after_each,
        prepare: args.prepare.clone(),
        flask_app: args.flask_app.clone(),
    };
    let show_progress = io::stderr().is_terminal()
        && std::env::var_os("CI").is_none_or(|v| v.is_empty() || v == "false");
    let progress = |p: migdoc_verify::Progress<'_>| {
        if show_progress {
            let mut err = io::stderr().lock();
            let _ = write!(
                err,
                "\r\x1b[K[{}/{}] upgrade {}",
                p.done + 1,
                p.total,
                p.revision
            );
            let _ = err.flush();
        }
    };
    let verified = migdoc_verify::verify(&project, &options, &progress);
    if show_progress {
        let _ = write!(io::stderr().lock(), "\r\x1b[K");
    }
    let verified = verified?;
    // What `check` predicts for this very server and this very SQLAlchemy.
    let settings = Settings::new(
        verified.postgres_version,
        Some(crate::parse_sqlalchemy_version(
            &verified.sqlalchemy_version,
        )?),
    );
    // The one-revision-per-run deploy fails at most once per independent history.
    let mut modes = vec![("upgrade_head", &verified.upgrade_head)];
    if verified.step_by_step.ok {
        modes.push(("step_by_step", &verified.step_by_step));
    }
    modes.extend(
        verified
            .steps
            .iter()
            .filter(|s| !s.outcome.ok)
            .map(|s| ("step_by_step", &s.outcome)),
    );
    modes.push(("roundtrip", &verified.roundtrip));
    modes.extend(verified.upgrade_heads.iter().map(|r| ("upgrade_heads", r)));
    let runs: Vec<LiveRun> = modes
        .into_iter()
        .map(|(mode, r)| LiveRun {
            mode,
            ok: r.ok,
            skipped: r.skipped,
            phase: r.phase.clone(),
            revision: r.revision.clone(),
            sqlstate: r.sqlstate.clone(),
            error: r.error.clone(),
            statement: r.statement.clone(),
            environment: r.environment,
        })
        .collect();
    let mut report = migdoc_linter::verify_report(
        &project,
        &sources,
        &settings,
        &runs,
        verified.catalog.as_ref(),
    );
    migdoc_linter::apply_selection(&mut report, &project, &sources, &selection, false);
    let paths = report::Paths::new(&project.root);
    let verify = serde_json::to_value(&verified)?;
    crate::write_report(&args.output, color, &|hyperlinks| {
        let ctx = report::Ctx {
            paths: &paths,
            report: &report,
            sources: &sources,
            elapsed_ms: started.elapsed().as_millis(),
            verify: Some(verify.clone()),
            hidden: crate::scope::Hidden::default(),
            show_unknown: false,
            quiet: args.output.quiet,
            hyperlinks,
        };
        let mut out = Vec::new();
        args.output.output_format.write(&mut out, &ctx)?;
        Ok(out)
    })?;
    let threshold = FailOn::threshold(args.fail_on, &project.settings);
    Ok(
        if !args.output.exit_zero && report.diagnostics.iter().any(|d| d.severity >= threshold) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}
