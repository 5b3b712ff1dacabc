//! The `month` query parameter of the allowance routes ([`MonthText`], checked by
//! [`MonthPattern`]): documented and refused exactly as `#[oai(validator(pattern =
//! "^[0-9]{4}-[0-9]{2}$"))]` on a `String` would (same schema, same 422 message), without
//! poem-openapi's `Pattern` validator, which compiles its regular expression on every
//! request (measured at several percent of a decision's CPU, BENCHMARKS.md).

use std::borrow::Cow;
use std::fmt;

use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::types::{ParseFromParameter, ParseResult, Type};
use poem_openapi::validation::Validator;

/// The documented pattern of a payroll month.
pub const MONTH_PATTERN: &str = "^[0-9]{4}-[0-9]{2}$";

/// A `YYYY-MM` query parameter, as given: a string whose schema carries [`MONTH_PATTERN`].
/// Check it with `#[oai(validator(custom = "MonthPattern"))]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthText(pub String);

impl Type for MonthText {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> Cow<'static, str> {
        "string".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            pattern: Some(MONTH_PATTERN.to_owned()),
            ..MetaSchema::new("string")
        }))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ParseFromParameter for MonthText {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        Ok(Self(value.to_owned()))
    }
}

/// [`MONTH_PATTERN`], checked by hand: four ASCII digits, `-`, two ASCII digits, nothing
/// else. Displays as poem-openapi's pattern validator does, so a refusal reads the same.
#[derive(Debug, Clone, Copy, Default)]
pub struct MonthPattern;

impl fmt::Display for MonthPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pattern(\"{MONTH_PATTERN}\")")
    }
}

impl Validator<String> for MonthPattern {
    fn check(&self, value: &String) -> bool {
        let b = value.as_bytes();
        b.len() == 7
            && b.iter().enumerate().all(|(i, c)| {
                if i == 4 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_what_the_pattern_says() {
        let ok = |s: &str| MonthPattern.check(&s.to_owned());
        assert!(ok("2026-10"));
        assert!(
            ok("0000-99"),
            "the pattern checks the shape, parse_month the month"
        );
        for bad in [
            "",
            "2026-1",
            "2026-100",
            "2026/10",
            "20261-0",
            "2026-10\n",
            " 2026-10",
            "２０２６-10",
            "2026-1a",
        ] {
            assert!(!ok(bad), "{bad:?}");
        }
        assert_eq!(
            MonthPattern.to_string(),
            poem_openapi::validation::Pattern::new(MONTH_PATTERN).to_string()
        );
    }
}
