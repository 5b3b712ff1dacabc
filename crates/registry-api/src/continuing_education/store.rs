//! Queries on `continuing_education`. Functions take any connection (pool or transaction).

use registry_core::registration::ContinuingEducation;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::api::{CeKind, hours_to_tenths};
use crate::db::entities::continuing_education as ce;
use crate::db::now_utc;

/// Inserts a record of `worker_id`.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    worker_id: &str,
    r: &ContinuingEducation,
) -> Result<ce::Model, DbErr> {
    let tenths = hours_to_tenths(r.hours())
        .ok_or_else(|| DbErr::Custom("hours out of range after validation".into()))?;
    ce::ActiveModel {
        id: Set(id),
        worker_id: Set(worker_id.to_owned()),
        completed_on: Set(r.completed_on()),
        hours_tenths: Set(tenths),
        kind: Set(CeKind::from(r.kind()).code().to_owned()),
        created_at: Set(now_utc()),
    }
    .insert(conn)
    .await
}

/// One page of a worker's records in id order after `after`, `limit + 1` rows.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    worker_id: &str,
    kind: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<ce::Model>, DbErr> {
    let mut q = ce::Entity::find().filter(ce::Column::WorkerId.eq(worker_id));
    if let Some(kind) = kind {
        q = q.filter(ce::Column::Kind.eq(kind));
    }
    if let Some(after) = after {
        q = q.filter(ce::Column::Id.gt(after));
    }
    q.order_by_asc(ce::Column::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}
