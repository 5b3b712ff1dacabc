//! `assignments`: a worker on a post for a period, full-time or part-time.
//! `region_code` is the post's (copied at creation; a post never changes unit), the worker's
//! region is read through the join; `version` guards updates (the end date).

use sea_orm::entity::prelude::*;

/// A stored assignment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assignments")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The worker (`workers.id`).
    pub worker_id: String,
    /// The post (`posts.id`).
    pub post_id: String,
    /// The post's region code.
    pub region_code: String,
    /// First day (inclusive).
    pub start: TimeDate,
    /// Last day (inclusive); `None` while open.
    pub end: Option<TimeDate>,
    /// `full_time` or `part_time`.
    pub basis: String,
    /// Incremented by every update; the ETag.
    pub version: i64,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Last update time, UTC.
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// An assignment belongs to a worker and a post.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The worker.
    #[sea_orm(
        belongs_to = "super::worker::Entity",
        from = "Column::WorkerId",
        to = "super::worker::Column::Id"
    )]
    Worker,
    /// The post.
    #[sea_orm(
        belongs_to = "super::post::Entity",
        from = "Column::PostId",
        to = "super::post::Column::Id"
    )]
    Post,
}

impl Related<super::worker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Worker.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
