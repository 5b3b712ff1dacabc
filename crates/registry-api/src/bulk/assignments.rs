//! `assignments.csv`: `id,worker_id,post_id,start,end,basis,version,created_at,updated_at`.
//!
//! `worker_id` and `post_id` must name stored rows; the row is then validated by the API's
//! [`CreateAssignment::validate`] against the stored post (period, part-time allowed) and
//! takes the post's region. Keyed by `id` when present.

use sea_orm::{DatabaseConnection, Value};

use super::cells::{self, Cells, Meta};
use super::layout::{InRegion, Layout};
use super::lookup::{self, Refs};
use super::{Entity, Kind, Verdict, Verdicts, changed};
use crate::assignments::api::{Basis, CreateAssignment};
use crate::db::entities::{assignment, post};
use crate::posts::api::stored_core_post;
use crate::problem::ProblemField;

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
    type Stored = assignment::Entity;
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
    const LAYOUT: Layout<assignment::Column> = Layout::by_id(
        assignment::Column::Id,
        InRegion::Column(assignment::Column::RegionCode),
    );

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

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    async fn check(&self, db: &DatabaseConnection, rows: &mut [&mut Row], _: &mut ()) -> Verdicts {
        let workers = lookup::workers(db, rows.iter().map(|r| r.body.worker_id.clone())).await?;
        let post_ids = rows.iter().map(|r| r.body.post_id.clone());
        let posts =
            Refs::load::<post::Entity, _>(db, ("post_id", "post"), post::Column::Id, post_ids)
                .await?;
        let stored = lookup::stored::<Self, _>(db, rows).await?;
        Ok(rows
            .iter_mut()
            .map(|r| {
                let mut errors = Vec::new();
                workers.check(&r.body.worker_id, &mut errors);
                let Some(post) = posts.get(&r.body.post_id, &mut errors) else {
                    return Verdict::Reject(errors);
                };
                match stored_core_post(post).and_then(|p| r.body.validate(&p)) {
                    Ok(_) => {}
                    Err(e) if e.errors.is_empty() => errors.push(super::problem(
                        "post_id",
                        "import.stored_post",
                        "the stored post cannot be read",
                    )),
                    Err(e) => errors.extend(e.errors),
                }
                if !errors.is_empty() {
                    return Verdict::Reject(errors);
                }
                r.region.clone_from(&post.region_code);
                lookup::by_id(r.id.as_ref(), &stored, |m| diff(r, m))
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        Ok(r.meta.append_values(vec![
            r.body.worker_id.clone().into(),
            r.body.post_id.clone().into(),
            r.region.clone().into(),
            r.body.start.into(),
            r.body.end.into(),
            basis_code(r.body.basis).into(),
        ]))
    }

    fn record(&self, m: assignment::Model) -> Result<Vec<String>, anyhow::Error> {
        let cells = vec![
            m.worker_id,
            m.post_id,
            cells::date(m.start),
            m.end.map(cells::date).unwrap_or_default(),
            m.basis,
        ];
        Ok(Meta::append_cells(
            cells,
            m.version,
            m.created_at,
            m.updated_at,
        ))
    }
}
