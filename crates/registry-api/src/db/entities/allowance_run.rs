//! `allowance_runs`: one row per allowance run of a region and month. Immutable except for
//! the one sign-off (`open` → `signed_off`, triggers); `version` is the ETag.

use sea_orm::entity::prelude::*;

/// A stored run.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "allowance_runs")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The region run (six digits; its contained regions are included).
    pub region_code: String,
    /// Payroll month, `YYYY-MM`.
    pub month: String,
    /// `open` or `signed_off`.
    pub status: String,
    /// Bumped by the sign-off; the ETag.
    pub version: i64,
    /// The previous run of the same region and month, if any.
    pub previous_run_id: Option<String>,
    /// JSON list of the policy versions used: `[{"policy_id":..,"version":..}]`.
    pub policies: String,
    /// JSON totals by level and by unit (see `allowance_runs::api`).
    pub totals: String,
    /// Workers decided.
    pub workers: i64,
    /// Workers owed the allowance.
    pub eligible: i64,
    /// Total owed, in fen.
    pub amount_fen: i64,
    /// Workers whose line changed from the previous run.
    pub changes: i64,
    /// Creation time, UTC.
    pub created_at: TimeDateTimeWithTimeZone,
    /// Subject of the admin who ran it.
    pub created_by: String,
    /// Sign-off time, UTC.
    pub signed_off_at: Option<TimeDateTimeWithTimeZone>,
    /// Subject of the admin who signed it off.
    pub signed_off_by: Option<String>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
