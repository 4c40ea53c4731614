//! Every fuzz target on (a sample of) its committed corpus (`fuzz/corpus/<target>`), on every input that once
//! made it fail (`fuzz/regressions/<target>`), and on a short deterministic mutation run of that
//! corpus: the smoke run CI does without a nightly toolchain. A failing input is named.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(folder: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

fn run(target: &str, f: fn(&[u8]), name: &str, data: &[u8]) {
    if let Err(panic) = std::panic::catch_unwind(|| f(data)) {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        panic!("fuzz target `{target}` failed on {name}: {message}");
    }
}

#[test]
fn corpora_and_regressions() {
    for &(target, f) in migdoc_fuzz::TARGETS {
        let corpus = inputs(&fuzz_dir().join("corpus").join(target));
        assert!(!corpus.is_empty(), "no corpus for fuzz target `{target}`");
        // Thousands of inputs run in seconds under libFuzzer but take minutes in a debug build:
        // an even sample of 400 (always the same), and every regression.
        let step = corpus.len().div_ceil(400);
        for (path, data) in corpus
            .iter()
            .step_by(step)
            .chain(&inputs(&fuzz_dir().join("regressions").join(target)))
        {
            run(target, f, &path.display().to_string(), data);
        }
    }
}

/// xorshift64*: the same mutations on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }
}

/// What libFuzzer's default mutators do most: flip, insert, delete, duplicate a chunk, splice.
fn mutate(rng: &mut Rng, data: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(
                at,
                [b'\'', b'"', b'(', b')', b':', b'\n', b'\\', 0, 0xff, b'#'][rng.below(10)],
            ),
            2 if !out.is_empty() => {
                let end = (at + rng.below(64)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 => {
                let start = rng.below(out.len());
                let end = (start + rng.below(128)).min(out.len());
                let chunk = out[start..end].to_vec();
                out.splice(at..at, chunk);
            }
            4 if !other.is_empty() => {
                let start = rng.below(other.len());
                let end = (start + rng.below(256)).min(other.len());
                out.splice(at..at, other[start..end].iter().copied());
            }
            _ => out.truncate(at),
        }
    }
    out
}

#[test]
fn mutation_smoke_run() {
    let mut rng = Rng(0x6d69_6764_6f63);
    for &(target, f) in migdoc_fuzz::TARGETS {
        let corpus = inputs(&fuzz_dir().join("corpus").join(target));
        for round in 0..400 {
            let a = &corpus[rng.below(corpus.len())].1;
            let b = &corpus[rng.below(corpus.len())].1;
            let input = mutate(&mut rng, a, b);
            run(target, f, &format!("mutation {round} ({input:?})"), &input);
        }
    }
}
