//! `/api/v1/workers/{worker_id}/appraisals` ([`WorkerAppraisalsApi`]: record, list).

use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::appraisal::{AppraisalRules, would_exceed_cap};

use super::api::{Appraisal, AppraisalBody, AppraisalList, NewAppraisal, Numbered, views};
use super::store;
use crate::audited::Read;
use crate::auth::{Auth, Principal, Role};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::db::now_utc;
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::NestedCreateErrors;
use crate::problem::{ApiError, Errors, ProblemField, ReadErrors};
use crate::routes::Tags;
use crate::scope::{readable_worker, writable_worker};
use crate::state::AppState;

/// An appraisal was recorded (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedAppraisal {
    /// The appraisal, with the worker's appraisal list as its location.
    #[oai(status = 201)]
    Created(Json<Appraisal>, #[oai(header = "Location")] String),
}

/// A worker's appraisals.
#[derive(ApiResponse)]
pub enum AppraisalListResponse {
    /// Every appraisal, corrections marked.
    #[oai(status = 200)]
    Ok(Json<AppraisalList>),
}

fn invalid(field: &str, rule: &str, message: String) -> ApiError {
    ApiError::validation(vec![ProblemField {
        field: field.into(),
        rule: rule.into(),
        message,
    }])
}

/// The appraisals of `worker_id` as `p` may see them (404 otherwise), with the read audited.
pub async fn list_for(
    state: &AppState,
    p: &Principal,
    worker_id: &str,
    action: &str,
    request_id: &RequestId,
) -> Result<AppraisalList, ApiError> {
    let worker = readable_worker(state, p, worker_id).await?;
    let rows = store::of_worker(&state.db, &worker.id).await?;
    let items = views(rows)?;
    Read::new(p, request_id, action)
        .record(state, "appraisal", &worker.id, Some(&worker.id))
        .await?;
    Ok(AppraisalList { items })
}

/// Checks `body` against the stored record inside the write transaction and returns what to
/// insert: the unit and the corrected appraisal must exist (and be visible), core
/// `Appraisal::new` must accept it and core `would_exceed_cap` must not refuse it.
async fn check(
    txn: &sea_orm::DatabaseTransaction,
    p: &Principal,
    worker_id: &str,
    body: &AppraisalBody,
) -> Result<NewAppraisal, ApiError> {
    let unit = store::find_unit(txn, &body.unit_id)
        .await?
        .filter(|u| {
            registry_core::ids::RegionCode::parse(&u.region_code)
                .is_ok_and(|r| p.can_write_region(&r))
        })
        .ok_or_else(|| {
            invalid(
                "unit_id",
                "appraisal.unit_unknown",
                "no such unit in the caller's region".into(),
            )
        })?;
    store::serialize_on(txn, &format!("appraisal-cap:{}:{}", unit.id, body.year)).await?;
    let mut rows = store::for_cap(txn, &unit.id, body.year, worker_id).await?;
    if let Some(c) = &body.corrects {
        let target = store::find(txn, c)
            .await?
            .filter(|a| a.worker_id == worker_id)
            .ok_or_else(|| {
                invalid(
                    "corrects",
                    "appraisal.corrects_unknown",
                    "no such appraisal of this worker".into(),
                )
            })?;
        if !rows.iter().any(|r| r.id == target.id) {
            rows.push(target);
            crate::db::recorded_order::sort(&mut rows);
        }
    }
    let mut numbered = Numbered::new(&rows)?;
    let candidate = body.to_core(&mut numbered, worker_id, now_utc().date())?;
    let rules = AppraisalRules::default();
    if let Some(cap) = would_exceed_cap(&numbered.core, &candidate, &rules) {
        let share = rules.excellent_cap.value().normalize();
        return Err(invalid(
            "grade",
            "appraisal.excellent_cap",
            format!(
                "the unit's 优秀 (excellent) cap for {} is {share} % of {} appraised, \
                 at most {}; this appraisal would make {} excellent",
                cap.year, cap.total, cap.max_excellent, cap.excellent
            ),
        ));
    }
    Ok(NewAppraisal {
        worker_id: worker_id.to_owned(),
        unit_id: unit.id,
        corrects_id: body.corrects.clone(),
        appraisal: candidate,
    })
}

/// A worker's annual appraisals.
pub struct WorkerAppraisalsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Appraisals")]
impl WorkerAppraisalsApi {
    /// Record an appraisal
    ///
    /// Admin of the worker's region only; the unit must be in the caller's region. Checked
    /// by the core appraisal rules (`appraisal.year_range`, `appraisal.future_year`,
    /// `appraisal.recorded_before_year`, `appraisal.score_range`, ...). An appraisal that
    /// would push its unit over the 优秀 cap for the year is refused with 422
    /// `appraisal.excellent_cap`, naming the cap and the count (core `AppraisalRules`
    /// defaults: 20 % of the unit's effective appraisals, rounded down). Appraisals are never
    /// edited: to correct one, record a new one with `corrects` set to its id. Send an
    /// `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/workers/:worker_id/appraisals",
        method = "post",
        operation_id = "create_appraisal"
    )]
    async fn create_appraisal(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<AppraisalBody>,
    ) -> Result<Idempotent<CreatedAppraisal>, Errors<NestedCreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let worker = writable_worker(&state, p, &worker_id.0).await?;
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_appraisal",
            resource: "appraisal",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: Some(&worker.id),
        };
        let location = format!("/api/v1/workers/{}/appraisals", worker.id);
        Ok(create_once(
            &state,
            ctx,
            |(id, _): &(String, _)| id,
            async |txn, id| {
                let new = check(&txn, p, &worker.id, &body.value).await?;
                let m = store::insert(&txn, id, &new).await?;
                // The view marks effective/corrected appraisals: built from the worker's rows
                // as this transaction sees them, so the new one is included.
                let view = views(store::of_worker(&txn, &worker.id).await?)?
                    .into_iter()
                    .find(|a| a.id == m.id)
                    .ok_or_else(ApiError::not_found)?;
                Ok((txn, (m.id, view)))
            },
            |(_, view)| Ok(CreatedAppraisal::Created(Json(view), location)),
        )
        .await?)
    }

    /// List a worker's appraisals
    ///
    /// For admin and hr of the worker's region and the worker themself; others get a 404.
    /// Every appraisal ever recorded (a few per year), oldest record first; `effective`
    /// marks the one that counts for each year and `corrected_by` names the corrections.
    #[oai(
        path = "/workers/:worker_id/appraisals",
        method = "get",
        operation_id = "list_appraisals"
    )]
    async fn list_appraisals(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
    ) -> Result<AppraisalListResponse, Errors<ReadErrors>> {
        let list = list_for(
            &state,
            &auth.0,
            &worker_id.0,
            "list_appraisals",
            &request_id,
        )
        .await?;
        Ok(AppraisalListResponse::Ok(Json(list)))
    }
}
