//! `registry-api import` and `registry-api export`: CSV in and out, for moving a region
//! between deployments (SQLite ↔ PostgreSQL) and for loading a register in one go.
//!
//! ## Layout
//! - [`import`]: the driver: read every row, validate every row ([`Kind::parse`], then
//!   [`Kind::check`] against storage), then write all valid rows in one transaction of
//!   chunked multi-row `INSERT`s ([`batch`]) with ONE audit entry (`import_<entity>`, resource
//!   `import`, resource id = the batch id) and one change-feed event per eligibility-relevant
//!   row (`crate::events::record_created_batch`), or nothing at all.
//! - [`export`]: the driver: keyset pages of [`EXPORT_PAGE`] rows, written as they come, with
//!   ONE audit entry (`export_<entity>`) since an export reads personal records.
//! - [`cells`]: one CSV row by column name; parses cells into values, errors name the column.
//! - [`workers`], [`units`], [`posts`], [`credentials`], [`assignments`], [`registrations`]:
//!   one [`Kind`] each:
//!   header, validation (the API's own `validate`), keys, insert values, export rows.
//! - [`progress`]: a progress bar on a terminal, plain lines otherwise.
//! - [`bench_data`]: deterministic CSVs of N workers with credentials, for timing imports.
//!
//! ## Invariants
//! - A rejected import writes nothing; errors are `line N: field F: rule R: message` and never
//!   contain a resident ID or a name (messages are the API's static texts).
//! - Import and export share one format per entity ([`Kind::HEADER`]); exports carry ids,
//!   versions and timestamps, so export → import reproduces every record.
//! - Re-importing a file changes nothing: rows are keyed and identical rows skipped; a row
//!   whose key exists with other values is a conflict (`import.conflict`), never an update.

pub mod assignments;
pub mod batch;
pub mod bench_data;
pub mod cells;
pub mod credentials;
pub mod export;
pub mod import;
pub mod posts;
pub mod progress;
pub mod registrations;
pub mod units;
pub mod workers;

use std::fmt;

use registry_core::ids::RegionCode;
use sea_orm::{DatabaseConnection, DbErr, Value};

use crate::auth::{Principal, Role, Scope, Via};
use crate::problem::ProblemField;

pub use export::export;
pub use import::{ImportOptions, ImportReport, import};

/// Rows per keyset page of an export.
pub const EXPORT_PAGE: u64 = 1000;

/// What to import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Entity {
    /// `workers` (resident IDs in clear).
    Workers,
    /// `units`.
    Units,
    /// `posts` (referencing units by id).
    Posts,
    /// `credentials` (referencing workers by id).
    Credentials,
    /// `assignments` (referencing workers and posts by id).
    Assignments,
    /// `registrations` (referencing credentials by id).
    Registrations,
}

impl Entity {
    /// Plural name, as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Workers => "workers",
            Self::Units => "units",
            Self::Posts => "posts",
            Self::Credentials => "credentials",
            Self::Assignments => "assignments",
            Self::Registrations => "registrations",
        }
    }
}

/// One broken rule of one row: prints as `line N: field F: rule R: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line of the file (the header is line 1).
    pub line: u64,
    /// Column name (or `row` for the row as a whole).
    pub field: String,
    /// Stable rule code, as in the API's problem details.
    pub rule: String,
    /// Static explanation (never the value).
    pub message: String,
}

impl RowError {
    /// The error `e` at `line`.
    pub fn at(line: u64, e: ProblemField) -> Self {
        Self {
            line,
            field: e.field,
            rule: e.rule,
            message: e.message,
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: field {}: rule {}: {}",
            self.line, self.field, self.rule, self.message
        )
    }
}

/// What storage says about one valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not stored yet: insert it.
    New,
    /// Stored with the same values: skip it.
    Same,
    /// Refused (unknown reference, conflict with a stored row).
    Reject(Vec<ProblemField>),
}

/// One importable, exportable entity.
#[allow(async_fn_in_trait)] // used only by this crate's single-threaded drivers
pub trait Kind {
    /// A validated row, ready to compare and insert.
    type Row;
    /// The entity.
    const ENTITY: Entity;
    /// The CSV header, in export order; imports accept the columns in any order.
    const HEADER: &'static [&'static str];
    /// Columns the header must contain (the others may be missing or blank).
    const REQUIRED: &'static [&'static str];
    /// Resource type in the audit log and the change feed (`credential`, ...): an imported
    /// row appends the event `crate::events::relevance` lists for a create of it, if any
    /// (then [`Kind::COLUMNS`] must hold `id` and `worker_id`).
    const RESOURCE: &'static str;
    /// The table.
    const TABLE: &'static str;
    /// The table columns [`Kind::values`] fills, in order.
    const COLUMNS: &'static [&'static str];

    /// Validates one row on its own (no storage), with the API's rules.
    fn parse(&self, row: &cells::Cells<'_>) -> Result<Self::Row, Vec<ProblemField>>;
    /// Keys that must be unique within the file: `(column, key)`.
    fn keys(row: &Self::Row) -> Vec<(&'static str, String)>;
    /// Looks up references and existing rows for a chunk of rows (and completes the rows
    /// with what they take from the rows they reference, e.g. a post's region).
    async fn check(
        &self,
        db: &DatabaseConnection,
        rows: &mut [&mut Self::Row],
    ) -> Result<Vec<Verdict>, DbErr>;
    /// The values of [`Kind::COLUMNS`] for a new row.
    fn values(&self, row: &Self::Row) -> Result<Vec<Value>, anyhow::Error>;
    /// One page of the export, after id `after`, as CSV records in [`Kind::HEADER`] order;
    /// returns the records and the last id.
    async fn page(
        &self,
        db: &DatabaseConnection,
        region: Option<&RegionCode>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<Vec<String>>, Option<String>), anyhow::Error>;
}

/// The principal the CLI writes audit entries as: a national admin named `cli:<job>`.
pub fn cli_principal(job: &str) -> Principal {
    Principal {
        subject: format!("cli:{job}"),
        role: Role::Admin,
        scope: Scope::Region(RegionCode::NATIONAL),
        via: Via::ApiKey,
    }
}

/// The error for a reference to a row that is not stored.
pub fn unknown_reference(field: &str, what: &str) -> ProblemField {
    ProblemField {
        field: field.to_owned(),
        rule: "import.unknown_reference".into(),
        message: format!("no stored {what} has this id"),
    }
}

/// The error for a row whose key is stored with other values.
pub fn conflict(field: &str, changed: &[&str]) -> ProblemField {
    ProblemField {
        field: field.to_owned(),
        rule: "import.conflict".into(),
        message: format!(
            "a stored record has this key with other values ({}); imports never overwrite",
            changed.join(", ")
        ),
    }
}

/// The names of `pairs` whose two sides differ.
pub fn changed<'a>(pairs: &[(&'a str, bool)]) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(_, same)| !same)
        .map(|(n, _)| *n)
        .collect()
}
