//! The statement behind the single-worker answers: a few workers (those whose requests
//! arrived together, see [`super::worker_reads`]), their rows, the posts and units their
//! assignments point at, and the policy generation (`crate::policies::cache`), in ONE
//! statement on one pooled connection: one round trip on both backends, one snapshot.
//!
//! The statement ([`statement`]) selects the generation, the workers' rows and the run's own
//! documents ([`super::bulk::rows_parts`]: one JSON document per table, [`super::json_rows`])
//! as scalar subqueries, every one of them over the same bound JSON list of ids; the
//! documents are decoded by [`RawRows::decode`] and each worker's facts are made by
//! [`super::facts::assemble`], exactly as a run makes them, so
//! `GET /workers/{id}/allowance` and a run cannot disagree (the tests also compare them with
//! the per-table ORM loader [`super::facts::load`]).
//!
//! Why: sqlx runs every SQLite connection on a thread of its own and each query is a
//! channel hand-off to it and back (two context switches on a busy machine), and every row
//! it returns is a copy of each value that the async side then looks up by column name; on
//! PostgreSQL each query is a network round trip. One statement is one hand-off (one
//! network round trip), one snapshot, and no transaction to open or close, for all the
//! workers of the list. The text is built once per process and backend; the connection is
//! taken from the pool once.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres, Sqlite};
use sea_orm::{DatabaseConnection, DbBackend, DbErr, QueryResult, RuntimeErr};

use super::bulk::{ROW_DOCUMENTS, RawRows, decode_heads, rows_parts};
use super::fact_tables as t;
use super::facts::{Places, WorkerHead, WorkerRows};
use super::json_rows::{Filter, Query};
use crate::db::script::{Part, Text};
use crate::policies::cache::generation_query;
use crate::problem::ApiError;

/// Name of the generation column of [`statement`].
const GENERATION: &str = "policy_generation";
/// Name of the workers' document column of [`statement`].
const WORKERS: &str = "workers";

/// The name of the column of the `n`th document of [`statement`].
fn document_column(n: usize) -> String {
    format!("rows_{n}")
}

/// The one statement reading the workers of the JSON list of ids bound as `{0}` (every
/// subquery reads the same list): one row with the policy generation, the workers' rows
/// ([`t::WORKERS`], one document) and the [`ROW_DOCUMENTS`] documents of their rows, each a
/// scalar subquery, so one statement, one snapshot.
fn statement(backend: DbBackend) -> Result<Part, ApiError> {
    let generation = match backend {
        DbBackend::Postgres => generation_query().to_string(PostgresQueryBuilder),
        _ => generation_query().to_string(SqliteQueryBuilder),
    };
    let heads = Query {
        table: t::WORKERS,
        filter: Filter::Keys {
            column: "id",
            keys: "[]",
            extra: "",
        },
        order: &["id"],
        limit: None,
    }
    .part(backend)?;
    let documents = std::iter::once((WORKERS.to_owned(), heads)).chain(
        rows_parts(backend, [])?
            .into_iter()
            .enumerate()
            .map(|(n, part)| (document_column(n), part)),
    );
    let mut columns = vec![format!("({generation}) AS \"{GENERATION}\"")];
    for (name, part) in documents {
        // Every document reads the list as its only parameter, `{0}`.
        if part.params.len() != 1 {
            return Err(ApiError::internal(format!(
                "document {name} has {} parameters, expected the id list only",
                part.params.len()
            )));
        }
        columns.push(format!("({}) AS \"{name}\"", part.sql));
    }
    Ok(Part {
        sql: format!("SELECT {}", columns.join(", ")),
        params: vec![String::new()],
    })
}

/// [`statement`]'s text for SQLite and PostgreSQL, built once (`Err` if building failed).
static TEXTS: LazyLock<[Result<Text, String>; 2]> = LazyLock::new(|| {
    [DbBackend::Sqlite, DbBackend::Postgres].map(|backend| {
        statement(backend)
            .map(|part| part.text(backend))
            .map_err(|e| format!("{e:?}"))
    })
});

/// The text built once and its arguments for one list of ids.
type Bound = (&'static str, Vec<Option<String>>);

/// The text reading the workers of `ids_json` on `backend`: every argument is the list.
fn text(backend: DbBackend, ids_json: &str) -> Result<Bound, ApiError> {
    let built = match backend {
        DbBackend::Sqlite => &TEXTS[0],
        _ => &TEXTS[1],
    };
    let built = built.as_ref().map_err(ApiError::internal)?;
    Ok((
        built.sql.as_str(),
        vec![Some(ids_json.to_owned()); built.args.len()],
    ))
}

fn sqlx_err(e: sqlx::Error) -> ApiError {
    ApiError::from(DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))))
}

/// A connection taken from the pool and used directly (raw sqlx), for the statement built
/// once per process.
enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    async fn acquire(db: &DatabaseConnection) -> Result<Self, ApiError> {
        Ok(match db.get_database_backend() {
            DbBackend::Sqlite => Conn::Sqlite(
                db.get_sqlite_connection_pool()
                    .acquire()
                    .await
                    .map_err(sqlx_err)?,
            ),
            DbBackend::Postgres => Conn::Postgres(
                db.get_postgres_connection_pool()
                    .acquire()
                    .await
                    .map_err(sqlx_err)?,
            ),
            other => {
                return Err(ApiError::internal(format!("unsupported backend {other:?}")));
            }
        })
    }

    fn backend(&self) -> DbBackend {
        match self {
            Conn::Sqlite(_) => DbBackend::Sqlite,
            Conn::Postgres(_) => DbBackend::Postgres,
        }
    }

    /// Runs one text; its one row. Read to the end (`fetch_all`), so the statement is done
    /// and its snapshot released when this returns: a statement left open keeps the WAL
    /// from being checkpointed past it (`crate::db::wal_checkpointer`).
    async fn run(&mut self, (sql, args): Bound) -> Result<QueryResult, ApiError> {
        // The query's type depends on the backend, so it is built in each arm.
        macro_rules! fetch {
            ($conn:expr) => {
                QueryResult::from(
                    args.into_iter()
                        .fold(sqlx::query(sql), |q, a| q.bind(a))
                        .fetch_all(&mut **$conn)
                        .await
                        .map_err(sqlx_err)?
                        .into_iter()
                        .next()
                        .ok_or_else(|| ApiError::internal("the statement returned no row"))?,
                )
            };
        }
        Ok(match self {
            Conn::Sqlite(conn) => fetch!(conn),
            Conn::Postgres(conn) => fetch!(conn),
        })
    }
}

/// One worker as [`read`] found it: everything its facts are assembled from.
#[derive(Debug, Clone)]
pub struct Found {
    /// The worker's row.
    pub head: WorkerHead,
    /// Its rows, shared by the requests of a batch that asked for the same worker (not
    /// copied for each).
    pub rows: Arc<WorkerRows>,
    /// The posts and units the assignments of the workers read with it point at.
    pub places: Arc<Places>,
    /// The policy generation read in the same statement.
    pub policy_generation: Option<i64>,
}

/// What one [`read`] found: the workers that exist, with their rows.
#[derive(Debug)]
pub struct ReadSet {
    workers: HashMap<String, (WorkerHead, Arc<WorkerRows>)>,
    places: Arc<Places>,
    policy_generation: Option<i64>,
}

impl ReadSet {
    /// The worker `id`, if it exists.
    pub fn get(&self, id: &str) -> Option<Found> {
        self.workers.get(id).map(|(head, rows)| Found {
            head: head.clone(),
            rows: Arc::clone(rows),
            places: Arc::clone(&self.places),
            policy_generation: self.policy_generation,
        })
    }
}

/// Reads the workers `ids` (distinct) with their rows, in one statement (see the module
/// docs); a missing worker is absent from the answer.
pub async fn read(db: &DatabaseConnection, ids: &[&str]) -> Result<ReadSet, ApiError> {
    let ids_json = serde_json::to_string(ids).map_err(ApiError::internal)?;
    let mut conn = Conn::acquire(db).await?;
    let row = conn.run(text(conn.backend(), &ids_json)?).await?;
    drop(conn);
    let document = |column: &str| -> Result<String, ApiError> {
        let text: Option<String> = row.try_get("", column)?;
        Ok(text.unwrap_or_else(|| "[]".to_owned()))
    };
    let heads = decode_heads(&document(WORKERS)?)?;
    let mut docs: [String; ROW_DOCUMENTS] = Default::default();
    for (n, doc) in docs.iter_mut().enumerate() {
        *doc = document(&document_column(n))?;
    }
    let (rows, places) =
        RawRows::from_documents(docs).decode(heads.iter().map(|h| h.id.as_str()))?;
    Ok(ReadSet {
        workers: heads
            .into_iter()
            .zip(rows)
            .map(|(head, rows)| (head.id.clone(), (head, Arc::new(rows))))
            .collect(),
        places: Arc::new(places),
        policy_generation: row.try_get("", GENERATION)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_argument_of_the_statement_is_the_id_list() {
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let (sql, args) = text(backend, r#"["a","b"]"#).unwrap();
            assert!(sql.starts_with("SELECT ("), "{sql}");
            assert!(!sql.contains('{'), "{sql}");
            assert!(args.iter().all(|a| a.as_deref() == Some(r#"["a","b"]"#)));
            match backend {
                // One `?` and one argument per occurrence of the list.
                DbBackend::Sqlite => assert_eq!(args.len(), sql.matches('?').count()),
                _ => assert_eq!(args.len(), 1),
            }
        }
    }
}
