//! `GET /api/v1/workers/{id}/allowance?month=` and `GET /api/v1/workers/{id}/ladder`
//! ([`WorkerDecisionsApi`]), and the shared handlers [`allowance`] and [`ladder`] that the
//! worker's own `/me` routes use too.

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::FieldError;
use registry_core::allowance::decide;
use registry_core::calendar::YearMonth;
use registry_core::ladder::{LadderFacts, LadderRules, next_step};
use time::Date;
use time::macros::format_description;

use super::api::{AllowanceDecision, CreditDetails, LadderView};
use super::params::{MonthPattern, MonthText};
use super::worker_reads::{Visible, load_visible};
use crate::audit::AuditEvent;
use crate::auth::{Auth, Principal, Role};
use crate::db::now_utc;
use crate::observe::RequestId;
use crate::problem::{ApiError, Errors, ReadErrors};
use crate::routes::Tags;
use crate::scope::can_read_worker_in;
use crate::serde_json_response::SerdeJson;
use crate::state::AppState;

/// An allowance decision.
#[derive(ApiResponse)]
pub enum OneDecision {
    /// The decision for the month.
    #[oai(status = 200)]
    Ok(SerdeJson<AllowanceDecision>),
}

/// A ladder answer.
#[derive(ApiResponse)]
pub enum OneLadder {
    /// The worker's next step.
    #[oai(status = 200)]
    Ok(SerdeJson<LadderView>),
}

/// Parses a `YYYY-MM` query parameter named `field`.
pub fn parse_month(field: &str, s: &str) -> Result<YearMonth, ApiError> {
    YearMonth::parse(s).map_err(|e| {
        ApiError::from(FieldError {
            field: field.to_owned(),
            ..e
        })
    })
}

/// Parses an optional `YYYY-MM-DD` query parameter named `field`; today (UTC) when absent.
pub fn parse_day(field: &str, s: Option<&str>) -> Result<Date, ApiError> {
    match s {
        None => Ok(now_utc().date()),
        Some(s) => Date::parse(s, format_description!("[year]-[month]-[day]")).map_err(|_| {
            ApiError::from(FieldError::new(
                field,
                "date.invalid",
                "expected a date as YYYY-MM-DD",
            ))
        }),
    }
}

/// Records the read (group commit: see `crate::audit::reads`); returns once it is committed.
async fn record(
    state: &AppState,
    p: &Principal,
    request_id: &RequestId,
    action: &str,
    worker_id: &str,
) -> Result<(), ApiError> {
    state
        .reads
        .record(AuditEvent {
            principal: p,
            action,
            resource: "worker",
            resource_id: worker_id,
            request_id: request_id.as_str(),
            worker_id: Some(worker_id),
        })
        .await
        .map_err(ApiError::from)
}

/// The worker `id` with its facts, read in one statement, if `p` may read it; otherwise
/// the same 404 as a missing one, after the same single lookup (see
/// `crate::scope::readable_worker`).
pub async fn readable(state: &AppState, p: &Principal, id: &str) -> Result<Visible, ApiError> {
    load_visible(&state.worker_reads, id, |w| {
        can_read_worker_in(p, &w.id, &w.region_code)
    })
    .await?
    .ok_or_else(ApiError::not_found)
}

/// The allowance decision of `v` for `month`, as `p` may see it (hr: no credit details),
/// with the read recorded in the audit log (unless `p` is the worker). The policy set is
/// the cached one at the generation read with the facts (`crate::policies::cache`).
pub async fn allowance(
    state: &AppState,
    p: &Principal,
    request_id: &RequestId,
    action: &str,
    v: &Visible,
    month: YearMonth,
) -> Result<AllowanceDecision, ApiError> {
    let policies = state.policies.at(&state.db, v.policy_generation).await?;
    let d = decide(&v.facts.facts, &policies.set, month);
    let recorded_at = d.policy.as_ref().and_then(|used| {
        policies
            .rows
            .iter()
            .find(|m| m.policy_id == *used.id && i64::from(m.version) == i64::from(used.version))
            .map(|m| m.created_at)
    });
    let credit = if p.role == Role::Hr {
        CreditDetails::Redacted
    } else {
        CreditDetails::Shown
    };
    let view = AllowanceDecision::view(&v.worker.id, &d, &v.facts.ids, recorded_at, credit);
    record(state, p, request_id, action, &v.worker.id).await?;
    Ok(view)
}

/// The ladder answer of `v` on `as_of` (national exam routes), with the read recorded.
pub async fn ladder(
    state: &AppState,
    p: &Principal,
    request_id: &RequestId,
    action: &str,
    v: &Visible,
    as_of: Date,
) -> Result<LadderView, ApiError> {
    let loaded = &v.facts;
    let answer = next_step(
        &LadderFacts {
            education: loaded.education,
            experience: &loaded.experience,
            credentials: &loaded.facts.credentials,
        },
        &LadderRules::national(),
        as_of,
    );
    let view = LadderView::view(&v.worker.id, as_of, &answer, &loaded.ids);
    record(state, p, request_id, action, &v.worker.id).await?;
    Ok(view)
}

/// Decisions about one worker.
pub struct WorkerDecisionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Allowance")]
impl WorkerDecisionsApi {
    /// Decide a worker's allowance for a month
    ///
    /// For admin and hr of the worker's region and the worker themself; others get a 404.
    /// Any month, past or future: the decision uses the facts in force in that month and the
    /// policy version in force for the most specific region containing the worker's. It lists
    /// every reason (stable code, zh/en text, the ids of the records it rests on) and every
    /// record used, with its effective dates and when it was recorded. hr never sees credit
    /// details: credit-entry evidence is withheld (the reason code stays).
    #[oai(
        path = "/workers/:id/allowance",
        method = "get",
        operation_id = "get_worker_allowance"
    )]
    async fn get_worker_allowance(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        id: Path<String>,
        /// Payroll month, `YYYY-MM`.
        #[oai(validator(custom = "MonthPattern"))]
        month: Query<MonthText>,
    ) -> Result<OneDecision, Errors<ReadErrors>> {
        let p = &auth.0;
        let month = parse_month("month", &month.0.0)?;
        let v = readable(&state, p, &id.0).await?;
        let d = allowance(&state, p, &request_id, "get_worker_allowance", &v, month).await?;
        Ok(OneDecision::Ok(SerdeJson(d)))
    }

    /// A worker's next step on the credential ladder
    ///
    /// For admin and hr of the worker's region and the worker themself; others get a 404.
    /// The next level, whether the worker may sit its exam in the year of `date` (default
    /// today) and, if not, from which year, and what each national exam route still lacks.
    #[oai(
        path = "/workers/:id/ladder",
        method = "get",
        operation_id = "get_worker_ladder"
    )]
    async fn get_worker_ladder(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        id: Path<String>,
        /// The day to assess on, `YYYY-MM-DD` (default today, UTC).
        #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
        date: Query<Option<String>>,
    ) -> Result<OneLadder, Errors<ReadErrors>> {
        let p = &auth.0;
        let as_of = parse_day("date", date.0.as_deref())?;
        let v = readable(&state, p, &id.0).await?;
        let answer = ladder(&state, p, &request_id, "get_worker_ladder", &v, as_of).await?;
        Ok(OneLadder::Ok(SerdeJson(answer)))
    }
}
