//! [`VerificationsApi`]: `POST /api/v1/verifications`, without login.

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::RuleViolation;
use registry_core::ids::{CertificateNumber, RegionCode};

use super::api::{VerificationRequest, VerificationResult, in_force};
use super::store;
use crate::audit::{self, PublicEvent};
use crate::crypto::sha256_hex;
use crate::db::{begin_write, now_utc};
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{ApiError, ErrorSet, Errors};
use crate::rate_limit::PublicClient;
use crate::routes::Tags;
use crate::state::AppState;

/// Errors of a public verification (no 401/403/404: anyone may ask, and a miss is an answer).
#[derive(Debug)]
pub struct VerifyErrors;

impl ErrorSet for VerifyErrors {
    const STATUSES: &'static [u16] = &[400, 405, 406, 413, 415, 422, 429, 500, 503];
}

/// The answer.
#[derive(ApiResponse)]
pub enum Verified {
    /// Valid or not; level and region only when valid.
    #[oai(status = 200)]
    Ok(Json<VerificationResult>),
}

fn same_name(stored: &str, given: &str) -> bool {
    // Compare digests so the comparison takes the same time wherever the names differ.
    let (a, b) = (
        sha256_hex(stored.trim().as_bytes()),
        sha256_hex(given.trim().as_bytes()),
    );
    a.bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Public certificate verification.
pub struct VerificationsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Verifications")]
impl VerificationsApi {
    /// Verify a certificate
    ///
    /// No login. Given the certificate number and the holder's name as printed, answers
    /// whether the certificate is valid today and, only if so, its level and region of
    /// validity. An unknown number and a wrong name give the same `{"valid": false}`.
    /// Rate limited per client IP (429 with `Retry-After`); every call is recorded in the
    /// audit log as `public`, without the number or the name.
    #[oai(
        path = "/verifications",
        method = "post",
        operation_id = "verify_credential"
    )]
    async fn verify_credential(
        &self,
        _client: PublicClient,
        state: Data<&AppState>,
        request_id: RequestId,
        body: JsonBody<VerificationRequest>,
    ) -> Result<Verified, Errors<VerifyErrors>> {
        let input = &body.value;
        let number = CertificateNumber::parse(&input.certificate_number)
            .map_err(|e| ApiError::from(e.at("certificate_number")))?;
        let found = store::find_by_number(&state.db, number.as_str())
            .await
            .map_err(ApiError::from)?;
        let (credential, holder) = match found {
            Some((c, Some(w))) => (Some(c), Some(w)),
            _ => (None, None),
        };
        let name_matches = same_name(holder.as_ref().map_or("", |w| w.name.as_str()), &input.name)
            && holder.is_some();
        let today = now_utc().date();
        let result = match (&credential, name_matches) {
            (Some(c), true) => match in_force(c, today)? {
                Some(view) => VerificationResult {
                    valid: true,
                    level: Some(view.level),
                    region_of_validity: Some(
                        view.valid_region
                            .unwrap_or_else(|| RegionCode::NATIONAL.as_str().to_owned()),
                    ),
                },
                None => VerificationResult::not_valid(),
            },
            _ => VerificationResult::not_valid(),
        };
        let txn = begin_write(&state.db).await.map_err(ApiError::from)?;
        audit::append_public(
            &txn,
            PublicEvent {
                action: "verify_credential",
                resource: "credential",
                resource_id: credential.as_ref().map_or("", |c| c.id.as_str()),
                request_id: request_id.as_str(),
                worker_id: credential.as_ref().map(|c| c.worker_id.as_str()),
            },
        )
        .await
        .map_err(ApiError::from)?;
        txn.commit().await.map_err(ApiError::from)?;
        Ok(Verified::Ok(Json(result)))
    }
}
