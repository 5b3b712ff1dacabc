//! `/api/v1/workers/{worker_id}/continuing-education` ([`WorkerContinuingEducationApi`]:
//! create, list) and `/api/v1/continuing-education/{id}` ([`ContinuingEducationApi`]: read).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::api::{CeKind, ContinuingEducation, ContinuingEducationPage, CreateContinuingEducation};
use super::store;
use crate::audited::Read;
use crate::auth::{Auth, Role};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::db::entities::continuing_education as ce;
use crate::listing::Page;
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{Errors, NestedCreateErrors, ReadErrors};
use crate::routes::Tags;
use crate::scope::{readable_worker, writable_worker};
use crate::state::AppState;

const CURSOR_PREFIX: &str = "e1:";

/// A record was created (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedContinuingEducation {
    /// The record and its location.
    #[oai(status = 201)]
    Created(
        Json<ContinuingEducation>,
        #[oai(header = "Location")] String,
    ),
}

/// One record.
#[derive(ApiResponse)]
pub enum OneContinuingEducation {
    /// The record.
    #[oai(status = 200)]
    Ok(Json<ContinuingEducation>),
}

/// A page of records.
#[derive(ApiResponse)]
pub enum ContinuingEducationList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<ContinuingEducationPage>),
}

/// A worker's continuing-education records.
pub struct WorkerContinuingEducationApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::ContinuingEducation")]
impl WorkerContinuingEducationApi {
    /// Record continuing education
    ///
    /// Admin of the worker's region only. `hours` is a decimal string with at most one
    /// decimal (more than 0, at most 1000). Send an `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/workers/:worker_id/continuing-education",
        method = "post",
        operation_id = "create_continuing_education"
    )]
    async fn create_continuing_education(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateContinuingEducation>,
    ) -> Result<Idempotent<CreatedContinuingEducation>, Errors<NestedCreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let input = body.value.validate()?;
        let worker = writable_worker(&state, p, &worker_id.0).await?;
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_continuing_education",
            resource: "continuing_education",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: Some(&worker.id),
        };
        Ok(create_once(
            &state,
            ctx,
            |m: &ce::Model| &m.id,
            async |txn, id| {
                let m = store::insert(&txn, id, &worker.id, &input).await?;
                Ok((txn, m))
            },
            |m| {
                let location = format!("/api/v1/continuing-education/{}", m.id);
                Ok(CreatedContinuingEducation::Created(
                    Json(ContinuingEducation::view(m)?),
                    location,
                ))
            },
        )
        .await?)
    }

    /// List a worker's continuing education
    ///
    /// For whoever may read the worker (admin and hr of its region, the worker themself);
    /// others get a 404. Oldest first, in pages of `limit` (default 50, maximum 200); follow
    /// `next_cursor`. Filter: `kind`.
    #[oai(
        path = "/workers/:worker_id/continuing-education",
        method = "get",
        operation_id = "list_continuing_education"
    )]
    #[allow(clippy::too_many_arguments)] // one argument per documented parameter
    async fn list_continuing_education(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
        /// Only records of this kind.
        kind: Query<Option<CeKind>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<ContinuingEducationList, Errors<ReadErrors>> {
        let page = Page::new(CURSOR_PREFIX, cursor.0.as_deref(), limit.0)?;
        let worker = readable_worker(&state, &auth.0, &worker_id.0).await?;
        Read::new(&auth.0, &request_id, "list_continuing_education")
            .record_worker(&state, &worker.id)
            .await?;
        let kind = kind.0.map(CeKind::code);
        let rows = store::list(&state.db, &worker.id, kind, page.after(), page.limit).await?;
        let (items, next_cursor) = page.finish(rows, |m| &m.id, ContinuingEducation::view)?;
        Ok(ContinuingEducationList::Ok(Json(ContinuingEducationPage {
            items,
            next_cursor,
        })))
    }
}

/// One continuing-education record.
pub struct ContinuingEducationApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::ContinuingEducation")]
impl ContinuingEducationApi {
    /// Read a continuing-education record
    ///
    /// For whoever may read the worker; everyone else gets the same 404 as for an id that
    /// does not exist.
    #[oai(
        path = "/continuing-education/:id",
        method = "get",
        operation_id = "get_continuing_education"
    )]
    async fn get_continuing_education(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Record id.
        id: Path<String>,
    ) -> Result<OneContinuingEducation, Errors<ReadErrors>> {
        let r = Read::new(&auth.0, &request_id, "get_continuing_education")
            .one::<ce::Entity>(&state, "continuing_education", &id.0)
            .await?;
        Ok(OneContinuingEducation::Ok(Json(ContinuingEducation::view(
            r,
        )?)))
    }
}
