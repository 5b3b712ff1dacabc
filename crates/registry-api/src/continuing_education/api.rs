//! Request and response bodies of the continuing-education resource, and their validation.

use std::str::FromStr;

use poem_openapi::{Enum, Object};
use registry_core::FieldError;
use registry_core::registration::{CeKind as CoreKind, ContinuingEducation as CoreCe};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::db::entities::continuing_education as ce;
use crate::mirror_enum;
use crate::problem::ApiError;

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CeKind {
    /// A training course with its hours.
    Course,
    /// A social-work degree obtained.
    SocialWorkDegree,
}

mirror_enum!(CeKind, CoreKind, [Course, SocialWorkDegree]);

impl CeKind {
    /// Storage code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Course => "course",
            Self::SocialWorkDegree => "social_work_degree",
        }
    }

    /// Parses a storage code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Course, Self::SocialWorkDegree]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// Body of `POST /api/v1/workers/{worker_id}/continuing-education`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateContinuingEducation {
    /// Day completed (`YYYY-MM-DD`), not in the future.
    #[serde(with = "crate::dates")]
    pub completed_on: Date,
    /// Hours as a decimal string with at most one decimal, more than 0 and at most 1000,
    /// e.g. `"12.5"`.
    #[oai(validator(pattern = r"^[0-9]{1,4}(\.[0-9])?$"))]
    pub hours: String,
    /// Course or degree.
    pub kind: CeKind,
}

impl CreateContinuingEducation {
    /// Validates every field, reporting all broken rules at once.
    pub fn validate(&self) -> Result<CoreCe, ApiError> {
        let mut errors = Vec::new();
        if self.completed_on > OffsetDateTime::now_utc().date() {
            errors.push(
                FieldError::new(
                    "completed_on",
                    "ce.completed_in_future",
                    "completed_on must not be in the future",
                )
                .into(),
            );
        }
        let hours = self.hours.trim();
        let parsed = if hours.is_empty() || !hours.chars().all(|c| c.is_ascii_digit() || c == '.') {
            None
        } else {
            Decimal::from_str(hours).ok()
        };
        let record = match parsed {
            None => {
                errors.push(
                    FieldError::new(
                        "hours",
                        "ce.hours_format",
                        "hours must be a decimal number such as \"12.5\"",
                    )
                    .into(),
                );
                None
            }
            Some(h) => CoreCe::new(0, 0, self.completed_on, h, self.kind.into())
                .map_err(|e| errors.push(e.into()))
                .ok(),
        };
        match record {
            Some(r) if errors.is_empty() => Ok(r),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// Hours as stored: tenths of an hour.
pub fn hours_to_tenths(hours: Decimal) -> Option<i32> {
    (hours * Decimal::TEN).trunc().to_i32()
}

/// Stored tenths as the API's decimal string (`125` → `"12.5"`, `120` → `"12"`).
pub fn tenths_to_hours(tenths: i32) -> String {
    Decimal::new(i64::from(tenths), 1).normalize().to_string()
}

/// A continuing-education record.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct ContinuingEducation {
    /// Record id (UUID).
    pub id: String,
    /// The worker.
    pub worker_id: String,
    /// Day completed.
    pub completed_on: Date,
    /// Hours as a decimal string, e.g. `"12.5"`.
    pub hours: String,
    /// Course or degree.
    pub kind: CeKind,
    /// Created (UTC).
    pub created_at: OffsetDateTime,
}

impl ContinuingEducation {
    /// The response for a stored row.
    pub fn view(m: ce::Model) -> Result<Self, ApiError> {
        let kind = CeKind::from_code(&m.kind)
            .ok_or_else(|| ApiError::internal("unknown continuing-education kind in storage"))?;
        Ok(Self {
            id: m.id,
            worker_id: m.worker_id,
            completed_on: m.completed_on,
            hours: tenths_to_hours(m.hours_tenths),
            kind,
            created_at: m.created_at,
        })
    }
}

/// One page of continuing-education records.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct ContinuingEducationPage {
    /// The records, oldest first.
    pub items: Vec<ContinuingEducation>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_round_trip() {
        assert_eq!(hours_to_tenths(Decimal::new(125, 1)), Some(125));
        assert_eq!(tenths_to_hours(125), "12.5");
        assert_eq!(tenths_to_hours(120), "12");
        assert_eq!(tenths_to_hours(10000), "1000");
    }
}
