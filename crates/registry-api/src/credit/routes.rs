//! `POST /api/v1/credit-entries` ([`CreditEntriesApi`]), a worker's record and status
//! ([`WorkerCreditApi`]) and an organisation's ([`OrganisationCreditApi`]).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::credit::{CreditEntryKind, CreditRules, CreditSubject};
use registry_core::ids::{CreditCode, RegionCode};
use sea_orm::DatabaseTransaction;
use time::Date;

use super::api::{
    CreditEntry, CreditEntryBody, CreditRecordView, CreditStatusView, EntryType, NumberedRecord,
    Subject, SubjectBody,
};
use super::store::{self, StoredSubject};
use crate::appraisals::store::serialize_on;
use crate::audited::Read;
use crate::auth::{Auth, Principal, Role};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::db::entities::credit_entry;
use crate::db::now_utc;
use crate::events;
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::NestedCreateErrors;
use crate::problem::{ApiError, Errors, ProblemField};
use crate::records_errors::ReadErrors403;
use crate::routes::Tags;
use crate::scope::{readable_worker, writable_worker};
use crate::state::AppState;

/// An entry was recorded (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedEntry {
    /// The entry, with its subject's record as its location.
    #[oai(status = 201)]
    Created(Json<CreditEntry>, #[oai(header = "Location")] String),
}

/// A credit record.
#[derive(ApiResponse)]
pub enum RecordResponse {
    /// Every entry and the status today.
    #[oai(status = 200)]
    Ok(Json<CreditRecordView>),
}

/// A credit status.
#[derive(ApiResponse)]
pub enum StatusResponse {
    /// The status at the date asked, with the entries that decide it.
    #[oai(status = 200)]
    Ok(Json<CreditStatusView>),
}

/// What a new entry carries besides its subject.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// The core kind.
    pub kind: CreditEntryKind,
    /// The entry it concerns (UUID).
    pub refers_to: Option<&'a str>,
    /// The day it takes effect.
    pub effective_on: Date,
    /// Legal basis, evidence references, note.
    pub texts: (String, Vec<String>, Option<String>),
}

/// Appends `new` to `subject`'s record inside `txn` when core's `CreditRecord::append`
/// allows it (422 naming the rule otherwise) and stores it as row `id`, with the
/// `credit_entry.created` change-feed event of a worker's entry (every entry, also an
/// objection's, is appended here, so this is where the feed hears of them).
pub async fn append_entry(
    txn: &DatabaseTransaction,
    subject: &StoredSubject,
    id: String,
    new: NewEntry<'_>,
) -> Result<credit_entry::Model, ApiError> {
    serialize_on(txn, &subject.lock_key()).await?;
    let rows = store::of_subject(txn, subject).await?;
    let core = match subject {
        StoredSubject::Worker { .. } => CreditSubject::Worker(1),
        StoredSubject::Organisation { credit_code, .. } => {
            CreditSubject::Organisation(CreditCode::parse(credit_code).map_err(ApiError::internal)?)
        }
    };
    let mut numbered = NumberedRecord::new(core, &rows)?;
    let fields = numbered.append(
        new.kind,
        new.refers_to,
        new.effective_on,
        now_utc().date(),
        new.texts,
    )?;
    let m = store::insert(txn, id, subject, &fields).await?;
    events::record_credit_entry(txn, &m.id, m.worker_id.as_deref()).await?;
    Ok(m)
}

/// A record with its status at `as_of`.
pub fn record_view(
    subject: Subject,
    rows: Vec<credit_entry::Model>,
    as_of: Date,
) -> Result<CreditRecordView, ApiError> {
    let status = status_view(&rows, as_of)?;
    let entries = rows
        .into_iter()
        .map(CreditEntry::view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CreditRecordView {
        subject,
        entries,
        status,
    })
}

/// The status at `as_of` of one subject's `rows` (core `credit_status`, default rules).
pub fn status_view(
    rows: &[credit_entry::Model],
    as_of: Date,
) -> Result<CreditStatusView, ApiError> {
    let subject = match rows.first() {
        Some(m) => super::api::core_subject(m)?,
        None => CreditSubject::Worker(1),
    };
    let numbered = NumberedRecord::new(subject, rows)?;
    let report = numbered.record.status(as_of, &CreditRules::default());
    CreditStatusView::new(&report, &numbered, rows)
}

/// A worker's credit rows, for an admin of the worker's region or the worker themself (hr:
/// 403; anyone else: 404), with the read audited.
pub async fn worker_rows(
    state: &AppState,
    p: &Principal,
    worker_id: &str,
    action: &str,
    request_id: &RequestId,
) -> Result<(Subject, Vec<credit_entry::Model>), ApiError> {
    p.require(&[Role::Admin, Role::Worker])?;
    let worker = readable_worker(state, p, worker_id).await?;
    let rows = store::of_worker(&state.db, &worker.id).await?;
    Read::new(p, request_id, action)
        .record(state, "credit_record", &worker.id, Some(&worker.id))
        .await?;
    let subject = Subject {
        kind: "worker".into(),
        worker_id: Some(worker.id),
        credit_code: None,
        region_code: worker.region_code,
    };
    Ok((subject, rows))
}

/// An organisation's credit rows, for an admin whose region contains the organisation's
/// (403 for other roles; 404 for other admins and organisations without entries).
async fn organisation_rows(
    state: &AppState,
    p: &Principal,
    credit_code: &str,
) -> Result<(Subject, Vec<credit_entry::Model>), ApiError> {
    p.require(&[Role::Admin])?;
    let code = CreditCode::parse(credit_code).map_err(|_| ApiError::not_found())?;
    let subject = StoredSubject::Organisation {
        credit_code: code.as_str().to_owned(),
        region_code: String::new(),
    };
    let rows = store::of_subject(&state.db, &subject).await?;
    let region = rows
        .first()
        .map(|m| m.region_code.clone())
        .ok_or_else(ApiError::not_found)?;
    let visible =
        RegionCode::parse(&region).is_ok_and(|r| p.region().is_some_and(|o| o.contains(&r)));
    if !visible {
        return Err(ApiError::not_found());
    }
    let subject = Subject {
        kind: "organisation".into(),
        worker_id: None,
        credit_code: Some(code.as_str().to_owned()),
        region_code: region,
    };
    Ok((subject, rows))
}

fn invalid(field: &str, rule: &str, message: &str) -> ApiError {
    ApiError::validation(vec![ProblemField {
        field: field.into(),
        rule: rule.into(),
        message: message.into(),
    }])
}

/// Checks the organisation's region against the caller and the record's first entry.
async fn organisation_subject(
    state: &AppState,
    p: &Principal,
    code: &CreditCode,
    region: &RegionCode,
) -> Result<StoredSubject, ApiError> {
    if !p.can_write_region(region) {
        return Err(invalid(
            "region_code",
            "credit.region_outside_scope",
            "region_code must be inside the caller's region",
        ));
    }
    let subject = StoredSubject::Organisation {
        credit_code: code.as_str().to_owned(),
        region_code: region.as_str().to_owned(),
    };
    let existing = store::of_subject(&state.db, &subject).await?;
    if existing
        .first()
        .is_some_and(|m| m.region_code != region.as_str())
    {
        return Err(invalid(
            "region_code",
            "credit.region_mismatch",
            "the organisation's record is kept in another region",
        ));
    }
    Ok(subject)
}

/// Whether `refers_to` names an objection entry (filed or outcome) of the worker's record.
async fn annuls_objection(
    state: &AppState,
    worker_id: &str,
    refers_to: Option<&str>,
) -> Result<bool, ApiError> {
    let Some(id) = refers_to else {
        return Ok(false);
    };
    Ok(store::find(&state.db, id).await?.is_some_and(|e| {
        e.worker_id.as_deref() == Some(worker_id) && e.kind.starts_with("objection_")
    }))
}

/// Recording credit entries.
pub struct CreditEntriesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Credit")]
impl CreditEntriesApi {
    /// Record a credit entry
    ///
    /// Admin only. The subject is a worker of the caller's region (`worker_id`; else 404) or
    /// an organisation (`credit_code`, GB 32100, with its `region_code` inside the caller's
    /// region). Entries are never edited or deleted: removals, repairs, objection outcomes
    /// and annulments are new entries whose `refers_to` names the earlier entry. The core
    /// record rules decide what may be appended (422 naming the rule: `credit.pointer_kind`,
    /// `credit.pointer_unknown`, `credit.before_target`, `credit.already_decided`,
    /// `credit.target_void`, `credit.objection_pending`, `credit.legal_basis_required`, ...).
    /// A worker's objections go through `POST /me/objections` and
    /// `POST /objections/{id}/decision` (422 `credit.objection_via_workflow` here).
    #[oai(
        path = "/credit-entries",
        method = "post",
        operation_id = "create_credit_entry"
    )]
    async fn create_credit_entry(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<CreditEntryBody>,
    ) -> Result<Idempotent<CreatedEntry>, Errors<NestedCreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let b = &body.value;
        let kind = b.core_kind().map_err(ApiError::from)?;
        let subject = match b.subject()? {
            SubjectBody::Worker(id) => {
                if b.kind.is_objection() {
                    return Err(invalid(
                        "type",
                        "credit.objection_via_workflow",
                        "a worker's objections are filed with POST /me/objections and decided \
                         with POST /objections/{id}/decision",
                    )
                    .into());
                }
                let w = writable_worker(&state, p, &id).await?;
                if b.kind == EntryType::Annulment
                    && annuls_objection(&state, &w.id, b.refers_to.as_deref()).await?
                {
                    return Err(invalid(
                        "refers_to",
                        "credit.objection_via_workflow",
                        "a worker's objection and its outcome are part of the objection record \
                         and cannot be annulled here",
                    )
                    .into());
                }
                StoredSubject::Worker {
                    id: w.id,
                    region_code: w.region_code,
                }
            }
            SubjectBody::Organisation(code, region) => {
                organisation_subject(&state, p, &code, &region).await?
            }
        };
        let worker_id = match &subject {
            StoredSubject::Worker { id, .. } => Some(id.as_str()),
            StoredSubject::Organisation { .. } => None,
        };
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_credit_entry",
            resource: "credit_entry",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id,
        };
        let new = NewEntry {
            kind,
            refers_to: b.refers_to.as_deref(),
            effective_on: b.effective_on,
            texts: (
                b.legal_basis.clone().unwrap_or_default(),
                b.evidence_refs.clone().unwrap_or_default(),
                b.note.clone(),
            ),
        };
        let location = match &subject {
            StoredSubject::Worker { id, .. } => format!("/api/v1/workers/{id}/credit-record"),
            StoredSubject::Organisation { credit_code, .. } => {
                format!("/api/v1/organisations/{credit_code}/credit-record")
            }
        };
        Ok(create_once(
            &state,
            ctx,
            |m: &credit_entry::Model| &m.id,
            async |txn, id| {
                let m = append_entry(&txn, &subject, id, new).await?;
                Ok((txn, m))
            },
            |m| Ok(CreatedEntry::Created(Json(CreditEntry::view(m)?), location)),
        )
        .await?)
    }
}

/// A worker's credit record and status.
pub struct WorkerCreditApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Credit")]
impl WorkerCreditApi {
    /// Read a worker's credit record
    ///
    /// Admin of the worker's region and the worker themself; hr never sees credit details
    /// (403); anyone else gets a 404. Every entry in the order recorded, and the status today.
    #[oai(
        path = "/workers/:worker_id/credit-record",
        method = "get",
        operation_id = "get_worker_credit_record"
    )]
    async fn get_worker_credit_record(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
    ) -> Result<RecordResponse, Errors<ReadErrors403>> {
        let (subject, rows) = worker_rows(
            &state,
            &auth.0,
            &worker_id.0,
            "get_worker_credit_record",
            &request_id,
        )
        .await?;
        Ok(RecordResponse::Ok(Json(record_view(
            subject,
            rows,
            now_utc().date(),
        )?)))
    }

    /// Read a worker's credit status at a date
    ///
    /// The status derived by the core rules (民政部令第60号 figures: abnormal for 24 months
    /// turns serious, two warnings or small fines within 36 months are serious, ...) from the
    /// entries in effect on `date` (default today), with the entries that decide it. Same
    /// access as the record.
    #[oai(
        path = "/workers/:worker_id/credit-status",
        method = "get",
        operation_id = "get_worker_credit_status"
    )]
    async fn get_worker_credit_status(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Worker id.
        worker_id: Path<String>,
        /// The date (`YYYY-MM-DD`); today (UTC) when absent.
        date: Query<Option<Date>>,
    ) -> Result<StatusResponse, Errors<ReadErrors403>> {
        let (_, rows) = worker_rows(
            &state,
            &auth.0,
            &worker_id.0,
            "get_worker_credit_status",
            &request_id,
        )
        .await?;
        let as_of = date.0.unwrap_or_else(|| now_utc().date());
        Ok(StatusResponse::Ok(Json(status_view(&rows, as_of)?)))
    }
}

/// An organisation's credit record and status.
pub struct OrganisationCreditApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Credit")]
impl OrganisationCreditApi {
    /// Read an organisation's credit record
    ///
    /// Admin whose region contains the organisation's; other roles get a 403, other admins
    /// (and codes without any entry) a 404.
    #[oai(
        path = "/organisations/:credit_code/credit-record",
        method = "get",
        operation_id = "get_organisation_credit_record"
    )]
    async fn get_organisation_credit_record(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Unified social credit code.
        credit_code: Path<String>,
    ) -> Result<RecordResponse, Errors<ReadErrors403>> {
        let (subject, rows) = organisation_rows(&state, &auth.0, &credit_code.0).await?;
        Ok(RecordResponse::Ok(Json(record_view(
            subject,
            rows,
            now_utc().date(),
        )?)))
    }

    /// Read an organisation's credit status at a date
    ///
    /// As for workers: the core status on `date` (default today) with its deciding entries.
    #[oai(
        path = "/organisations/:credit_code/credit-status",
        method = "get",
        operation_id = "get_organisation_credit_status"
    )]
    async fn get_organisation_credit_status(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Unified social credit code.
        credit_code: Path<String>,
        /// The date (`YYYY-MM-DD`); today (UTC) when absent.
        date: Query<Option<Date>>,
    ) -> Result<StatusResponse, Errors<ReadErrors403>> {
        let (_, rows) = organisation_rows(&state, &auth.0, &credit_code.0).await?;
        let as_of = date.0.unwrap_or_else(|| now_utc().date());
        Ok(StatusResponse::Ok(Json(status_view(&rows, as_of)?)))
    }
}
