//! `Idempotency-Key` for creates.
//!
//! Inside the create's write transaction: [`lookup`] the `(subject, operation, key)`; a match
//! with the same request fingerprint is a replay (the handler answers with the resource the
//! first request created, same status and headers); a match with another fingerprint is a 422.
//! Otherwise the handler writes and calls [`record`] before committing, so the key and the
//! write commit or roll back together.
//!
//! Only the resource id and status are kept, not the response body: the body can hold a
//! clear resident ID, which is never stored outside its sealed column. A replay therefore
//! shows the resource as it is now.

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Set};

use crate::crypto::sha256_hex;
use crate::db::entities::idempotency_key;
use crate::db::now_utc;

/// What an earlier request with the same key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prior {
    /// No earlier request.
    None,
    /// Same request: answer with this resource and status.
    Replay {
        /// The created resource.
        resource_id: String,
        /// The first response's status.
        status: u16,
    },
    /// The key was used for a different request.
    Mismatch,
}

/// The fingerprint of a JSON body: SHA-256 of its canonical form (keys sorted, no spaces),
/// so a retry that reorders keys or whitespace still matches.
pub fn fingerprint(raw_body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(raw_body) {
        Ok(v) => sha256_hex(v.to_string().as_bytes()),
        Err(_) => sha256_hex(raw_body),
    }
}

/// Looks up an earlier request.
pub async fn lookup<C: ConnectionTrait>(
    conn: &C,
    subject: &str,
    operation: &str,
    key: &str,
    request_hash: &str,
) -> Result<Prior, DbErr> {
    let found = idempotency_key::Entity::find_by_id((
        subject.to_owned(),
        operation.to_owned(),
        key.to_owned(),
    ))
    .one(conn)
    .await?;
    Ok(match found {
        None => Prior::None,
        Some(m) if m.request_hash == request_hash => Prior::Replay {
            resource_id: m.resource_id,
            status: u16::try_from(m.status).unwrap_or(200),
        },
        Some(_) => Prior::Mismatch,
    })
}

/// Records the outcome of a first request.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    subject: &str,
    operation: &str,
    key: &str,
    request_hash: &str,
    resource_id: &str,
    status: u16,
) -> Result<(), DbErr> {
    idempotency_key::ActiveModel {
        subject: Set(subject.to_owned()),
        operation: Set(operation.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        resource_id: Set(resource_id.to_owned()),
        status: Set(i32::from(status)),
        created_at: Set(now_utc()),
    }
    .insert(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_key_order_and_spacing() {
        assert_eq!(
            fingerprint(br#"{"a":1,"b":[1,2]}"#),
            fingerprint(b"{ \"b\": [1, 2], \"a\": 1 }")
        );
        assert_ne!(fingerprint(br#"{"a":1}"#), fingerprint(br#"{"a":2}"#));
    }
}
