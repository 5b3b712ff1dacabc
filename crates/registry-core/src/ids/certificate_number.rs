//! Certificate management number (证书管理号). No national format is confirmed, so the
//! number is kept opaque: trimmed, 1 to 64 printable characters, no inner white space.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::RuleViolation;

/// Longest certificate number accepted.
pub const MAX_CERTIFICATE_NUMBER_LEN: usize = 64;

/// Why a string is not a certificate number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateNumberError {
    /// Empty after trimming.
    #[error("must not be empty")]
    Empty,
    /// Longer than [`MAX_CERTIFICATE_NUMBER_LEN`] characters.
    #[error("must be at most 64 characters")]
    TooLong,
    /// Contains white space or a control character.
    #[error("must not contain white space or control characters")]
    Charset,
}

impl RuleViolation for CertificateNumberError {
    fn rule(&self) -> &'static str {
        match self {
            Self::Empty => "certificate_number.empty",
            Self::TooLong => "certificate_number.too_long",
            Self::Charset => "certificate_number.charset",
        }
    }
}

/// An opaque certificate number, unique per credential.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertificateNumber(String);

impl CertificateNumber {
    /// Parses a certificate number.
    ///
    /// ```
    /// use registry_core::ids::CertificateNumber;
    /// assert_eq!(CertificateNumber::parse(" 2019-51-000123 ").unwrap().as_str(), "2019-51-000123");
    /// assert!(CertificateNumber::parse("").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Self, CertificateNumberError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(CertificateNumberError::Empty);
        }
        if s.chars().count() > MAX_CERTIFICATE_NUMBER_LEN {
            return Err(CertificateNumberError::TooLong);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(CertificateNumberError::Charset);
        }
        Ok(Self(s.to_owned()))
    }

    /// The number as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CertificateNumber {
    type Error = CertificateNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CertificateNumber> for String {
    fn from(c: CertificateNumber) -> String {
        c.0
    }
}

impl fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CertificateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificateNumber({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(
            CertificateNumber::parse("  ").unwrap_err().rule(),
            "certificate_number.empty"
        );
        assert_eq!(
            CertificateNumber::parse(&"1".repeat(65)).unwrap_err(),
            CertificateNumberError::TooLong
        );
        assert_eq!(
            CertificateNumber::parse("A 1").unwrap_err(),
            CertificateNumberError::Charset
        );
        assert!(CertificateNumber::parse("川社证字第0001号").is_ok());
    }
}
