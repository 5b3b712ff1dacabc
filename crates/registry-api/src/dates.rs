//! `YYYY-MM-DD` dates for serde request bodies (the `time` default format is not ISO 8601).
//! Use as `#[serde(with = "crate::dates")]`, or `crate::dates::option` for `Option<Date>`.

use serde::{Deserialize, Deserializer};
use time::Date;
use time::macros::format_description;

fn parse<E: serde::de::Error>(s: &str) -> Result<Date, E> {
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .map_err(|_| E::custom("expected a date as YYYY-MM-DD"))
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
