//! [`AppState`]: everything a request needs, built once at start and shared by reference
//! (`Data<&AppState>` in operations). Cloning is cheap (reference counts only).

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbErr};

use crate::allowance_runs::in_progress::RunsInProgress;
use crate::audit::reads::ReadAudit;
use crate::auth::jwt::JwtVerifier;
use crate::auth::key_cache::KeyCache;
use crate::config::{Config, DatabaseUrl};
use crate::crypto::PiiCipher;
use crate::db::read_log;
use crate::decisions::worker_reads::{READERS, WorkerReads};
use crate::metrics::Metrics;
use crate::policies::cache::PolicyCache;
use crate::rate_limit::Limiters;

/// Shared state of the running service.
#[derive(Clone)]
pub struct AppState {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// Resident ID sealing and lookup hashing.
    pub pii: Arc<PiiCipher>,
    /// Bearer-token verification.
    pub jwt: Arc<JwtVerifier>,
    /// API keys checked in the last [`Config::api_key_cache`].
    pub api_keys: Arc<KeyCache>,
    /// Request counters and latency histograms.
    pub metrics: Arc<Metrics>,
    /// Per-client rate limits.
    pub limits: Arc<Limiters>,
    /// The parsed allowance policies, checked against the database on every use.
    pub policies: Arc<PolicyCache>,
    /// The read-audit writer (group commit of read entries into `read_log`).
    pub reads: Arc<ReadAudit>,
    /// The read log: the audit chain of reads ([`crate::db::read_log`]).
    pub read_log: DatabaseConnection,
    /// The coalescing reader of single-worker answers.
    pub worker_reads: Arc<WorkerReads>,
    /// The allowance runs being computed, by region and month.
    pub runs_in_progress: RunsInProgress,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("backend", &self.db.get_database_backend())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over existing pools: of the register, of its read log, and the one the
    /// single-worker readers read the register through (`crate::db::connect_readers`).
    pub fn new(
        config: &Config,
        db: DatabaseConnection,
        read_log: DatabaseConnection,
        readers: DatabaseConnection,
    ) -> Self {
        Self {
            reads: Arc::new(ReadAudit::new(
                read_log.clone(),
                !matches!(config.database, DatabaseUrl::Sqlite { path: None, .. }),
            )),
            read_log,
            policies: Arc::new(PolicyCache::default()),
            worker_reads: Arc::new(WorkerReads::new(readers)),
            db,
            pii: Arc::new(PiiCipher::new(&config.data_key)),
            jwt: Arc::new(JwtVerifier::new(&config.jwt)),
            api_keys: Arc::new(KeyCache::new(config.api_key_cache)),
            metrics: Arc::new(Metrics::default()),
            limits: Arc::new(Limiters::new(&config.rate_limits)),
            runs_in_progress: RunsInProgress::default(),
        }
    }

    /// Connects to the configured database and its read log, applies pending migrations,
    /// and builds the state.
    pub async fn connect_and_migrate(config: &Config) -> Result<Self, DbErr> {
        if matches!(config.database, DatabaseUrl::Sqlite { path: None, .. }) {
            // An in-memory database lives and dies with its one connection: migrate that one
            // (a pool of its own would migrate a database nobody else sees).
            let db = crate::db::connect(config).await?;
            crate::db::migrate_pool(&db).await?;
            let read_log = read_log::connect(config).await?;
            read_log::ensure_schema(&read_log).await?;
            return Ok(Self::new(config, db.clone(), read_log, db));
        }
        crate::db::migrate(config).await?;
        let db = crate::db::connect(config).await?;
        let read_log = read_log::connect(config).await?;
        let readers = crate::db::connect_readers(config, &db, READERS as u32).await?;
        Ok(Self::new(config, db, read_log, readers))
    }

    /// Closes every pool (the register's, the readers', the read log's).
    pub async fn close(&self) -> Result<(), DbErr> {
        self.worker_reads.pool().clone().close().await?;
        self.read_log.clone().close().await?;
        self.db.clone().close().await
    }
}
