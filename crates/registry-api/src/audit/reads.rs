//! Group commit of read entries ([`ReadAudit`]): concurrent reads of personal records are
//! recorded by one writer task, many entries per write transaction.
//!
//! Every reader still waits for its own entry: [`ReadAudit::record`] queues the entry and
//! returns only once the transaction holding it has committed (or with the error that
//! rolled it back, so the read fails as with [`super::record_read`]): no personal data
//! leaves without its audit entry. The writer takes whatever is queued (up to
//! [`MAX_BATCH`] entries), appends it with [`super::append_fields`] in queue order, each
//! entry with its own actor, role, action, resource, request id and worker, chained onto
//! the head exactly as single appends are (same lock, same hash chain, one `at` per
//! transaction, as [`super::record_reads`] does for a list), commits and answers every
//! reader of the batch. One transaction per batch instead of one per read takes the
//! SQLite write lock (or the PostgreSQL advisory lock and commit flush) once for all the
//! readers waiting meanwhile, instead of making them queue on the lock one by one.
//!
//! The writer runs on a thread of its own (with a single-threaded tokio runtime) and a
//! connection of its own, started on first use; it ends when the [`ReadAudit`] is dropped.
//! Not a task among the requests' nor a connection of their pool: a batch takes four
//! statements, and each would otherwise wait its turn behind the requests that became
//! ready meanwhile, while every reader waits for the batch. Should the writer be gone, an
//! entry is written directly, in a transaction of its own, as [`super::record_read`] does.

use std::sync::OnceLock;

use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::SqlitePoolOptions;
use sea_orm::{
    DatabaseConnection, DbBackend, DbErr, RuntimeErr, SqlxPostgresConnector, SqlxSqliteConnector,
};
use tokio::sync::{mpsc, oneshot};

use super::{AuditEvent, Fields, Party, append_fields, is_own_read, record_read};
use crate::db::{begin_write, is_transient};

/// Most entries written in one transaction (11 bound values each, well inside both
/// backends' parameter limits).
pub const MAX_BATCH: usize = 512;

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
}

impl ReadAudit {
    /// A writer over `db`; its thread starts with the first entry. With `separate`, it
    /// opens a connection of its own with the pool's options (not for an in-memory SQLite
    /// database, which only the pool's one connection can see).
    pub fn new(db: DatabaseConnection, separate: bool) -> Self {
        Self {
            db,
            separate,
            queue: OnceLock::new(),
        }
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
                std::thread::Builder::new()
                    .name("audit-reads".into())
                    .spawn(move || {
                        // Should the runtime not start, `rx` is dropped here and every
                        // entry is written directly (see `record`).
                        if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                        {
                            rt.block_on(run(db, separate, rx));
                        }
                    })
                    .ok()?;
                Some(tx)
            })
            .as_ref()
    }
}

/// The writer: one transaction per batch of queued entries, on a connection of its own.
async fn run(shared: DatabaseConnection, separate: bool, mut queue: mpsc::UnboundedReceiver<Job>) {
    let own = if separate {
        own_connection(&shared).await
    } else {
        None
    };
    let db = own.as_ref().unwrap_or(&shared);
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let result = write(db, &jobs).await.map_err(|e| Failure::of(&e));
        for job in jobs.drain(..) {
            // A reader that went away no longer needs the answer; its entry stays written.
            let _ = job.done.send(result.clone());
        }
    }
    if let Some(own) = own {
        own.close().await.ok();
    }
}

async fn write(db: &DatabaseConnection, jobs: &[Job]) -> Result<(), DbErr> {
    let fields: Vec<Fields<'_>> = jobs.iter().map(|j| j.entry.fields()).collect();
    let txn = begin_write(db).await?;
    append_fields(&txn, &fields).await?;
    txn.commit().await
}

/// A pool of one connection with the options of `shared`'s connections, for the writer
/// alone: sharing the pool, each batch would first queue for a connection behind the
/// requests. `None` (use `shared`) if the connection cannot be opened.
async fn own_connection(shared: &DatabaseConnection) -> Option<DatabaseConnection> {
    let own = match shared.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = shared.get_sqlite_connection_pool();
            SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with((*pool.connect_options()).clone())
                .await
                .map(SqlxSqliteConnector::from_sqlx_sqlite_pool)
        }
        DbBackend::Postgres => {
            let pool = shared.get_postgres_connection_pool();
            PgPoolOptions::new()
                .max_connections(1)
                .connect_with((*pool.connect_options()).clone())
                .await
                .map(SqlxPostgresConnector::from_sqlx_postgres_pool)
        }
        _ => return None,
    };
    own.map_err(|e| tracing::warn!(error = %e, "audit writer: sharing the pool"))
        .ok()
}
