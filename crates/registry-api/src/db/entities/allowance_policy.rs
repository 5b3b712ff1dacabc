//! `allowance_policies`: every version of every allowance policy. `definition` is the core
//! `PolicyInput` JSON as accepted; the other columns repeat what lists filter on.

use sea_orm::entity::prelude::*;

/// A stored policy version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allowance_policies")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Family id shared by the versions, e.g. `cd-community-allowance`.
    pub policy_id: String,
    /// Version number, from 1; unique with `policy_id`.
    pub version: i32,
    /// Six-digit region the policy applies to (and every region inside it).
    pub region_code: String,
    /// First month in force, `YYYY-MM`.
    pub effective_from: String,
    /// Last month in force, `YYYY-MM`; `None` while open-ended.
    pub effective_until: Option<String>,
    /// The core `PolicyInput` as JSON.
    pub definition: String,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Subject of the admin who created it.
    pub created_by: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
