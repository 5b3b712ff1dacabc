//! Request and response bodies of the units resource, and their validation.

use poem_openapi::{Enum, Object};
use registry_core::RuleViolation;
use registry_core::ids::{CreditCode, RegionCode};
use registry_core::post::{OrganisationUnit, UnitType as CoreUnitType};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::db::entities::unit;
use crate::mirror_enum;
use crate::problem::{ApiError, ProblemField};

/// The kind of organisation (see `registry_core::post::UnitType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum UnitType {
    /// 镇（街道）社区服务中心.
    StreetServiceCentre,
    /// 城市社区.
    UrbanCommunity,
    /// 建制村.
    AdministrativeVillage,
    /// 社会工作服务机构.
    Agency,
    /// 民政事业单位.
    CivilAffairsInstitution,
    /// 基层人民调解组织.
    Mediation,
    /// 社区矫正机构.
    CommunityCorrection,
    /// 安置帮教机构.
    Resettlement,
    /// 禁毒戒毒机构.
    DrugRehabilitation,
    /// 灾害救援组织.
    DisasterRelief,
    /// Any other organisation.
    Other,
}

mirror_enum!(
    UnitType,
    CoreUnitType,
    [
        StreetServiceCentre,
        UrbanCommunity,
        AdministrativeVillage,
        Agency,
        CivilAffairsInstitution,
        Mediation,
        CommunityCorrection,
        Resettlement,
        DrugRehabilitation,
        DisasterRelief,
        Other,
    ]
);

/// Body of `POST /api/v1/units` and `PUT /api/v1/units/{id}` (the full replaceable state).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UnitBody {
    /// Name, 1 to 100 characters.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
    /// Six-digit region code; must lie in the caller's region.
    #[oai(validator(pattern = r"^[0-9]{6}$"))]
    pub region_code: String,
    /// Kind of unit.
    pub unit_type: UnitType,
    /// Unified social credit code (GB 32100, 18 characters), if known.
    #[oai(validator(min_length = 18, max_length = 18))]
    #[serde(default)]
    pub credit_code: Option<String>,
}

impl UnitBody {
    /// Validates every field into a core unit (id 0: ids are the store's), reporting all
    /// broken rules at once.
    pub fn validate(&self) -> Result<OrganisationUnit, ApiError> {
        let mut errors: Vec<ProblemField> = Vec::new();
        let region = RegionCode::parse(&self.region_code)
            .map_err(|e| errors.push(e.at("region_code").into()))
            .ok();
        let credit_code = match self.credit_code.as_deref().map(CreditCode::parse) {
            None => None,
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => {
                errors.push(e.at("credit_code").into());
                None
            }
        };
        let unit = OrganisationUnit::new(
            0,
            &self.name,
            region.unwrap_or(RegionCode::NATIONAL),
            self.unit_type.into(),
            credit_code,
        )
        .map_err(|e| errors.push(e.into()))
        .ok();
        match unit {
            Some(unit) if errors.is_empty() => Ok(unit),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// An organisation unit.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Unit {
    /// Unit id (UUID).
    pub id: String,
    /// Region of the unit.
    pub region_code: String,
    /// Name.
    pub name: String,
    /// Kind of unit.
    pub unit_type: UnitType,
    /// Unified social credit code, if recorded.
    #[oai(skip_serializing_if_is_none)]
    pub credit_code: Option<String>,
    /// Soft rules the unit breaks, as stable codes (e.g.
    /// `credit_code.not_private_non_enterprise` for an agency whose code does not start
    /// with `52`); the unit is stored anyway.
    pub warnings: Vec<String>,
    /// Version, as in the ETag.
    pub version: i64,
    /// Created (UTC).
    pub created_at: OffsetDateTime,
    /// Last updated (UTC).
    pub updated_at: OffsetDateTime,
}

impl Unit {
    /// The response for a stored row.
    pub fn view(m: unit::Model) -> Result<Self, ApiError> {
        let core = core_unit(&m)?;
        Ok(Self {
            unit_type: core.unit_type().into(),
            warnings: core
                .soft_warnings()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            id: m.id,
            region_code: m.region_code,
            name: m.name,
            credit_code: m.credit_code,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// Rebuilds the core unit of a stored row (500 if storage holds an invalid value).
pub fn core_unit(m: &unit::Model) -> Result<OrganisationUnit, ApiError> {
    let region = RegionCode::parse(&m.region_code).map_err(ApiError::internal)?;
    let unit_type = CoreUnitType::parse(&m.unit_type).map_err(ApiError::internal)?;
    let credit_code = m
        .credit_code
        .as_deref()
        .map(CreditCode::parse)
        .transpose()
        .map_err(ApiError::internal)?;
    OrganisationUnit::new(0, &m.name, region, unit_type, credit_code).map_err(ApiError::internal)
}

/// One page of units.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct UnitPage {
    /// The units, oldest first.
    pub items: Vec<Unit>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}
