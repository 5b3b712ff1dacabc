//! `units.csv`: `id,region_code,name,unit_type,credit_code,version,created_at,updated_at`.
//!
//! Rows are validated by the API's [`UnitBody::validate`] and keyed by `id` when present
//! (a row without an id is always new: give ids to make re-imports idempotent).

use std::collections::HashMap;

use registry_core::ids::RegionCode;
use registry_core::post::OrganisationUnit;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Value,
};

use super::cells::{Cells, Meta};
use super::{Entity, Kind, Verdict, changed, conflict};
use crate::db::entities::unit;
use crate::problem::ProblemField;
use crate::units::api::{UnitBody, UnitType};
use crate::workers::store::region_range;

/// The units importer/exporter.
#[derive(Debug)]
pub struct Units;

/// A validated unit row.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    unit: OrganisationUnit,
    meta: Meta,
}

fn diff(r: &Row, m: &unit::Model) -> Vec<&'static str> {
    changed(&[
        ("region_code", r.unit.region().as_str() == m.region_code),
        ("name", r.unit.name() == m.name),
        ("unit_type", r.unit.unit_type().code() == m.unit_type),
        (
            "credit_code",
            r.unit.credit_code().map(|c| c.as_str()) == m.credit_code.as_deref(),
        ),
    ])
}

impl Kind for Units {
    type Row = Row;
    type Seen = ();
    const ENTITY: Entity = Entity::Units;
    const HEADER: &'static [&'static str] = &[
        "id",
        "region_code",
        "name",
        "unit_type",
        "credit_code",
        "version",
        "created_at",
        "updated_at",
    ];
    const REQUIRED: &'static [&'static str] = &["region_code", "name", "unit_type"];
    const RESOURCE: &'static str = "unit";
    const TABLE: &'static str = "units";
    const COLUMNS: &'static [&'static str] = Self::HEADER;

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let name = c.text("name");
        let region = c.text("region_code");
        let unit_type: Option<UnitType> = c.code("unit_type");
        let credit_code = c.opt_text("credit_code");
        let meta = Meta::read(c, crate::db::now_utc());
        let mut errors = c.take_errors();
        let body = UnitBody {
            name: name.unwrap_or_default(),
            region_code: region.unwrap_or_default(),
            unit_type: unit_type.unwrap_or(UnitType::Other),
            credit_code,
        };
        match body.validate() {
            Ok(unit) if errors.is_empty() => Ok(Row { id, unit, meta }),
            Ok(_) => Err(errors),
            Err(e) => {
                let failed: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
                errors.extend(e.errors.into_iter().filter(|e| !failed.contains(&e.field)));
                Err(errors)
            }
        }
    }

    fn keys(row: &Row) -> Vec<(&'static str, String)> {
        row.id.iter().map(|id| ("id", id.clone())).collect()
    }

    async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: &mut [&mut Row],
        _seen: &mut (),
    ) -> Result<Vec<Verdict>, DbErr> {
        let ids = rows.iter().filter_map(|r| r.id.clone());
        let stored: HashMap<String, unit::Model> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        Ok(rows
            .iter()
            .map(|r| match r.id.as_ref().and_then(|id| stored.get(id)) {
                None => Verdict::New,
                Some(m) => match diff(r, m).as_slice() {
                    [] => Verdict::Same,
                    d => Verdict::Reject(vec![conflict("id", d)]),
                },
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let id = super::new_id(r.id.as_ref());
        Ok(vec![
            id.into(),
            r.unit.region().as_str().to_owned().into(),
            r.unit.name().to_owned().into(),
            r.unit.unit_type().code().into(),
            r.unit.credit_code().map(|c| c.as_str().to_owned()).into(),
            r.meta.version.into(),
            r.meta.created_at.into(),
            r.meta.updated_at.into(),
        ])
    }

    async fn page(
        &self,
        db: &DatabaseConnection,
        region: Option<&RegionCode>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<Vec<String>>, Option<String>), anyhow::Error> {
        let mut q = unit::Entity::find();
        if let Some((lo, hi)) = region.and_then(region_range) {
            q = q.filter(unit::Column::RegionCode.between(lo, hi));
        }
        let (models, last) =
            super::lookup::page_by_id(db, q, unit::Column::Id, after, limit, |m| m.id.clone())
                .await?;
        let out = models
            .into_iter()
            .map(|m| {
                let [version, created, updated] =
                    Meta::cells(m.version, m.created_at, m.updated_at);
                vec![
                    m.id,
                    m.region_code,
                    m.name,
                    m.unit_type,
                    m.credit_code.unwrap_or_default(),
                    version,
                    created,
                    updated,
                ]
            })
            .collect();
        Ok((out, last))
    }
}
