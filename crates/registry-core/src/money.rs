//! Money and shares. Amounts are yuan as [`rust_decimal::Decimal`] with at most two decimal
//! places, never negative, never floats; they serialise as strings with exactly two decimals.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// The largest amount accepted anywhere: 100 million yuan.
pub const MAX_YUAN: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);

/// A non-negative amount of yuan with at most two decimals (fen precision).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Yuan(Decimal);

impl Yuan {
    /// Zero yuan.
    pub const ZERO: Yuan = Yuan(Decimal::ZERO);

    /// Checks a decimal: rule `amount.negative`, `amount.precision` or `amount.too_large`.
    pub fn new(value: Decimal) -> Result<Self, FieldError> {
        if value.is_sign_negative() && !value.is_zero() {
            return Err(FieldError::new(
                "",
                "amount.negative",
                "amount must not be negative",
            ));
        }
        if value.normalize().scale() > 2 {
            return Err(FieldError::new(
                "",
                "amount.precision",
                "amount must have at most two decimal places (fen)",
            ));
        }
        if value > MAX_YUAN {
            return Err(FieldError::new(
                "",
                "amount.too_large",
                "amount must be at most 100000000",
            ));
        }
        let mut v = value.normalize();
        v.rescale(2);
        Ok(Self(v))
    }

    /// Parses a plain decimal string such as `"300"` or `"1200.50"`.
    ///
    /// ```
    /// use registry_core::money::Yuan;
    /// assert_eq!(Yuan::parse("300").unwrap().to_string(), "300.00");
    /// assert!(Yuan::parse("-1").is_err());
    /// assert!(Yuan::parse("0.001").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let well_formed = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            && s.bytes().filter(|&b| b == b'.').count() <= 1;
        if !well_formed {
            return Err(FieldError::new(
                "",
                "amount.shape",
                "amount must be a decimal number like 300.00",
            ));
        }
        let d = Decimal::from_str(s).map_err(|_| {
            FieldError::new(
                "",
                "amount.shape",
                "amount must be a decimal number like 300.00",
            )
        })?;
        Self::new(d)
    }

    /// Whole fen (1/100 yuan), for exact integer storage.
    pub fn to_fen(&self) -> i64 {
        let mut v = self.0;
        v.rescale(2);
        i64::try_from(v.mantissa()).unwrap_or(i64::MAX)
    }

    /// From whole fen; fails for negative or too large values.
    pub fn from_fen(fen: i64) -> Result<Self, FieldError> {
        Self::new(Decimal::new(fen, 2))
    }

    /// The decimal value.
    pub fn value(&self) -> Decimal {
        self.0
    }

    /// `self - other`, or zero when `other` is larger.
    pub fn saturating_sub(&self, other: Yuan) -> Yuan {
        if other.0 >= self.0 {
            Yuan::ZERO
        } else {
            Yuan(self.0 - other.0)
        }
    }

    /// `self + other`; the sum of two valid amounts keeps fen precision.
    pub fn plus(&self, other: Yuan) -> Yuan {
        Yuan(self.0 + other.0)
    }
}

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = self.0;
        v.rescale(2);
        write!(f, "{v}")
    }
}

impl fmt::Debug for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Yuan({self})")
    }
}

impl FromStr for Yuan {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Yuan {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Yuan> for String {
    fn from(y: Yuan) -> String {
        y.to_string()
    }
}

/// A share from 0 to 100 percent with at most two decimals, e.g. `30` or `15.5`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Percent(Decimal);

impl Percent {
    /// Parses `"30"` or `"15.5"`; rule `percent.range` outside 0..=100, `percent.shape` otherwise.
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let d = Decimal::from_str(input.trim()).map_err(|_| {
            FieldError::new(
                "",
                "percent.shape",
                "percent must be a number like 30 or 15.5",
            )
        })?;
        Self::new(d)
    }

    /// Checks a decimal percent.
    pub fn new(value: Decimal) -> Result<Self, FieldError> {
        if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
            return Err(FieldError::new(
                "",
                "percent.range",
                "percent must be between 0 and 100",
            ));
        }
        if value.normalize().scale() > 2 {
            return Err(FieldError::new(
                "",
                "percent.precision",
                "percent must have at most two decimals",
            ));
        }
        Ok(Self(value.normalize()))
    }

    /// The percent value (30 for 30 %).
    pub fn value(&self) -> Decimal {
        self.0
    }

    /// `part / whole` as a percent, rounded to two decimals; zero when `whole` is zero.
    pub fn ratio(part: u32, whole: u32) -> Percent {
        if whole == 0 {
            return Percent(Decimal::ZERO);
        }
        let v = (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole)).round_dp(2);
        Percent(v.min(Decimal::ONE_HUNDRED).normalize())
    }

    /// `self` percent of `whole`, as an exact decimal (e.g. 30 % of 7 = 2.1).
    pub fn of(&self, whole: u32) -> Decimal {
        (self.0 * Decimal::from(whole) / Decimal::ONE_HUNDRED).normalize()
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Percent({}%)", self.0)
    }
}

impl TryFrom<String> for Percent {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Percent> for String {
    fn from(p: Percent) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_rules() {
        assert_eq!(Yuan::parse("1200").unwrap().to_string(), "1200.00");
        assert_eq!(Yuan::parse("0.10").unwrap().to_fen(), 10);
        assert_eq!(Yuan::parse("-0.01").unwrap_err().rule, "amount.negative");
        assert_eq!(Yuan::parse("1.005").unwrap_err().rule, "amount.precision");
        assert_eq!(Yuan::parse("1e3").unwrap_err().rule, "amount.shape");
        assert_eq!(
            Yuan::parse("100000000.01").unwrap_err().rule,
            "amount.too_large"
        );
        assert_eq!(Yuan::from_fen(123_456).unwrap().to_string(), "1234.56");
        // Trailing zeros beyond two places are not extra precision.
        assert_eq!(Yuan::parse("5.000").unwrap().to_string(), "5.00");
        let a = Yuan::parse("2000").unwrap();
        let b = Yuan::parse("1000").unwrap();
        assert_eq!(a.saturating_sub(b).to_string(), "1000.00");
        assert_eq!(b.saturating_sub(a), Yuan::ZERO);
    }

    #[test]
    fn yuan_serialises_as_a_two_decimal_string() {
        let y: Yuan = serde_json::from_str("\"300\"").unwrap();
        assert_eq!(serde_json::to_string(&y).unwrap(), "\"300.00\"");
        assert!(
            serde_json::from_str::<Yuan>("300.5").is_err(),
            "numbers are refused"
        );
    }

    #[test]
    fn percent_rules() {
        assert_eq!(Percent::parse("101").unwrap_err().rule, "percent.range");
        assert_eq!(Percent::ratio(1, 3).to_string(), "33.33");
        assert_eq!(Percent::ratio(0, 0).to_string(), "0");
        assert_eq!(Percent::parse("30").unwrap().of(7).to_string(), "2.1");
    }
}
