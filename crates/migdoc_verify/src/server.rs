//! Where the migrations run: a throwaway cluster (default), or scratch databases on a server the
//! user names with `--database-url` (created and dropped by migdoc; nothing else is touched).

use std::sync::atomic::{AtomicUsize, Ordering};

use migdoc_pg::session::{Session, SessionOptions};
use migdoc_pg::url::{ConnInfo, DbUrl};
use migdoc_pg::{Cluster, OnExit, quote_ident};

use crate::{Options, VerifyError};

pub enum Server {
    Throwaway(Cluster),
    External {
        url: DbUrl,
        /// The same server, as the native client connects to it.
        info: ConnInfo,
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
                let url = DbUrl::parse(raw).ok_or_else(|| {
                    VerifyError::Database(format!(
                        "`{}` is not a PostgreSQL URL",
                        migdoc_pg::url::mask(raw)
                    ))
                })?;
                let info = ConnInfo::parse(raw).map_err(VerifyError::Database)?;
                let prefix = format!("migdoc_verify_{}_", std::process::id());
                let dir = tempfile::Builder::new()
                    .prefix("migdoc-verify-")
                    .tempdir()?;
                let janitor = janitor(raw, &prefix, dir.path())?;
                let mut server = Server::External {
                    url,
                    info,
                    version: 0,
                    prefix,
                    next: AtomicUsize::new(0),
                    dir,
                    janitor,
                };
                let version = server.query_admin("SHOW server_version_num")?;
                let version = version
                    .trim()
                    .parse::<u32>()
                    .map(|v| v / 10000)
                    .unwrap_or(0);
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
                self.query_admin(&format!("CREATE DATABASE {}", quote_ident(&name)))?;
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
                let _ = self.query_admin(&format!(
                    "DROP DATABASE IF EXISTS {}{force}",
                    quote_ident(name)
                ));
            }
        }
    }

    pub(crate) fn sqlalchemy_url(&self, database: &str) -> String {
        match self {
            Server::Throwaway(cluster) => cluster.url(database),
            Server::External { url, .. } => url.with_database(database).sqlalchemy(),
        }
    }

    /// Runs `sql` in `database` and returns its rows as psql's unaligned output would show them
    /// (columns joined by `|`, a line a row).
    pub(crate) fn query(&self, database: &str, sql: &str) -> Result<String, VerifyError> {
        match self {
            Server::Throwaway(cluster) => Ok(cluster.psql(database, sql)?),
            Server::External { info, .. } => run_sql(&info.with_database(database), sql),
        }
    }

    fn query_admin(&self, sql: &str) -> Result<String, VerifyError> {
        match self {
            Server::Throwaway(cluster) => Ok(cluster.psql("postgres", sql)?),
            Server::External { info, .. } => run_sql(info, sql),
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Server::Throwaway(cluster) => format!(
                "throwaway PostgreSQL {} at {}",
                cluster.binaries().version,
                cluster.socket_dir().display()
            ),
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

/// Drops every scratch database of this run (`prefix*`) and deletes `dir` once migdoc ends:
/// the script runs migdoc itself (`migdoc internal-drop-scratch`, see [`drop_scratch_databases`]),
/// with the URL in its environment, never on a command line.
fn janitor(url: &str, prefix: &str, dir: &std::path::Path) -> Result<OnExit, VerifyError> {
    let exe = std::env::current_exe()?;
    let script = format!(
        "for _ in 1 2 3; do {exe} internal-drop-scratch >/dev/null 2>&1 && break; sleep 1; done; rm -rf {dir}",
        exe = migdoc_pg::shell_quote(exe.as_os_str()),
        dir = migdoc_pg::shell_quote(dir.as_os_str()),
    );
    Ok(OnExit::spawn(&script, |cmd| {
        cmd.env(SCRATCH_URL_VAR, url)
            .env(SCRATCH_PREFIX_VAR, prefix);
    })?)
}

/// Where [`drop_scratch_databases`] finds the server and the names: the environment.
pub const SCRATCH_URL_VAR: &str = "MIGDOC_SCRATCH_URL";
pub const SCRATCH_PREFIX_VAR: &str = "MIGDOC_SCRATCH_PREFIX";

/// Drops every database whose name starts with `prefix` on the server of `url` (connected to
/// its `postgres` database). Forced: a driver left running by a killed migdoc may still be
/// connected. Names are compared as strings and bound as parameters; every catalog name is
/// qualified.
pub fn drop_scratch_databases(url: &str, prefix: &str) -> Result<usize, VerifyError> {
    if !prefix.starts_with("migdoc_verify_") {
        return Err(VerifyError::Database(format!(
            "`{prefix}` is not a prefix of migdoc's scratch databases"
        )));
    }
    let info = ConnInfo::parse(url)
        .map_err(VerifyError::Database)?
        .with_database("postgres");
    let mut session = Session::connect(&info, &admin_options())
        .map_err(|e| VerifyError::Database(e.to_string()))?;
    let shown = session.shown().to_owned();
    let c = session.client();
    let fail = |e: migdoc_pg::session::postgres::Error| {
        VerifyError::Database(format!("{shown}: {}", migdoc_pg::session::describe(&e)))
    };
    let len = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    c.execute(
        "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE pg_catalog.left(datname::text, $2) = $1 AND pid <> pg_catalog.pg_backend_pid()",
        &[&prefix, &len],
    )
    .map_err(fail)?;
    let version: i32 = c
        .query_one(
            "SELECT pg_catalog.current_setting('server_version_num')::int",
            &[],
        )
        .map_err(fail)?
        .get(0);
    let names: Vec<String> =
        c.query("SELECT datname::text FROM pg_catalog.pg_database WHERE pg_catalog.left(datname::text, $2) = $1", &[&prefix, &len]).map_err(fail)?.iter().map(|r| r.get(0)).collect();
    let force = if version >= 130_000 {
        " WITH (FORCE)"
    } else {
        ""
    };
    for name in &names {
        c.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {}{force}",
            quote_ident(name)
        ))
        .map_err(fail)?;
    }
    Ok(names.len())
}

/// Scratch databases are created and dropped outside transactions, and a forced drop may wait.
fn admin_options() -> SessionOptions {
    SessionOptions {
        statement_timeout_ms: 120_000,
        lock_timeout_ms: 60_000,
        read_only: false,
    }
}

/// Runs `sql` (one statement, or several in one simple query) and shows its rows as psql's
/// unaligned, tuples-only output does.
fn run_sql(info: &ConnInfo, sql: &str) -> Result<String, VerifyError> {
    use migdoc_pg::session::postgres::SimpleQueryMessage;
    let mut session = Session::connect(info, &admin_options())
        .map_err(|e| VerifyError::Database(e.to_string()))?;
    let shown = session.shown().to_owned();
    let messages = session.client().simple_query(sql).map_err(|e| {
        VerifyError::Database(format!("{shown}: {}", migdoc_pg::session::describe(&e)))
    })?;
    let mut out = String::new();
    for m in messages {
        if let SimpleQueryMessage::Row(row) = m {
            let cols: Vec<&str> = (0..row.len()).map(|i| row.get(i).unwrap_or("")).collect();
            out.push_str(&cols.join("|"));
            out.push('\n');
        }
    }
    Ok(out)
}
