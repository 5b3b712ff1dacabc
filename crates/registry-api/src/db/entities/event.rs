//! `events`: the change feed, one row per eligibility-relevant write, numbered in commit
//! order (see `crate::events`). Append-only: triggers refuse UPDATE and DELETE on both
//! backends. Rows name resources by id only: no names, ID numbers or record contents.

use sea_orm::entity::prelude::*;

/// One change-feed event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// Position in the feed, from 1, gap-free, in commit order.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// Event kind code, e.g. `credential.updated` (see `crate::events::api::EventKind`).
    pub kind: String,
    /// Resource type, e.g. `credential`.
    pub resource: String,
    /// Id of the resource that changed (`<policy_id>/versions/<version>` for a policy).
    pub resource_id: String,
    /// The worker whose facts changed, if the resource belongs to one.
    pub worker_id: Option<String>,
    /// Region of the change: the worker's (after the change) or the resource's own.
    pub region_code: String,
    /// The region before the change, when the write moved the worker to another region.
    pub previous_region_code: Option<String>,
    /// When the write happened, UTC.
    pub occurred_at: TimeDateTimeWithTimeZone,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
