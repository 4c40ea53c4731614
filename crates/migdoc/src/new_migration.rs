//! `migdoc new-migration`: a revision file on the current head, written with the patterns that
//! keep enum changes safe (the `migdoc.alembic` helpers, `create_type=False` references, types
//! dropped after their tables).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::args::NewMigrationArgs;

pub(crate) fn run(args: NewMigrationArgs) -> anyhow::Result<ExitCode> {
    let project = args.project.discover()?;
    let sources = project.load();
    let graph = migdoc_linter::build_graph(&sources);
    let down = match &args.head {
        Some(rev) => {
            anyhow::ensure!(graph.get(rev).is_some(), "`{rev}` is not a revision of this project");
            Some(rev.clone())
        }
        None => match graph.heads.as_slice() {
            [] => None,
            [head] => Some(graph.nodes[*head].id.clone()),
            heads => anyhow::bail!(
                "the history has {} heads ({}): merge them first (`alembic merge heads`), or pick one with --head",
                heads.len(),
                heads.iter().map(|&h| graph.nodes[h].id.as_str()).collect::<Vec<_>>().join(", ")
            ),
        },
    };
    let dir = project.version_dirs.first().context("no version directory to write to")?;
    let rev = new_revision_id(|id| graph.get(id).is_some());
    let slug: String = args
        .message
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    let slug: String = slug.chars().take(40).collect();
    let path = dir.join(if slug.is_empty() { format!("{rev}.py") } else { format!("{rev}_{slug}.py") });
    anyhow::ensure!(!path.exists(), "{} already exists", path.display());
    std::fs::write(&path, template(&rev, down.as_deref(), &args.message)).with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(std::io::stdout().lock(), "{}", migdoc_project::shown_path(&project.root, &path).display())?;
    Ok(ExitCode::SUCCESS)
}

/// 12 hex digits, like Alembic's `rev_id()`, not already taken.
fn new_revision_id(taken: impl Fn(&str) -> bool) -> String {
    use std::hash::{BuildHasher, Hasher};
    loop {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        h.write_u32(std::process::id());
        let id = format!("{:012x}", h.finish() & 0xffff_ffff_ffff);
        if !taken(&id) {
            return id;
        }
    }
}

/// Today's date and time (UTC) as `YYYY-MM-DD HH:MM:SS`.
fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}


fn template(rev: &str, down: Option<&str>, message: &str) -> String {
    let docstring_message = message.replace("\"\"\"", "'''").replace('\\', "\\\\");
    let down_literal = down.map_or_else(|| "None".to_owned(), migdoc_python::string_literal);
    format!(
        r#""""{docstring_message}

Revision ID: {rev}
Revises: {revises}
Create Date: {date}

Enum types change through migdoc.alembic: each helper is idempotent, quotes its names and
labels, and `add_enum_values` commits the labels so that this migration can use them.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from migdoc.alembic import add_enum_values, create_enum, drop_enum, rename_enum_value

revision = {rev_literal}
down_revision = {down_literal}
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new enum type: create it once, then refer to it with create_type=False
    # (sa.Enum ignores create_type before SQLAlchemy 2.1):
    #     create_enum("order_status", ["new", "paid"])
    #     op.add_column("orders", sa.Column("status", postgresql.ENUM(name="order_status", create_type=False)))
    # New labels of an existing type, usable right away:
    #     add_enum_values("order_status", ["shipped"])
    # A label renamed (PostgreSQL 10 and later):
    #     rename_enum_value("order_status", "paid", "settled")
    pass


def downgrade() -> None:
    # Undo upgrade() in reverse order, tables and columns before the types they use:
    #     op.drop_column("orders", "status")
    #     drop_enum("order_status")
    # PostgreSQL cannot remove a label from a type: added labels stay.
    pass
"#,
        revises = down.unwrap_or(""),
        date = now_utc(),
        rev_literal = migdoc_python::string_literal(rev),
    )
}
