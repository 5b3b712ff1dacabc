//! `registrations.csv`: `id,credential_id,kind,registered_on,created_at`.
//!
//! `credential_id` must name a stored credential; the row is then validated by the API's
//! [`CreateRegistration::validate`] against it, which also derives `valid_until` (so the file
//! does not carry it) and the worker. Keyed by `id` when present. An export `--region R` holds
//! the registrations of the workers registered in `R`.

use registry_core::registration::Registration as CoreRegistration;
use sea_orm::{DatabaseConnection, Value};
use time::OffsetDateTime;

use super::cells::{self, Cells};
use super::layout::{InRegion, Layout};
use super::lookup::{self, Refs};
use super::{Entity, Kind, Verdict, Verdicts, changed};
use crate::db::entities::{credential, registration};
use crate::problem::ProblemField;
use crate::registrations::api::{CreateRegistration, RegistrationKind};

/// The registrations importer/exporter.
#[derive(Debug)]
pub struct Registrations;

/// A parsed registration row (checked against its credential by [`Kind::check`]).
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    credential_id: String,
    body: CreateRegistration,
    created_at: OffsetDateTime,
    /// Filled by [`Kind::check`]: the credential's worker and the core registration.
    checked: Option<(String, CoreRegistration)>,
}

fn diff(r: &Row, m: &registration::Model) -> Vec<&'static str> {
    changed(&[
        ("credential_id", r.credential_id == m.credential_id),
        ("kind", r.body.kind.code() == m.kind),
        ("registered_on", r.body.registered_on == m.registered_on),
    ])
}

impl Kind for Registrations {
    type Row = Row;
    type Seen = ();
    type Stored = registration::Entity;
    const ENTITY: Entity = Entity::Registrations;
    const HEADER: &'static [&'static str] =
        &["id", "credential_id", "kind", "registered_on", "created_at"];
    const REQUIRED: &'static [&'static str] = &["credential_id", "kind", "registered_on"];
    const RESOURCE: &'static str = "registration";
    const TABLE: &'static str = "registrations";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "credential_id",
        "worker_id",
        "kind",
        "registered_on",
        "valid_until",
        "created_at",
    ];
    const LAYOUT: Layout<registration::Column> = Layout::by_id(
        registration::Column::Id,
        InRegion::Workers(registration::Column::WorkerId),
    );

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let credential_id = c.id("credential_id");
        let kind: Option<RegistrationKind> = c.code("kind");
        let registered_on = c.date("registered_on");
        let created_at = c
            .opt_timestamp("created_at")
            .unwrap_or_else(crate::db::now_utc);
        let errors = c.take_errors();
        match (credential_id, kind, registered_on) {
            (Some(credential_id), Some(kind), Some(registered_on)) if errors.is_empty() => {
                Ok(Row {
                    id,
                    credential_id,
                    body: CreateRegistration {
                        kind,
                        registered_on,
                    },
                    created_at,
                    checked: None,
                })
            }
            _ => Err(errors),
        }
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    async fn check(&self, db: &DatabaseConnection, rows: &mut [&mut Row], _: &mut ()) -> Verdicts {
        let credential_ids = rows.iter().map(|r| r.credential_id.clone());
        let credentials = Refs::load::<credential::Entity, _>(
            db,
            ("credential_id", "credential"),
            credential::Column::Id,
            credential_ids,
        )
        .await?;
        let stored = lookup::stored::<Self, _>(db, rows).await?;
        Ok(rows
            .iter_mut()
            .map(|r| {
                let mut errors = Vec::new();
                let Some(credential) = credentials.get(&r.credential_id, &mut errors) else {
                    return Verdict::Reject(errors);
                };
                let core = match r.body.validate(credential) {
                    Ok(core) => core,
                    Err(e) => return Verdict::Reject(e.errors),
                };
                r.checked = Some((credential.worker_id.clone(), core));
                lookup::by_id(r.id.as_ref(), &stored, |m| diff(r, m))
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let (worker_id, core) = r
            .checked
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("registration row written before its check"))?;
        Ok(vec![
            r.credential_id.clone().into(),
            worker_id.clone().into(),
            RegistrationKind::from(core.kind()).code().into(),
            core.registered_on().into(),
            core.valid_until().into(),
            r.created_at.into(),
        ])
    }

    fn record(&self, m: registration::Model) -> Result<Vec<String>, anyhow::Error> {
        Ok(vec![
            m.credential_id,
            m.kind,
            cells::date(m.registered_on),
            cells::timestamp(m.created_at),
        ])
    }
}
