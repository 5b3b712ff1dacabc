//! Database access: connecting, write transactions, and what storage errors mean to a client.
//!
//! - [`connect`] builds the pool. SQLite gets WAL, `busy_timeout`, `foreign_keys=ON` and
//!   `synchronous=NORMAL` and a 16 MiB page cache on every connection;
//!   PostgreSQL gets a bounded pool, a `lock_timeout` on every connection, and a ping only
//!   for connections idle ≥ 30 s. Both timeouts are `Config::lock_timeout`
//!   (`REGISTRY_DB_LOCK_TIMEOUT_MS`), so a lock held elsewhere fails fast instead of queueing
//!   requests behind it.
//! - [`connect_readers`] builds the pool of the single-worker readers
//!   (`crate::decisions::worker_reads`): on a SQLite file a few connections of their own that
//!   read the file through a memory map.
//! - [`begin_write`] starts every write transaction: `BEGIN IMMEDIATE` on SQLite (the write
//!   lock is taken up front, so a read-then-write cannot fail half-way with a busy snapshot),
//!   a plain `BEGIN` on PostgreSQL.
//! - `From<DbErr> for ApiError`: a busy SQLite, an exhausted pool or a PostgreSQL
//!   serialization failure, deadlock or lock timeout is a 503 with `Retry-After`, never a 500.
//! - [`entities`]: the sea-orm entities, one file per table.
//! - [`script`]: several statements sent together (one round trip on SQLite).
//! - [`wal_checkpointer`]: the read-audit writer's WAL checkpoints, on a connection of
//!   their own (SQLite).
//! - [`read_log`]: the database of the audit chain of reads, apart from the register.

pub mod entities;
pub mod read_log;
pub mod recorded_order;
pub mod script;
pub mod wal_checkpointer;

use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    AccessMode, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, IsolationLevel,
    RuntimeErr, SqlErr, SqliteTransactionMode, SqlxPostgresConnector, SqlxSqliteConnector,
    TransactionOptions, TransactionTrait,
};

use crate::config::{Config, DatabaseUrl};
use crate::problem::ApiError;

/// How long a request waits for a pooled connection before a 503.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Applies pending migrations over a pool of exactly one connection, closed afterwards, so
/// nothing else (a second pooled connection opening, a pool maintenance task) can contend for
/// the SQLite write lock or a PostgreSQL table lock while the schema changes.
pub async fn migrate(config: &Config) -> Result<(), DbErr> {
    let single = Config {
        max_connections: 1,
        ..config.clone()
    };
    let db = connect(&single).await?;
    migrate_pool(&db).await?;
    db.close().await?;
    let reads = read_log::connect(&single).await?;
    read_log::ensure_schema(&reads).await?;
    reads.close().await
}

/// Applies the pending migrations through `db` (an in-memory SQLite database is migrated on
/// the one connection that serves it).
pub async fn migrate_pool(db: &DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm_migration::MigratorTrait;
    crate::migration::Migrator::up(db, None).await
}

/// SQLite's `cache_size` per connection, in KiB (negative means KiB to SQLite).
const SQLITE_CACHE_KIB: &str = "-16384";

/// A pooled PostgreSQL connection idle at least this long is pinged before it is handed out.
const PG_PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// Which database of a deployment a pool opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Store {
    /// The register (and its audit chain of writes).
    Register,
    /// The register, read through a memory map (SQLite): the single-worker readers.
    RegisterMapped,
    /// The audit chain of reads ([`read_log`]).
    ReadLog,
}

/// Opens the pool for `config.database`.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, DbErr> {
    open(config, Store::Register).await
}

/// The pool the single-worker readers (`crate::decisions::worker_reads`) read the register
/// through. On a SQLite file: `connections` connections of their own that read the file
/// through a memory map of [`Config::sqlite_mmap_bytes`]; a reader then takes the pages it
/// visits straight from the OS's page cache instead of copying each into its own cache with
/// a `pread` (audited decisions +10–28 %, BENCHMARKS.md session 13). The map is kept off
/// the other connections: runs and writes were slower with it, and every connection maps
/// the file for itself (the mapped pages it touched count in the process's RSS, once per
/// map, though they are the OS's page cache and not memory of the process). In memory and
/// on PostgreSQL: `db` itself.
pub async fn connect_readers(
    config: &Config,
    db: &DatabaseConnection,
    connections: u32,
) -> Result<DatabaseConnection, DbErr> {
    match &config.database {
        DatabaseUrl::Sqlite { path: Some(_), .. } => {
            let readers = Config {
                max_connections: connections,
                ..config.clone()
            };
            open(&readers, Store::RegisterMapped).await
        }
        _ => Ok(db.clone()),
    }
}

/// Opens the pool of `store` in `config.database`.
async fn open(config: &Config, store: Store) -> Result<DatabaseConnection, DbErr> {
    let sqlx_err = |e: sea_orm::sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(e.into()));
    match &config.database {
        DatabaseUrl::Sqlite { url, path } => {
            let mut opts = SqliteConnectOptions::from_str(url).map_err(sqlx_err)?;
            if let (Store::ReadLog, Some(path)) = (store, path) {
                opts = opts.filename(read_log::sqlite_path(path));
            }
            let mut opts = opts
                .create_if_missing(true)
                .foreign_keys(true)
                .busy_timeout(config.lock_timeout);
            if path.is_some() {
                opts = opts
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    // 16 MiB of page cache per connection (SQLite's default is 2 MiB): an
                    // allowance run reads a whole region through one connection and re-reads
                    // index pages; with the default cache it re-reads them from the OS.
                    .pragma("cache_size", SQLITE_CACHE_KIB);
                if store == Store::RegisterMapped {
                    // See `connect_readers`.
                    opts = opts.pragma("mmap_size", config.sqlite_mmap_bytes.to_string());
                }
            }
            // `:memory:` is one database per connection: keep exactly one.
            let max = if path.is_some() {
                config.max_connections
            } else {
                1
            };
            // No ping before handing out a connection (sqlx's default): an SQLite
            // connection is a file handle that cannot drop, and the ping is a round trip
            // to the connection's thread on every query (BENCHMARKS.md, finding 3).
            let pool = SqlitePoolOptions::new()
                .max_connections(max)
                .min_connections(1)
                .test_before_acquire(false)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(opts)
                .await
                .map_err(sqlx_err)?;
            Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
        }
        DatabaseUrl::Postgres(url) => {
            // A lock wait longer than this fails with 55P03, a 503 (see `is_transient`).
            let mut opts = PgConnectOptions::from_str(url)
                .map_err(sqlx_err)?
                .options([("lock_timeout", config.lock_timeout.as_millis())]);
            if store == Store::ReadLog {
                opts = opts.options([("search_path", read_log::PG_SCHEMA)]);
            }
            // sqlx pings every connection before handing it out, a round trip per request;
            // only a connection idle for a while (the server or a proxy may have dropped it)
            // is worth checking. A connection that failed mid-query is closed by sqlx anyway.
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= PG_PING_AFTER_IDLE {
                            use sea_orm::sqlx::Connection;
                            conn.ping().await?;
                        }
                        Ok(true)
                    })
                })
                .connect_with(opts)
                .await
                .map_err(sqlx_err)?;
            Ok(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
        }
    }
}

/// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite).
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let sqlite_transaction_mode = (db.get_database_backend() == DbBackend::Sqlite)
        .then_some(SqliteTransactionMode::Immediate);
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode,
        ..Default::default()
    })
    .await
}

/// A transaction that reads the database as it was at its first statement, while other
/// connections write: on PostgreSQL a read-only `REPEATABLE READ` transaction, on SQLite a
/// deferred one (in WAL mode a reader keeps the snapshot of its first read until it ends).
/// An allowance run reads the register through one (`crate::allowance_runs::compute`).
/// Ending it changes nothing, unless it wrote (only on a one-connection SQLite database).
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        // SQLite has neither option (sea-orm would warn on each run).
        return db.begin().await;
    }
    db.begin_with_options(TransactionOptions {
        isolation_level: Some(IsolationLevel::RepeatableRead),
        access_mode: Some(AccessMode::ReadOnly),
        sqlite_transaction_mode: None,
    })
    .await
}

/// Whether the error means "try again shortly": SQLite busy/locked, pool exhausted,
/// PostgreSQL serialization failure, deadlock or lock timeout, or a lost connection.
pub fn is_transient(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                sea_orm::sqlx::Error::Database(d) => {
                    let code = d.code().unwrap_or_default();
                    // SQLite primary codes 5 (BUSY) and 6 (LOCKED) and their extended codes;
                    // PostgreSQL 40001, 40P01, 55P03.
                    let sqlite_busy = code
                        .parse::<u32>()
                        .map(|c| matches!(c & 0xff, 5 | 6))
                        .unwrap_or(false);
                    sqlite_busy || matches!(code.as_ref(), "40001" | "40P01" | "55P03")
                }
                sea_orm::sqlx::Error::PoolTimedOut
                | sea_orm::sqlx::Error::PoolClosed
                | sea_orm::sqlx::Error::Io(_) => true,
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether the error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        if is_transient(&err) {
            ApiError::unavailable(err)
        } else {
            ApiError::internal(err)
        }
    }
}

/// Now, in UTC, truncated to microseconds so it round-trips through both backends.
pub fn now_utc() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    let micros = now.microsecond();
    now.replace_microsecond(micros).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;
    use crate::config::JwtConfig;
    use crate::crypto::DataKey;

    async fn pragma(db: &DatabaseConnection, name: &str) -> i64 {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("PRAGMA {name}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index(0).unwrap()
    }

    /// Every pooled SQLite connection gets the page cache; only the single-worker readers'
    /// connections get the memory map, of a GiB unless configured (0: none).
    #[tokio::test]
    async fn sqlite_connections_get_the_cache_and_only_readers_the_map() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let config = Config::new(
            &url,
            DataKey::generate().unwrap(),
            JwtConfig::with_secret(vec![0; 32]),
        )
        .unwrap();
        let db = connect(&config).await.unwrap();
        assert_eq!(pragma(&db, "mmap_size").await, 0);
        assert_eq!(pragma(&db, "cache_size").await, -16384);
        let readers = connect_readers(&config, &db, 2).await.unwrap();
        assert_eq!(pragma(&readers, "mmap_size").await, 1024 * 1024 * 1024);
        assert_eq!(pragma(&readers, "cache_size").await, -16384);
        assert_eq!(
            readers
                .get_sqlite_connection_pool()
                .options()
                .get_max_connections(),
            2
        );
        readers.close().await.unwrap();
        for (mib, bytes) in [(64, 64 * 1024 * 1024), (0, 0)] {
            let c = config.clone().with_sqlite_mmap_mib(Some(mib)).unwrap();
            let readers = connect_readers(&c, &db, 2).await.unwrap();
            assert_eq!(pragma(&readers, "mmap_size").await, bytes);
            readers.close().await.unwrap();
        }
        db.close().await.unwrap();
    }

    /// An in-memory register has one connection: the readers read through it.
    #[tokio::test]
    async fn in_memory_readers_share_the_one_connection() {
        let config = Config::new(
            "sqlite::memory:",
            DataKey::generate().unwrap(),
            JwtConfig::with_secret(vec![0; 32]),
        )
        .unwrap();
        let db = connect(&config).await.unwrap();
        migrate_pool(&db).await.unwrap();
        let readers = connect_readers(&config, &db, 2).await.unwrap();
        let tables = |c: DatabaseConnection| async move {
            c.query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT count(*) FROM sqlite_master WHERE name = 'workers'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap()
        };
        assert_eq!(tables(readers).await, 1);
        db.close().await.unwrap();
    }
}
