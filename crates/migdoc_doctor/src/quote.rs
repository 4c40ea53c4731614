//! SQL quoting for what doctor writes: every identifier double-quoted, every label a standard
//! string literal. PostgreSQL runs with `standard_conforming_strings = on` (the default since
//! 9.1), so a backslash is an ordinary character and only `'` needs doubling.

/// `name` as a quoted identifier (`"it""s"`).
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('\0', "").replace('"', "\"\""))
}

/// `value` as a string literal (`'it''s'`).
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\0', "").replace('\'', "''"))
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
    }
}
