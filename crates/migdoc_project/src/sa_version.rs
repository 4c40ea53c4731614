//! Which SQLAlchemy version a project runs, read from the files that record it, without running
//! Python.
//!
//! The project directory and its parents are searched, up to the first directory holding a `.git`
//! (or the filesystem root). The sources are tried in this order, and the first one that names the
//! version wins; within one kind of source, nearer directories come first:
//!
//! 1. Lock files: `uv.lock`, `poetry.lock`, `Pipfile.lock` (`default`, then `develop`), `pdm.lock`.
//! 2. Requirements files: `requirements*.txt` (`requirements.txt` first), then `requirements/*.txt`,
//!    following `-r` / `-c` includes relative to the including file, each file read once.
//! 3. `pyproject.toml`: `[project] dependencies`, `[tool.poetry.dependencies]`, then optional
//!    dependencies, `[dependency-groups]`, Poetry groups and PDM dev dependencies.
//! 4. An installed virtual environment (`.venv/`, `venv/`, `env/`): the `METADATA` `Version:` of the
//!    SQLAlchemy `*.dist-info` directory in `site-packages`, or the version in its name.
//!
//! A specifier names the version only when it is exact (`==`, `===`, a bare Poetry version) or when
//! every version it allows has the same major.minor (`~=2.0.30`, `>=2.1,<2.2`, `==2.1.*`, Poetry's
//! `~2.1`); then the lowest allowed version is the answer. `>=2.0` or Poetry's `^2.0.3` (which allows
//! any 2.x) name nothing. A file that cannot be read or parsed is skipped.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

/// A SQLAlchemy release, without pre-release, post-release or local parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SqlalchemyVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl SqlalchemyVersion {
    /// Reads a PEP 440 version: `"2.0"` is 2.0.0, `"2.1.0b1"` is 2.1.0 (pre-release, post-release,
    /// dev and local parts are dropped). `None` for anything else, wildcards (`"2.0.*"`) included.
    pub fn parse(s: &str) -> Option<Self> {
        pep440_rs::Version::from_str(s.trim())
            .ok()
            .and_then(|v| Self::of(&v))
    }

    /// The first three components of a PEP 440 version's release segment (`None` when one does
    /// not fit in 32 bits).
    fn of(v: &pep440_rs::Version) -> Option<Self> {
        let part = |n: usize| {
            v.release()
                .get(n)
                .map_or(Some(0), |&p| u32::try_from(p).ok())
        };
        Some(SqlalchemyVersion {
            major: part(0)?,
            minor: part(1)?,
            patch: part(2)?,
        })
    }

    /// SQLAlchemy 2.1 made `sa.Enum(..., create_type=False)` mean what `postgresql.ENUM`'s does;
    /// before 2.1 the keyword is ignored by `sa.Enum`.
    pub fn honours_sa_enum_create_type(self) -> bool {
        (self.major, self.minor) >= (2, 1)
    }

    /// SQLAlchemy 2.0 made a `Table` given two columns of one name raise `DuplicateColumnError`;
    /// 1.4 keeps the last one, with a deprecation warning.
    pub fn refuses_a_column_twice(self) -> bool {
        self.major >= 2
    }
}

impl fmt::Display for SqlalchemyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The file the version was read from (for an installed environment, the `*.dist-info` directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionSource {
    LockFile(PathBuf),
    Requirements(PathBuf),
    Pyproject(PathBuf),
    InstalledVenv(PathBuf),
}

/// Looks in `root` (the project directory) and its parents up to the first directory that has a
/// `.git`, or the filesystem root. Paths in the returned source are absolute.
pub fn detect_sqlalchemy_version(root: &Path) -> Option<(SqlalchemyVersion, VersionSource)> {
    let dirs = search_dirs(root);
    for dir in &dirs {
        for name in ["uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock"] {
            let path = dir.join(name);
            let version = if name == "Pipfile.lock" {
                from_pipfile_lock(&path)
            } else {
                from_toml_lock(&path)
            };
            if let Some(version) = version {
                return Some((version, VersionSource::LockFile(path)));
            }
        }
    }
    let mut visited = HashSet::new();
    for dir in &dirs {
        for path in requirements_files(dir) {
            if let Some((version, file)) = from_requirements(&path, &mut visited, 0) {
                return Some((version, VersionSource::Requirements(file)));
            }
        }
    }
    for dir in &dirs {
        let path = dir.join("pyproject.toml");
        if let Some(version) = from_pyproject(&path) {
            return Some((version, VersionSource::Pyproject(path)));
        }
    }
    for dir in &dirs {
        if let Some((version, dist_info)) = from_venvs(dir) {
            return Some((version, VersionSource::InstalledVenv(dist_info)));
        }
    }
    None
}

/// `root` and its parents, nearest first, up to and including the first with a `.git`.
fn search_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(start) = std::fs::canonicalize(root) else {
        return Vec::new();
    };
    let start = if start.is_file() {
        start.parent().map(Path::to_owned).unwrap_or(start)
    } else {
        start
    };
    let mut dirs = Vec::new();
    for dir in start.ancestors() {
        dirs.push(dir.to_owned());
        if dir.join(".git").exists() {
            break;
        }
    }
    dirs
}

/// PEP 503 name normalization: lower case, runs of `-`, `_`, `.` become one `-`.
fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            in_separator = true;
        } else {
            if in_separator && !out.is_empty() {
                out.push('-');
            }
            in_separator = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn is_sqlalchemy(name: &str) -> bool {
    normalize_name(name) == "sqlalchemy"
}

// ---------------------------------------------------------------------------------------------
// Versions and specifiers

/// A release segment as written: how many components it had and whether it ended in `.*`.
#[derive(Clone, Copy, Debug)]
struct Release {
    version: SqlalchemyVersion,
    parts: usize,
    wildcard: bool,
}

/// A release as Poetry writes it in a constraint (PEP 440 specifiers are read by `pep440_rs`).
fn parse_release(s: &str) -> Option<Release> {
    let s = s.trim();
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    // An epoch (`1!2.0`) is dropped: SQLAlchemy never used one.
    let s = match s.split_once('!') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
            rest
        }
        _ => s,
    };
    let bytes = s.as_bytes();
    let mut parts: Vec<u32> = Vec::new();
    let mut i = 0;
    let mut wildcard = false;
    loop {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        parts.push(s[start..i].parse().ok()?);
        if s[i..].starts_with(".*") {
            wildcard = true;
            i += 2;
            break;
        }
        if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
            i += 1;
            continue;
        }
        break;
    }
    let rest = &s[i..];
    if wildcard && !rest.is_empty() {
        return None;
    }
    // What may follow a release: `b1`, `rc2`, `.post1`, `-1`, `.dev0`, `+local`.
    if let Some(first) = rest.chars().next() {
        let suffix_ok = (first.is_ascii_alphabetic() || matches!(first, '.' | '-' | '_' | '+'))
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'));
        if !suffix_ok {
            return None;
        }
    }
    let part = |n: usize| parts.get(n).copied().unwrap_or(0);
    Some(Release {
        version: SqlalchemyVersion {
            major: part(0),
            minor: part(1),
            patch: part(2),
        },
        parts: parts.len(),
        wildcard,
    })
}

/// The smallest version above every version that starts with `v`'s first `index + 1` components.
fn bump(v: SqlalchemyVersion, index: usize) -> SqlalchemyVersion {
    match index {
        0 => SqlalchemyVersion {
            major: v.major.saturating_add(1),
            minor: 0,
            patch: 0,
        },
        1 => SqlalchemyVersion {
            minor: v.minor.saturating_add(1),
            patch: 0,
            ..v
        },
        _ => SqlalchemyVersion {
            patch: v.patch.saturating_add(1),
            ..v
        },
    }
}

/// What a clause of a version constraint says, after parsing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `==`, `===`, Poetry's `=` or a bare version
    Equal,
    Ge,
    Gt,
    Lt,
    Le,
    /// `~=`
    Compatible,
    /// Poetry's `^`
    Caret,
    /// Poetry's `~`
    Tilde,
    /// `!=` and what says nothing about a single minor
    Other,
}

/// The version a specifier set pins: PEP 440 (`==2.0.36`, `~=2.0.30`, `>=2.1,<2.2`, parsed by
/// `pep440_rs`) or Poetry (`2.0.36`, `~2.1`, `^0.9`, `>=2.1 <2.2`, which is not PEP 440 and is
/// read here). `None` unless it is exact or all the versions it allows share one major.minor.
fn version_from_spec(spec: &str) -> Option<SqlalchemyVersion> {
    if let Ok(specifiers) = pep440_rs::VersionSpecifiers::from_str(spec.trim()) {
        use pep440_rs::Operator as P;
        let clauses: Vec<(Op, Release)> = specifiers
            .iter()
            .filter_map(|s| {
                let release = Release {
                    version: SqlalchemyVersion::of(s.version())?,
                    parts: s.version().release().len(),
                    wildcard: matches!(s.operator(), P::EqualStar | P::NotEqualStar),
                };
                let op = match s.operator() {
                    P::Equal | P::EqualStar | P::ExactEqual => Op::Equal,
                    P::GreaterThanEqual => Op::Ge,
                    P::GreaterThan => Op::Gt,
                    P::LessThan => Op::Lt,
                    P::LessThanEqual => Op::Le,
                    P::TildeEqual => Op::Compatible,
                    P::NotEqual | P::NotEqualStar => Op::Other,
                };
                Some((op, release))
            })
            .collect();
        return pinned(&clauses);
    }
    if spec.contains('|') {
        return None; // Poetry's "or": more than one range.
    }
    // Poetry: clauses are separated by commas or spaces; an operator may stand apart from its
    // version (`>= 2.1`).
    let mut clauses: Vec<(Op, Release)> = Vec::new();
    let mut pending_op = String::new();
    for token in spec.split([',', ' ', '\t']).filter(|t| !t.is_empty()) {
        if token
            .chars()
            .all(|c| matches!(c, '=' | '<' | '>' | '!' | '~' | '^'))
        {
            pending_op.push_str(token);
            continue;
        }
        let clause = std::mem::take(&mut pending_op) + token;
        let ops = [
            ("===", Op::Equal),
            ("==", Op::Equal),
            ("~=", Op::Compatible),
            ("!=", Op::Other),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("^", Op::Caret),
            ("~", Op::Tilde),
            ("=", Op::Equal),
        ];
        let (op, text) = ops
            .iter()
            .find_map(|(text, op)| clause.strip_prefix(text).map(|rest| (*op, rest)))
            .unwrap_or((Op::Equal, clause.as_str()));
        if let Some(release) = parse_release(text) {
            clauses.push((op, release));
        }
    }
    pinned(&clauses)
}

/// The single version, or the lowest version of the single major.minor, that `clauses` allow.
fn pinned(clauses: &[(Op, Release)]) -> Option<SqlalchemyVersion> {
    let mut lower: Option<SqlalchemyVersion> = None;
    // The tightest upper bound, and whether it is inclusive.
    let mut upper: Option<(SqlalchemyVersion, bool)> = None;
    let mut add_lower = |v: SqlalchemyVersion| lower = Some(lower.map_or(v, |l| l.max(v)));
    let mut add_upper = |v: SqlalchemyVersion, inclusive: bool| {
        let tighter = match upper {
            None => true,
            Some((u, u_inclusive)) => v < u || (v == u && u_inclusive && !inclusive),
        };
        if tighter {
            upper = Some((v, inclusive));
        }
    };
    for &(op, release) in clauses {
        let v = release.version;
        match op {
            Op::Equal if !release.wildcard => return Some(v),
            Op::Equal => {
                add_lower(v);
                add_upper(bump(v, release.parts - 1), false);
            }
            _ if release.wildcard => {}
            Op::Ge | Op::Gt => add_lower(v),
            Op::Lt => add_upper(v, false),
            Op::Le => add_upper(v, true),
            Op::Compatible if release.parts >= 2 => {
                add_lower(v);
                add_upper(bump(v, release.parts - 2), false);
            }
            Op::Caret => {
                let components = [v.major, v.minor, v.patch];
                let first_nonzero = components.iter().take(release.parts).position(|&c| c != 0);
                add_lower(v);
                add_upper(bump(v, first_nonzero.unwrap_or(release.parts - 1)), false);
            }
            Op::Tilde => {
                add_lower(v);
                add_upper(bump(v, usize::from(release.parts >= 2)), false);
            }
            Op::Compatible | Op::Other => {}
        }
    }
    let (lower, (upper, inclusive)) = (lower?, upper?);
    let next_minor = bump(lower, 1);
    let one_minor = if inclusive {
        lower <= upper && upper < next_minor
    } else {
        lower < upper && upper <= next_minor
    };
    one_minor.then_some(lower)
}

/// The specifier part of a PEP 508 requirement (or requirements-file line) naming SQLAlchemy:
/// extras, markers, URL requirements and trailing `--hash` options are left out.
fn sqlalchemy_specifier(requirement: &str) -> Option<&str> {
    let requirement = requirement.trim_start();
    let name_end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(requirement.len());
    if !is_sqlalchemy(&requirement[..name_end]) {
        return None;
    }
    let mut rest = requirement[name_end..].trim_start();
    if rest.starts_with('[') {
        rest = &rest[rest.find(']')? + 1..];
    }
    let mut end = rest.find(';').unwrap_or(rest.len());
    // Per-requirement options such as `--hash=sha256:...`.
    if let Some(option) = rest.char_indices().find_map(|(i, c)| {
        (c.is_whitespace() && rest[i..].trim_start().starts_with('-')).then_some(i)
    }) {
        end = end.min(option);
    }
    let spec = rest[..end].trim();
    if spec.starts_with('@') {
        return None;
    }
    let spec = spec
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(spec);
    Some(spec)
}

// ---------------------------------------------------------------------------------------------
// Lock files

/// `uv.lock`, `poetry.lock`, `pdm.lock`: `[[package]]` tables with `name` and `version`.
fn from_toml_lock(path: &Path) -> Option<SqlalchemyVersion> {
    let text = std::fs::read_to_string(path).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    table
        .get("package")?
        .as_array()?
        .iter()
        .find_map(|package| {
            let name = package.get("name")?.as_str()?;
            if !is_sqlalchemy(name) {
                return None;
            }
            SqlalchemyVersion::parse(package.get("version")?.as_str()?)
        })
}

/// `Pipfile.lock`: `{"default": {"sqlalchemy": {"version": "==2.0.36"}}, "develop": {...}}`.
fn from_pipfile_lock(path: &Path) -> Option<SqlalchemyVersion> {
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    ["default", "develop"].iter().find_map(|section| {
        json.get(section)?
            .as_object()?
            .iter()
            .find_map(|(name, entry)| {
                if !is_sqlalchemy(name) {
                    return None;
                }
                let version = entry.get("version")?.as_str()?.trim();
                let version = version
                    .strip_prefix("===")
                    .or_else(|| version.strip_prefix("=="))
                    .unwrap_or(version);
                SqlalchemyVersion::parse(version)
            })
    })
}

// ---------------------------------------------------------------------------------------------
// Requirements files

/// Deeper `-r` chains than this are not followed.
const MAX_INCLUDE_DEPTH: usize = 32;

/// `requirements.txt`, the other `requirements*.txt` sorted, then `requirements/*.txt` sorted.
fn requirements_files(dir: &Path) -> Vec<PathBuf> {
    let mut top = sorted_files(dir, |name| {
        let lower = name.to_ascii_lowercase();
        lower.starts_with("requirements") && lower.ends_with(".txt")
    });
    // `requirements.txt` before `requirements-dev.txt`.
    top.sort_by_key(|p| {
        p.file_name()
            .is_none_or(|n| !n.eq_ignore_ascii_case("requirements.txt"))
    });
    let nested = sorted_files(&dir.join("requirements"), |name| {
        name.to_ascii_lowercase().ends_with(".txt")
    });
    top.into_iter().chain(nested).collect()
}

/// The regular files of `dir` whose names `keep` accepts, sorted by name.
fn sorted_files(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(&keep))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The first line of `path` (or of a file it includes, at the point of the include) that pins
/// SQLAlchemy, with the file it is in. Every file is read at most once.
fn from_requirements(
    path: &Path,
    visited: &mut HashSet<PathBuf>,
    depth: usize,
) -> Option<(SqlalchemyVersion, PathBuf)> {
    if depth > MAX_INCLUDE_DEPTH {
        return None;
    }
    let path = std::fs::canonicalize(path).ok()?;
    if !visited.insert(path.clone()) {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let base = path.parent().unwrap_or(Path::new("."));
    for line in logical_lines(&text) {
        let line = strip_comment(&line).trim().to_owned();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('-') {
            if let Some(include) = include_target(&line) {
                if include.contains("://") {
                    continue;
                }
                if let Some(found) = from_requirements(&base.join(include), visited, depth + 1) {
                    return Some(found);
                }
            }
            continue;
        }
        if let Some(version) = sqlalchemy_specifier(&line).and_then(version_from_spec) {
            return Some((version, path));
        }
    }
    None
}

/// Lines with `\` continuations joined, as pip joins them.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// A line without its comment: `#` at the start or after whitespace, as pip reads it.
fn strip_comment(line: &str) -> &str {
    let mut previous_is_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && previous_is_space {
            return &line[..i];
        }
        previous_is_space = c.is_whitespace();
    }
    line
}

/// The file named by `-r`, `--requirement`, `-c` or `--constraint` (constraints pin versions too).
fn include_target(line: &str) -> Option<&str> {
    for long in ["--requirement", "--constraint"] {
        if let Some(rest) = line.strip_prefix(long) {
            let rest = rest.strip_prefix('=').unwrap_or(rest).trim();
            return (!rest.is_empty()).then_some(rest);
        }
    }
    for short in ["-r", "-c"] {
        if let Some(rest) = line.strip_prefix(short) {
            let rest = rest.trim();
            return (!rest.is_empty()).then_some(rest);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// pyproject.toml

fn from_pyproject(path: &Path) -> Option<SqlalchemyVersion> {
    let text = std::fs::read_to_string(path).ok()?;
    let doc: toml::Table = toml::from_str(&text).ok()?;
    let project = doc.get("project");
    let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
    let pdm = doc.get("tool").and_then(|t| t.get("pdm"));

    let pep508_list = |value: Option<&toml::Value>| {
        value?
            .as_array()?
            .iter()
            .filter_map(toml::Value::as_str)
            .find_map(|req| sqlalchemy_specifier(req).and_then(version_from_spec))
    };
    let pep508_lists = |value: Option<&toml::Value>| {
        value?
            .as_table()?
            .values()
            .find_map(|list| pep508_list(Some(list)))
    };
    let poetry_table = |value: Option<&toml::Value>| {
        value?
            .as_table()?
            .iter()
            .filter(|(name, _)| is_sqlalchemy(name))
            .find_map(|(_, constraint)| poetry_constraint(constraint))
    };
    let poetry_groups = || {
        poetry?
            .get("group")?
            .as_table()?
            .values()
            .find_map(|group| poetry_table(group.get("dependencies")))
    };

    pep508_list(project.and_then(|p| p.get("dependencies")))
        .or_else(|| poetry_table(poetry.and_then(|p| p.get("dependencies"))))
        .or_else(|| pep508_lists(project.and_then(|p| p.get("optional-dependencies"))))
        .or_else(|| pep508_lists(doc.get("dependency-groups")))
        .or_else(poetry_groups)
        .or_else(|| poetry_table(poetry.and_then(|p| p.get("dev-dependencies"))))
        .or_else(|| pep508_lists(pdm.and_then(|p| p.get("dev-dependencies"))))
}

/// A Poetry dependency: `"^2.0"`, `{ version = "~2.1" }`, or a list of those (one per marker).
fn poetry_constraint(value: &toml::Value) -> Option<SqlalchemyVersion> {
    match value {
        toml::Value::String(spec) => version_from_spec(spec),
        toml::Value::Table(table) => version_from_spec(table.get("version")?.as_str()?),
        toml::Value::Array(items) => items.iter().find_map(poetry_constraint),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Installed environments

/// SQLAlchemy's `*.dist-info` in `dir/.venv`, `dir/venv` or `dir/env`.
fn from_venvs(dir: &Path) -> Option<(SqlalchemyVersion, PathBuf)> {
    [".venv", "venv", "env"].iter().find_map(|name| {
        let venv = dir.join(name);
        if !venv.is_dir() {
            return None;
        }
        site_packages(&venv)
            .iter()
            .find_map(|site| from_site_packages(site))
    })
}

/// `lib/python*/site-packages` (and `lib64/...`), or `Lib/site-packages` on Windows.
fn site_packages(venv: &Path) -> Vec<PathBuf> {
    let mut sites = Vec::new();
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(venv.join(lib)) else {
            continue;
        };
        let mut pythons: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with("python"))
            })
            .map(|e| e.path().join("site-packages"))
            .collect();
        pythons.sort();
        sites.extend(pythons);
    }
    sites.push(venv.join("Lib").join("site-packages"));
    sites
}

fn from_site_packages(site: &Path) -> Option<(SqlalchemyVersion, PathBuf)> {
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(site)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().to_str()?.to_owned(), e.path())))
        .collect();
    entries.sort();
    entries.into_iter().find_map(|(name, path)| {
        let stem = name.strip_suffix(".dist-info")?;
        let (dist, version) = stem.split_once('-')?;
        if !is_sqlalchemy(dist) || !path.is_dir() {
            return None;
        }
        metadata_version(&path.join("METADATA"))
            .or_else(|| SqlalchemyVersion::parse(version))
            .map(|v| (v, path))
    })
}

/// The `Version:` header of a core-metadata file.
fn metadata_version(path: &Path) -> Option<SqlalchemyVersion> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .take_while(|line| !line.trim().is_empty())
        .find_map(|line| line.strip_prefix("Version:"))
        .and_then(SqlalchemyVersion::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u32, minor: u32, patch: u32) -> SqlalchemyVersion {
        SqlalchemyVersion {
            major,
            minor,
            patch,
        }
    }

    /// A temporary project directory with a `.git`, so that the search stops there.
    fn project() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir(tmp.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
        tmp
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }

    fn canonical(path: PathBuf) -> PathBuf {
        std::fs::canonicalize(&path).unwrap_or(path)
    }

    fn detect(root: &Path) -> Option<(SqlalchemyVersion, VersionSource)> {
        detect_sqlalchemy_version(root)
    }

    #[test]
    fn parse_versions() {
        assert_eq!(SqlalchemyVersion::parse("2.1.0b1"), Some(v(2, 1, 0)));
        assert_eq!(SqlalchemyVersion::parse("2.0"), Some(v(2, 0, 0)));
        assert_eq!(SqlalchemyVersion::parse("2.1.9"), Some(v(2, 1, 9)));
        assert_eq!(SqlalchemyVersion::parse("1.4.54"), Some(v(1, 4, 54)));
        assert_eq!(
            SqlalchemyVersion::parse(" 2.0.36.post1+local "),
            Some(v(2, 0, 36))
        );
        assert_eq!(SqlalchemyVersion::parse("2.1.0rc2"), Some(v(2, 1, 0)));
        assert_eq!(SqlalchemyVersion::parse("garbage"), None);
        assert_eq!(SqlalchemyVersion::parse(""), None);
        assert_eq!(SqlalchemyVersion::parse("2.0.*"), None);
        assert_eq!(SqlalchemyVersion::parse("2.0,<3"), None);
        assert_eq!(SqlalchemyVersion::parse("99999999999.0"), None);
        assert_eq!(v(2, 1, 0).to_string(), "2.1.0");
        assert!(v(2, 1, 0).honours_sa_enum_create_type());
        assert!(v(3, 0, 0).honours_sa_enum_create_type());
        assert!(!v(2, 0, 36).honours_sa_enum_create_type());
        assert!(!v(1, 4, 54).honours_sa_enum_create_type());
        assert!(v(1, 4, 54) < v(2, 0, 0));
    }

    #[test]
    fn specifiers_name_a_version_only_when_one_minor_is_allowed() {
        let cases = [
            ("==2.0.36", Some(v(2, 0, 36))),
            ("===2.0.36", Some(v(2, 0, 36))),
            ("== 2.1.0b1", Some(v(2, 1, 0))),
            ("~=2.0.30", Some(v(2, 0, 30))),
            (">=2.1,<2.2", Some(v(2, 1, 0))),
            (">= 2.1.3, < 2.2.0", Some(v(2, 1, 3))),
            ("<=2.1.9,>=2.1", Some(v(2, 1, 0))),
            ("==2.1.*", Some(v(2, 1, 0))),
            ("==2.*", None),
            ("~=2.0", None),
            (">=2.0", None),
            ("<2.2", None),
            (">=2.0,<2.2", None),
            (">=2.1,<2.1", None),
            (">=2.0,!=2.0.1", None),
            ("", None),
            // Poetry
            ("2.0.36", Some(v(2, 0, 36))),
            ("~2.1.3", Some(v(2, 1, 3))),
            ("~2.1", Some(v(2, 1, 0))),
            ("~2", None),
            ("^2.0.3", None),
            ("^2", None),
            ("^0.9.2", Some(v(0, 9, 2))),
            (">=2.1 <2.2", Some(v(2, 1, 0))),
            ("2.1.*", Some(v(2, 1, 0))),
            ("*", None),
            ("~2.0 || ~2.1", None),
        ];
        for (spec, expected) in cases {
            assert_eq!(version_from_spec(spec), expected, "{spec:?}");
        }
    }

    #[test]
    fn requirement_strings() {
        let cases = [
            ("SQLAlchemy==2.0.36", Some("==2.0.36")),
            (
                "sqlalchemy[asyncio,mypy] == 2.1.0 ; python_version >= '3.9'",
                Some("== 2.1.0"),
            ),
            ("sqlalchemy==2.0.36 --hash=sha256:abc", Some("==2.0.36")),
            ("Sqlalchemy (>=2.1,<2.2)", Some(">=2.1,<2.2")),
            ("sqlalchemy @ https://example.com/sa.whl", None),
            ("sqlalchemy-utils==0.41.1", None),
            ("flask-sqlalchemy==3.1", None),
        ];
        for (line, expected) in cases {
            assert_eq!(sqlalchemy_specifier(line), expected, "{line:?}");
        }
        assert_eq!(normalize_name("SQL_Alchemy"), "sql-alchemy");
        assert!(is_sqlalchemy("SQLAlchemy"));
    }

    #[test]
    fn uv_lock() {
        let tmp = project();
        write(
            tmp.path(),
            "uv.lock",
            "version = 1\n\n[[package]]\nname = \"alembic\"\nversion = \"1.14.0\"\n\n\
             [[package]]\nname = \"sqlalchemy\"\nversion = \"2.0.36\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
        );
        let expected = (
            v(2, 0, 36),
            VersionSource::LockFile(canonical(tmp.path().to_owned()).join("uv.lock")),
        );
        assert_eq!(detect(tmp.path()), Some(expected));
    }

    #[test]
    fn poetry_lock_with_capitalized_name() {
        let tmp = project();
        write(
            tmp.path(),
            "poetry.lock",
            "[[package]]\nname = \"SQLAlchemy\"\nversion = \"1.4.54\"\ndescription = \"\"\noptional = false\n\n\
             [metadata]\nlock-version = \"2.0\"\n",
        );
        let found = detect(tmp.path());
        assert_eq!(found.as_ref().map(|f| f.0), Some(v(1, 4, 54)));
        assert!(
            matches!(found, Some((_, VersionSource::LockFile(p))) if p.ends_with("poetry.lock"))
        );
    }

    #[test]
    fn pipfile_lock_default_and_develop() {
        let tmp = project();
        write(
            tmp.path(),
            "Pipfile.lock",
            r#"{"_meta": {}, "default": {"alembic": {"version": "==1.14.0"}}, "develop": {"SQLAlchemy": {"hashes": [], "version": "==2.1.2"}}}"#,
        );
        assert_eq!(detect(tmp.path()).map(|f| f.0), Some(v(2, 1, 2)));
        write(
            tmp.path(),
            "Pipfile.lock",
            r#"{"default": {"sqlalchemy": {"version": "==2.0.36"}}, "develop": {"sqlalchemy": {"version": "==2.1.2"}}}"#,
        );
        assert_eq!(detect(tmp.path()).map(|f| f.0), Some(v(2, 0, 36)));
    }

    #[test]
    fn pdm_lock() {
        let tmp = project();
        write(
            tmp.path(),
            "pdm.lock",
            "[metadata]\ngroups = [\"default\"]\n\n[[package]]\nname = \"sqlalchemy\"\nversion = \"2.1.0\"\n",
        );
        let found = detect(tmp.path());
        assert_eq!(found.as_ref().map(|f| f.0), Some(v(2, 1, 0)));
        assert!(matches!(found, Some((_, VersionSource::LockFile(p))) if p.ends_with("pdm.lock")));
    }

    #[test]
    fn requirements_with_extras_markers_comments_and_hashes() {
        let tmp = project();
        write(
            tmp.path(),
            "requirements.txt",
            "# pinned\n--index-url https://pypi.org/simple\nalembic==1.14.0  # migrations\n\
             sqlalchemy-utils==0.41.1\n\
             SQLAlchemy[asyncio] == 2.0.36 ; python_version >= \"3.9\" \\\n    --hash=sha256:0123 \\\n    --hash=sha256:4567\n",
        );
        let expected = (
            v(2, 0, 36),
            VersionSource::Requirements(canonical(tmp.path().join("requirements.txt"))),
        );
        assert_eq!(detect(tmp.path()), Some(expected));
    }

    #[test]
    fn requirements_follow_relative_includes() {
        let tmp = project();
        write(
            tmp.path(),
            "requirements.txt",
            "-r requirements/base.txt\nflask\n",
        );
        write(
            tmp.path(),
            "requirements/base.txt",
            "--requirement=../pins/sa.txt\n",
        );
        write(tmp.path(), "pins/sa.txt", "sqlalchemy~=2.1.3\n");
        let expected = (
            v(2, 1, 3),
            VersionSource::Requirements(canonical(tmp.path().join("pins/sa.txt"))),
        );
        assert_eq!(detect(tmp.path()), Some(expected));
    }

    #[test]
    fn requirements_include_cycle_terminates() {
        let tmp = project();
        write(
            tmp.path(),
            "requirements.txt",
            "-r requirements-dev.txt\n-r requirements.txt\n",
        );
        write(
            tmp.path(),
            "requirements-dev.txt",
            "-rrequirements.txt\n-r ./requirements-dev.txt\npytest\n",
        );
        assert_eq!(detect(tmp.path()), None);
        // A pin after the cycle is still found.
        write(
            tmp.path(),
            "requirements-dev.txt",
            "-r requirements.txt\nsqlalchemy==2.1.1\n",
        );
        let expected = (
            v(2, 1, 1),
            VersionSource::Requirements(canonical(tmp.path().join("requirements-dev.txt"))),
        );
        assert_eq!(detect(tmp.path()), Some(expected));
    }

    #[test]
    fn loose_requirement_falls_through_to_next_source() {
        let tmp = project();
        write(tmp.path(), "requirements.txt", "sqlalchemy>=2.0\n");
        write(
            tmp.path(),
            "pyproject.toml",
            "[project]\nname = \"app\"\ndependencies = [\"sqlalchemy>=2.1,<2.2\"]\n",
        );
        let expected = (
            v(2, 1, 0),
            VersionSource::Pyproject(canonical(tmp.path().join("pyproject.toml"))),
        );
        assert_eq!(detect(tmp.path()), Some(expected));
    }

    #[test]
    fn pyproject_project_dependencies() {
        let tmp = project();
        write(
            tmp.path(),
            "pyproject.toml",
            "[project]\nname = \"app\"\ndependencies = [\n  \"alembic>=1.14\",\n  \"SQLAlchemy[asyncio]==2.0.36; python_version>'3.8'\",\n]\n",
        );
        let expected = (
            v(2, 0, 36),
            VersionSource::Pyproject(canonical(tmp.path().join("pyproject.toml"))),
        );
        assert_eq!(detect(tmp.path()), Some(expected));
    }

    #[test]
    fn pyproject_poetry_dependencies() {
        let tmp = project();
        write(
            tmp.path(),
            "pyproject.toml",
            "[tool.poetry.dependencies]\npython = \"^3.11\"\nSQLAlchemy = { version = \"~2.1.4\", extras = [\"asyncio\"] }\n",
        );
        assert_eq!(detect(tmp.path()).map(|f| f.0), Some(v(2, 1, 4)));
        write(
            tmp.path(),
            "pyproject.toml",
            "[tool.poetry.dependencies]\nsqlalchemy = \"2.0.36\"\n",
        );
        assert_eq!(detect(tmp.path()).map(|f| f.0), Some(v(2, 0, 36)));
        // A caret allows every 2.x: no version.
        write(
            tmp.path(),
            "pyproject.toml",
            "[tool.poetry.dependencies]\nsqlalchemy = \"^2.0.3\"\n",
        );
        assert_eq!(detect(tmp.path()), None);
        write(
            tmp.path(),
            "pyproject.toml",
            "[tool.poetry.dependencies]\nsqlalchemy = \"^2\"\n[tool.poetry.group.dev.dependencies]\nsqlalchemy = \"==2.1.0\"\n",
        );
        assert_eq!(detect(tmp.path()).map(|f| f.0), Some(v(2, 1, 0)));
    }

    #[test]
    fn installed_venv_metadata_and_directory_name() {
        let tmp = project();
        let site = ".venv/lib/python3.12/site-packages";
        write(
            tmp.path(),
            &format!("{site}/sqlalchemy_utils-0.41.1.dist-info/METADATA"),
            "Version: 0.41.1\n",
        );
        write(
            tmp.path(),
            &format!("{site}/sqlalchemy-2.0.36.dist-info/METADATA"),
            "Metadata-Version: 2.1\nName: SQLAlchemy\nVersion: 2.0.37\n\nVersion: 9.9.9\n",
        );
        let expected = (
            v(2, 0, 37),
            VersionSource::InstalledVenv(
                canonical(tmp.path().join(site)).join("sqlalchemy-2.0.36.dist-info"),
            ),
        );
        assert_eq!(detect(tmp.path()), Some(expected));
        // Without METADATA, the directory name tells.
        let tmp = project();
        std::fs::create_dir_all(
            tmp.path()
                .join("venv/lib/python3.11/site-packages/SQLAlchemy-1.4.54.dist-info"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(detect(tmp.path()).map(|f| f.0), Some(v(1, 4, 54)));
    }

    #[test]
    fn sources_in_priority_order() {
        let tmp = project();
        let root = tmp.path();
        write(
            root,
            "env/lib/python3.12/site-packages/SQLAlchemy-1.4.0.dist-info/METADATA",
            "Version: 1.4.0\n",
        );
        write(
            root,
            "pyproject.toml",
            "[project]\ndependencies = [\"sqlalchemy==1.4.1\"]\n",
        );
        write(root, "requirements/prod.txt", "sqlalchemy==1.4.2\n");
        write(
            root,
            "pdm.lock",
            "[[package]]\nname = \"sqlalchemy\"\nversion = \"1.4.3\"\n",
        );
        write(
            root,
            "Pipfile.lock",
            r#"{"default": {"sqlalchemy": {"version": "==1.4.4"}}}"#,
        );
        write(
            root,
            "poetry.lock",
            "[[package]]\nname = \"sqlalchemy\"\nversion = \"1.4.5\"\n",
        );
        write(
            root,
            "uv.lock",
            "[[package]]\nname = \"sqlalchemy\"\nversion = \"1.4.6\"\n",
        );
        let order = [
            "uv.lock",
            "poetry.lock",
            "Pipfile.lock",
            "pdm.lock",
            "requirements/prod.txt",
            "pyproject.toml",
        ];
        for (file, patch) in order.iter().zip((1..=6).rev()) {
            assert_eq!(
                detect(root).map(|f| f.0),
                Some(v(1, 4, patch)),
                "before removing {file}"
            );
            std::fs::remove_file(root.join(file)).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(
            matches!(detect(root), Some((found, VersionSource::InstalledVenv(_))) if found == v(1, 4, 0))
        );
    }

    #[test]
    fn malformed_files_are_skipped() {
        let tmp = project();
        let root = tmp.path();
        write(
            root,
            "uv.lock",
            "[[package]\nname = \"sqlalchemy\"\nversion = 2.0.36\n",
        );
        write(
            root,
            "poetry.lock",
            "[[package]]\nname = \"sqlalchemy\"\nversion = 2\n",
        );
        write(
            root,
            "Pipfile.lock",
            r#"{"default": {"sqlalchemy": {"version": "==2.0.36"}"#,
        );
        write(root, "pdm.lock", "package = \"sqlalchemy\"\n");
        std::fs::write(root.join("requirements.txt"), b"sqlalchemy==\xff\xfe\n")
            .unwrap_or_else(|e| panic!("{e}"));
        write(
            root,
            "requirements-dev.txt",
            "sqlalchemy==\n-r\n--requirement\nsqlalchemy[asyncio\n==2.0.36\n",
        );
        write(
            root,
            "pyproject.toml",
            "[project\ndependencies = [\"sqlalchemy==2.0.36\"]\n",
        );
        write(
            root,
            ".venv/lib/python3.12/site-packages/sqlalchemy-garbage.dist-info/METADATA",
            "Version: ???\n",
        );
        assert_eq!(detect(root), None);
        write(
            root,
            "venv/lib/python3.12/site-packages/SQLAlchemy-2.1.0.dist-info/METADATA",
            "\u{0}\u{1}",
        );
        assert_eq!(detect(root).map(|f| f.0), Some(v(2, 1, 0)));
    }

    #[test]
    fn parents_searched_up_to_the_git_directory() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let outer = tmp.path();
        write(outer, ".git/HEAD", "");
        write(
            outer,
            "uv.lock",
            "[[package]]\nname = \"sqlalchemy\"\nversion = \"1.4.0\"\n",
        );
        write(outer, "repo/.git", "gitdir: ../.git/worktrees/repo\n");
        write(outer, "repo/requirements.txt", "sqlalchemy==2.0.1\n");
        write(outer, "repo/app/alembic.ini", "[alembic]\n");
        // The lock file beyond the repository is not read; the requirements file in a parent is.
        let expected = (
            v(2, 0, 1),
            VersionSource::Requirements(canonical(outer.join("repo/requirements.txt"))),
        );
        assert_eq!(detect(&outer.join("repo/app")), Some(expected));
        // A lock file in a parent beats requirements in the project directory.
        write(
            outer,
            "repo/uv.lock",
            "[[package]]\nname = \"SQLAlchemy\"\nversion = \"2.0.2\"\n",
        );
        write(outer, "repo/app/requirements.txt", "sqlalchemy==2.0.3\n");
        assert_eq!(
            detect(&outer.join("repo/app")).map(|f| f.0),
            Some(v(2, 0, 2))
        );
        assert_eq!(detect(&outer.join("missing")), None);
    }
}
