//! `idempotency_keys`: the first response to each `(subject, operation, key)`, stored in the
//! same transaction as the write it answers.

use sea_orm::entity::prelude::*;

/// A stored idempotent response.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// The caller (principal subject).
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    /// The operation id, e.g. `create_worker`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub operation: String,
    /// The client's `Idempotency-Key`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 of the canonical request body, hex.
    pub request_hash: String,
    /// Id of the resource the first request created.
    pub resource_id: String,
    /// HTTP status of the first response.
    pub status: i32,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Body of the first response, sealed (`PiiCipher::seal_bytes`); `None` on rows written
    /// before responses were kept.
    pub response_body: Option<Vec<u8>>,
    /// `Location` of the first response, if it had one.
    pub response_location: Option<String>,
    /// `ETag` of the first response, if it had one.
    pub response_etag: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
