//! The write path of every create: one transaction holding the row, its audit entry and
//! (with an `Idempotency-Key`) the idempotency record.
//!
//! [`create_once`] looks the key up, runs the resource's insert, appends the audit entry,
//! records the key and commits. A replay returns [`Created::Replayed`] with the id the first
//! request created, and the caller reads that row. When a concurrent twin with the same key
//! commits first (a unique violation here), the key is looked up again and its result
//! returned. Workers keep their own copy of this flow; later resources use this one.

use std::future::Future;

use sea_orm::DatabaseTransaction;

use crate::audit::{self, AuditEvent};
use crate::auth::Principal;
use crate::db::{begin_write, is_unique_violation};
use crate::idempotency::{self, Prior};
use crate::observe::RequestId;
use crate::problem::{ApiError, ProblemKind};
use crate::state::AppState;

/// What a create did.
#[derive(Debug)]
pub enum Created<M> {
    /// A new row.
    New(M),
    /// A retry of an earlier request: the id of the row it created.
    Replayed(String),
}

/// Who creates what, and with which key.
#[derive(Debug, Clone, Copy)]
pub struct CreateCtx<'a> {
    /// The caller.
    pub principal: &'a Principal,
    /// The request id (for the audit log).
    pub request_id: &'a RequestId,
    /// Operation id, e.g. `create_unit`.
    pub operation: &'a str,
    /// Resource type in the audit log, e.g. `unit`.
    pub resource: &'a str,
    /// The `Idempotency-Key`, if sent.
    pub key: Option<&'a str>,
    /// The raw request body (fingerprinted with the key).
    pub raw_body: &'a [u8],
    /// The worker whose personal record this create adds to, if any (for the audit log).
    pub worker_id: Option<&'a str>,
}

/// The 422 for a key reused with another body.
pub fn key_reused() -> ApiError {
    ApiError::new(
        ProblemKind::IdempotencyKeyReused,
        "this Idempotency-Key was already used with a different request",
    )
}

/// Runs `insert(txn, new_id)` once per idempotency key, with its audit entry, in one
/// transaction. `insert` hands the transaction back with the row; `id_of` names the row.
pub async fn create_once<M, F, Fut>(
    state: &AppState,
    ctx: CreateCtx<'_>,
    id_of: impl Fn(&M) -> &str,
    insert: F,
) -> Result<Created<M>, ApiError>
where
    F: FnOnce(DatabaseTransaction, String) -> Fut,
    Fut: Future<Output = Result<(DatabaseTransaction, M), ApiError>>,
{
    let p = ctx.principal;
    let fingerprint = ctx.key.map(|_| idempotency::fingerprint(ctx.raw_body));
    let idem = ctx.key.zip(fingerprint.as_deref());
    let first = async {
        let txn = begin_write(&state.db).await?;
        if let Some((key, fp)) = idem {
            match idempotency::lookup(&txn, &p.subject, ctx.operation, key, fp).await? {
                Prior::Replay { resource_id, .. } => {
                    txn.commit().await?;
                    return Ok(Created::Replayed(resource_id));
                }
                Prior::Mismatch => return Err(key_reused()),
                Prior::None => {}
            }
        }
        let (txn, m) = insert(txn, uuid::Uuid::now_v7().to_string()).await?;
        let id = id_of(&m).to_owned();
        audit::append(
            &txn,
            AuditEvent {
                principal: p,
                action: ctx.operation,
                resource: ctx.resource,
                resource_id: &id,
                request_id: ctx.request_id.as_str(),
                worker_id: ctx.worker_id,
            },
        )
        .await?;
        if let Some((key, fp)) = idem {
            idempotency::record(&txn, &p.subject, ctx.operation, key, fp, &id, 201)
                .await
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        ApiError::new(ProblemKind::Conflict, "a concurrent request used this key")
                    } else {
                        e.into()
                    }
                })?;
        }
        txn.commit().await?;
        Ok(Created::New(m))
    }
    .await;
    match (first, idem) {
        (Err(e), Some((key, fp))) if e.kind == ProblemKind::Conflict => {
            match idempotency::lookup(&state.db, &p.subject, ctx.operation, key, fp).await? {
                Prior::Replay { resource_id, .. } => Ok(Created::Replayed(resource_id)),
                Prior::Mismatch => Err(key_reused()),
                Prior::None => Err(e),
            }
        }
        (res, _) => res,
    }
}
