//! `/api/v1/allowance-runs` ([`AllowanceRunsApi`]) and `/api/v1/allowance-runs/{id}/...`
//! ([`AllowanceRunApi`]).
//!
//! Admin and hr of a run's region (or an enclosing one) read it; anyone else gets the same
//! 404 as for a missing run. Only admins run and sign off.

use poem::Body;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::ids::RegionCode;
use sea_orm::DbErr;

use super::api::{
    AllowanceRun, ChangePage, ChangeView, MAX_CHANGES_SHOWN, RunBody, RunItem, RunItemPage, RunPage,
};
use super::{compute, export, store, unpublished};
use crate::audit::{self, AuditEvent};
use crate::audited::Read;
use crate::auth::{Auth, Principal, Role};
use crate::concurrency::{etag, expected_version, stale};
use crate::create::{CreateCtx, Idempotent, create_once, recorded};
use crate::db::begin_write;
use crate::db::entities::{allowance_run, allowance_run_change, allowance_run_item};
use crate::decisions::routes::parse_month;
use crate::listing::{Page, RegionVisible, region_visible, views};
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{
    ApiError, CreateErrors, Errors, ListErrors, ProblemKind, ReadErrors, UpdateErrors,
};
use crate::routes::Tags;
use crate::state::AppState;
use crate::workers::store::region_range;

const RUN_CURSOR: &str = "run1:";
const ITEM_CURSOR: &str = "rli1:";
const CHANGE_CURSOR: &str = "rch1:";

/// A run was made (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedRun {
    /// The run with its totals and its differences from the previous run.
    #[oai(status = 201)]
    Created(
        Json<AllowanceRun>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

/// One run with its ETag.
#[derive(ApiResponse)]
pub enum OneRun {
    /// The run; send the ETag back in `If-Match` to sign it off.
    #[oai(status = 200)]
    Ok(Json<AllowanceRun>, #[oai(header = "ETag")] String),
}

/// A page of runs.
#[derive(ApiResponse)]
pub enum RunList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<RunPage>),
}

/// A page of a run's lines.
#[derive(ApiResponse)]
pub enum ItemList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<RunItemPage>),
}

/// A page of a run's changes.
#[derive(ApiResponse)]
pub enum ChangeList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<ChangePage>),
}

/// A CSV export.
#[derive(ApiResponse)]
pub enum CsvExport {
    /// UTF-8 CSV with a byte-order mark, one line per worker.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(Binary<Body>, #[oai(header = "Content-Disposition")] String),
}

/// An XLSX export.
#[derive(ApiResponse)]
pub enum XlsxExport {
    /// An XLSX workbook with one sheet, one row per worker.
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )]
    Ok(Binary<Body>, #[oai(header = "Content-Disposition")] String),
}

fn in_scope(p: &Principal, m: &allowance_run::Model) -> bool {
    matches!(p.role, Role::Admin | Role::Hr)
        && RegionCode::parse(&m.region_code)
            .is_ok_and(|r| p.region().is_some_and(|own| own.contains(&r)))
}

/// The run `id` if `p` may read it; otherwise the same 404 as a missing one.
async fn readable_run(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<allowance_run::Model, ApiError> {
    store::find(&state.db, id)
        .await?
        .filter(|m| in_scope(p, m))
        .ok_or_else(ApiError::not_found)
}

/// A row of a run that names one worker: a line or a change.
trait WorkerRow {
    fn worker_id(&self) -> &str;
}

impl WorkerRow for allowance_run_item::Model {
    fn worker_id(&self) -> &str {
        &self.worker_id
    }
}

impl WorkerRow for allowance_run_change::Model {
    fn worker_id(&self) -> &str {
        &self.worker_id
    }
}

/// A page of run `id`'s rows by worker (its lines or its changes): the run as the reader
/// may see it (else 404), the rows `load(run_id, after, limit + 1)` cut to `page`, rendered
/// by `view`, with one read recorded per worker on the page.
async fn run_rows<M: WorkerRow, V>(
    state: &AppState,
    read: Read<'_>,
    id: &str,
    page: Page,
    load: impl AsyncFnOnce(&str, Option<&str>, u64) -> Result<Vec<M>, DbErr>,
    view: impl Fn(&M) -> Result<V, ApiError>,
) -> Result<(Vec<V>, Option<String>), ApiError> {
    let run = readable_run(state, read.principal, id).await?;
    let rows = load(&run.id, page.after(), page.limit as u64 + 1).await?;
    let (rows, next_cursor) = page.cut(rows, M::worker_id);
    let items = views(&rows, view)?;
    let reads = rows.iter().map(|m| (run.id.as_str(), m.worker_id()));
    read.record_each(state, "allowance_run", reads).await?;
    Ok((items, next_cursor))
}

fn file_name(m: &allowance_run::Model, ext: &str) -> String {
    format!(
        "attachment; filename=\"allowance-{}-{}-{}.{ext}\"",
        m.region_code, m.month, m.id
    )
}

/// Allowance runs of regions.
pub struct AllowanceRunsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::AllowanceRuns")]
impl AllowanceRunsApi {
    /// Run the allowance of a region for a month
    ///
    /// Admin of the region (or an enclosing one; 403 otherwise). Decides every worker
    /// registered in the region and the regions it contains, exactly as
    /// `GET /workers/{id}/allowance` would, and keeps the result as an immutable snapshot:
    /// one line per worker (eligible, amount, level, policy version, unit, reason codes) and
    /// totals by level and by unit. Running the same region and month again makes a new run
    /// and lists its differences from the previous one: who gained, lost or changed amount,
    /// with the reason codes before and after (at most 1000 listed; the counts are exact).
    /// The run reads the register as it was when it started; other writes go on meanwhile.
    /// While a run of the same region and month is being computed, another is a 409 at once;
    /// if another service made one meanwhile, the answer is 409 and nothing is kept: run it
    /// again to compare with that one.
    #[oai(
        path = "/allowance-runs",
        method = "post",
        operation_id = "create_allowance_run"
    )]
    async fn create_allowance_run(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<RunBody>,
    ) -> Result<Idempotent<CreatedRun>, Errors<CreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let (region, month) = body.value.validate()?;
        if !p.can_write_region(&region) {
            return Err(ApiError::new(
                ProblemKind::Forbidden,
                "region_code lies outside the caller's region",
            )
            .into());
        }
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_allowance_run",
            resource: "allowance_run",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: None,
        };
        if let Some(replay) = recorded(&state, &ctx).await? {
            return Ok(replay);
        }
        let month_code = month.to_string();
        let Some(_claim) = state.runs_in_progress.claim(region.as_str(), &month_code) else {
            return Err(ApiError::new(
                ProblemKind::Conflict,
                format!(
                    "a run of region_code {} and month {month_code} is being computed: read it \
                     from GET /api/v1/allowance-runs once it is done, then run again if needed",
                    region.as_str()
                ),
            )
            .into());
        };
        // Computed and stored outside the create's transaction (see `compute`), published
        // inside it with the audit entry.
        let id = uuid::Uuid::now_v7().to_string();
        let created = async {
            let computed = compute::compute(
                &state.db,
                id.clone(),
                &region,
                month,
                &p.subject,
                crate::decisions::bulk::CHUNK,
            )
            .await?;
            type Made = (allowance_run::Model, Vec<allowance_run_change::Model>);
            create_once(
                &state,
                ctx,
                |m: &Made| &m.0.id,
                async |txn, _| {
                    let run = compute::publish(&txn, computed).await?;
                    let changes = store::changes(&txn, &run.id, MAX_CHANGES_SHOWN).await?;
                    Ok((txn, (run, changes)))
                },
                |(run, changes)| {
                    let location = format!("/api/v1/allowance-runs/{}", run.id);
                    let tag = etag(run.version);
                    Ok(CreatedRun::Created(
                        Json(AllowanceRun::view(&run, &changes)?),
                        location,
                        tag,
                    ))
                },
            )
            .await
        }
        .await;
        // Not published (failed, refused, or a concurrent retry with the same key answered
        // first): its rows go. A published run's rows stay whatever the answer (its commit
        // may have succeeded unseen), and the triggers would refuse to delete them anyway.
        if matches!(store::find(&state.db, &id).await, Ok(None)) {
            unpublished::discard(&state.db, &id).await;
        }
        Ok(created?)
    }

    /// List allowance runs
    ///
    /// Admin and hr: the runs of their region and the regions it contains, optionally of one
    /// `region` (and below) and one `month`; oldest first, in pages of `limit` (default 50,
    /// maximum 200). Summaries only: the changed workers are listed by `get_allowance_run`.
    #[oai(
        path = "/allowance-runs",
        method = "get",
        operation_id = "list_allowance_runs"
    )]
    async fn list_allowance_runs(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Only runs of this region and the regions it contains.
        #[oai(validator(pattern = r"^[0-9]{6}$"))]
        region: Query<Option<String>>,
        /// Only runs of this payroll month, `YYYY-MM`.
        #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}$"))]
        month: Query<Option<String>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<RunList, Errors<ListErrors>> {
        let p = &auth.0;
        let month = month
            .0
            .as_deref()
            .map(|m| parse_month("month", m))
            .transpose()?
            .map(|m| m.to_string());
        let page = Page::new(RUN_CURSOR, cursor.0.as_deref(), limit.0)?;
        let visible = match p.role {
            Role::Worker => RegionVisible::Nothing,
            _ => region_visible(p, region.0.as_deref())?,
        };
        let RegionVisible::Within(r) = visible else {
            return Ok(RunList::Ok(Json(RunPage {
                items: Vec::new(),
                next_cursor: None,
            })));
        };
        let range = region_range(&r);
        let rows =
            store::list(&state.db, range, month.as_deref(), page.after(), page.limit).await?;
        let (items, next_cursor) = page.finish(rows, |m| &m.id, |m| AllowanceRun::view(&m, &[]))?;
        Ok(RunList::Ok(Json(RunPage { items, next_cursor })))
    }
}

/// One allowance run.
pub struct AllowanceRunApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::AllowanceRuns")]
impl AllowanceRunApi {
    /// Get an allowance run
    ///
    /// Admin and hr of the run's region; others get a 404. The summary, totals by level and
    /// by unit, and the differences from the previous run (at most 1000 workers listed).
    #[oai(
        path = "/allowance-runs/:id",
        method = "get",
        operation_id = "get_allowance_run"
    )]
    async fn get_allowance_run(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Run id.
        id: Path<String>,
    ) -> Result<OneRun, Errors<ReadErrors>> {
        let run = readable_run(&state, &auth.0, &id.0).await?;
        let changes = store::changes(&state.db, &run.id, MAX_CHANGES_SHOWN).await?;
        let tag = etag(run.version);
        Ok(OneRun::Ok(Json(AllowanceRun::view(&run, &changes)?), tag))
    }

    /// Sign off an allowance run
    ///
    /// Admin of the run's region (hr: 403; out of scope: 404). Locks the run: it never
    /// changes again (a database trigger refuses any other change). `If-Match` with the ETag
    /// from the last read is required (428 missing, 412 stale or already signed off).
    /// Running the region and month again still makes a new run.
    #[oai(
        path = "/allowance-runs/:id/sign-off",
        method = "post",
        operation_id = "sign_off_allowance_run"
    )]
    async fn sign_off_allowance_run(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Run id.
        id: Path<String>,
        /// The ETag from the last read, e.g. `"1"`.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> Result<OneRun, Errors<UpdateErrors>> {
        let p = &auth.0;
        let current = readable_run(&state, p, &id.0).await?;
        p.require(&[Role::Admin])?;
        let expected = expected_version(if_match.0.as_deref())?;
        let txn = begin_write(&state.db).await.map_err(ApiError::from)?;
        if current.version != expected
            || !store::sign_off(&txn, &current.id, expected, &p.subject).await?
        {
            return Err(stale().into());
        }
        audit::append(
            &txn,
            AuditEvent {
                principal: p,
                action: "sign_off_allowance_run",
                resource: "allowance_run",
                resource_id: &current.id,
                request_id: request_id.as_str(),
                worker_id: None,
            },
        )
        .await?;
        let run = store::find(&txn, &current.id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let changes = store::changes(&txn, &run.id, MAX_CHANGES_SHOWN).await?;
        txn.commit().await.map_err(ApiError::from)?;
        let tag = etag(run.version);
        Ok(OneRun::Ok(Json(AllowanceRun::view(&run, &changes)?), tag))
    }

    /// List the lines of an allowance run
    ///
    /// Admin and hr of the run's region; others get a 404. One line per worker in worker id
    /// order, in pages of `limit` (default 50, maximum 200). Each read is audited for the
    /// workers on the page.
    #[oai(
        path = "/allowance-runs/:id/items",
        method = "get",
        operation_id = "list_allowance_run_items"
    )]
    async fn list_allowance_run_items(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Run id.
        id: Path<String>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<ItemList, Errors<ReadErrors>> {
        let page = Page::new(ITEM_CURSOR, cursor.0.as_deref(), limit.0)?;
        let read = Read::new(&auth.0, &request_id, "list_allowance_run_items");
        let load = async |run: &str, after: Option<&str>, n| {
            store::items(&state.db, run, after, None, Some(n)).await
        };
        let (items, next_cursor) = run_rows(&state, read, &id.0, page, load, RunItem::view).await?;
        Ok(ItemList::Ok(Json(RunItemPage { items, next_cursor })))
    }

    /// List the differences of an allowance run from the previous run
    ///
    /// Admin and hr of the run's region; others get a 404. Every worker who gained, lost or
    /// changed amount since the previous run of the same region and month, with the reason
    /// codes before and after, in worker id order, in pages of `limit` (default 50, maximum
    /// 200). Empty for the first run of a region and month.
    #[oai(
        path = "/allowance-runs/:id/changes",
        method = "get",
        operation_id = "list_allowance_run_changes"
    )]
    async fn list_allowance_run_changes(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Run id.
        id: Path<String>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<ChangeList, Errors<ReadErrors>> {
        let page = Page::new(CHANGE_CURSOR, cursor.0.as_deref(), limit.0)?;
        let read = Read::new(&auth.0, &request_id, "list_allowance_run_changes");
        let load = async |run: &str, after: Option<&str>, n| {
            store::changes_after(&state.db, run, after, n).await
        };
        let (items, next_cursor) =
            run_rows(&state, read, &id.0, page, load, ChangeView::view).await?;
        Ok(ChangeList::Ok(Json(ChangePage { items, next_cursor })))
    }

    /// Export an allowance run as CSV
    ///
    /// Admin and hr of the run's region; others get a 404. UTF-8 with a byte-order mark and
    /// Chinese headers (工作人员编号, 姓名, 等级, 单位, 是否符合, 金额(元), 政策, 原因), one line
    /// per worker in worker id order; amounts exact with two decimals (`800.00`); text cells
    /// that could start a formula get a leading apostrophe. No resident ID numbers. Streamed.
    #[oai(
        path = "/allowance-runs/:id/export.csv",
        method = "get",
        operation_id = "export_allowance_run_csv"
    )]
    async fn export_allowance_run_csv(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Run id.
        id: Path<String>,
    ) -> Result<CsvExport, Errors<ReadErrors>> {
        let p = &auth.0;
        let run = readable_run(&state, p, &id.0).await?;
        Read::new(p, &request_id, "export_allowance_run_csv")
            .record(&state, "allowance_run", &run.id, None)
            .await?;
        let stream = export::csv_stream(state.db.clone(), run.id.clone());
        Ok(CsvExport::Ok(
            Binary(Body::from_bytes_stream(stream)),
            file_name(&run, "csv"),
        ))
    }

    /// Export an allowance run as XLSX
    ///
    /// Admin and hr of the run's region; others get a 404. One sheet with the CSV's Chinese
    /// headers and rows; amounts are number cells with the `0.00` format; text cells that
    /// could start a formula get a leading apostrophe. No resident ID numbers.
    #[oai(
        path = "/allowance-runs/:id/export.xlsx",
        method = "get",
        operation_id = "export_allowance_run_xlsx"
    )]
    async fn export_allowance_run_xlsx(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Run id.
        id: Path<String>,
    ) -> Result<XlsxExport, Errors<ReadErrors>> {
        let p = &auth.0;
        let run = readable_run(&state, p, &id.0).await?;
        Read::new(p, &request_id, "export_allowance_run_xlsx")
            .record(&state, "allowance_run", &run.id, None)
            .await?;
        let file = export::xlsx(&state.db, &run.id).await?;
        let body = Body::from_bytes_stream(export::file_stream(file));
        Ok(XlsxExport::Ok(Binary(body), file_name(&run, "xlsx")))
    }
}
