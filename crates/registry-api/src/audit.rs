//! The audit log: one hash-chained entry per write, in the write's own transaction, and one
//! per read of a worker's personal record by anyone but that worker ([`record_read`]).
//!
//! Entry `n` stores `prev_hash` (entry `n-1`'s hash, or 64 zeros) and
//! `hash = SHA-256(prev_hash || "\n" || canonical)`, where `canonical` is the compact JSON
//! array `[seq, at, actor, role, action, resource, resource_id, request_id]`, with the
//! `worker_id` appended as a ninth element when the entry names one ([`entry_hash`]).
//! `seq` is the primary key and is taken as `last + 1`, so two appends can never share a
//! predecessor: on PostgreSQL appends are serialised with `pg_advisory_xact_lock` (one key
//! per chain: [`AUDIT_LOCK_KEY`], [`READ_LOG_LOCK_KEY`]), on SQLite by the `BEGIN IMMEDIATE`
//! write lock of the chain's database file; a fork would also fail the primary key.
//! Triggers (see the migration) refuse UPDATE, DELETE and TRUNCATE.
//!
//! Reads are chained apart from writes: [`record_read`], [`record_reads`] and
//! [`reads::ReadAudit`] are given the read log's connection (`AppState::read_log`, see
//! [`crate::db::read_log`]), where the same table holds a chain of its own; every function
//! here appends to the chain of the connection it is given. [`reads::ReadAudit`] records
//! reads with group commit: one transaction for all the reads waiting at that moment, each
//! reader answered once its entry is committed.
//!
//! Architecture invariant: entries name resources by id only; never a name, an ID number or
//! a token.

pub mod reads;

use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter, Set,
};
use time::format_description::well_known::Rfc3339;

use crate::auth::{Principal, Role};
use crate::crypto::sha256_hex;
use crate::db::begin_write;
use crate::db::entities::audit_log;
use crate::db::now_utc;

/// `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Advisory-lock key that serialises audit appends on PostgreSQL.
pub const AUDIT_LOCK_KEY: i64 = 0x5245_4749_5354_5259; // "REGISTRY"

/// Advisory-lock key that serialises appends to the read log on PostgreSQL
/// ([`crate::db::read_log`]): a lock of its own, so reads are recorded while a write of the
/// register holds [`AUDIT_LOCK_KEY`] (an import, a run's publication).
pub const READ_LOG_LOCK_KEY: i64 = 0x5245_4749_5354_5244; // "REGISTRD"

/// What was done, by whom, to what.
#[derive(Debug, Clone, Copy)]
pub struct AuditEvent<'a> {
    /// The caller.
    pub principal: &'a Principal,
    /// Operation id, e.g. `create_worker`.
    pub action: &'a str,
    /// Resource type, e.g. `worker`.
    pub resource: &'a str,
    /// Resource id.
    pub resource_id: &'a str,
    /// Request id.
    pub request_id: &'a str,
    /// The worker whose personal record was touched, if any (shown in their access log).
    pub worker_id: Option<&'a str>,
}

/// The hash of one entry, given its predecessor's hash and its fields.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor: &str,
    role: &str,
    action: &str,
    resource: &str,
    resource_id: &str,
    request_id: &str,
    worker_id: Option<&str>,
) -> String {
    let mut canonical = serde_json::json!([
        seq,
        at,
        actor,
        role,
        action,
        resource,
        resource_id,
        request_id
    ]);
    if let (Some(w), Some(fields)) = (worker_id, canonical.as_array_mut()) {
        fields.push(serde_json::Value::from(w));
    }
    let mut input = Vec::with_capacity(prev_hash.len() + 256);
    input.extend_from_slice(prev_hash.as_bytes());
    input.push(b'\n');
    input.extend_from_slice(canonical.to_string().as_bytes());
    sha256_hex(&input)
}

/// The party an entry names: who (`actor`) in which role.
#[derive(Debug, Clone, Copy)]
struct Party<'a> {
    actor: &'a str,
    role: &'a str,
}

/// Actor and role of entries written for anonymous public verifications.
pub const PUBLIC_ACTOR: &str = "public";

/// Appends an entry inside `txn`.
pub async fn append(txn: &DatabaseTransaction, ev: AuditEvent<'_>) -> Result<i64, DbErr> {
    append_fields(txn, &[Fields::from(&ev)]).await
}

/// Appends an entry for an anonymous public caller (actor and role `public`) inside `txn`;
/// `ev.principal` is ignored.
pub async fn append_public(txn: &DatabaseTransaction, ev: PublicEvent<'_>) -> Result<i64, DbErr> {
    let fields = Fields {
        party: Party {
            actor: PUBLIC_ACTOR,
            role: PUBLIC_ACTOR,
        },
        action: ev.action,
        resource: ev.resource,
        resource_id: ev.resource_id,
        request_id: ev.request_id,
        worker_id: ev.worker_id,
    };
    append_fields(txn, &[fields]).await
}

/// What an anonymous caller did (see [`append_public`]).
#[derive(Debug, Clone, Copy)]
pub struct PublicEvent<'a> {
    /// Operation id, e.g. `verify_credential`.
    pub action: &'a str,
    /// Resource type.
    pub resource: &'a str,
    /// Resource id (empty when nothing matched).
    pub resource_id: &'a str,
    /// Request id.
    pub request_id: &'a str,
    /// The worker whose record was read, if any.
    pub worker_id: Option<&'a str>,
}

/// One entry to append: who, what, to what, in which request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    party: Party<'a>,
    action: &'a str,
    resource: &'a str,
    resource_id: &'a str,
    request_id: &'a str,
    worker_id: Option<&'a str>,
}

impl<'a> From<&AuditEvent<'a>> for Fields<'a> {
    fn from(ev: &AuditEvent<'a>) -> Self {
        Self {
            party: Party {
                actor: &ev.principal.subject,
                role: ev.principal.role.code(),
            },
            action: ev.action,
            resource: ev.resource,
            resource_id: ev.resource_id,
            request_id: ev.request_id,
            worker_id: ev.worker_id,
        }
    }
}

/// Serialises appends until `txn` ends: the advisory lock [`AUDIT_LOCK_KEY`] on PostgreSQL;
/// nothing on SQLite, where the `BEGIN IMMEDIATE` write lock already does it. The change
/// feed numbers its events under the same lock (`crate::events`).
pub async fn lock_appends(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    lock(txn, AUDIT_LOCK_KEY).await
}

/// Serialises appends to the read log until `txn` (a transaction on the read log) ends: the
/// advisory lock [`READ_LOG_LOCK_KEY`] on PostgreSQL; nothing on SQLite.
pub async fn lock_read_log(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    lock(txn, READ_LOG_LOCK_KEY).await
}

async fn lock(txn: &DatabaseTransaction, key: i64) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({key})"))
            .await?;
    }
    Ok(())
}

/// Appends `entries` to the register's chain (see [`append_chained`]).
pub(crate) async fn append_fields(
    txn: &DatabaseTransaction,
    entries: &[Fields<'_>],
) -> Result<i64, DbErr> {
    append_chained(txn, AUDIT_LOCK_KEY, entries).await
}

/// Appends `entries` to the read log's chain, `txn` being a transaction on the read log
/// (see [`append_chained`]).
pub(crate) async fn append_reads(
    txn: &DatabaseTransaction,
    entries: &[Fields<'_>],
) -> Result<i64, DbErr> {
    append_chained(txn, READ_LOG_LOCK_KEY, entries).await
}

/// Appends `entries` in order, under the advisory lock `key` on PostgreSQL, chained onto
/// the current head, with one lookup of the head and one multi-row insert; returns the last
/// sequence number.
async fn append_chained(
    txn: &DatabaseTransaction,
    key: i64,
    entries: &[Fields<'_>],
) -> Result<i64, DbErr> {
    lock(txn, key).await?;
    let last = audit_log::Entity::find()
        .filter(is_head())
        .all(txn)
        .await?
        .into_iter()
        .next();
    let head = last.map(|m| (m.seq, m.hash));
    let (seq, rows) = chain(head, entries)?;
    if !rows.is_empty() {
        audit_log::Entity::insert_many(rows).exec(txn).await?;
    }
    Ok(seq)
}

/// `seq = (SELECT max(seq) FROM audit_log)`: the head (not `ORDER BY seq DESC LIMIT ?`,
/// whose bound LIMIT makes SQLite prepare the statement again on every append).
pub(crate) fn is_head() -> Expr {
    let max = Query::select()
        .expr(Func::max(Expr::col(audit_log::Column::Seq)))
        .from(audit_log::Entity)
        .to_owned();
    ExprTrait::eq(
        Expr::col(audit_log::Column::Seq),
        Expr::SubQuery(None, Box::new(max.into())),
    )
}

/// The rows of `entries`, in order, chained onto `head` (`(seq, hash)` of the last entry;
/// `None` for an empty log), all with the same `at`; and the last sequence number.
pub(crate) fn chain(
    head: Option<(i64, String)>,
    entries: &[Fields<'_>],
) -> Result<(i64, Vec<audit_log::ActiveModel>), DbErr> {
    let (mut seq, mut prev_hash) = head.unwrap_or_else(|| (0, GENESIS_HASH.to_owned()));
    let at = now_utc()
        .format(&Rfc3339)
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let mut rows = Vec::with_capacity(entries.len());
    for ev in entries {
        seq += 1;
        let party = ev.party;
        let hash = entry_hash(
            &prev_hash,
            seq,
            &at,
            party.actor,
            party.role,
            ev.action,
            ev.resource,
            ev.resource_id,
            ev.request_id,
            ev.worker_id,
        );
        rows.push(audit_log::ActiveModel {
            seq: Set(seq),
            at: Set(at.clone()),
            actor: Set(party.actor.to_owned()),
            role: Set(party.role.to_owned()),
            action: Set(ev.action.to_owned()),
            resource: Set(ev.resource.to_owned()),
            resource_id: Set(ev.resource_id.to_owned()),
            request_id: Set(ev.request_id.to_owned()),
            worker_id: Set(ev.worker_id.map(str::to_owned)),
            prev_hash: Set(std::mem::replace(&mut prev_hash, hash.clone())),
            hash: Set(hash),
        });
    }
    Ok((seq, rows))
}

/// Whether `ev` is a worker reading their own record (never recorded).
fn is_own_read(ev: &AuditEvent<'_>) -> bool {
    ev.principal.role == Role::Worker
        && ev.worker_id.is_some()
        && ev.principal.worker_id() == ev.worker_id
}

/// Records that `ev.principal` read part of the personal record of `ev.worker_id`, in a
/// write transaction of its own that commits before the handler answers: if the entry cannot
/// be written the read fails, so no personal data leaves without its audit entry. A worker
/// reading their own record is not recorded. `action` is the operation id (`get_worker`,
/// `list_credentials`, ...); `resource`/`resource_id` name what was read (for a list, the
/// worker whose list it is). `db` is the read log (`AppState::read_log`).
pub async fn record_read(
    db: &sea_orm::DatabaseConnection,
    ev: AuditEvent<'_>,
) -> Result<(), DbErr> {
    if is_own_read(&ev) {
        return Ok(());
    }
    let txn = begin_write(db).await?;
    append_reads(&txn, &[Fields::from(&ev)]).await?;
    txn.commit().await
}

/// Records several reads (one entry per `(resource_id, worker_id)` of `reads`, each with
/// `template`'s principal, action, resource and request id) in ONE write transaction that
/// commits before the handler answers; a list answers only once all its entries are
/// written. Own reads of a worker are skipped, as in [`record_read`]; nothing is written
/// when nothing is left.
pub async fn record_reads<'a>(
    db: &sea_orm::DatabaseConnection,
    template: AuditEvent<'_>,
    reads: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), DbErr> {
    let events: Vec<AuditEvent<'_>> = reads
        .into_iter()
        .map(|(resource_id, worker_id)| AuditEvent {
            resource_id,
            worker_id: Some(worker_id),
            ..template
        })
        .filter(|ev| !is_own_read(ev))
        .collect();
    if events.is_empty() {
        return Ok(());
    }
    let fields: Vec<Fields<'_>> = events.iter().map(Fields::from).collect();
    let txn = begin_write(db).await?;
    append_reads(&txn, &fields).await?;
    txn.commit().await
}
