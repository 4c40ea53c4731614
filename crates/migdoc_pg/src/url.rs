//! Database URLs as users write them: SQLAlchemy's (`postgresql+psycopg2://u:p@h:5432/db?x=y`) and
//! libpq's (`postgresql://...`, `postgres://...`). Only what migdoc needs: the driver-less libpq
//! form, another database on the same server, and the URL with its password masked for display.

/// A URL split into the parts migdoc changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbUrl {
    /// `postgresql`, `postgresql+psycopg2`, `postgres`, ...
    pub scheme: String,
    /// `user:password@host:port` (may be empty: a Unix socket from the query).
    pub authority: String,
    /// The database name as written (percent-encoded).
    pub database: String,
    /// Without the `?`.
    pub query: Option<String>,
}

impl DbUrl {
    pub fn parse(url: &str) -> Option<DbUrl> {
        let (scheme, rest) = url.split_once("://")?;
        if !(scheme.starts_with("postgresql") || scheme.starts_with("postgres")) {
            return None;
        }
        let (before_query, query) = match rest.split_once('?') {
            Some((a, q)) => (a, Some(q.to_owned())),
            None => (rest, None),
        };
        let (authority, database) = match before_query.split_once('/') {
            Some((a, d)) => (a, d),
            None => (before_query, ""),
        };
        Some(DbUrl { scheme: scheme.to_owned(), authority: authority.to_owned(), database: database.to_owned(), query })
    }

    /// The same server, another database.
    #[must_use]
    pub fn with_database(&self, database: &str) -> DbUrl {
        DbUrl { database: crate::percent_encode(database), ..self.clone() }
    }

    /// The form libpq (`psql`) takes: no `+driver`, and without SQLAlchemy-only query keys.
    pub fn libpq(&self) -> String {
        let query = self.query.as_ref().map(|q| {
            q.split('&').filter(|kv| !kv.starts_with("driver=") && !kv.starts_with("async_fallback=")).collect::<Vec<_>>().join("&")
        });
        self.render("postgresql", query.as_deref())
    }

    /// The form SQLAlchemy takes: `postgresql+psycopg2://` when no driver is named.
    pub fn sqlalchemy(&self) -> String {
        let scheme = if self.scheme.contains('+') { self.scheme.as_str() } else { "postgresql+psycopg2" };
        self.render(scheme, self.query.as_deref())
    }

    /// For display: the password replaced with `***`.
    pub fn masked(&self) -> String {
        let authority = match self.authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***@{host}"),
                None => self.authority.clone(),
            },
            None => self.authority.clone(),
        };
        DbUrl { authority, ..self.clone() }.render(&self.scheme, self.query.as_deref())
    }

    fn render(&self, scheme: &str, query: Option<&str>) -> String {
        let mut out = format!("{scheme}://{}/{}", self.authority, self.database);
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            out.push('?');
            out.push_str(q);
        }
        out
    }
}

/// `url` with any password masked; text that is not a URL is returned as it is.
pub fn mask(url: &str) -> String {
    DbUrl::parse(url).map_or_else(|| url.to_owned(), |u| u.masked())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rewrites() {
        let u = DbUrl::parse("postgresql+psycopg2://app:s3cr%40t@db.internal:6432/prod?sslmode=require").unwrap_or_else(|| panic!("parse"));
        assert_eq!(u.masked(), "postgresql+psycopg2://app:***@db.internal:6432/prod?sslmode=require");
        assert_eq!(u.libpq(), "postgresql://app:s3cr%40t@db.internal:6432/prod?sslmode=require");
        assert_eq!(u.with_database("scratch 1").sqlalchemy(), "postgresql+psycopg2://app:s3cr%40t@db.internal:6432/scratch%201?sslmode=require");
        assert_eq!(mask("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(DbUrl::parse("postgres://u@h/db").map(|u| u.sqlalchemy()).as_deref(), Some("postgresql+psycopg2://u@h/db"));
        assert_eq!(mask("not a url"), "not a url");
        assert!(DbUrl::parse("mysql://u@h/db").is_none());
    }
}
