//! Which rules run and at what severity: `select`, `ignore` and `severity` from `[tool.migdoc]`.
//!
//! A selector is a rule code (`MD201`), a rule name (`enum-created-twice`), a code prefix (`MD2`,
//! `MD20`) or `ALL`. `select` (default: every rule) minus `ignore`; for severities, a more specific
//! selector wins over a less specific one, whatever their order.

use std::collections::BTreeMap;

use crate::{Diagnostic, Rule, Severity};

#[derive(Clone, Debug)]
pub struct RuleSelection {
    enabled: Vec<Rule>,
    severity: BTreeMap<Rule, Severity>,
}

impl Default for RuleSelection {
    fn default() -> Self {
        RuleSelection {
            enabled: Rule::ALL.to_vec(),
            severity: BTreeMap::new(),
        }
    }
}

impl RuleSelection {
    /// The selection for these settings; an unknown selector is an error naming the closest rule.
    pub fn new(
        select: Option<&[String]>,
        ignore: &[String],
        severity: &BTreeMap<String, String>,
    ) -> Result<Self, String> {
        let mut enabled: Vec<Rule> = match select {
            Some(selectors) => {
                let mut rules = Vec::new();
                for s in selectors {
                    rules.extend(resolve(s)?.0);
                }
                rules
            }
            None => Rule::ALL.to_vec(),
        };
        for s in ignore {
            let (ignored, _) = resolve(s)?;
            enabled.retain(|r| !ignored.contains(r));
        }
        enabled.sort();
        enabled.dedup();
        let mut by_specificity = Vec::new();
        for (s, level) in severity {
            let (rules, specificity) = resolve(s)?;
            let level = match level.as_str() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                "info" => Severity::Info,
                other => {
                    return Err(format!(
                        "severity `{other}` for `{s}` is not error, warning or info"
                    ));
                }
            };
            by_specificity.push((specificity, rules, level));
        }
        by_specificity.sort_by_key(|(specificity, _, _)| *specificity);
        let mut levels = BTreeMap::new();
        for (_, rules, level) in by_specificity {
            for rule in rules {
                levels.insert(rule, level);
            }
        }
        Ok(RuleSelection {
            enabled,
            severity: levels,
        })
    }

    pub fn is_enabled(&self, rule: Rule) -> bool {
        self.enabled.binary_search(&rule).is_ok()
    }

    pub fn severity(&self, rule: Rule, default: Severity) -> Severity {
        self.severity.get(&rule).copied().unwrap_or(default)
    }

    /// Drops the diagnostics of rules not selected and sets the configured severities.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        diagnostics.retain(|d| self.is_enabled(d.rule));
        for d in diagnostics {
            d.severity = self.severity(d.rule, d.severity);
        }
    }
}

/// The rules a selector names, with how specific it is (an exact rule is the most specific).
pub fn resolve(selector: &str) -> Result<(Vec<Rule>, usize), String> {
    if selector.eq_ignore_ascii_case("ALL") {
        return Ok((Rule::ALL.to_vec(), 0));
    }
    if let Some(rule) = Rule::from_code_or_name(selector) {
        return Ok((vec![rule], usize::MAX));
    }
    let upper = selector.to_ascii_uppercase();
    let prefixed: Vec<Rule> = Rule::ALL
        .iter()
        .copied()
        .filter(|r| upper.len() >= 2 && r.code().starts_with(&upper))
        .collect();
    if !prefixed.is_empty() {
        return Ok((prefixed, upper.len()));
    }
    let candidates: Vec<&str> = Rule::ALL
        .iter()
        .flat_map(|r| [r.code(), r.name()])
        .collect();
    Err(match migdoc_project::closest(selector, &candidates) {
        Some(near) => format!("unknown rule `{selector}`; did you mean `{near}`?"),
        None => format!("unknown rule `{selector}`; `migdoc rule --list` lists the rules"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn select_ignore_and_prefixes() {
        let s = RuleSelection::new(
            Some(&strings(&["MD2", "multiple-heads"])),
            &strings(&["MD215", "MD21"]),
            &BTreeMap::new(),
        )
        .expect("a value");
        assert!(s.is_enabled(Rule::MultipleHeads));
        assert!(s.is_enabled(Rule::EnumCreatedTwice));
        assert!(!s.is_enabled(Rule::SqlalchemyVersionUnknown));
        assert!(!s.is_enabled(Rule::DowngradeLeavesType));
        assert!(!s.is_enabled(Rule::InvalidPython));
    }

    #[test]
    fn the_most_specific_severity_wins() {
        let severity: BTreeMap<String, String> = [
            ("MD2", "info"),
            ("enum-created-twice", "warning"),
            ("ALL", "error"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect();
        let s = RuleSelection::new(None, &[], &severity).expect("a value");
        assert_eq!(
            s.severity(Rule::EnumCreatedTwice, Severity::Error),
            Severity::Warning
        );
        assert_eq!(
            s.severity(Rule::TypeDoesNotExist, Severity::Error),
            Severity::Info
        );
        assert_eq!(
            s.severity(Rule::MultipleHeads, Severity::Warning),
            Severity::Error
        );
    }

    #[test]
    fn unknown_selectors_suggest() {
        assert_eq!(
            resolve("enum-created-twise").expect_err("an error"),
            "unknown rule `enum-created-twise`; did you mean `enum-created-twice`?"
        );
        assert_eq!(
            resolve("MD2011").expect_err("an error"),
            "unknown rule `MD2011`; did you mean `MD201`?"
        );
        assert!(
            resolve("zzzzzzzzzzzz")
                .expect_err("an error")
                .ends_with("lists the rules")
        );
    }
}
