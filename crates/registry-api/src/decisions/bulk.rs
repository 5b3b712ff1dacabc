//! The set-oriented facts loader: a whole region's workers, a chunk at a time.
//!
//! [`next_workers`] pages through the region's workers in id order (keyset, `limit` rows);
//! [`load_chunk`] loads every record of one chunk with one query per table (credentials,
//! registrations, assignments, payments, appraisals, credit entries, then the posts and
//! units the assignments point at), each ordered by worker and then in the order
//! [`super::facts::load`] uses, and each answered as ONE JSON document
//! ([`super::json_rows`]): a chunk costs nine round trips whatever its size. It groups the
//! rows by worker in one pass and [`super::facts::assemble`]s each worker exactly as the
//! single-worker loader does, so a run decides from the same facts with the same ids as
//! `GET /workers/{id}/allowance`. No per-worker query; memory is bounded by the chunk.

use std::collections::{BTreeSet, HashMap};

use registry_core::ids::RegionCode;
use sea_orm::{ConnectionTrait, DbBackend};

use super::fact_tables as t;
use super::facts::{LoadedFacts, Places, WorkerHead, WorkerRows, assemble};
use super::json_rows::{Filter, Query};
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
) -> Result<Vec<WorkerHead>, ApiError> {
    let mut conditions = Vec::new();
    if let Some((lo, hi)) = region_range(region) {
        debug_assert!(lo.bytes().chain(hi.bytes()).all(|b| b.is_ascii_digit()));
        let plus = if conn.get_database_backend() == DbBackend::Sqlite {
            "+"
        } else {
            ""
        };
        conditions.push(format!("{plus}\"region_code\" BETWEEN '{lo}' AND '{hi}'"));
    }
    let mut params = Vec::new();
    if let Some(after) = after {
        conditions.push("\"id\" > {0}".to_owned());
        params.push(after.to_owned());
    }
    if conditions.is_empty() {
        conditions.push("1 = 1".to_owned());
    }
    let rows: Vec<t::WorkerRow> = Query {
        table: t::WORKERS,
        filter: Filter::Sql {
            sql: conditions.join(" AND "),
            params,
        },
        order: &["id"],
        limit: Some(limit),
    }
    .fetch(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| WorkerHead {
            id: r.0,
            region_code: r.1,
            education_level: r.2,
            social_work_major: r.3.0,
            experience_start: r.4.0,
            updated_at: r.5.0,
        })
        .collect())
}

/// The rows of `table` whose `column` is one of `ids` (and that meet `extra`), in `order`,
/// converted by `model`.
async fn rows_in<C, R, M>(
    conn: &C,
    table: super::json_rows::Table,
    column: &'static str,
    ids: &[&str],
    extra: &'static str,
    order: &'static [&'static str],
    model: fn(R) -> M,
) -> Result<Vec<M>, ApiError>
where
    C: ConnectionTrait,
    R: serde::de::DeserializeOwned,
{
    let rows: Vec<R> = Query {
        table,
        filter: Filter::In {
            column,
            values: ids,
            extra,
        },
        order,
        limit: None,
    }
    .fetch(conn)
    .await?;
    Ok(rows.into_iter().map(model).collect())
}

/// The facts of `workers` (one query per table), in the order of `workers`.
pub async fn load_chunk<C: ConnectionTrait>(
    conn: &C,
    workers: &[WorkerHead],
) -> Result<Vec<LoadedFacts>, ApiError> {
    let (rows, places) = load_rows(conn, workers).await?;
    workers
        .iter()
        .zip(&rows)
        .map(|(w, r)| assemble(w, r, &places))
        .collect()
}

/// The rows of `workers` (one query per table), in the order of `workers`, and the places
/// their assignments point at: what [`load_chunk`] assembles (a run assembles them on
/// another thread while the next chunk loads).
pub async fn load_rows<C: ConnectionTrait>(
    conn: &C,
    workers: &[WorkerHead],
) -> Result<(Vec<WorkerRows>, Places), ApiError> {
    let ids: Vec<&str> = workers.iter().map(|w| w.id.as_str()).collect();
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, w)| (*w, i)).collect();
    let mut rows = vec![WorkerRows::default(); workers.len()];
    let slot = |w: &str| index.get(w).copied();
    let by_id = &["worker_id", "id"];
    let by_time = &["worker_id", "recorded_at", "id"];

    for m in rows_in(
        conn,
        t::CREDENTIALS,
        "worker_id",
        &ids,
        "",
        by_id,
        t::credential,
    )
    .await?
    {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].credentials.push(m);
        }
    }
    for m in rows_in(
        conn,
        t::REGISTRATIONS,
        "worker_id",
        &ids,
        "",
        by_id,
        t::registration,
    )
    .await?
    {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].registrations.push(m);
        }
    }
    for m in rows_in(
        conn,
        t::ASSIGNMENTS,
        "worker_id",
        &ids,
        "",
        by_id,
        t::assignment,
    )
    .await?
    {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].assignments.push(m);
        }
    }
    for m in rows_in(conn, t::PAYMENTS, "worker_id", &ids, "", by_id, t::payment).await? {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].payments.push(m);
        }
    }
    for m in rows_in(
        conn,
        t::APPRAISALS,
        "worker_id",
        &ids,
        "",
        by_time,
        t::appraisal,
    )
    .await?
    {
        if let Some(i) = slot(&m.worker_id) {
            rows[i].appraisals.push(m);
        }
    }
    let worker_only = " AND \"subject_kind\" = 'worker'";
    for m in rows_in(
        conn,
        t::CREDIT_ENTRIES,
        "worker_id",
        &ids,
        worker_only,
        by_time,
        t::credit_entry,
    )
    .await?
    {
        if let Some(i) = m.worker_id.as_deref().and_then(slot) {
            rows[i].credit_entries.push(m);
        }
    }
    let places = places(conn, &rows).await?;
    Ok((rows, places))
}

/// The posts the chunk's assignments point at and their units (two queries).
async fn places<C: ConnectionTrait>(conn: &C, rows: &[WorkerRows]) -> Result<Places, ApiError> {
    let post_ids: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.assignments.iter().map(|a| a.post_id.as_str()))
        .collect();
    if post_ids.is_empty() {
        return Ok(Places::default());
    }
    let post_ids: Vec<&str> = post_ids.into_iter().collect();
    let posts = rows_in(conn, t::POSTS, "id", &post_ids, "", &["id"], t::post).await?;
    let unit_ids: BTreeSet<&str> = posts.iter().map(|p| p.unit_id.as_str()).collect();
    let unit_ids: Vec<&str> = unit_ids.into_iter().collect();
    let units = rows_in(conn, t::UNITS, "id", &unit_ids, "", &["id"], t::unit).await?;
    Ok(Places {
        posts: posts.into_iter().map(|p| (p.id.clone(), p)).collect(),
        units: units.into_iter().map(|u| (u.id.clone(), u)).collect(),
    })
}
