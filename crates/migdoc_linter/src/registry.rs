//! The one table of rules: code, name, default severity, since-version, and the documentation,
//! which lives as a doc comment on each rule's struct in its own file. Codes are never reused.

use serde::Serialize;

use crate::rules;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Declares a rule's documentation struct: the doc comment is the user documentation, and
/// `DOCS` makes it available at run time (`migdoc rule NAME`).
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])+ $vis:vis struct $name:ident;) => {
        $(#[doc = $doc])+
        $vis struct $name;
        impl $name {
            pub(crate) const DOCS: &'static str = concat!($($doc, "\n"),+);
        }
    };
}
pub(crate) use declare_rule;

macro_rules! registry {
    ($( $variant:ident => ($code:literal, $name:literal, $severity:ident, $since:literal, $docs:path); )+) => {
        /// Every rule migdoc has.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),+ }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code),+ }
            }

            /// The kebab-case name.
            pub fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name),+ }
            }

            pub fn default_severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$severity),+ }
            }

            pub fn since(self) -> &'static str {
                match self { $(Rule::$variant => $since),+ }
            }

            fn raw_docs(self) -> &'static str {
                match self { $(Rule::$variant => <$docs>::DOCS),+ }
            }
        }
    };
}

registry! {
    InvalidPython => ("MD001", "invalid-python", Error, "0.1.0", rules::files::InvalidPython);
    InvalidSql => ("MD002", "invalid-sql", Error, "0.1.0", rules::invalid_sql::InvalidSql);
    UnreadableFile => ("MD003", "unreadable-file", Error, "0.1.0", rules::files::UnreadableFile);
    MissingVersionDirectory => ("MD004", "missing-version-directory", Warning, "0.1.0", rules::files::MissingVersionDirectory);
    UnusedSuppression => ("MD005", "unused-suppression", Warning, "0.1.0", rules::suppressions::UnusedSuppression);
    MultipleHeads => ("MD101", "multiple-heads", Error, "0.1.0", rules::graph::MultipleHeads);
    DuplicateRevisionId => ("MD102", "duplicate-revision-id", Error, "0.1.0", rules::graph::DuplicateRevisionId);
    MissingDownRevision => ("MD103", "missing-down-revision", Error, "0.1.0", rules::graph::MissingDownRevision);
    RevisionCycle => ("MD104", "revision-cycle", Error, "0.1.0", rules::graph::RevisionCycle);
    DuplicateBranchLabel => ("MD105", "duplicate-branch-label", Error, "0.1.0", rules::graph::DuplicateBranchLabel);
    MissingRevisionId => ("MD106", "missing-revision-id", Error, "0.1.0", rules::graph::MissingRevisionId);
    MissingDependency => ("MD107", "missing-dependency", Error, "0.1.0", rules::graph::MissingDependency);
    InvalidRevisionId => ("MD108", "invalid-revision-id", Error, "0.1.0", rules::graph::InvalidRevisionId);
    DynamicRevisionHeader => ("MD109", "dynamic-revision-header", Warning, "0.1.0", rules::graph::DynamicRevisionHeader);
    EnumCreatedTwice => ("MD201", "enum-created-twice", Error, "0.1.0", rules::replay::enum_created_twice::EnumCreatedTwice);
    TypeDoesNotExist => ("MD202", "type-does-not-exist", Error, "0.1.0", rules::replay::type_does_not_exist::TypeDoesNotExist);
    ReliesOnOtherBranch => ("MD203", "relies-on-other-branch", Warning, "0.1.0", rules::replay::relies_on_other_branch::ReliesOnOtherBranch);
    DuplicateEnumLabel => ("MD204", "duplicate-enum-label", Error, "0.1.0", rules::replay::duplicate_enum_label::DuplicateEnumLabel);
    NewLabelUsedInSameTransaction => ("MD205", "new-label-used-in-same-transaction", Error, "0.1.0", rules::replay::new_label_used_in_same_transaction::NewLabelUsedInSameTransaction);
    InvalidEnumLiteral => ("MD206", "invalid-enum-literal", Error, "0.1.0", rules::replay::invalid_enum_literal::InvalidEnumLiteral);
    AddValueInTransaction => ("MD207", "add-value-in-transaction", Error, "0.1.0", rules::replay::add_value_in_transaction::AddValueInTransaction);
    MissingNotNullColumn => ("MD208", "missing-not-null-column", Error, "0.1.0", rules::replay::missing_not_null_column::MissingNotNullColumn);
    DropTypeInUse => ("MD209", "drop-type-in-use", Error, "0.1.0", rules::replay::drop_type_in_use::DropTypeInUse);
    DowngradeLeavesType => ("MD210", "downgrade-leaves-type", Warning, "0.1.0", rules::replay::downgrade_leaves_type::DowngradeLeavesType);
    DropTypeCascade => ("MD211", "drop-type-cascade", Warning, "0.1.0", rules::replay::drop_type_cascade::DropTypeCascade);
    EnumLabelTooLong => ("MD212", "enum-label-too-long", Error, "0.1.0", rules::replay::enum_label_too_long::EnumLabelTooLong);
    EnumLabelsDifferByCase => ("MD213", "enum-labels-differ-by-case", Info, "0.1.0", rules::replay::enum_labels_differ_by_case::EnumLabelsDifferByCase);
    CreateTypeIgnored => ("MD214", "create-type-ignored", Warning, "0.1.0", rules::replay::create_type_ignored::CreateTypeIgnored);
    SqlalchemyVersionUnknown => ("MD215", "sqlalchemy-version-unknown", Warning, "0.1.0", rules::replay::sqlalchemy_version_unknown::SqlalchemyVersionUnknown);
    TableConflict => ("MD216", "table-conflict", Error, "0.1.0", rules::replay::table_conflict::TableConflict);
    TodoInMigration => ("MD217", "todo-in-migration", Warning, "0.1.0", rules::hygiene::TodoInMigration);
    MigrationsWithoutLock => ("MD218", "migrations-without-lock", Warning, "0.1.0", rules::hygiene::MigrationsWithoutLock);
    NeedsAutocommitBlock => ("MD219", "needs-autocommit-block", Error, "0.1.0", rules::replay::needs_autocommit_block::NeedsAutocommitBlock);
    UnnamedConstraintDrop => ("MD220", "unnamed-constraint-drop", Error, "0.1.0", rules::replay::unnamed_constraint_drop::UnnamedConstraintDrop);
    SwallowedDatabaseError => ("MD221", "swallowed-database-error", Error, "0.1.0", rules::replay::swallowed_database_error::SwallowedDatabaseError);
    ExecutePlainString => ("MD222", "execute-plain-string", Error, "0.1.0", rules::replay::execute_plain_string::ExecutePlainString);
    DriverPercent => ("MD223", "driver-percent", Error, "0.1.0", rules::driver_percent::DriverPercent);
    ModelTableMissing => ("MD301", "model-table-missing", Error, "0.1.0", rules::models::model_table_missing::ModelTableMissing);
    ModelColumnMissing => ("MD302", "model-column-missing", Error, "0.1.0", rules::models::model_column_missing::ModelColumnMissing);
    UnmappedNotNullColumn => ("MD303", "unmapped-not-null-column", Error, "0.1.0", rules::models::unmapped_not_null_column::UnmappedNotNullColumn);
    NullableMismatch => ("MD304", "nullable-mismatch", Error, "0.1.0", rules::models::nullable_mismatch::NullableMismatch);
    ColumnTypeMismatch => ("MD305", "column-type-mismatch", Warning, "0.1.0", rules::models::column_type_mismatch::ColumnTypeMismatch);
    EnumLabelNotInDatabase => ("MD306", "enum-label-not-in-database", Error, "0.1.0", rules::models::enum_label_not_in_database::EnumLabelNotInDatabase);
    EnumLabelNeverSent => ("MD307", "enum-label-never-sent", Info, "0.1.0", rules::models::enum_label_never_sent::EnumLabelNeverSent);
    EnumTypeNameMismatch => ("MD308", "enum-type-name-mismatch", Warning, "0.1.0", rules::models::enum_type_name_mismatch::EnumTypeNameMismatch);
    ModelEnumCreateTypeFalse => ("MD309", "model-enum-create-type-false", Warning, "0.1.0", rules::models::model_enum_create_type_false::ModelEnumCreateTypeFalse);
    MigrationFails => ("MD401", "migration-fails", Error, "0.1.0", rules::verify::migration_fails::MigrationFails);
    ReplayDiffers => ("MD402", "replay-differs", Warning, "0.1.0", rules::verify::replay_differs::ReplayDiffers);
    PredictionNotConfirmed => ("MD403", "prediction-not-confirmed", Warning, "0.1.0", rules::verify::prediction_not_confirmed::PredictionNotConfirmed);
}

/// Where the rules' documentation is published (`docs/rules.md`, one heading per rule name).
pub const DOCS_URL: &str = "https://github.com/migdoc/migdoc/blob/main/docs/rules.md";

impl Rule {
    /// The rule's documentation page (SARIF `helpUri`, JSON `url`, terminal hyperlinks).
    pub fn url(self) -> String {
        format!("{DOCS_URL}#{}", self.name())
    }

    /// Whether `migdoc check --fix` fixes some of its findings: those where the code has the
    /// exact shape the fix expects and the fixed text is proven (see `fixes.rs`).
    pub fn has_fix(self) -> bool {
        matches!(
            self,
            Rule::DuplicateEnumLabel
                | Rule::NewLabelUsedInSameTransaction
                | Rule::DowngradeLeavesType
                | Rule::CreateTypeIgnored
        )
    }

    /// Finds a rule by code (`MD101`) or name (`multiple-heads`), case-insensitively.
    pub fn from_code_or_name(s: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.code().eq_ignore_ascii_case(s) || r.name().eq_ignore_ascii_case(s))
    }

    /// The rule's documentation as Markdown (doc comments lose their leading space here).
    pub fn docs(self) -> String {
        self.raw_docs()
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        let mut codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        let mut names: Vec<_> = Rule::ALL.iter().map(|r| r.name()).collect();
        codes.sort_unstable();
        names.sort_unstable();
        let n = Rule::ALL.len();
        codes.dedup();
        names.dedup();
        assert_eq!(codes.len(), n);
        assert_eq!(names.len(), n);
        for rule in Rule::ALL {
            let docs = rule.docs();
            for section in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(docs.contains(section), "{} lacks {section}", rule.name());
            }
        }
        assert_eq!(Rule::from_code_or_name("md101"), Some(Rule::MultipleHeads));
        assert_eq!(
            Rule::from_code_or_name("multiple-heads"),
            Some(Rule::MultipleHeads)
        );
    }
}
