//! `registrations`: registrations (登记) of a credential, an append-only record.
//! `worker_id` is copied from the credential (which never changes holder) so a
//! registration is scoped through its worker with one join.

use sea_orm::entity::prelude::*;

/// A stored registration.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registrations")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The credential registered (`credentials.id`).
    pub credential_id: String,
    /// The credential's holder (`workers.id`).
    pub worker_id: String,
    /// `first` or `renewal`.
    pub kind: String,
    /// Day the registration was completed.
    pub registered_on: TimeDate,
    /// Last day it is in force (computed by the core rules).
    pub valid_until: TimeDate,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
}

/// A registration belongs to a worker (through its credential).
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
