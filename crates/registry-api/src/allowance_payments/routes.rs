//! `/api/v1/workers/{worker_id}/allowance-payments` ([`WorkerAllowancePaymentsApi`]).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::api::{Payment, PaymentBody, PaymentPage};
use super::store;
use crate::audited::Read;
use crate::auth::{Auth, Role};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::db::entities::allowance_payment;
use crate::listing::Page;
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{ApiError, Errors, NestedCreateErrors, ProblemField, ReadErrors};
use crate::routes::Tags;
use crate::scope::{readable_worker, writable_worker};
use crate::state::AppState;

const CURSOR_PREFIX: &str = "pay1:";

/// A payment was recorded (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedPayment {
    /// The payment.
    #[oai(status = 201)]
    Created(Json<Payment>),
}

/// A page of payments.
#[derive(ApiResponse)]
pub enum PaymentList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<PaymentPage>),
}

/// A worker's one-off allowance payments.
pub struct WorkerAllowancePaymentsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Allowance")]
impl WorkerAllowancePaymentsApi {
    /// Record a one-off allowance payment
    ///
    /// Admin of the worker's region only. Records what was paid under a one-off policy so a
    /// later upgrade pays only the difference, once. The policy must exist (422
    /// `payment.unknown_policy`). Append-only: a payment is never changed or deleted.
    #[oai(
        path = "/workers/:worker_id/allowance-payments",
        method = "post",
        operation_id = "create_allowance_payment"
    )]
    async fn create_allowance_payment(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<PaymentBody>,
    ) -> Result<Idempotent<CreatedPayment>, Errors<NestedCreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let input = body.value.validate()?;
        let worker = writable_worker(&state, p, &worker_id.0).await?;
        if !crate::policies::store::family_exists(&state.db, &input.policy_id).await? {
            return Err(ApiError::validation(vec![ProblemField {
                field: "policy_id".into(),
                rule: "payment.unknown_policy".into(),
                message: "no allowance policy has this id".into(),
            }])
            .into());
        }
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_allowance_payment",
            resource: "allowance_payment",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: Some(&worker.id),
        };
        Ok(create_once(
            &state,
            ctx,
            |m: &allowance_payment::Model| &m.id,
            async |txn, id| {
                let m = store::insert(&txn, id, &worker.id, &input, &p.subject).await?;
                Ok((txn, m))
            },
            |m| Ok(CreatedPayment::Created(Json(Payment::view(m)?))),
        )
        .await?)
    }

    /// List a worker's one-off allowance payments
    ///
    /// For whoever may read the worker (admin and hr of its region, the worker themself);
    /// others get a 404. Oldest first, in pages of `limit` (default 50, maximum 200).
    #[oai(
        path = "/workers/:worker_id/allowance-payments",
        method = "get",
        operation_id = "list_allowance_payments"
    )]
    async fn list_allowance_payments(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<PaymentList, Errors<ReadErrors>> {
        let p = &auth.0;
        let page = Page::new(CURSOR_PREFIX, cursor.0.as_deref(), limit.0)?;
        let worker = readable_worker(&state, p, &worker_id.0).await?;
        let rows = store::list(&state.db, &worker.id, page.after(), page.limit).await?;
        let (items, next_cursor) = page.finish(rows, |m| &m.id, Payment::view)?;
        Read::new(p, &request_id, "list_allowance_payments")
            .record_worker(&state, &worker.id)
            .await?;
        Ok(PaymentList::Ok(Json(PaymentPage { items, next_cursor })))
    }
}
