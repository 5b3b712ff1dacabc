//! `workers.csv`: `id,region_code,resident_id,name,education_level,social_work_major,
//! experience_start,version,created_at,updated_at`.
//!
//! Rows are validated by the API's [`CreateWorker::validate`] and keyed by the resident ID's
//! lookup hash (this deployment's key): a stored worker with the same number and the same
//! values is skipped, with other values it is a conflict. The resident ID is exported in
//! clear (the target deployment seals it with its own key).

use registry_core::ids::ResidentId;
use sea_orm::{DatabaseConnection, Value};
use time::macros::date;

use super::cells::{self, Cells, Meta};
use super::layout::{InRegion, Layout};
use super::{Entity, Kind, Verdicts, changed, lookup, validated};
use crate::crypto::PiiCipher;
use crate::db::entities::worker;
use crate::problem::ProblemField;
use crate::workers::api::{CreateWorker, Education, EducationLevel, WorkerFields, education_code};

/// The workers importer/exporter (needs the deployment's resident ID cipher).
#[derive(Debug)]
pub struct Workers<'a> {
    /// Seals, hashes and opens resident IDs.
    pub pii: &'a PiiCipher,
}

/// A validated worker row.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    resident_id: ResidentId,
    hash: String,
    fields: WorkerFields,
    meta: Meta,
}

fn same_as(r: &Row, m: &worker::Model) -> Vec<&'static str> {
    changed(&[
        ("id", r.id.as_deref().is_none_or(|id| id == m.id)),
        ("region_code", r.fields.region.as_str() == m.region_code),
        ("name", r.fields.name == m.name),
        (
            "education_level",
            education_code(r.fields.education.level) == m.education_level,
        ),
        (
            "social_work_major",
            r.fields.education.social_work_major == m.social_work_major,
        ),
        (
            "experience_start",
            r.fields.experience_start == m.experience_start,
        ),
    ])
}

impl Kind for Workers<'_> {
    type Row = Row;
    type Seen = ();
    type Stored = worker::Entity;
    const ENTITY: Entity = Entity::Workers;
    const HEADER: &'static [&'static str] = &[
        "id",
        "region_code",
        "resident_id",
        "name",
        "education_level",
        "social_work_major",
        "experience_start",
        "version",
        "created_at",
        "updated_at",
    ];
    const REQUIRED: &'static [&'static str] = &[
        "region_code",
        "resident_id",
        "name",
        "education_level",
        "social_work_major",
        "experience_start",
    ];
    const RESOURCE: &'static str = "worker";
    const TABLE: &'static str = "workers";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "region_code",
        "name",
        "resident_id_sealed",
        "resident_id_hash",
        "resident_id_masked",
        "education_level",
        "social_work_major",
        "experience_start",
        "version",
        "created_at",
        "updated_at",
    ];
    const LAYOUT: Layout<worker::Column> = Layout::by_id(
        worker::Column::Id,
        InRegion::Column(worker::Column::RegionCode),
    );

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let resident_id = c.text("resident_id");
        let name = c.text("name");
        let level: Option<EducationLevel> = c.code("education_level");
        let major = c.bool("social_work_major");
        let start = c.date("experience_start");
        let region = c.text("region_code");
        let meta = Meta::read(c, crate::db::now_utc());
        let errors = c.take_errors();
        // The API's validation, with placeholders where a cell already failed (their
        // errors are dropped below: the cell's own error says it).
        let body = CreateWorker {
            resident_id: resident_id.clone().unwrap_or_default(),
            name: name.unwrap_or_default(),
            education: Education {
                level: level.unwrap_or(EducationLevel::HighSchool),
                social_work_major: major.unwrap_or(false),
            },
            experience_start: start.unwrap_or(date!(2000 - 01 - 01)),
            region_code: region.unwrap_or_default(),
        };
        let new = validated(errors, body.validate().map_err(|e| e.errors))?;
        Ok(Row {
            id,
            hash: self.pii.lookup_hash(&new.resident_id),
            resident_id: new.resident_id,
            fields: new.fields,
            meta,
        })
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    fn natural_key(row: &Row) -> Option<(&'static str, String)> {
        Some(("resident_id", row.hash.clone()))
    }

    async fn check(&self, db: &DatabaseConnection, rows: &mut [&mut Row], _: &mut ()) -> Verdicts {
        let hashes = rows.iter().map(|r| r.hash.clone());
        let by_hash =
            lookup::stored_by::<worker::Entity, _>(db, worker::Column::ResidentIdHash, hashes)
                .await?;
        let taken = lookup::taken_ids::<Self, _>(db, rows).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let id_taken = r.id.as_ref().is_some_and(|id| taken.contains(id));
                let stored = by_hash.get(&r.hash);
                lookup::by_key("resident_id", stored, id_taken, |m| same_as(r, m))
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let sealed = self.pii.seal(&r.resident_id)?;
        Ok(r.meta.append_values(vec![
            r.fields.region.as_str().to_owned().into(),
            r.fields.name.clone().into(),
            sealed.into(),
            r.hash.clone().into(),
            r.resident_id.masked().into(),
            education_code(r.fields.education.level).into(),
            r.fields.education.social_work_major.into(),
            r.fields.experience_start.into(),
        ]))
    }

    fn record(&self, m: worker::Model) -> Result<Vec<String>, anyhow::Error> {
        let clear = self.pii.open(&m.resident_id_sealed)?;
        let cells = vec![
            m.region_code,
            clear.expose().to_owned(),
            m.name,
            m.education_level,
            m.social_work_major.to_string(),
            cells::date(m.experience_start),
        ];
        Ok(Meta::append_cells(
            cells,
            m.version,
            m.created_at,
            m.updated_at,
        ))
    }
}
