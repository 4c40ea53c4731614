//! `migdoc new-migration`: a revision file on the current head, written with the patterns that
//! keep enum changes safe (the `migdoc.alembic` helpers, `create_type=False` references, types
//! dropped after their tables).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::args::NewMigrationArgs;
use crate::mako;

pub(crate) fn run(args: NewMigrationArgs) -> anyhow::Result<ExitCode> {
    let project = args.project.discover()?;
    let sources = project.load();
    let graph = migdoc_linter::build_graph(&sources);
    // Alembic cannot load a history with a cycle; a new file on it would be a second base.
    if let Some(nodes) = graph.problems.iter().find_map(|p| match p {
        migdoc_graph::GraphProblem::Cycle { nodes } => Some(nodes),
        _ => None,
    }) {
        anyhow::bail!(
            "the history has a cycle ({}): Alembic cannot load it, so there is no head to write on; fix the cycle first (`migdoc check` shows it)",
            nodes
                .iter()
                .map(|&n| graph.nodes[n].id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let down = match &args.head {
        Some(rev) => {
            anyhow::ensure!(
                graph.get(rev).is_some(),
                "`{rev}` is not a revision of this project"
            );
            Some(rev.clone())
        }
        None => match graph.heads.as_slice() {
            [] if graph.nodes.is_empty() => None,
            [] => anyhow::bail!(
                "the history has revisions but no head (`migdoc check` shows why): nothing to write on"
            ),
            [head] => Some(graph.nodes[*head].id.clone()),
            heads => anyhow::bail!(
                "the history has {} heads ({}): merge them first (`alembic merge heads`), or pick one with --head",
                heads.len(),
                heads
                    .iter()
                    .map(|&h| graph.nodes[h].id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let dir = project
        .version_dirs
        .first()
        .context("no version directory to write to")?;
    let rev = new_revision_id(|id| graph.get(id).is_some());
    let now = Now::utc();
    let config = project.config.as_ref();
    let name = file_name(config, &rev, &args.message, &now)?;
    let path = dir.join(format!("{name}.py"));
    // The project's own template, as `alembic revision` renders it; migdoc's when it has none.
    let template_path = config
        .and_then(|c| c.script_location.as_ref())
        .map(|l| l.join("script.py.mako"))
        .filter(|p| p.is_file());
    let template = match &template_path {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
        None => BUILT_IN.to_owned(),
    };
    let context = std::collections::BTreeMap::from([
        ("message", mako::Val::Str(args.message.clone())),
        ("up_revision", mako::Val::Str(rev.clone())),
        (
            "down_revision",
            down.clone().map_or(mako::Val::None, mako::Val::Str),
        ),
        ("branch_labels", mako::Val::None),
        ("depends_on", mako::Val::None),
        ("create_date", mako::Val::Date(now.datetime())),
        ("imports", mako::Val::Str(String::new())),
        ("upgrades", mako::Val::Str(UPGRADES.join("\n    "))),
        ("downgrades", mako::Val::Str(DOWNGRADES.join("\n    "))),
    ]);
    let shown_template = template_path.as_deref().map_or_else(
        || "migdoc's template".to_owned(),
        |p| {
            migdoc_project::shown_path(&project.root, p)
                .display()
                .to_string()
        },
    );
    let text = mako::render(&template, &context).map_err(|what| anyhow::anyhow!("{shown_template} uses {what}, which migdoc does not render; write this revision with `alembic revision -m ...`"))?;
    // What was rendered must be a revision Alembic reads as this one, on this parent.
    let file =
        migdoc_project::RevisionFile::from_bytes(&path, path.clone(), text.clone().into_bytes());
    anyhow::ensure!(
        file.facts.errors.is_empty(),
        "{shown_template} rendered a file that is not valid Python ({}); nothing was written",
        file.facts.errors[0].message
    );
    let header_rev = file.header.id();
    let header_down: Vec<&str> = file
        .header
        .down_revisions
        .iter()
        .map(|r| r.value.as_str())
        .collect();
    anyhow::ensure!(
        header_rev == Some(rev.as_str())
            && header_down == down.as_deref().into_iter().collect::<Vec<_>>(),
        "{shown_template} rendered a file whose `revision`/`down_revision` are not {rev}/{} as migdoc reads them; nothing was written",
        down.as_deref().unwrap_or("None")
    );
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    out.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        crate::report::Paths::new(&project.root).show(&path)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The guidance `upgrade()` gets: the safe enum patterns, as comments (no import is added that
/// the file would not use).
const UPGRADES: &[&str] = &[
    "# A new enum type: create it once, then refer to it with create_type=False",
    "# (sa.Enum ignores create_type before SQLAlchemy 2.1):",
    "#     from migdoc.alembic import create_enum",
    "#     create_enum(\"order_status\", [\"new\", \"paid\"])",
    "#     op.add_column(\"orders\", sa.Column(\"status\", postgresql.ENUM(name=\"order_status\", create_type=False)))",
    "# New labels of an existing type, usable in this migration (migdoc.alembic.add_enum_values",
    "# commits them first):",
    "#     add_enum_values(\"order_status\", [\"shipped\"])",
    "# A label renamed (PostgreSQL 10 and later):",
    "#     rename_enum_value(\"order_status\", \"paid\", \"settled\")",
    "pass",
];

const DOWNGRADES: &[&str] = &[
    "# Undo upgrade() in reverse order, tables and columns before the types they use:",
    "#     op.drop_column(\"orders\", \"status\")",
    "#     drop_enum(\"order_status\")  # from migdoc.alembic import drop_enum",
    "# PostgreSQL cannot remove a label from a type: added labels stay.",
    "pass",
];

/// migdoc's template, for a project without `script.py.mako`: Alembic's generic one without the
/// imports a file of comments does not use.
const BUILT_IN: &str = r#""""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
${imports if imports else ""}
# revision identifiers, used by Alembic.
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
"#;

/// The new file's name (without `.py`): `file_template` with Alembic's keys, the slug made as
/// `ScriptDirectory._rev_path` makes it.
fn file_name(
    config: Option<&migdoc_project::AlembicConfig>,
    rev: &str,
    message: &str,
    now: &Now,
) -> anyhow::Result<String> {
    let truncate = match config.and_then(|c| c.truncate_slug_length.as_deref()) {
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or(40),
        None => 40,
    };
    let slug = slug(message, truncate);
    let template = config
        .and_then(|c| c.file_template.clone())
        .unwrap_or_else(|| "%(rev)s_%(slug)s".into());
    let values = std::collections::BTreeMap::from([
        ("rev", Err(rev.to_owned())),
        ("slug", Err(slug)),
        ("epoch", Ok(now.epoch)),
        ("year", Ok(now.year)),
        ("month", Ok(now.month)),
        ("day", Ok(now.day)),
        ("hour", Ok(now.hour)),
        ("minute", Ok(now.minute)),
        ("second", Ok(now.second)),
    ]);
    mako::percent_format(&template, &values).map_err(|what| {
        anyhow::anyhow!("alembic.ini's file_template has {what}, which migdoc does not format")
    })
}

/// Alembic's slug: the message's `\w+` runs joined by `_`, lower-cased, cut at
/// `truncate_slug_length` back to a word boundary (plus `_`).
fn slug(message: &str, truncate: usize) -> String {
    let words: Vec<String> = message
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let slug = words.join("_").to_lowercase();
    if slug.chars().count() > truncate {
        let cut: String = slug.chars().take(truncate).collect();
        match cut.rsplit_once('_') {
            Some((head, _)) => format!("{head}_"),
            None => format!("{cut}_"),
        }
    } else {
        slug
    }
}

/// 12 hex digits, like Alembic's `rev_id()`, not already taken.
fn new_revision_id(taken: impl Fn(&str) -> bool) -> String {
    use std::hash::{BuildHasher, Hasher};
    loop {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        let id = format!("{:012x}", h.finish() & 0xffff_ffff_ffff);
        if !taken(&id) {
            return id;
        }
    }
}

/// The moment a revision is written (UTC; Alembic uses local time unless `timezone` is set).
struct Now {
    epoch: i64,
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micros: u32,
}

impl Now {
    fn utc() -> Now {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let secs = i64::try_from(since.as_secs()).unwrap_or(0);
        let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Now {
            epoch: secs,
            year,
            month,
            day,
            hour: rest / 3600,
            minute: rest % 3600 / 60,
            second: rest % 60,
            micros: since.subsec_micros(),
        }
    }

    /// `str(datetime.datetime)`: microseconds shown when there are some.
    fn datetime(&self) -> String {
        let base = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if self.micros == 0 {
            base
        } else {
            format!("{base}.{:06}", self.micros)
        }
    }
}
