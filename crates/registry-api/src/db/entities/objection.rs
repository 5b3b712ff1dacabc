//! `objections`: a worker's objection (异议) against an entry of their own credit record.
//! Filing also appends an `objection_filed` credit entry (`objection_entry_id`); the decision
//! moves `status` once from `pending` to `upheld` or `rejected` and appends the outcome entry
//! (`outcome_entry_id`). Triggers refuse any other UPDATE and every DELETE. `version` is the ETag.

use sea_orm::entity::prelude::*;

/// A stored objection.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "objections")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The worker who filed it (`workers.id`).
    pub worker_id: String,
    /// The disputed credit entry (`credit_entries.id`).
    pub credit_entry_id: String,
    /// The `objection_filed` credit entry recorded with it.
    pub objection_entry_id: String,
    /// The worker's statement.
    pub statement: String,
    /// `pending`, `upheld` or `rejected`.
    pub status: String,
    /// The admin's reason, once decided.
    pub decision_reason: Option<String>,
    /// The `objection_upheld` / `objection_rejected` credit entry, once decided.
    pub outcome_entry_id: Option<String>,
    /// Filing time, UTC.
    pub filed_at: TimeDateTimeWithTimeZone,
    /// Decision time, UTC.
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
    /// 1 when filed, 2 once decided; the ETag.
    pub version: i64,
}

/// An objection belongs to a worker.
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
