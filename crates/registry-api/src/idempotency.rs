//! `Idempotency-Key` for creates.
//!
//! Inside the create's write transaction: [`lookup`] the `(subject, operation, key)`; a match
//! with the same request fingerprint is a replay, answered with the first response exactly
//! (status, body, `Location`, `ETag`) even if the resource changed since; a match with another
//! fingerprint is a 422. Otherwise the handler writes, renders its response and calls
//! [`record`] with it before committing, so the key, the response and the write commit or
//! roll back together.
//!
//! The body can hold a clear resident ID, so it is stored sealed with the data key
//! ([`PiiCipher::seal_bytes`]), bound to its row by the associated data. Rows written before
//! responses were kept (migration m0016) have no body: a retry of one is [`Prior::Unkept`].

use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use crate::crypto::{PiiCipher, sha256_hex};
use crate::db::entities::idempotency_key;
use crate::db::now_utc;
use crate::problem::ApiError;

/// What an earlier request with the same key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prior {
    /// No earlier request.
    None,
    /// Same request: answer with its first response.
    Replay(StoredResponse),
    /// Same request, recorded before first responses were kept: only the id is known.
    Unkept {
        /// The created resource.
        resource_id: String,
    },
    /// The key was used for a different request.
    Mismatch,
}

/// The first response to a request, as kept for its replays. `Debug` hides the body.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The status, e.g. 201.
    pub status: u16,
    /// The JSON body, byte for byte.
    pub body: Vec<u8>,
    /// The `Location` header, if any.
    pub location: Option<String>,
    /// The `ETag` header, if any.
    pub etag: Option<String>,
}

impl std::fmt::Debug for StoredResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredResponse")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("location", &self.location)
            .field("etag", &self.etag)
            .finish()
    }
}

impl StoredResponse {
    /// Takes a rendered response apart: status, `Location`, `ETag` and the body bytes.
    pub async fn capture(resp: impl IntoResponse) -> Result<Self, ApiError> {
        let resp = resp.into_response();
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let (status, location, etag) = (
            resp.status().as_u16(),
            header(header::LOCATION),
            header(header::ETAG),
        );
        let body = resp
            .into_body()
            .into_vec()
            .await
            .map_err(ApiError::internal)?;
        Ok(Self {
            status,
            body,
            location,
            etag,
        })
    }
}

impl IntoResponse for StoredResponse {
    /// The response again: the same status, body, `Location` and `ETag`, as JSON.
    fn into_response(self) -> Response {
        let mut b = Response::builder()
            .status(StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK))
            .content_type("application/json; charset=utf-8");
        if let Some(l) = self.location {
            b = b.header(header::LOCATION, l);
        }
        if let Some(e) = self.etag {
            b = b.header(header::ETAG, e);
        }
        b.body(self.body)
    }
}

/// The fingerprint of a JSON body: SHA-256 of its canonical form (keys sorted, no spaces),
/// so a retry that reorders keys or whitespace still matches.
pub fn fingerprint(raw_body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(raw_body) {
        Ok(v) => sha256_hex(v.to_string().as_bytes()),
        Err(_) => sha256_hex(raw_body),
    }
}

/// Associated data binding a sealed body to its row.
fn aad(subject: &str, operation: &str, key: &str) -> Vec<u8> {
    let mut a = b"registry/idempotency_keys/response_body/v1".to_vec();
    for part in [subject, operation, key] {
        a.push(0);
        a.extend_from_slice(part.as_bytes());
    }
    a
}

/// Looks up an earlier request; opens its sealed response with `pii`.
pub async fn lookup<C: ConnectionTrait>(
    conn: &C,
    pii: &PiiCipher,
    subject: &str,
    operation: &str,
    key: &str,
    request_hash: &str,
) -> Result<Prior, ApiError> {
    let found = idempotency_key::Entity::find_by_id((
        subject.to_owned(),
        operation.to_owned(),
        key.to_owned(),
    ))
    .one(conn)
    .await?;
    Ok(match found {
        None => Prior::None,
        Some(m) if m.request_hash != request_hash => Prior::Mismatch,
        Some(m) => match m.response_body {
            None => Prior::Unkept {
                resource_id: m.resource_id,
            },
            Some(sealed) => Prior::Replay(StoredResponse {
                status: u16::try_from(m.status).unwrap_or(200),
                body: pii
                    .open_bytes(&aad(subject, operation, key), &sealed)
                    .map_err(ApiError::internal)?,
                location: m.response_location,
                etag: m.response_etag,
            }),
        },
    })
}

/// Records a first request and its response (body sealed with `pii`).
#[allow(clippy::too_many_arguments)]
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    pii: &PiiCipher,
    subject: &str,
    operation: &str,
    key: &str,
    request_hash: &str,
    resource_id: &str,
    response: &StoredResponse,
) -> Result<(), DbErr> {
    let sealed = pii
        .seal_bytes(&aad(subject, operation, key), &response.body)
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    idempotency_key::ActiveModel {
        subject: Set(subject.to_owned()),
        operation: Set(operation.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        resource_id: Set(resource_id.to_owned()),
        status: Set(i32::from(response.status)),
        created_at: Set(now_utc()),
        response_body: Set(Some(sealed)),
        response_location: Set(response.location.clone()),
        response_etag: Set(response.etag.clone()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stored_response_renders_the_same_response() {
        let first = Response::builder()
            .status(StatusCode::CREATED)
            .header(header::LOCATION, "/api/v1/units/u")
            .header(header::ETAG, "\"1\"")
            .content_type("application/json; charset=utf-8")
            .body(r#"{"id":"u"}"#);
        let stored = StoredResponse::capture(first).await.unwrap();
        assert_eq!(stored.status, 201);
        assert_eq!(stored.location.as_deref(), Some("/api/v1/units/u"));
        assert_eq!(stored.etag.as_deref(), Some("\"1\""));
        let again = stored.clone().into_response();
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(again.headers()[header::ETAG], "\"1\"");
        assert_eq!(again.into_body().into_vec().await.unwrap(), stored.body);
        assert!(
            !format!("{stored:?}").contains("\"id\""),
            "Debug hides the body"
        );
    }

    #[test]
    fn fingerprint_ignores_key_order_and_spacing() {
        assert_eq!(
            fingerprint(br#"{"a":1,"b":[1,2]}"#),
            fingerprint(b"{ \"b\": [1, 2], \"a\": 1 }")
        );
        assert_ne!(fingerprint(br#"{"a":1}"#), fingerprint(br#"{"a":2}"#));
    }
}
