//! [`DirectAppender`]: the read-audit writer's batches appended to a SQLite read log on the
//! writer's own thread, through rusqlite, instead of through sqlx.
//!
//! Why: every sqlx statement crosses to the connection's thread and back. On the 2-core
//! machine under audited load a batch's round trip took ~400 µs of wall time for well under
//! 100 µs of SQLite's work: the connection's thread waited for a core, then the writer task
//! waited in the runtime's queue for the answer (BENCHMARKS.md, session 14). Every reader
//! of the batch, and every reader queued behind it, waited that long. Here the same
//! statements run where the writer runs, so a batch costs its own work only.
//!
//! It never waits on the calling thread (a runtime's worker): its busy timeout is 0. When
//! another connection holds the read log's write lock (a listed page's entries, a direct
//! write, the writer's WAL restart) `BEGIN IMMEDIATE` fails at once, nothing is written,
//! and [`DirectAppender::append`] answers `None`; the writer then writes that batch through
//! its sqlx connection, which waits on its own thread. Any other error is answered the same
//! way (nothing was committed: a transaction that did not commit is rolled back), so the
//! sqlx path, with its error handling, decides what the readers are told. It is opened only
//! when the writer's automatic checkpoints are off (a [`super::WalCheckpointer`] runs
//! them), so a commit never copies the log into the database on the calling thread.
//!
//! The head is read inside each batch's transaction, under the write lock, so entries
//! appended by other connections are chained onto like any others.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params_from_iter};
use sea_orm::sea_query::Value;
use sea_orm::{ActiveModelTrait, ActiveValue, DbErr, EntityName, IdenStatic, Iterable};

use super::{HEAD, Head, WRITER_CACHE_KIB};
use crate::audit::{Fields, chain};
use crate::db::entities::audit_log;

/// `INSERT` of one entry, every column bound in [`audit_log::Column`] order.
static INSERT_ONE: LazyLock<String> = LazyLock::new(|| {
    let columns: Vec<String> = audit_log::Column::iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let table = audit_log::Entity.table_name();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        marks.join(", ")
    )
});

/// A connection of the read-audit writer to its SQLite read log (see the module docs).
pub(super) struct DirectAppender {
    conn: Connection,
    committed: Arc<AtomicU64>,
}

impl std::fmt::Debug for DirectAppender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectAppender").finish_non_exhaustive()
    }
}

impl DirectAppender {
    /// Opens the read log at `file` (it exists, in WAL mode, with its table: the read
    /// log's pool made it) with the writer's settings: `synchronous=NORMAL` as every
    /// connection, the writer's small page cache, temporary files in memory, no automatic
    /// checkpoints and no busy wait. Each batch it commits is counted in `committed`.
    pub(super) fn open(file: &Path, committed: Arc<AtomicU64>) -> Result<Self, OpenError> {
        let conn = Connection::open_with_flags(
            file,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::ZERO)?;
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(OpenError::NotWal(mode));
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok(Self { conn, committed })
    }

    /// Appends `entries` in order, chained onto the log's head, in one `BEGIN IMMEDIATE`
    /// transaction; the batch's last entry once committed, or `None` when nothing was
    /// written (the write lock was taken, or any error: logged without the entries).
    pub(super) fn append(&mut self, entries: &[Fields<'_>]) -> Option<Head> {
        match self.try_append(entries) {
            Ok(last) => {
                self.committed.fetch_add(1, Ordering::Relaxed);
                Some(last)
            }
            Err(Refused::Busy) => None,
            Err(Refused::Failed(e)) => {
                tracing::warn!(error = %e, "audit writer: direct append failed, using sqlx");
                None
            }
        }
    }

    /// One batch in one transaction. `BEGIN IMMEDIATE`, the head query and `COMMIT` are
    /// cached statements like the insert: rusqlite's `transaction_with_behavior`, `query_row`
    /// and `commit` parse their text on every call, which took ~2 % of an audited round's
    /// CPU (BENCHMARKS.md, session 15). On any error the transaction is rolled back.
    fn try_append(&mut self, entries: &[Fields<'_>]) -> Result<Head, Refused> {
        self.conn.prepare_cached(BEGIN_IMMEDIATE)?.execute([])?;
        let result = self.append_in_transaction(entries).and_then(|head| {
            self.conn.prepare_cached(COMMIT)?.execute([])?;
            Ok(head)
        });
        if result.is_err() && !self.conn.is_autocommit() {
            // The batch is not committed: nothing of it stays. A failed rollback leaves the
            // connection in the transaction, and the next BEGIN then fails (and the batch
            // goes through sqlx), so nothing is ever committed half-way.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        result
    }

    /// The head, then the entries chained onto it, inside the open transaction.
    fn append_in_transaction(&self, entries: &[Fields<'_>]) -> Result<Head, Refused> {
        let head = self
            .conn
            .prepare_cached(HEAD.as_str())?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (seq, rows) = chain(head, entries)?;
        let Some(ActiveValue::Set(hash)) = rows.last().map(|r| r.hash.clone()) else {
            return Err(Refused::Failed("an empty audit batch".into()));
        };
        insert(&self.conn, &rows)?;
        Ok((seq, hash))
    }
}

/// Takes the write lock (fails at once when another connection holds it: busy timeout 0).
const BEGIN_IMMEDIATE: &str = "BEGIN IMMEDIATE";
/// Commits the batch.
const COMMIT: &str = "COMMIT";

/// Inserts `rows` in order on `conn`, one cached statement for every row.
fn insert(conn: &Connection, rows: &[audit_log::ActiveModel]) -> Result<(), Refused> {
    let mut insert = conn.prepare_cached(INSERT_ONE.as_str())?;
    for row in rows {
        let values = audit_log::Column::iter()
            .map(|c| bound(row.get(c)))
            .collect::<Result<Vec<_>, _>>()?;
        insert.execute(params_from_iter(values))?;
    }
    Ok(())
}

/// Why the read log was not opened for direct appends.
#[derive(Debug, thiserror::Error)]
pub(super) enum OpenError {
    /// SQLite refused (no such file, not a database, a setting).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The file is in another journal mode: only in WAL mode does a commit leave the
    /// checkpoints to the checkpointer.
    #[error("the read log is in journal mode {0}, not WAL")]
    NotWal(String),
}

/// Why a batch was not appended.
enum Refused {
    /// Another connection holds the write lock.
    Busy,
    /// Anything else, as text (the entries are not in it).
    Failed(String),
}

impl From<rusqlite::Error> for Refused {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Refused::Busy
            }
            _ => Refused::Failed(e.to_string()),
        }
    }
}

impl From<DbErr> for Refused {
    fn from(e: DbErr) -> Self {
        Refused::Failed(e.to_string())
    }
}

/// A column's value as rusqlite binds it: the entry's integers and texts, `NULL` for an
/// entry without a worker.
fn bound(v: ActiveValue<Value>) -> Result<rusqlite::types::Value, Refused> {
    use rusqlite::types::Value as Sql;
    match v.into_value() {
        Some(Value::BigInt(Some(n))) => Ok(Sql::Integer(n)),
        Some(Value::String(Some(s))) => Ok(Sql::Text(s)),
        Some(Value::String(None)) => Ok(Sql::Null),
        other => Err(Refused::Failed(format!("unexpected audit value {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::SqliteQueryBuilder;
    use sea_orm::{DbBackend, Schema};

    use super::*;
    use crate::audit::{Party, entry_hash};

    /// A read log file in WAL mode with the audit table, and a second connection to it.
    fn read_log(dir: &Path) -> (std::path::PathBuf, Connection) {
        let file = dir.join("registry.db-audit-reads");
        let other = Connection::open(&file).unwrap();
        let _: String = other
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .unwrap();
        let table = Schema::new(DbBackend::Sqlite)
            .create_table_from_entity(audit_log::Entity)
            .to_string(SqliteQueryBuilder);
        other.execute_batch(&table).unwrap();
        (file, other)
    }

    fn read_of(worker: &str) -> Fields<'_> {
        Fields {
            party: Party {
                actor: "key-1",
                role: "admin",
            },
            action: "get_worker_allowance",
            resource: "worker",
            resource_id: worker,
            request_id: "req-1",
            worker_id: Some(worker),
        }
    }

    /// Every row as (seq, worker_id, prev_hash, hash), after checking each hash.
    fn rows(conn: &Connection) -> Vec<(i64, Option<String>, String, String)> {
        let mut st = conn
            .prepare(
                "SELECT seq, at, actor, role, action, resource, resource_id, request_id, \
                 worker_id, prev_hash, hash FROM audit_log ORDER BY seq",
            )
            .unwrap();
        st.query_map([], |r| {
            let text = |i: usize| r.get::<_, String>(i);
            let worker: Option<String> = r.get(8)?;
            let hash = entry_hash(
                &text(9)?,
                r.get(0)?,
                &text(1)?,
                &text(2)?,
                &text(3)?,
                &text(4)?,
                &text(5)?,
                &text(6)?,
                &text(7)?,
                worker.as_deref(),
            );
            assert_eq!(hash, text(10)?, "entry {}", r.get::<_, i64>(0)?);
            Ok((r.get(0)?, worker, text(9)?, text(10)?))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
    }

    #[test]
    fn batches_chain_onto_the_head_whoever_appended_it() {
        let dir = tempfile::tempdir().unwrap();
        let (file, other) = read_log(dir.path());
        let mut appender = DirectAppender::open(&file, Arc::default()).unwrap();

        let first = appender.append(&[read_of("w1"), read_of("w2")]).unwrap();
        assert_eq!(first.0, 2);
        // Another connection appends an entry of a listed page meanwhile.
        let (_, listed) = chain(Some(first.clone()), &[read_of("w3")]).unwrap();
        assert!(insert(&other, &listed).is_ok());
        let last = appender.append(&[read_of("w4")]).unwrap();

        let log = rows(&other);
        let seqs: Vec<i64> = log.iter().map(|r| r.0).collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
        let workers: Vec<&str> = log.iter().filter_map(|r| r.1.as_deref()).collect();
        assert_eq!(workers, ["w1", "w2", "w3", "w4"]);
        assert_eq!(log[0].2, crate::audit::GENESIS_HASH);
        for pair in log.windows(2) {
            assert_eq!(
                pair[1].2, pair[0].3,
                "entry {} links to {}",
                pair[1].0, pair[0].0
            );
        }
        assert_eq!(last, (4, log[3].3.clone()));
    }

    /// A read log in `dir` holding one entry (of worker `w1`), appended directly; its
    /// appender and a second connection.
    fn appended_one(dir: &Path) -> (DirectAppender, Connection) {
        let (file, other) = read_log(dir);
        let mut appender = DirectAppender::open(&file, Arc::default()).unwrap();
        appender.append(&[read_of("w1")]).unwrap();
        (appender, other)
    }

    #[test]
    fn a_held_write_lock_writes_nothing_and_does_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let (mut appender, other) = appended_one(dir.path());

        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        // Busy timeout 0: refused at once (the writer then uses its sqlx connection).
        assert_eq!(appender.append(&[read_of("w2")]), None);
        other.execute_batch("COMMIT").unwrap();
        assert_eq!(rows(&other).len(), 1);

        let (seq, _) = appender.append(&[read_of("w3")]).unwrap();
        assert_eq!(seq, 2);
        let workers: Vec<Option<String>> = rows(&other).into_iter().map(|r| r.1).collect();
        assert_eq!(workers, [Some("w1".into()), Some("w3".into())]);
    }

    #[test]
    fn a_failed_batch_is_rolled_back_and_the_next_one_commits() {
        let dir = tempfile::tempdir().unwrap();
        let (mut appender, other) = appended_one(dir.path());

        // Fails after BEGIN and the head query: nothing stays, the lock is released.
        assert_eq!(appender.append(&[]), None);
        assert!(appender.conn.is_autocommit());
        other.execute_batch("BEGIN IMMEDIATE; COMMIT").unwrap();

        // The cached statements run again, many times.
        for n in 2..=5 {
            let (seq, _) = appender.append(&[read_of("w2")]).unwrap();
            assert_eq!(seq, n);
        }
        assert_eq!(rows(&other).len(), 5);
    }

    #[test]
    fn only_a_log_in_wal_mode_is_appended_to_directly() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rollback-journal.db");
        Connection::open(&file)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let refused = DirectAppender::open(&file, Arc::default()).unwrap_err();
        assert!(
            matches!(refused, OpenError::NotWal(ref mode) if mode == "delete"),
            "{refused}"
        );
    }
}
