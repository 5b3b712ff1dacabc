//! `/api/v1/units` ([`UnitsApi`]: create, list) and `/api/v1/units/{id}`
//! ([`UnitApi`]: read, update).

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::ids::RegionCode;

use super::api::{Unit, UnitBody, UnitPage, UnitType};
use super::store;
use crate::auth::{Auth, Principal, Role};
use crate::concurrency::{etag, expected_version};
use crate::create::{CreateCtx, Idempotent, create_once};
use crate::db::entities::unit;
use crate::events::relevance;
use crate::listing::{Page, region_visible};
use crate::observe::RequestId;
use crate::payload::JsonBody;
use crate::problem::{
    ApiError, CreateErrors, Errors, ListErrors, ProblemKind, ReadErrors, UpdateErrors,
};
use crate::region_scope::{begin_update, find_readable};
use crate::routes::Tags;
use crate::state::AppState;
use crate::update::UpdateCtx;

const CURSOR_PREFIX: &str = "u1:";

/// A unit was created (or a retry with the same `Idempotency-Key` replayed).
#[derive(ApiResponse)]
pub enum CreatedUnit {
    /// The unit, with its location and ETag.
    #[oai(status = 201)]
    Created(
        Json<Unit>,
        #[oai(header = "Location")] String,
        #[oai(header = "ETag")] String,
    ),
}

/// One unit with its ETag.
#[derive(ApiResponse)]
pub enum OneUnit {
    /// The unit; send the ETag back in `If-Match` to update it.
    #[oai(status = 200)]
    Ok(Json<Unit>, #[oai(header = "ETag")] String),
}

/// A page of units.
#[derive(ApiResponse)]
pub enum UnitList {
    /// The page.
    #[oai(status = 200)]
    Ok(Json<UnitPage>),
}

/// Whether `p` may read units of `region_code` (admin or hr of an enclosing region).
pub fn readable_region(p: &Principal, region_code: &str) -> bool {
    RegionCode::parse(region_code).is_ok_and(|r| p.region().is_some_and(|own| own.contains(&r)))
}

/// Whether `p` may write units of `region_code` (admin of an enclosing region).
pub fn writable_region(p: &Principal, region_code: &str) -> bool {
    RegionCode::parse(region_code).is_ok_and(|r| p.can_write_region(&r))
}

/// The 403 for a target region outside the caller's.
pub fn forbidden_region() -> ApiError {
    ApiError::new(
        ProblemKind::Forbidden,
        "region_code lies outside the caller's region",
    )
}

fn one(m: unit::Model) -> Result<OneUnit, ApiError> {
    let tag = etag(m.version);
    Ok(OneUnit::Ok(Json(Unit::view(m)?), tag))
}

/// Operations on the unit collection.
pub struct UnitsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Units")]
impl UnitsApi {
    /// Register an organisation unit
    ///
    /// Admin only, inside the admin's region. The credit code, when given, is checked
    /// (GB 32100); soft rules come back in `warnings`. Send an `Idempotency-Key` to make
    /// retries safe.
    #[oai(path = "/units", method = "post", operation_id = "create_unit")]
    async fn create_unit(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Makes the create safe to retry (1 to 255 characters, unique per request).
        #[oai(name = "Idempotency-Key", validator(min_length = 1, max_length = 255))]
        idempotency_key: Header<Option<String>>,
        body: JsonBody<UnitBody>,
    ) -> Result<Idempotent<CreatedUnit>, Errors<CreateErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin])?;
        let input = body.value.validate()?;
        if !p.can_write_region(&input.region()) {
            return Err(forbidden_region().into());
        }
        let ctx = CreateCtx {
            principal: p,
            request_id: &request_id,
            operation: "create_unit",
            resource: "unit",
            key: idempotency_key.0.as_deref(),
            raw_body: &body.raw,
            worker_id: None,
        };
        Ok(create_once(
            &state,
            ctx,
            |m: &unit::Model| &m.id,
            async |txn, id| {
                let m = store::insert(&txn, id, &input).await?;
                Ok((txn, m))
            },
            |m| {
                let location = format!("/api/v1/units/{}", m.id);
                let tag = etag(m.version);
                Ok(CreatedUnit::Created(Json(Unit::view(m)?), location, tag))
            },
        )
        .await?)
    }

    /// List organisation units
    ///
    /// Units of the caller's region, oldest first, in pages of `limit` (default 50,
    /// maximum 200); follow `next_cursor`. Filters: `region` (that region and below,
    /// intersected with the caller's) and `unit_type`. Workers get an empty list.
    #[oai(path = "/units", method = "get", operation_id = "list_units")]
    async fn list_units(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Only units in this region or below (6 digits).
        #[oai(validator(pattern = r"^[0-9]{6}$"))]
        region: Query<Option<String>>,
        /// Only units of this type.
        unit_type: Query<Option<UnitType>>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<UnitList, Errors<ListErrors>> {
        let page = Page::new(CURSOR_PREFIX, cursor.0.as_deref(), limit.0)?;
        let visible = region_visible(&auth.0, region.0.as_deref())?;
        let unit_type = unit_type
            .0
            .map(|t| registry_core::post::UnitType::from(t).code());
        let rows = store::list(&state.db, visible, unit_type, page.after(), page.limit).await?;
        let (items, next_cursor) = page.finish(rows, |m| &m.id, Unit::view)?;
        Ok(UnitList::Ok(Json(UnitPage { items, next_cursor })))
    }
}

/// Operations on one unit.
pub struct UnitApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Units")]
impl UnitApi {
    /// Read an organisation unit
    ///
    /// Admins and hr of the unit's region; everyone else gets the same 404 as for an id
    /// that does not exist.
    #[oai(path = "/units/:id", method = "get", operation_id = "get_unit")]
    async fn get_unit(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Unit id.
        id: Path<String>,
    ) -> Result<OneUnit, Errors<ReadErrors>> {
        Ok(one(find_readable(&state, &auth.0, &id.0).await?)?)
    }

    /// Update an organisation unit
    ///
    /// Admin of the unit's region only; replaces every field. `If-Match` with the ETag from
    /// the last read is required: missing is 428, stale is 412.
    #[oai(path = "/units/:id", method = "put", operation_id = "update_unit")]
    async fn update_unit(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        request_id: RequestId,
        /// Unit id.
        id: Path<String>,
        /// The ETag from the last read, e.g. `"3"`.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UnitBody>,
    ) -> Result<OneUnit, Errors<UpdateErrors>> {
        let (p, id) = (&auth.0, id.0.as_str());
        let ctx = UpdateCtx::by_admin(p, &request_id, "update_unit", "unit", id)?;
        let expected = expected_version(if_match.0.as_deref())?;
        let input = body.value.validate()?;
        let update = begin_update::<unit::Model>(&state, ctx, expected).await?;
        if !p.can_write_region(&input.region()) {
            return Err(forbidden_region().into());
        }
        let region = input.region();
        update
            .apply(async |txn| {
                let changed = store::update_if_version(txn, id, expected, &input).await?;
                if changed && update.current.region_code != region.as_str() {
                    // Posts and assignments copy their unit's region for scoping: move them along.
                    store::move_dependents(txn, id, region.as_str()).await?;
                }
                Ok(changed)
            })
            .await?;
        let m = update
            .commit(|before, after, change| relevance::unit_update(before, after).then_some(change))
            .await?;
        Ok(one(m)?)
    }
}
