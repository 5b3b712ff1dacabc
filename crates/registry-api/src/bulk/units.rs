//! `units.csv`: `id,region_code,name,unit_type,credit_code,version,created_at,updated_at`.
//!
//! Rows are validated by the API's [`UnitBody::validate`] and keyed by `id` when present
//! (a row without an id is always new: give ids to make re-imports idempotent).

use registry_core::post::OrganisationUnit;
use sea_orm::{DatabaseConnection, Value};

use super::cells::{Cells, Meta};
use super::layout::{InRegion, Layout};
use super::{Entity, Kind, Verdicts, changed, lookup, validated};
use crate::db::entities::unit;
use crate::problem::ProblemField;
use crate::units::api::{UnitBody, UnitType};

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
    type Stored = unit::Entity;
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
    const LAYOUT: Layout<unit::Column> =
        Layout::by_id(unit::Column::Id, InRegion::Column(unit::Column::RegionCode));

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let name = c.text("name");
        let region = c.text("region_code");
        let unit_type: Option<UnitType> = c.code("unit_type");
        let credit_code = c.opt_text("credit_code");
        let meta = Meta::read(c, crate::db::now_utc());
        let errors = c.take_errors();
        let body = UnitBody {
            name: name.unwrap_or_default(),
            region_code: region.unwrap_or_default(),
            unit_type: unit_type.unwrap_or(UnitType::Other),
            credit_code,
        };
        let unit = validated(errors, body.validate().map_err(|e| e.errors))?;
        Ok(Row { id, unit, meta })
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    async fn check(&self, db: &DatabaseConnection, rows: &mut [&mut Row], _: &mut ()) -> Verdicts {
        let stored = lookup::stored::<Self, _>(db, rows).await?;
        Ok(rows
            .iter()
            .map(|r| lookup::by_id(r.id.as_ref(), &stored, |m| diff(r, m)))
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        Ok(r.meta.append_values(vec![
            r.unit.region().as_str().to_owned().into(),
            r.unit.name().to_owned().into(),
            r.unit.unit_type().code().into(),
            r.unit.credit_code().map(|c| c.as_str().to_owned()).into(),
        ]))
    }

    fn record(&self, m: unit::Model) -> Result<Vec<String>, anyhow::Error> {
        let cells = vec![
            m.region_code,
            m.name,
            m.unit_type,
            m.credit_code.unwrap_or_default(),
        ];
        Ok(Meta::append_cells(
            cells,
            m.version,
            m.created_at,
            m.updated_at,
        ))
    }
}
