//! `registrations.csv`: `id,credential_id,kind,registered_on,created_at`.
//!
//! `credential_id` must name a stored credential; the row is then validated by the API's
//! [`CreateRegistration::validate`] against it, which also derives `valid_until` (so the file
//! does not carry it) and the worker. Keyed by `id` when present. An export `--region R` holds
//! the registrations of the workers registered in `R`.

use std::collections::HashMap;

use registry_core::ids::RegionCode;
use registry_core::registration::Registration as CoreRegistration;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Value,
};
use time::OffsetDateTime;

use super::cells::{self, Cells};
use super::{Entity, Kind, Verdict, changed, conflict, unknown_reference};
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

impl Kind for Registrations {
    type Row = Row;
    type Seen = ();
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

    fn keys(row: &Row) -> Vec<(&'static str, String)> {
        row.id.iter().map(|id| ("id", id.clone())).collect()
    }

    async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: &mut [&mut Row],
        _seen: &mut (),
    ) -> Result<Vec<Verdict>, DbErr> {
        let credential_ids = rows.iter().map(|r| r.credential_id.clone());
        let credentials: HashMap<String, credential::Model> = credential::Entity::find()
            .filter(credential::Column::Id.is_in(credential_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        let ids = rows.iter().filter_map(|r| r.id.clone());
        let stored: HashMap<String, registration::Model> = registration::Entity::find()
            .filter(registration::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        Ok(rows
            .iter_mut()
            .map(|r| {
                let Some(credential) = credentials.get(&r.credential_id) else {
                    return Verdict::Reject(vec![unknown_reference("credential_id", "credential")]);
                };
                let core = match r.body.validate(credential) {
                    Ok(core) => core,
                    Err(e) => return Verdict::Reject(e.errors),
                };
                r.checked = Some((credential.worker_id.clone(), core));
                match r.id.as_ref().and_then(|id| stored.get(id)) {
                    None => Verdict::New,
                    Some(m) => match changed(&[
                        ("credential_id", r.credential_id == m.credential_id),
                        ("kind", r.body.kind.code() == m.kind),
                        ("registered_on", r.body.registered_on == m.registered_on),
                    ])
                    .as_slice()
                    {
                        [] => Verdict::Same,
                        d => Verdict::Reject(vec![conflict("id", d)]),
                    },
                }
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let (worker_id, core) = r
            .checked
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("registration row written before its check"))?;
        let id = super::new_id(r.id.as_ref());
        Ok(vec![
            id.into(),
            r.credential_id.clone().into(),
            worker_id.clone().into(),
            RegistrationKind::from(core.kind()).code().into(),
            core.registered_on().into(),
            core.valid_until().into(),
            r.created_at.into(),
        ])
    }

    async fn page(
        &self,
        db: &DatabaseConnection,
        region: Option<&RegionCode>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<Vec<String>>, Option<String>), anyhow::Error> {
        let mut q = registration::Entity::find();
        if let Some(f) = super::lookup::of_workers_in(registration::Column::WorkerId, region) {
            q = q.filter(f);
        }
        let (models, last) =
            super::lookup::page_by_id(db, q, registration::Column::Id, after, limit, |m| {
                m.id.clone()
            })
            .await?;
        let out = models
            .into_iter()
            .map(|m| {
                vec![
                    m.id,
                    m.credential_id,
                    m.kind,
                    cells::date(m.registered_on),
                    cells::timestamp(m.created_at),
                ]
            })
            .collect();
        Ok((out, last))
    }
}
