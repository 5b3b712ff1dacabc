//! `credentials.csv`: `id,worker_id,scheme,level,certificate_number,issuing_authority,
//! exam_year,issue_date,valid_region,status,version,created_at,updated_at`.
//!
//! Rows are validated by the API's [`CredentialBody::validate`]; `worker_id` must name a stored
//! worker. Keyed by certificate number (unique in the registry), and by `id` when present.
//! An export `--region R` holds the credentials of the workers registered in `R`.

use std::collections::{HashMap, HashSet};

use registry_core::ids::RegionCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    Value,
};

use super::cells::{self, Cells, Meta};
use super::{Entity, Kind, Verdict, changed, unknown_reference};
use crate::credentials::api::{
    CredentialBody, CredentialFields, CredentialStatus, Scheme, scheme_code,
};
use crate::db::entities::credential;
use crate::mirror::Level;
use crate::problem::ProblemField;

/// The credentials importer/exporter.
#[derive(Debug)]
pub struct Credentials;

/// A validated credential row.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    worker_id: String,
    fields: CredentialFields,
    meta: Meta,
}

impl Row {
    fn number(&self) -> &str {
        self.fields.credential.certificate_number().as_str()
    }
}

fn diff(r: &Row, m: &credential::Model) -> Vec<&'static str> {
    let c = &r.fields.credential;
    changed(&[
        ("id", r.id.as_deref().is_none_or(|id| id == m.id)),
        ("worker_id", r.worker_id == m.worker_id),
        ("scheme", scheme_code(c.scheme()) == m.scheme),
        ("level", c.level().code() == m.level),
        (
            "issuing_authority",
            c.issuing_authority() == m.issuing_authority,
        ),
        ("exam_year", c.exam_year() == m.exam_year),
        ("issue_date", c.issue_date() == m.issue_date),
        (
            "valid_region",
            c.valid_region().as_ref().map(RegionCode::as_str) == m.valid_region.as_deref(),
        ),
        ("status", r.fields.status.code() == m.status),
    ])
}

impl Kind for Credentials {
    type Row = Row;
    type Seen = ();
    const ENTITY: Entity = Entity::Credentials;
    const HEADER: &'static [&'static str] = &[
        "id",
        "worker_id",
        "scheme",
        "level",
        "certificate_number",
        "issuing_authority",
        "exam_year",
        "issue_date",
        "valid_region",
        "status",
        "version",
        "created_at",
        "updated_at",
    ];
    const REQUIRED: &'static [&'static str] = &[
        "worker_id",
        "scheme",
        "level",
        "certificate_number",
        "issuing_authority",
        "issue_date",
    ];
    const RESOURCE: &'static str = "credential";
    const TABLE: &'static str = "credentials";
    const COLUMNS: &'static [&'static str] = Self::HEADER;

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let worker_id = c.id("worker_id");
        let scheme: Option<Scheme> = c.code("scheme");
        let level: Option<Level> = c.code("level");
        let number = c.text("certificate_number");
        let authority = c.text("issuing_authority");
        let exam_year = c.opt_int("exam_year");
        let issue_date = c.date("issue_date");
        let valid_region = c.opt_text("valid_region");
        let status: Option<CredentialStatus> = c.opt_code("status");
        let meta = Meta::read(c, crate::db::now_utc());
        let mut errors = c.take_errors();
        let exam_year = match exam_year.map(i32::try_from) {
            None => None,
            Some(Ok(y)) => Some(y),
            Some(Err(_)) => {
                errors.push(ProblemField {
                    field: "exam_year".into(),
                    rule: "csv.invalid_integer".into(),
                    message: "out of range".into(),
                });
                None
            }
        };
        let body = CredentialBody {
            scheme: scheme.unwrap_or(Scheme::Legacy),
            level: level.unwrap_or(Level::Aide),
            certificate_number: number.unwrap_or_default(),
            issuing_authority: authority.unwrap_or_default(),
            exam_year,
            issue_date: issue_date.unwrap_or(time::macros::date!(2000 - 01 - 01)),
            valid_region,
            status,
        };
        match (body.validate(), worker_id) {
            (Ok(fields), Some(worker_id)) if errors.is_empty() => Ok(Row {
                id,
                worker_id,
                fields,
                meta,
            }),
            (Ok(_), _) => Err(errors),
            (Err(e), _) => {
                let failed: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
                errors.extend(e.errors.into_iter().filter(|e| !failed.contains(&e.field)));
                Err(errors)
            }
        }
    }

    fn keys(row: &Row) -> Vec<(&'static str, String)> {
        let mut keys = vec![("certificate_number", row.number().to_owned())];
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
        let worker_ids = rows.iter().map(|r| r.worker_id.clone());
        let workers = super::lookup::stored_workers(db, worker_ids).await?;
        let numbers = rows.iter().map(|r| r.number().to_owned());
        let by_number: HashMap<String, credential::Model> = credential::Entity::find()
            .filter(credential::Column::CertificateNumber.is_in(numbers))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.certificate_number.clone(), m))
            .collect();
        let ids = rows.iter().filter_map(|r| r.id.clone());
        let by_id: HashSet<String> = credential::Entity::find()
            .select_only()
            .column(credential::Column::Id)
            .filter(credential::Column::Id.is_in(ids))
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        Ok(rows
            .iter()
            .map(|r| {
                if !workers.contains(&r.worker_id) {
                    return Verdict::Reject(vec![unknown_reference("worker_id", "worker")]);
                }
                let id_taken = r.id.as_ref().is_some_and(|id| by_id.contains(id));
                let stored = by_number.get(r.number());
                super::lookup::by_key("certificate_number", stored, id_taken, |m| diff(r, m))
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let id = super::new_id(r.id.as_ref());
        let c = &r.fields.credential;
        Ok(vec![
            id.into(),
            r.worker_id.clone().into(),
            scheme_code(c.scheme()).into(),
            c.level().code().into(),
            c.certificate_number().as_str().to_owned().into(),
            c.issuing_authority().to_owned().into(),
            c.exam_year().into(),
            c.issue_date().into(),
            c.valid_region().map(|r| r.as_str().to_owned()).into(),
            r.fields.status.code().into(),
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
        let mut q = credential::Entity::find();
        if let Some(f) = super::lookup::of_workers_in(credential::Column::WorkerId, region) {
            q = q.filter(f);
        }
        let (models, last) =
            super::lookup::page_by_id(db, q, credential::Column::Id, after, limit, |m| {
                m.id.clone()
            })
            .await?;
        let out = models
            .into_iter()
            .map(|m| {
                let [version, created, updated] =
                    Meta::cells(m.version, m.created_at, m.updated_at);
                vec![
                    m.id,
                    m.worker_id,
                    m.scheme,
                    m.level,
                    m.certificate_number,
                    m.issuing_authority,
                    m.exam_year.map(|y| y.to_string()).unwrap_or_default(),
                    cells::date(m.issue_date),
                    m.valid_region.unwrap_or_default(),
                    m.status,
                    version,
                    created,
                    updated,
                ]
            })
            .collect();
        Ok((out, last))
    }
}
