//! Request and response bodies of the workers resource, and their validation.

use poem_openapi::{Enum, Object};
use registry_core::FieldError;
use registry_core::RuleViolation;
use registry_core::ids::{RegionCode, ResidentId};
use registry_core::level::{Education as CoreEducation, EducationLevel as CoreLevel};
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::auth::Principal;
use crate::crypto::PiiCipher;
use crate::db::entities::worker;
use crate::problem::{ApiError, ProblemField};

/// Longest accepted name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Highest completed education.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum EducationLevel {
    /// 高中 / 中专.
    HighSchool,
    /// 大专.
    College,
    /// 本科.
    Bachelor,
    /// 硕士.
    Master,
    /// 博士.
    Doctorate,
}

impl EducationLevel {
    fn code(self) -> &'static str {
        match self {
            Self::HighSchool => "high_school",
            Self::College => "college",
            Self::Bachelor => "bachelor",
            Self::Master => "master",
            Self::Doctorate => "doctorate",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [
            Self::HighSchool,
            Self::College,
            Self::Bachelor,
            Self::Master,
            Self::Doctorate,
        ]
        .into_iter()
        .find(|l| l.code() == code)
    }
}

impl From<EducationLevel> for CoreLevel {
    fn from(l: EducationLevel) -> Self {
        match l {
            EducationLevel::HighSchool => CoreLevel::HighSchool,
            EducationLevel::College => CoreLevel::College,
            EducationLevel::Bachelor => CoreLevel::Bachelor,
            EducationLevel::Master => CoreLevel::Master,
            EducationLevel::Doctorate => CoreLevel::Doctorate,
        }
    }
}

/// A worker's education.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct Education {
    /// Highest completed level.
    pub level: EducationLevel,
    /// Whether that degree is in social work.
    pub social_work_major: bool,
}

impl From<Education> for CoreEducation {
    fn from(e: Education) -> Self {
        CoreEducation {
            level: e.level.into(),
            social_work_major: e.social_work_major,
        }
    }
}

mod date_format {
    //! `YYYY-MM-DD` for serde (the `time` default is not ISO 8601).
    use serde::{Deserialize, Deserializer};
    use time::Date;
    use time::macros::format_description;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s, format_description!("[year]-[month]-[day]"))
            .map_err(|_| serde::de::Error::custom("expected a date as YYYY-MM-DD"))
    }
}

/// Body of `POST /api/v1/workers`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateWorker {
    /// Resident ID number (GB 11643-1999), 18 characters; stored encrypted.
    #[oai(validator(pattern = r"^[0-9]{17}[0-9Xx]$"))]
    pub resident_id: String,
    /// Full name, 1 to 100 characters.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
    /// Highest education.
    pub education: Education,
    /// Start of social-work experience (`YYYY-MM-DD`), not in the future.
    #[serde(with = "date_format")]
    pub experience_start: Date,
    /// Six-digit region code of registration; must lie in the caller's region.
    #[oai(validator(pattern = r"^[0-9]{6}$"))]
    pub region_code: String,
}

/// Body of `PUT /api/v1/workers/{id}`: the full replaceable state. The resident ID is the
/// worker's identity and cannot be changed.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateWorker {
    /// Full name, 1 to 100 characters.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
    /// Highest education.
    pub education: Education,
    /// Start of social-work experience (`YYYY-MM-DD`), not in the future.
    #[serde(with = "date_format")]
    pub experience_start: Date,
    /// Six-digit region code; must lie in the caller's region.
    #[oai(validator(pattern = r"^[0-9]{6}$"))]
    pub region_code: String,
}

/// A validated create.
#[derive(Debug, Clone)]
pub struct NewWorker {
    /// The ID number.
    pub resident_id: ResidentId,
    /// The rest.
    pub fields: WorkerFields,
}

/// Validated replaceable fields.
#[derive(Debug, Clone)]
pub struct WorkerFields {
    /// Trimmed name.
    pub name: String,
    /// Education.
    pub education: CoreEducation,
    /// Experience start.
    pub experience_start: Date,
    /// Region.
    pub region: RegionCode,
}

fn check_fields(
    name: &str,
    experience_start: Date,
    region_code: &str,
    education: Education,
    errors: &mut Vec<ProblemField>,
) -> Option<WorkerFields> {
    let name = name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "name.blank", "name must not be blank").into());
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(
            FieldError::new(
                "name",
                "name.too_long",
                "name must be at most 100 characters",
            )
            .into(),
        );
    } else if name.chars().any(char::is_control) {
        errors.push(
            FieldError::new(
                "name",
                "name.control_char",
                "name must not contain control characters",
            )
            .into(),
        );
    }
    if experience_start > OffsetDateTime::now_utc().date() {
        errors.push(
            FieldError::new(
                "experience_start",
                "experience_start.future",
                "experience_start must not be in the future",
            )
            .into(),
        );
    }
    let region = match RegionCode::parse(region_code) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.push(e.at("region_code").into());
            None
        }
    };
    match region {
        Some(region) if errors.is_empty() => Some(WorkerFields {
            name: name.to_owned(),
            education: education.into(),
            experience_start,
            region,
        }),
        _ => None,
    }
}

impl CreateWorker {
    /// Validates every field, reporting all broken rules at once.
    pub fn validate(&self) -> Result<NewWorker, ApiError> {
        let mut errors = Vec::new();
        let resident_id = match ResidentId::parse(&self.resident_id) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(e.at("resident_id").into());
                None
            }
        };
        let fields = check_fields(
            &self.name,
            self.experience_start,
            &self.region_code,
            self.education,
            &mut errors,
        );
        match (resident_id, fields) {
            (Some(resident_id), Some(fields)) if errors.is_empty() => Ok(NewWorker {
                resident_id,
                fields,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

impl UpdateWorker {
    /// Validates every field, reporting all broken rules at once.
    pub fn validate(&self) -> Result<WorkerFields, ApiError> {
        let mut errors = Vec::new();
        check_fields(
            &self.name,
            self.experience_start,
            &self.region_code,
            self.education,
            &mut errors,
        )
        .ok_or_else(|| ApiError::validation(errors))
    }
}

/// A worker as the caller may see it.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Worker {
    /// Worker id (UUID).
    pub id: String,
    /// Region of registration.
    pub region_code: String,
    /// Full name.
    pub name: String,
    /// Highest education.
    pub education: Education,
    /// Start of social-work experience.
    pub experience_start: Date,
    /// The resident ID with birth date and sequence hidden, e.g. `1101**********002X`.
    pub resident_id_masked: String,
    /// The resident ID in clear: only for admins of the region and the worker themself.
    #[oai(skip_serializing_if_is_none)]
    pub resident_id: Option<String>,
    /// Version, as in the ETag.
    pub version: i64,
    /// Created (UTC).
    pub created_at: OffsetDateTime,
    /// Last updated (UTC).
    pub updated_at: OffsetDateTime,
}

impl Worker {
    /// The view of `m` for `principal` (who must already be allowed to read it).
    pub fn view(
        m: worker::Model,
        principal: &Principal,
        pii: &PiiCipher,
    ) -> Result<Self, ApiError> {
        let region = RegionCode::parse(&m.region_code).map_err(ApiError::internal)?;
        let resident_id = if principal.sees_clear_resident_id(&m.id, &region) {
            Some(
                pii.open(&m.resident_id_sealed)
                    .map_err(ApiError::internal)?
                    .expose()
                    .to_owned(),
            )
        } else {
            None
        };
        let level = EducationLevel::from_code(&m.education_level)
            .ok_or_else(|| ApiError::internal("unknown education level in storage"))?;
        Ok(Self {
            id: m.id,
            region_code: m.region_code,
            name: m.name,
            education: Education {
                level,
                social_work_major: m.social_work_major,
            },
            experience_start: m.experience_start,
            resident_id_masked: m.resident_id_masked,
            resident_id,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// Storage code of an education level.
pub fn education_code(level: CoreLevel) -> &'static str {
    match level {
        CoreLevel::HighSchool => "high_school",
        CoreLevel::College => "college",
        CoreLevel::Bachelor => "bachelor",
        CoreLevel::Master => "master",
        CoreLevel::Doctorate => "doctorate",
    }
}

/// One page of workers.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct WorkerPage {
    /// The workers, oldest first.
    pub items: Vec<Worker>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}
