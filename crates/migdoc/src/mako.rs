//! The part of Mako that `script.py.mako` files use, rendered as `alembic revision` renders them
//! (`alembic.util.template_to_file` with the context of `ScriptDirectory.generate_revision`):
//! `${expr}` with the default `str` filter or `| n`, `| comma`, `| trim`; `%` control lines for
//! `if`/`elif`/`else`/`endif`; `##` comments; a `\` that joins a line to the next; `<%text>` blocks.
//! Expressions are names of the context, string literals, `repr(x)`, `str(x)`, `not x`,
//! `x is [not] None` and `a if cond else b`. Anything else is refused with what it was, never
//! guessed: `alembic revision` renders such a template.

use std::collections::BTreeMap;

/// A value of the template's context, as Alembic passes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Val {
    None,
    Str(String),
    /// Several revisions (a merge's `down_revision`); `new-migration` writes on one head.
    #[cfg_attr(not(test), allow(dead_code))]
    Tuple(Vec<String>),
    /// `str(datetime)`, already formatted.
    Date(String),
}

impl Val {
    fn truthy(&self) -> bool {
        match self {
            Val::None => false,
            Val::Str(s) => !s.is_empty(),
            Val::Tuple(items) => !items.is_empty(),
            Val::Date(_) => true,
        }
    }

    /// Python's `str()`.
    fn str(&self) -> String {
        match self {
            Val::None => "None".into(),
            Val::Str(s) | Val::Date(s) => s.clone(),
            Val::Tuple(_) => self.repr(),
        }
    }

    /// Python's `repr()`.
    fn repr(&self) -> String {
        match self {
            Val::None => "None".into(),
            Val::Str(s) => py_repr(s),
            Val::Date(s) => format!("datetime.datetime({s:?})"),
            Val::Tuple(items) if items.len() == 1 => format!("({},)", py_repr(&items[0])),
            Val::Tuple(items) => format!(
                "({})",
                items
                    .iter()
                    .map(|i| py_repr(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// `alembic.util.format_as_comma`.
    fn comma(&self) -> Result<String, String> {
        match self {
            Val::None => Ok(String::new()),
            Val::Str(s) => Ok(s.clone()),
            Val::Tuple(items) => Ok(items.join(", ")),
            Val::Date(_) => Err("`comma` of a date".into()),
        }
    }
}

/// Python's `repr()` of a string: single quotes unless the text has one and no double quote.
pub(crate) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Renders `template` with `context`; `Err` names the construct migdoc does not render.
pub(crate) fn render(template: &str, context: &BTreeMap<&str, Val>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 256);
    // (this branch renders, some branch of this `if` has rendered)
    let mut stack: Vec<(bool, bool)> = Vec::new();
    let active = |stack: &[(bool, bool)]| stack.iter().all(|(on, _)| *on);
    let mut lines = template.split_inclusive('\n').peekable();
    let mut in_text = false;
    while let Some(line) = lines.next() {
        if in_text {
            match line.find("</%text>") {
                Some(at) => {
                    if active(&stack) {
                        out.push_str(&line[..at]);
                        expand_line(&line[at + "</%text>".len()..], context, &mut out)?;
                    }
                    in_text = false;
                }
                None if active(&stack) => out.push_str(line),
                None => {}
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("##") {
            continue;
        }
        if let Some(control) = trimmed
            .strip_prefix('%')
            .filter(|_| !trimmed.starts_with("%%"))
        {
            let control = control.trim();
            let condition = |text: &str| -> Result<bool, String> {
                let text = text
                    .strip_suffix(':')
                    .ok_or_else(|| format!("`% {control}` (a control line ends with `:`)"))?;
                Ok(eval(text.trim(), context)?.truthy())
            };
            if let Some(rest) = control.strip_prefix("if ") {
                let on = active(&stack) && condition(rest)?;
                stack.push((on, on));
            } else if let Some(rest) = control.strip_prefix("elif ") {
                let outer = active(&stack[..stack.len().saturating_sub(1)]);
                let (on, done) = stack.last_mut().ok_or("`% elif` without `% if`")?;
                let now = outer && !*done && condition(rest)?;
                *on = now;
                *done |= now;
            } else if control == "else:" {
                let outer = active(&stack[..stack.len().saturating_sub(1)]);
                let (on, done) = stack.last_mut().ok_or("`% else` without `% if`")?;
                *on = outer && !*done;
                *done = true;
            } else if control == "endif" {
                stack.pop().ok_or("`% endif` without `% if`")?;
            } else {
                return Err(format!("the control line `% {control}`"));
            }
            continue;
        }
        if !active(&stack) {
            continue;
        }
        let mut line = line.to_owned();
        // A backslash before the newline joins the next line.
        while line.ends_with("\\\n") {
            line.truncate(line.len() - 2);
            match lines.next() {
                Some(next) => line.push_str(next),
                None => break,
            }
        }
        let line = match line.trim_start().strip_prefix("%%") {
            Some(_) => line.replacen("%%", "%", 1),
            None => line,
        };
        if let Some(at) = line.find("<%text>") {
            expand_line(&line[..at], context, &mut out)?;
            let rest = &line[at + "<%text>".len()..];
            match rest.find("</%text>") {
                Some(end) => {
                    out.push_str(&rest[..end]);
                    expand_line(&rest[end + "</%text>".len()..], context, &mut out)?;
                }
                None => {
                    out.push_str(rest);
                    in_text = true;
                }
            }
            continue;
        }
        expand_line(&line, context, &mut out)?;
    }
    if !stack.is_empty() {
        return Err("an `% if` without `% endif`".into());
    }
    Ok(out)
}

/// Copies `line`, each `${...}` replaced by its value.
fn expand_line(line: &str, context: &BTreeMap<&str, Val>, out: &mut String) -> Result<(), String> {
    if let Some(at) = line
        .find("<%")
        .filter(|&at| !line[at..].starts_with("<%text>"))
    {
        return Err(format!("the Mako tag `{}`", line[at..].trim_end()));
    }
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let body = &rest[start + 2..];
        let end = closing_brace(body)
            .ok_or_else(|| format!("an unclosed `${{` in `{}`", line.trim_end()))?;
        out.push_str(&expression(&body[..end], context)?);
        rest = &body[end + 1..];
    }
    out.push_str(rest);
    Ok(())
}

/// Where the `}` closing an expression is, skipping quoted strings and nested braces.
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '{' => depth += 1,
                '}' if depth == 0 => return Some(i),
                '}' => depth -= 1,
                _ => {}
            },
        }
    }
    None
}

/// `expr | filters`: Mako applies the filters in order, then `str` unless `n` is among them.
fn expression(text: &str, context: &BTreeMap<&str, Val>) -> Result<String, String> {
    let (expr, filters) = match split_outside_quotes(text, '|') {
        Some((expr, filters)) => (expr, filters.split(',').map(str::trim).collect::<Vec<_>>()),
        None => (text, Vec::new()),
    };
    let value = eval(expr.trim(), context)?;
    let mut text: Option<String> = None;
    for filter in &filters {
        match *filter {
            "n" => {}
            "comma" => text = Some(value.comma()?),
            "trim" => text = Some(text.unwrap_or_else(|| value.str()).trim().to_owned()),
            "str" | "unicode" => text = Some(text.unwrap_or_else(|| value.str())),
            other => return Err(format!("the filter `{other}`")),
        }
    }
    Ok(text.unwrap_or_else(|| value.str()))
}

fn split_outside_quotes(text: &str, sep: char) -> Option<(&str, &str)> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == sep => return Some((&text[..i], &text[i + 1..])),
            None => {}
        }
    }
    None
}

/// The expressions `script.py.mako` files use (see the module docs).
fn eval(expr: &str, context: &BTreeMap<&str, Val>) -> Result<Val, String> {
    let expr = expr.trim();
    // `a if cond else b`
    if let Some((then, rest)) = split_keyword(expr, " if ") {
        let (cond, otherwise) = split_keyword(rest, " else ").ok_or_else(|| format!("`{expr}`"))?;
        return if eval(cond, context)?.truthy() {
            eval(then, context)
        } else {
            eval(otherwise, context)
        };
    }
    if let Some(rest) = expr.strip_prefix("not ") {
        return Ok(bool_val(!eval(rest, context)?.truthy()));
    }
    if let Some(name) = expr.strip_suffix(" is not None") {
        return Ok(bool_val(eval(name, context)? != Val::None));
    }
    if let Some(name) = expr.strip_suffix(" is None") {
        return Ok(bool_val(eval(name, context)? == Val::None));
    }
    for (func, apply) in [
        ("repr(", Val::repr as fn(&Val) -> String),
        ("str(", Val::str),
    ] {
        if let Some(inner) = expr.strip_prefix(func).and_then(|e| e.strip_suffix(')')) {
            return Ok(Val::Str(apply(&eval(inner, context)?)));
        }
    }
    if let Some(literal) = string_literal(expr) {
        return Ok(Val::Str(literal));
    }
    if expr == "None" {
        return Ok(Val::None);
    }
    if expr.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !expr.is_empty() {
        return context
            .get(expr)
            .cloned()
            .ok_or_else(|| format!("the name `{expr}`, which `alembic revision` does not pass"));
    }
    Err(format!("the expression `{expr}`"))
}

fn bool_val(b: bool) -> Val {
    if b {
        Val::Str("True".into())
    } else {
        Val::Str(String::new())
    }
}

/// `text` split at the first `keyword` outside quotes and brackets.
fn split_keyword<'a>(text: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let mut quote: Option<char> = None;
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                _ if depth == 0 && text[i..].starts_with(keyword) => {
                    return Some((&text[..i], &text[i + keyword.len()..]));
                }
                _ => {}
            },
        }
    }
    None
}

/// A plain Python string literal (`'...'` or `"..."`, simple escapes).
fn string_literal(expr: &str) -> Option<String> {
    let quote = expr.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = expr.strip_prefix(quote)?.strip_suffix(quote)?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                c => out.push(c),
            },
            c if c == quote => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// Python's `template % {...}` with the keys `_rev_path` passes (`%(rev)s`, `%(year)d`,
/// `%(month).2d`, `%(epoch)s`, ...; `%%` is `%`).
pub(crate) fn percent_format(
    template: &str,
    values: &BTreeMap<&str, Result<i64, String>>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let spec = &rest[at + 1..];
        if let Some(after) = spec.strip_prefix('%') {
            out.push('%');
            rest = after;
            continue;
        }
        let inner = spec.strip_prefix('(').ok_or_else(|| {
            format!(
                "`%{}` in file_template (only %(name)... is supported)",
                spec.chars().take(4).collect::<String>()
            )
        })?;
        let close = inner.find(')').ok_or("an unclosed `%(` in file_template")?;
        let key = &inner[..close];
        let after = &inner[close + 1..];
        let conv_at = after
            .find(|c: char| c.is_ascii_alphabetic())
            .ok_or("a `%(name)` without a conversion in file_template")?;
        let flags = &after[..conv_at];
        let conv = after[conv_at..].chars().next().unwrap_or('s');
        let value = values
            .get(key)
            .ok_or_else(|| format!("the key `{key}` in file_template"))?;
        let zero = flags.starts_with('0');
        let (width, precision) = match flags.trim_start_matches(['0', '-']).split_once('.') {
            Some((w, p)) => (w.parse::<usize>().unwrap_or(0), p.parse::<usize>().ok()),
            None => (
                flags
                    .trim_start_matches(['0', '-'])
                    .parse::<usize>()
                    .unwrap_or(0),
                None,
            ),
        };
        let text = match (conv, value) {
            ('s', Ok(n)) => n.to_string(),
            ('s', Err(s)) => s.clone(),
            ('d' | 'i', Ok(n)) => match precision {
                Some(p) => format!("{n:0p$}"),
                None => n.to_string(),
            },
            _ => return Err(format!("`%({key}){flags}{conv}` in file_template")),
        };
        if zero {
            out.push_str(&format!("{text:0>width$}"));
        } else {
            out.push_str(&format!("{text:>width$}"));
        }
        rest = &after[conv_at + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> BTreeMap<&'static str, Val> {
        BTreeMap::from([
            ("message", Val::Str("Add \"order\" status".into())),
            ("up_revision", Val::Str("b2".into())),
            ("down_revision", Val::Str("a1".into())),
            ("branch_labels", Val::None),
            ("depends_on", Val::None),
            (
                "create_date",
                Val::Date("2026-12-02 10:00:00.000001".into()),
            ),
            ("imports", Val::Str(String::new())),
            ("upgrades", Val::None),
            ("downgrades", Val::Str("op.drop_table(\"t\")".into())),
        ])
    }

    /// Alembic 1.18's generic template, rendered as Mako renders it (checked with mako 1.3 and
    /// the same context).
    #[test]
    fn the_generic_template() {
        let template = "\"\"\"${message}\n\nRevision ID: ${up_revision}\nRevises: ${down_revision | comma,n}\nCreate Date: ${create_date}\n\n\"\"\"\nfrom alembic import op\n${imports if imports else \"\"}\n\nrevision: str = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\nbranch_labels = ${repr(branch_labels)}\n\n\ndef upgrade() -> None:\n    ${upgrades if upgrades else \"pass\"}\n\n\ndef downgrade() -> None:\n    ${downgrades if downgrades else \"pass\"}\n";
        let out = render(template, &context()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            out,
            "\"\"\"Add \"order\" status\n\nRevision ID: b2\nRevises: a1\nCreate Date: 2026-12-02 10:00:00.000001\n\n\"\"\"\nfrom alembic import op\n\n\nrevision: str = 'b2'\ndown_revision = 'a1'\nbranch_labels = None\n\n\ndef upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    op.drop_table(\"t\")\n"
        );
    }

    #[test]
    fn control_lines_comments_and_text_blocks() {
        let template = "## a Mako comment\n% if branch_labels:\nlabels\n% elif depends_on is None:\nno deps ${down_revision | comma}\n% else:\nelse\n% endif\n<%text>${not expanded}</%text>\njoined \\\nline\n%% literal\n";
        let out = render(template, &context()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, "no deps a1\n${not expanded}\njoined line\n% literal\n");
        let mut merge = context();
        merge.insert("down_revision", Val::Tuple(vec!["a1".into(), "c3".into()]));
        assert_eq!(
            render(
                "${down_revision | comma,n} ${repr(down_revision)}\n",
                &merge
            )
            .as_deref(),
            Ok("a1, c3 ('a1', 'c3')\n")
        );
    }

    #[test]
    fn what_it_does_not_render_is_named() {
        for (template, says) in [
            ("% for x in y:\n% endfor\n", "% for x in y:"),
            ("<%def name=\"f()\">\n", "<%def"),
            ("${config.get_main_option('x')}\n", "config.get_main_option"),
            ("${secret}\n", "`secret`"),
            ("${message | h}\n", "`h`"),
            ("% if message:\n", "without `% endif`"),
        ] {
            let err = render(template, &context()).err().unwrap_or_default();
            assert!(err.contains(says), "{template:?}: {err}");
        }
    }

    #[test]
    fn file_templates() {
        let values = BTreeMap::from([
            ("rev", Err("ae1027a6acf".to_owned())),
            ("slug", Err("add_order_status".to_owned())),
            ("year", Ok(2026)),
            ("month", Ok(3)),
            ("day", Ok(7)),
            ("hour", Ok(9)),
            ("minute", Ok(5)),
            ("second", Ok(0)),
            ("epoch", Ok(1_772_874_300)),
        ]);
        // Python: "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s" % {...}
        assert_eq!(
            percent_format(
                "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s",
                &values
            )
            .as_deref(),
            Ok("2026_03_07_0905-ae1027a6acf_add_order_status")
        );
        assert_eq!(
            percent_format("%(epoch)s_%(rev)s %% %(second)02d", &values).as_deref(),
            Ok("1772874300_ae1027a6acf % 00")
        );
        assert!(percent_format("%(nope)s", &values).is_err());
        assert!(percent_format("%s", &values).is_err());
    }
}
