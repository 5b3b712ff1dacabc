//! The worker's own decisions: `GET /api/v1/me/allowance?month=` and `GET /api/v1/me/ladder`
//! ([`MeDecisionsApi`]). Worker role only; the worker is the token's.

use crate::serde_json_response::SerdeJson;
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;

use super::params::{MonthPattern, MonthText};
use super::routes::{OneDecision, OneLadder, allowance, ladder, parse_day, parse_month, readable};
use super::worker_reads::Visible;
use crate::auth::{Auth, Principal, Role};
use crate::observe::RequestId;
use crate::problem::{ApiError, ErrorSet, Errors};
use crate::routes::Tags;
use crate::state::AppState;

async fn me(state: &AppState, p: &Principal) -> Result<Visible, ApiError> {
    p.require(&[Role::Worker])?;
    let id = p.worker_id().ok_or_else(ApiError::not_found)?;
    readable(state, p, id).await
}

/// Errors of a `/me` read: a non-worker token is a 403.
#[derive(Debug)]
pub struct MeReadErrors;

impl ErrorSet for MeReadErrors {
    const STATUSES: &'static [u16] = &[401, 403, 404, 405, 406, 422, 429, 500, 503];
}

/// The caller's own allowance and ladder.
pub struct MeDecisionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Me")]
impl MeDecisionsApi {
    /// My allowance for a month
    ///
    /// Worker role only (403 otherwise): the caller's own decision, as
    /// `GET /api/v1/workers/{id}/allowance` gives it.
    #[oai(
        path = "/me/allowance",
        method = "get",
        operation_id = "get_my_allowance"
    )]
    async fn get_my_allowance(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Payroll month, `YYYY-MM`.
        #[oai(validator(custom = "MonthPattern"))]
        month: Query<MonthText>,
    ) -> Result<OneDecision, Errors<MeReadErrors>> {
        let p = &auth.0;
        let month = parse_month("month", &month.0.0)?;
        let v = me(&state, p).await?;
        let d = allowance(&state, p, &request_id, "get_my_allowance", &v, month).await?;
        Ok(OneDecision::Ok(SerdeJson(d)))
    }

    /// My next step on the credential ladder
    ///
    /// Worker role only (403 otherwise): the caller's own answer, as
    /// `GET /api/v1/workers/{id}/ladder` gives it.
    #[oai(path = "/me/ladder", method = "get", operation_id = "get_my_ladder")]
    async fn get_my_ladder(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// The day to assess on, `YYYY-MM-DD` (default today, UTC).
        #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
        date: Query<Option<String>>,
    ) -> Result<OneLadder, Errors<MeReadErrors>> {
        let p = &auth.0;
        let as_of = parse_day("date", date.0.as_deref())?;
        let v = me(&state, p).await?;
        let answer = ladder(&state, p, &request_id, "get_my_ladder", &v, as_of).await?;
        Ok(OneLadder::Ok(SerdeJson(answer)))
    }
}
