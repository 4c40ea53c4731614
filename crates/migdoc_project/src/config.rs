//! Where a project keeps its migrations: `alembic.ini` (or `[tool.alembic]` in pyproject.toml), read
//! the way Alembic 1.18 reads it (`Config.get_version_locations_list` and friends).

use std::path::{Path, PathBuf};

use crate::ProjectError;
use crate::ini::Ini;

/// What the Alembic configuration says, with paths resolved.
#[derive(Clone, Debug, Default)]
pub struct AlembicConfig {
    /// The file it came from (`alembic.ini` or `pyproject.toml`).
    pub source: PathBuf,
    /// The directory holding `env.py`.
    pub script_location: Option<PathBuf>,
    /// The directories whose `.py` files are revisions.
    pub version_locations: Vec<PathBuf>,
    pub prepend_sys_path: Vec<PathBuf>,
    pub recursive_version_locations: bool,
    /// The raw `sqlalchemy.url`, if any (never printed unmasked).
    pub sqlalchemy_url: Option<String>,
    /// The `[alembic]` section's options, interpolated, as `config.get_main_option(key)` reads
    /// them in a migration (without `sqlalchemy.url`, which may hold a password).
    pub main_options: std::collections::BTreeMap<String, String>,
    /// `file_template` (ini first, then toml, as `get_alembic_option` reads it): how
    /// `alembic revision` names a new file.
    pub file_template: Option<String>,
    /// `truncate_slug_length` (Alembic's default is 40).
    pub truncate_slug_length: Option<String>,
}

const SECTION: &str = "alembic";

/// Reads `alembic.ini`, merged with `[tool.alembic]` from a `pyproject.toml` beside it: Alembic looks
/// in the ini section first and falls back to the toml table.
pub(crate) fn read_config(
    ini_path: Option<&Path>,
    pyproject: Option<&Path>,
) -> Result<AlembicConfig, ProjectError> {
    let ini_text = ini_path.map(read_text).transpose()?;
    let toml_text = pyproject.map(read_text).transpose()?;
    AlembicConfig::from_texts(
        ini_path.zip(ini_text.as_deref()),
        pyproject.zip(toml_text.as_deref()),
    )
}

impl AlembicConfig {
    /// The configuration from the texts of `alembic.ini` and `pyproject.toml` (each with its path:
    /// relative paths in them are resolved against its directory). No file is read.
    pub fn from_texts(
        ini_file: Option<(&Path, &str)>,
        pyproject_file: Option<(&Path, &str)>,
    ) -> Result<AlembicConfig, ProjectError> {
        let ini_path = ini_file.map(|(p, _)| p);
        let pyproject = pyproject_file.map(|(p, _)| p);
        let ini = ini_file.map(|(_, text)| Ini::parse(text));
        let toml = match pyproject_file {
            Some((path, text)) => {
                let value: toml::Table =
                    toml::from_str(text).map_err(|e| ProjectError::BadConfig {
                        path: path.to_owned(),
                        message: e.message().to_owned(),
                    })?;
                value
                    .get("tool")
                    .and_then(|t| t.get("alembic"))
                    .and_then(|t| t.as_table())
                    .cloned()
            }
            None => None,
        };
        from_parsed(ini_path, pyproject, ini, toml)
    }
}

fn from_parsed(
    ini_path: Option<&Path>,
    pyproject: Option<&Path>,
    ini: Option<Ini>,
    toml: Option<toml::Table>,
) -> Result<AlembicConfig, ProjectError> {
    let base = ini_path.or(pyproject).ok_or(ProjectError::NoConfig)?;
    // Alembic's `%(here)s`: `os.path.abspath(os.path.dirname(config_file_name))`, absolute so
    // that `migdoc check shop/alembic.ini` resolves from any directory.
    let parent = base
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let here_buf = std::path::absolute(parent).unwrap_or_else(|_| parent.to_owned());
    let here_dir = here_buf.as_path();
    let here = here_dir.to_string_lossy().into_owned();
    let ini_get = |key: &str| ini.as_ref().and_then(|i| i.get(SECTION, key, &here));
    if let (Some(ini), Some(path)) = (&ini, ini_path)
        && !ini.has_section(SECTION)
        && toml.is_none()
    {
        return Err(ProjectError::BadConfig {
            path: path.to_owned(),
            message: format!("no [{SECTION}] section"),
        });
    }
    let toml_str = |key: &str| {
        toml.as_ref()
            .and_then(|t| t.get(key))
            .and_then(|v| v.as_str())
            .map(|s| s.replace("%(here)s", &here))
    };
    let toml_list = |key: &str| -> Option<Vec<String>> {
        let value = toml.as_ref()?.get(key)?;
        match value {
            toml::Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str())
                    .map(|s| s.replace("%(here)s", &here))
                    .collect(),
            ),
            toml::Value::String(s) => Some(vec![s.replace("%(here)s", &here)]),
            _ => None,
        }
    };
    let separator = ini_get("path_separator").or_else(|| ini_get("version_path_separator"));
    let split = |value: &str, legacy_colon: bool| -> Vec<String> {
        let sep = match separator.as_deref() {
            Some("space") => Some(" "),
            Some("newline") => Some("\n"),
            Some("os" | ":") => Some(":"),
            Some(";") => Some(";"),
            _ => None,
        };
        match sep {
            Some(sep) => value
                .split(sep)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            // Legacy splitting: on commas and spaces (and colons for prepend_sys_path).
            None => value
                .split(|c: char| c == ',' || c == ' ' || c == '\n' || (legacy_colon && c == ':'))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    };
    let resolve = |p: &str| -> PathBuf {
        let path = Path::new(p);
        if path.is_absolute() {
            path.to_owned()
        } else {
            here_dir.join(path)
        }
    };
    let prepend_sys_path: Vec<PathBuf> = match ini_get("prepend_sys_path") {
        Some(v) if !v.is_empty() => split(&v, true).iter().map(|p| resolve(p)).collect(),
        _ => toml_list("prepend_sys_path")
            .unwrap_or_default()
            .iter()
            .map(|p| resolve(p))
            .collect(),
    };
    let script_location = ini_get("script_location")
        .or_else(|| toml_str("script_location"))
        .map(|loc| resolve_script_location(&loc, &prepend_sys_path, here_dir));
    let version_locations = match ini_get("version_locations") {
        Some(v) if !v.is_empty() => split(&v, false).iter().map(|p| resolve(p)).collect(),
        _ => match toml_list("version_locations") {
            Some(list) => list.iter().map(|p| resolve(p)).collect(),
            None => script_location.iter().map(|s| s.join("versions")).collect(),
        },
    };
    let recursive_version_locations = match ini_get("recursive_version_locations") {
        Some(v) => v == "true",
        None => toml
            .as_ref()
            .and_then(|t| t.get("recursive_version_locations"))
            .and_then(toml::Value::as_bool)
            .unwrap_or(false),
    };
    let file_template = ini_get("file_template").or_else(|| toml_str("file_template"));
    let truncate_slug_length = ini_get("truncate_slug_length").or_else(|| {
        let value = toml.as_ref()?.get("truncate_slug_length")?;
        value
            .as_integer()
            .map(|i| i.to_string())
            .or_else(|| value.as_str().map(str::to_owned))
    });
    Ok(AlembicConfig {
        file_template,
        truncate_slug_length,
        source: base.to_owned(),
        script_location,
        version_locations,
        prepend_sys_path,
        recursive_version_locations,
        sqlalchemy_url: ini_get("sqlalchemy.url").filter(|u| !u.is_empty()),
        main_options: ini
            .as_ref()
            .map(|i| {
                i.keys(SECTION)
                    .into_iter()
                    .filter(|k| k != "sqlalchemy.url")
                    .filter_map(|k| Some((k.clone(), ini_get(&k)?)))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// `script_location` is a path, or `package:dir` naming a directory inside an importable package
/// (looked up on `prepend_sys_path`, then beside the config file).
fn resolve_script_location(location: &str, sys_path: &[PathBuf], here: &Path) -> PathBuf {
    let path = Path::new(location);
    if !path.is_absolute() && location.contains(':') {
        let mut tokens = location.split(':');
        let package = tokens.next().unwrap_or_default();
        let package_dir = package.replace('.', "/");
        for root in sys_path.iter().map(PathBuf::as_path).chain([here]) {
            let candidate = root.join(&package_dir);
            if candidate.is_dir() {
                return tokens.fold(candidate, |acc, t| acc.join(t));
            }
        }
        return tokens.fold(here.join(package_dir), |acc, t| acc.join(t));
    }
    if path.is_absolute() {
        path.to_owned()
    } else {
        here.join(path)
    }
}

pub(crate) fn read_text(path: &Path) -> Result<String, ProjectError> {
    let bytes = std::fs::read(path).map_err(|source| ProjectError::Io {
        path: path.to_owned(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| ProjectError::BadConfig {
        path: path.to_owned(),
        message: "the file is not UTF-8".into(),
    })
}
