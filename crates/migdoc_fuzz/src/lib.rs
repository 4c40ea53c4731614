//! The bodies of migdoc's fuzz targets. `fuzz/` (cargo-fuzz, libFuzzer) calls them on generated
//! inputs; the tests of this crate call them on the committed corpora, on every input that once
//! crashed (`fuzz/regressions/`) and on a short deterministic mutation run, so CI smoke-tests each
//! target without a nightly toolchain.
//!
//! Each target panics when an invariant breaks; a panic is a finding. Targets never touch the disk
//! or the network.

use std::path::{Path, PathBuf};

use migdoc_graph::{AncestorIndex, Graph, RevisionInput};
use migdoc_linter::Settings;
use migdoc_project::{Project, RevisionFile, Sources};

/// A fuzz target's body.
pub type Target = fn(&[u8]);

/// The fuzz targets, by name (the names of `fuzz/fuzz_targets/*.rs` and of the corpus folders).
pub const TARGETS: &[(&str, Target)] = &[
    ("check", check),
    ("sql", sql),
    ("graph", graph),
    ("config", config),
    ("quote", quote),
];

/// Separates the files of one `check` input: `# env.py` at the start of a part makes it env.py.
pub const FILE_SEPARATOR: &[u8] = b"\n#%%\n";

/// The whole static pipeline on a project made of the input: revision files (and env.py) parsed,
/// headers read, the graph built, every revision lowered by the evaluator and replayed, every rule
/// run. Invariants: no panic; every diagnostic's range lies inside its file on character
/// boundaries; diagnostics come sorted; heads are revisions; counts add up.
pub fn check(data: &[u8]) {
    let mut env = None;
    let mut files = Vec::new();
    for (i, part) in split(data, FILE_SEPARATOR).into_iter().take(12).enumerate() {
        if part.starts_with(b"# env.py") {
            env = Some(migdoc_project::read_env(
                PathBuf::from("migrations/env.py"),
                &String::from_utf8_lossy(part),
            ));
            continue;
        }
        let shown = PathBuf::from(format!("migrations/versions/f{i:02}.py"));
        files.push(RevisionFile::from_bytes(
            &Path::new("/migdoc-fuzz").join(&shown),
            shown,
            part.to_vec(),
        ));
    }
    let project = Project {
        root: PathBuf::from("/migdoc-fuzz"),
        config: None,
        env,
        version_dirs: Vec::new(),
        recursive: false,
        problems: Vec::new(),
        models: Vec::new(),
        base_models: Vec::new(),
        settings: migdoc_project::MigdocConfig::default(),
        main_options: None,
        url_scheme: None,
    };
    let sources = Sources {
        files,
        ..Sources::default()
    };
    let flags = data.first().copied().unwrap_or(0);
    let settings = Settings {
        postgres_version: if flags & 1 == 0 { 15 } else { 11 },
        sqlalchemy_2_1: [None, Some(false), Some(true)][usize::from(flags >> 1) % 3],
        sqlalchemy_2_0: [None, Some(false), Some(true)][usize::from(flags >> 3) % 3],
    };
    let report = migdoc_linter::check(&project, &sources, &settings);
    let mut previous: Option<(&Path, Option<(u32, u32)>)> = None;
    for d in &report.diagnostics {
        let file = sources.files.iter().find(|f| f.path == d.path);
        if let (Some(range), Some(file)) = (d.range, file) {
            let (start, end) = (range.start as usize, range.end as usize);
            assert!(
                start <= end && file.text.get(start..end).is_some(),
                "{} range {start}..{end} outside its file ({} bytes): {}",
                d.rule.code(),
                file.text.len(),
                d.message
            );
        }
        assert!(
            d.start.line >= 1 || d.range.is_none(),
            "{}: line 0 with a range",
            d.rule.code()
        );
        let key = (d.path.as_path(), d.range.map(|r| (r.start, r.end)));
        if let Some(prev) = previous {
            assert!(prev.0 <= key.0, "diagnostics not sorted by path");
        }
        previous = Some(key);
    }
    for head in &report.heads {
        assert!(
            report.graph.get(head).is_some(),
            "head {head} is not a revision"
        );
    }
    assert!(
        report.unknown_operations <= report.operations,
        "more unknown operations than operations"
    );
    assert!(report.revisions <= sources.files.len());
}

/// SQL extraction and parsing (what `op.execute("...")` holds), raw and after each bind-parameter
/// style is neutralized. Invariants: every statement and error range is inside the text on
/// character boundaries, statements come in order.
pub fn sql(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for style in [
        None,
        Some(migdoc_sql::ParamStyle::Named),
        Some(migdoc_sql::ParamStyle::Pyformat),
    ] {
        let text = match style {
            None => text.to_string(),
            Some(style) => migdoc_sql::neutralize_params(&text, style),
        };
        let parsed = migdoc_sql::parse(&text);
        let mut last = 0;
        for stmt in &parsed.statements {
            assert!(stmt.range.start >= last, "statements out of order");
            assert!(
                text.get(stmt.range.start as usize..stmt.range.end as usize)
                    .is_some(),
                "statement range outside the text"
            );
            last = stmt.range.start;
        }
        for error in &parsed.errors {
            assert!(
                text.get(error.range.start as usize..error.range.end as usize)
                    .is_some(),
                "error range outside the text"
            );
        }
    }
}

/// Revision headers and the graph. The input drives a generator of up to 48 revisions (ids,
/// parents, `depends_on`, branch labels, illegal characters, duplicates, cycles). Invariants: the
/// upgrade order lists each revision outside a cycle once, after its parents and dependencies;
/// heads have no children; the constant-time ancestor index agrees with a plain walk.
pub fn graph(data: &[u8]) {
    check_graph(&graph_of(data));
}

/// The graph a `graph` input describes.
pub fn graph_of(data: &[u8]) -> Graph {
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    let mut inputs = Vec::new();
    while let Some(b) = next() {
        if inputs.len() == 48 {
            break;
        }
        let id = match b % 16 {
            15 => format!("r{}-x", b / 16),
            _ => format!("r{}", b % 24),
        };
        let n_parents = next().unwrap_or(0) % 4;
        let down_revisions = (0..n_parents)
            .filter_map(|_| next())
            .map(|p| format!("r{}", p % 26))
            .collect();
        let extra = next().unwrap_or(0);
        let depends_on = if extra & 3 == 3 {
            vec![format!(
                "{}{}",
                if extra & 4 == 0 { "r" } else { "l" },
                (extra >> 3) % 24
            )]
        } else {
            Vec::new()
        };
        let branch_labels = if extra & 0x30 == 0x30 {
            vec![format!("l{}", (extra >> 6) % 4)]
        } else {
            Vec::new()
        };
        inputs.push(RevisionInput {
            id,
            down_revisions,
            depends_on,
            branch_labels,
            file: inputs.len(),
        });
    }
    Graph::build(&inputs)
}

fn check_graph(graph: &Graph) {
    let n = graph.nodes.len();
    let mut position = vec![usize::MAX; n];
    for (k, i) in graph.upgrade_order().enumerate() {
        assert!(
            position[i] == usize::MAX,
            "{} twice in the upgrade order",
            graph.nodes[i].id
        );
        position[i] = k;
    }
    for (i, node) in graph.nodes.iter().enumerate() {
        assert!(
            graph.get(&node.id) == Some(i),
            "index does not find {}",
            node.id
        );
        if node.in_cycle {
            continue;
        }
        assert!(
            position[i] != usize::MAX,
            "{} missing from the upgrade order",
            node.id
        );
        for &p in node.parents.iter().chain(&node.dependencies) {
            assert!(
                graph.nodes[p].in_cycle || position[p] < position[i],
                "{} applied before its parent {}",
                node.id,
                graph.nodes[p].id
            );
        }
    }
    for &h in &graph.heads {
        assert!(
            graph.nodes[h]
                .children
                .iter()
                .all(|&c| graph.nodes[c].in_cycle),
            "head {} has a child",
            graph.nodes[h].id
        );
    }
    if graph.nodes.iter().all(|n| !n.in_cycle) {
        assert_eq!(
            graph.walk_order,
            graph.walk_order_by_walks(),
            "the indexed walk differs from the plain one"
        );
    }
    let index = AncestorIndex::new(graph);
    for b in (0..n).filter(|&b| !graph.nodes[b].in_cycle) {
        let walk = graph.ancestors(b);
        // A revision that depends on one in a cycle: Alembic refuses the whole map, and the
        // index leaves cycles out.
        if (0..n).any(|a| walk[a] && graph.nodes[a].in_cycle) {
            continue;
        }
        for a in (0..n).filter(|&a| !graph.nodes[a].in_cycle) {
            assert_eq!(
                index.is_ancestor(a, b),
                walk[a],
                "is {} an ancestor of {}?",
                graph.nodes[a].id,
                graph.nodes[b].id
            );
        }
    }
}

/// The configuration readers: the input is tried as `alembic.ini`, as `pyproject.toml` and as
/// `migdoc.toml`. Invariants: no panic; an unknown `[tool.migdoc]` key is an error that names it.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let ini = Path::new("/migdoc-fuzz/alembic.ini");
    let pyproject = Path::new("/migdoc-fuzz/pyproject.toml");
    let _ = migdoc_project::AlembicConfig::from_texts(Some((ini, &text)), None);
    let _ = migdoc_project::AlembicConfig::from_texts(None, Some((pyproject, &text)));
    let _ = migdoc_project::AlembicConfig::from_texts(Some((ini, &text)), Some((pyproject, &text)));
    for file in [
        migdoc_project::ConfigFile::Pyproject,
        migdoc_project::ConfigFile::MigdocToml,
    ] {
        if let Err(message) = migdoc_project::MigdocConfig::parse(&text, file) {
            assert!(!message.is_empty());
        }
    }
    let _ = migdoc_project::read_env(PathBuf::from("migrations/env.py"), &text);
}

/// doctor's quoting: any label and identifier, quoted the way doctor writes SQL, must read back as
/// exactly that label and name (NUL, which PostgreSQL cannot store, removed) through migdoc's own
/// SQL parser. The same strings go through real PostgreSQL in `tests/quote_roundtrip.rs`.
pub fn quote(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (name, label) = match text.split_once('\u{1}') {
        Some((a, b)) => (a.to_owned(), b.to_owned()),
        None => ("t".to_owned(), text.to_string()),
    };
    if name.replace('\0', "").is_empty() {
        return;
    }
    let (ident, literal) = (
        migdoc_doctor::quote::ident(&name),
        migdoc_doctor::quote::literal(&label),
    );
    let sql = format!(
        "CREATE TYPE {ident} AS ENUM ({literal}); ALTER TYPE {ident} ADD VALUE IF NOT EXISTS {literal};"
    );
    let parsed = migdoc_sql::parse(&sql);
    assert!(
        parsed.errors.is_empty(),
        "{sql:?} does not parse: {:?}",
        parsed.errors
    );
    let stripped = |s: &str| s.replace('\0', "");
    // An identifier is what PostgreSQL keeps of it: 63 bytes at most.
    let stored = |s: &str| migdoc_sql::truncate_identifier(&stripped(s)).to_owned();
    match parsed.statements.first().map(|s| &s.statement) {
        Some(migdoc_sql::Statement::CreateEnum { name: qn, labels }) => {
            assert_eq!(qn.name, stored(&name));
            assert_eq!(labels, &vec![stripped(&label)]);
        }
        other => panic!("{sql:?} read as {other:?}"),
    }
    match parsed.statements.get(1).map(|s| &s.statement) {
        Some(migdoc_sql::Statement::AddEnumValue {
            name: qn,
            label: l,
            if_not_exists: true,
            position: None,
        }) => {
            assert_eq!(qn.name, stored(&name));
            assert_eq!(l, &stripped(&label));
        }
        other => panic!("{sql:?} read as {other:?}"),
    }
}

fn split<'a>(data: &'a [u8], separator: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(separator.len()).position(|w| w == separator) {
        parts.push(&rest[..at]);
        rest = &rest[at + separator.len()..];
    }
    parts.push(rest);
    parts
}
