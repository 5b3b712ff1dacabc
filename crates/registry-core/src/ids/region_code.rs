//! Administrative region code (行政区划代码, GB/T 2260): province, prefecture, county,
//! two digits each. A region contains every code that shares its non-zero prefix, so
//! 510000 (Sichuan) ⊃ 510100 (Chengdu) ⊃ 510104 (Jinjiang).
//!
//! `000000` is accepted as the national root, an extension of this registry so that a
//! ministry-level scope can be expressed; it contains every region.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::RuleViolation;

/// Why a string is not a region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    /// Not exactly six ASCII digits.
    #[error("must be exactly 6 digits")]
    Shape,
    /// County digits set under a zero prefecture (e.g. `510004`), or a zero province with
    /// anything below it.
    #[error("lower levels must be 00 when a higher level is 00")]
    Hierarchy,
}

impl RuleViolation for RegionCodeError {
    fn rule(&self) -> &'static str {
        match self {
            Self::Shape => "region_code.shape",
            Self::Hierarchy => "region_code.hierarchy",
        }
    }
}

/// The depth of a region in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// `000000`, the whole country.
    National,
    /// `XX0000`.
    Province,
    /// `XXXX00`.
    Prefecture,
    /// `XXXXXX`.
    County,
}

/// A six-digit region code that respects the hierarchy.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode([u8; 6]);

impl RegionCode {
    /// The national root `000000`.
    pub const NATIONAL: RegionCode = RegionCode(*b"000000");

    /// Parses a region code.
    ///
    /// ```
    /// use registry_core::ids::RegionCode;
    /// let sichuan = RegionCode::parse("510000").unwrap();
    /// let jinjiang = RegionCode::parse("510104").unwrap();
    /// assert!(sichuan.contains(&jinjiang));
    /// assert!(!jinjiang.contains(&sichuan));
    /// ```
    pub fn parse(input: &str) -> Result<Self, RegionCodeError> {
        let b = input.trim().as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return Err(RegionCodeError::Shape);
        }
        let mut out = [0u8; 6];
        out.copy_from_slice(b);
        let province_zero = &out[0..2] == b"00";
        let prefecture_zero = &out[2..4] == b"00";
        let county_zero = &out[4..6] == b"00";
        if (province_zero && !prefecture_zero) || (prefecture_zero && !county_zero) {
            return Err(RegionCodeError::Hierarchy);
        }
        Ok(Self(out))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The depth of this region.
    pub fn level(&self) -> RegionLevel {
        if &self.0[0..2] == b"00" {
            RegionLevel::National
        } else if &self.0[2..4] == b"00" {
            RegionLevel::Province
        } else if &self.0[4..6] == b"00" {
            RegionLevel::Prefecture
        } else {
            RegionLevel::County
        }
    }

    /// The significant prefix: `51` for 510000, `5101` for 510100, `` for 000000.
    pub fn prefix(&self) -> &str {
        &self.as_str()[..self.prefix_len()]
    }

    /// Length of [`RegionCode::prefix`].
    fn prefix_len(&self) -> usize {
        match self.level() {
            RegionLevel::National => 0,
            RegionLevel::Province => 2,
            RegionLevel::Prefecture => 4,
            RegionLevel::County => 6,
        }
    }

    /// Whether `other` is this region or lies inside it. Reflexive, antisymmetric, transitive.
    /// Compares the digits directly (no text conversion: it runs for every policy).
    pub fn contains(&self, other: &RegionCode) -> bool {
        self.0
            .iter()
            .zip(other.0)
            .take(self.prefix_len())
            .all(|(a, b)| *a == b)
    }

    /// The enclosing region one level up (`None` for the national root).
    pub fn parent(&self) -> Option<RegionCode> {
        let mut out = self.0;
        match self.level() {
            RegionLevel::National => return None,
            RegionLevel::Province => return Some(Self::NATIONAL),
            RegionLevel::Prefecture => out[2..6].copy_from_slice(b"0000"),
            RegionLevel::County => out[4..6].copy_from_slice(b"00"),
        }
        Some(Self(out))
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(c: RegionCode) -> String {
        c.as_str().to_owned()
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn r(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_and_nesting() {
        assert_eq!(r("510000").level(), RegionLevel::Province);
        assert_eq!(r("510100").level(), RegionLevel::Prefecture);
        assert_eq!(r("510104").level(), RegionLevel::County);
        assert!(r("510000").contains(&r("510104")));
        assert!(r("510100").contains(&r("510104")));
        assert!(!r("510100").contains(&r("510200")));
        assert!(!r("510104").contains(&r("510105")));
        assert!(RegionCode::NATIONAL.contains(&r("440524")));
        assert_eq!(r("510104").parent(), Some(r("510100")));
        assert_eq!(r("510100").parent(), Some(r("510000")));
        assert_eq!(r("510000").parent(), Some(RegionCode::NATIONAL));
        assert_eq!(RegionCode::NATIONAL.parent(), None);
    }

    #[test]
    fn rejects_bad_shapes_and_broken_hierarchy() {
        assert_eq!(RegionCode::parse("51010"), Err(RegionCodeError::Shape));
        assert_eq!(RegionCode::parse("51010a"), Err(RegionCodeError::Shape));
        assert_eq!(RegionCode::parse("510004"), Err(RegionCodeError::Hierarchy));
        assert_eq!(RegionCode::parse("000100"), Err(RegionCodeError::Hierarchy));
        assert_eq!(
            RegionCode::parse("510004").unwrap_err().rule(),
            "region_code.hierarchy"
        );
    }

    fn region() -> impl Strategy<Value = RegionCode> {
        // Small digit ranges so that related codes are common.
        (0u8..3, 0u8..3, 0u8..3).prop_filter_map("valid code", |(p, c, k)| {
            RegionCode::parse(&format!("{:02}{:02}{:02}", p + 10 * (p % 2), c, k)).ok()
        })
    }

    proptest! {
        #[test]
        fn containment_is_a_partial_order(a in region(), b in region(), c in region()) {
            prop_assert!(a.contains(&a));
            if a.contains(&b) && b.contains(&a) {
                prop_assert_eq!(a, b);
            }
            if a.contains(&b) && b.contains(&c) {
                prop_assert!(a.contains(&c));
            }
        }

        #[test]
        fn every_ancestor_contains_its_descendant(a in region()) {
            let mut cur = a;
            while let Some(p) = cur.parent() {
                prop_assert!(p.contains(&a));
                prop_assert!(p.level() < cur.level());
                cur = p;
            }
        }
    }
}
