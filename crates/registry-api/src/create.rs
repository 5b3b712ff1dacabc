//! The write path of every create: one transaction holding the row, its audit entry and
//! (with an `Idempotency-Key`) the idempotency record with the first response.
//!
//! [`create_once`] looks the key up, runs the resource's insert, appends the audit entry
//! (and the change-feed event, when [`crate::events::relevance`] reports the resource),
//! renders the response, records the key with that response and commits. A replay answers
//! with the recorded response exactly (status, body, `Location`, `ETag`), even if the
//! resource changed since. When a concurrent twin with the same key commits first (a unique
//! violation here), the key is looked up again and its response returned.
//!
//! A create handler returns `Result<Idempotent<CreatedX>, Errors<CreateErrors>>`; its body
//! is `Ok(create_once(&state, ctx, id_of, insert, respond).await?)`, where `respond` turns
//! the inserted row into the `CreatedX` response. [`Idempotent`] documents exactly what
//! `CreatedX` documents, so the spec does not change.

use std::future::Future;

use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::registry::{MetaResponses, Registry};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

use crate::audit::{self, AuditEvent};
use crate::auth::Principal;
use crate::db::{begin_write, is_unique_violation};
use crate::events::{self, Change};
use crate::idempotency::{self, Prior, StoredResponse};
use crate::observe::RequestId;
use crate::problem::{ApiError, ProblemKind};
use crate::state::AppState;

/// The resource name of workers: a worker's own create names the new worker in its audit
/// entry (see [`CreateCtx::worker_id`]).
pub const WORKER_RESOURCE: &str = "worker";

/// A create's response: the one just rendered, or the first response to the same
/// `Idempotency-Key`. Documented in the spec exactly as `R`.
#[derive(Debug)]
pub enum Idempotent<R> {
    /// Rendered by this request (no `Idempotency-Key` was sent).
    Fresh(R),
    /// The response recorded with the key: by this request or by the first one.
    Recorded(StoredResponse),
}

impl<R: ApiResponse> ApiResponse for Idempotent<R> {
    const BAD_REQUEST_HANDLER: bool = R::BAD_REQUEST_HANDLER;

    fn meta() -> MetaResponses {
        R::meta()
    }

    fn register(registry: &mut Registry) {
        R::register(registry);
    }

    fn from_parse_request_error(err: poem::Error) -> Self {
        Self::Fresh(R::from_parse_request_error(err))
    }
}

impl<R: IntoResponse> IntoResponse for Idempotent<R> {
    fn into_response(self) -> Response {
        match self {
            Self::Fresh(r) => r.into_response(),
            Self::Recorded(s) => s.into_response(),
        }
    }
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
    /// `None` for a worker's own create ([`WORKER_RESOURCE`]): the new worker is named.
    pub worker_id: Option<&'a str>,
}

/// The 422 for a key reused with another body.
pub fn key_reused() -> ApiError {
    ApiError::new(
        ProblemKind::IdempotencyKeyReused,
        "this Idempotency-Key was already used with a different request",
    )
}

/// The 409 for a retry of a request recorded before first responses were kept.
fn unkept(resource_id: &str) -> ApiError {
    ApiError::new(
        ProblemKind::Conflict,
        format!(
            "this Idempotency-Key was used before first responses were kept; \
             the request created {resource_id}: read it instead of retrying"
        ),
    )
}

/// What an earlier request with this key did.
async fn prior<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    ctx: &CreateCtx<'_>,
    key: &str,
    fp: &str,
) -> Result<Prior, ApiError> {
    idempotency::lookup(
        conn,
        &state.pii,
        &ctx.principal.subject,
        ctx.operation,
        key,
        fp,
    )
    .await
}

/// What an earlier request with the key means for this one: its response to replay, an
/// error (the key was reused with another body, or recorded without its response), or
/// nothing (no earlier request: go on).
fn settled(prior: Prior) -> Result<Option<StoredResponse>, ApiError> {
    match prior {
        Prior::Replay(stored) => Ok(Some(stored)),
        Prior::Unkept { resource_id } => Err(unkept(&resource_id)),
        Prior::Mismatch => Err(key_reused()),
        Prior::None => Ok(None),
    }
}

/// The first response to `ctx`'s `Idempotency-Key`, if one was recorded (or the error a
/// retry gets), looked up outside any transaction: for a create that does long work before
/// [`create_once`] (an allowance run), so that a retry does not repeat it. [`create_once`]
/// still looks again inside its transaction.
pub async fn recorded<R>(
    state: &AppState,
    ctx: &CreateCtx<'_>,
) -> Result<Option<Idempotent<R>>, ApiError> {
    let Some(key) = ctx.key else {
        return Ok(None);
    };
    let fp = idempotency::fingerprint(ctx.raw_body);
    Ok(settled(prior(&state.db, state, ctx, key, &fp).await?)?.map(Idempotent::Recorded))
}

/// Runs `insert(txn, new_id)` once per idempotency key, with its audit entry, in one
/// transaction, and answers with `respond(row)` — or, for a retry, with the first response.
/// `insert` hands the transaction back with the row; `id_of` names the row.
pub async fn create_once<M, R, F, Fut>(
    state: &AppState,
    ctx: CreateCtx<'_>,
    id_of: impl Fn(&M) -> &str,
    insert: F,
    respond: impl FnOnce(M) -> Result<R, ApiError>,
) -> Result<Idempotent<R>, ApiError>
where
    F: FnOnce(DatabaseTransaction, String) -> Fut,
    Fut: Future<Output = Result<(DatabaseTransaction, M), ApiError>>,
    R: IntoResponse,
{
    let p = ctx.principal;
    let fingerprint = ctx.key.map(|_| idempotency::fingerprint(ctx.raw_body));
    let idem = ctx.key.zip(fingerprint.as_deref());
    let first: Result<Idempotent<R>, ApiError> = async {
        let txn = begin_write(&state.db).await?;
        if let Some((key, fp)) = idem
            && let Some(stored) = settled(prior(&txn, state, &ctx, key, fp).await?)?
        {
            txn.commit().await?;
            return Ok(Idempotent::Recorded(stored));
        }
        let (txn, m) = insert(txn, uuid::Uuid::now_v7().to_string()).await?;
        let id = id_of(&m).to_owned();
        let worker_id = ctx
            .worker_id
            .or((ctx.resource == WORKER_RESOURCE).then_some(id.as_str()));
        audit::append(
            &txn,
            AuditEvent {
                principal: p,
                action: ctx.operation,
                resource: ctx.resource,
                resource_id: &id,
                request_id: ctx.request_id.as_str(),
                worker_id,
            },
        )
        .await?;
        events::record(&txn, Change::created(ctx.resource, &id, worker_id)).await?;
        let response = respond(m)?;
        let Some((key, fp)) = idem else {
            txn.commit().await?;
            return Ok(Idempotent::Fresh(response));
        };
        let stored = StoredResponse::capture(response).await?;
        idempotency::record(
            &txn,
            &state.pii,
            &p.subject,
            ctx.operation,
            key,
            fp,
            &id,
            &stored,
        )
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::new(ProblemKind::Conflict, "a concurrent request used this key")
            } else {
                e.into()
            }
        })?;
        txn.commit().await?;
        Ok(Idempotent::Recorded(stored))
    }
    .await;
    match (first, idem) {
        (Err(e), Some((key, fp))) if e.kind == ProblemKind::Conflict => {
            match settled(prior(&state.db, state, &ctx, key, fp).await?)? {
                Some(stored) => Ok(Idempotent::Recorded(stored)),
                None => Err(e),
            }
        }
        (res, _) => res,
    }
}
