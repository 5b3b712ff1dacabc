//! Resident identity card number (居民身份证号码, GB 11643-1999).
//!
//! 18 characters: a 6-digit region code, an 8-digit birth date, a 3-digit sequence
//! (odd for men) and an ISO 7064 MOD 11-2 check character. The number is personal
//! data: `Display` and `Debug` show it masked, and only [`ResidentId::expose`] gives it in clear.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::RuleViolation;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Why a string is not a resident ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    /// Not exactly 18 characters.
    #[error("must be 18 characters, found {found}")]
    Length {
        /// Number of characters found.
        found: usize,
    },
    /// A character other than a digit (or `X` in the last place).
    #[error("character {position} must be a digit (or X as the check character)")]
    Charset {
        /// 1-based position of the offending character.
        position: usize,
    },
    /// Characters 7 to 14 are not a real calendar date.
    #[error("characters 7-14 must be a real birth date (YYYYMMDD)")]
    BirthDate,
    /// The first six digits cannot be a region code.
    #[error("the first six digits must be a region code")]
    Region,
    /// The check character does not match the other 17.
    #[error("check character must be {expected}, found {found}")]
    CheckChar {
        /// The check character the first 17 digits require.
        expected: char,
        /// The check character given.
        found: char,
    },
}

impl RuleViolation for ResidentIdError {
    fn rule(&self) -> &'static str {
        match self {
            Self::Length { .. } => "resident_id.length",
            Self::Charset { .. } => "resident_id.charset",
            Self::BirthDate => "resident_id.birth_date",
            Self::Region => "resident_id.region",
            Self::CheckChar { .. } => "resident_id.check_char",
        }
    }
}

/// Gender encoded by the sequence digit (odd = male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Odd sequence digit.
    Male,
    /// Even sequence digit.
    Female,
}

/// A resident ID number that passed every GB 11643 rule. Upper-case `X` is canonical.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentId([u8; 18]);

impl ResidentId {
    /// Parses and checks a resident ID number; a lower-case `x` is accepted and normalised.
    ///
    /// ```
    /// use registry_core::ids::{ResidentId, Gender};
    /// let id = ResidentId::parse("11010519491231002X").unwrap();
    /// assert_eq!(id.gender(), Gender::Female);
    /// assert_eq!(id.masked(), "1101**********002X");
    /// assert!(ResidentId::parse("110101202311012171").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let bytes = input.trim().as_bytes();
        let chars = input.trim().chars().count();
        if chars != 18 || bytes.len() != 18 {
            return Err(ResidentIdError::Length { found: chars });
        }
        let mut out = [0u8; 18];
        for (i, &b) in bytes.iter().enumerate() {
            let ok = b.is_ascii_digit() || (i == 17 && (b == b'X' || b == b'x'));
            if !ok {
                return Err(ResidentIdError::Charset { position: i + 1 });
            }
            out[i] = b.to_ascii_uppercase();
        }
        if &out[0..2] == b"00" {
            return Err(ResidentIdError::Region);
        }
        birth_date_of(&out).ok_or(ResidentIdError::BirthDate)?;
        let expected = check_char(&out);
        if out[17] != expected {
            return Err(ResidentIdError::CheckChar {
                expected: expected as char,
                found: out[17] as char,
            });
        }
        Ok(Self(out))
    }

    /// The number in clear. Only for the worker themself and authorised staff; never log it.
    pub fn expose(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The number with the birth date and first sequence digit hidden: `1101**********002X`.
    pub fn masked(&self) -> String {
        let s = self.expose();
        format!("{}**********{}", &s[..4], &s[14..])
    }

    /// The 6-digit region of first registration, as printed in the number.
    pub fn region_digits(&self) -> &str {
        &self.expose()[..6]
    }

    /// The birth date.
    pub fn birth_date(&self) -> Date {
        // Checked in `parse`; the fallback is never reached.
        birth_date_of(&self.0).unwrap_or(Date::MIN)
    }

    /// Gender from the parity of the 17th digit.
    pub fn gender(&self) -> Gender {
        if (self.0[16] - b'0') % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }
}

fn digits(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
}

fn birth_date_of(id: &[u8; 18]) -> Option<Date> {
    let year = i32::try_from(digits(&id[6..10])).ok()?;
    let month = Month::try_from(u8::try_from(digits(&id[10..12])).ok()?).ok()?;
    let day = u8::try_from(digits(&id[12..14])).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

fn check_char(id: &[u8; 18]) -> u8 {
    let sum: u32 = id[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl FromStr for ResidentId {
    type Err = ResidentIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Shows the masked form, so a stray `{}` never leaks the number.
impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Shows the masked form, so a stray `{:?}` never leaks the number.
impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentId({})", self.masked())
    }
}

/// Serialises in clear: serialisation is for storage and for the worker's own view;
/// callers choose [`ResidentId::masked`] for everyone else.
impl Serialize for ResidentId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for ResidentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn accepts_the_domain_vectors() {
        for s in [
            "11010519491231002X",
            "440524188001010014",
            "110101202311012176",
        ] {
            assert!(ResidentId::parse(s).is_ok(), "{s}");
        }
        let id = ResidentId::parse("440524188001010014").unwrap();
        assert_eq!(id.birth_date(), date!(1880 - 01 - 01));
        assert_eq!(id.gender(), Gender::Male);
        assert_eq!(id.region_digits(), "440524");
    }

    #[test]
    fn lower_case_x_is_normalised() {
        let id = ResidentId::parse("11010519491231002x").unwrap();
        assert_eq!(id.expose(), "11010519491231002X");
    }

    #[test]
    fn rejects_a_wrong_check_char() {
        assert_eq!(
            ResidentId::parse("110101202311012171"),
            Err(ResidentIdError::CheckChar {
                expected: '6',
                found: '1'
            })
        );
        assert_eq!(
            ResidentId::parse("110101202311012171").unwrap_err().rule(),
            "resident_id.check_char"
        );
    }

    #[test]
    fn rejects_impossible_dates_and_bad_shapes() {
        // 2023-02-29 does not exist; check char is irrelevant, the date fails first.
        assert_eq!(
            ResidentId::parse("110101202302290000"),
            Err(ResidentIdError::BirthDate)
        );
        assert_eq!(
            ResidentId::parse("1101012023110121"),
            Err(ResidentIdError::Length { found: 16 })
        );
        assert_eq!(
            ResidentId::parse("11010120231101217Y"),
            Err(ResidentIdError::Charset { position: 18 })
        );
        assert_eq!(
            ResidentId::parse("1101012023110121X6"),
            Err(ResidentIdError::Charset { position: 17 })
        );
        assert!(matches!(
            ResidentId::parse("一二三四五六七八九十一二三四五六七八"),
            Err(ResidentIdError::Length { .. })
        ));
    }

    #[test]
    fn leap_day_births_are_real_dates() {
        // 2000-02-29 is real; compute a matching check char.
        let mut raw = *b"110101200002290010";
        raw[17] = check_char(&raw);
        let s = std::str::from_utf8(&raw).unwrap();
        assert_eq!(
            ResidentId::parse(s).unwrap().birth_date(),
            date!(2000 - 02 - 29)
        );
    }

    #[test]
    fn display_and_debug_never_show_the_clear_number() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.to_string(), "1101**********002X");
        assert!(!format!("{id:?}").contains("19491231"));
    }
}
