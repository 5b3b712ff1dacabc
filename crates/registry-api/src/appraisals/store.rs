//! Queries on `appraisals`. Functions take any connection (pool or transaction).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::api::NewAppraisal;
use crate::db::entities::{appraisal, unit};
use crate::db::now_utc;

/// Fetches one appraisal.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<Option<appraisal::Model>, DbErr> {
    appraisal::Entity::find_by_id(id.to_owned()).one(conn).await
}

/// Fetches one unit.
pub async fn find_unit<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<Option<unit::Model>, DbErr> {
    unit::Entity::find_by_id(id.to_owned()).one(conn).await
}

/// Every appraisal of `worker_id`, in `(recorded_at, id)` order.
pub async fn of_worker<C: ConnectionTrait>(
    conn: &C,
    worker_id: &str,
) -> Result<Vec<appraisal::Model>, DbErr> {
    let mut rows = appraisal::Entity::find()
        .filter(appraisal::Column::WorkerId.eq(worker_id))
        .order_by_asc(appraisal::Column::RecordedAt)
        .order_by_asc(appraisal::Column::Id)
        .all(conn)
        .await?;
    crate::db::recorded_order::sort(&mut rows);
    Ok(rows)
}

/// Every appraisal of `year` of the workers appraised in `unit_id` that year, and of
/// `worker_id`: all that decides which appraisals count in the unit's 优秀 cap (a correction
/// may move an appraisal to another unit). `(recorded_at, id)` order.
pub async fn for_cap<C: ConnectionTrait>(
    conn: &C,
    unit_id: &str,
    year: i32,
    worker_id: &str,
) -> Result<Vec<appraisal::Model>, DbErr> {
    let mut workers: Vec<String> = appraisal::Entity::find()
        .select_only()
        .column(appraisal::Column::WorkerId)
        .filter(appraisal::Column::UnitId.eq(unit_id))
        .filter(appraisal::Column::Year.eq(year))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    workers.push(worker_id.to_owned());
    let mut rows = appraisal::Entity::find()
        .filter(appraisal::Column::Year.eq(year))
        .filter(appraisal::Column::WorkerId.is_in(workers))
        .order_by_asc(appraisal::Column::RecordedAt)
        .order_by_asc(appraisal::Column::Id)
        .all(conn)
        .await?;
    crate::db::recorded_order::sort(&mut rows);
    Ok(rows)
}

/// Inserts a checked appraisal.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    a: &NewAppraisal,
) -> Result<appraisal::Model, DbErr> {
    let scores = a.appraisal.scores();
    let score = |s: Option<registry_core::appraisal::Score>| s.map(|s| i16::from(s.value()));
    appraisal::ActiveModel {
        id: Set(id),
        worker_id: Set(a.worker_id.clone()),
        unit_id: Set(a.unit_id.clone()),
        year: Set(a.appraisal.year()),
        grade: Set(a.appraisal.grade().code().to_owned()),
        score_ethics: Set(score(scores.ethics)),
        score_performance: Set(score(scores.performance)),
        score_satisfaction: Set(score(scores.satisfaction)),
        recorded_on: Set(a.appraisal.recorded_on()),
        corrects_id: Set(a.corrects_id.clone()),
        recorded_at: Set(now_utc()),
    }
    .insert(conn)
    .await
}

/// Serialises writers of one record (`key`, e.g. `appraisal-cap:<unit>:<year>`) until the
/// transaction ends: a PostgreSQL advisory lock; SQLite's `BEGIN IMMEDIATE` already
/// serialises every write.
pub async fn serialize_on<C: ConnectionTrait>(conn: &C, key: &str) -> Result<(), DbErr> {
    use sea_orm::{DbBackend, Statement};
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [key.into()],
        ))
        .await?;
    }
    Ok(())
}
