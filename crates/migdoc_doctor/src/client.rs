//! The connection: one native PostgreSQL session per database ([`migdoc_pg::session`]), read-only
//! with a `statement_timeout` unless a plan is being applied, `standard_conforming_strings = on`
//! and `search_path = pg_catalog` whatever the server sets. No psql, no script file, no password
//! on a command line or in a message. A killed migdoc's open transaction is rolled back by the
//! server when the connection drops.

use migdoc_pg::session::{Session, SessionOptions, postgres};
use migdoc_pg::url::ConnInfo;

use crate::DoctorError;

/// The advisory lock `doctor --apply` holds while it writes (and that env.py can take around
/// migrations, so that the two never interleave).
pub use migdoc_pg::LOCK_KEY;

pub struct Client {
    session: Session,
}

impl Client {
    /// Connects to `url`: a libpq or SQLAlchemy URL, or a key=value connection string.
    pub fn connect(url: &str, statement_timeout_ms: u64) -> Result<Client, DoctorError> {
        let info = ConnInfo::parse(url).map_err(DoctorError::BadUrl)?;
        let options = SessionOptions {
            statement_timeout_ms,
            lock_timeout_ms: 10_000,
            read_only: true,
        };
        let session =
            Session::connect(&info, &options).map_err(|e| DoctorError::Connect(e.to_string()))?;
        Ok(Client { session })
    }

    /// The URL as it may be shown.
    pub fn shown(&self) -> &str {
        self.session.shown()
    }

    pub(crate) fn pg(&mut self) -> &mut postgres::Client {
        self.session.client()
    }

    /// A server error, with where it happened.
    pub(crate) fn error(&self, e: &postgres::Error) -> DoctorError {
        DoctorError::Connect(format!(
            "{}: {}",
            self.shown(),
            migdoc_pg::session::describe(e)
        ))
    }

    /// The schemas whose names match the `LIKE` pattern, system schemas left out, sorted.
    pub fn schemas_like(&mut self, pattern: &str) -> Result<Vec<String>, DoctorError> {
        let rows = self
            .pg()
            .query(
                "SELECT nspname::text FROM pg_catalog.pg_namespace WHERE nspname LIKE $1 \
                 AND nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY nspname",
                &[&pattern],
            )
            .map_err(|e| self.error(&e))?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }
}
