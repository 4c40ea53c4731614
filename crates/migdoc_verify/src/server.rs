//! Where the migrations run: a throwaway cluster (default), or scratch databases on a server the
//! user names with `--database-url` (created and dropped by migdoc; nothing else is touched).

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use migdoc_pg::url::DbUrl;
use migdoc_pg::{Cluster, OnExit};

use crate::{Options, VerifyError};

pub enum Server {
    Throwaway(Cluster),
    External {
        url: DbUrl,
        psql: PathBuf,
        version: u32,
        /// Every scratch database's name starts with it: `migdoc_verify_<pid>_`.
        prefix: String,
        next: AtomicUsize,
        /// Holds what migdoc writes for the run (the generic env).
        dir: tempfile::TempDir,
        /// Drops the scratch databases and deletes `dir` when migdoc ends, however it ends.
        /// Declared after `dir`: it runs when the server is dropped.
        janitor: OnExit,
    },
}

impl Server {
    pub(crate) fn start(options: &Options) -> Result<Server, VerifyError> {
        match &options.database_url {
            None => {
                let bins = migdoc_pg::find_binaries(options.postgres_bin.as_deref())?;
                Ok(Server::Throwaway(Cluster::start(&bins)?))
            }
            Some(raw) => {
                let url = DbUrl::parse(raw).ok_or_else(|| VerifyError::Database(format!("`{}` is not a PostgreSQL URL", migdoc_pg::url::mask(raw))))?;
                let psql = find_psql(options)?;
                let prefix = format!("migdoc_verify_{}_", std::process::id());
                let dir = tempfile::Builder::new().prefix("migdoc-verify-").tempdir()?;
                let janitor = janitor(&psql, &url, &prefix, dir.path())?;
                let mut server = Server::External { url, psql, version: 0, prefix, next: AtomicUsize::new(0), dir, janitor };
                let version = server.query_admin("SHOW server_version_num")?;
                let version = version.trim().parse::<u32>().map(|v| v / 10000).unwrap_or(0);
                if let Server::External { version: v, .. } = &mut server {
                    *v = version;
                }
                Ok(server)
            }
        }
    }

    /// A directory removed with the server (the throwaway cluster, or the scratch databases),
    /// even when migdoc is killed.
    pub(crate) fn own_dir(&self) -> &std::path::Path {
        match self {
            Server::Throwaway(cluster) => cluster.socket_dir(),
            Server::External { dir, .. } => dir.path(),
        }
    }

    /// A fresh empty database; its name.
    pub(crate) fn scratch(&self, purpose: &str) -> Result<String, VerifyError> {
        match self {
            Server::Throwaway(cluster) => {
                cluster.create_database(purpose)?;
                Ok(purpose.to_owned())
            }
            Server::External { prefix, next, .. } => {
                let name = format!("{prefix}{}_{purpose}", next.fetch_add(1, Ordering::Relaxed));
                self.query_admin(&format!("CREATE DATABASE \"{name}\""))?;
                Ok(name)
            }
        }
    }

    /// Drops a scratch database; a failure only leaves it behind (reported on stderr by no one:
    /// the throwaway cluster goes anyway, and external scratch names say they are migdoc's).
    pub(crate) fn drop_scratch(&self, name: &str) {
        match self {
            Server::Throwaway(cluster) => {
                let _ = cluster.drop_database(name);
            }
            Server::External { version, .. } => {
                let force = if *version >= 13 { " WITH (FORCE)" } else { "" };
                let _ = self.query_admin(&format!("DROP DATABASE IF EXISTS \"{name}\"{force}"));
            }
        }
    }

    pub(crate) fn sqlalchemy_url(&self, database: &str) -> String {
        match self {
            Server::Throwaway(cluster) => cluster.url(database),
            Server::External { url, .. } => url.with_database(database).sqlalchemy(),
        }
    }

    /// Runs `sql` in `database` and returns psql's unaligned output.
    pub(crate) fn query(&self, database: &str, sql: &str) -> Result<String, VerifyError> {
        match self {
            Server::Throwaway(cluster) => Ok(cluster.psql(database, sql)?),
            Server::External { url, psql, .. } => run_psql(psql, &url.with_database(database), sql, &url.masked()),
        }
    }

    fn query_admin(&self, sql: &str) -> Result<String, VerifyError> {
        match self {
            Server::Throwaway(cluster) => Ok(cluster.psql("postgres", sql)?),
            Server::External { url, psql, .. } => run_psql(psql, url, sql, &url.masked()),
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Server::Throwaway(cluster) => format!("throwaway PostgreSQL {} at {}", cluster.binaries().version, cluster.socket_dir().display()),
            Server::External { url, .. } => url.masked(),
        }
    }

    pub(crate) fn version(&self) -> u32 {
        match self {
            Server::Throwaway(cluster) => cluster.binaries().version,
            Server::External { version, .. } => *version,
        }
    }
}

/// Drops every scratch database of this run (`prefix*`) and deletes `dir` once migdoc ends. The
/// drop is forced: a driver left running by a killed migdoc may still be connected. The names
/// are compared as strings (a LIKE pattern depends on `standard_conforming_strings`), and every
/// catalog name is qualified (the server's `search_path` is the user's).
fn janitor(psql: &std::path::Path, url: &DbUrl, prefix: &str, dir: &std::path::Path) -> Result<OnExit, VerifyError> {
    let mine = format!("pg_catalog.left(datname::text, {}) = '{prefix}'", prefix.len());
    let script = format!(
        "for _ in 1 2 3; do {psql} -X -q -v ON_ERROR_STOP=1 <<'SQL' >/dev/null 2>&1 && break\n\
         SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE {mine} AND pid <> pg_catalog.pg_backend_pid();\n\
         SELECT pg_catalog.format('DROP DATABASE IF EXISTS %I%s', datname, CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 130000 THEN ' WITH (FORCE)' ELSE '' END) FROM pg_catalog.pg_database WHERE {mine} \\gexec\n\
         SQL\n\
         sleep 1; done; rm -rf {dir}",
        psql = migdoc_pg::shell_quote(psql.as_os_str()),
        dir = migdoc_pg::shell_quote(dir.as_os_str()),
    );
    let admin = url.with_database("postgres");
    Ok(OnExit::spawn(&script, |cmd| libpq_env(cmd, &admin))?)
}

fn find_psql(options: &Options) -> Result<PathBuf, VerifyError> {
    migdoc_pg::find_psql(options.postgres_bin.as_deref())
        .ok_or_else(|| VerifyError::Database("psql is needed to talk to --database-url and was not found (install postgresql-client)".into()))
}

fn run_psql(psql: &PathBuf, url: &DbUrl, sql: &str, shown: &str) -> Result<String, VerifyError> {
    let mut cmd = Command::new(psql);
    cmd.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]);
    libpq_env(&mut cmd, url);
    let out = cmd.output()?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(VerifyError::Database(format!("{shown}: {}", err.trim())));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Connects `cmd`'s libpq to `url` through its environment (the password is on no command line),
/// and to nothing the user's own `PG*` variables would add.
fn libpq_env(cmd: &mut Command, url: &DbUrl) {
    for var in ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE", "PGOPTIONS", "PGSERVICE", "PGHOSTADDR"] {
        cmd.env_remove(var);
    }
    cmd.envs(url.libpq_env()).env("PGCONNECT_TIMEOUT", "10");
}
