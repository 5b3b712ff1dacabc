//! The set-oriented facts loader: a whole region's workers, a chunk at a time.
//!
//! [`next_workers`] pages through the region's workers in id order (keyset, `limit` rows);
//! [`load_chunk`] loads every record of one chunk with one query per table (credentials,
//! registrations, assignments, posts, units, payments, appraisals, credit entries, each
//! ordered by worker and then in the order [`super::facts::load`] uses), groups the rows by
//! worker in one pass and [`super::facts::assemble`]s each worker exactly as the
//! single-worker loader does, so a run decides from the same facts with the same ids as
//! `GET /workers/{id}/allowance`. No per-worker query; memory is bounded by the chunk.

use std::collections::HashMap;

use registry_core::ids::RegionCode;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::facts::{LoadedFacts, Places, WorkerRows, assemble};
use crate::db::entities::{
    allowance_payment, appraisal, assignment, credential, credit_entry, registration, worker,
};
use crate::problem::ApiError;
use crate::workers::store::region_range;

/// Workers per chunk of a run.
pub const CHUNK: u64 = 1000;

/// The next `limit` workers of `region` (and the regions it contains) after the id `after`,
/// in id order.
///
/// Walks the primary key on both backends. SQLite's planner would otherwise take the
/// `(region_code, id)` index for the range and sort the rest of the region on every page,
/// which makes a run quadratic (BENCHMARKS.md, finding 1); the unary `+` on the column is
/// SQLite's documented way to keep an index out of a plan. PostgreSQL already walks the key.
/// The bounds are digits from a parsed [`RegionCode`], so inlining them is safe.
pub async fn next_workers<C: ConnectionTrait>(
    conn: &C,
    region: &RegionCode,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<worker::Model>, ApiError> {
    let mut q = worker::Entity::find();
    if let Some((lo, hi)) = region_range(region) {
        debug_assert!(lo.bytes().chain(hi.bytes()).all(|b| b.is_ascii_digit()));
        q = if conn.get_database_backend() == DbBackend::Sqlite {
            q.filter(Expr::cust(format!(
                "+\"workers\".\"region_code\" BETWEEN '{lo}' AND '{hi}'"
            )))
        } else {
            q.filter(worker::Column::RegionCode.gte(lo))
                .filter(worker::Column::RegionCode.lte(hi))
        };
    }
    if let Some(after) = after {
        q = q.filter(worker::Column::Id.gt(after));
    }
    Ok(q.order_by_asc(worker::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The facts of `workers` (one query per table), in the order of `workers`.
pub async fn load_chunk<C: ConnectionTrait>(
    conn: &C,
    workers: &[worker::Model],
) -> Result<Vec<LoadedFacts>, ApiError> {
    let ids: Vec<String> = workers.iter().map(|w| w.id.clone()).collect();
    let index: HashMap<&str, usize> = workers
        .iter()
        .enumerate()
        .map(|(i, w)| (w.id.as_str(), i))
        .collect();
    let mut rows = vec![WorkerRows::default(); workers.len()];
    let slot = |w: &str| index.get(w).copied();

    for m in credential::Entity::find()
        .filter(credential::Column::WorkerId.is_in(ids.clone()))
        .order_by_asc(credential::Column::WorkerId)
        .order_by_asc(credential::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].credentials.push(m);
        }
    }
    for m in registration::Entity::find()
        .filter(registration::Column::WorkerId.is_in(ids.clone()))
        .order_by_asc(registration::Column::WorkerId)
        .order_by_asc(registration::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].registrations.push(m);
        }
    }
    for m in assignment::Entity::find()
        .filter(assignment::Column::WorkerId.is_in(ids.clone()))
        .order_by_asc(assignment::Column::WorkerId)
        .order_by_asc(assignment::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].assignments.push(m);
        }
    }
    for m in allowance_payment::Entity::find()
        .filter(allowance_payment::Column::WorkerId.is_in(ids.clone()))
        .order_by_asc(allowance_payment::Column::WorkerId)
        .order_by_asc(allowance_payment::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].payments.push(m);
        }
    }
    for m in appraisal::Entity::find()
        .filter(appraisal::Column::WorkerId.is_in(ids.clone()))
        .order_by_asc(appraisal::Column::WorkerId)
        .order_by_asc(appraisal::Column::RecordedAt)
        .order_by_asc(appraisal::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].appraisals.push(m);
        }
    }
    for m in credit_entry::Entity::find()
        .filter(credit_entry::Column::WorkerId.is_in(ids))
        .filter(credit_entry::Column::SubjectKind.eq("worker"))
        .order_by_asc(credit_entry::Column::WorkerId)
        .order_by_asc(credit_entry::Column::RecordedAt)
        .order_by_asc(credit_entry::Column::Id)
        .all(conn)
        .await?
    {
        if let Some(i) = m.worker_id.as_deref().and_then(slot) {
            rows[i].credit_entries.push(m);
        }
    }
    let places = Places::load(conn, rows.iter().flat_map(|r| r.assignments.iter())).await?;
    workers
        .iter()
        .zip(&rows)
        .map(|(w, r)| assemble(w, r, &places))
        .collect()
}
