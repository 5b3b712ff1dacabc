//! Request and response bodies of allowance policies.
//!
//! The request is the core `PolicyInput` JSON. [`PolicyBody`] documents its shape in the spec
//! and checks the top-level fields; the raw body is then parsed as the core type so nested
//! errors name their path too (e.g. `schedule.amounts.senior`).

use poem_openapi::Object;
use registry_core::allowance::{AllowancePolicy, PolicyInput};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::db::entities::allowance_policy;
use crate::payload::parse_json;
use crate::problem::ApiError;

/// Months a policy version is in force.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct EffectiveMonths {
    /// First month, `YYYY-MM`.
    #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}$"))]
    pub from: String,
    /// Last month, `YYYY-MM`; absent while open-ended.
    #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}$"))]
    #[serde(default)]
    pub until: Option<String>,
}

/// Body of `POST /api/v1/allowance-policies`: one policy version, in the shape of the core's
/// sample files (`crates/registry-core/policies/*.json`).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// Family id shared by the versions, `[a-z0-9-_]{1,64}`.
    pub id: String,
    /// Version number, from 1; unique within the family.
    pub version: u32,
    /// Six-digit region the policy applies to (and every region inside it).
    #[oai(validator(pattern = r"^[0-9]{6}$"))]
    pub region: String,
    /// Name, 1 to 100 characters.
    pub name: String,
    /// Months in force.
    pub effective: EffectiveMonths,
    /// How amounts are paid: `{"kind": "monthly_per_level" | "one_off_per_level" |
    /// "grade_steps" | "time_limited_monthly", ...}` with amounts per level as `"800.00"`
    /// strings (see the core `Schedule`).
    pub schedule: serde_json::Value,
    /// What a worker must meet (see the core `Conditions`; every field has a default).
    #[serde(default)]
    pub conditions: Option<serde_json::Value>,
    /// Whether the figures are sample configuration.
    #[serde(default)]
    pub sample: Option<bool>,
    /// Citation of the policy text.
    #[serde(default)]
    pub source: Option<String>,
}

/// Parses and checks a policy version from the raw request body.
pub fn validate(raw: &[u8]) -> Result<AllowancePolicy, ApiError> {
    let input: PolicyInput = parse_json(raw)?;
    Ok(AllowancePolicy::new(input)?)
}

/// The stored definition of a row as a checked policy.
pub fn policy_of(m: &allowance_policy::Model) -> Result<AllowancePolicy, ApiError> {
    serde_json::from_str::<AllowancePolicy>(&m.definition).map_err(ApiError::internal)
}

/// The JSON stored for a policy (its `PolicyInput`).
pub fn definition_json(p: &AllowancePolicy) -> Result<String, ApiError> {
    serde_json::to_string(&PolicyInput::from(p.clone())).map_err(ApiError::internal)
}

/// One stored policy version.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct PolicyVersion {
    /// Family id.
    pub policy_id: String,
    /// Version.
    pub version: u32,
    /// Region the policy applies to.
    pub region: String,
    /// Name.
    pub name: String,
    /// First month in force.
    pub effective_from: String,
    /// Last month in force; absent while open-ended.
    #[oai(skip_serializing_if_is_none)]
    pub effective_until: Option<String>,
    /// Schedule kind: `monthly_per_level`, `one_off_per_level`, `grade_steps` or
    /// `time_limited_monthly`.
    pub schedule_kind: String,
    /// Whether the figures are sample configuration.
    pub sample: bool,
    /// The full version as the core reads it (`PolicyInput` JSON).
    pub definition: serde_json::Value,
    /// When the version was recorded (UTC).
    pub created_at: OffsetDateTime,
    /// Who recorded it (API key id or token subject).
    pub created_by: String,
}

impl PolicyVersion {
    /// The response for a stored row.
    pub fn view(m: allowance_policy::Model) -> Result<Self, ApiError> {
        let p = policy_of(&m)?;
        let definition: serde_json::Value =
            serde_json::from_str(&m.definition).map_err(ApiError::internal)?;
        Ok(Self {
            policy_id: m.policy_id,
            version: p.version(),
            region: m.region_code,
            name: p.name().to_owned(),
            effective_from: m.effective_from,
            effective_until: m.effective_until,
            schedule_kind: p.schedule().kind_code().to_owned(),
            sample: p.is_sample(),
            definition,
            created_at: m.created_at,
            created_by: m.created_by,
        })
    }
}

/// One page of policy versions.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct PolicyPage {
    /// The versions, oldest first.
    pub items: Vec<PolicyVersion>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}
