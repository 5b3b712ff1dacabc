//! `workers.csv`: `id,region_code,resident_id,name,education_level,social_work_major,
//! experience_start,version,created_at,updated_at`.
//!
//! Rows are validated by the API's [`CreateWorker::validate`] and keyed by the resident ID's
//! lookup hash (this deployment's key): a stored worker with the same number and the same
//! values is skipped, with other values it is a conflict. The resident ID is exported in
//! clear (the target deployment seals it with its own key).

use std::collections::HashMap;

use registry_core::ids::{RegionCode, ResidentId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Value,
};
use time::macros::date;

use super::cells::{self, Cells, Meta};
use super::{Entity, Kind, Verdict, changed};
use crate::crypto::PiiCipher;
use crate::db::entities::worker;
use crate::problem::ProblemField;
use crate::workers::api::{CreateWorker, Education, EducationLevel, WorkerFields, education_code};
use crate::workers::store::region_range;

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

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let resident_id = c.text("resident_id");
        let name = c.text("name");
        let level: Option<EducationLevel> = c.code("education_level");
        let major = c.bool("social_work_major");
        let start = c.date("experience_start");
        let region = c.text("region_code");
        let meta = Meta::read(c, crate::db::now_utc());
        let mut errors = c.take_errors();
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
        match body.validate() {
            Ok(new) if errors.is_empty() => Ok(Row {
                id,
                hash: self.pii.lookup_hash(&new.resident_id),
                resident_id: new.resident_id,
                fields: new.fields,
                meta,
            }),
            Ok(_) => Err(errors),
            Err(e) => {
                let failed: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
                errors.extend(e.errors.into_iter().filter(|e| !failed.contains(&e.field)));
                Err(errors)
            }
        }
    }

    fn keys(row: &Row) -> Vec<(&'static str, String)> {
        let mut keys = vec![("resident_id", row.hash.clone())];
        if let Some(id) = &row.id {
            keys.push(("id", id.clone()));
        }
        keys
    }

    async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: &mut [&mut Row],
        _seen: &mut (),
    ) -> Result<Vec<Verdict>, DbErr> {
        let hashes = rows.iter().map(|r| r.hash.clone());
        let by_hash: HashMap<String, worker::Model> = worker::Entity::find()
            .filter(worker::Column::ResidentIdHash.is_in(hashes))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.resident_id_hash.clone(), m))
            .collect();
        let ids = rows.iter().filter_map(|r| r.id.clone());
        let by_id: HashMap<String, String> = worker::Entity::find()
            .filter(worker::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.resident_id_hash))
            .collect();
        Ok(rows
            .iter()
            .map(|r| {
                let id_taken = r.id.as_ref().is_some_and(|id| by_id.contains_key(id));
                let stored = by_hash.get(&r.hash);
                super::lookup::by_key("resident_id", stored, id_taken, |m| same_as(r, m))
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let id = super::new_id(r.id.as_ref());
        let sealed = self.pii.seal(&r.resident_id)?;
        Ok(vec![
            id.into(),
            r.fields.region.as_str().to_owned().into(),
            r.fields.name.clone().into(),
            sealed.into(),
            r.hash.clone().into(),
            r.resident_id.masked().into(),
            education_code(r.fields.education.level).into(),
            r.fields.education.social_work_major.into(),
            r.fields.experience_start.into(),
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
        let mut q = worker::Entity::find();
        if let Some((lo, hi)) = region.and_then(region_range) {
            q = q.filter(worker::Column::RegionCode.between(lo, hi));
        }
        let (models, last) =
            super::lookup::page_by_id(db, q, worker::Column::Id, after, limit, |m| m.id.clone())
                .await?;
        let mut out = Vec::with_capacity(models.len());
        for m in models {
            let clear = self.pii.open(&m.resident_id_sealed)?;
            let [version, created, updated] = Meta::cells(m.version, m.created_at, m.updated_at);
            out.push(vec![
                m.id,
                m.region_code,
                clear.expose().to_owned(),
                m.name,
                m.education_level,
                m.social_work_major.to_string(),
                cells::date(m.experience_start),
                version,
                created,
                updated,
            ]);
        }
        Ok((out, last))
    }
}
