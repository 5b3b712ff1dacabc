//! The single-worker loader: one worker, its rows, the posts and units its assignments
//! point at, and the policy generation (`crate::policies::cache`), in ONE statement on one
//! pooled connection: one round trip on both backends.
//!
//! The statement ([`statement`]) selects the worker row by id with the generation and the
//! run's own documents ([`super::bulk::rows_parts`] for a chunk of one: one JSON document
//! per table, [`super::json_rows`]) as scalar subqueries; the documents are decoded by
//! [`RawRows::decode`] and the facts made by [`assemble`], exactly as a run makes them, so
//! `GET /workers/{id}/allowance` and a run cannot disagree (the tests also compare them with
//! the per-table ORM loader [`super::facts::load`]).
//!
//! Why: sqlx runs every SQLite connection on a thread of its own and each query is a
//! channel hand-off to it and back (two context switches on a busy machine), and every row
//! it returns is a copy of each value that the async side then looks up by column name; on
//! PostgreSQL each query is a network round trip. One statement is one hand-off (one
//! network round trip), one snapshot, and no transaction to open or close. The text is
//! built once per process and backend; the connection is taken from the pool once.
//!
//! A missing worker has no row, so nothing else is read; a hidden worker (one the caller
//! may not see) is read and answered like a missing one (`None`).

use std::sync::{Arc, LazyLock};

use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres, Sqlite};
use sea_orm::{
    DatabaseConnection, DbBackend, DbErr, FromQueryResult, IdenStatic, Iterable, QueryResult,
    RuntimeErr,
};

use super::bulk::{ROW_DOCUMENTS, RawRows, rows_parts};
use super::facts::{LoadedFacts, WorkerHead, WorkerRows, assemble};
use crate::db::entities::worker;
use crate::db::script::{Part, Text};
use crate::policies::cache::generation_query;
use crate::problem::ApiError;

/// What one round trip read: the worker row, the documents of its rows and the policy
/// generation.
struct Read {
    worker: worker::Model,
    raw: RawRows,
    policy_generation: Option<i64>,
}

/// Name of the generation column of [`statement`].
const GENERATION: &str = "policy_generation";

/// The name of the column of the `n`th document of [`statement`].
fn document_column(n: usize) -> String {
    format!("rows_{n}")
}

/// The one statement reading the worker `id` (parameter `{0}`): its row, with the policy
/// generation and the [`ROW_DOCUMENTS`] documents of its rows as scalar subqueries, so one
/// statement, one snapshot; no row if the worker does not exist.
fn statement(backend: DbBackend, id: &str) -> Result<Part, ApiError> {
    let generation = match backend {
        DbBackend::Postgres => generation_query().to_string(PostgresQueryBuilder),
        _ => generation_query().to_string(SqliteQueryBuilder),
    };
    let mut columns: Vec<String> = worker::Column::iter()
        .map(|c| format!("w.\"{}\"", c.as_str()))
        .collect();
    columns.push(format!("({generation}) AS \"{GENERATION}\""));
    let mut params = vec![id.to_owned()];
    for (n, part) in rows_parts(backend, [id])?.into_iter().enumerate() {
        let embedded = part.shifted_sql(params.len());
        columns.push(format!("({embedded}) AS \"{}\"", document_column(n)));
        params.extend(part.params);
    }
    // By primary key, without `.one()`'s bound LIMIT (see `crate::workers::store::find`).
    Ok(Part {
        sql: format!(
            "SELECT {} FROM \"workers\" AS w WHERE w.\"id\" = {{0}}",
            columns.join(", ")
        ),
        params,
    })
}

/// The id the texts are built with, once per process and backend: every argument equal to
/// it (or to the JSON list of it) stands for the worker's id. Not a UUID, so never an id.
const PLACEHOLDER: &str = "worker-id-placeholder";

/// [`statement`]'s text for SQLite and PostgreSQL, built once (`Err` if building failed).
static TEXTS: LazyLock<[Result<Text, String>; 2]> = LazyLock::new(|| {
    [DbBackend::Sqlite, DbBackend::Postgres].map(|backend| {
        statement(backend, PLACEHOLDER)
            .map(|part| part.text(backend))
            .map_err(|e| format!("{e:?}"))
    })
});

/// The text built once and its arguments for one worker.
type Bound = (&'static str, Vec<Option<String>>);

/// The text reading the worker `id` on `backend`.
fn text(backend: DbBackend, id: &str) -> Result<Bound, ApiError> {
    let built = match backend {
        DbBackend::Sqlite => &TEXTS[0],
        _ => &TEXTS[1],
    };
    let built = built.as_ref().map_err(ApiError::internal)?;
    let placeholder_list = serde_json::to_string(&[PLACEHOLDER]).map_err(ApiError::internal)?;
    let id_list = serde_json::to_string(&[id]).map_err(ApiError::internal)?;
    let args = built
        .args
        .iter()
        .map(|a| match a.as_deref() {
            Some(PLACEHOLDER) => Some(id.to_owned()),
            Some(list) if list == placeholder_list => Some(id_list.clone()),
            _ => a.clone(),
        })
        .collect();
    Ok((built.sql.as_str(), args))
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

    /// Runs one text; its rows.
    async fn run(&mut self, (sql, args): Bound) -> Result<Vec<QueryResult>, ApiError> {
        // The query's type depends on the backend, so it is built in each arm.
        macro_rules! fetch {
            ($conn:expr) => {
                args.into_iter()
                    .fold(sqlx::query(sql), |q, a| q.bind(a))
                    .fetch_all(&mut **$conn)
                    .await
                    .map_err(sqlx_err)?
                    .into_iter()
                    .map(QueryResult::from)
                    .collect()
            };
        }
        Ok(match self {
            Conn::Sqlite(conn) => fetch!(conn),
            Conn::Postgres(conn) => fetch!(conn),
        })
    }

    /// Reads the worker `id` (see [`statement`]); `None` if it does not exist.
    async fn read(&mut self, id: &str) -> Result<Option<Read>, ApiError> {
        let rows = self.run(text(self.backend(), id)?).await?;
        let row = match rows.as_slice() {
            [] => return Ok(None),
            [row] => row,
            _ => return Err(ApiError::internal("two workers with one id")),
        };
        let mut docs: [String; ROW_DOCUMENTS] = Default::default();
        for (n, doc) in docs.iter_mut().enumerate() {
            let text: Option<String> = row.try_get("", &document_column(n))?;
            *doc = text.unwrap_or_else(|| "[]".to_owned());
        }
        Ok(Some(Read {
            worker: worker::Model::from_query_result(row, "")?,
            raw: RawRows::from_documents(docs),
            policy_generation: row.try_get("", GENERATION)?,
        }))
    }
}

/// What [`load_visible`] read: the worker, its facts and the policy generation.
#[derive(Debug, Clone)]
pub struct Visible {
    /// The worker row.
    pub worker: worker::Model,
    /// Its facts.
    pub facts: LoadedFacts,
    /// The policy generation read with them.
    pub policy_generation: Option<i64>,
}

/// The worker `id` and its facts, if `visible` says the caller may read it, in one round
/// trip (see the module docs); a hidden worker is answered like a missing one (`None`).
pub async fn load_visible(
    db: &DatabaseConnection,
    id: &str,
    visible: impl FnOnce(&worker::Model) -> bool,
) -> Result<Option<Visible>, ApiError> {
    let Some(read) = Conn::acquire(db).await?.read(id).await? else {
        return Ok(None);
    };
    if !visible(&read.worker) {
        return Ok(None);
    }
    let (rows, places) = read.raw.decode([read.worker.id.as_str()])?;
    let head = WorkerHead::from(&read.worker);
    let facts = assemble(
        &head,
        rows.first().unwrap_or(&WorkerRows::default()),
        &places,
    )?;
    Ok(Some(Visible {
        facts,
        policy_generation: read.policy_generation,
        worker: read.worker,
    }))
}
