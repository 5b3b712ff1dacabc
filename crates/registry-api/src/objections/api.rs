//! Request and response bodies of objections.

use poem_openapi::{Enum, Object};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::db::entities::objection;
use crate::problem::ApiError;

/// Where an objection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    /// Filed, not decided yet.
    Pending,
    /// Upheld: the disputed entry is void.
    Upheld,
    /// Rejected: the disputed entry stands.
    Rejected,
}

impl ObjectionStatus {
    /// Storage code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Upheld => "upheld",
            Self::Rejected => "rejected",
        }
    }

    /// Parses a storage code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Pending, Self::Upheld, Self::Rejected]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// The outcome an admin gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 异议成立: the disputed entry is void.
    Upheld,
    /// 异议不成立: the disputed entry stands.
    Rejected,
}

/// Body of `POST /api/v1/me/objections`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ObjectionBody {
    /// The disputed entry of the caller's own credit record.
    #[oai(validator(min_length = 1, max_length = 36))]
    pub entry_id: String,
    /// Why the entry is wrong (1 to 2000 characters).
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub statement: String,
}

/// Body of `POST /api/v1/objections/{id}/decision`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// Upheld or rejected.
    pub outcome: Outcome,
    /// The reason given to the worker (1 to 2000 characters).
    #[oai(validator(min_length = 1, max_length = 2000))]
    pub reason: String,
}

/// An objection and, once decided, its outcome.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Objection {
    /// Objection id (UUID).
    pub id: String,
    /// The worker who filed it.
    pub worker_id: String,
    /// The disputed credit entry.
    pub entry_id: String,
    /// The `objection_filed` credit entry recorded with it.
    pub objection_entry_id: String,
    /// The worker's statement.
    pub statement: String,
    /// Pending, upheld or rejected.
    pub status: ObjectionStatus,
    /// The admin's reason, once decided.
    #[oai(skip_serializing_if_is_none)]
    pub reason: Option<String>,
    /// The outcome credit entry, once decided.
    #[oai(skip_serializing_if_is_none)]
    pub outcome_entry_id: Option<String>,
    /// Filed (UTC).
    pub filed_at: OffsetDateTime,
    /// Decided (UTC).
    #[oai(skip_serializing_if_is_none)]
    pub decided_at: Option<OffsetDateTime>,
    /// Version, as in the ETag.
    pub version: i64,
}

impl Objection {
    /// The view of a stored row.
    pub fn view(m: objection::Model) -> Result<Self, ApiError> {
        let status = ObjectionStatus::from_code(&m.status)
            .ok_or_else(|| ApiError::internal("unknown objection status in storage"))?;
        Ok(Self {
            id: m.id,
            worker_id: m.worker_id,
            entry_id: m.credit_entry_id,
            objection_entry_id: m.objection_entry_id,
            statement: m.statement,
            status,
            reason: m.decision_reason,
            outcome_entry_id: m.outcome_entry_id,
            filed_at: m.filed_at,
            decided_at: m.decided_at,
            version: m.version,
        })
    }
}

/// One page of objections.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct ObjectionPage {
    /// The objections, oldest first.
    pub items: Vec<Objection>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

/// Most characters of a statement or a reason.
pub const MAX_TEXT_CHARS: usize = 2000;

/// `value` trimmed, or the 422 for a blank (`objection.text_blank`) or too long
/// (`objection.text_too_long`) text in `field`.
pub fn checked_text<'a>(field: &str, value: &'a str) -> Result<&'a str, ApiError> {
    let v = value.trim();
    let (rule, message) = if v.is_empty() {
        ("objection.text_blank", format!("{field} must not be blank"))
    } else if v.chars().count() > MAX_TEXT_CHARS {
        (
            "objection.text_too_long",
            format!("{field} must be at most {MAX_TEXT_CHARS} characters"),
        )
    } else {
        return Ok(v);
    };
    Err(ApiError::validation(vec![crate::problem::ProblemField {
        field: field.into(),
        rule: rule.into(),
        message,
    }]))
}
