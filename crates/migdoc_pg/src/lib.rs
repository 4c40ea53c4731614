//! A throwaway PostgreSQL server: `migdoc verify` and the differential tests run real migrations
//! against it.
//!
//! [`find_binaries`] locates a server installation; [`Cluster::start`] runs `initdb` into a fresh
//! temporary directory and starts a server that listens only on a Unix socket inside that
//! directory, so clusters never collide with each other or with a PostgreSQL already running on
//! the machine. Dropping the [`Cluster`] stops the server and deletes the directory.
//!
//! The server is tuned for speed, not durability (`fsync = off`): it holds nothing worth keeping.

pub mod session;
pub mod url;

/// migdoc's PostgreSQL advisory lock key, the bytes of "migdoc": `migdoc doctor --apply` holds it
/// while it writes, and env.py should hold it around `run_migrations()` (rule MD218), so that two
/// deploys, or a deploy and a repair, never interleave.
pub const LOCK_KEY: i64 = 0x6d69_6764_6f63;

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error(
        "no postgresql server binaries found (looked in {0}); install them (e.g. `apt-get install postgresql-15`) or pass --postgres-bin DIR"
    )]
    NotFound(String),
    #[error("{what} failed: {}", output.trim_end())]
    Command { what: String, output: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A directory holding `initdb`, `pg_ctl` and `postgres`, and the major version they report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgBinaries {
    pub bindir: PathBuf,
    pub version: u32,
}

/// Finds the server binaries: in `explicit` when given (and nowhere else), otherwise next to the
/// `initdb` on `PATH`, in `pg_config --bindir`, then in `/usr/lib/postgresql/*/bin` (Debian's
/// layout, highest version first).
pub fn find_binaries(explicit: Option<&Path>) -> Result<PgBinaries, PgError> {
    if let Some(dir) = explicit {
        return probe(dir).ok_or_else(|| PgError::NotFound(dir.display().to_string()));
    }
    let mut looked = Vec::new();

    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            // Resolve symlinks: a `/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb` link
            // names the directory that also holds psql and friends.
            let Ok(initdb) = fs::canonicalize(dir.join("initdb")) else {
                continue;
            };
            if let Some(found) = initdb.parent().and_then(probe) {
                return Ok(found);
            }
        }
    }
    looked.push("PATH".to_owned());

    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if let Some(found) = probe(&dir) {
            return Ok(found);
        }
    }
    looked.push("`pg_config --bindir`".to_owned());

    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            Some((
                leading_number(&entry.file_name().to_string_lossy())?,
                entry.path().join("bin"),
            ))
        })
        .collect();
    versions.sort_by(|a, b| b.cmp(a));
    if let Some(found) = versions.iter().find_map(|(_, dir)| probe(dir)) {
        return Ok(found);
    }
    looked.push(format!("{}/*/bin", root.display()));

    Err(PgError::NotFound(looked.join(", ")))
}

/// `psql`: next to the server binaries (in `bindir` when given), else on `PATH`.
pub fn find_psql(bindir: Option<&Path>) -> Option<PathBuf> {
    let next_to_server = match bindir {
        Some(dir) => Some(dir.join("psql")),
        None => find_binaries(None).ok().map(|b| b.bindir.join("psql")),
    };
    next_to_server.filter(|p| p.is_file()).or_else(|| {
        std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .map(|d| d.join("psql"))
            .find(|p| p.is_file())
    })
}

/// The binaries in `dir`, if it has all the server needs and `initdb --version` answers.
fn probe(dir: &Path) -> Option<PgBinaries> {
    if !["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|name| dir.join(name).is_file())
    {
        return None;
    }
    let out = Command::new(dir.join("initdb"))
        .arg("--version")
        .output()
        .ok()?;
    // "initdb (PostgreSQL) 15.13 (Debian 15.13-0+deb12u1)"
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().find_map(leading_number)?;
    Some(PgBinaries {
        bindir: dir.to_path_buf(),
        version,
    })
}

fn leading_number(s: &str) -> Option<u32> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

/// The port only names the socket file (`.s.PGSQL.5432`): the server listens on no TCP address
/// and every cluster has its own socket directory, so all clusters can share it.
const PORT: u16 = 5432;

/// A running server in a temporary directory, reachable as the trusted superuser `postgres`.
///
/// Layout: the temporary directory is the socket directory; the data directory is `data/` and
/// the server log `server.log` inside it.
///
/// The server outlives no owner: `drop` stops it, and a reaper process stops it and deletes the
/// directory when this process ends without dropping the cluster (killed, interrupted).
#[derive(Debug)]
pub struct Cluster {
    bins: PgBinaries,
    psql: PathBuf,
    data_dir: PathBuf,
    /// `initdb` and `pg_ctl` refuse to run as root: then they run as the `postgres` user.
    as_postgres: bool,
    /// Taken (and disarmed) by `drop`, which stops the server itself.
    reaper: Option<OnExit>,
    /// Declared last so it is deleted after `drop` has stopped the server.
    dir: tempfile::TempDir,
}

impl Cluster {
    pub fn start(bins: &PgBinaries) -> Result<Cluster, PgError> {
        let dir = tempfile::Builder::new().prefix("migdoc-pg-").tempdir()?;
        // The new directory belongs to our effective uid.
        let as_postgres = fs::metadata(dir.path())?.uid() == 0;
        if as_postgres {
            let (uid, gid) = (postgres_id("-u")?, postgres_id("-g")?);
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
        }
        let psql = [bins.bindir.join("psql"), PathBuf::from("/usr/bin/psql")]
            .into_iter()
            .find(|p| p.is_file())
            .ok_or_else(|| {
                PgError::NotFound(format!(
                    "{}/psql and /usr/bin/psql (psql is needed too)",
                    bins.bindir.display()
                ))
            })?;
        let data_dir = dir.path().join("data");
        let reaper = spawn_reaper(
            &bins.bindir.join("pg_ctl"),
            &data_dir,
            dir.path(),
            as_postgres,
        )?;
        let cluster = Cluster {
            bins: bins.clone(),
            psql,
            data_dir,
            as_postgres,
            reaper: Some(reaper),
            dir,
        };

        let initdb = cluster
            .server_command("initdb")
            .arg("-D")
            .arg(&cluster.data_dir)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .output()?;
        check("initdb", &initdb)?;

        let socket_dir = cluster
            .socket_dir()
            .display()
            .to_string()
            .replace('\'', "''");
        let conf = format!(
            "\n# migdoc: a private, disposable server\n\
             listen_addresses = ''\nunix_socket_directories = '{socket_dir}'\nport = {PORT}\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
        );
        fs::OpenOptions::new()
            .append(true)
            .open(cluster.data_dir.join("postgresql.conf"))?
            .write_all(conf.as_bytes())?;

        let log = cluster.dir.path().join("server.log");
        let started = cluster
            .pg_ctl()
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "30", "start"])
            .output()?;
        if !started.status.success() {
            // The reason is in the server log, not in pg_ctl's output.
            let mut output = combined(&started);
            output.push_str(&fs::read_to_string(&log).unwrap_or_default());
            return Err(PgError::Command {
                what: "pg_ctl start".into(),
                output,
            });
        }
        Ok(cluster)
    }

    /// The directory holding the server's socket (the `host` of a Unix-socket connection).
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn port(&self) -> u16 {
        PORT
    }

    pub fn binaries(&self) -> &PgBinaries {
        &self.bins
    }

    /// A SQLAlchemy URL for `database` (the form Alembic's `env.py` passes to `create_engine`).
    pub fn url(&self, database: &str) -> String {
        format!("postgresql+psycopg2://{}", self.url_tail(database))
    }

    /// A libpq connection URI for `database`.
    pub fn libpq_url(&self, database: &str) -> String {
        format!("postgresql://{}", self.url_tail(database))
    }

    fn url_tail(&self, database: &str) -> String {
        let host = percent_encode(&self.socket_dir().display().to_string());
        format!(
            "postgres@/{}?host={host}&port={PORT}",
            percent_encode(database)
        )
    }

    pub fn create_database(&self, name: &str) -> Result<(), PgError> {
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {}", quote_ident(name)),
        )
        .map(drop)
    }

    /// Drops `name`, disconnecting any session still attached (a client that just exited may
    /// not have been reaped by the server yet).
    pub fn drop_database(&self, name: &str) -> Result<(), PgError> {
        let force = if self.bins.version >= 13 {
            " WITH (FORCE)"
        } else {
            ""
        };
        self.psql(
            "postgres",
            &format!("DROP DATABASE {}{force}", quote_ident(name)),
        )
        .map(drop)
    }

    /// Runs `sql` (one `psql -c` command: several statements run as one implicit transaction) and
    /// returns the output, unaligned and without headers, e.g. `"1\n"` for `SELECT 1`.
    pub fn psql(&self, database: &str, sql: &str) -> Result<String, PgError> {
        let out = Command::new(&self.psql)
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            // Connection settings go through the environment: a database name passed as `-d`
            // would be parsed as a connection string if it looked like one.
            .env("PGHOST", self.socket_dir())
            .env("PGPORT", PORT.to_string())
            .env("PGUSER", "postgres")
            .env("PGDATABASE", database)
            .env("PGCONNECT_TIMEOUT", "10")
            .env_remove("PGHOSTADDR")
            .env_remove("PGSERVICE")
            .env_remove("PGOPTIONS")
            .output()?;
        check(&format!("psql on database {database}"), &out)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Replaces the cluster's `pg_hba.conf` with `lines` and reloads it (tests of password
    /// authentication). Keep a `local all postgres trust` line: [`Cluster::psql`] needs it.
    pub fn set_hba(&self, lines: &str) -> Result<(), PgError> {
        // Written in place: the file keeps its owner (the server's user).
        fs::write(self.data_dir.join("pg_hba.conf"), lines)?;
        self.psql("postgres", "SELECT pg_catalog.pg_reload_conf()")
            .map(drop)
    }

    /// A command for one of the server binaries, as the `postgres` user when we are root.
    fn server_command(&self, program: &str) -> Command {
        let path = self.bins.bindir.join(program);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args([
                OsStr::new("-u"),
                OsStr::new("postgres"),
                OsStr::new("--"),
                path.as_os_str(),
            ]);
            cmd
        } else {
            Command::new(path)
        };
        // The postgres user may not be allowed into the caller's working directory.
        cmd.current_dir(self.dir.path());
        cmd
    }

    fn pg_ctl(&self) -> Command {
        let mut cmd = self.server_command("pg_ctl");
        cmd.arg("-D").arg(&self.data_dir);
        cmd
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(reaper) = self.reaper.take() {
            reaper.disarm();
        }
        let _ = self
            .pg_ctl()
            .args(["-m", "immediate", "-w", "-t", "10", "stop"])
            .output();
        // postmaster.pid outlives the server if the stop failed, or if the server died without
        // removing it: kill the pid only while it is still this cluster's server.
        if let Some(pid) = live_postmaster(&self.data_dir) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}

/// The pid in `data_dir/postmaster.pid` if that process is still the server of `data_dir` (a
/// postmaster works in its data directory). A stale file's pid may belong to anyone by now.
fn live_postmaster(data_dir: &Path) -> Option<rustix::process::Pid> {
    let pidfile = fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    let raw = pidfile.lines().next()?.trim().parse::<i32>().ok()?;
    let pid = rustix::process::Pid::from_raw(raw)?;
    let cwd = fs::read_link(Path::new("/proc").join(raw.to_string()).join("cwd")).ok()?;
    (fs::canonicalize(data_dir).ok()? == cwd).then_some(pid)
}

/// A shell script that runs once this process ends, however it ends (returns, panics, is
/// interrupted or killed), unless it was [disarmed](OnExit::disarm) first.
///
/// The shell waits for end of file on a pipe only this process writes to. It has its own
/// process group and ignores the usual signals, so a Ctrl-C or a kill of our process group does
/// not take it down with us. Dropping the guard runs the script at once and waits for it.
#[derive(Debug)]
pub struct OnExit {
    child: Child,
}

impl OnExit {
    /// `configure` sets the script's environment (what it holds is on no command line).
    pub fn spawn(script: &str, configure: impl FnOnce(&mut Command)) -> std::io::Result<OnExit> {
        let script = format!(
            "trap '' HUP INT TERM QUIT; read -r line; [ \"$line\" = disarmed ] && exit 0\n{script}"
        );
        let mut cmd = Command::new("sh");
        configure(&mut cmd);
        let child = cmd
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .current_dir("/")
            .process_group(0)
            .spawn()?;
        Ok(OnExit { child })
    }

    /// The script is not needed any more: it will not run.
    pub fn disarm(mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.write_all(b"disarmed\n");
        }
        let _ = self.child.wait();
    }
}

impl Drop for OnExit {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Stops the server and deletes `dir` when this process ends without dropping the cluster.
fn spawn_reaper(
    pg_ctl: &Path,
    data_dir: &Path,
    dir: &Path,
    as_postgres: bool,
) -> Result<OnExit, PgError> {
    let run_as = if as_postgres {
        "runuser -u postgres -- "
    } else {
        ""
    };
    let script = format!(
        // The owner may die while the server is still starting: try the stop again for a while.
        // A postmaster.pid whose process no longer works in the data directory is stale: its pid
        // may be anyone's by now, and pg_ctl would signal it.
        "for _ in 1 2 3 4 5; do [ -f {data}/postmaster.pid ] || break; \
         pid=$(head -n 1 {data}/postmaster.pid); [ \"$(readlink /proc/\"$pid\"/cwd)\" = \"$(readlink -f {data})\" ] || break; \
         {run_as}{pg_ctl} -D {data} -m immediate -w -t 10 stop >/dev/null 2>&1 && break; sleep 1; done; rm -rf {dir}",
        pg_ctl = shell_quote(pg_ctl.as_os_str()),
        data = shell_quote(data_dir.as_os_str()),
        dir = shell_quote(dir.as_os_str())
    );
    Ok(OnExit::spawn(&script, |_| ())?)
}

/// `s` as one word of a POSIX shell command.
pub fn shell_quote(s: &OsStr) -> String {
    format!("'{}'", s.to_string_lossy().replace('\'', r"'\''"))
}

/// `id -u postgres` or `id -g postgres`.
fn postgres_id(flag: &str) -> Result<u32, PgError> {
    let out = Command::new("id").args([flag, "postgres"]).output()?;
    let what = "look up the postgres user (the server cannot run as root)";
    check(what, &out)?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| PgError::Command {
            what: what.into(),
            output: combined(&out),
        })
}

fn check(what: &str, out: &Output) -> Result<(), PgError> {
    if out.status.success() {
        return Ok(());
    }
    let text = combined(out);
    let output = if text.trim().is_empty() {
        out.status.to_string()
    } else {
        format!("{} ({})", text.trim_end(), out.status)
    };
    Err(PgError::Command {
        what: what.into(),
        output,
    })
}

fn combined(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    )
}

/// `name` as a double-quoted SQL identifier.
/// `name` as a quoted SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn start() -> Cluster {
        let bins = find_binaries(None).unwrap_or_else(|e| panic!("{e}"));
        Cluster::start(&bins).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn finds_binaries() {
        let bins = find_binaries(None).unwrap_or_else(|e| panic!("{e}"));
        assert!(bins.bindir.join("initdb").is_file(), "{bins:?}");
        assert!(bins.version >= 10, "{bins:?}");
        assert_eq!(find_binaries(Some(&bins.bindir)).ok(), Some(bins));

        let err = find_binaries(Some(Path::new("/no/such/dir")))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("/no/such/dir") && err.contains("--postgres-bin DIR"),
            "{err}"
        );
    }

    #[test]
    fn creates_queries_and_drops_a_database() {
        let cluster = start();
        let name = "scratch \"db\"; DROP";
        cluster
            .create_database(name)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            cluster
                .psql(name, "SELECT 1")
                .unwrap_or_else(|e| panic!("{e}")),
            "1\n"
        );
        assert_eq!(
            cluster
                .psql(name, "SELECT current_database()")
                .unwrap_or_else(|e| panic!("{e}")),
            format!("{name}\n")
        );
        cluster
            .drop_database(name)
            .unwrap_or_else(|e| panic!("{e}"));
        let err = cluster
            .psql(name, "SELECT 1")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("does not exist"), "{err}");
        let err = cluster
            .psql("postgres", "SELECT * FROM nowhere")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("psql on database postgres failed")
                && err.contains("\"nowhere\" does not exist"),
            "{err}"
        );
    }

    #[test]
    fn urls_point_at_the_socket() {
        let cluster = start();
        let dir = cluster.socket_dir().display().to_string();
        assert_eq!(
            cluster.url("app db"),
            format!("postgresql+psycopg2://postgres@/app%20db?host={dir}&port=5432")
        );
        assert_eq!(
            cluster.libpq_url("app"),
            format!("postgresql://postgres@/app?host={dir}&port=5432")
        );
        assert!(cluster.socket_dir().join(".s.PGSQL.5432").exists());
    }

    #[test]
    fn drop_stops_the_server_and_removes_the_directory() {
        let cluster = start();
        let dir = cluster.socket_dir().to_path_buf();
        let pid =
            fs::read_to_string(dir.join("data/postmaster.pid")).unwrap_or_else(|e| panic!("{e}"));
        let pid = pid.lines().next().unwrap_or_default().to_owned();
        drop(cluster);
        assert!(!dir.exists());
        // Gone, or a zombie nobody has reaped yet (PID 1 of a container may not reap).
        let status =
            fs::read_to_string(Path::new("/proc").join(pid).join("status")).unwrap_or_default();
        assert!(
            status.is_empty() || status.contains("State:\tZ"),
            "the server is still running: {status}"
        );
    }

    /// The owner process of `a_killed_owner_does_not_leak_the_server`, not a test of its own.
    #[test]
    #[ignore = "run by a_killed_owner_does_not_leak_the_server"]
    fn owner_process() {
        let Some(handoff) = std::env::var_os("MIGDOC_PG_HANDOFF").map(PathBuf::from) else {
            return;
        };
        let cluster = start();
        let partial = handoff.with_extension("partial");
        fs::write(&partial, cluster.socket_dir().display().to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        fs::rename(&partial, &handoff).unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(Duration::from_secs(120));
    }

    fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        let start = Instant::now();
        while !done() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn a_killed_owner_does_not_leak_the_server() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let handoff = tmp.path().join("socket_dir");
        let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
        let mut owner = Command::new(exe)
            .args(["--exact", "tests::owner_process", "--ignored", "--quiet"])
            .env("MIGDOC_PG_HANDOFF", &handoff)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        wait_for("the owner to start a cluster", || handoff.exists());
        let dir = PathBuf::from(fs::read_to_string(&handoff).unwrap_or_else(|e| panic!("{e}")));
        let pid =
            fs::read_to_string(dir.join("data/postmaster.pid")).unwrap_or_else(|e| panic!("{e}"));
        let proc = Path::new("/proc").join(pid.lines().next().unwrap_or_default());

        owner.kill().unwrap_or_else(|e| panic!("{e}"));
        owner.wait().unwrap_or_else(|e| panic!("{e}"));
        wait_for("the reaper to delete the directory", || !dir.exists());
        let status = fs::read_to_string(proc.join("status")).unwrap_or_default();
        assert!(
            status.is_empty() || status.contains("State:\tZ"),
            "the server is still running: {status}"
        );
    }

    #[test]
    fn two_clusters_at_once_do_not_collide() {
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(start);
            let b = s.spawn(start);
            (
                a.join().unwrap_or_else(|_| panic!("start failed")),
                b.join().unwrap_or_else(|_| panic!("start failed")),
            )
        });
        assert_ne!(a.socket_dir(), b.socket_dir());
        for (cluster, marker) in [(&a, "a"), (&b, "b")] {
            cluster
                .create_database("same")
                .unwrap_or_else(|e| panic!("{e}"));
            cluster
                .psql("same", &format!("CREATE TABLE t AS SELECT '{marker}' AS m"))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(
            a.psql("same", "SELECT m FROM t")
                .unwrap_or_else(|e| panic!("{e}")),
            "a\n"
        );
        assert_eq!(
            b.psql("same", "SELECT m FROM t")
                .unwrap_or_else(|e| panic!("{e}")),
            "b\n"
        );
    }
}
