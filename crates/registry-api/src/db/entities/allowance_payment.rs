//! `allowance_payments`: one-off allowances paid to a worker, append-only (triggers), so a
//! one-off policy pays the difference on upgrade exactly once. Money is integer fen.

use sea_orm::entity::prelude::*;

/// A stored payment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allowance_payments")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The worker paid (`workers.id`).
    pub worker_id: String,
    /// Family id of the policy it was paid under.
    pub policy_id: String,
    /// Level code paid for (`aide`, `assistant`, `intermediate`, `senior`).
    pub level: String,
    /// Month paid, `YYYY-MM`.
    pub month: String,
    /// Amount in fen.
    pub amount_fen: i64,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Subject of the admin who recorded it.
    pub created_by: String,
}

/// A payment belongs to a worker.
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
