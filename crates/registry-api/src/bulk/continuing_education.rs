//! `continuing_education.csv`: `id,worker_id,completed_on,hours_tenths,kind,created_at` (the
//! table's columns; hours as integer tenths, `125` = 12.5 h).
//!
//! Rows are validated by the API's [`CreateContinuingEducation::validate`] (hours more than 0
//! and at most 1000, not completed in the future); `worker_id` must name a stored worker.
//! Keyed by `id` when present. An export `--region R` holds the records of the workers
//! registered in `R`. Append-only table: an import only inserts.

use sea_orm::{DatabaseConnection, Value};
use time::OffsetDateTime;

use super::cells::{self, Cells};
use super::layout::{InRegion, Layout};
use super::{Entity, Kind, Verdicts, changed, lookup, validated};
use crate::continuing_education::api::{
    CeKind, CreateContinuingEducation, hours_to_tenths, tenths_to_hours,
};
use crate::db::entities::continuing_education as ce;
use crate::problem::ProblemField;

/// The continuing-education importer/exporter.
#[derive(Debug)]
pub struct ContinuingEducation;

/// A validated record row.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    worker_id: String,
    completed_on: time::Date,
    hours_tenths: i32,
    kind: CeKind,
    created_at: OffsetDateTime,
}

fn diff(r: &Row, m: &ce::Model) -> Vec<&'static str> {
    changed(&[
        ("worker_id", r.worker_id == m.worker_id),
        ("completed_on", r.completed_on == m.completed_on),
        ("hours_tenths", r.hours_tenths == m.hours_tenths),
        ("kind", r.kind.code() == m.kind),
    ])
}

impl Kind for ContinuingEducation {
    type Row = Row;
    type Seen = ();
    type Stored = ce::Entity;
    const ENTITY: Entity = Entity::ContinuingEducation;
    const HEADER: &'static [&'static str] = &[
        "id",
        "worker_id",
        "completed_on",
        "hours_tenths",
        "kind",
        "created_at",
    ];
    const REQUIRED: &'static [&'static str] =
        &["worker_id", "completed_on", "hours_tenths", "kind"];
    const RESOURCE: &'static str = "continuing_education";
    const TABLE: &'static str = "continuing_education";
    const COLUMNS: &'static [&'static str] = Self::HEADER;
    const LAYOUT: Layout<ce::Column> =
        Layout::by_id(ce::Column::Id, InRegion::Workers(ce::Column::WorkerId));

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let worker_id = c.id("worker_id");
        let completed_on = c.date("completed_on");
        let tenths = c.int("hours_tenths");
        let kind: Option<CeKind> = c.code("kind");
        let created_at = c
            .opt_timestamp("created_at")
            .unwrap_or_else(crate::db::now_utc);
        let errors = c.take_errors();
        let (Some(worker_id), Some(completed_on), Some(tenths), Some(kind)) =
            (worker_id, completed_on, tenths, kind)
        else {
            return Err(errors);
        };
        // The API's validation of the same record (hours as its decimal string; out-of-range
        // tenths are clamped so the API's range rule names them).
        let clamped = i32::try_from(tenths.clamp(0, i64::from(i32::MAX))).unwrap_or(i32::MAX);
        let body = CreateContinuingEducation {
            completed_on,
            hours: tenths_to_hours(clamped),
            kind,
        };
        let api = body
            .validate()
            .map_err(|e| super::renamed(e.errors, "hours", "hours_tenths"));
        let core = validated(errors, api)?;
        Ok(Row {
            id,
            worker_id,
            completed_on,
            hours_tenths: hours_to_tenths(core.hours()).unwrap_or_default(),
            kind,
            created_at,
        })
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    async fn check(&self, db: &DatabaseConnection, rows: &mut [&mut Row], _: &mut ()) -> Verdicts {
        let workers = lookup::workers(db, rows.iter().map(|r| r.worker_id.clone())).await?;
        let stored = lookup::stored::<Self, _>(db, rows).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let mut errors = Vec::new();
                workers.check(&r.worker_id, &mut errors);
                lookup::unless(errors, || {
                    lookup::by_id(r.id.as_ref(), &stored, |m| diff(r, m))
                })
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        Ok(vec![
            r.worker_id.clone().into(),
            r.completed_on.into(),
            r.hours_tenths.into(),
            r.kind.code().into(),
            r.created_at.into(),
        ])
    }

    fn record(&self, m: ce::Model) -> Result<Vec<String>, anyhow::Error> {
        Ok(vec![
            m.worker_id,
            cells::date(m.completed_on),
            m.hours_tenths.to_string(),
            m.kind,
            cells::timestamp(m.created_at),
        ])
    }
}
