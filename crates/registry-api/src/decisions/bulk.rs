//! The set-oriented facts loader: a whole region's workers, a chunk at a time.
//!
//! [`next_workers`] pages through the region's workers in id order (keyset, `limit` rows);
//! [`load_chunk`] loads every record of one chunk with one query per table (credentials,
//! registrations, assignments, payments, appraisals, credit entries, then the posts and
//! units the assignments point at), each ordered by worker and then in the order
//! [`super::facts::load`] uses, and each answered as ONE JSON document
//! ([`super::json_rows`]): a chunk costs nine round trips whatever its size. [`read_rows`]
//! only reads the documents and [`RawRows::decode`] decodes them, so a run can decode one
//! chunk while the database reads the next. It groups the
//! rows by worker in one pass and [`super::facts::assemble`]s each worker exactly as the
//! single-worker loader does, so a run decides from the same facts with the same ids as
//! `GET /workers/{id}/allowance`. No per-worker query; memory is bounded by the chunk.

use std::collections::HashMap;

use registry_core::ids::RegionCode;
use sea_orm::{ConnectionTrait, DbBackend};

use super::fact_tables as t;
use super::facts::{LoadedFacts, Places, WorkerHead, WorkerRows, assemble};
use super::json_rows::{Filter, Query, decode, json_set};
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

/// The facts of `workers` (one query per table), in the order of `workers`.
pub async fn load_chunk<C: ConnectionTrait>(
    conn: &C,
    workers: &[WorkerHead],
) -> Result<Vec<LoadedFacts>, ApiError> {
    let (rows, places) = read_rows(conn, workers).await?.decode(workers)?;
    workers
        .iter()
        .zip(&rows)
        .map(|(w, r)| assemble(w, r, &places))
        .collect()
}

/// The documents of one chunk as read, not yet decoded (a run decodes them on another
/// thread while the next chunk is read): credentials, registrations, assignments, payments,
/// appraisals and the workers' credit entries, then the posts of their assignments and the
/// units of those posts.
#[derive(Debug, Clone)]
pub struct RawRows {
    docs: [String; 8],
}

/// Reads the rows of `workers` (one query per table; posts and units by subquery on the
/// same ids), undecoded.
pub async fn read_rows<C: ConnectionTrait>(
    conn: &C,
    workers: &[WorkerHead],
) -> Result<RawRows, ApiError> {
    let backend = conn.get_database_backend();
    let ids: Vec<&str> = workers.iter().map(|w| w.id.as_str()).collect();
    let ids_json = serde_json::to_string(&ids).map_err(ApiError::internal)?;
    let by_id: &'static [&'static str] = &["worker_id", "id"];
    let by_time: &'static [&'static str] = &["worker_id", "recorded_at", "id"];
    let of_workers = |table, extra, order| Query {
        table,
        filter: Filter::In {
            column: "worker_id",
            values: &ids,
            extra,
        },
        order,
        limit: None,
    };
    let set = json_set(backend, "{0}");
    let post_ids =
        format!("SELECT \"post_id\" FROM \"assignments\" WHERE \"worker_id\" IN ({set})");
    let by_subquery = |table, sql: String| Query {
        table,
        filter: Filter::Sql {
            sql,
            params: vec![ids_json.clone()],
        },
        order: &["id"],
        limit: None,
    };
    let worker_only = " AND \"subject_kind\" = 'worker'";
    let queries = [
        of_workers(t::CREDENTIALS, "", by_id),
        of_workers(t::REGISTRATIONS, "", by_id),
        of_workers(t::ASSIGNMENTS, "", by_id),
        of_workers(t::PAYMENTS, "", by_id),
        of_workers(t::APPRAISALS, "", by_time),
        of_workers(t::CREDIT_ENTRIES, worker_only, by_time),
        by_subquery(t::POSTS, format!("\"id\" IN ({post_ids})")),
        by_subquery(
            t::UNITS,
            format!("\"id\" IN (SELECT \"unit_id\" FROM \"posts\" WHERE \"id\" IN ({post_ids}))"),
        ),
    ];
    let mut docs: [String; 8] = Default::default();
    for (doc, q) in docs.iter_mut().zip(&queries) {
        *doc = q.fetch_text(conn).await?;
    }
    Ok(RawRows { docs })
}

impl RawRows {
    /// Decodes the documents: each worker's rows (in the order of `workers`) and the places
    /// their assignments point at.
    pub fn decode(&self, workers: &[WorkerHead]) -> Result<(Vec<WorkerRows>, Places), ApiError> {
        let index: HashMap<&str, usize> = workers
            .iter()
            .enumerate()
            .map(|(i, w)| (w.id.as_str(), i))
            .collect();
        let slot = |w: &str| index.get(w).copied();
        let mut rows = vec![WorkerRows::default(); workers.len()];
        let [
            credentials,
            registrations,
            assignments,
            payments,
            appraisals,
            credit,
            posts,
            units,
        ] = &self.docs;
        for m in decode(credentials)?.into_iter().map(t::credential) {
            if let Some(i) = slot(&m.worker_id) {
                rows[i].credentials.push(m);
            }
        }
        for m in decode(registrations)?.into_iter().map(t::registration) {
            if let Some(i) = slot(&m.worker_id) {
                rows[i].registrations.push(m);
            }
        }
        for m in decode(assignments)?.into_iter().map(t::assignment) {
            if let Some(i) = slot(&m.worker_id) {
                rows[i].assignments.push(m);
            }
        }
        for m in decode(payments)?.into_iter().map(t::payment) {
            if let Some(i) = slot(&m.worker_id) {
                rows[i].payments.push(m);
            }
        }
        for m in decode(appraisals)?.into_iter().map(t::appraisal) {
            if let Some(i) = slot(&m.worker_id) {
                rows[i].appraisals.push(m);
            }
        }
        for m in decode(credit)?.into_iter().map(t::credit_entry) {
            if let Some(i) = m.worker_id.as_deref().and_then(slot) {
                rows[i].credit_entries.push(m);
            }
        }
        let places = Places {
            posts: decode(posts)?
                .into_iter()
                .map(t::post)
                .map(|p| (p.id.clone(), p))
                .collect(),
            units: decode(units)?
                .into_iter()
                .map(t::unit)
                .map(|u| (u.id.clone(), u))
                .collect(),
        };
        Ok((rows, places))
    }
}
