//! `allowance_run_changes`: a worker whose line changed from the previous run (append-only).

use sea_orm::entity::prelude::*;

/// A stored change.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allowance_run_changes")]
pub struct Model {
    /// The (later) run.
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: String,
    /// The worker.
    #[sea_orm(primary_key, auto_increment = false)]
    pub worker_id: String,
    /// `gained`, `lost` or `amount_changed`.
    pub kind: String,
    /// Amount in the previous run (fen), if the worker was in it.
    pub before_amount_fen: Option<i64>,
    /// Amount in this run (fen), if the worker is in it.
    pub after_amount_fen: Option<i64>,
    /// JSON reason codes in the previous run.
    pub before_reasons: Option<String>,
    /// JSON reason codes in this run.
    pub after_reasons: Option<String>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
