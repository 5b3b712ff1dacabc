//! `credit_entries`: credit records (信用记录) of workers and organisations, append-only
//! (triggers refuse UPDATE and DELETE). Maps to `registry_core::credit::CreditEntry`: the
//! kind-specific fields (`fine_amount_fen`, `abnormal_cause`, `serious_cause`, `list_kind`)
//! are set only for their kind; `points_to_id` names the entry a removal, repair, objection,
//! outcome or annulment concerns. A subject's record is its rows in `recorded_at`, then `id`
//! order (the order core's `CreditRecord` appends them).

use sea_orm::entity::prelude::*;

/// A stored credit entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "credit_entries")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `worker` or `organisation`.
    pub subject_kind: String,
    /// The worker (`workers.id`) when `subject_kind = worker`.
    pub worker_id: Option<String>,
    /// The organisation's unified social credit code (GB 32100, upper-case) when
    /// `subject_kind = organisation`.
    pub organisation_credit_code: Option<String>,
    /// Six-digit region code: the organisation's region (its scope), or the worker's region
    /// when recorded (workers are scoped through `workers.region_code`).
    pub region_code: String,
    /// `registry_core::credit::CreditEntryKind` code, e.g. `warning`, `abnormal_listing`,
    /// `removal`, `objection_filed`, `objection_upheld`.
    pub kind: String,
    /// `fine`: the amount in fen.
    pub fine_amount_fen: Option<i64>,
    /// `abnormal_listing`: the cause, in words.
    pub abnormal_cause: Option<String>,
    /// `serious_listing`: `registry_core::credit::SeriousCause` code.
    pub serious_cause: Option<String>,
    /// `removal` / `repair`: the list lifted (`abnormal` or `serious`).
    pub list_kind: Option<String>,
    /// The entry this one concerns (`credit_entries.id`), if any.
    pub points_to_id: Option<String>,
    /// The day it takes effect.
    pub effective_on: TimeDate,
    /// The legal basis (法律依据); empty when none.
    pub legal_basis: String,
    /// Evidence document numbers (文号), a JSON array of strings.
    pub evidence_refs: String,
    /// A free note.
    pub note: Option<String>,
    /// When the row was written, UTC (core's `recorded_at` is its date).
    pub recorded_at: TimeDateTimeWithTimeZone,
}

/// A worker's entry belongs to the worker.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The worker, for worker entries.
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
