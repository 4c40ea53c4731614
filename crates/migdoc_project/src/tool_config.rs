//! migdoc's own configuration: `[tool.migdoc]` in `pyproject.toml`, or a `migdoc.toml` (the same
//! keys at the top level). The closest one, walking up from the checked path, wins (a `migdoc.toml`
//! before a `pyproject.toml` in the same directory), as ruff finds its configuration.
//!
//! Every key is checked: an unknown key, or a value of the wrong kind, is an error that names the
//! file, the key and (for a misspelling) the closest valid key. Rule selectors are checked by the
//! linter, which knows the rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which file a configuration text comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigFile {
    /// `pyproject.toml`: the keys are under `[tool.migdoc]`.
    Pyproject,
    /// `migdoc.toml`: the keys are at the top level.
    MigdocToml,
}

/// The settings a configuration file gives. Command-line flags win over them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigdocConfig {
    /// The file this came from (empty when parsed from a text).
    pub path: PathBuf,
    /// Rule codes, names or code prefixes (`MD1`, `ALL`) to run; `None` runs every rule.
    pub select: Option<Vec<String>>,
    /// Rule codes, names or prefixes not to run (after `select`).
    pub ignore: Vec<String>,
    /// Per-rule severity: rule selector to `error`, `warning` or `info`.
    pub severity: BTreeMap<String, String>,
    pub postgres_version: Option<u32>,
    pub sqlalchemy_version: Option<String>,
    /// Model modules (like `--models`).
    pub models: Option<Vec<String>>,
    /// Modules whose models `metadata.create_all()` made before the history's first revision
    /// (like `--base-models`).
    pub base_models: Option<Vec<String>>,
    /// Version directories to read besides the ones Alembic's configuration names, relative to
    /// the configuration file.
    pub extra_version_locations: Vec<PathBuf>,
    /// `error` or `warning` (like `--fail-on`).
    pub fail_on: Option<String>,
    /// A baseline file (like `--baseline`), relative to the configuration file.
    pub baseline: Option<PathBuf>,
}

/// What is wrong with a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

/// The keys of `[tool.migdoc]`, in the order the docs list them.
pub const KEYS: &[&str] = &[
    "select",
    "ignore",
    "severity",
    "postgres-version",
    "sqlalchemy-version",
    "models",
    "base-models",
    "extra-version-locations",
    "fail-on",
    "baseline",
];

impl MigdocConfig {
    /// The configuration for `start` (a file or directory): the closest `migdoc.toml`, or
    /// `pyproject.toml` with a `[tool.migdoc]` table, in `start` or a parent directory.
    pub fn find(start: &Path) -> Result<Option<MigdocConfig>, ConfigError> {
        let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_owned());
        let dir = if start.is_file() {
            start.parent().map(Path::to_owned).unwrap_or(start)
        } else {
            start
        };
        for dir in dir.ancestors() {
            for (name, kind) in [
                ("migdoc.toml", ConfigFile::MigdocToml),
                ("pyproject.toml", ConfigFile::Pyproject),
            ] {
                let path = dir.join(name);
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                if kind == ConfigFile::Pyproject
                    && !text.contains("tool.migdoc")
                    && !text.contains("[tool]")
                {
                    continue;
                }
                match MigdocConfig::parse(&text, kind) {
                    Ok(Some(mut config)) => {
                        config.path = path;
                        config.extra_version_locations = config
                            .extra_version_locations
                            .iter()
                            .map(|p| dir.join(p))
                            .collect();
                        config.baseline = config.baseline.map(|p| dir.join(p));
                        return Ok(Some(config));
                    }
                    Ok(None) => {}
                    Err(message) => return Err(ConfigError { path, message }),
                }
            }
        }
        Ok(None)
    }

    /// Parses a configuration text. `Ok(None)`: a `pyproject.toml` without `[tool.migdoc]`.
    pub fn parse(text: &str, file: ConfigFile) -> Result<Option<MigdocConfig>, String> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| format!("not valid TOML: {}", e.message()))?;
        let (table, prefix) = match file {
            ConfigFile::MigdocToml => (table, ""),
            ConfigFile::Pyproject => match table.get("tool").and_then(|t| t.get("migdoc")) {
                Some(toml::Value::Table(t)) => (t.clone(), "tool.migdoc."),
                Some(_) => return Err("`tool.migdoc` must be a table".to_owned()),
                None => return Ok(None),
            },
        };
        let mut config = MigdocConfig::default();
        for (key, value) in &table {
            let at = format!("{prefix}{key}");
            match key.as_str() {
                "select" => config.select = Some(strings(value, &at)?),
                "ignore" => config.ignore = strings(value, &at)?,
                "severity" => {
                    let toml::Value::Table(rules) = value else {
                        return Err(format!(
                            "`{at}` must be a table of rule = \"error\" | \"warning\" | \"info\""
                        ));
                    };
                    for (rule, level) in rules {
                        match level.as_str() {
                            Some(l @ ("error" | "warning" | "info")) => {
                                config.severity.insert(rule.clone(), l.to_owned());
                            }
                            _ => {
                                return Err(format!(
                                    "`{at}.{rule}` must be \"error\", \"warning\" or \"info\""
                                ));
                            }
                        }
                    }
                }
                "postgres-version" => {
                    let version = match value {
                        toml::Value::Integer(n) => u32::try_from(*n).ok(),
                        toml::Value::String(s) => s.split('.').next().and_then(|m| m.parse().ok()),
                        _ => None,
                    };
                    match version {
                        Some(v) if (9..=99).contains(&v) => config.postgres_version = Some(v),
                        _ => {
                            return Err(format!(
                                "`{at}` must be a PostgreSQL major version such as 15"
                            ));
                        }
                    }
                }
                "sqlalchemy-version" => match value.as_str() {
                    Some(v) if crate::SqlalchemyVersion::parse(v).is_some() => {
                        config.sqlalchemy_version = Some(v.to_owned())
                    }
                    _ => {
                        return Err(format!(
                            "`{at}` must be a SQLAlchemy version such as \"2.0\" or \"2.1.9\""
                        ));
                    }
                },
                "models" => config.models = Some(strings(value, &at)?),
                "base-models" => config.base_models = Some(strings(value, &at)?),
                "extra-version-locations" => {
                    config.extra_version_locations = strings(value, &at)?
                        .into_iter()
                        .map(PathBuf::from)
                        .collect()
                }
                "fail-on" => match value.as_str() {
                    Some(v @ ("error" | "warning")) => config.fail_on = Some(v.to_owned()),
                    _ => return Err(format!("`{at}` must be \"error\" or \"warning\"")),
                },
                "baseline" => match value.as_str() {
                    Some(v) if !v.is_empty() => config.baseline = Some(PathBuf::from(v)),
                    _ => return Err(format!("`{at}` must be a file path")),
                },
                other => {
                    return Err(match closest(other, KEYS) {
                        Some(near) => format!("unknown key `{at}`; did you mean `{prefix}{near}`?"),
                        None => format!("unknown key `{at}`; the keys are {}", KEYS.join(", ")),
                    });
                }
            }
        }
        Ok(Some(config))
    }
}

fn strings(value: &toml::Value, at: &str) -> Result<Vec<String>, String> {
    let err = || format!("`{at}` must be a list of strings");
    match value {
        toml::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(err))
            .collect(),
        _ => Err(err()),
    }
}

/// The candidate closest to `word` by edit distance (case-insensitive, `_` read as `-`), when it is
/// close enough to be a misspelling.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_ascii_lowercase().replace('_', "-");
    candidates
        .iter()
        .map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key() {
        let text = r#"
[tool.migdoc]
select = ["MD1", "enum-created-twice"]
ignore = ["MD215"]
severity = { MD106 = "warning" }
postgres-version = 15
sqlalchemy-version = "2.0"
models = ["app.models"]
base-models = ["app.legacy_models"]
extra-version-locations = ["other/versions"]
fail-on = "warning"
baseline = "migdoc-baseline.json"
"#;
        let config = MigdocConfig::parse(text, ConfigFile::Pyproject)
            .expect("a value")
            .expect("a value");
        assert_eq!(
            config.select.as_deref(),
            Some(&["MD1".to_owned(), "enum-created-twice".to_owned()][..])
        );
        assert_eq!(config.ignore, ["MD215"]);
        assert_eq!(
            config.severity.get("MD106").map(String::as_str),
            Some("warning")
        );
        assert_eq!(config.postgres_version, Some(15));
        assert_eq!(config.sqlalchemy_version.as_deref(), Some("2.0"));
        assert_eq!(
            config.base_models.as_deref(),
            Some(&["app.legacy_models".to_owned()][..])
        );
        assert_eq!(
            config.extra_version_locations,
            [PathBuf::from("other/versions")]
        );
        assert_eq!(config.fail_on.as_deref(), Some("warning"));
        assert_eq!(config.baseline, Some(PathBuf::from("migdoc-baseline.json")));
    }

    #[test]
    fn pyproject_without_the_table_is_no_config() {
        assert_eq!(
            MigdocConfig::parse("[tool.ruff]\nline-length = 100\n", ConfigFile::Pyproject),
            Ok(None)
        );
    }

    #[test]
    fn unknown_keys_suggest_the_closest() {
        let err = MigdocConfig::parse("postgres_version = 15\n", ConfigFile::MigdocToml)
            .expect_err("an error");
        assert_eq!(
            err,
            "unknown key `postgres_version`; did you mean `postgres-version`?"
        );
        let err = MigdocConfig::parse("[tool.migdoc]\nignor = []\n", ConfigFile::Pyproject)
            .expect_err("an error");
        assert_eq!(
            err,
            "unknown key `tool.migdoc.ignor`; did you mean `tool.migdoc.ignore`?"
        );
        let err =
            MigdocConfig::parse("colour = true\n", ConfigFile::MigdocToml).expect_err("an error");
        assert!(
            err.starts_with("unknown key `colour`; the keys are select, ignore"),
            "{err}"
        );
    }

    #[test]
    fn wrong_kinds_are_errors() {
        assert!(
            MigdocConfig::parse("select = \"MD1\"\n", ConfigFile::MigdocToml)
                .expect_err("an error")
                .contains("list of strings")
        );
        assert!(
            MigdocConfig::parse("postgres-version = 3\n", ConfigFile::MigdocToml)
                .expect_err("an error")
                .contains("major version")
        );
        assert!(
            MigdocConfig::parse("severity = { MD101 = \"fatal\" }\n", ConfigFile::MigdocToml)
                .expect_err("an error")
                .contains("MD101")
        );
        assert!(
            MigdocConfig::parse("select = [\n", ConfigFile::MigdocToml)
                .expect_err("an error")
                .starts_with("not valid TOML")
        );
    }

    #[test]
    fn closest_match() {
        assert_eq!(closest("selct", KEYS), Some("select"));
        assert_eq!(closest("zzzzzz", KEYS), None);
    }
}
