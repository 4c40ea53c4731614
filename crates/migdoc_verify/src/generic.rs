//! An Alembic configuration migdoc writes itself, for histories whose own `env.py` cannot run
//! here (`--generic-env`: it needs the application's settings) or that have none (`--versions`):
//! an `alembic.ini` whose version locations are the history's directories, and an `env.py` that
//! connects to the URL migdoc gives, with `target_metadata = None` and the `env.py` settings
//! migdoc read from the project's own (`transaction_per_migration`, `version_table`,
//! `version_table_schema`). The revisions' own imports are found through the project's module
//! roots (`Project::search_roots`), added to `sys.path` by the driver.

use std::path::{Path, PathBuf};

use migdoc_project::Project;

use crate::VerifyError;

pub(crate) struct GenericEnv {
    /// Removed on drop, and with the server's own directory when migdoc is killed.
    dir: PathBuf,
}

impl Drop for GenericEnv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl GenericEnv {
    /// Writes the configuration in a new directory under `parent` (a directory that is removed
    /// when migdoc dies).
    pub(crate) fn write(project: &Project, parent: &Path) -> Result<GenericEnv, VerifyError> {
        let dir = parent.join(format!("migdoc-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let env = GenericEnv { dir };
        let root = env.path().to_owned();
        // The history's directories as links with plain names: Alembic splits
        // `version_locations` on spaces, which real paths may hold.
        let mut locations = Vec::new();
        for (i, versions) in project.version_dirs.iter().enumerate() {
            let target = std::fs::canonicalize(versions)?;
            let link = root.join(format!("versions_{i}"));
            std::os::unix::fs::symlink(&target, &link)?;
            locations.push(format!("versions_{i}"));
        }
        let settings = project.env.as_ref();
        let tpm = settings
            .and_then(|e| e.transaction_per_migration.known())
            .unwrap_or(false);
        let table = settings
            .and_then(|e| e.version_table.known())
            .unwrap_or_else(|| "alembic_version".to_owned());
        let schema = settings.and_then(|e| e.version_table_schema.known());
        let ini = format!(
            "[alembic]\nscript_location = .\nversion_locations = {}\nrecursive_version_locations = {}\n",
            locations.join(" "),
            project.recursive
        );
        std::fs::write(root.join("alembic.ini"), ini)?;
        let env_py = ENV_PY
            .replace("{TPM}", if tpm { "True" } else { "False" })
            .replace("{TABLE}", &python_str(&table))
            .replace(
                "{SCHEMA}",
                &schema
                    .as_deref()
                    .map_or_else(|| "None".to_owned(), python_str),
            );
        std::fs::write(root.join("env.py"), env_py)?;
        Ok(env)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn ini(&self) -> PathBuf {
        self.path().join("alembic.ini")
    }
}

/// A Python string literal.
fn python_str(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

const ENV_PY: &str = r#"# Written by migdoc verify: runs the history with no application code.
from alembic import context
from sqlalchemy import create_engine, pool

config = context.config


def run_migrations_online():
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=None,
            transaction_per_migration={TPM},
            version_table={TABLE},
            version_table_schema={SCHEMA},
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"#;
