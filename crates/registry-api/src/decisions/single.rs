//! The single-worker loader: one worker, its rows, the posts and units its assignments
//! point at, and the policy generation (`crate::policies::cache`), on one pooled
//! connection; on SQLite in ONE round trip.
//!
//! The statements are the run's own ([`super::bulk::rows_parts`] for a chunk of one: one
//! JSON document per table, [`super::json_rows`]), the generation and the worker row, sent
//! as one [`Script`]; the documents are decoded by [`RawRows::decode`] and the facts made by
//! [`assemble`], exactly as a run makes them, so `GET /workers/{id}/allowance` and a run
//! cannot disagree (the tests also compare them with the per-table ORM loader
//! [`super::facts::load`]).
//!
//! Why: sqlx runs every SQLite connection on a thread of its own and each query is a
//! channel hand-off to it and back (two context switches on a busy machine), and every row
//! it returns is a copy of each value that the async side then looks up by column name; on
//! PostgreSQL each query is a network round trip. SQLite executes the script as one
//! multi-statement text inside `BEGIN` … `COMMIT`: one round trip and one read transaction,
//! so one snapshot for all of it and one WAL lock (if a statement fails, the transaction is
//! rolled back before the connection returns to the pool). PostgreSQL does not take bound
//! parameters in a multi-statement query: there the statements run one after the other on
//! one connection taken from the pool once.
//!
//! The lists are read whether or not the caller may see the worker, and a hidden worker is
//! answered like a missing one (`None`): both cost the same single round trip.

use std::sync::{Arc, LazyLock};

use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres, Sqlite};
use sea_orm::{
    DatabaseConnection, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryResult, QueryTrait,
    RuntimeErr,
};

use super::bulk::{ROW_DOCUMENTS, RawRows, rows_parts};
use super::facts::{LoadedFacts, Places, WorkerHead, WorkerRows, assemble};
use crate::db::entities::worker;
use crate::db::script::{Part, Script, Text};
use crate::policies::cache::generation_query;
use crate::problem::ApiError;

/// One worker's rows, places and the policy generation, as read in one round trip.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// The worker's rows.
    pub rows: WorkerRows,
    /// The posts and units of its assignments.
    pub places: Places,
    /// The current `allowance_policies` generation (`None` if the table has no row).
    pub policy_generation: Option<i64>,
}

/// What one round trip read: the worker row (if it exists), the documents of its rows and
/// the policy generation.
struct Read {
    worker: Option<worker::Model>,
    raw: RawRows,
    policy_generation: Option<i64>,
}

/// The script reading the worker `id`: on SQLite inside one read transaction. Its rows:
/// the generation (always one row), the [`ROW_DOCUMENTS`] documents (one row each), then
/// the worker (no row if there is none).
fn script(backend: DbBackend, id: &str) -> Result<Script, ApiError> {
    let fixed = |sql: &str| Part {
        sql: sql.to_owned(),
        params: Vec::new(),
    };
    let build = |q: sea_orm::sea_query::SelectStatement| match backend {
        DbBackend::Postgres => q.to_string(sea_orm::sea_query::PostgresQueryBuilder),
        _ => q.to_string(sea_orm::sea_query::SqliteQueryBuilder),
    };
    let mut s = Script::new();
    if backend == DbBackend::Sqlite {
        s.push(fixed("BEGIN"));
    }
    // A scalar subquery: one row even when the table is empty.
    s.push(fixed(&format!("SELECT ({})", build(generation_query()))));
    for part in rows_parts(backend, [id])? {
        s.push(part);
    }
    // By primary key, without `.one()`'s bound LIMIT (see `crate::workers::store::find`).
    let every_column = build(worker::Entity::find().into_query());
    s.push(Part {
        sql: format!("{every_column} WHERE \"id\" = {{0}}"),
        params: vec![id.to_owned()],
    });
    if backend == DbBackend::Sqlite {
        s.push(fixed("COMMIT"));
    }
    Ok(s)
}

/// The id the texts are built with, once per process and backend: every argument equal to
/// it (or to the JSON list of it) stands for the worker's id. Not a UUID, so never an id.
const PLACEHOLDER: &str = "worker-id-placeholder";

/// [`script`]'s texts for SQLite and PostgreSQL, built once (`Err` if building failed).
static TEXTS: LazyLock<[Result<Vec<Text>, String>; 2]> = LazyLock::new(|| {
    [DbBackend::Sqlite, DbBackend::Postgres].map(|backend| {
        script(backend, PLACEHOLDER)
            .map(|s| s.texts(backend))
            .map_err(|e| format!("{e:?}"))
    })
});

/// A text built once and its arguments for one worker.
type Bound = (&'static str, Vec<Option<String>>);

/// The texts reading the worker `id` on `backend`.
fn texts(backend: DbBackend, id: &str) -> Result<Vec<Bound>, ApiError> {
    let built = match backend {
        DbBackend::Sqlite => &TEXTS[0],
        _ => &TEXTS[1],
    };
    let built = built.as_ref().map_err(ApiError::internal)?;
    let placeholder_list = serde_json::to_string(&[PLACEHOLDER]).map_err(ApiError::internal)?;
    let id_list = serde_json::to_string(&[id]).map_err(ApiError::internal)?;
    Ok(built
        .iter()
        .map(|t| {
            let args = t
                .args
                .iter()
                .map(|a| match a.as_deref() {
                    Some(PLACEHOLDER) => Some(id.to_owned()),
                    Some(list) if list == placeholder_list => Some(id_list.clone()),
                    _ => a.clone(),
                })
                .collect();
            (t.sql.as_str(), args)
        })
        .collect())
}

fn sqlx_err(e: sqlx::Error) -> ApiError {
    ApiError::from(DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))))
}

/// One connection taken from the pool for all of one worker's statements: one acquire and
/// one release instead of one per statement.
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
        macro_rules! query {
            () => {
                args.into_iter().fold(sqlx::query(sql), |q, a| q.bind(a))
            };
        }
        match self {
            Conn::Sqlite(conn) => match query!().fetch_all(&mut **conn).await {
                Ok(rows) => Ok(rows.into_iter().map(QueryResult::from).collect()),
                Err(e) => {
                    // An error stops the text before its COMMIT: end the transaction before
                    // the connection goes back to the pool, or do not return it (ROLLBACK
                    // outside a transaction fails harmlessly).
                    if sqlx::query("ROLLBACK").execute(&mut **conn).await.is_err() {
                        conn.close_on_drop();
                    }
                    Err(sqlx_err(e))
                }
            },
            Conn::Postgres(conn) => {
                let rows = query!().fetch_all(&mut **conn).await.map_err(sqlx_err)?;
                Ok(rows.into_iter().map(QueryResult::from).collect())
            }
        }
    }

    /// Reads the worker `id` (see [`script`]).
    async fn read(&mut self, id: &str) -> Result<Read, ApiError> {
        let mut rows = Vec::new();
        for text in texts(self.backend(), id)? {
            rows.extend(self.run(text).await?);
        }
        let [generation, rest @ ..] = rows.as_slice() else {
            return Err(ApiError::internal("no generation row"));
        };
        if rest.len() < ROW_DOCUMENTS {
            return Err(ApiError::internal("missing documents of a worker's rows"));
        }
        let (docs, worker) = rest.split_at(ROW_DOCUMENTS);
        Ok(Read {
            policy_generation: generation.try_get_by_index(0)?,
            raw: RawRows::from_results(docs)?,
            worker: match worker {
                [] => None,
                [row] => Some(worker::Model::from_query_result(row, "")?),
                _ => return Err(ApiError::internal("two workers with one id")),
            },
        })
    }
}

/// Reads `worker_id`'s rows, places and the policy generation on one connection (see the
/// module docs); a worker that does not exist has no rows.
pub async fn fetch(db: &DatabaseConnection, worker_id: &str) -> Result<Fetched, ApiError> {
    let read = Conn::acquire(db).await?.read(worker_id).await?;
    let (mut rows, places) = read.raw.decode([worker_id])?;
    Ok(Fetched {
        rows: rows.pop().unwrap_or_default(),
        places,
        policy_generation: read.policy_generation,
    })
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
    let read = Conn::acquire(db).await?.read(id).await?;
    let Some(worker) = read.worker.filter(|w| visible(w)) else {
        return Ok(None);
    };
    let (rows, places) = read.raw.decode([worker.id.as_str()])?;
    let head = WorkerHead::from(&worker);
    let facts = assemble(
        &head,
        rows.first().unwrap_or(&WorkerRows::default()),
        &places,
    )?;
    Ok(Some(Visible {
        facts,
        policy_generation: read.policy_generation,
        worker,
    }))
}
