//! The one error shape every parse and construction failure in this crate reduces to:
//! which field, which rule, and a human message.
//!
//! Module-specific error enums (for example [`crate::ids::ResidentIdError`]) carry the
//! detail; [`FieldError`] is what a caller shows to a user or maps to a problem+json
//! `errors[]` entry.

use std::fmt;

/// A rule that an input value broke, with the field it was found in.
///
/// `rule` is a stable, machine-readable code such as `resident_id.check_char`;
/// `message` is an English sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message} ({rule})")]
pub struct FieldError {
    /// Path of the offending field, e.g. `credentials[2].issue_date`.
    pub field: String,
    /// Stable rule code, e.g. `period.end_before_start`.
    pub rule: &'static str,
    /// Lowercase English explanation.
    pub message: String,
}

impl FieldError {
    /// Builds an error for `field` breaking `rule`.
    pub fn new(field: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            rule,
            message: message.into(),
        }
    }

    /// Prefixes the field path, turning `issue_date` into `credentials[2].issue_date`.
    #[must_use]
    pub fn within(mut self, parent: impl fmt::Display) -> Self {
        self.field = if self.field.is_empty() {
            parent.to_string()
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

/// Implemented by every module error that corresponds to one broken rule.
pub trait RuleViolation: fmt::Display {
    /// The stable rule code, e.g. `resident_id.check_char`.
    fn rule(&self) -> &'static str;

    /// Turns the error into a [`FieldError`] for the given field.
    fn at(&self, field: impl Into<String>) -> FieldError {
        FieldError::new(field, self.rule(), self.to_string())
    }
}
