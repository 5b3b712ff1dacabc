//! `/api/v1/objections` ([`ObjectionsApi`]: list, read, decide) and the filing used by
//! `POST /api/v1/me/objections` ([`file()`]).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::credit::CreditEntryKind;

use super::api::{
    DecisionBody, Objection, ObjectionBody, ObjectionPage, ObjectionStatus, Outcome, checked_text,
};
use super::store;
use crate::audited::Read;
use crate::auth::{Auth, Principal, Role};
use crate::concurrency::{etag, expected_version};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::credit::routes::{NewEntry, append_entry};
use crate::credit::store::{self as credit_store, StoredSubject};
use crate::db::entities::objection;
use crate::db::now_utc;
use crate::listing::{Page, RegionVisible, region_visible};
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{ApiError, Errors, ProblemKind, UpdateErrors};
use crate::records_errors::ReadErrors403;
use crate::routes::Tags;
use crate::scope::{can_write_worker, find_through_worker};
use crate::state::AppState;
use crate::update::UpdateCtx;

const CURSOR_PREFIX: &str = "o1:";

/// An objection was filed (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum FiledObjection {
    /// The pending objection, with its location and ETag.
    #[oai(status = 201)]
    Created(
        Json<Objection>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

/// One objection with its ETag.
#[derive(ApiResponse)]
pub enum OneObjection {
    /// The objection; send the ETag back in `If-Match` to decide it.
    #[oai(status = 200)]
    Ok(Json<Objection>, #[oai(header = "ETag")] String),
}

/// A page of objections.
#[derive(ApiResponse)]
pub enum ObjectionList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<ObjectionPage>),
}

fn one(m: objection::Model) -> Result<OneObjection, ApiError> {
    let tag = etag(m.version);
    Ok(OneObjection::Ok(Json(Objection::view(m)?), tag))
}

/// Files `body` for the worker `p` (worker role only): the entry must be in the caller's own
/// credit record (else the same 404 as a missing entry) and core must accept an
/// `objection_filed` entry pointing at it (422 `credit.pointer_kind` for an entry that is not
/// a penalty or listing, `credit.objection_pending` while another is open, ...).
pub async fn file(
    state: &AppState,
    p: &Principal,
    request_id: &RequestId,
    key: Option<&str>,
    body: &JsonBody<ObjectionBody>,
) -> Result<Idempotent<FiledObjection>, ApiError> {
    p.require(&[Role::Worker])?;
    let me = p.worker_id().ok_or_else(ApiError::not_found)?;
    let statement = checked_text("statement", &body.value.statement)?;
    let entry = credit_store::find(&state.db, &body.value.entry_id)
        .await?
        .filter(|e| e.worker_id.as_deref() == Some(me))
        .ok_or_else(ApiError::not_found)?;
    let subject = StoredSubject::Worker {
        id: me.to_owned(),
        region_code: entry.region_code.clone(),
    };
    let ctx = CreateCtx {
        principal: p,
        request_id,
        operation: "file_objection",
        resource: "objection",
        key,
        raw_body: &body.raw,
        worker_id: Some(me),
    };
    create_once(
        state,
        ctx,
        |m: &objection::Model| &m.id,
        async |txn, id| {
            let filed = append_entry(
                &txn,
                &subject,
                uuid::Uuid::now_v7().to_string(),
                NewEntry {
                    kind: CreditEntryKind::ObjectionFiled,
                    refers_to: Some(&entry.id),
                    effective_on: now_utc().date(),
                    texts: (String::new(), Vec::new(), None),
                },
            )
            .await
            .map_err(|mut e| {
                for f in &mut e.errors {
                    if f.field == "refers_to" {
                        f.field = "entry_id".into();
                    }
                }
                e
            })?;
            let m = store::insert(&txn, id, me, &entry.id, &filed.id, statement).await?;
            Ok((txn, m))
        },
        |m| {
            let location = format!("/api/v1/objections/{}", m.id);
            let tag = etag(m.version);
            Ok(FiledObjection::Created(
                Json(Objection::view(m)?),
                location,
                tag,
            ))
        },
    )
    .await
}

/// A page of the worker's own objections (worker role only).
pub async fn own(
    state: &AppState,
    p: &Principal,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<ObjectionPage, ApiError> {
    p.require(&[Role::Worker])?;
    let me = p.worker_id().ok_or_else(ApiError::not_found)?;
    page(state, Some(me), RegionVisible::Nothing, None, cursor, limit).await
}

async fn page(
    state: &AppState,
    worker_id: Option<&str>,
    visible: RegionVisible,
    status: Option<ObjectionStatus>,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<ObjectionPage, ApiError> {
    let page = Page::new(CURSOR_PREFIX, cursor, limit)?;
    let status = status.map(ObjectionStatus::code);
    let rows = store::list(
        &state.db,
        worker_id,
        visible,
        status,
        page.after(),
        page.limit,
    )
    .await?;
    let (items, next_cursor) = page.finish(rows, |m| &m.id, Objection::view)?;
    Ok(ObjectionPage { items, next_cursor })
}

async fn decide(
    state: &AppState,
    p: &Principal,
    request_id: &RequestId,
    id: &str,
    if_match: Option<&str>,
    body: &DecisionBody,
) -> Result<OneObjection, ApiError> {
    let ctx = UpdateCtx::by_admin(p, request_id, "decide_objection", "objection", id)?;
    let reason = checked_text("reason", &body.reason)?;
    let expected = expected_version(if_match)?;
    let (update, worker) = ctx
        .begin_with(state, expected, async |txn| {
            find_through_worker::<objection::Entity, _>(txn, id, |_, w| can_write_worker(p, w))
                .await
        })
        .await?;
    if update.current.status != ObjectionStatus::Pending.code() {
        return Err(ApiError::new(
            ProblemKind::Conflict,
            "the objection is already decided; a decision is never changed",
        ));
    }
    let (kind, status) = match body.outcome {
        Outcome::Upheld => (CreditEntryKind::ObjectionUpheld, ObjectionStatus::Upheld),
        Outcome::Rejected => (
            CreditEntryKind::ObjectionRejected,
            ObjectionStatus::Rejected,
        ),
    };
    let subject = StoredSubject::Worker {
        id: worker.id,
        region_code: worker.region_code,
    };
    update
        .apply(async |txn| {
            let outcome = append_entry(
                txn,
                &subject,
                uuid::Uuid::now_v7().to_string(),
                NewEntry {
                    kind,
                    refers_to: Some(&update.current.objection_entry_id),
                    effective_on: now_utc().date(),
                    texts: (String::new(), Vec::new(), Some(reason.to_owned())),
                },
            )
            .await?;
            Ok(
                store::decide_if_pending(txn, id, expected, status.code(), reason, &outcome.id)
                    .await?,
            )
        })
        .await?;
    // The outcome's credit entry is the change-feed event (see `append_entry`).
    one(update.commit(|_, _, _| None).await?)
}

/// Objections for admins.
pub struct ObjectionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Credit")]
impl ObjectionsApi {
    /// List objections
    ///
    /// Admin only (other roles: 403): objections of workers of the caller's region, oldest
    /// first, in pages of `limit` (default 50, maximum 200); `status=pending` for the ones
    /// waiting for a decision.
    #[oai(path = "/objections", method = "get", operation_id = "list_objections")]
    async fn list_objections(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Only objections with this status.
        status: Query<Option<ObjectionStatus>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<ObjectionList, Errors<ReadErrors403>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let visible = region_visible(p, None)?;
        let page = page(
            &state,
            None,
            visible,
            status.0,
            cursor.0.as_deref(),
            limit.0,
        )
        .await?;
        Ok(ObjectionList::Ok(Json(page)))
    }

    /// Read an objection
    ///
    /// Admin of the worker's region and the worker themself; hr gets a 403 (credit
    /// details); anyone else the same 404 as for a missing id.
    #[oai(
        path = "/objections/:id",
        method = "get",
        operation_id = "get_objection"
    )]
    async fn get_objection(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Objection id.
        id: Path<String>,
    ) -> Result<OneObjection, Errors<ReadErrors403>> {
        let p = &auth.0;
        p.require(&[Role::Admin, Role::Worker])?;
        let m = Read::new(p, &request_id, "get_objection")
            .one::<objection::Entity>(&state, "objection", &id.0)
            .await?;
        Ok(one(m)?)
    }

    /// Decide an objection
    ///
    /// Admin of the worker's region only. In one transaction: the objection moves from
    /// `pending` to `upheld` or `rejected` with the reason, the outcome credit entry
    /// (`objection_upheld` voids the disputed entry; `objection_rejected` lets it stand) is
    /// appended pointing at the objection entry, and the audit entry is written. A decided
    /// objection is never decided again (409). `If-Match` with the objection's ETag is
    /// required: missing is 428, stale is 412.
    #[oai(
        path = "/objections/:id/decision",
        method = "post",
        operation_id = "decide_objection"
    )]
    async fn decide_objection(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Objection id.
        id: Path<String>,
        /// The ETag from the last read, e.g. `"1"`.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<DecisionBody>,
    ) -> Result<OneObjection, Errors<UpdateErrors>> {
        Ok(decide(
            &state,
            &auth.0,
            &request_id,
            &id.0,
            if_match.0.as_deref(),
            &body.value,
        )
        .await?)
    }
}
