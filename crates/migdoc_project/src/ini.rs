//! The part of Python's `configparser` that Alembic uses to read `alembic.ini`: sections, `key = value`
//! or `key: value`, comment lines, indented continuation lines, case-insensitive keys, and
//! `BasicInterpolation` (`%(name)s`, `%%`) with Alembic's `here` default.

use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub(crate) struct Ini {
    sections: BTreeMap<String, BTreeMap<String, String>>,
    defaults: BTreeMap<String, String>,
}

impl Ini {
    pub(crate) fn parse(text: &str) -> Ini {
        let mut ini = Ini::default();
        let mut section: Option<String> = None;
        let mut last_key: Option<String> = None;
        for raw in text.lines() {
            let trimmed = raw.trim();
            let indented = raw.starts_with([' ', '\t']);
            if trimmed.is_empty() {
                // configparser keeps blank lines inside multi-line values; they only matter
                // for values we split on newlines anyway.
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if indented {
                if let (Some(key), Some(map)) = (&last_key, ini.map_mut(section.as_deref()))
                    && let Some(value) = map.get_mut(key)
                {
                    value.push('\n');
                    value.push_str(trimmed);
                }
                continue;
            }
            if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                section = Some(name.to_owned());
                if name != "DEFAULT" {
                    ini.sections.entry(name.to_owned()).or_default();
                }
                last_key = None;
                continue;
            }
            let Some(split) = trimmed.find(['=', ':']) else {
                continue;
            };
            let key = trimmed[..split].trim().to_lowercase();
            let value = trimmed[split + 1..].trim().to_owned();
            if let Some(map) = ini.map_mut(section.as_deref()) {
                map.insert(key.clone(), value);
                last_key = Some(key);
            }
        }
        ini
    }

    fn map_mut(&mut self, section: Option<&str>) -> Option<&mut BTreeMap<String, String>> {
        match section {
            Some("DEFAULT") => Some(&mut self.defaults),
            Some(name) => self.sections.get_mut(name),
            None => None,
        }
    }

    /// The keys of `section` (and of `[DEFAULT]`), sorted.
    pub(crate) fn keys(&self, section: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .sections
            .get(section)
            .into_iter()
            .flat_map(|m| m.keys().cloned())
            .chain(self.defaults.keys().cloned())
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    pub(crate) fn has_section(&self, section: &str) -> bool {
        self.sections.contains_key(section)
    }

    /// The interpolated value of `key` in `section`; `here` is Alembic's `%(here)s`.
    pub(crate) fn get(&self, section: &str, key: &str, here: &str) -> Option<String> {
        let map = self.sections.get(section)?;
        let raw = map.get(key).or_else(|| self.defaults.get(key))?;
        Some(self.interpolate(map, raw, here, 0))
    }

    fn interpolate(
        &self,
        map: &BTreeMap<String, String>,
        raw: &str,
        here: &str,
        depth: u32,
    ) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            rest = &rest[pos..];
            if let Some(after) = rest.strip_prefix("%%") {
                out.push('%');
                rest = after;
                continue;
            }
            if let Some(inner) = rest.strip_prefix("%(")
                && let Some(close) = inner.find(")s")
            {
                let name = inner[..close].to_lowercase();
                let value = if name == "here" {
                    Some(here.to_owned())
                } else if depth < 10 {
                    map.get(&name)
                        .or_else(|| self.defaults.get(&name))
                        .map(|v| self.interpolate(map, v, here, depth + 1))
                } else {
                    None
                };
                if let Some(value) = value {
                    out.push_str(&value);
                    rest = &inner[close + 2..];
                    continue;
                }
            }
            out.push('%');
            rest = &rest[1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Ini;

    #[test]
    fn reads_alembic_ini() {
        let ini = Ini::parse(
            "[DEFAULT]\nbase = %(here)s/db\n\n[alembic]\n# a comment\nScript_Location = %(base)s/migrations\n\
             version_locations = %(here)s/a\n    %(here)s/b\nfmt = 100%%\nother: x\n",
        );
        assert_eq!(
            ini.get("alembic", "script_location", "/p").as_deref(),
            Some("/p/db/migrations")
        );
        assert_eq!(
            ini.get("alembic", "version_locations", "/p").as_deref(),
            Some("/p/a\n/p/b")
        );
        assert_eq!(ini.get("alembic", "fmt", "/p").as_deref(), Some("100%"));
        assert_eq!(ini.get("alembic", "other", "/p").as_deref(), Some("x"));
        assert!(ini.get("alembic", "missing", "/p").is_none());
        assert!(!ini.has_section("DEFAULT"));
    }
}
