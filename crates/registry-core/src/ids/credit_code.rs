//! Unified social credit code (统一社会信用代码, GB 32100-2015) of an organisation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::RuleViolation;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a string is not a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Not exactly 18 characters.
    #[error("must be 18 characters, found {found}")]
    Length {
        /// Number of characters found.
        found: usize,
    },
    /// A character outside `0-9 A-H J-N P-R T U W-Y` (no I, O, S, V, Z).
    #[error("character {position} is not in the GB 32100 alphabet")]
    Charset {
        /// 1-based position.
        position: usize,
    },
    /// The check character does not match.
    #[error("check character must be {expected}, found {found}")]
    CheckChar {
        /// Required check character.
        expected: char,
        /// Given check character.
        found: char,
    },
}

impl RuleViolation for CreditCodeError {
    fn rule(&self) -> &'static str {
        match self {
            Self::Length { .. } => "credit_code.length",
            Self::Charset { .. } => "credit_code.charset",
            Self::CheckChar { .. } => "credit_code.check_char",
        }
    }
}

/// A unified social credit code that passed the GB 32100 check. Stored upper-case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode([u8; 18]);

impl CreditCode {
    /// Parses and checks a code; lower-case letters are accepted and normalised.
    ///
    /// ```
    /// use registry_core::ids::CreditCode;
    /// let code = CreditCode::parse("91350200MA2YJ1XR9G").unwrap();
    /// assert!(!code.is_private_non_enterprise());
    /// assert!(CreditCode::parse("91350200MA2YJ1XR9H").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let s = input.trim();
        let chars = s.chars().count();
        if chars != 18 || s.len() != 18 {
            return Err(CreditCodeError::Length { found: chars });
        }
        let mut out = [0u8; 18];
        let mut values = [0u32; 18];
        for (i, b) in s.bytes().enumerate() {
            let up = b.to_ascii_uppercase();
            let v = ALPHABET
                .iter()
                .position(|&a| a == up)
                .ok_or(CreditCodeError::Charset { position: i + 1 })?;
            out[i] = up;
            values[i] = v as u32;
        }
        let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        let expected = ALPHABET[((31 - sum % 31) % 31) as usize];
        if out[17] != expected {
            return Err(CreditCodeError::CheckChar {
                expected: expected as char,
                found: out[17] as char,
            });
        }
        Ok(Self(out))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Whether the code is of a private non-enterprise unit (民办非企业单位, prefix `52`),
    /// the usual registration of a social-work service agency. A soft rule: callers warn, not refuse.
    pub fn is_private_non_enterprise(&self) -> bool {
        self.0.starts_with(b"52")
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.as_str().to_owned()
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_domain_vectors() {
        for s in [
            "12100000400009880K",
            "91350200MA2YJ1XR9G",
            "91440101MA5CJQ4N59",
        ] {
            assert_eq!(CreditCode::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(
            CreditCode::parse("91350200ma2yj1xr9g").unwrap().as_str(),
            "91350200MA2YJ1XR9G"
        );
    }

    #[test]
    fn names_the_broken_rule() {
        let err = CreditCode::parse("91350200MA2YJ1XR9A").unwrap_err();
        assert_eq!(err.rule(), "credit_code.check_char");
        assert_eq!(
            CreditCode::parse("9135").unwrap_err().rule(),
            "credit_code.length"
        );
        // 'I' is not in the alphabet.
        assert_eq!(
            CreditCode::parse("9135020IMA2YJ1XR9G").unwrap_err(),
            CreditCodeError::Charset { position: 8 }
        );
    }

    #[test]
    fn serde_round_trip_checks_the_code() {
        let c: CreditCode = serde_json::from_str("\"12100000400009880K\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"12100000400009880K\"");
        assert!(serde_json::from_str::<CreditCode>("\"12100000400009880X\"").is_err());
    }
}
