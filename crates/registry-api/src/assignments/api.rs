//! Request and response bodies of the assignments resource, and their validation.

use poem_openapi::{Enum, Object};
use registry_core::calendar::Period;
use registry_core::post::{Assignment as CoreAssignment, Post as CorePost, TimeBasis};
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::db::entities::assignment;
use crate::mirror_enum;
use crate::problem::{ApiError, ProblemField};

/// Full-time (专职) or part-time (兼职).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// 专职.
    FullTime,
    /// 兼职; only on posts that allow it.
    PartTime,
}

mirror_enum!(Basis, TimeBasis, [FullTime, PartTime]);

impl Basis {
    /// Parses a storage code (`TimeBasis::code`).
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::FullTime, Self::PartTime]
            .into_iter()
            .find(|b| TimeBasis::from(*b).code() == code)
    }
}

/// Body of `POST /api/v1/assignments`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateAssignment {
    /// The worker; must be registered in the caller's region.
    #[oai(validator(min_length = 1, max_length = 36))]
    pub worker_id: String,
    /// The post; its unit must lie in the caller's region.
    #[oai(validator(min_length = 1, max_length = 36))]
    pub post_id: String,
    /// First day (`YYYY-MM-DD`).
    #[serde(with = "crate::dates")]
    pub start: Date,
    /// Last day (`YYYY-MM-DD`, inclusive), not before `start`; absent while open.
    #[serde(default, with = "crate::dates::option")]
    pub end: Option<Date>,
    /// Full-time or part-time.
    pub basis: Basis,
}

/// Body of `PUT /api/v1/assignments/{id}`: only the end date can change.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateAssignment {
    /// Last day (`YYYY-MM-DD`, inclusive), not before `start`; absent or `null` reopens it.
    #[serde(default, with = "crate::dates::option")]
    pub end: Option<Date>,
}

impl CreateAssignment {
    /// Checks the period and the basis against `post` with the core rules, reporting all
    /// broken rules at once.
    pub fn validate(&self, post: &CorePost) -> Result<CoreAssignment, ApiError> {
        let mut errors: Vec<ProblemField> = Vec::new();
        let period = Period::new(self.start, self.end)
            .map_err(|e| errors.push(e.into()))
            .ok();
        let assignment = CoreAssignment::new(
            0,
            0,
            post,
            period.unwrap_or(Period::from(self.start)),
            self.basis.into(),
        )
        .map_err(|e| errors.push(e.into()))
        .ok();
        match assignment {
            Some(a) if errors.is_empty() => Ok(a),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// Checks a new end date against the stored start (rule `period.end_before_start`).
pub fn check_end(start: Date, end: Option<Date>) -> Result<Period, ApiError> {
    Period::new(start, end).map_err(ApiError::from)
}

/// An assignment.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Assignment {
    /// Assignment id (UUID).
    pub id: String,
    /// The worker.
    pub worker_id: String,
    /// The post.
    pub post_id: String,
    /// The post's region.
    pub region_code: String,
    /// First day.
    pub start: Date,
    /// Last day (inclusive), if ended.
    #[oai(skip_serializing_if_is_none)]
    pub end: Option<Date>,
    /// Full-time or part-time.
    pub basis: Basis,
    /// Version, as in the ETag.
    pub version: i64,
    /// Created (UTC).
    pub created_at: OffsetDateTime,
    /// Last updated (UTC).
    pub updated_at: OffsetDateTime,
}

impl Assignment {
    /// The response for a stored row.
    pub fn view(m: assignment::Model) -> Result<Self, ApiError> {
        let basis = Basis::from_code(&m.basis)
            .ok_or_else(|| ApiError::internal("unknown basis in storage"))?;
        Ok(Self {
            id: m.id,
            worker_id: m.worker_id,
            post_id: m.post_id,
            region_code: m.region_code,
            start: m.start,
            end: m.end,
            basis,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// One page of assignments.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct AssignmentPage {
    /// The assignments, oldest first.
    pub items: Vec<Assignment>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}
