//! Bind parameters are not SQL: `sa.text()` uses `:name`, psycopg2 uses `%(name)s` and `%s`.
//! Before parsing, each is replaced by a positional `$n`-shaped placeholder of the same length so
//! that every offset in the SQL still matches the source.

/// Which parameter syntax the SQL string was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamStyle {
    /// `sa.text(...)` and `op.execute(str)` (Alembic wraps a string in `text()`): `:name`, with
    /// `\:` as an escaped colon and `::` a cast.
    Named,
    /// `exec_driver_sql` with psycopg2: `%(name)s`, `%s`, and `%%` for a literal percent sign.
    Pyformat,
    /// Plain SQL, nothing to replace.
    None,
}

/// Returns the SQL with bind parameters replaced by `$1`-like placeholders padded to the same byte
/// length. Escapes (`\:`, `%%`) stay as written: they parse as they are, and rewriting them would
/// move offsets.
pub fn neutralize_params(sql: &str, style: ParamStyle) -> String {
    match style {
        ParamStyle::None => sql.to_owned(),
        ParamStyle::Named => named(sql),
        ParamStyle::Pyformat => pyformat(sql),
    }
}

fn placeholder(len: usize) -> String {
    // `$1` followed by spaces keeps the length; `len` is at least 2 for every caller.
    let mut s = String::from("$1");
    s.extend(std::iter::repeat_n(' ', len.saturating_sub(2)));
    s
}

/// The placeholder for a parameter written after `out`: after `IN`, the driver renders the
/// value as a parenthesized list (SQLAlchemy's expanding `bindparam`, psycopg2's tuple), so
/// it stands for `($1)` when the parameter is long enough to hold it.
fn placeholder_after(out: &str, len: usize) -> String {
    let t = out.trim_end();
    let b = t.as_bytes();
    let after_in = b.len() >= 2
        && b[b.len() - 2..].eq_ignore_ascii_case(b"in")
        && (b.len() == 2 || !(b[b.len() - 3].is_ascii_alphanumeric() || b[b.len() - 3] == b'_'));
    if after_in && len >= 4 {
        let mut s = String::from("($1)");
        s.extend(std::iter::repeat_n(' ', len - 4));
        return s;
    }
    placeholder(len)
}

/// `... [NOT] IN <ws>` at the end of `out` becomes `... = <ws>` (`<>` for `NOT IN`, padded), the
/// same length, so that a scalar placeholder after it parses.
fn in_to_comparison(out: &mut String) {
    let ws = out.len() - out.trim_end().len();
    let body = out.len() - ws;
    let tail = out[body..].to_owned();
    out.truncate(body - 2);
    let before = out.trim_end();
    let not = before.len() >= 3
        && before[before.len() - 3..].eq_ignore_ascii_case("not")
        && (before.len() == 3 || !before.as_bytes()[before.len() - 4].is_ascii_alphanumeric());
    if not {
        let keep = before.len() - 3;
        let gap = out.len() - keep;
        out.truncate(keep);
        // `NOT` + gap + `IN` → `<>` + spaces, the same bytes.
        out.push_str("<>");
        out.extend(std::iter::repeat_n(' ', gap));
    } else {
        out.push_str("= ");
    }
    out.push_str(&tail);
}

fn named(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut in_quote = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\'' {
            in_quote = !in_quote;
        }
        if !in_quote && b == b'\\' && bytes.get(i + 1) == Some(&b':') {
            // `\:` is an escaped colon, not a parameter.
            out.push_str("\\:");
            i += 2;
            continue;
        }
        if !in_quote && b == b':' {
            let prev_colon = i > 0 && bytes[i - 1] == b':';
            let next = bytes.get(i + 1).copied();
            let starts_name = next.is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
            if !prev_colon && next != Some(b':') && starts_name {
                let mut j = i + 1;
                while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                    j += 1;
                }
                out.push_str(&placeholder_after(&out, j - i));
                i = j;
                continue;
            }
        }
        let ch_len = utf8_len(b);
        out.push_str(&sql[i..i + ch_len]);
        i += ch_len;
    }
    out
}

fn pyformat(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            match bytes.get(i + 1) {
                Some(b'%') => {
                    out.push_str("%%");
                    i += 2;
                    continue;
                }
                Some(b's') => {
                    // `IN %s` (psycopg2 renders a tuple as a list): two bytes hold no `($1)`,
                    // so the `IN` before it becomes a comparison of the same length.
                    if placeholder_after(&out, 4).starts_with('(') {
                        in_to_comparison(&mut out);
                    }
                    out.push_str(&placeholder(2));
                    i += 2;
                    continue;
                }
                Some(b'(') => {
                    if let Some(close) = sql[i..].find(")s") {
                        out.push_str(&placeholder_after(&out, close + 2));
                        i += close + 2;
                        continue;
                    }
                }
                _ => {}
            }
        }
        let ch_len = utf8_len(bytes[i]);
        out.push_str(&sql[i..i + ch_len]);
        i += ch_len;
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}
