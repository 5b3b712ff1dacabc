//! `api_keys`: credentials of systems. Only the SHA-256 of the key is stored.

use sea_orm::entity::prelude::*;

/// A stored API key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    /// UUIDv7 text; the subject of requests made with this key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Label for people.
    pub name: String,
    /// The first characters of the key, to recognise it in listings.
    pub prefix: String,
    /// SHA-256 of the whole key, hex; unique.
    #[sea_orm(unique)]
    pub key_hash: String,
    /// `admin` or `hr`.
    pub role: String,
    /// Region the key is scoped to.
    pub region_code: String,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Revocation time, if revoked.
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
