//! `units`: organisation units (street centres, communities, agencies, …) that set posts.
//! `version` guards updates (optimistic concurrency).

use sea_orm::entity::prelude::*;

/// A stored organisation unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Six-digit region code of the unit.
    pub region_code: String,
    /// Name, trimmed.
    pub name: String,
    /// `registry_core::post::UnitType` code, e.g. `urban_community`.
    pub unit_type: String,
    /// Unified social credit code (GB 32100), upper-case, if recorded.
    pub credit_code: Option<String>,
    /// Incremented by every update; the ETag.
    pub version: i64,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Last update time, UTC.
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// Posts will point here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
