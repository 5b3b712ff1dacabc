//! `continuing_education`: a worker's continuing-education records (继续教育), append-only.
//! Hours are stored exactly as integer tenths of an hour (`hours_tenths`), never a float.

use sea_orm::entity::prelude::*;

/// A stored continuing-education record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "continuing_education")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The worker (`workers.id`).
    pub worker_id: String,
    /// Day completed.
    pub completed_on: TimeDate,
    /// Hours × 10 (one decimal at most), 1 to 10000.
    pub hours_tenths: i32,
    /// `course` or `social_work_degree`.
    pub kind: String,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
}

/// A record belongs to a worker.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The worker.
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
