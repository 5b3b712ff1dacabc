//! `/api/v1/assignments` ([`AssignmentsApi`]: create, list) and `/api/v1/assignments/{id}`
//! ([`AssignmentApi`]: read, update the end date).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use time::Date;

use super::api::{Assignment, AssignmentPage, CreateAssignment, UpdateAssignment, check_end};
use super::store::{self, AssignmentFilter, AssignmentScope};
use crate::audited::Read;
use crate::auth::{Auth, Principal, Role, Scope};
use crate::concurrency::{etag, expected_version};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::db::entities::{assignment, worker};
use crate::listing::{Page, region_visible, views};
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::posts::api::stored_core_post;
use crate::posts::routes::unknown_reference;
use crate::problem::{ApiError, CreateErrors, Errors, ListErrors, ReadErrors, UpdateErrors};
use crate::routes::Tags;
use crate::scope::{can_read_worker, can_write_worker, find_through_worker};
use crate::state::AppState;
use crate::units::routes::{readable_region, writable_region};
use crate::update::UpdateCtx;

const CURSOR_PREFIX: &str = "a1:";

/// An assignment was created (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedAssignment {
    /// The assignment, with its location and ETag.
    #[oai(status = 201)]
    Created(
        Json<Assignment>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

/// One assignment with its ETag.
#[derive(ApiResponse)]
pub enum OneAssignment {
    /// The assignment; send the ETag back in `If-Match` to update it.
    #[oai(status = 200)]
    Ok(Json<Assignment>, #[oai(header = "ETag")] String),
}

/// A page of assignments.
#[derive(ApiResponse)]
pub enum AssignmentList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<AssignmentPage>),
}

/// Whether `p` may read `a` of worker `w`: a worker their own; admin and hr when both the
/// worker and the post lie in their region.
fn readable(p: &Principal, a: &assignment::Model, w: &worker::Model) -> bool {
    can_read_worker(p, w) && (p.worker_id().is_some() || readable_region(p, &a.region_code))
}

/// Whether `p` may change `a` of worker `w` (admin whose region holds worker and post).
fn writable(p: &Principal, a: &assignment::Model, w: &worker::Model) -> bool {
    can_write_worker(p, w) && writable_region(p, &a.region_code)
}

fn one(m: assignment::Model) -> Result<OneAssignment, ApiError> {
    let tag = etag(m.version);
    Ok(OneAssignment::Ok(Json(Assignment::view(m)?), tag))
}

/// Operations on the assignment collection.
pub struct AssignmentsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Assignments")]
impl AssignmentsApi {
    /// Assign a worker to a post
    ///
    /// Admin only; the worker and the post's unit must lie in the admin's region (anything
    /// else is reported like a missing id: 422 `worker_id.not_found` / `post_id.not_found`).
    /// Part-time on a post that forbids it is 422 `assignment.part_time_not_allowed`. Send
    /// an `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/assignments",
        method = "post",
        operation_id = "create_assignment"
    )]
    async fn create_assignment(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<CreateAssignment>,
    ) -> Result<Idempotent<CreatedAssignment>, Errors<CreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let worker = crate::workers::store::find(&state.db, &body.value.worker_id)
            .await?
            .filter(|w| can_write_worker(p, w))
            .ok_or_else(|| unknown_reference("worker_id", "worker"))?;
        let post = crate::posts::store::find(&state.db, &body.value.post_id)
            .await?
            .filter(|m| writable_region(p, &m.region_code))
            .ok_or_else(|| unknown_reference("post_id", "post"))?;
        let input = body.value.validate(&stored_core_post(&post)?)?;
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_assignment",
            resource: "assignment",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: Some(&worker.id),
        };
        Ok(create_once(
            &state,
            ctx,
            |m: &assignment::Model| &m.id,
            async |txn, id| {
                let m = store::insert(&txn, id, &worker.id, &post.id, &post.region_code, &input)
                    .await?;
                Ok((txn, m))
            },
            |m| {
                let location = format!("/api/v1/assignments/{}", m.id);
                let tag = etag(m.version);
                Ok(CreatedAssignment::Created(
                    Json(Assignment::view(m)?),
                    location,
                    tag,
                ))
            },
        )
        .await?)
    }

    /// List assignments
    ///
    /// Assignments whose worker and post both lie in the caller's region (a worker: their
    /// own), oldest first, in pages of `limit` (default 50, maximum 200); follow
    /// `next_cursor`. Filters: `worker_id`, `post_id`, `active_on` (assignments covering
    /// that day).
    #[oai(
        path = "/assignments",
        method = "get",
        operation_id = "list_assignments"
    )]
    #[allow(clippy::too_many_arguments)] // one argument per documented parameter
    async fn list_assignments(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Only this worker's assignments.
        #[oai(validator(min_length = 1, max_length = 36))]
        worker_id: Query<Option<String>>,
        /// Only assignments to this post.
        #[oai(validator(min_length = 1, max_length = 36))]
        post_id: Query<Option<String>>,
        /// Only assignments covering this day (`YYYY-MM-DD`).
        active_on: Query<Option<Date>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<AssignmentList, Errors<ListErrors>> {
        let p = &auth.0;
        let page = Page::new(CURSOR_PREFIX, cursor.0.as_deref(), limit.0)?;
        let scope = match &p.scope {
            Scope::Worker(id) => AssignmentScope::Worker(id),
            Scope::Region(_) => AssignmentScope::Region(region_visible(p, None)?),
        };
        let filter = AssignmentFilter {
            worker_id: worker_id.0.as_deref(),
            post_id: post_id.0.as_deref(),
            active_on: active_on.0,
        };
        let rows = store::list(&state.db, scope, filter, page.after(), page.limit).await?;
        let (rows, next_cursor) = page.cut(rows, |m| &m.id);
        let reads = rows.iter().map(|m| (m.id.as_str(), m.worker_id.as_str()));
        Read::new(p, &request_id, "list_assignments")
            .record_each(&state, "assignment", reads)
            .await?;
        Ok(AssignmentList::Ok(Json(AssignmentPage {
            items: views(rows, Assignment::view)?,
            next_cursor,
        })))
    }
}

/// Operations on one assignment.
pub struct AssignmentApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Assignments")]
impl AssignmentApi {
    /// Read an assignment
    ///
    /// Admins and hr whose region holds the worker and the post, and the worker themself;
    /// everyone else gets the same 404 as for an id that does not exist.
    #[oai(
        path = "/assignments/:id",
        method = "get",
        operation_id = "get_assignment"
    )]
    async fn get_assignment(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Assignment id.
        id: Path<String>,
    ) -> Result<OneAssignment, Errors<ReadErrors>> {
        let p = &auth.0;
        let a = Read::new(p, &request_id, "get_assignment")
            .one_where::<assignment::Entity>(&state, "assignment", &id.0, |a, w| readable(p, a, w))
            .await?;
        Ok(one(a)?)
    }

    /// End or reopen an assignment
    ///
    /// Admin whose region holds the worker and the post; sets `end` (absent or `null`
    /// reopens). `If-Match` with the ETag from the last read is required: missing is 428,
    /// stale is 412.
    #[oai(
        path = "/assignments/:id",
        method = "put",
        operation_id = "update_assignment"
    )]
    async fn update_assignment(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Assignment id.
        id: Path<String>,
        /// The ETag from the last read, e.g. `"3"`.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateAssignment>,
    ) -> Result<OneAssignment, Errors<UpdateErrors>> {
        let (p, id) = (&auth.0, id.0.as_str());
        let ctx = UpdateCtx::by_admin(p, &request_id, "update_assignment", "assignment", id)?;
        let expected = expected_version(if_match.0.as_deref())?;
        let (update, _worker) = ctx
            .begin_with(&state, expected, async |txn| {
                find_through_worker::<assignment::Entity, _>(txn, id, |a, w| writable(p, a, w))
                    .await
            })
            .await?;
        let period = check_end(update.current.start, body.value.end)?;
        update
            .apply(
                async |txn| Ok(store::set_end_if_version(txn, id, expected, period.end()).await?),
            )
            .await?;
        Ok(one(update.commit(|_, _, change| Some(change)).await?)?)
    }
}
