//! `assignments.csv`: `id,worker_id,post_id,start,end,basis,version,created_at,updated_at`.
//!
//! `worker_id` and `post_id` must name stored rows; the row is then validated by the API's
//! [`CreateAssignment::validate`] against the stored post (period, part-time allowed) and
//! takes the post's region. Keyed by `id` when present.

use std::collections::HashMap;

use registry_core::ids::RegionCode;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Value,
};

use super::cells::{self, Cells, Meta};
use super::{Entity, Kind, Verdict, changed, conflict, unknown_reference};
use crate::assignments::api::{Basis, CreateAssignment};
use crate::db::entities::{assignment, post};
use crate::posts::api::stored_core_post;
use crate::problem::ProblemField;
use crate::workers::store::region_range;

/// The assignments importer/exporter.
#[derive(Debug)]
pub struct Assignments;

/// A parsed assignment row (checked against its post by [`Kind::check`]).
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    body: CreateAssignment,
    /// The post's region, filled by [`Kind::check`].
    region: String,
    meta: Meta,
}

fn basis_code(b: Basis) -> &'static str {
    registry_core::post::TimeBasis::from(b).code()
}

fn diff(r: &Row, m: &assignment::Model) -> Vec<&'static str> {
    changed(&[
        ("worker_id", r.body.worker_id == m.worker_id),
        ("post_id", r.body.post_id == m.post_id),
        ("start", r.body.start == m.start),
        ("end", r.body.end == m.end),
        ("basis", basis_code(r.body.basis) == m.basis),
    ])
}

impl Kind for Assignments {
    type Row = Row;
    type Seen = ();
    const ENTITY: Entity = Entity::Assignments;
    const HEADER: &'static [&'static str] = &[
        "id",
        "worker_id",
        "post_id",
        "start",
        "end",
        "basis",
        "version",
        "created_at",
        "updated_at",
    ];
    const REQUIRED: &'static [&'static str] = &["worker_id", "post_id", "start", "basis"];
    const RESOURCE: &'static str = "assignment";
    const TABLE: &'static str = "assignments";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "worker_id",
        "post_id",
        "region_code",
        "start",
        "end",
        "basis",
        "version",
        "created_at",
        "updated_at",
    ];

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let worker_id = c.id("worker_id");
        let post_id = c.id("post_id");
        let start = c.date("start");
        let end = c.opt_date("end");
        let basis: Option<Basis> = c.code("basis");
        let meta = Meta::read(c, crate::db::now_utc());
        let errors = c.take_errors();
        match (worker_id, post_id, start, basis) {
            (Some(worker_id), Some(post_id), Some(start), Some(basis)) if errors.is_empty() => {
                Ok(Row {
                    id,
                    body: CreateAssignment {
                        worker_id,
                        post_id,
                        start,
                        end,
                        basis,
                    },
                    region: String::new(),
                    meta,
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
        let worker_ids = rows.iter().map(|r| r.body.worker_id.clone());
        let workers = super::lookup::stored_workers(db, worker_ids).await?;
        let post_ids = rows.iter().map(|r| r.body.post_id.clone());
        let posts: HashMap<String, post::Model> = post::Entity::find()
            .filter(post::Column::Id.is_in(post_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        let ids = rows.iter().filter_map(|r| r.id.clone());
        let stored: HashMap<String, assignment::Model> = assignment::Entity::find()
            .filter(assignment::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        Ok(rows
            .iter_mut()
            .map(|r| {
                let mut errors = Vec::new();
                if !workers.contains(&r.body.worker_id) {
                    errors.push(unknown_reference("worker_id", "worker"));
                }
                let Some(post) = posts.get(&r.body.post_id) else {
                    errors.push(unknown_reference("post_id", "post"));
                    return Verdict::Reject(errors);
                };
                match stored_core_post(post).and_then(|p| r.body.validate(&p)) {
                    Ok(_) => {}
                    Err(e) if e.errors.is_empty() => errors.push(ProblemField {
                        field: "post_id".into(),
                        rule: "import.stored_post".into(),
                        message: "the stored post cannot be read".into(),
                    }),
                    Err(e) => errors.extend(e.errors),
                }
                if !errors.is_empty() {
                    return Verdict::Reject(errors);
                }
                r.region.clone_from(&post.region_code);
                match r.id.as_ref().and_then(|id| stored.get(id)) {
                    None => Verdict::New,
                    Some(m) => match diff(r, m).as_slice() {
                        [] => Verdict::Same,
                        d => Verdict::Reject(vec![conflict("id", d)]),
                    },
                }
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let id = super::new_id(r.id.as_ref());
        Ok(vec![
            id.into(),
            r.body.worker_id.clone().into(),
            r.body.post_id.clone().into(),
            r.region.clone().into(),
            r.body.start.into(),
            r.body.end.into(),
            basis_code(r.body.basis).into(),
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
        let mut q = assignment::Entity::find();
        if let Some((lo, hi)) = region.and_then(region_range) {
            q = q.filter(assignment::Column::RegionCode.between(lo, hi));
        }
        let (models, last) =
            super::lookup::page_by_id(db, q, assignment::Column::Id, after, limit, |m| {
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
                    m.post_id,
                    cells::date(m.start),
                    m.end.map(cells::date).unwrap_or_default(),
                    m.basis,
                    version,
                    created,
                    updated,
                ]
            })
            .collect();
        Ok((out, last))
    }
}
