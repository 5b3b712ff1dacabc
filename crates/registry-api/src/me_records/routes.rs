//! `/api/v1/me/...` operations of the records ([`MeRecordsApi`]).

use poem::web::Data;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use crate::appraisals::api::AppraisalList;
use crate::appraisals::routes::list_for;
use crate::auth::{Auth, Principal, Role};
use crate::create::Idempotent;
use crate::credit::api::CreditRecordView;
use crate::credit::routes::{record_view, worker_rows};
use crate::db::now_utc;
use crate::objections::api::{ObjectionBody, ObjectionPage};
use crate::objections::routes::{FiledObjection, file, own};
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::NestedCreateErrors;
use crate::problem::{ApiError, Errors};
use crate::records_errors::ReadErrors403;
use crate::routes::Tags;
use crate::state::AppState;

/// The caller's own appraisals.
#[derive(ApiResponse)]
pub enum MyAppraisals {
    /// Every appraisal, corrections marked.
    #[oai(status = 200)]
    Ok(Json<AppraisalList>),
}

/// The caller's own credit record.
#[derive(ApiResponse)]
pub enum MyCreditRecord {
    /// Every entry and the status today.
    #[oai(status = 200)]
    Ok(Json<CreditRecordView>),
}

/// The caller's own objections.
#[derive(ApiResponse)]
pub enum MyObjections {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<ObjectionPage>),
}

fn me(p: &Principal) -> Result<&str, ApiError> {
    p.require(&[Role::Worker])?;
    p.worker_id().ok_or_else(ApiError::not_found)
}

/// The worker's own records.
pub struct MeRecordsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Me")]
impl MeRecordsApi {
    /// Read my appraisals
    ///
    /// Worker role only (403 otherwise): every appraisal of the caller, corrections marked.
    #[oai(
        path = "/me/appraisals",
        method = "get",
        operation_id = "list_my_appraisals"
    )]
    async fn list_my_appraisals(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
    ) -> Result<MyAppraisals, Errors<ReadErrors403>> {
        let p = &auth.0;
        let id = me(p)?.to_owned();
        let list = list_for(&state, p, &id, "list_my_appraisals", &request_id).await?;
        Ok(MyAppraisals::Ok(Json(list)))
    }

    /// Read my credit record
    ///
    /// Worker role only (403 otherwise): every entry of the caller's credit record and the
    /// status today.
    #[oai(
        path = "/me/credit-record",
        method = "get",
        operation_id = "get_my_credit_record"
    )]
    async fn get_my_credit_record(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
    ) -> Result<MyCreditRecord, Errors<ReadErrors403>> {
        let p = &auth.0;
        let id = me(p)?.to_owned();
        let (subject, rows) =
            worker_rows(&state, p, &id, "get_my_credit_record", &request_id).await?;
        Ok(MyCreditRecord::Ok(Json(record_view(
            subject,
            rows,
            now_utc().date(),
        )?)))
    }

    /// File an objection
    ///
    /// Worker role only (403 otherwise). `entry_id` must be an entry of the caller's own
    /// credit record (any other id is the same 404 as a missing one). Files a pending
    /// objection and appends the `objection_filed` credit entry, so the status reads
    /// `disputed` while a deciding entry is under objection. Core rules apply (422
    /// `credit.pointer_kind` for an entry that is not a penalty or listing,
    /// `credit.objection_pending` while another objection against it is open). Send an
    /// `Idempotency-Key` to make retries safe.
    #[oai(
        path = "/me/objections",
        method = "post",
        operation_id = "file_objection"
    )]
    async fn file_objection(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<ObjectionBody>,
    ) -> Result<Idempotent<FiledObjection>, Errors<NestedCreateErrors>> {
        Ok(file(
            &state,
            &auth.0,
            &request_id,
            idempotency_key.0.as_deref(),
            &body,
        )
        .await?)
    }

    /// List my objections
    ///
    /// Worker role only (403 otherwise): the caller's objections, oldest first, with the
    /// outcome and the reason once decided; pages of `limit` (default 50, maximum 200).
    #[oai(
        path = "/me/objections",
        method = "get",
        operation_id = "list_my_objections"
    )]
    async fn list_my_objections(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<MyObjections, Errors<ReadErrors403>> {
        let page = own(&state, &auth.0, cursor.0.as_deref(), limit.0).await?;
        Ok(MyObjections::Ok(Json(page)))
    }
}
