//! Request and response bodies of the credentials resource, and their validation.

use poem_openapi::{Enum, Object};
use registry_core::RuleViolation;
use registry_core::credential::{
    Credential as CoreCredential, CredentialInput, CredentialStatus as CoreStatus,
    Scheme as CoreScheme,
};
use registry_core::ids::{CertificateNumber, RegionCode};
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::db::entities::credential;
use crate::mirror::Level;
use crate::mirror_enum;
use crate::problem::{ApiError, ProblemField};

/// How a credential was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// 全国社会工作者职业水平考试.
    NationalExam,
    /// A local scheme (e.g. Chengdu's 社工员 exam).
    LocalRecognition,
    /// Carried over from an earlier scheme.
    Legacy,
}

mirror_enum!(Scheme, CoreScheme, [NationalExam, LocalRecognition, Legacy]);

/// A credential's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    /// In force.
    Valid,
    /// Temporarily not in force (暂停).
    Suspended,
    /// Withdrawn for good (撤销); a revoked credential cannot be restored.
    Revoked,
}

mirror_enum!(CredentialStatus, CoreStatus, [Valid, Suspended, Revoked]);

impl CredentialStatus {
    /// Storage code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Suspended => "suspended",
            Self::Revoked => "revoked",
        }
    }

    /// Parses a storage code.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Valid, Self::Suspended, Self::Revoked]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// Storage code of a scheme.
pub fn scheme_code(s: CoreScheme) -> &'static str {
    match s {
        CoreScheme::NationalExam => "national_exam",
        CoreScheme::LocalRecognition => "local_recognition",
        CoreScheme::Legacy => "legacy",
    }
}

/// Body of `POST /api/v1/workers/{worker_id}/credentials` and `PUT /api/v1/credentials/{id}`
/// (the full replaceable state).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CredentialBody {
    /// How it was obtained.
    pub scheme: Scheme,
    /// Ladder level.
    pub level: Level,
    /// Certificate management number (证书管理号), 1 to 64 characters without spaces;
    /// unique across the registry (a duplicate is a 409).
    #[oai(validator(min_length = 1, max_length = 64))]
    pub certificate_number: String,
    /// Issuing authority, 1 to 100 characters.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub issuing_authority: String,
    /// Year of the exam passed, if any; not after the issue year.
    #[oai(validator(minimum(value = "1900"), maximum(value = "9999")))]
    #[serde(default)]
    pub exam_year: Option<i32>,
    /// Issue date (`YYYY-MM-DD`).
    #[serde(with = "crate::dates")]
    pub issue_date: Date,
    /// Six-digit region the credential is restricted to; absent = valid everywhere.
    #[oai(validator(pattern = r"^[0-9]{6}$"))]
    #[serde(default)]
    pub valid_region: Option<String>,
    /// Current status; `valid` when absent. A revoked credential stays revoked.
    #[serde(default)]
    pub status: Option<CredentialStatus>,
}

/// A validated credential body.
#[derive(Debug, Clone)]
pub struct CredentialFields {
    /// The checked credential (ids are the store's).
    pub credential: CoreCredential,
    /// Its current status.
    pub status: CredentialStatus,
}

impl CredentialBody {
    /// Validates every field, reporting all broken rules at once.
    pub fn validate(&self) -> Result<CredentialFields, ApiError> {
        let mut errors: Vec<ProblemField> = Vec::new();
        let number = CertificateNumber::parse(&self.certificate_number)
            .map_err(|e| errors.push(e.at("certificate_number").into()))
            .ok();
        let valid_region = match self.valid_region.as_deref().map(RegionCode::parse) {
            None => None,
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => {
                errors.push(e.at("valid_region").into());
                None
            }
        };
        let placeholder = || CertificateNumber::parse("-").map_err(ApiError::internal);
        let input = CredentialInput {
            id: 0,
            worker_id: 0,
            scheme: self.scheme.into(),
            level: self.level.into(),
            certificate_number: match number {
                Some(n) => n,
                None => placeholder()?,
            },
            issuing_authority: self.issuing_authority.clone(),
            exam_year: self.exam_year,
            issue_date: self.issue_date,
            valid_region,
            status_changes: Vec::new(),
        };
        let credential = CoreCredential::new(input)
            .map_err(|e| errors.push(e.into()))
            .ok();
        match credential {
            Some(credential) if errors.is_empty() => Ok(CredentialFields {
                credential,
                status: self.status.unwrap_or(CredentialStatus::Valid),
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// A credential.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Credential {
    /// Credential id (UUID).
    pub id: String,
    /// The holder.
    pub worker_id: String,
    /// How it was obtained.
    pub scheme: Scheme,
    /// Ladder level.
    pub level: Level,
    /// Certificate management number.
    pub certificate_number: String,
    /// Issuing authority.
    pub issuing_authority: String,
    /// Year of the exam passed, if any.
    #[oai(skip_serializing_if_is_none)]
    pub exam_year: Option<i32>,
    /// Issue date.
    pub issue_date: Date,
    /// Region the credential is restricted to, if any.
    #[oai(skip_serializing_if_is_none)]
    pub valid_region: Option<String>,
    /// Current status.
    pub status: CredentialStatus,
    /// Version, as in the ETag.
    pub version: i64,
    /// Created (UTC).
    pub created_at: OffsetDateTime,
    /// Last updated (UTC).
    pub updated_at: OffsetDateTime,
}

impl Credential {
    /// The response for a stored row.
    pub fn view(m: credential::Model) -> Result<Self, ApiError> {
        let scheme = [
            CoreScheme::NationalExam,
            CoreScheme::LocalRecognition,
            CoreScheme::Legacy,
        ]
        .into_iter()
        .find(|s| scheme_code(*s) == m.scheme)
        .ok_or_else(|| ApiError::internal("unknown scheme in storage"))?;
        let level = registry_core::level::Level::parse(&m.level).map_err(ApiError::internal)?;
        let status = CredentialStatus::from_code(&m.status)
            .ok_or_else(|| ApiError::internal("unknown credential status in storage"))?;
        Ok(Self {
            id: m.id,
            worker_id: m.worker_id,
            scheme: scheme.into(),
            level: level.into(),
            certificate_number: m.certificate_number,
            issuing_authority: m.issuing_authority,
            exam_year: m.exam_year,
            issue_date: m.issue_date,
            valid_region: m.valid_region,
            status,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// One page of credentials.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct CredentialPage {
    /// The credentials, oldest first.
    pub items: Vec<Credential>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}
