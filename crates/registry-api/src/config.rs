//! Service configuration: where the database is, the data key, the JWT settings.
//!
//! `REGISTRY_AUDIT_KEY` (32 bytes, hex or base64) signs audit checkpoints; without it a
//! development key file `<db>.audit-key` is generated like the others ([`Config::new`]
//! derives one from the data key). Request limits default to
//! [`crate::rate_limit::RateLimits::default`] and are set by `serve` flags.
//!
//! Values come from flags (see [`crate::cli`]) and `REGISTRY_*` environment variables and are
//! validated once, at start, into a [`Config`]; a bad value stops the process with a message
//! naming the variable. Secrets (`REGISTRY_DATA_KEY`, `REGISTRY_JWT_SECRET`) are read from the
//! environment only, never from flags (flags show up in `ps`).
//!
//! On a fresh machine with the default SQLite database and no secrets configured, development
//! secrets are generated next to the database file (`<db>.data-key`, `<db>.jwt-secret`,
//! mode 0600) with a loud warning. PostgreSQL deployments must configure both.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::crypto::{CryptoError, DataKey};

/// Default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://registry.db";
/// Default JWT issuer and audience.
pub const DEFAULT_JWT_ISSUER: &str = "registry-api";
/// Default JWT audience.
pub const DEFAULT_JWT_AUDIENCE: &str = "registry-api";
/// Default time a write waits for a lock held by another transaction before it gives up
/// with a 503 (`REGISTRY_DB_LOCK_TIMEOUT_MS`).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest accepted lock timeout, in milliseconds.
pub const MAX_LOCK_TIMEOUT_MS: u64 = 600_000;
/// Largest SQLite memory map, in MiB (`REGISTRY_SQLITE_MMAP_MIB`).
pub const MAX_SQLITE_MMAP_MIB: u64 = 65_536;
/// The single-worker readers' memory map unless configured, in MiB (BENCHMARKS.md,
/// session 13).
pub const DEFAULT_SQLITE_MMAP_MIB: u64 = 1024;
/// Shortest accepted HS256 secret.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The database URL is neither `sqlite:` nor `postgres:`.
    #[error(
        "REGISTRY_DATABASE_URL / --database-url must start with sqlite: or postgres://, got {0:?}"
    )]
    DatabaseUrl(String),
    /// The data key does not parse.
    #[error("REGISTRY_DATA_KEY: {0}")]
    DataKey(#[source] CryptoError),
    /// The audit checkpoint key does not parse.
    #[error("REGISTRY_AUDIT_KEY: {0}")]
    AuditKey(#[source] CryptoError),
    /// The JWT secret is too short.
    #[error("REGISTRY_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes")]
    JwtSecret,
    /// A secret is required but missing (PostgreSQL or in-memory SQLite).
    #[error("{0} is required when the database is not a SQLite file")]
    Missing(&'static str),
    /// A development secret file could not be read or written.
    #[error("development secret file {path}: {source}")]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A number is out of range.
    #[error("{0}")]
    Range(&'static str),
}

/// Which database, parsed from the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database; `path` is `None` for `:memory:`.
    Sqlite {
        /// The URL as given.
        url: String,
        /// The file, if any.
        path: Option<PathBuf>,
    },
    /// A PostgreSQL server.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses and classifies a database URL.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        else {
            return Err(ConfigError::DatabaseUrl(url.to_owned()));
        };
        let file = rest.split('?').next().unwrap_or_default();
        let path = if file.is_empty() || file == ":memory:" {
            None
        } else {
            Some(PathBuf::from(file))
        };
        Ok(Self::Sqlite {
            url: url.to_owned(),
            path,
        })
    }

    /// The URL as given.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } => url,
            Self::Postgres(url) => url,
        }
    }

    /// Whether this is SQLite.
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite { .. })
    }

    fn sqlite_file(&self) -> Option<&Path> {
        match self {
            Self::Sqlite { path, .. } => path.as_deref(),
            Self::Postgres(_) => None,
        }
    }
}

/// JWT verification and minting settings (HS256).
#[derive(Clone)]
pub struct JwtConfig {
    /// The shared secret.
    pub secret: Vec<u8>,
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: String,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtConfig {
    /// Settings with the default issuer and audience.
    pub fn with_secret(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
            issuer: DEFAULT_JWT_ISSUER.to_owned(),
            audience: DEFAULT_JWT_AUDIENCE.to_owned(),
        }
    }
}

/// The validated configuration of one process.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database.
    pub database: DatabaseUrl,
    /// Connection pool size.
    pub max_connections: u32,
    /// Key for resident ID encryption and lookup hashes.
    pub data_key: DataKey,
    /// JWT settings.
    pub jwt: JwtConfig,
    /// Key that signs audit checkpoints (`REGISTRY_AUDIT_KEY`).
    pub audit_key: DataKey,
    /// Per-client request limits (see [`crate::rate_limit`]).
    pub rate_limits: crate::rate_limit::RateLimits,
    /// How long a statement waits for a lock before failing (then a 503 with `Retry-After`):
    /// SQLite's `busy_timeout`, PostgreSQL's `lock_timeout`.
    pub lock_timeout: Duration,
    /// SQLite's `mmap_size`, in bytes, of the connections the single-worker readers read
    /// the register through (`crate::db::connect_readers`; `REGISTRY_SQLITE_MMAP_MIB`,
    /// default [`DEFAULT_SQLITE_MMAP_MIB`]; 0: off). No other connection maps the file.
    pub sqlite_mmap_bytes: u64,
    /// How long an API key found by a lookup is trusted without another one, so also how
    /// long a revoked key may still work (`REGISTRY_API_KEY_CACHE_MS`; zero: no cache).
    pub api_key_cache: Duration,
}

/// Default pool size: PostgreSQL gets more, SQLite has one writer anyway.
pub fn default_max_connections(db: &DatabaseUrl) -> u32 {
    match db {
        DatabaseUrl::Sqlite { path: None, .. } => 1,
        DatabaseUrl::Sqlite { .. } => 8,
        DatabaseUrl::Postgres(_) => 16,
    }
}

impl Config {
    /// A configuration for tests and embedding: explicit key and secret, no files.
    pub fn new(database_url: &str, data_key: DataKey, jwt: JwtConfig) -> Result<Self, ConfigError> {
        let database = DatabaseUrl::parse(database_url)?;
        Ok(Self {
            max_connections: default_max_connections(&database),
            database,
            audit_key: crate::checkpoint::derive_audit_key(&data_key),
            data_key,
            jwt,
            rate_limits: crate::rate_limit::RateLimits::default(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            sqlite_mmap_bytes: DEFAULT_SQLITE_MMAP_MIB * 1024 * 1024,
            api_key_cache: crate::auth::key_cache::DEFAULT_TTL,
        })
    }

    /// Sets the single-worker readers' SQLite memory map from `--sqlite-mmap-mib` /
    /// `REGISTRY_SQLITE_MMAP_MIB` (`None` keeps [`DEFAULT_SQLITE_MMAP_MIB`]; 0: off); at
    /// most [`MAX_SQLITE_MMAP_MIB`].
    pub fn with_sqlite_mmap_mib(mut self, mib: Option<u64>) -> Result<Self, ConfigError> {
        if let Some(mib) = mib {
            if mib > MAX_SQLITE_MMAP_MIB {
                return Err(ConfigError::Range(
                    "REGISTRY_SQLITE_MMAP_MIB must be between 0 and 65536",
                ));
            }
            self.sqlite_mmap_bytes = mib * 1024 * 1024;
        }
        Ok(self)
    }

    /// Sets how long a checked API key is cached from `--api-key-cache-ms` /
    /// `REGISTRY_API_KEY_CACHE_MS` (`None` keeps the default, one second; 0: off); at most
    /// one minute.
    pub fn with_api_key_cache_ms(mut self, ms: Option<u64>) -> Result<Self, ConfigError> {
        if let Some(ms) = ms {
            let ttl = Duration::from_millis(ms);
            if ttl > crate::auth::key_cache::MAX_TTL {
                return Err(ConfigError::Range(
                    "REGISTRY_API_KEY_CACHE_MS must be between 0 and 60000",
                ));
            }
            self.api_key_cache = ttl;
        }
        Ok(self)
    }

    /// Sets the lock timeout from `--db-lock-timeout-ms` / `REGISTRY_DB_LOCK_TIMEOUT_MS`
    /// (`None` keeps [`DEFAULT_LOCK_TIMEOUT`]); 1 to [`MAX_LOCK_TIMEOUT_MS`].
    pub fn with_lock_timeout_ms(mut self, ms: Option<u64>) -> Result<Self, ConfigError> {
        if let Some(ms) = ms {
            if ms == 0 || ms > MAX_LOCK_TIMEOUT_MS {
                return Err(ConfigError::Range(
                    "REGISTRY_DB_LOCK_TIMEOUT_MS must be between 1 and 600000",
                ));
            }
            self.lock_timeout = Duration::from_millis(ms);
        }
        Ok(self)
    }

    /// Builds the configuration from a database URL, an optional pool size and the
    /// `REGISTRY_*` secret variables, generating development secrets where allowed.
    pub fn load(database_url: &str, max_connections: Option<u32>) -> Result<Self, ConfigError> {
        let database = DatabaseUrl::parse(database_url)?;
        let max_connections = max_connections.unwrap_or_else(|| default_max_connections(&database));
        if max_connections == 0 || max_connections > 1000 {
            return Err(ConfigError::Range(
                "REGISTRY_DB_MAX_CONNECTIONS must be between 1 and 1000",
            ));
        }
        let data_key = match env("REGISTRY_DATA_KEY") {
            Some(v) => DataKey::parse(&v).map_err(ConfigError::DataKey)?,
            None => {
                let text = dev_secret(&database, "data-key", "REGISTRY_DATA_KEY", || {
                    DataKey::generate()
                        .map(|k| k.to_base64())
                        .map_err(|e| std::io::Error::other(e.to_string()))
                })?;
                DataKey::parse(&text).map_err(ConfigError::DataKey)?
            }
        };
        let secret = match env("REGISTRY_JWT_SECRET") {
            Some(v) => v.into_bytes(),
            None => dev_secret(&database, "jwt-secret", "REGISTRY_JWT_SECRET", || {
                DataKey::generate()
                    .map(|k| k.to_base64())
                    .map_err(|e| std::io::Error::other(e.to_string()))
            })?
            .into_bytes(),
        };
        if secret.len() < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::JwtSecret);
        }
        let jwt = JwtConfig {
            secret,
            issuer: env("REGISTRY_JWT_ISSUER").unwrap_or_else(|| DEFAULT_JWT_ISSUER.to_owned()),
            audience: env("REGISTRY_JWT_AUDIENCE")
                .unwrap_or_else(|| DEFAULT_JWT_AUDIENCE.to_owned()),
        };
        let audit_key = match env("REGISTRY_AUDIT_KEY") {
            Some(v) => DataKey::parse(&v).map_err(ConfigError::AuditKey)?,
            None => {
                let text = dev_secret(&database, "audit-key", "REGISTRY_AUDIT_KEY", || {
                    DataKey::generate()
                        .map(|k| k.to_base64())
                        .map_err(|e| std::io::Error::other(e.to_string()))
                })?;
                DataKey::parse(&text).map_err(ConfigError::AuditKey)?
            }
        };
        Ok(Self {
            database,
            max_connections,
            data_key,
            jwt,
            audit_key,
            rate_limits: crate::rate_limit::RateLimits::default(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            sqlite_mmap_bytes: DEFAULT_SQLITE_MMAP_MIB * 1024 * 1024,
            api_key_cache: crate::auth::key_cache::DEFAULT_TTL,
        })
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Reads `<db>.<suffix>` or creates it with `generate`, warning loudly.
fn dev_secret(
    db: &DatabaseUrl,
    suffix: &str,
    var: &'static str,
    generate: impl FnOnce() -> std::io::Result<String>,
) -> Result<String, ConfigError> {
    let db_file = db.sqlite_file().ok_or(ConfigError::Missing(var))?;
    let mut name = db_file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    let path = PathBuf::from(name);
    let io = |source| ConfigError::SecretFile {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            tracing::warn!(
                file = %path.display(),
                "{var} is not set: using the DEVELOPMENT secret file; set {var} in production"
            );
            Ok(text.trim().to_owned())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let text = generate().map_err(io)?;
            write_private(&path, &text).map_err(io)?;
            tracing::warn!(
                file = %path.display(),
                "{var} is not set: GENERATED a DEVELOPMENT secret next to the database; \
                 anyone with this file can read the protected data; set {var} in production"
            );
            Ok(text)
        }
        Err(e) => Err(io(e)),
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://registry.db").unwrap(),
            DatabaseUrl::Sqlite {
                url: "sqlite://registry.db".into(),
                path: Some("registry.db".into())
            }
        );
        assert!(matches!(
            DatabaseUrl::parse("sqlite::memory:").unwrap(),
            DatabaseUrl::Sqlite { path: None, .. }
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
    }

    fn in_memory() -> Config {
        Config::new(
            "sqlite::memory:",
            DataKey::generate().unwrap(),
            JwtConfig::with_secret(vec![0; 32]),
        )
        .unwrap()
    }

    #[test]
    fn lock_timeout_range() {
        let c = in_memory();
        assert_eq!(c.lock_timeout, DEFAULT_LOCK_TIMEOUT);
        let c = c.with_lock_timeout_ms(Some(250)).unwrap();
        assert_eq!(c.lock_timeout, Duration::from_millis(250));
        assert!(c.clone().with_lock_timeout_ms(Some(0)).is_err());
        assert!(
            c.with_lock_timeout_ms(Some(MAX_LOCK_TIMEOUT_MS + 1))
                .is_err()
        );
    }

    #[test]
    fn sqlite_mmap_is_a_gib_unless_set_and_bounded() {
        let c = in_memory();
        assert_eq!(c.sqlite_mmap_bytes, 1024 * 1024 * 1024);
        let c = c.with_sqlite_mmap_mib(None).unwrap();
        assert_eq!(c.sqlite_mmap_bytes, 1024 * 1024 * 1024);
        let on = c.clone().with_sqlite_mmap_mib(Some(512)).unwrap();
        assert_eq!(on.sqlite_mmap_bytes, 512 * 1024 * 1024);
        let off = c.clone().with_sqlite_mmap_mib(Some(0)).unwrap();
        assert_eq!(off.sqlite_mmap_bytes, 0);
        assert!(
            c.with_sqlite_mmap_mib(Some(MAX_SQLITE_MMAP_MIB + 1))
                .is_err()
        );
    }

    #[test]
    fn api_key_cache_is_a_second_unless_set_and_at_most_a_minute() {
        let c = in_memory();
        assert_eq!(c.api_key_cache, Duration::from_secs(1));
        let off = c.clone().with_api_key_cache_ms(Some(0)).unwrap();
        assert_eq!(off.api_key_cache, Duration::ZERO);
        let set = c.clone().with_api_key_cache_ms(Some(60_000)).unwrap();
        assert_eq!(set.api_key_cache, Duration::from_secs(60));
        assert!(c.with_api_key_cache_ms(Some(60_001)).is_err());
    }
}
