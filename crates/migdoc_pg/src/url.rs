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
    /// Parses as SQLAlchemy's `make_url` does: the password runs to the first `@` (it may hold a
    /// raw `/`, `?` or `:`), the user name to the first `:`, and holds no `/`. The scheme is
    /// `postgresql`, `postgres`, or `postgresql+DRIVER`.
    pub fn parse(url: &str) -> Option<DbUrl> {
        let (scheme, rest) = url.split_once("://")?;
        let driver_ok =
            |d: &str| !d.is_empty() && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let known = scheme == "postgresql"
            || scheme == "postgres"
            || scheme.strip_prefix("postgresql+").is_some_and(driver_ok);
        if !known {
            return None;
        }
        let (userinfo, after) = match rest.find('@') {
            Some(at)
                if !rest[..at]
                    .split(':')
                    .next()
                    .unwrap_or_default()
                    .contains('/') =>
            {
                (Some(&rest[..at]), &rest[at + 1..])
            }
            _ => (None, rest),
        };
        let host_end = after.find(['/', '?']).unwrap_or(after.len());
        let hostport = &after[..host_end];
        let tail = &after[host_end..];
        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q.to_owned())),
            None => (tail, None),
        };
        let database = path.strip_prefix('/').unwrap_or(path);
        let authority = match userinfo {
            Some(u) => format!("{u}@{hostport}"),
            None => hostport.to_owned(),
        };
        Some(DbUrl {
            scheme: scheme.to_owned(),
            authority,
            database: database.to_owned(),
            query,
        })
    }

    /// The same server, another database.
    #[must_use]
    pub fn with_database(&self, database: &str) -> DbUrl {
        DbUrl {
            database: crate::percent_encode(database),
            ..self.clone()
        }
    }

    /// The form libpq (`psql`) takes: no `+driver`, and without SQLAlchemy-only query keys.
    pub fn libpq(&self) -> String {
        let query = self.query.as_ref().map(|q| {
            q.split('&')
                .filter(|kv| !kv.starts_with("driver=") && !kv.starts_with("async_fallback="))
                .collect::<Vec<_>>()
                .join("&")
        });
        self.render("postgresql", query.as_deref())
    }

    /// The form SQLAlchemy takes: `postgresql+psycopg2://` when no driver is named.
    pub fn sqlalchemy(&self) -> String {
        let scheme = if self.scheme.contains('+') {
            self.scheme.as_str()
        } else {
            "postgresql+psycopg2"
        };
        self.render(scheme, self.query.as_deref())
    }

    /// libpq's environment variables for this URL (see [`libpq_env`]): connecting through them
    /// keeps the password off every command line.
    pub fn libpq_env(&self) -> Vec<(String, String)> {
        libpq_env(self)
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
        let query = self.query.as_deref().map(mask_password_keys);
        DbUrl {
            authority,
            ..self.clone()
        }
        .render(&self.scheme, query.as_deref())
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

/// Percent-decoding for URL parts.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// libpq's connection keywords for `url` (`host`, `port`, `user`, `password`, `dbname`, then the
/// query's libpq keys: `sslmode`, `sslrootcert`, `options`, ...), decoded. A key of the query
/// overrides the same key of the authority, as in libpq.
pub(crate) fn url_params(url: &DbUrl) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = Vec::new();
    let (userinfo, hostport) = match url.authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, url.authority.as_str()),
    };
    if let Some(u) = userinfo {
        let (user, password) = match u.split_once(':') {
            Some((user, pw)) => (user, Some(pw)),
            None => (u, None),
        };
        if !user.is_empty() {
            params.push(("user".into(), decode(user)));
        }
        if let Some(pw) = password {
            params.push(("password".into(), decode(pw)));
        }
    }
    if !hostport.is_empty() {
        let (host, port) = match hostport
            .rsplit_once(':')
            .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
        {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        };
        params.push((
            "host".into(),
            decode(host.trim_start_matches('[').trim_end_matches(']')),
        ));
        if let Some(p) = port {
            params.push(("port".into(), p.to_owned()));
        }
    }
    if !url.database.is_empty() {
        params.push(("dbname".into(), decode(&url.database)));
    }
    for kv in url.query.iter().flat_map(|q| q.split('&')) {
        let Some((k, v)) = kv.split_once('=') else {
            continue;
        };
        if env_var(k).is_none() {
            continue;
        }
        params.retain(|(name, _)| name != k);
        params.push((k.to_owned(), decode(v)));
    }
    params
}

/// The environment variable libpq reads for a connection keyword migdoc passes on.
fn env_var(keyword: &str) -> Option<&'static str> {
    Some(match keyword {
        "host" => "PGHOST",
        "hostaddr" => "PGHOSTADDR",
        "port" => "PGPORT",
        "user" => "PGUSER",
        "password" => "PGPASSWORD",
        "dbname" => "PGDATABASE",
        "sslmode" => "PGSSLMODE",
        "sslrootcert" => "PGSSLROOTCERT",
        "sslcert" => "PGSSLCERT",
        "sslkey" => "PGSSLKEY",
        "application_name" => "PGAPPNAME",
        "connect_timeout" => "PGCONNECT_TIMEOUT",
        "options" => "PGOPTIONS",
        _ => return None,
    })
}

/// libpq's environment for `url` (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
/// `PGSSLMODE`, ...). TLS is whatever the URL asks for (`?sslmode=require`).
pub(crate) fn libpq_env(url: &DbUrl) -> Vec<(String, String)> {
    url_params(url)
        .into_iter()
        .filter_map(|(k, v)| env_var(&k).map(|var| (var.to_owned(), v)))
        .collect()
}

/// Where to connect, from any form a user writes: a libpq URI (`postgresql://`, `postgres://`,
/// with `?password=` or `?host=/socket/dir`), a SQLAlchemy URL (`postgresql+psycopg2://`), or a
/// libpq key=value string (`host=db user=app password='a b' dbname=prod`). It holds libpq's
/// keywords, decoded, and the only form of itself that may be shown: masked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnInfo {
    params: Vec<(String, String)>,
    shown: String,
}

impl ConnInfo {
    pub fn parse(text: &str) -> Result<ConnInfo, String> {
        if let Some(url) = DbUrl::parse(text) {
            return Ok(ConnInfo {
                params: url_params(&url),
                shown: url.masked(),
            });
        }
        if text.contains("://") {
            return Err(format!(
                "`{}` is not a PostgreSQL URL (postgresql://, postgres:// or postgresql+DRIVER://)",
                mask(text)
            ));
        }
        let params = parse_conninfo(text).map_err(|why| {
            format!(
                "`{}` is not a PostgreSQL URL or key=value connection string: {why}",
                mask(text)
            )
        })?;
        let shown = render_masked(&params);
        Ok(ConnInfo { params, shown })
    }

    /// The value of a libpq keyword (`host`, `dbname`, `sslmode`, ...).
    pub fn get(&self, keyword: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == keyword)
            .map(|(_, v)| v.as_str())
    }

    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The same server, another database.
    #[must_use]
    pub fn with_database(&self, database: &str) -> ConnInfo {
        let mut params: Vec<(String, String)> = self
            .params
            .iter()
            .filter(|(k, _)| k != "dbname")
            .cloned()
            .collect();
        params.push(("dbname".into(), database.to_owned()));
        ConnInfo {
            params,
            shown: format!("{} (database {database})", self.shown),
        }
    }

    /// For messages: the password masked.
    pub fn masked(&self) -> &str {
        &self.shown
    }
}

/// A key=value connection string, rebuilt from what was parsed with the password masked:
/// however the text spaced or quoted its password, it is not in the result.
fn render_masked(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            if k == "password" {
                format!("{k}=***")
            } else if v.is_empty() || v.contains([' ', '\t', '\'', '\\']) {
                format!("{k}='{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// libpq's `conninfo_parse`: `keyword = value` pairs separated by whitespace; a value is
/// single-quoted (`\'` and `\\` escape) or runs to the next whitespace (`\` escapes).
fn parse_conninfo(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            return Err(format!("missing \"=\" after \"{key}\""));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'\'') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '\'' => {
                        closed = true;
                        break;
                    }
                    c => value.push(c),
                }
            }
            if !closed {
                return Err("unterminated quoted string".into());
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
        }
        if env_var(&key).is_none()
            && !matches!(
                key.as_str(),
                "service"
                    | "target_session_attrs"
                    | "keepalives"
                    | "sslcompression"
                    | "gssencmode"
                    | "channel_binding"
            )
        {
            return Err(format!("invalid connection option \"{key}\""));
        }
        params.push((key, value));
    }
    if params.is_empty() {
        return Err("it is empty".into());
    }
    Ok(params)
}

/// `url` with any password masked. Text that is not a PostgreSQL URL (another scheme, a typo, a
/// key=value string) is masked too: the part between `://`'s `user:` and the first `@` after
/// it, and every `password=` value.
pub fn mask(url: &str) -> String {
    if let Some(u) = DbUrl::parse(url) {
        return u.masked();
    }
    if !url.contains("://")
        && let Ok(params) = parse_conninfo(url)
    {
        return render_masked(&params);
    }
    let mut out = url.to_owned();
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some(at) = rest.find('@')
        && let Some(colon) = rest[..at].find(':')
    {
        out = format!("{scheme}://{}:***@{}", &rest[..colon], &rest[at + 1..]);
    }
    mask_password_keys(&out)
}

/// Every `password=VALUE` (in a query string or a key=value conninfo; the value runs to the next
/// `&` or whitespace, or is single-quoted) as `password=***`.
fn mask_password_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("password=") {
        let boundary = i == 0 || matches!(rest.as_bytes()[i - 1], b'&' | b'?' | b' ' | b'\t');
        out.push_str(&rest[..i + "password=".len()]);
        rest = &rest[i + "password=".len()..];
        if !boundary {
            continue;
        }
        let end = if let Some(quoted) = rest.strip_prefix('\'') {
            // conninfo quoting: \' and \\ escape, ' ends.
            let mut end = quoted.len();
            let mut chars = quoted.char_indices();
            while let Some((j, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '\'' => {
                        end = j + 1;
                        break;
                    }
                    _ => {}
                }
            }
            (1 + end).min(rest.len())
        } else {
            rest.find(['&', ' ', '\t']).unwrap_or(rest.len())
        };
        out.push_str("***");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rewrites() {
        let u = DbUrl::parse(
            "postgresql+psycopg2://app:s3cr%40t@db.internal:6432/prod?sslmode=require",
        )
        .unwrap_or_else(|| panic!("parse"));
        assert_eq!(
            u.masked(),
            "postgresql+psycopg2://app:***@db.internal:6432/prod?sslmode=require"
        );
        assert_eq!(
            u.libpq(),
            "postgresql://app:s3cr%40t@db.internal:6432/prod?sslmode=require"
        );
        assert_eq!(
            u.with_database("scratch 1").sqlalchemy(),
            "postgresql+psycopg2://app:s3cr%40t@db.internal:6432/scratch%201?sslmode=require"
        );
        assert_eq!(mask("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            DbUrl::parse("postgres://u@h/db")
                .map(|u| u.sqlalchemy())
                .as_deref(),
            Some("postgresql+psycopg2://u@h/db")
        );
        assert_eq!(mask("not a url"), "not a url");
        assert!(DbUrl::parse("mysql://u@h/db").is_none());
        assert!(DbUrl::parse("postgressql://u@h/db").is_none());
        assert!(DbUrl::parse("postgresql+psycopg://u@h/db").is_some());
    }

    #[test]
    fn every_form_of_a_password_is_masked() {
        for (url, shown) in [
            (
                "postgresql://app@db/prod?password=hunter2",
                "postgresql://app@db/prod?password=***",
            ),
            (
                "postgresql://app@db/prod?sslmode=require&password=hunter2&x=1",
                "postgresql://app@db/prod?sslmode=require&password=***&x=1",
            ),
            (
                "postgresql://app:hun/ter?2@db:5432/prod",
                "postgresql://app:***@db:5432/prod",
            ),
            (
                "postgresql://app:hunter2@db/prod",
                "postgresql://app:***@db/prod",
            ),
            ("mysql://app:hunter2@db/prod", "mysql://app:***@db/prod"),
            (
                "postgressql://app:hunter2@db/prod",
                "postgressql://app:***@db/prod",
            ),
            (
                "host=db user=app password=hunter2 dbname=prod",
                "host=db user=app password=*** dbname=prod",
            ),
            (
                "host=db password='hun ter\\'2' dbname=prod",
                "host=db password=*** dbname=prod",
            ),
        ] {
            assert_eq!(mask(url), shown, "{url}");
        }
        // A raw `/` or `?` in the password stays in the password: no fragment of it becomes a host.
        let env = DbUrl::parse("postgresql://app:hun/ter?2@db:5432/prod")
            .map(|u| u.libpq_env())
            .unwrap_or_default();
        assert!(
            env.contains(&("PGPASSWORD".into(), "hun/ter?2".into())),
            "{env:?}"
        );
        assert!(env.contains(&("PGHOST".into(), "db".into())), "{env:?}");
        assert!(
            env.contains(&("PGDATABASE".into(), "prod".into())),
            "{env:?}"
        );
    }
}

#[cfg(test)]
mod conninfo_tests {
    use super::*;

    #[test]
    fn every_form_gives_the_same_keywords() {
        let forms = [
            "postgresql://app:p%40ss@db.example:6432/prod?sslmode=require",
            "postgresql+psycopg2://app:p%40ss@db.example:6432/prod?sslmode=require",
            "postgres://app@db.example:6432/prod?sslmode=require&password=p%40ss",
            "host=db.example port=6432 user=app password=p@ss dbname=prod sslmode=require",
            "host = db.example port=6432 user='app' password = 'p@ss' dbname=prod sslmode=require",
        ];
        for form in forms {
            let info = ConnInfo::parse(form).unwrap_or_else(|e| panic!("{form}: {e}"));
            for (k, v) in [
                ("host", "db.example"),
                ("port", "6432"),
                ("user", "app"),
                ("password", "p@ss"),
                ("dbname", "prod"),
                ("sslmode", "require"),
            ] {
                assert_eq!(info.get(k), Some(v), "{form}: {k}");
            }
            assert!(
                !info.masked().contains("p@ss") && !info.masked().contains("p%40ss"),
                "{form}: {}",
                info.masked()
            );
            assert!(
                !mask(form).contains("p@ss") && !mask(form).contains("p%40ss"),
                "{form}: {}",
                mask(form)
            );
        }
        let quoted = ConnInfo::parse(r"host=/tmp/a\ b password='it\'s a \\ secret' dbname=x")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(quoted.get("host"), Some(r"/tmp/a b"));
        assert_eq!(quoted.get("password"), Some(r"it's a \ secret"));
        assert_eq!(quoted.masked(), "host='/tmp/a b' password=*** dbname=x");
        for bad in [
            "",
            "host",
            "host=db password='open",
            "hots=db",
            "mysql://app:hunter2@db/x",
        ] {
            let e = ConnInfo::parse(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad} parsed"));
            assert!(!e.contains("hunter2") && !e.contains("open"), "{e}");
        }
    }
}

#[cfg(test)]
mod env_tests {
    use super::*;

    #[test]
    fn url_to_libpq_environment() {
        let url =
            DbUrl::parse("postgresql+asyncpg://app:p%40ss@db.example:6432/prod?sslmode=require")
                .unwrap_or_else(|| panic!("parse"));
        let env = url.libpq_env();
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PGUSER"), Some("app"));
        assert_eq!(get("PGPASSWORD"), Some("p@ss"));
        assert_eq!(get("PGHOST"), Some("db.example"));
        assert_eq!(get("PGPORT"), Some("6432"));
        assert_eq!(get("PGDATABASE"), Some("prod"));
        assert_eq!(get("PGSSLMODE"), Some("require"));
        let socket = DbUrl::parse("postgresql://postgres@/app?host=/tmp/x%20y&port=5432")
            .unwrap_or_else(|| panic!("parse"));
        let env = socket.libpq_env();
        assert!(
            env.contains(&("PGHOST".into(), "/tmp/x y".into())),
            "{env:?}"
        );
    }
}
