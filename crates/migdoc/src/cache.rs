//! `migdoc check`'s cache: what each revision file's parse and lowering produced (its header,
//! the syntax facts the rules read, its operations), so that a file that did not change is
//! neither parsed nor lowered again. The replay and the rules always run in full: they depend on
//! the whole history.
//!
//! Invariants:
//! - a cached result is used only for the same bytes at the same path (a 128-bit xxh3 of the
//!   bytes), written by the same migdoc build; operations only when the lowering settings and
//!   the texts of the project modules the migrations import are the same too;
//! - the cache never changes a result: `check` with a warm cache prints what `--no-cache` does
//!   (tests/cli/cache.rs runs every scenario both ways);
//! - a missing, unreadable, corrupt (its checksum, an xxh3 of the rest, differs) or foreign
//!   cache file counts as empty, and failing to write it is silent: the cache only ever costs a
//!   cold run;
//! - writes go to a temporary file renamed into place, so concurrent runs never read half a file.
//!
//! Layout (as ruff's `.ruff_cache`): `<project root>/.migdoc_cache/` (or `--cache-dir`), holding
//! a `.gitignore` that ignores it all, a `CACHEDIR.TAG`, and one `check-<key>.bin` per project
//! (the key hashes its root and version directories).

use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicUsize, Ordering};

use bincode::Options as _;
use migdoc_ir::RevisionOps;
use migdoc_project::{Known, Project, RevisionFile, RevisionHeader, Sources, SyntaxFacts};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Bumped when the cache's layout changes without migdoc's version changing.
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct CacheFile {
    /// [`version`]: a cache written by another build is ignored whole.
    version: String,
    /// What the operations depended on besides their file: the lowering options and the
    /// imported project modules ([`lower_key`]).
    lower_key: u128,
    files: Vec<Entry>,
}

/// One file's results, each encoded on its own so that they are decoded where they are used,
/// by the threads that load and lower the files, rather than all up front.
#[derive(Serialize, Deserialize)]
struct Entry {
    /// As shown to users (relative to the project root).
    path: PathBuf,
    hash: u128,
    /// `(RevisionHeader, SyntaxFacts)`.
    known: serde_bytes::ByteBuf,
    /// `RevisionOps`.
    ops: serde_bytes::ByteBuf,
}

/// The cache of one project, read at the start of a run.
pub(crate) struct Cache {
    file: PathBuf,
    dir: PathBuf,
    lower_key: u128,
    entries: FxHashMap<PathBuf, Entry>,
    /// Files of this run whose header and facts, and whose operations, did not come from the
    /// cache.
    parsed: AtomicUsize,
    lowered: AtomicUsize,
}

/// Which build wrote a cache: migdoc's version, [`FORMAT`], and the executable's size and
/// modification time, so that a rebuilt migdoc (whose evaluator may understand more under the
/// same version number) never reads what another build wrote.
fn version() -> String {
    let build = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map_or_else(
            |_| String::from("?"),
            |m| {
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                format!("{} {mtime}", m.len())
            },
        );
    format!("{} {FORMAT} {build}", env!("CARGO_PKG_VERSION"))
}

/// The encoding; readers add `with_limit(length)`, so that a corrupt length prefix fails
/// instead of allocating.
fn options() -> impl bincode::Options + Copy {
    bincode::DefaultOptions::new()
}

fn encode<T: Serialize + ?Sized>(value: &T) -> Option<serde_bytes::ByteBuf> {
    options()
        .serialize(value)
        .ok()
        .map(serde_bytes::ByteBuf::from)
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    options()
        .with_limit(bytes.len() as u64)
        .deserialize(bytes)
        .ok()
}

impl Cache {
    /// The cache of `project` under `dir` (default `<root>/.migdoc_cache`); empty when there is
    /// none or it cannot be read.
    pub(crate) fn open(project: &Project, dir: Option<&Path>) -> Cache {
        let dir = dir.map_or_else(|| project.root.join(".migdoc_cache"), Path::to_owned);
        let mut key = xxhash_rust::xxh3::Xxh3::new();
        // `migdoc check .` and `migdoc check /abs/path` share one cache.
        let root = std::fs::canonicalize(&project.root).unwrap_or_else(|_| project.root.clone());
        key.update(root.as_os_str().as_encoded_bytes());
        for version_dir in &project.version_dirs {
            let dir = std::fs::canonicalize(version_dir).unwrap_or_else(|_| version_dir.clone());
            key.update(&[0]);
            key.update(dir.as_os_str().as_encoded_bytes());
        }
        let file = dir.join(format!("check-{:016x}.bin", key.digest()));
        let (lower_key, entries) = match read(&file) {
            Some(cached) => (
                cached.lower_key,
                cached
                    .files
                    .into_iter()
                    .map(|e| (e.path.clone(), e))
                    .collect(),
            ),
            None => (0, FxHashMap::default()),
        };
        Cache {
            file,
            dir,
            lower_key,
            entries,
            parsed: AtomicUsize::new(0),
            lowered: AtomicUsize::new(0),
        }
    }

    /// How many files of this run were parsed, and how many lowered (not found in the cache).
    pub(crate) fn misses(&self) -> (usize, usize) {
        (
            self.parsed.load(Ordering::Relaxed),
            self.lowered.load(Ordering::Relaxed),
        )
    }

    /// A file's header and facts, when the cache has them for these bytes.
    pub(crate) fn known(&self, path: &Path, hash: u128) -> Option<Known> {
        let found = self
            .entries
            .get(path)
            .filter(|e| e.hash == hash)
            .and_then(|e| decode::<(RevisionHeader, SyntaxFacts)>(&e.known));
        if found.is_none() {
            self.parsed.fetch_add(1, Ordering::Relaxed);
        }
        found.map(|(header, facts)| Known { header, facts })
    }

    /// A file's operations, when the cache has them for these bytes and `lower_key`.
    pub(crate) fn ops(&self, file: &RevisionFile, lower_key: u128) -> Option<RevisionOps> {
        let found = self
            .entries
            .get(&file.path)
            .filter(|e| lower_key == self.lower_key && e.hash == file.hash)
            .and_then(|e| decode::<RevisionOps>(&e.ops));
        if found.is_none() {
            self.lowered.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Writes this run's results, when anything differs from what was read. Errors are ignored:
    /// the next run is only slower.
    pub(crate) fn store(&self, sources: &Sources, lower_key: u128, ops: &[RevisionOps]) {
        let unchanged = self.misses() == (0, 0)
            && lower_key == self.lower_key
            && self.entries.len() == sources.files.len();
        if unchanged {
            return;
        }
        let files: Option<Vec<Entry>> = sources
            .files
            .par_iter()
            .zip(ops)
            .map(|(f, ops)| {
                Some(Entry {
                    path: f.path.clone(),
                    hash: f.hash,
                    known: encode(&(&f.header, &f.facts))?,
                    ops: encode(ops)?,
                })
            })
            .collect();
        let Some(files) = files else { return };
        let _ = write(
            &self.dir,
            &self.file,
            &CacheFile {
                version: version(),
                lower_key,
                files,
            },
        );
    }
}

/// The key of the operations: what lowering depends on besides each file's own bytes.
pub(crate) fn lower_key(sources: &Sources, options: &migdoc_ir::LowerOptions) -> u128 {
    let mut key = xxhash_rust::xxh3::Xxh3::new();
    key.update(format!("{options:?}").as_bytes());
    key.update(&sources.modules_hash.to_le_bytes());
    key.digest128()
}

fn read(file: &Path) -> Option<CacheFile> {
    /// The first field alone, to leave a foreign cache unread.
    #[derive(Deserialize)]
    struct Head {
        version: String,
    }
    let bytes = std::fs::read(file).ok()?;
    // A file damaged after it was written decodes to nothing rather than to other results.
    let (checksum, bytes) = bytes.split_at_checked(16)?;
    if checksum != xxhash_rust::xxh3::xxh3_128(bytes).to_le_bytes() {
        return None;
    }
    let limit = bytes.len() as u64;
    let head: Head = options()
        .with_limit(limit)
        .allow_trailing_bytes()
        .deserialize(bytes)
        .ok()?;
    if head.version != version() {
        return None;
    }
    options().with_limit(limit).deserialize(bytes).ok()
}

fn write(dir: &Path, file: &Path, cached: &CacheFile) -> std::io::Result<()> {
    use std::io::Write;
    if !dir.is_dir() {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join(".gitignore"),
            "# Created by migdoc: its cache is not part of the project.\n*\n",
        )?;
        std::fs::write(
            dir.join("CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by migdoc.\n",
        )?;
    }
    let bytes = options().serialize(cached).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(&xxhash_rust::xxh3::xxh3_128(&bytes).to_le_bytes())?;
    tmp.write_all(&bytes)?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}
