//! `appraisals`: annual appraisals (年度考评), append-only (triggers refuse UPDATE and DELETE).
//! A correction is a new row whose `corrects_id` names the appraisal it replaces. Scoped
//! through the worker. Maps to `registry_core::appraisal::Appraisal` (core numbers the rows
//! it is given; order them by `recorded_at`, then `id`).

use sea_orm::entity::prelude::*;

/// A stored appraisal.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appraisals")]
pub struct Model {
    /// UUIDv7 text.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The worker appraised (`workers.id`).
    pub worker_id: String,
    /// The appraising unit (`units.id`), whose 优秀 cap the appraisal counts in.
    pub unit_id: String,
    /// The year appraised.
    pub year: i32,
    /// `registry_core::appraisal::Grade` code: `fail`, `basic_pass`, `pass`, `excellent`.
    pub grade: String,
    /// 职业操守 score, 0-100.
    pub score_ethics: Option<i16>,
    /// 服务绩效 score, 0-100.
    pub score_performance: Option<i16>,
    /// 群众满意度, percent.
    pub score_satisfaction: Option<i16>,
    /// The day the result was recorded (core's `recorded_on`).
    pub recorded_on: TimeDate,
    /// The appraisal this one corrects (replaces), if any (`appraisals.id`).
    pub corrects_id: Option<String>,
    /// When the row was written, UTC.
    pub recorded_at: TimeDateTimeWithTimeZone,
}

/// An appraisal belongs to a worker and a unit.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The worker appraised.
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
