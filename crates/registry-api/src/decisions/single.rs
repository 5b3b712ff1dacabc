//! The single-worker loader: one worker's rows, the posts and units its assignments point
//! at, and the policy generation (`crate::policies::cache`), on one connection; on SQLite
//! in one round trip.
//!
//! The statements are exactly [`WorkerQueries`] (the rows [`super::facts::load`] reads),
//! the posts `WHERE id IN (the worker's assignments' posts)` and their units (the rows
//! [`Places::load`] reads, by subquery instead of by id list), and the generation; each
//! carries a constant `row_kind` column that says which list a row belongs to. The rows
//! are decoded with the entities' own `FromQueryResult`, so they are the same models, in
//! the same order, as one query per table would give, and [`assemble`] makes the same
//! facts of them.
//!
//! Why: sqlx runs every SQLite connection on a thread of its own and each query is a
//! channel hand-off to it and back (two context switches on a busy machine), plus a ping
//! of the connection when it goes back to the pool; on PostgreSQL each query is a network
//! round trip, and so is that ping. SQLite executes the statements as one multi-statement
//! query with bound parameters (`?`, numbered across the statements), inside `BEGIN` …
//! `COMMIT`: one round trip and one read transaction, so one snapshot for all of them and
//! one WAL lock instead of one per statement (if a statement fails, the transaction is
//! rolled back before the connection returns to the pool). PostgreSQL does not take bound
//! parameters in a multi-statement query: there the statements run one after the other on
//! one connection taken from the pool once (prepared, binary results, as sea-orm's own
//! queries), which saves a pool round trip and a ping per statement. The statements are
//! built once per process.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use sea_orm::sea_query::{Expr, PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder, Value};
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres, Sqlite};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryResult, QuerySelect, QueryTrait, RuntimeErr, Select,
};

use super::facts::{LoadedFacts, Places, WorkerQueries, WorkerRows, assemble, rows_of};
use crate::db::entities::{
    allowance_payment, appraisal, assignment, credential, credit_entry, post, registration, unit,
    worker,
};
use crate::policies::cache::{GENERATION_ALIAS, generation_query};
use crate::problem::ApiError;

/// Name of the column that tags each row with its list.
const KIND: &str = "row_kind";

/// The lists of one round trip, in statement order (the `row_kind` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
enum Kind {
    Credential = 1,
    Registration,
    Assignment,
    Payment,
    Appraisal,
    CreditEntry,
    Post,
    Unit,
    Generation,
}

impl Kind {
    const ALL: [Kind; 9] = [
        Kind::Credential,
        Kind::Registration,
        Kind::Assignment,
        Kind::Payment,
        Kind::Appraisal,
        Kind::CreditEntry,
        Kind::Post,
        Kind::Unit,
        Kind::Generation,
    ];

    fn of(code: i32) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| *k as i32 == code)
    }
}

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

fn tagged<E: EntityTrait>(select: Select<E>, kind: Kind) -> SelectStatement {
    select
        .expr_as(Expr::cust((kind as i32).to_string()), KIND)
        .into_query()
}

/// The statements of one round trip, in [`Kind`] order.
fn statements(worker_id: &str) -> Vec<SelectStatement> {
    let q = WorkerQueries::of(worker_id);
    let post_ids = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::PostId)
        .filter(assignment::Column::WorkerId.eq(worker_id))
        .into_query();
    let unit_ids = post::Entity::find()
        .select_only()
        .column(post::Column::UnitId)
        .filter(post::Column::Id.in_subquery(post_ids.clone()))
        .into_query();
    let mut generation = generation_query();
    generation.expr_as(Expr::cust((Kind::Generation as i32).to_string()), KIND);
    vec![
        tagged(q.credentials, Kind::Credential),
        tagged(q.registrations, Kind::Registration),
        tagged(q.assignments, Kind::Assignment),
        tagged(q.payments, Kind::Payment),
        tagged(q.appraisals, Kind::Appraisal),
        tagged(q.credit_entries, Kind::CreditEntry),
        tagged(
            post::Entity::find().filter(post::Column::Id.in_subquery(post_ids)),
            Kind::Post,
        ),
        tagged(
            unit::Entity::find().filter(unit::Column::Id.in_subquery(unit_ids)),
            Kind::Unit,
        ),
        generation,
    ]
}

/// The id the statements are built with, once per process: every bound value equal to it
/// stands for the worker's id. Not a UUID, so never a worker's id.
const PLACEHOLDER: &str = "worker-id-placeholder";

/// A statement built for one backend, with its values.
type Built = (String, Vec<Value>);

/// The statements built once per process, per backend: the worker by id, and the lists —
/// SQLite's as one text in a read transaction, PostgreSQL's one by one.
struct Statements {
    sqlite_worker: Built,
    sqlite_lists: Built,
    postgres_worker: Built,
    postgres_lists: Vec<Built>,
}

static STATEMENTS: LazyLock<Statements> = LazyLock::new(|| {
    let parts = statements(PLACEHOLDER);
    // One read transaction for all the statements: one snapshot, and one lock and unlock of
    // the WAL instead of one per statement.
    let mut sql = String::from("BEGIN");
    let mut values = Vec::new();
    for s in &parts {
        let (part, vals) = s.build(SqliteQueryBuilder);
        sql.push_str(";\n");
        sql.push_str(&part);
        values.extend(vals.0);
    }
    sql.push_str(";\nCOMMIT");
    // By primary key, without `.one()`'s bound LIMIT (see `crate::workers::store::find`).
    let worker = worker::Entity::find_by_id(PLACEHOLDER.to_owned()).into_query();
    let sqlite_worker = worker.build(SqliteQueryBuilder);
    let postgres_worker = worker.build(PostgresQueryBuilder);
    Statements {
        sqlite_worker: (sqlite_worker.0, sqlite_worker.1.0),
        sqlite_lists: (sql, values),
        postgres_worker: (postgres_worker.0, postgres_worker.1.0),
        postgres_lists: parts
            .iter()
            .map(|s| {
                let (sql, vals) = s.build(PostgresQueryBuilder);
                (sql, vals.0)
            })
            .collect(),
    }
});

fn sqlx_err(e: sqlx::Error) -> ApiError {
    ApiError::from(DbErr::Query(RuntimeErr::SqlxError(Arc::new(e))))
}

/// `values` as bind arguments, the placeholder replaced by `worker_id` (all of them are
/// strings: ids and the credit entries' subject kind).
fn arguments(values: &[Value], worker_id: &str) -> Result<Vec<String>, ApiError> {
    values
        .iter()
        .map(|v| match v {
            Value::String(Some(s)) if s == PLACEHOLDER => Ok(worker_id.to_owned()),
            Value::String(Some(s)) => Ok(s.clone()),
            other => Err(ApiError::internal(format!("unexpected value {other:?}"))),
        })
        .collect()
}

/// One connection taken from the pool for all of one worker's statements: one acquire and
/// one release (with its ping) instead of one per statement.
enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    /// A connection of `db`'s pool; `None` on a backend this module does not know.
    async fn acquire(db: &DatabaseConnection) -> Result<Option<Self>, ApiError> {
        Ok(match db.get_database_backend() {
            DbBackend::Sqlite => Some(Conn::Sqlite(
                db.get_sqlite_connection_pool()
                    .acquire()
                    .await
                    .map_err(sqlx_err)?,
            )),
            DbBackend::Postgres => Some(Conn::Postgres(
                db.get_postgres_connection_pool()
                    .acquire()
                    .await
                    .map_err(sqlx_err)?,
            )),
            _ => None,
        })
    }

    /// Runs one built statement (or, on SQLite, several in one text).
    async fn run(
        &mut self,
        (sql, values): &'static Built,
        id: &str,
    ) -> Result<Vec<QueryResult>, ApiError> {
        let args = arguments(values, id)?;
        match self {
            Conn::Sqlite(conn) => {
                let mut query = sqlx::query(sql.as_str());
                for a in args {
                    query = query.bind(a);
                }
                match query.fetch_all(&mut **conn).await {
                    Ok(rows) => Ok(rows.into_iter().map(QueryResult::from).collect()),
                    Err(e) => {
                        // An error stops a multi-statement text before its COMMIT: end the
                        // transaction before the connection goes back to the pool, or do
                        // not return it (ROLLBACK outside a transaction fails harmlessly).
                        if sql.starts_with("BEGIN")
                            && sqlx::query("ROLLBACK").execute(&mut **conn).await.is_err()
                        {
                            conn.close_on_drop();
                        }
                        Err(sqlx_err(e))
                    }
                }
            }
            Conn::Postgres(conn) => {
                let mut query = sqlx::query(sql.as_str());
                for a in args {
                    query = query.bind(a);
                }
                let rows = query.fetch_all(&mut **conn).await.map_err(sqlx_err)?;
                Ok(rows.into_iter().map(QueryResult::from).collect())
            }
        }
    }

    /// The worker `id`, if it exists.
    async fn worker(&mut self, id: &str) -> Result<Option<worker::Model>, ApiError> {
        let built = match self {
            Conn::Sqlite(_) => &STATEMENTS.sqlite_worker,
            Conn::Postgres(_) => &STATEMENTS.postgres_worker,
        };
        match self.run(built, id).await?.first() {
            Some(row) => Ok(Some(worker::Model::from_query_result(row, "")?)),
            None => Ok(None),
        }
    }

    /// The lists of the worker `id` and the policy generation.
    async fn lists(&mut self, id: &str) -> Result<Fetched, ApiError> {
        let rows = match self {
            Conn::Sqlite(_) => self.run(&STATEMENTS.sqlite_lists, id).await?,
            Conn::Postgres(_) => {
                let mut rows = Vec::new();
                for built in &STATEMENTS.postgres_lists {
                    rows.extend(self.run(built, id).await?);
                }
                rows
            }
        };
        sort(&rows)
    }
}

fn push<M: FromQueryResult>(list: &mut Vec<M>, row: &QueryResult) -> Result<(), ApiError> {
    list.push(M::from_query_result(row, "")?);
    Ok(())
}

/// Sorts tagged rows into their lists.
fn sort(results: &[QueryResult]) -> Result<Fetched, ApiError> {
    let mut f = Fetched::default();
    let (mut posts, mut units) = (Vec::<post::Model>::new(), Vec::<unit::Model>::new());
    for row in results {
        let code: i32 = row.try_get("", KIND)?;
        let r = &mut f.rows;
        match Kind::of(code) {
            Some(Kind::Credential) => push::<credential::Model>(&mut r.credentials, row)?,
            Some(Kind::Registration) => push::<registration::Model>(&mut r.registrations, row)?,
            Some(Kind::Assignment) => push::<assignment::Model>(&mut r.assignments, row)?,
            Some(Kind::Payment) => push::<allowance_payment::Model>(&mut r.payments, row)?,
            Some(Kind::Appraisal) => push::<appraisal::Model>(&mut r.appraisals, row)?,
            Some(Kind::CreditEntry) => push::<credit_entry::Model>(&mut r.credit_entries, row)?,
            Some(Kind::Post) => push(&mut posts, row)?,
            Some(Kind::Unit) => push(&mut units, row)?,
            Some(Kind::Generation) => {
                f.policy_generation = Some(row.try_get("", GENERATION_ALIAS)?)
            }
            None => return Err(ApiError::internal(format!("unknown row_kind {code}"))),
        }
    }
    f.places = Places {
        posts: by_id(posts, |p| &p.id),
        units: by_id(units, |u| &u.id),
    };
    Ok(f)
}

fn by_id<M>(rows: Vec<M>, id: impl Fn(&M) -> &String) -> BTreeMap<String, M> {
    rows.into_iter().map(|m| (id(&m).clone(), m)).collect()
}

/// The same lists, one query each over the pool (a backend [`Conn`] does not know).
async fn fetch_one_by_one(db: &DatabaseConnection, worker_id: &str) -> Result<Fetched, ApiError> {
    let rows = rows_of(db, worker_id).await?;
    let places = Places::load(db, rows.assignments.iter()).await?;
    let policy_generation = match db.query_one(&generation_query()).await? {
        Some(row) => Some(row.try_get("", GENERATION_ALIAS)?),
        None => None,
    };
    Ok(Fetched {
        rows,
        places,
        policy_generation,
    })
}

/// Reads `worker_id`'s rows, places and the policy generation on one connection (see the
/// module docs).
pub async fn fetch(db: &DatabaseConnection, worker_id: &str) -> Result<Fetched, ApiError> {
    match Conn::acquire(db).await? {
        Some(mut conn) => conn.lists(worker_id).await,
        None => fetch_one_by_one(db, worker_id).await,
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

/// The worker `id` and its facts, if `visible` says the caller may read it, all on one
/// connection: first the worker by id, then — only for a visible worker — the lists. A
/// hidden worker is answered like a missing one (`None`) after the same single lookup,
/// as `crate::scope::readable_worker` does.
pub async fn load_visible(
    db: &DatabaseConnection,
    id: &str,
    visible: impl FnOnce(&worker::Model) -> bool,
) -> Result<Option<Visible>, ApiError> {
    let (worker, fetched) = match Conn::acquire(db).await? {
        Some(mut conn) => {
            let Some(w) = conn.worker(id).await?.filter(|w| visible(w)) else {
                return Ok(None);
            };
            let f = conn.lists(&w.id).await?;
            (w, f)
        }
        None => {
            let Some(w) = crate::workers::store::find(db, id)
                .await?
                .filter(|w| visible(w))
            else {
                return Ok(None);
            };
            let f = fetch_one_by_one(db, &w.id).await?;
            (w, f)
        }
    };
    Ok(Some(Visible {
        facts: assemble(
            &super::facts::WorkerHead::from(&worker),
            &fetched.rows,
            &fetched.places,
        )?,
        policy_generation: fetched.policy_generation,
        worker,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::of(k as i32), Some(k));
        }
        assert_eq!(Kind::of(0), None);
    }
}
