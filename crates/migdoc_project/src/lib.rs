//! Finds an Alembic project on disk and reads it: the configuration (`alembic.ini` or
//! `[tool.alembic]`), `env.py`, and every revision file Alembic would load.
//!
//! This crate and the CLI are the only ones that read files. A problem in the user's files is data
//! ([`FileProblem`], syntax errors inside [`RevisionFile`]), never an `Err` that stops the run; `Err` is
//! kept for "there is no project here".

mod config;
mod env;
mod ini;
mod models;
mod revision;
mod sa_version;
mod tool_config;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use config::AlembicConfig;
pub use env::{EnvInfo, Setting, TargetMetadata, read_env};
pub use models::{ModelModule, ModelSources};
pub use revision::{Known, Located, Reuse, RevisionFile, RevisionHeader, RevisionId, SyntaxFacts};
pub use sa_version::{SqlalchemyVersion, VersionSource, detect_sqlalchemy_version};
pub use tool_config::{ConfigError, ConfigFile, MigdocConfig, closest};

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("{} does not exist", .0.display())]
    NotFound(PathBuf),
    #[error(
        "no alembic.ini or [tool.alembic] in pyproject.toml found here or in a parent directory; pass --versions DIR to check a bare versions directory"
    )]
    NoConfig,
    #[error("cannot use {}: {message}", path.display())]
    BadConfig { path: PathBuf, message: String },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("none of the version locations exists: {}", .0.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    NoVersionDirectory(Vec<PathBuf>),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// A project: where its files are and how Alembic is configured.
#[derive(Clone, Debug)]
pub struct Project {
    /// The directory the user pointed at; paths in output are relative to it.
    pub root: PathBuf,
    pub config: Option<AlembicConfig>,
    pub env: Option<EnvInfo>,
    /// Existing version directories, in configuration order.
    pub version_dirs: Vec<PathBuf>,
    pub recursive: bool,
    /// Problems that do not stop the run (a configured version directory that does not exist).
    pub problems: Vec<FileProblem>,
    /// Model modules given on the command line (they win over `[tool.migdoc] models` and env.py).
    pub models: Vec<String>,
    /// Modules whose models `metadata.create_all()` made before the first revision, when the
    /// history presupposes a schema built outside it (`--base-models`, `[tool.migdoc]
    /// base-models`).
    pub base_models: Vec<String>,
    /// `[tool.migdoc]` (or `migdoc.toml`), found walking up from the path the user gave.
    pub settings: MigdocConfig,
    /// The `[alembic]` options migrations read with `config.get_main_option` (see
    /// [`AlembicConfig::main_options`]): from the configuration, or, with versions directories
    /// given explicitly, from an `alembic.ini` at the checked path when there is one; `None`
    /// without either.
    pub main_options: Option<std::collections::BTreeMap<String, String>>,
    /// The dialect and driver of the configuration's `sqlalchemy.url` (`postgresql+asyncpg`),
    /// lowercased: the part before `://`, nothing of the rest (which may hold a password).
    pub url_scheme: Option<String>,
}

/// A problem with a file or directory, reported as a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileProblem {
    pub path: PathBuf,
    pub kind: FileProblemKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileProblemKind {
    MissingVersionDirectory,
    Unreadable(String),
}

/// Every revision file of a project, in Alembic's load order: version locations in configuration
/// order, file names sorted within each.
#[derive(Debug, Default)]
pub struct Sources {
    pub files: Vec<RevisionFile>,
    pub problems: Vec<FileProblem>,
    /// The project's own modules that revision files import (`from myapp.enums import STATUSES`),
    /// by dotted name, found on `prepend_sys_path` and the project root. Third-party and standard
    /// library modules are not there, so they are not read.
    pub modules: std::collections::BTreeMap<String, migdoc_python::Module>,
    /// A hash of those modules' names and texts: lowering depends on them (cache key).
    pub modules_hash: u128,
    /// The application's model modules (see [`Project::load_models`]).
    pub models: ModelSources,
    /// The modules of the schema the history presupposes (see [`Project::load_base_models`]).
    pub base_models: ModelSources,
}

impl Project {
    /// Finds the project at `path`. With `versions`, those directories are the history and no
    /// configuration is needed.
    pub fn discover(path: &Path, versions: &[PathBuf]) -> Result<Project, ProjectError> {
        if !path.exists() {
            return Err(ProjectError::NotFound(path.to_owned()));
        }
        let settings = MigdocConfig::find(path)?.unwrap_or_default();
        let (root, ini_file) = if path.is_file() {
            (
                path.parent().unwrap_or(Path::new(".")).to_owned(),
                Some(path.to_owned()),
            )
        } else {
            (path.to_owned(), None)
        };
        let mut problems = Vec::new();
        let (config, dirs, recursive) = if versions.is_empty() {
            let (ini, pyproject) = match ini_file {
                Some(ini) => {
                    let py = ini.with_file_name("pyproject.toml");
                    (Some(ini), has_tool_alembic(&py).then_some(py))
                }
                None => find_config(&root).ok_or(ProjectError::NoConfig)?,
            };
            let config = config::read_config(ini.as_deref(), pyproject.as_deref())?;
            if config.script_location.is_none() {
                // Alembic refuses it too: "No 'script_location' key found in configuration."
                let path = ini.or(pyproject).unwrap_or_else(|| root.clone());
                return Err(ProjectError::BadConfig {
                    path,
                    message:
                        "it sets no `script_location` (Alembic needs one to find the migrations)"
                            .into(),
                });
            }
            let dirs = config.version_locations.clone();
            let recursive = config.recursive_version_locations;
            (Some(config), dirs, recursive)
        } else {
            (None, versions.to_vec(), false)
        };
        // With `--versions`, the configuration found here still says what the migrations read
        // (`[alembic]` options) and how they run (env.py's `context.configure`); only its
        // version locations are replaced.
        let found = match &config {
            Some(_) => None,
            None => find_config(&root).and_then(|(ini, pyproject)| {
                config::read_config(ini.as_deref(), pyproject.as_deref()).ok()
            }),
        };
        let main_options = config
            .as_ref()
            .or(found.as_ref())
            .map(|c| c.main_options.clone());
        let url_scheme = config
            .as_ref()
            .or(found.as_ref())
            .and_then(|c| c.sqlalchemy_url.as_deref())
            .and_then(|url| url.split_once("://"))
            .map(|(scheme, _)| scheme.to_ascii_lowercase())
            .filter(|s| {
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '_')
            });
        let dirs: Vec<PathBuf> = dirs
            .into_iter()
            .chain(settings.extra_version_locations.iter().cloned())
            .collect();
        let mut version_dirs = Vec::new();
        for dir in &dirs {
            if dir.is_dir() {
                version_dirs.push(dir.clone());
            } else {
                problems.push(FileProblem {
                    path: shown_path(&root, dir),
                    kind: FileProblemKind::MissingVersionDirectory,
                });
            }
        }
        if version_dirs.is_empty() {
            return Err(ProjectError::NoVersionDirectory(dirs));
        }
        let env = config
            .as_ref()
            .or(found.as_ref())
            .and_then(|c| c.script_location.as_ref())
            .map(|loc| loc.join("env.py"))
            .and_then(|env_path| {
                let text = std::fs::read_to_string(&env_path).ok()?;
                Some(env::read_env(shown_path(&root, &env_path), &text))
            });
        Ok(Project {
            root,
            config,
            env,
            version_dirs,
            recursive,
            problems,
            models: settings.models.clone().unwrap_or_default(),
            base_models: settings.base_models.clone().unwrap_or_default(),
            settings,
            main_options,
            url_scheme,
        })
    }

    /// Reads and parses every revision file, in parallel; the result keeps Alembic's load order.
    pub fn load(&self) -> Sources {
        self.load_with(&|_, _| None)
    }

    /// [`Project::load`], taking the header and facts of the files `reuse` already knows (the
    /// cache): those files are read and hashed but not parsed.
    pub fn load_with(&self, reuse: &Reuse<'_>) -> Sources {
        let mut problems = self.problems.clone();
        let mut paths = Vec::new();
        // Alembic skips a file reached twice: a version location listed twice is read once.
        let mut seen_dirs = std::collections::HashSet::new();
        for dir in &self.version_dirs {
            if seen_dirs.insert(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone())) {
                list_py_dir(dir, self.recursive, &mut paths, &mut problems, &self.root);
            }
        }
        // Once for all files: `migdoc check` run with a relative path (`.`) gets version
        // directories spelled from alembic.ini's own (canonical) location.
        let canonical_root = std::fs::canonicalize(&self.root).ok();
        let results: Vec<Result<RevisionFile, FileProblem>> = paths
            .par_iter()
            .map(|abs| {
                let shown = match canonical_root
                    .as_deref()
                    .and_then(|r| abs.strip_prefix(r).ok())
                {
                    Some(rel) if !abs.starts_with(&self.root) => rel.to_owned(),
                    _ => shown_path(&self.root, abs),
                };
                revision::read_revision_file(abs, shown.clone(), reuse).map_err(|e| FileProblem {
                    path: shown,
                    kind: FileProblemKind::Unreadable(e.to_string()),
                })
            })
            .collect();
        let mut files = Vec::with_capacity(results.len());
        for result in results {
            match result {
                Ok(file) => files.push(file),
                Err(problem) => problems.push(problem),
            }
        }
        let (modules, modules_hash) = self.imported_modules(&files);
        let models = self.load_models();
        let base_models = self.load_base_models();
        Sources {
            files,
            problems,
            modules,
            modules_hash,
            models,
            base_models,
        }
    }
}

impl Project {
    /// Where `import x.y` looks: `prepend_sys_path`, the project root, then the directory that
    /// holds the package each versions directory is in (found by walking up through
    /// `__init__.py` files), so a bare versions directory still reaches its project's modules.
    pub fn search_roots(&self) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = self
            .config
            .iter()
            .flat_map(|c| c.prepend_sys_path.clone())
            .collect();
        roots.push(self.root.clone());
        for dir in &self.version_dirs {
            let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
            // The nearest package at most three levels up (`migrations/` itself often is none),
            // then up through its parent packages.
            let mut top = None;
            let nearest = dir
                .ancestors()
                .take(4)
                .position(|a| a.join("__init__.py").is_file());
            for ancestor in dir
                .ancestors()
                .skip(nearest.unwrap_or(usize::MAX))
                .take_while(|a| a.join("__init__.py").is_file())
            {
                top = Some(ancestor);
            }
            if let Some(parent) = top.and_then(Path::parent) {
                roots.push(parent.to_owned());
                // A namespace package holds no `__init__.py` (`galaxy/` in galaxy-data, whose
                // revisions import `galaxy.model.migrations.util`): its parent is where the
                // import starts. Two levels at most, after the nearer root.
                for namespace in parent.ancestors().take(2).take_while(|a| {
                    a.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(is_identifier)
                }) {
                    if let Some(above) = namespace.parent() {
                        roots.push(above.to_owned());
                    }
                }
            }
            // A package on the way up, or the env.py beside the versions directory, that puts a
            // directory of its own on `sys.path` (`sys.path.append(os.path.dirname(__file__))`,
            // how `from migration_utils import ...` works in a revision).
            let packages = dir
                .ancestors()
                .skip(nearest.unwrap_or(usize::MAX))
                .take_while(|a| a.join("__init__.py").is_file())
                .map(|a| a.join("__init__.py"));
            let env_py = dir.parent().map(|p| p.join("env.py"));
            for file in packages.chain(env_py) {
                if let Ok(text) = std::fs::read_to_string(&file) {
                    roots.extend(sys_path_dirs(&file, &text));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        roots.retain(|r| seen.insert(r.clone()));
        roots
    }

    /// `pkg.migrations.versions.<file>` when no search root holds `pkg` (a versions directory
    /// copied out of its project): the revision file `<file>.py` of a versions directory whose
    /// own name is the module's parent, as Alembic's `import_module` of a sibling revision
    /// would find it in the project.
    fn sibling_revision(&self, name: &str) -> Option<PathBuf> {
        let (parent, file) = name.rsplit_once('.')?;
        let parent_last = parent.rsplit('.').next().unwrap_or(parent);
        self.version_dirs.iter().find_map(|dir| {
            let dir_name = dir.file_name()?.to_str()?;
            let path = dir.join(format!("{file}.py"));
            (dir_name == parent_last && path.is_file()).then_some(path)
        })
    }

    /// Reads the project modules the revision files import, and the project modules those
    /// import in turn (breadth first, at most [`MODULE_BUDGET`] modules), and a hash of their
    /// names and texts.
    fn imported_modules(
        &self,
        files: &[RevisionFile],
    ) -> (
        std::collections::BTreeMap<String, migdoc_python::Module>,
        u128,
    ) {
        let roots = self.search_roots();
        let mut queue: std::collections::VecDeque<String> = files
            .iter()
            .flat_map(|f| f.facts.imports.iter().cloned())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut seen: std::collections::HashSet<String> = queue.iter().cloned().collect();
        let mut hash = xxhash_rust::xxh3::Xxh3::new();
        let mut modules = std::collections::BTreeMap::new();
        while let Some(name) = queue.pop_front() {
            if modules.len() >= MODULE_BUDGET {
                break;
            }
            let top = name.split('.').next().unwrap_or_default();
            if matches!(
                top,
                "alembic"
                    | "sqlalchemy"
                    | "typing"
                    | "os"
                    | "sys"
                    | "enum"
                    | "datetime"
                    | "uuid"
                    | "json"
                    | "re"
                    | "migdoc"
            ) {
                continue;
            }
            let rel = name.replace('.', "/");
            let found = roots
                .iter()
                .find_map(|root| {
                    [
                        root.join(format!("{rel}.py")),
                        root.join(&rel).join("__init__.py"),
                    ]
                    .into_iter()
                    .find(|p| p.is_file())
                })
                .or_else(|| self.sibling_revision(&name));
            let Some(path) = found else { continue };
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if text.len() > MODULE_MAX_BYTES {
                continue;
            }
            for part in [name.as_bytes(), &[0], text.as_bytes(), &[0]] {
                hash.update(part);
            }
            let module = migdoc_python::parse_module(&text);
            let is_package = path.ends_with("__init__.py");
            for stmt in &module.body {
                let imported: Vec<String> = match stmt {
                    migdoc_python::ast::Stmt::ImportFrom {
                        module: m,
                        level,
                        names,
                        ..
                    } => {
                        match migdoc_python::absolute_import(
                            &name,
                            is_package,
                            m.as_deref(),
                            *level,
                        ) {
                            Some(base) => std::iter::once(base.clone())
                                .chain(names.iter().map(|a| format!("{base}.{}", a.name)))
                                .collect(),
                            None => Vec::new(),
                        }
                    }
                    migdoc_python::ast::Stmt::Import { names, .. } => {
                        names.iter().map(|a| a.name.clone()).collect()
                    }
                    _ => Vec::new(),
                };
                for i in imported {
                    if seen.insert(i.clone()) {
                        queue.push_back(i);
                    }
                }
            }
            modules.insert(name, module);
        }
        (modules, hash.digest128())
    }
}

/// How many project modules migdoc reads for one history, at most.
const MODULE_BUDGET: usize = 256;
/// A module larger than this is not read (generated code, vendored data).
const MODULE_MAX_BYTES: usize = 512 * 1024;

/// Alembic's `Script._list_py_dir` + `_from_filename`: the `.py` files of a directory (walked
/// recursively when `recursive_version_locations`), skipping `__pycache__`, `__init__*` and `.#*`.
fn list_py_dir(
    dir: &Path,
    recursive: bool,
    out: &mut Vec<PathBuf>,
    problems: &mut Vec<FileProblem>,
    root: &Path,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(FileProblem {
                path: shown_path(root, dir),
                kind: FileProblemKind::Unreadable(e.to_string()),
            });
            return;
        }
    };
    let mut names: Vec<(String, PathBuf, bool)> = entries
        .filter_map(Result::ok)
        .map(|e| {
            // `file_type` comes from the directory listing itself: no extra stat per file.
            let is_dir = e
                .file_type()
                .is_ok_and(|t| t.is_dir() || (t.is_symlink() && e.path().is_dir()));
            (
                e.file_name().to_string_lossy().into_owned(),
                e.path(),
                is_dir,
            )
        })
        .collect();
    names.sort();
    for (name, path, is_dir) in names {
        if is_dir {
            if recursive && !name.ends_with("__pycache__") {
                list_py_dir(&path, recursive, out, problems, root);
            }
        } else if revision::is_revision_file_name(&name) {
            out.push(path);
        }
    }
}

fn has_tool_alembic(pyproject: &Path) -> bool {
    std::fs::read_to_string(pyproject)
        .is_ok_and(|t| t.lines().any(|l| l.trim() == "[tool.alembic]"))
}

/// `alembic.ini` (with `pyproject.toml`'s `[tool.alembic]` beside it, if any), or a `pyproject.toml`
/// with `[tool.alembic]` alone; in `start` or its parents.
fn find_config(start: &Path) -> Option<(Option<PathBuf>, Option<PathBuf>)> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_owned());
    for dir in start.ancestors() {
        let ini = dir.join("alembic.ini");
        let py = dir.join("pyproject.toml");
        let py = has_tool_alembic(&py).then_some(py);
        if ini.is_file() {
            return Some((Some(ini), py));
        }
        if py.is_some() {
            return Some((None, py));
        }
    }
    None
}

/// The directories a module puts on `sys.path` relative to its own file: in a module that
/// calls `sys.path.append` or `sys.path.insert`, each line that names `__file__` stands for the
/// file's directory, one level up per further `dirname(` or `.parent`
/// (`os.path.dirname(os.path.realpath(__file__))` is the directory itself).
fn sys_path_dirs(file: &Path, text: &str) -> Vec<PathBuf> {
    if !(text.contains("sys.path.append") || text.contains("sys.path.insert")) {
        return Vec::new();
    }
    let Some(own) = file.parent() else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && l.contains("__file__"))
        .filter_map(|l| {
            let ups = l.matches("dirname(").count() + l.matches(".parent").count();
            own.ancestors()
                .nth(ups.saturating_sub(1))
                .map(Path::to_owned)
        })
        .collect()
}

/// `path` relative to `root` when it is inside it, as users expect to see it.
pub fn shown_path(root: &Path, path: &Path) -> PathBuf {
    if let Ok(rel) = path.strip_prefix(root) {
        return rel.to_owned();
    }
    let canonical_root = std::fs::canonicalize(root).ok();
    let canonical_path = std::fs::canonicalize(path).ok();
    if let (Some(r), Some(p)) = (canonical_root, canonical_path)
        && let Ok(rel) = p.strip_prefix(&r)
    {
        return rel.to_owned();
    }
    path.to_owned()
}

/// A Python identifier (ASCII), as a package directory's name must be to be imported.
fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
        && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn discovers_ini_with_several_version_locations() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = tmp.path();
        write(
            root,
            "alembic.ini",
            "[alembic]\nscript_location = %(here)s/db\nversion_locations = %(here)s/db/versions %(here)s/plugins/v\n",
        );
        write(
            root,
            "db/env.py",
            "context.configure(transaction_per_migration=True)\n",
        );
        write(
            root,
            "db/versions/a1_x.py",
            "revision = 'a1'\ndown_revision = None\n",
        );
        write(root, "db/versions/__init__.py", "");
        write(root, "db/versions/.#a1_x.py", "");
        write(
            root,
            "plugins/v/b2.py",
            "revision = 'b2'\ndown_revision = 'a1'\n",
        );
        let project = Project::discover(root, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(project.version_dirs.len(), 2);
        assert_eq!(
            project
                .env
                .as_ref()
                .map(|e| e.transaction_per_migration.clone()),
            Some(Setting::Known(true))
        );
        let sources = project.load();
        let paths: Vec<_> = sources
            .files
            .iter()
            .map(|f| f.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(paths, ["db/versions/a1_x.py", "plugins/v/b2.py"]);
    }

    #[test]
    fn pyproject_and_package_resource_location() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = tmp.path();
        write(
            root,
            "pyproject.toml",
            "[tool.alembic]\nscript_location = \"myapp:migrations\"\nprepend_sys_path = [\"src\"]\n",
        );
        write(
            root,
            "src/myapp/migrations/versions/a.py",
            "revision = 'a'\ndown_revision = None\n",
        );
        let project = Project::discover(root, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(project.load().files.len(), 1);
    }

    /// superset's `migrations/__init__.py` appends its own directory to `sys.path`, which is how
    /// its revisions' `from migration_utils import ...` works: that module is read too.
    #[test]
    fn a_package_that_puts_its_directory_on_sys_path_is_searched() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = tmp.path();
        write(root, "app/__init__.py", "");
        write(
            root,
            "app/migrations/__init__.py",
            "import os
import sys

module_dir = os.path.dirname(os.path.realpath(__file__))
sys.path.append(module_dir)
",
        );
        write(
            root,
            "app/migrations/migration_utils.py",
            "def helper(op):
    pass
",
        );
        write(
            root,
            "app/migrations/versions/a.py",
            "from migration_utils import helper
revision = 'a'
down_revision = None
",
        );
        let versions = root.join("app/migrations/versions");
        let project = Project::discover(&versions, std::slice::from_ref(&versions))
            .unwrap_or_else(|e| panic!("{e}"));
        let canonical =
            std::fs::canonicalize(root.join("app/migrations")).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            project.search_roots().contains(&canonical),
            "{:?}",
            project.search_roots()
        );
        assert!(project.load().modules.contains_key("migration_utils"));
        // One `dirname(` more is the directory above.
        let file = root.join("env.py");
        assert_eq!(
            sys_path_dirs(
                &file,
                "import sys, os\nsys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))\n"
            ),
            [root.parent().expect("a parent").to_owned()]
        );
    }

    /// galaxy-data installs `galaxy/` as a namespace package (no `__init__.py`): its revisions'
    /// `from galaxy.model.migrations.util import ...` is found from the directory above it,
    /// whichever directory migdoc runs from.
    #[test]
    fn a_namespace_package_above_the_versions_directory_is_imported_from_its_parent() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = tmp.path().join("site");
        write(&root, "galaxy/model/__init__.py", "");
        write(&root, "galaxy/model/migrations/__init__.py", "");
        write(
            &root,
            "galaxy/model/migrations/util.py",
            "def add_column(table, column):\n    pass\n",
        );
        write(
            &root,
            "galaxy/model/migrations/alembic/versions_gxy/a.py",
            "from galaxy.model.migrations.util import add_column
revision = 'a'
down_revision = None
",
        );
        let versions = root.join("galaxy/model/migrations/alembic/versions_gxy");
        let project = Project::discover(&versions, std::slice::from_ref(&versions))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            project
                .load()
                .modules
                .contains_key("galaxy.model.migrations.util"),
            "{:?}",
            project.search_roots()
        );
    }

    #[test]
    fn missing_project_is_an_error_not_a_panic() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            Project::discover(&tmp.path().join("nope"), &[]),
            Err(ProjectError::NotFound(_))
        ));
        write(
            tmp.path(),
            "alembic.ini",
            "[alembic]\nscript_location = gone\n",
        );
        assert!(matches!(
            Project::discover(tmp.path(), &[]),
            Err(ProjectError::NoVersionDirectory(_))
        ));
        // An alembic.ini without script_location says so.
        std::fs::write(
            tmp.path().join("alembic.ini"),
            "[alembic]\nsqlalchemy.url = x\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let err = Project::discover(tmp.path(), &[])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("script_location"), "{err}");
    }
}
