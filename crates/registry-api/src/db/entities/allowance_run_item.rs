//! `allowance_run_items`: one worker's decision in a run (append-only). Money is integer fen.

use sea_orm::entity::prelude::*;

/// A stored run line.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allowance_run_items")]
pub struct Model {
    /// The run.
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: String,
    /// The worker decided.
    #[sea_orm(primary_key, auto_increment = false)]
    pub worker_id: String,
    /// Whether the allowance is owed.
    pub eligible: bool,
    /// Amount owed, in fen.
    pub amount_fen: i64,
    /// Level code the decision is based on.
    pub level: Option<String>,
    /// Policy family used.
    pub policy_id: Option<String>,
    /// Policy version used.
    pub policy_version: Option<i32>,
    /// The unit the decision rests on.
    pub unit_id: Option<String>,
    /// JSON list of reason codes.
    pub reasons: String,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
