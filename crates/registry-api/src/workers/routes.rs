//! `/api/v1/workers` ([`WorkersApi`]: create, list) and `/api/v1/workers/{id}`
//! ([`WorkerApi`]: read, update).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::ids::RegionCode;

use super::api::{CreateWorker, UpdateWorker, Worker, WorkerPage};
use super::store::{self, Visible};
use crate::audited::Read;
use crate::auth::{Auth, Principal, Role, Scope};
use crate::concurrency::{etag, expected_version};
use crate::create::{CreateCtx, Idempotent, WORKER_RESOURCE, create_once};
use crate::db::{entities::worker, is_unique_violation};
use crate::events::{Change, relevance};
use crate::listing::{Page, views};
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{
    ApiError, CreateErrors, Errors, ListErrors, ProblemKind, ReadErrors, UpdateErrors,
};
use crate::routes::Tags;
use crate::scope::{can_write_worker, readable_worker};
use crate::state::AppState;
use crate::update::UpdateCtx;

const CURSOR_PREFIX: &str = "w1:";

/// A worker was created (or an identical request with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedWorker {
    /// The worker, with its location and ETag.
    #[oai(status = 201)]
    Created(
        Json<Worker>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

/// One worker with its ETag.
#[derive(ApiResponse)]
pub enum OneWorker {
    /// The worker; send the ETag back in `If-Match` to update it.
    #[oai(status = 200)]
    Ok(Json<Worker>, #[oai(header = "ETag")] String),
}

/// A page of workers.
#[derive(ApiResponse)]
pub enum WorkerList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<WorkerPage>),
}

fn forbidden_region() -> ApiError {
    ApiError::new(
        ProblemKind::Forbidden,
        "region_code lies outside the caller's region",
    )
}

fn created(m: worker::Model, p: &Principal, state: &AppState) -> Result<CreatedWorker, ApiError> {
    let location = format!("/api/v1/workers/{}", m.id);
    let tag = etag(m.version);
    Ok(CreatedWorker::Created(
        Json(Worker::view(m, p, &state.pii)?),
        location,
        tag,
    ))
}

/// Operations on the worker collection.
pub struct WorkersApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Workers")]
impl WorkersApi {
    /// Register a worker
    ///
    /// Admin only, inside the admin's region. The resident ID is validated (GB 11643) and
    /// stored encrypted; a second worker with the same resident ID is a 409. Send an
    /// `Idempotency-Key` to make retries safe: a retry with the same body returns the first
    /// result, a reuse with another body is a 422.
    #[oai(path = "/workers", method = "post", operation_id = "create_worker")]
    async fn create_worker(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateWorker>,
    ) -> Result<Idempotent<CreatedWorker>, Errors<CreateErrors>> {
        Ok(create(
            &auth.0,
            &state,
            &request_id,
            idempotency_key.0.as_deref(),
            &body,
        )
        .await?)
    }

    /// List workers
    ///
    /// Workers visible to the caller, oldest first, in pages of `limit` (default 50,
    /// maximum 200). Follow `next_cursor` for the next page. Filters: `region` (the region
    /// and everything inside it, intersected with the caller's region) and `name` (prefix).
    #[oai(path = "/workers", method = "get", operation_id = "list_workers")]
    #[allow(clippy::too_many_arguments)] // one argument per documented parameter
    async fn list_workers(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Only workers registered in this region or below (6 digits).
        #[oai(validator(pattern = r"^[0-9]{6}$"))]
        region: Query<Option<String>>,
        /// Only workers whose name starts with this text.
        #[oai(validator(min_length = 1, max_length = 100))]
        name: Query<Option<String>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<WorkerList, Errors<ListErrors>> {
        Ok(list(
            &auth.0,
            &state,
            &request_id,
            region.0,
            name.0,
            cursor.0,
            limit.0,
        )
        .await?)
    }
}

/// Operations on one worker.
pub struct WorkerApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Workers")]
impl WorkerApi {
    /// Read a worker
    ///
    /// Admins and hr of the worker's region, and the worker themself. Everyone else gets the
    /// same 404 as for an id that does not exist. `resident_id` (clear) is present only for
    /// admins and the worker; `resident_id_masked` always.
    #[oai(path = "/workers/:id", method = "get", operation_id = "get_worker")]
    async fn get_worker(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        id: Path<String>,
    ) -> Result<OneWorker, Errors<ReadErrors>> {
        let p = &auth.0;
        let m = readable_worker(&state, p, &id.0).await?;
        Read::new(p, &request_id, "get_worker")
            .record_worker(&state, &m.id)
            .await?;
        let tag = etag(m.version);
        Ok(OneWorker::Ok(Json(Worker::view(m, p, &state.pii)?), tag))
    }

    /// Update a worker
    ///
    /// Admin of the worker's region only; replaces name, education, experience start and
    /// region (the resident ID cannot change). `If-Match` with the ETag from the last read
    /// is required: missing is 428, stale is 412, so concurrent updates never both win.
    #[oai(path = "/workers/:id", method = "put", operation_id = "update_worker")]
    async fn update_worker(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        id: Path<String>,
        /// The ETag from the last read, e.g. `"3"`.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateWorker>,
    ) -> Result<OneWorker, Errors<UpdateErrors>> {
        let ctx = UpdateCtx::by_admin(&auth.0, &request_id, "update_worker", "worker", &id.0)?;
        let expected = expected_version(if_match.0.as_deref())?;
        let fields = body.value.validate()?;
        let (p, id) = (&auth.0, id.0.as_str());
        let update = ctx
            .begin(&state, expected, async |txn| {
                Ok(store::find(txn, id)
                    .await?
                    .filter(|m| can_write_worker(p, m)))
            })
            .await?;
        if !p.can_write_region(&fields.region) {
            return Err(forbidden_region().into());
        }
        update
            .apply(async |txn| Ok(store::update_if_version(txn, id, expected, &fields).await?))
            .await?;
        let m = update
            .commit(|before, after, change| {
                relevance::worker_update(before, after).then_some(Change {
                    previous_region: Some(&before.region_code),
                    ..change
                })
            })
            .await?;
        let tag = etag(m.version);
        Ok(OneWorker::Ok(Json(Worker::view(m, p, &state.pii)?), tag))
    }
}

async fn create(
    p: &Principal,
    state: &AppState,
    request_id: &RequestId,
    key: Option<&str>,
    body: &JsonBody<CreateWorker>,
) -> Result<Idempotent<CreatedWorker>, ApiError> {
    p.require(&[Role::Admin])?;
    let input = body.value.validate()?;
    if !p.can_write_region(&input.fields.region) {
        return Err(forbidden_region());
    }
    let ctx = CreateCtx {
        principal: p,
        request_id,
        operation: "create_worker",
        resource: WORKER_RESOURCE,
        key,
        raw_body: &body.raw,
        // The new worker itself (see `WORKER_RESOURCE`).
        worker_id: None,
    };
    create_once(
        state,
        ctx,
        |m: &worker::Model| &m.id,
        async |txn, id| {
            let sealed = state
                .pii
                .seal(&input.resident_id)
                .map_err(ApiError::internal)?;
            let hash = state.pii.lookup_hash(&input.resident_id);
            let masked = input.resident_id.masked();
            match store::insert(&txn, id, sealed, hash, masked, &input.fields).await {
                Ok(m) => Ok((txn, m)),
                Err(e) if is_unique_violation(&e) => Err(ApiError::new(
                    ProblemKind::Conflict,
                    "a worker with this resident ID is already registered",
                )),
                Err(e) => Err(e.into()),
            }
        },
        |m| created(m, p, state),
    )
    .await
}

async fn list(
    p: &Principal,
    state: &AppState,
    request_id: &RequestId,
    region: Option<String>,
    name: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
) -> Result<WorkerList, ApiError> {
    let page = Page::new(CURSOR_PREFIX, cursor.as_deref(), limit)?;
    let filter = region
        .as_deref()
        .map(RegionCode::parse)
        .transpose()
        .map_err(|e| {
            use registry_core::RuleViolation;
            ApiError::from(e.at("region"))
        })?;
    let visible = match (&p.scope, filter.as_ref()) {
        (Scope::Worker(w), _) => Visible::Only(w),
        (Scope::Region(own), None) => Visible::Region(Some(own)),
        (Scope::Region(own), Some(f)) if own.contains(f) => Visible::Region(Some(f)),
        (Scope::Region(own), Some(f)) if f.contains(own) => Visible::Region(Some(own)),
        (Scope::Region(_), Some(_)) => Visible::Nothing,
    };
    let rows = store::list(
        &state.db,
        visible,
        name.as_deref(),
        page.after(),
        page.limit as u64,
    )
    .await?;
    let (rows, next_cursor) = page.cut(rows, |m| &m.id);
    let reads = rows.iter().map(|m| (m.id.as_str(), m.id.as_str()));
    Read::new(p, request_id, "list_workers")
        .record_each(state, "worker", reads)
        .await?;
    let items = views(rows, |m| Worker::view(m, p, &state.pii))?;
    Ok(WorkerList::Ok(Json(WorkerPage { items, next_cursor })))
}
