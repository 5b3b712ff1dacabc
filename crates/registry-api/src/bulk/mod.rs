//! `registry-api import` and `registry-api export`: CSV in and out, for moving a region
//! between deployments (SQLite ↔ PostgreSQL) and for loading a register in one go: every
//! register and record table a region owns ([`Entity`]).
//!
//! ## Layout
//! - [`import`]: the driver, streaming: pass 1 reads the file row by row and validates every
//!   row ([`Kind::parse`], keys unique in the file as [`fingerprint`]s, then [`Kind::check`]
//!   against storage and the file's earlier rows, a chunk at a time), spooling the new rows'
//!   values ([`spool`]); pass 2 writes them in one transaction of chunked multi-row `INSERT`s
//!   ([`batch`]) with ONE audit entry (`import_<entity>`, resource `import`, resource id = the
//!   batch id) and one change-feed event per eligibility-relevant row ([`feed`]), or nothing.
//! - [`export`]: the driver: keyset pages of [`EXPORT_PAGE`] rows, written as they come, with
//!   ONE audit entry (`export_<entity>`) since an export reads personal records.
//! - [`cells`]: one CSV row by column name; parses cells into values, errors name the column.
//! - One [`Kind`] per entity (header, validation with the API's own rules, keys, storage
//!   checks, insert values, export rows): registers [`units`], [`posts`], [`workers`],
//!   [`credentials`], [`registrations`], [`assignments`]; records [`continuing_education`],
//!   [`appraisals`], [`credit_entries`], [`objections`], [`allowance_policies`],
//!   [`allowance_payments`].
//! - [`layout`]: what the drivers know of a kind's table (id column, export order and region
//!   filter); [`lookup`]: storage look-ups and reference checks the kinds share;
//!   [`fingerprint`]: compact keys; [`spool`]:
//!   the new rows on disk between the passes; [`feed`]: their change-feed events.
//! - [`progress`]: a progress bar on a terminal, plain lines otherwise.
//! - [`bench_data`]: deterministic CSVs of N workers with credentials, for timing imports.
//!
//! ## Import order
//! [`Entity::ALL`] (and the enum's order): units, posts, workers, credentials, registrations,
//! assignments, continuing_education, appraisals, credit_entries, objections,
//! allowance_policies, allowance_payments. Each file references only rows of the files before
//! it, or (appraisal corrections, credit entry pointers) EARLIER rows of the same file: those two
//! are exported in `(recorded_at, id)` order, the order they were recorded, so a target always
//! precedes the rows naming it; [`Kind::Seen`] carries what a kind needs of them.
//!
//! ## Invariants
//! - An import's memory does not grow with the rows' size: one chunk of rows, 20 bytes per
//!   key (and per referencable record) of the file, the errors of the refused rows.
//! - A rejected import writes nothing; errors are `line N: field F: rule R: message` and never
//!   contain a resident ID or a name (messages are the API's static texts).
//! - Import and export share one format per entity ([`Kind::HEADER`]); exports carry ids,
//!   versions, timestamps and decisions, so export → import reproduces every record and a
//!   re-export is byte-identical.
//! - Re-importing a file changes nothing: rows are keyed and identical rows skipped; a row
//!   whose key exists with other values is a conflict (`import.conflict`), never an update
//!   (record tables are append-only: an import only inserts).

pub mod allowance_payments;
pub mod allowance_policies;
pub mod appraisals;
pub mod assignments;
pub mod batch;
pub mod bench_data;
pub mod cells;
pub mod continuing_education;
pub mod credentials;
pub mod credit_entries;
pub mod export;
pub mod feed;
pub mod fingerprint;
pub mod import;
pub mod layout;
pub mod lookup;
pub mod objections;
pub mod posts;
pub mod problems;
pub mod progress;
pub mod registrations;
pub mod spool;
pub mod units;
pub mod workers;

use std::fmt;

use registry_core::ids::RegionCode;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, Value};

use crate::auth::{Principal, Role, Scope, Via};
use crate::problem::ProblemField;
use layout::Layout;

/// Runs `$body` with `$k` bound to the [`Kind`] of `$entity` (the workers' needs the
/// deployment's resident ID cipher, `$state.pii`): the one dispatch of the import and export
/// drivers.
macro_rules! with_kind {
    ($entity:expr, $state:expr, $k:ident => $body:expr) => {
        match $entity {
            $crate::bulk::Entity::Workers => {
                let $k = &$crate::bulk::workers::Workers { pii: &$state.pii };
                $body
            }
            $crate::bulk::Entity::Units => {
                let $k = &$crate::bulk::units::Units;
                $body
            }
            $crate::bulk::Entity::Posts => {
                let $k = &$crate::bulk::posts::Posts;
                $body
            }
            $crate::bulk::Entity::Credentials => {
                let $k = &$crate::bulk::credentials::Credentials;
                $body
            }
            $crate::bulk::Entity::Registrations => {
                let $k = &$crate::bulk::registrations::Registrations;
                $body
            }
            $crate::bulk::Entity::Assignments => {
                let $k = &$crate::bulk::assignments::Assignments;
                $body
            }
            $crate::bulk::Entity::ContinuingEducation => {
                let $k = &$crate::bulk::continuing_education::ContinuingEducation;
                $body
            }
            $crate::bulk::Entity::Appraisals => {
                let $k = &$crate::bulk::appraisals::Appraisals;
                $body
            }
            $crate::bulk::Entity::CreditEntries => {
                let $k = &$crate::bulk::credit_entries::CreditEntries;
                $body
            }
            $crate::bulk::Entity::Objections => {
                let $k = &$crate::bulk::objections::Objections;
                $body
            }
            $crate::bulk::Entity::AllowancePolicies => {
                let $k = &$crate::bulk::allowance_policies::AllowancePolicies;
                $body
            }
            $crate::bulk::Entity::AllowancePayments => {
                let $k = &$crate::bulk::allowance_payments::AllowancePayments;
                $body
            }
        }
    };
}
pub(crate) use with_kind;

pub use export::export;
pub use import::{ImportOptions, ImportReport, import, import_file};
pub use problems::{
    changed, conflict, out_of_range, problem, recorded_after, renamed, unknown_earlier,
    unknown_reference, validated,
};

/// Rows per keyset page of an export.
pub const EXPORT_PAGE: u64 = 1000;

/// What to import or export: every register and record table a region owns. Listed in
/// import order ([`Entity::ALL`]): each entity references only entities above it (a record's
/// own earlier rows aside: an appraisal may correct, a credit entry point at, an earlier row of
/// the same file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Entity {
    /// `units`.
    Units,
    /// `posts` (referencing units by id).
    Posts,
    /// `workers` (resident IDs in clear).
    Workers,
    /// `credentials` (referencing workers by id).
    Credentials,
    /// `registrations` (referencing credentials by id).
    Registrations,
    /// `assignments` (referencing workers and posts by id).
    Assignments,
    /// `continuing_education` records (referencing workers by id).
    #[value(name = "continuing_education")]
    ContinuingEducation,
    /// `appraisals` (referencing workers, units and the corrected appraisal by id).
    Appraisals,
    /// `credit_entries` of workers and organisations (referencing workers and the entry
    /// pointed at by id).
    #[value(name = "credit_entries")]
    CreditEntries,
    /// `objections` (referencing workers and their credit entries by id).
    Objections,
    /// `allowance_policies`, every version.
    #[value(name = "allowance_policies")]
    AllowancePolicies,
    /// `allowance_payments`, one-off (referencing workers by id, policies by family id).
    #[value(name = "allowance_payments")]
    AllowancePayments,
}

impl Entity {
    /// Every entity, in an order that imports references before the rows naming them.
    pub const ALL: [Entity; 12] = [
        Self::Units,
        Self::Posts,
        Self::Workers,
        Self::Credentials,
        Self::Registrations,
        Self::Assignments,
        Self::ContinuingEducation,
        Self::Appraisals,
        Self::CreditEntries,
        Self::Objections,
        Self::AllowancePolicies,
        Self::AllowancePayments,
    ];

    /// The name on the command line: the table's name (and the file's, `<name>.csv`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Workers => "workers",
            Self::Units => "units",
            Self::Posts => "posts",
            Self::Credentials => "credentials",
            Self::Assignments => "assignments",
            Self::Registrations => "registrations",
            Self::ContinuingEducation => "continuing_education",
            Self::Appraisals => "appraisals",
            Self::CreditEntries => "credit_entries",
            Self::Objections => "objections",
            Self::AllowancePolicies => "allowance_policies",
            Self::AllowancePayments => "allowance_payments",
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

/// What [`Kind::check`] answers: a verdict per row, in order.
pub type Verdicts = Result<Vec<Verdict>, DbErr>;

/// A stored row of a kind's table.
pub type StoredModel<K> = <<K as Kind>::Stored as EntityTrait>::Model;

/// One importable, exportable entity.
#[allow(async_fn_in_trait)] // used only by this crate's single-threaded drivers
pub trait Kind {
    /// A validated row, ready to compare and insert.
    type Row;
    /// What [`Kind::check`] remembers of the file's accepted rows for later rows (e.g. the
    /// ids a later row may reference, as [`fingerprint`]s); `()` for most kinds.
    type Seen: Default;
    /// The table's entity.
    type Stored: EntityTrait;
    /// The entity.
    const ENTITY: Entity;
    /// The CSV header, in export order, `id` first; imports accept the columns in any order.
    const HEADER: &'static [&'static str];
    /// Columns the header must contain (the others may be missing or blank).
    const REQUIRED: &'static [&'static str];
    /// Resource type in the audit log and the change feed (`credential`, ...): an imported
    /// row appends the event `crate::events::relevance` lists for a create of it, if any
    /// (then [`Kind::COLUMNS`] must hold `id` and `worker_id`).
    const RESOURCE: &'static str;
    /// The table.
    const TABLE: &'static str;
    /// The table columns a new row fills, in order: `id`, then those [`Kind::values`] fills.
    const COLUMNS: &'static [&'static str];
    /// The table's id column, export order and export region filter.
    const LAYOUT: Layout<<Self::Stored as EntityTrait>::Column>;

    /// Validates one row on its own (no storage), with the API's rules.
    fn parse(&self, row: &cells::Cells<'_>) -> Result<Self::Row, Vec<ProblemField>>;
    /// The row's id, when the file gives one (a row without one is new unless a natural key
    /// says otherwise).
    fn id(row: &Self::Row) -> Option<&String>;
    /// The key besides the id a kind is keyed by, `(column, key)` (e.g. a certificate
    /// number); `None` for the kinds keyed by id only.
    fn natural_key(_row: &Self::Row) -> Option<(&'static str, String)> {
        None
    }
    /// Keys that must be unique within the file: `(column, key)`, the natural key first.
    fn keys(row: &Self::Row) -> Vec<(&'static str, String)> {
        let id = Self::id(row).map(|id| ("id", id.clone()));
        Self::natural_key(row).into_iter().chain(id).collect()
    }
    /// Looks up references and existing rows for a chunk of rows, in file order (and
    /// completes the rows with what they take from the rows they reference, e.g. a post's
    /// region). `seen` carries what the kind keeps of the accepted earlier rows of the file.
    async fn check(
        &self,
        db: &DatabaseConnection,
        rows: &mut [&mut Self::Row],
        seen: &mut Self::Seen,
    ) -> Verdicts;
    /// The values of [`Kind::COLUMNS`] after `id` for a new row.
    fn values(&self, row: &Self::Row) -> Result<Vec<Value>, anyhow::Error>;
    /// Every value of [`Kind::COLUMNS`] for a new row: its id (a new one when the file gives
    /// none), then [`Kind::values`].
    fn new_row(&self, row: &Self::Row) -> Result<Vec<Value>, anyhow::Error> {
        let mut values = vec![new_id(Self::id(row)).into()];
        values.extend(self.values(row)?);
        Ok(values)
    }
    /// The cells after `id` of a stored row's CSV record, in [`Kind::HEADER`] order (the
    /// export reads the table in keyset pages as [`Kind::LAYOUT`] says).
    fn record(&self, m: StoredModel<Self>) -> Result<Vec<String>, anyhow::Error>;
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

/// The row's id, or a new one (UUIDv7) when the file gives none.
pub fn new_id(id: Option<&String>) -> String {
    id.cloned()
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_first<K: Kind>() {
        let name = K::ENTITY.name();
        assert_eq!(K::HEADER.first(), Some(&"id"), "{name}: header");
        assert_eq!(K::COLUMNS.first(), Some(&"id"), "{name}: columns");
    }

    /// The drivers put the id first in every file and every new row (see [`Kind::new_row`]).
    #[test]
    fn every_kind_has_its_id_first() {
        id_first::<units::Units>();
        id_first::<posts::Posts>();
        id_first::<workers::Workers<'static>>();
        id_first::<credentials::Credentials>();
        id_first::<registrations::Registrations>();
        id_first::<assignments::Assignments>();
        id_first::<continuing_education::ContinuingEducation>();
        id_first::<appraisals::Appraisals>();
        id_first::<credit_entries::CreditEntries>();
        id_first::<objections::Objections>();
        id_first::<allowance_policies::AllowancePolicies>();
        id_first::<allowance_payments::AllowancePayments>();
    }
}
