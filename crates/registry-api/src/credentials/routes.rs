//! `/api/v1/workers/{worker_id}/credentials` ([`WorkerCredentialsApi`]: create, list) and
//! `/api/v1/credentials/{id}` ([`CredentialApi`]: read, update).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use sea_orm::DbErr;

use super::api::{Credential, CredentialBody, CredentialPage, CredentialStatus};
use super::store;
use crate::audited::Read;
use crate::auth::{Auth, Principal, Role};
use crate::concurrency::{etag, expected_version};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::db::{entities::credential, is_unique_violation};
use crate::listing::Page;
use crate::mirror::Level;
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{
    ApiError, Errors, NestedCreateErrors, ProblemField, ProblemKind, ReadErrors, UpdateErrors,
};
use crate::routes::Tags;
use crate::scope::{
    can_read_worker, can_write_worker, find_through_worker, readable_worker, writable_worker,
};
use crate::state::AppState;
use crate::update::UpdateCtx;

const CURSOR_PREFIX: &str = "c1:";

/// A credential was created (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedCredential {
    /// The credential, with its location and ETag.
    #[oai(status = 201)]
    Created(
        Json<Credential>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

/// One credential with its ETag.
#[derive(ApiResponse)]
pub enum OneCredential {
    /// The credential; send the ETag back in `If-Match` to update it.
    #[oai(status = 200)]
    Ok(Json<Credential>, #[oai(header = "ETag")] String),
}

/// A page of credentials.
#[derive(ApiResponse)]
pub enum CredentialList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<CredentialPage>),
}

fn duplicate_or(e: DbErr) -> ApiError {
    if is_unique_violation(&e) {
        ApiError::new(
            ProblemKind::Conflict,
            "a credential with this certificate_number is already registered",
        )
    } else {
        e.into()
    }
}

fn one(m: credential::Model) -> Result<OneCredential, ApiError> {
    let tag = etag(m.version);
    Ok(OneCredential::Ok(Json(Credential::view(m)?), tag))
}

/// The credential `id` if `p` may read its worker; otherwise the same 404 as a missing one.
pub async fn readable_credential(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<credential::Model, ApiError> {
    let found =
        find_through_worker::<credential::Entity, _>(&state.db, id, |_, w| can_read_worker(p, w));
    Ok(found.await?.ok_or_else(ApiError::not_found)?.0)
}

/// A worker's credentials.
pub struct WorkerCredentialsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Credentials")]
impl WorkerCredentialsApi {
    /// Record a credential
    ///
    /// Admin of the worker's region only. Validated by the core credential rules; a
    /// `certificate_number` already on record is a 409. Send an `Idempotency-Key` to make
    /// retries safe.
    #[oai(
        path = "/workers/:worker_id/credentials",
        method = "post",
        operation_id = "create_credential"
    )]
    async fn create_credential(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<CredentialBody>,
    ) -> Result<Idempotent<CreatedCredential>, Errors<NestedCreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let input = body.value.validate()?;
        let worker = writable_worker(&state, p, &worker_id.0).await?;
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_credential",
            resource: "credential",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: Some(&worker.id),
        };
        Ok(create_once(
            &state,
            ctx,
            |m: &credential::Model| &m.id,
            async |txn, id| {
                let m = store::insert(&txn, id, &worker.id, &input)
                    .await
                    .map_err(duplicate_or)?;
                Ok((txn, m))
            },
            |m| {
                let location = format!("/api/v1/credentials/{}", m.id);
                let tag = etag(m.version);
                Ok(CreatedCredential::Created(
                    Json(Credential::view(m)?),
                    location,
                    tag,
                ))
            },
        )
        .await?)
    }

    /// List a worker's credentials
    ///
    /// For whoever may read the worker (admin and hr of its region, the worker themself);
    /// others get a 404. Oldest first, in pages of `limit` (default 50, maximum 200); follow
    /// `next_cursor`. Filters: `level`, `status`.
    #[oai(
        path = "/workers/:worker_id/credentials",
        method = "get",
        operation_id = "list_credentials"
    )]
    #[allow(clippy::too_many_arguments)] // one argument per documented parameter
    async fn list_credentials(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
        /// Only credentials of this level.
        level: Query<Option<Level>>,
        /// Only credentials with this current status.
        status: Query<Option<CredentialStatus>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<CredentialList, Errors<ReadErrors>> {
        let page = Page::new(CURSOR_PREFIX, cursor.0.as_deref(), limit.0)?;
        let worker = readable_worker(&state, &auth.0, &worker_id.0).await?;
        Read::new(&auth.0, &request_id, "list_credentials")
            .record_worker(&state, &worker.id)
            .await?;
        let level = level.0.map(|l| registry_core::level::Level::from(l).code());
        let status = status.0.map(CredentialStatus::code);
        let rows = store::list(
            &state.db,
            &worker.id,
            level,
            status,
            page.after(),
            page.limit,
        )
        .await?;
        let (items, next_cursor) = page.finish(rows, |m| &m.id, Credential::view)?;
        Ok(CredentialList::Ok(Json(CredentialPage {
            items,
            next_cursor,
        })))
    }
}

/// One credential.
pub struct CredentialApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Credentials")]
impl CredentialApi {
    /// Read a credential
    ///
    /// For whoever may read its worker; everyone else gets the same 404 as for an id that
    /// does not exist.
    #[oai(
        path = "/credentials/:id",
        method = "get",
        operation_id = "get_credential"
    )]
    async fn get_credential(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Credential id.
        id: Path<String>,
    ) -> Result<OneCredential, Errors<ReadErrors>> {
        let c = Read::new(&auth.0, &request_id, "get_credential")
            .one::<credential::Entity>(&state, "credential", &id.0)
            .await?;
        Ok(one(c)?)
    }

    /// Update a credential
    ///
    /// Admin of the worker's region only; replaces every field. A revoked credential cannot
    /// be restored (422 `credential.change_after_revocation`). `If-Match` with the ETag from
    /// the last read is required: missing is 428, stale is 412.
    #[oai(
        path = "/credentials/:id",
        method = "put",
        operation_id = "update_credential"
    )]
    async fn update_credential(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Credential id.
        id: Path<String>,
        /// The ETag from the last read, e.g. `"3"`.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<CredentialBody>,
    ) -> Result<OneCredential, Errors<UpdateErrors>> {
        let (p, id) = (&auth.0, id.0.as_str());
        let ctx = UpdateCtx::by_admin(p, &request_id, "update_credential", "credential", id)?;
        let expected = expected_version(if_match.0.as_deref())?;
        let input = body.value.validate()?;
        let (update, _worker) = ctx
            .begin_with(&state, expected, async |txn| {
                find_through_worker::<credential::Entity, _>(txn, id, |_, w| can_write_worker(p, w))
                    .await
            })
            .await?;
        if update.current.status == CredentialStatus::Revoked.code()
            && input.status != CredentialStatus::Revoked
        {
            return Err(ApiError::validation(vec![ProblemField {
                field: "status".into(),
                rule: "credential.change_after_revocation".into(),
                message: "a revoked credential cannot change status".into(),
            }])
            .into());
        }
        update
            .apply(async |txn| {
                store::update_if_version(txn, id, expected, &input)
                    .await
                    .map_err(duplicate_or)
            })
            .await?;
        Ok(one(update.commit(|_, _, change| Some(change)).await?)?)
    }
}
