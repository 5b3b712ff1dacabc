//! Group commit of read entries ([`ReadAudit`]): concurrent reads of personal records are
//! recorded by one writer task, many entries per write transaction, in the read log
//! ([`crate::db::read_log`]: the chain of reads, apart from the register's database, so
//! these commits never reset the page caches of the register's readers).
//!
//! Every reader still waits for its own entry: [`ReadAudit::record`] queues the entry and
//! returns only once the transaction holding it has committed (or with the error that
//! rolled it back, so the read fails as with [`super::record_read`]): no personal data
//! leaves without its audit entry. The writer takes whatever is queued (up to
//! [`MAX_BATCH`] entries), appends it with [`super::append_reads`] in queue order, each
//! entry with its own actor, role, action, resource, request id and worker, chained onto
//! the head exactly as single appends are (same lock, same hash chain, one `at` per
//! transaction, as [`super::record_reads`] does for a list), commits and answers every
//! reader of the batch. One transaction per batch instead of one per read takes the
//! SQLite write lock (or the PostgreSQL advisory lock and commit flush) once for all the
//! readers waiting meanwhile, instead of making them queue on the lock one by one.
//!
//! The writer is a task on the runtime of the first read it records, with a connection of
//! its own (not one of the requests' pool, where each batch would first queue for a
//! connection), started on first use; it ends when the [`ReadAudit`] is dropped or that
//! runtime stops. Until session 13 it ran on a thread of its own with a single-threaded
//! runtime, so that its statements would not wait behind the requests' tasks; with one
//! round trip a batch, the two extra thread hand-offs of each batch cost more: the task
//! answered 6–10 % more audited reads in alternating rounds (BENCHMARKS.md, session 13).
//! On a SQLite file the writer appends a batch itself, through rusqlite on the thread it
//! runs on ([`DirectAppender`], since session 14: the sqlx round trip cost ~400 µs of a
//! batch's wall time for well under 100 µs of work), and falls back to its sqlx connection
//! when the direct append cannot write (another connection holds the write lock): there a
//! batch is two round trips, the head read inside `BEGIN IMMEDIATE`, then the insert with
//! `COMMIT` ([`write_sqlite`]). Elsewhere a batch is a [`begin_write`]
//! transaction with [`append_reads`]. Before writing, the writer lets the ready tasks run
//! once and takes what they queued ([`gather_ready`]). Should the writer be gone, an entry is written
//! directly, in a transaction of its own, as [`super::record_read`] does. On a SQLite file
//! the writer's WAL checkpoints run on a connection of their own ([`WalCheckpointer`]), not
//! inside the commits readers wait for.

mod direct;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};

use sea_orm::sea_query::{SqliteQueryBuilder, Value};
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection, Row};
use sea_orm::{
    DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    RuntimeErr, SqlxPostgresConnector,
};
use tokio::sync::{mpsc, oneshot};

use super::{AuditEvent, Fields, Party, append_reads, chain, is_head, is_own_read, record_read};
use crate::db::entities::audit_log;
use crate::db::wal_checkpointer::{NO_AUTOCHECKPOINT, RESTART_FRAMES, WalCheckpointer};
use crate::db::{begin_write, is_transient};
use direct::DirectAppender;

/// Most entries written in one transaction (11 bound values each, well inside both
/// backends' parameter limits).
pub const MAX_BATCH: usize = 512;

/// The SQLite writer's page cache, in KiB (negative means KiB to SQLite): SQLite's default
/// 2 MiB, not the pools' 16 MiB. Appending needs few pages (the right edges of the table and
/// of its indexes), and every commit scans the whole cache's hash table
/// (`pcache1TruncateUnsafe`), which took 2 % of an audited round's CPU with 16 MiB
/// (BENCHMARKS.md, session 13). The connection also keeps its temporary files in memory
/// (`temp_store=MEMORY`): a batch's insert inside its transaction keeps a statement journal
/// of the pages it changes, which SQLite moves to a temporary file (open, write, close,
/// unlink) once it outgrows 64 KiB, about 16 entries.
const WRITER_CACHE_KIB: &str = "-2048";

/// An entry with its own copies of the fields, to cross to the writer task.
#[derive(Debug)]
struct Entry {
    actor: String,
    role: &'static str,
    action: String,
    resource: String,
    resource_id: String,
    request_id: String,
    worker_id: Option<String>,
}

impl Entry {
    fn of(ev: &AuditEvent<'_>) -> Self {
        Self {
            actor: ev.principal.subject.clone(),
            role: ev.principal.role.code(),
            action: ev.action.to_owned(),
            resource: ev.resource.to_owned(),
            resource_id: ev.resource_id.to_owned(),
            request_id: ev.request_id.to_owned(),
            worker_id: ev.worker_id.map(str::to_owned),
        }
    }

    fn fields(&self) -> Fields<'_> {
        Fields {
            party: Party {
                actor: &self.actor,
                role: self.role,
            },
            action: &self.action,
            resource: &self.resource,
            resource_id: &self.resource_id,
            request_id: &self.request_id,
            worker_id: self.worker_id.as_deref(),
        }
    }
}

/// Why a batch failed, as every reader of the batch is told: whether the error was
/// transient (a 503, see `crate::db::is_transient`) and its message.
#[derive(Debug, Clone)]
struct Failure {
    transient: bool,
    message: String,
}

impl Failure {
    fn of(e: &DbErr) -> Self {
        Self {
            transient: is_transient(e),
            message: format!("audit batch: {e}"),
        }
    }
}

impl From<Failure> for DbErr {
    fn from(f: Failure) -> Self {
        if f.transient {
            DbErr::Conn(RuntimeErr::Internal(f.message))
        } else {
            DbErr::Custom(f.message)
        }
    }
}

struct Job {
    entry: Entry,
    done: oneshot::Sender<Result<(), Failure>>,
}

/// The read-audit writer of one pool (see the module docs).
#[derive(Debug)]
pub struct ReadAudit {
    db: DatabaseConnection,
    separate: bool,
    queue: OnceLock<Option<mpsc::UnboundedSender<Job>>>,
    checkpoints: Arc<AtomicU64>,
    direct_batches: Arc<AtomicU64>,
}

impl ReadAudit {
    /// A writer over `db` (the read log's pool); its task starts with the first entry.
    /// With `separate`, it opens a connection of its own with the pool's options (not for an
    /// in-memory SQLite database, which only the pool's one connection can see).
    pub fn new(db: DatabaseConnection, separate: bool) -> Self {
        Self {
            db,
            separate,
            queue: OnceLock::new(),
            checkpoints: Arc::new(AtomicU64::new(0)),
            direct_batches: Arc::new(AtomicU64::new(0)),
        }
    }

    /// WAL checkpoints the writer's [`WalCheckpointer`] has completed (SQLite file
    /// databases; always 0 elsewhere).
    pub fn checkpoints(&self) -> u64 {
        self.checkpoints.load(Ordering::Relaxed)
    }

    /// Batches the writer's [`DirectAppender`] has committed (SQLite file databases; always
    /// 0 elsewhere); the others went through its sqlx connection.
    pub fn direct_batches(&self) -> u64 {
        self.direct_batches.load(Ordering::Relaxed)
    }

    /// Records that `ev.principal` read part of the personal record of `ev.worker_id`, as
    /// [`super::record_read`] does (a worker's own read is not recorded), and returns once
    /// the entry is committed.
    pub async fn record(&self, ev: AuditEvent<'_>) -> Result<(), DbErr> {
        if is_own_read(&ev) {
            return Ok(());
        }
        let Some(queue) = self.queue() else {
            return record_read(&self.db, ev).await;
        };
        let (done, answer) = oneshot::channel();
        let job = Job {
            entry: Entry::of(&ev),
            done,
        };
        if queue.send(job).is_err() {
            // The writer is gone and never saw the entry: write it here.
            return record_read(&self.db, ev).await;
        }
        match answer.await {
            Ok(result) => result.map_err(DbErr::from),
            Err(_) => Err(DbErr::Conn(RuntimeErr::Internal(
                "the audit writer stopped before answering".into(),
            ))),
        }
    }

    fn queue(&self) -> Option<&mpsc::UnboundedSender<Job>> {
        self.queue
            .get_or_init(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                let (db, separate) = (self.db.clone(), self.separate);
                let counters = Counters {
                    checkpoints: Arc::clone(&self.checkpoints),
                    direct_batches: Arc::clone(&self.direct_batches),
                };
                // Outside a runtime there is no writer: every entry is written directly
                // (see `record`).
                let runtime = tokio::runtime::Handle::try_current().ok()?;
                runtime.spawn(run(db, separate, counters, rx));
                Some(tx)
            })
            .as_ref()
    }
}

/// What the writer counts, for [`ReadAudit::checkpoints`] and
/// [`ReadAudit::direct_batches`].
struct Counters {
    checkpoints: Arc<AtomicU64>,
    direct_batches: Arc<AtomicU64>,
}

/// Where the writer writes.
enum Writer {
    /// SQLite: a connection of its own, held for good (no pool, no ping on release); a
    /// batch is two round trips on it ([`write_sqlite`]). With a [`WalCheckpointer`] (a file
    /// database), the connection's automatic checkpoints are off and the checkpointer runs
    /// them instead, and a [`DirectAppender`] writes the batches it can, this connection the
    /// others.
    Sqlite {
        conn: SqliteConnection,
        checkpointer: Option<WalCheckpointer>,
        direct: Option<DirectAppender>,
    },
    /// Through sea-orm, in a [`begin_write`] transaction with [`append_reads`]: a pool of
    /// one connection of its own on PostgreSQL, or the shared pool (an in-memory SQLite
    /// database, or when no connection of its own could be opened).
    Orm(DatabaseConnection),
}

impl Writer {
    /// The SQLite writer over `conn`, with a [`WalCheckpointer`] on a connection of its own
    /// (opened with `opts`, counting into `counters`) if one could be started and
    /// `conn`'s automatic checkpoints turned off; otherwise `conn` keeps checkpointing in
    /// its commits as before. With the checkpointer, batches are appended by a
    /// [`DirectAppender`] on the same file where it opens, `conn` taking the batches it
    /// cannot write.
    async fn sqlite(
        mut conn: SqliteConnection,
        opts: &SqliteConnectOptions,
        counters: Counters,
    ) -> Self {
        let checkpointer =
            match WalCheckpointer::start(opts, counters.checkpoints, RESTART_FRAMES).await {
                Ok(c) => match sqlx::query(NO_AUTOCHECKPOINT).execute(&mut conn).await {
                    Ok(_) => Some(c),
                    Err(e) => {
                        tracing::warn!(error = %e, "audit writer: checkpoints stay in its commits");
                        None
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "audit writer: no checkpoint connection");
                    None
                }
            };
        let direct = match &checkpointer {
            Some(_) => DirectAppender::open(opts.get_filename(), counters.direct_batches)
                .inspect_err(
                    |e| tracing::warn!(error = %e, "audit writer: every batch goes through sqlx"),
                )
                .ok(),
            None => None,
        };
        Writer::Sqlite {
            conn,
            checkpointer,
            direct,
        }
    }

    /// A connection of its own with the options of `shared`'s connections: sharing the
    /// pool, each batch would first queue for a connection behind the requests.
    async fn open(shared: &DatabaseConnection, separate: bool, counters: Counters) -> Self {
        if !separate {
            return Writer::Orm(shared.clone());
        }
        let own = match shared.get_database_backend() {
            DbBackend::Sqlite => {
                let opts = (*shared.get_sqlite_connection_pool().connect_options())
                    .clone()
                    .pragma("cache_size", WRITER_CACHE_KIB)
                    .pragma("temp_store", "MEMORY");
                match SqliteConnection::connect_with(&opts).await {
                    Ok(conn) => Ok(Writer::sqlite(conn, &opts, counters).await),
                    Err(e) => Err(e),
                }
            }
            DbBackend::Postgres => {
                let pool = shared.get_postgres_connection_pool();
                PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with((*pool.connect_options()).clone())
                    .await
                    .map(|p| Writer::Orm(SqlxPostgresConnector::from_sqlx_postgres_pool(p)))
            }
            _ => return Writer::Orm(shared.clone()),
        };
        own.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "audit writer: sharing the pool");
            Writer::Orm(shared.clone())
        })
    }

    /// After a batch was answered: the checkpointer's turn to restart the WAL (see
    /// [`WalCheckpointer::between_batches`]).
    async fn between_batches(&mut self) {
        if let Writer::Sqlite {
            conn,
            checkpointer: Some(checkpointer),
            ..
        } = self
        {
            checkpointer.between_batches(conn).await;
        }
    }

    async fn write(&mut self, jobs: &[Job]) -> Result<(), DbErr> {
        let fields: Vec<Fields<'_>> = jobs.iter().map(|j| j.entry.fields()).collect();
        match self {
            Writer::Sqlite {
                conn,
                checkpointer,
                direct,
            } => {
                if direct.as_mut().and_then(|d| d.append(&fields)).is_none() {
                    write_sqlite(conn, &fields).await?;
                }
                if let Some(c) = checkpointer {
                    c.wrote(fields.len());
                }
                Ok(())
            }
            Writer::Orm(db) => {
                let txn = begin_write(db).await?;
                append_reads(&txn, &fields).await?;
                txn.commit().await
            }
        }
    }
}

/// The writer: one transaction per batch of queued entries.
async fn run(
    shared: DatabaseConnection,
    separate: bool,
    counters: Counters,
    mut queue: mpsc::UnboundedReceiver<Job>,
) {
    let mut writer = Writer::open(&shared, separate, counters).await;
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        gather_ready(&mut queue, &mut jobs).await;
        let result = writer.write(&jobs).await.map_err(|e| Failure::of(&e));
        for job in jobs.drain(..) {
            // A reader that went away no longer needs the answer; its entry stays written.
            let _ = job.done.send(result.clone());
        }
        writer.between_batches().await;
    }
    match writer {
        Writer::Sqlite { conn, .. } => conn.close().await.ok(),
        Writer::Orm(db) if separate => db.close().await.ok(),
        Writer::Orm(_) => None,
    };
}

/// Before a batch is written: lets the tasks that are ready run once (the requests whose
/// reads are done queue their entries) and adds what they queued, up to [`MAX_BATCH`].
/// With the [`DirectAppender`] a batch is written as soon as its first entry arrives, and
/// batches shrank to 2.5 entries, a commit each; after one yield they hold ~9, a third of
/// the commits and their log pages, at the same throughput (BENCHMARKS.md, session 14).
async fn gather_ready(queue: &mut mpsc::UnboundedReceiver<Job>, jobs: &mut Vec<Job>) {
    if jobs.len() >= MAX_BATCH {
        return;
    }
    tokio::task::yield_now().await;
    while jobs.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(job) => jobs.push(job),
            Err(_) => break,
        }
    }
}

fn sqlx_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

/// The head's `seq` and `hash` (no row for an empty log), on SQLite (built once).
static HEAD: LazyLock<String> = LazyLock::new(|| {
    audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Seq)
        .column(audit_log::Column::Hash)
        .filter(is_head())
        .into_query()
        .to_string(SqliteQueryBuilder)
});

/// `BEGIN IMMEDIATE` and [`HEAD`], as one text (built once).
static BEGIN_AND_HEAD: LazyLock<String> = LazyLock::new(|| format!("BEGIN IMMEDIATE;\n{}", *HEAD));

/// A chain's last entry: its `seq` and `hash`.
type Head = (i64, String);

/// One batch on SQLite through sqlx, in two round trips: the write lock and the head, then
/// the rows chained onto it ([`chain`], as [`append_reads`] does) with `COMMIT`. The head is
/// read under the lock, so entries other connections appended are chained onto like any
/// others. On any error the transaction is rolled back (a failed `ROLLBACK` outside a
/// transaction is harmless).
async fn write_sqlite(conn: &mut SqliteConnection, entries: &[Fields<'_>]) -> Result<(), DbErr> {
    let result = insert_onto_current(conn, entries).await;
    if result.is_err() {
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    result
}

async fn insert_onto_current(
    conn: &mut SqliteConnection,
    entries: &[Fields<'_>],
) -> Result<(), DbErr> {
    let rows = sqlx::query(BEGIN_AND_HEAD.as_str())
        .fetch_all(&mut *conn)
        .await
        .map_err(sqlx_err)?;
    let head = match rows.first() {
        Some(row) => Some((
            row.try_get::<i64, _>("seq").map_err(sqlx_err)?,
            row.try_get::<String, _>("hash").map_err(sqlx_err)?,
        )),
        None => None,
    };
    let (_, rows) = chain(head, entries)?;
    let (sql, values) = audit_log::Entity::insert_many(rows)
        .into_query()
        .build(SqliteQueryBuilder);
    let mut query = sqlx::query(AssertSqlSafe(format!("{sql};\nCOMMIT")));
    for v in values.0 {
        query = match v {
            Value::BigInt(Some(n)) => query.bind(n),
            Value::String(s) => query.bind(s),
            other => return Err(DbErr::Custom(format!("unexpected audit value {other:?}"))),
        };
    }
    query.execute(&mut *conn).await.map_err(sqlx_err)?;
    Ok(())
}
