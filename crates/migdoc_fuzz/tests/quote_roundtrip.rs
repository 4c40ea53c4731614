//! doctor's quoting through real PostgreSQL: every input of the `quote` fuzz corpus, plus
//! hand-picked hard cases (quotes, backslashes, unicode, the 63-byte limits), becomes the SQL
//! doctor writes (`ALTER TYPE <ident> ADD VALUE IF NOT EXISTS <literal>`) and is read back from
//! pg_catalog, byte for byte. PostgreSQL truncates identifiers to 63 bytes (never inside a
//! character) and refuses labels over 63 bytes; anything else must come back exactly.

use std::path::Path;

use migdoc_doctor::quote::{ident, literal};

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// What PostgreSQL keeps of an identifier: at most 63 bytes, cut on a character boundary.
fn truncated(name: &str) -> &str {
    let mut end = name.len().min(63);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

fn cases() -> Vec<(String, String)> {
    let mut cases: Vec<(String, String)> = [
        ("mood", "it's"),
        ("we\"ird", r"back\slash"),
        ("Mixed Case", "'"),
        ("x", "\\'"),
        ("üñí", "été 😀"),
        ("sch.dot", "a\"b"),
        ("t", ""),
        ("t", " leading and trailing "),
        ("t", "new\nline\ttab"),
        ("t", "$$dollar$$"),
        ("t", "E'\\x41'"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    cases.push(("n".repeat(63), "l".repeat(63)));
    cases.push(("n".repeat(64), "l".repeat(64)));
    cases.push(("é".repeat(40), "é".repeat(31) + "x"));
    cases.push(("é".repeat(40), "é".repeat(32)));
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/quote");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap_or_default()).into_owned();
        let (name, label) = text
            .split_once('\u{1}')
            .map_or(("t".to_owned(), text.clone()), |(a, b)| {
                (a.to_owned(), b.to_owned())
            });
        cases.push((name, label));
    }
    cases
}

#[test]
fn quoted_names_and_labels_survive_postgresql() {
    let bins = match migdoc_pg::find_binaries(None) {
        Ok(bins) => bins,
        Err(e) => panic!("PostgreSQL server binaries are needed for this test: {e}"),
    };
    let cluster = migdoc_pg::Cluster::start(&bins).unwrap_or_else(|e| panic!("{e}"));
    let info = migdoc_pg::url::ConnInfo::parse(&cluster.libpq_url("postgres"))
        .unwrap_or_else(|e| panic!("{e}"));
    let options = migdoc_pg::session::SessionOptions {
        statement_timeout_ms: 30_000,
        lock_timeout_ms: 10_000,
        read_only: false,
    };
    let mut session =
        migdoc_pg::session::Session::connect(&info, &options).unwrap_or_else(|e| panic!("{e}"));
    let (mut exact, mut refused) = (0, 0);
    for (name, label) in cases() {
        let (name, label) = (name.replace('\0', ""), label.replace('\0', ""));
        if name.is_empty() {
            continue;
        }
        let (t, l) = (ident(&name), literal(&label));
        let read = "SELECT encode(convert_to(t.typname::text, 'UTF8'), 'hex') || ':' || encode(convert_to(e.enumlabel, 'UTF8'), 'hex') \
             FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = 'public'::regnamespace ORDER BY e.enumsortorder";
        // Each case in its own transaction, rolled back: nothing is left behind either way.
        let mut tx = session
            .client()
            .transaction()
            .unwrap_or_else(|e| panic!("{e}"));
        let written = tx
            .batch_execute(&format!("CREATE TYPE public.{t} AS ENUM ('seed'); ALTER TYPE public.{t} ADD VALUE IF NOT EXISTS {l};"))
            .and_then(|()| tx.query(read, &[]));
        match written {
            Ok(out) => {
                let rows: Vec<String> = out.iter().map(|r| r.get::<_, String>(0)).collect();
                let want_name = hex(truncated(&name));
                let mut want = vec![format!("{want_name}:{}", hex("seed"))];
                if label != "seed" {
                    want.push(format!("{want_name}:{}", hex(&label)));
                }
                assert_eq!(
                    rows, want,
                    "name {name:?}, label {label:?}: PostgreSQL kept something else"
                );
                assert!(
                    label.len() <= 63,
                    "label {label:?} is {} bytes, yet PostgreSQL took it",
                    label.len()
                );
                exact += 1;
            }
            Err(e) => {
                let message = migdoc_pg::session::describe(&e);
                assert!(
                    label.len() > 63 && message.contains("invalid enum label"),
                    "name {name:?}, label {label:?}: {message}"
                );
                refused += 1;
            }
        }
        tx.rollback().unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(
        exact >= 10 && refused >= 2,
        "{exact} exact, {refused} refused"
    );
}
