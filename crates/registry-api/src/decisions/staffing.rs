//! `GET /api/v1/regions/{code}/staffing?date=` ([`RegionStaffingApi`]): each unit's required
//! vs actual professionals and certified professionals, with shortfalls, and the region
//! roll-up, by `registry_core::staffing::staffing_report` against the staffing targets of the
//! policy data (the core's sample `StaffingTargets`).
//!
//! The register does not record a unit's total staff, only the workers on its posts: the
//! professional share is computed over those (so a target share is met whenever anyone is
//! counted); the report says so in `total_staff`'s documentation.

use std::collections::{BTreeMap, BTreeSet};

use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use registry_core::RuleViolation;
use registry_core::credential::highest_valid_on;
use registry_core::facts::FactKind;
use registry_core::ids::{CreditCode, RegionCode};
use registry_core::post::{OrganisationUnit, UnitType};
use registry_core::staffing::{StaffingTargets, UnitHeadcount, staffing_report};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::api::StaffingView;
use super::facts::{FactIds, FactInfo, core_assignment, core_credential};
use super::routes::parse_day;
use crate::auth::{Auth, Role};
use crate::db::entities::{assignment, credential, post, unit};
use crate::problem::{ApiError, Errors, ReadErrors};
use crate::routes::Tags;
use crate::state::AppState;
use crate::workers::store::region_range;

/// A staffing report.
#[derive(ApiResponse)]
pub enum OneStaffing {
    /// The report.
    #[oai(status = 200)]
    Ok(Json<StaffingView>),
}

fn info(kind: FactKind, id: &str, recorded_at: time::OffsetDateTime) -> FactInfo {
    FactInfo {
        kind,
        id: id.to_owned(),
        effective_from: None,
        effective_until: None,
        recorded_at,
    }
}

async fn report(
    state: &AppState,
    region: RegionCode,
    date: time::Date,
) -> Result<StaffingView, ApiError> {
    let db = &state.db;
    let mut q = unit::Entity::find();
    if let Some((lo, hi)) = region_range(&region) {
        q = q.filter(unit::Column::RegionCode.between(lo, hi));
    }
    let units = q.order_by_asc(unit::Column::Id).all(db).await?;
    let unit_ids: Vec<String> = units.iter().map(|u| u.id.clone()).collect();
    let posts = post::Entity::find()
        .filter(post::Column::UnitId.is_in(unit_ids))
        .order_by_asc(post::Column::Id)
        .all(db)
        .await?;
    let post_ids: Vec<String> = posts.iter().map(|p| p.id.clone()).collect();
    let assignments = assignment::Entity::find()
        .filter(assignment::Column::PostId.is_in(post_ids))
        .order_by_asc(assignment::Column::Id)
        .all(db)
        .await?;
    let worker_ids: BTreeSet<String> = assignments.iter().map(|a| a.worker_id.clone()).collect();
    let credentials = credential::Entity::find()
        .filter(credential::Column::WorkerId.is_in(worker_ids))
        .order_by_asc(credential::Column::Id)
        .all(db)
        .await?;

    let mut ids = FactIds::default();
    let mut core_units = Vec::with_capacity(units.len());
    for u in &units {
        let id = ids.add(info(FactKind::Unit, &u.id, u.updated_at));
        let r = RegionCode::parse(&u.region_code).map_err(ApiError::internal)?;
        let t = UnitType::parse(&u.unit_type).map_err(ApiError::internal)?;
        let code = u
            .credit_code
            .as_deref()
            .and_then(|c| CreditCode::parse(c).ok());
        core_units
            .push(OrganisationUnit::new(id, &u.name, r, t, code).map_err(ApiError::internal)?);
    }
    let mut core_posts = Vec::with_capacity(posts.len());
    let mut post_of: BTreeMap<&str, (&post::Model, u64, u64)> = BTreeMap::new();
    for p in &posts {
        let Some(unit_id) = ids.core_id(FactKind::Unit, &p.unit_id) else {
            continue;
        };
        let id = ids.add(info(FactKind::Post, &p.id, p.updated_at));
        post_of.insert(p.id.as_str(), (p, id, unit_id));
    }
    let mut core_assignments = Vec::with_capacity(assignments.len());
    let mut staff: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for a in &assignments {
        let Some(&(p, post_id, unit_id)) = post_of.get(a.post_id.as_str()) else {
            continue;
        };
        let worker = ids.add(info(FactKind::Worker, &a.worker_id, a.created_at));
        let id = ids.add(info(FactKind::Assignment, &a.id, a.updated_at));
        let core = core_assignment(a, id, worker, p, post_id, unit_id)?;
        if core.is_active_on(date) {
            staff.entry(unit_id).or_default().insert(worker);
        }
        core_assignments.push(core);
    }
    for (p, post_id, unit_id) in post_of.values() {
        let min_level = p
            .min_level
            .as_deref()
            .map(registry_core::level::Level::parse)
            .transpose()
            .map_err(ApiError::internal)?;
        let grade = p.grade.and_then(|g| u8::try_from(g).ok());
        core_posts.push(
            registry_core::post::Post::new(
                *post_id,
                *unit_id,
                &p.title,
                min_level,
                grade,
                p.part_time_allowed,
            )
            .map_err(ApiError::internal)?,
        );
    }
    let mut creds_by_worker: BTreeMap<u64, Vec<registry_core::credential::Credential>> =
        BTreeMap::new();
    for c in &credentials {
        let Some(worker) = ids.core_id(FactKind::Worker, &c.worker_id) else {
            continue;
        };
        let id = ids.add(info(FactKind::Credential, &c.id, c.updated_at));
        creds_by_worker
            .entry(worker)
            .or_default()
            .push(core_credential(c, id, worker)?);
    }
    let certified: BTreeMap<u64, registry_core::level::Level> = creds_by_worker
        .iter()
        .filter_map(|(w, creds)| highest_valid_on(creds, date).map(|c| (*w, c.level())))
        .collect();
    let headcounts: Vec<UnitHeadcount> = core_units
        .into_iter()
        .map(|unit| {
            let total_staff = staff
                .get(&unit.id())
                .map_or(0, |s| u32::try_from(s.len()).unwrap_or(u32::MAX));
            UnitHeadcount { unit, total_staff }
        })
        .collect();
    let r = staffing_report(
        &region,
        date,
        &headcounts,
        &core_posts,
        &core_assignments,
        &certified,
        &StaffingTargets::samples(),
    );
    Ok(StaffingView::view(&r, &ids))
}

/// Staffing of a region.
pub struct RegionStaffingApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Staffing")]
impl RegionStaffingApi {
    /// Staffing report of a region
    ///
    /// For admin and hr whose region contains `code`; everyone else gets a 404. Each unit
    /// inside the region against the staffing target of the most specific region containing
    /// it (sample policy data), on `date` (default today, UTC): professionals and certified
    /// professionals required and counted, shortfalls and the gaps' codes, and the roll-up.
    #[oai(
        path = "/regions/:code/staffing",
        method = "get",
        operation_id = "get_region_staffing"
    )]
    async fn get_region_staffing(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// Six-digit region code.
        code: Path<String>,
        /// The day counted, `YYYY-MM-DD` (default today, UTC).
        #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
        date: Query<Option<String>>,
    ) -> Result<OneStaffing, Errors<ReadErrors>> {
        let p = &auth.0;
        let date = parse_day("date", date.0.as_deref())?;
        let region = RegionCode::parse(&code.0).map_err(|e| ApiError::from(e.at("code")))?;
        let visible = matches!(p.role, Role::Admin | Role::Hr)
            && p.region().is_some_and(|own| own.contains(&region));
        if !visible {
            return Err(ApiError::not_found().into());
        }
        Ok(OneStaffing::Ok(Json(report(&state, region, date).await?)))
    }
}
