//! `YYYY-MM-DD` dates for serde request and response bodies (the `time` default format is not
//! ISO 8601; this is the one poem-openapi writes). Use as `#[serde(with = "crate::dates")]`, or
//! `crate::dates::option` for `Option<Date>` in request bodies.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// `YYYY-MM-DD`.
const YEAR_MONTH_DAY: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");

fn parse<E: serde::de::Error>(s: &str) -> Result<Date, E> {
    Date::parse(s, YEAR_MONTH_DAY).map_err(|_| E::custom("expected a date as YYYY-MM-DD"))
}

/// Serializes a date as `YYYY-MM-DD`.
pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    d.format(YEAR_MONTH_DAY)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

/// Deserializes a required date.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    parse(&String::deserialize(d)?)
}

/// `Option<Date>`: absent or `null` is `None`. Pair with `#[serde(default)]`.
pub mod option {
    use serde::{Deserialize, Deserializer};
    use time::Date;

    /// Deserializes an optional date.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| super::parse(&s))
            .transpose()
    }
}
