//! The set-oriented facts loader: a whole region's workers, a chunk at a time.
//!
//! [`next_workers`] pages through the region's workers in id order (keyset, `limit` rows);
//! [`load_chunk`] loads every record of one chunk with one query per table (credentials,
//! registrations, assignments, payments, appraisals, credit entries, then the posts and
//! units the assignments point at), each ordered by worker and then in the order
//! [`super::facts::load`] uses, and each answered as ONE JSON document
//! ([`super::json_rows`]), all sent as one script (`crate::db::script`: one round trip on
//! SQLite), whatever the chunk's size. [`read_rows`] only reads the documents and
//! [`RawRows::decode`] decodes them, so a run can decode one chunk while the database reads
//! the next. It groups the rows by worker in one pass and [`super::facts::assemble`]s each
//! worker exactly as the single-worker loader does, so a run decides from the same facts with the same ids as
//! `GET /workers/{id}/allowance`. No per-worker query; memory is bounded by the chunk.

use std::collections::HashMap;

use registry_core::ids::RegionCode;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult};

use super::fact_tables as t;
use super::facts::{LoadedFacts, Places, WorkerHead, WorkerRows, assemble};
use super::json_rows::{Filter, Query, decode, document, keyed_rows};
use crate::db::script::{Part, Script};
use crate::problem::ApiError;
use crate::workers::store::region_range;

/// Workers per chunk of a run.
pub const CHUNK: u64 = 1000;

/// The next `limit` workers of `region` (and the regions it contains) after the id `after`,
/// in id order (see [`workers_page_part`]).
pub async fn next_workers<C: ConnectionTrait>(
    conn: &C,
    region: &RegionCode,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<WorkerHead>, ApiError> {
    let page = workers_page(conn.get_database_backend(), region, after, limit)?;
    decode_heads(&page.fetch_text(conn).await?)
}

/// The query behind [`next_workers`] (to be sent in a script with others).
pub fn workers_page_part(
    backend: DbBackend,
    region: &RegionCode,
    after: Option<&str>,
    limit: u64,
) -> Result<Part, ApiError> {
    workers_page(backend, region, after, limit)?.part(backend)
}

/// The next `limit` workers of `region` (and the regions it contains) after the id `after`,
/// in id order.
///
/// Walks the primary key on both backends. SQLite's planner would otherwise take the
/// `(region_code, id)` index for the range and sort the rest of the region on every page,
/// which makes a run quadratic (BENCHMARKS.md, finding 1); the unary `+` on the column is
/// SQLite's documented way to keep an index out of a plan. PostgreSQL already walks the key.
/// The bounds are digits from a parsed [`RegionCode`], so inlining them is safe.
fn workers_page(
    backend: DbBackend,
    region: &RegionCode,
    after: Option<&str>,
    limit: u64,
) -> Result<Query<'static>, ApiError> {
    let mut conditions = Vec::new();
    if let Some((lo, hi)) = region_range(region) {
        debug_assert!(lo.bytes().chain(hi.bytes()).all(|b| b.is_ascii_digit()));
        let plus = if backend == DbBackend::Sqlite {
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
    Ok(Query {
        table: t::WORKERS,
        filter: Filter::Sql {
            sql: conditions.join(" AND "),
            params,
        },
        order: &["id"],
        limit: Some(limit),
    })
}

/// The workers of a document read by a [`workers_page_part`].
pub fn decode_heads(doc: &str) -> Result<Vec<WorkerHead>, ApiError> {
    let rows: Vec<t::WorkerRow> = decode(doc)?;
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
    let ids = workers.iter().map(|w| w.id.as_str());
    let (rows, places) = read_rows(conn, workers).await?.decode(ids)?;
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
    docs: [String; ROW_DOCUMENTS],
}

/// Reads the rows of `workers` (one query per table, sent as one script; posts and units by
/// subquery on the same ids), undecoded.
pub async fn read_rows<C: ConnectionTrait>(
    conn: &C,
    workers: &[WorkerHead],
) -> Result<RawRows, ApiError> {
    let mut script = Script::new();
    let ids = workers.iter().map(|w| w.id.as_str());
    for part in rows_parts(conn.get_database_backend(), ids)? {
        script.push(part);
    }
    RawRows::from_results(&script.run(conn).await?)
}

/// The [`ROW_DOCUMENTS`] statements reading the rows of the workers `ids`, in [`RawRows`]
/// order.
pub fn rows_parts<'a>(
    backend: DbBackend,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<Part>, ApiError> {
    let ids: Vec<&str> = ids.into_iter().collect();
    let ids_json = serde_json::to_string(&ids).map_err(ApiError::internal)?;
    let by_id: &'static [&'static str] = &["worker_id", "id"];
    let by_time: &'static [&'static str] = &["worker_id", "recorded_at", "id"];
    let query = |table, sql: String, order| Query {
        table,
        filter: Filter::Sql {
            sql,
            params: vec![ids_json.clone()],
        },
        order,
        limit: None,
    };
    let of_workers = |table, extra, order| Query {
        table,
        filter: Filter::Keys {
            column: "worker_id",
            keys: &ids_json,
            extra,
        },
        order,
        limit: None,
    };
    // Posts and units through a join from the keys too. On SQLite only the outer `IN`
    // (which also removes the duplicates of a post several workers hold) is a temporary
    // b-tree. On PostgreSQL an `IN` became a hash semi-join over a scan of the whole posts
    // (units) table, also for a single worker; `= ANY(ARRAY(…))` computes the distinct ids
    // once (the assignments by an index probe per key, [`keyed_rows`]) and reads the posts
    // (units) by primary key.
    let assignments = keyed_rows(backend, "{0}", "assignments", "a", "worker_id", "");
    let distinct = if backend == DbBackend::Postgres {
        "DISTINCT "
    } else {
        ""
    };
    let post_ids = format!("SELECT {distinct}a.\"post_id\" FROM {assignments}");
    let unit_ids = format!(
        "SELECT {distinct}p.\"unit_id\" FROM {assignments} \
         JOIN \"posts\" AS p ON p.\"id\" = a.\"post_id\""
    );
    let among = |ids: &str| match backend {
        DbBackend::Postgres => format!("\"id\" = ANY(ARRAY({ids}))"),
        _ => format!("\"id\" IN ({ids})"),
    };
    let worker_only = " AND \"subject_kind\" = 'worker'";
    [
        of_workers(t::CREDENTIALS, "", by_id),
        of_workers(t::REGISTRATIONS, "", by_id),
        of_workers(t::ASSIGNMENTS, "", by_id),
        of_workers(t::PAYMENTS, "", by_id),
        of_workers(t::APPRAISALS, "", by_time),
        of_workers(t::CREDIT_ENTRIES, worker_only, by_time),
        query(t::POSTS, among(&post_ids), &["id"]),
        query(t::UNITS, among(&unit_ids), &["id"]),
    ]
    .iter()
    .map(|q| q.part(backend))
    .collect()
}

/// How many documents [`rows_parts`] reads.
pub const ROW_DOCUMENTS: usize = 8;

impl RawRows {
    /// The documents of the [`ROW_DOCUMENTS`] result rows of [`rows_parts`].
    pub fn from_results(rows: &[QueryResult]) -> Result<Self, ApiError> {
        if rows.len() != ROW_DOCUMENTS {
            return Err(ApiError::internal(format!(
                "{} documents for the {ROW_DOCUMENTS} tables of a chunk",
                rows.len()
            )));
        }
        let mut docs: [String; ROW_DOCUMENTS] = Default::default();
        for (doc, row) in docs.iter_mut().zip(rows) {
            *doc = document(row)?;
        }
        Ok(RawRows { docs })
    }

    /// The documents of [`rows_parts`], in its order, read some other way.
    pub fn from_documents(docs: [String; ROW_DOCUMENTS]) -> Self {
        RawRows { docs }
    }

    /// Decodes the documents: the rows of each worker of `ids` (in that order) and the
    /// places their assignments point at.
    pub fn decode<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<(Vec<WorkerRows>, Places), ApiError> {
        let index: HashMap<&str, usize> =
            ids.into_iter().enumerate().map(|(i, w)| (w, i)).collect();
        let slot = |w: &str| index.get(w).copied();
        let mut rows = vec![WorkerRows::default(); index.len()];
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
