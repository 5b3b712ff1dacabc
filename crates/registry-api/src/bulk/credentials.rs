//! `credentials.csv`: `id,worker_id,scheme,level,certificate_number,issuing_authority,
//! exam_year,issue_date,valid_region,status,version,created_at,updated_at`.
//!
//! Rows are validated by the API's [`CredentialBody::validate`]; `worker_id` must name a stored
//! worker. Keyed by certificate number (unique in the registry), and by `id` when present.
//! An export `--region R` holds the credentials of the workers registered in `R`.

use registry_core::ids::RegionCode;
use sea_orm::{DatabaseConnection, Value};

use super::cells::{self, Cells, Meta};
use super::layout::{InRegion, Layout};
use super::{Entity, Kind, Verdicts, changed, lookup, validated};
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
    type Stored = credential::Entity;
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
    const LAYOUT: Layout<credential::Column> = Layout::by_id(
        credential::Column::Id,
        InRegion::Workers(credential::Column::WorkerId),
    );

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
                errors.push(super::out_of_range("exam_year"));
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
        let fields = validated(errors, body.validate().map_err(|e| e.errors))?;
        // a worker_id that failed pushed its error: `validated` refused the row
        let worker_id = worker_id.ok_or_else(Vec::new)?;
        Ok(Row {
            id,
            worker_id,
            fields,
            meta,
        })
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    fn natural_key(row: &Row) -> Option<(&'static str, String)> {
        Some(("certificate_number", row.number().to_owned()))
    }

    async fn check(&self, db: &DatabaseConnection, rows: &mut [&mut Row], _: &mut ()) -> Verdicts {
        let workers = lookup::workers(db, rows.iter().map(|r| r.worker_id.clone())).await?;
        let numbers = rows.iter().map(|r| r.number().to_owned());
        let column = credential::Column::CertificateNumber;
        let by_number = lookup::stored_by::<credential::Entity, _>(db, column, numbers).await?;
        let taken = lookup::taken_ids::<Self, _>(db, rows).await?;
        Ok(rows
            .iter()
            .map(|r| {
                let mut errors = Vec::new();
                workers.check(&r.worker_id, &mut errors);
                lookup::unless(errors, || {
                    let id_taken = r.id.as_ref().is_some_and(|id| taken.contains(id));
                    let stored = by_number.get(r.number());
                    lookup::by_key("certificate_number", stored, id_taken, |m| diff(r, m))
                })
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let c = &r.fields.credential;
        Ok(r.meta.append_values(vec![
            r.worker_id.clone().into(),
            scheme_code(c.scheme()).into(),
            c.level().code().into(),
            c.certificate_number().as_str().to_owned().into(),
            c.issuing_authority().to_owned().into(),
            c.exam_year().into(),
            c.issue_date().into(),
            c.valid_region().map(|r| r.as_str().to_owned()).into(),
            r.fields.status.code().into(),
        ]))
    }

    fn record(&self, m: credential::Model) -> Result<Vec<String>, anyhow::Error> {
        let cells = vec![
            m.worker_id,
            m.scheme,
            m.level,
            m.certificate_number,
            m.issuing_authority,
            m.exam_year.map(|y| y.to_string()).unwrap_or_default(),
            cells::date(m.issue_date),
            m.valid_region.unwrap_or_default(),
            m.status,
        ];
        Ok(Meta::append_cells(
            cells,
            m.version,
            m.created_at,
            m.updated_at,
        ))
    }
}
