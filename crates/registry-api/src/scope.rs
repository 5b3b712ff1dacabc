//! Scoping through a worker: records that belong to a worker (credentials, registrations,
//! continuing education, assignments) are visible to whoever may read the worker, and
//! writable by admins of the worker's region. Hidden is reported exactly like missing.

use registry_core::ids::RegionCode;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PrimaryKeyTrait, Related};

use crate::auth::Principal;
use crate::db::entities::worker;
use crate::problem::ApiError;
use crate::state::AppState;

/// Whether `p` may read `w` (and the records that belong to it).
pub fn can_read_worker(p: &Principal, w: &worker::Model) -> bool {
    can_read_worker_in(p, &w.id, &w.region_code)
}

/// Whether `p` may read the worker `worker_id` registered in the region `region_code` (as
/// stored: a code that does not parse is readable by nobody).
pub fn can_read_worker_in(p: &Principal, worker_id: &str, region_code: &str) -> bool {
    RegionCode::parse(region_code).is_ok_and(|r| p.can_read_worker(worker_id, &r))
}

/// Whether `p` may write records of `w` (admin of the worker's region).
pub fn can_write_worker(p: &Principal, w: &worker::Model) -> bool {
    RegionCode::parse(&w.region_code).is_ok_and(|r| p.can_write_region(&r))
}

/// The worker `id` if `p` may read it; otherwise the same 404 as a missing one.
pub async fn readable_worker(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<worker::Model, ApiError> {
    crate::workers::store::find(&state.db, id)
        .await?
        .filter(|w| can_read_worker(p, w))
        .ok_or_else(ApiError::not_found)
}

/// The worker `id` if `p` may write its records; otherwise the same 404 as a missing one.
pub async fn writable_worker(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<worker::Model, ApiError> {
    crate::workers::store::find(&state.db, id)
        .await?
        .filter(|w| can_write_worker(p, w))
        .ok_or_else(ApiError::not_found)
}

/// Row `id` of `E` with its worker (one query) if `allowed(row, worker)`; `None` when the row
/// or its worker is missing or `allowed` refuses, so hidden and missing look the same.
pub async fn find_through_worker<E, C>(
    conn: &C,
    id: &str,
    allowed: impl FnOnce(&E::Model, &worker::Model) -> bool,
) -> Result<Option<(E::Model, worker::Model)>, DbErr>
where
    E: EntityTrait + Related<worker::Entity>,
    C: ConnectionTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    let found = E::find_by_id(id.to_owned())
        .find_also_related(worker::Entity)
        .one(conn)
        .await?;
    Ok(match found {
        Some((row, Some(w))) if allowed(&row, &w) => Some((row, w)),
        _ => None,
    })
}
