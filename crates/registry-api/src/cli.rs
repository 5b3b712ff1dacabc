//! The `registry-api` command line: `serve`, `migrate`, `openapi`, `keys`, `token`, `audit`,
//! `import`, `export`.
//!
//! Database settings are global flags with `REGISTRY_*` fallbacks; secrets come from the
//! environment only (see [`crate::config`]).

use clap::{Args, Parser, Subcommand};

/// The social-worker registry service.
#[derive(Debug, Parser)]
#[command(name = "registry-api", version, about)]
pub struct Cli {
    /// Database URL: `sqlite://FILE` (created if missing) or `postgres://…`.
    #[arg(
        long,
        global = true,
        env = "REGISTRY_DATABASE_URL",
        default_value = crate::config::DEFAULT_DATABASE_URL
    )]
    pub database_url: String,

    /// Connection pool size (default: 8 for SQLite, 16 for PostgreSQL).
    #[arg(long, global = true, env = "REGISTRY_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,

    /// How long a write waits for a lock held by another transaction before answering 503
    /// with `Retry-After`, in milliseconds (default 5000): SQLite's busy timeout,
    /// PostgreSQL's `lock_timeout`.
    #[arg(long, global = true, env = "REGISTRY_DB_LOCK_TIMEOUT_MS")]
    pub db_lock_timeout_ms: Option<u64>,

    /// SQLite only: the connections that read single workers (decisions, ladders) read the
    /// database file through a memory map of at most this many MiB (default 1024; 0: off).
    /// Faster reads of a register larger than the page caches (BENCHMARKS.md, session 13);
    /// the mapped pages those connections touch count in the process's RSS, once per
    /// connection, though they are the OS's page cache. No other connection maps the file.
    #[arg(long, global = true, env = "REGISTRY_SQLITE_MMAP_MIB")]
    pub sqlite_mmap_mib: Option<u64>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve HTTP.
    Serve(ServeArgs),
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI spec (YAML) to stdout.
    Openapi,
    /// Manage API keys for systems.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Mint a development JWT with the configured secret.
    Token(TokenArgs),
    /// Check the audit log's hash chain, or take a signed checkpoint of its head.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Import a CSV file (see README "Bulk import and export"); writes nothing unless every
    /// row is valid (or `--skip-invalid`).
    Import(ImportArgs),
    /// Export rows as CSV to stdout, in the import format (workers: resident IDs in clear).
    Export(ExportArgs),
    /// Write deterministic CSVs of N workers with credentials, for timing imports.
    #[command(hide = true)]
    BenchData(BenchDataArgs),
}

/// `import` options.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What the file holds (to move a region, import them in the order listed; see README
    /// "Moving a region").
    pub entity: crate::bulk::Entity,
    /// The CSV file (UTF-8, with a header); `-` reads stdin (copied to a private temporary
    /// file first: the import reads its input twice).
    pub file: std::path::PathBuf,
    /// Write the valid rows even if some rows are invalid.
    #[arg(long, requires = "rejected")]
    pub skip_invalid: bool,
    /// Write the rejected rows, with their errors, to this CSV file.
    #[arg(long)]
    pub rejected: Option<std::path::PathBuf>,
}

/// `export` options.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    pub entity: crate::bulk::Entity,
    /// Only rows of this region and the regions it contains.
    #[arg(long)]
    pub region: Option<String>,
}

/// `bench-data` options.
#[derive(Debug, Args)]
pub struct BenchDataArgs {
    /// Number of workers (one credential each).
    #[arg(long, default_value_t = 100_000)]
    pub workers: u64,
    /// Directory for `workers.csv` and `credentials.csv`.
    #[arg(long)]
    pub out: std::path::PathBuf,
}

/// `audit` subcommands (see [`crate::audit_verify`]).
#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Verify the whole chain; exits 1 and names the first broken entry if any.
    Verify {
        /// A line printed by `audit checkpoint`: also check its signature and that the
        /// entry it names still has the same hash (detects rewrites and truncation).
        #[arg(long)]
        checkpoint: Option<String>,
    },
    /// Print one signed line (sequence, head hash, UTC time, signature) to keep outside
    /// the database.
    Checkpoint,
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "REGISTRY_HOST", default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "REGISTRY_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Public verification limit per client IP: `N/s`, `N/min`, `N/h` or `off`.
    #[arg(long, env = "REGISTRY_RATE_LIMIT_PUBLIC", default_value = crate::rate_limit::DEFAULT_PUBLIC_RATE)]
    pub rate_limit_public: crate::rate_limit::RateSpec,
    /// Requests a public client may make at once (0: one second's worth).
    #[arg(long, env = "REGISTRY_RATE_LIMIT_PUBLIC_BURST", default_value_t = crate::rate_limit::DEFAULT_PUBLIC_BURST)]
    pub rate_limit_public_burst: u32,
    /// Limit per authenticated principal (API key or JWT subject): `N/s`, `N/min`, `N/h` or `off`.
    #[arg(long, env = "REGISTRY_RATE_LIMIT_AUTHENTICATED", default_value = crate::rate_limit::DEFAULT_AUTHENTICATED_RATE)]
    pub rate_limit_authenticated: crate::rate_limit::RateSpec,
    /// Requests a principal may make at once (0: one second's worth).
    #[arg(long, env = "REGISTRY_RATE_LIMIT_AUTHENTICATED_BURST", default_value_t = crate::rate_limit::DEFAULT_AUTHENTICATED_BURST)]
    pub rate_limit_authenticated_burst: u32,
    /// How long an API key is trusted after a lookup found it, in milliseconds (default
    /// 1000, at most 60000; 0: look the key up on every request). Keys are revoked by
    /// `keys revoke`, another process: a revoked key can still work this long.
    #[arg(long, env = "REGISTRY_API_KEY_CACHE_MS")]
    pub api_key_cache_ms: Option<u64>,
}

impl ServeArgs {
    /// The configured rate limits.
    pub fn rate_limits(&self) -> crate::rate_limit::RateLimits {
        crate::rate_limit::RateLimits::from_specs(
            (self.rate_limit_public, self.rate_limit_public_burst),
            (
                self.rate_limit_authenticated,
                self.rate_limit_authenticated_burst,
            ),
        )
    }
}

/// `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key; prints the key once on stdout.
    Create {
        /// `admin` or `hr`.
        #[arg(long)]
        role: String,
        /// Region code the key is scoped to (`000000` for the whole country).
        #[arg(long)]
        region: String,
        /// Label.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List keys (never the keys themselves).
    List,
    /// Revoke a key by id.
    Revoke {
        /// Key id from `keys list`.
        id: String,
    },
}

/// `token` options.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// `admin`, `hr` or `worker`.
    #[arg(long)]
    pub role: String,
    /// Region (admin, hr).
    #[arg(long, required_unless_present = "worker_id")]
    pub region: Option<String>,
    /// Worker id (worker).
    #[arg(long)]
    pub worker_id: Option<String>,
    /// Subject.
    #[arg(long, default_value = "dev")]
    pub sub: String,
    /// Lifetime in hours.
    #[arg(long, default_value_t = 12)]
    pub ttl_hours: i64,
}
