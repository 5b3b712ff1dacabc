//! `credentials`: a worker's certificates. Scoped through the worker (the worker's region
//! can change, so it is not copied here); `certificate_number` is unique; `version` guards
//! updates.

use sea_orm::entity::prelude::*;

/// A stored credential.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credentials")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The holder (`workers.id`).
    pub worker_id: String,
    /// `national_exam`, `local_recognition` or `legacy`.
    pub scheme: String,
    /// Level code (`aide`, `assistant`, `intermediate`, `senior`).
    pub level: String,
    /// Certificate management number; unique.
    #[sea_orm(unique)]
    pub certificate_number: String,
    /// Issuing authority, trimmed.
    pub issuing_authority: String,
    /// Year of the exam passed, if any.
    pub exam_year: Option<i32>,
    /// Issue date.
    pub issue_date: TimeDate,
    /// Region the credential is restricted to, if any.
    pub valid_region: Option<String>,
    /// Current status: `valid`, `suspended` or `revoked`.
    pub status: String,
    /// Incremented by every update; the ETag.
    pub version: i64,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Last update time, UTC.
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// A credential belongs to a worker.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The holder.
    #[sea_orm(
        belongs_to = "super::worker::Entity",
        from = "Column::WorkerId",
        to = "super::worker::Column::Id"
    )]
    Worker,
}

impl Related<super::worker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Worker.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
