//! `workers`: one row per social worker. The resident ID is stored sealed
//! (`resident_id_sealed`), looked up by `resident_id_hash` (unique) and displayed from
//! `resident_id_masked`; `version` guards updates (optimistic concurrency).

use sea_orm::entity::prelude::*;

/// A stored worker.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workers")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Six-digit region code of the worker's registration.
    pub region_code: String,
    /// Full name.
    pub name: String,
    /// ChaCha20-Poly1305 sealed resident ID (see `crypto`).
    pub resident_id_sealed: Vec<u8>,
    /// HMAC-SHA256 lookup hash, hex; unique.
    #[sea_orm(unique)]
    pub resident_id_hash: String,
    /// Masked form shown to everyone not entitled to the clear number.
    pub resident_id_masked: String,
    /// `high_school`, `college`, `bachelor`, `master` or `doctorate`.
    pub education_level: String,
    /// Whether the degree is in social work.
    pub social_work_major: bool,
    /// Start of social-work experience.
    pub experience_start: TimeDate,
    /// Incremented by every update; the ETag.
    pub version: i64,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Last update time, UTC.
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// No relations yet; credentials and assignments will point here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
