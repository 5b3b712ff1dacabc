//! Request and response of `POST /api/v1/verifications`, and the validity rule applied.

use poem_openapi::Object;
use registry_core::credential::{CredentialInput, CredentialStatus as CoreStatus, StatusChange};
use registry_core::ids::CertificateNumber;
use serde::Deserialize;
use time::Date;

use crate::credentials::api::Credential;
use crate::db::entities::credential;
use crate::mirror::Level;
use crate::problem::ApiError;

/// What a member of the public presents.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct VerificationRequest {
    /// Certificate management number (证书管理号) as printed on the certificate.
    #[oai(validator(min_length = 1, max_length = 64))]
    pub certificate_number: String,
    /// The holder's full name as printed on the certificate.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
}

/// The answer: valid or not, and for a valid certificate its level and region.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename_all = "snake_case")]
pub struct VerificationResult {
    /// Whether a certificate with this number is held by a person of this name and is in
    /// force today. `false` also when the number is unknown or the name does not match.
    pub valid: bool,
    /// The certificate's level; only when valid.
    #[oai(skip_serializing_if_is_none)]
    pub level: Option<Level>,
    /// The region the certificate is valid in (`000000`: the whole country); only when valid.
    #[oai(skip_serializing_if_is_none)]
    pub region_of_validity: Option<String>,
}

impl VerificationResult {
    /// The answer for anything that is not a valid match.
    pub fn not_valid() -> Self {
        Self {
            valid: false,
            level: None,
            region_of_validity: None,
        }
    }
}

/// Whether the stored credential is in force on `today`, by the core rule: its current
/// status applies from the issue date.
pub fn in_force(m: &credential::Model, today: Date) -> Result<Option<Credential>, ApiError> {
    let view = Credential::view(m.clone())?;
    let status: CoreStatus = view.status.into();
    let input = CredentialInput {
        id: 0,
        worker_id: 0,
        scheme: view.scheme.into(),
        level: view.level.into(),
        certificate_number: CertificateNumber::parse(&view.certificate_number)
            .map_err(ApiError::internal)?,
        issuing_authority: view.issuing_authority.clone(),
        exam_year: view.exam_year,
        issue_date: view.issue_date,
        valid_region: view
            .valid_region
            .as_deref()
            .map(registry_core::ids::RegionCode::parse)
            .transpose()
            .map_err(ApiError::internal)?,
        status_changes: if status == CoreStatus::Valid {
            Vec::new()
        } else {
            vec![StatusChange {
                status,
                effective: view.issue_date,
            }]
        },
    };
    let core = registry_core::credential::Credential::new(input).map_err(ApiError::internal)?;
    Ok(core.is_valid_on(today).then_some(view))
}
