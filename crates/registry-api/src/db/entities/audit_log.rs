//! `audit_log`: append-only, hash-chained record of every write (in the register's database)
//! and of every read of a personal record by someone other than its worker (the same table in
//! the read log, `crate::db::read_log`). Triggers refuse UPDATE and DELETE on both backends.

use sea_orm::entity::prelude::*;

/// One audit entry.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// Position in the chain, from 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i64,
    /// RFC 3339 UTC time with microseconds, as hashed.
    pub at: String,
    /// Principal subject (API key id or JWT `sub`).
    pub actor: String,
    /// Principal role.
    pub role: String,
    /// Operation id, e.g. `create_worker`.
    pub action: String,
    /// Resource type, e.g. `worker`.
    pub resource: String,
    /// Resource id.
    pub resource_id: String,
    /// Request id of the HTTP request (or `cli`).
    pub request_id: String,
    /// The worker whose personal record the entry touched, if any (hashed when present).
    pub worker_id: Option<String>,
    /// Hash of the previous entry (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over `prev_hash` and the canonical fields, hex.
    pub hash: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
