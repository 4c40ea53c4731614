//! SQL quoting for what doctor writes: every identifier double-quoted, every label a standard
//! string literal. Doctor's sessions set `standard_conforming_strings = on` (whatever the server
//! or the database says), so a backslash is an ordinary character and only `'` needs doubling.

/// `name` as a quoted identifier (`"it""s"`).
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('\0', "").replace('"', "\"\""))
}

/// `value` as a string literal (`'it''s'`).
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\0', "").replace('\'', "''"))
}

/// `body` dollar-quoted with a tag that `body` does not contain (`$migdoc$`, `$migdoc1$`, ...).
pub fn dollar(body: &str) -> String {
    let tag = (0..)
        .map(|i| {
            if i == 0 {
                "$migdoc$".to_owned()
            } else {
                format!("$migdoc{i}$")
            }
        })
        .find(|tag| !body.contains(tag.as_str()))
        .unwrap_or_default();
    format!("{tag}{body}{tag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert_eq!(ident("order"), "\"order\"");
        assert_eq!(ident("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal(r"back\slash"), r"'back\slash'");
        assert_eq!(dollar("x"), "$migdoc$x$migdoc$");
        assert_eq!(dollar("'$migdoc$'"), "$migdoc1$'$migdoc$'$migdoc1$");
    }
}
