//! `posts.csv`: `id,unit_id,title,min_level,grade,part_time_allowed,version,created_at,
//! updated_at`.
//!
//! Rows are validated by the API's [`CreatePost::validate`]; `unit_id` must name a stored unit
//! (the post takes its region, as in the API). Keyed by `id` when present.

use registry_core::post::Post as CorePost;
use sea_orm::{DatabaseConnection, Value};

use super::cells::{Cells, Meta};
use super::layout::{InRegion, Layout};
use super::lookup::{self, Refs};
use super::{Entity, Kind, Verdicts, changed, validated};
use crate::db::entities::{post, unit};
use crate::mirror::Level;
use crate::posts::api::CreatePost;
use crate::problem::ProblemField;

/// The posts importer/exporter.
#[derive(Debug)]
pub struct Posts;

/// A validated post row.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    unit_id: String,
    /// The unit's region, filled by [`Kind::check`].
    region: String,
    post: CorePost,
    meta: Meta,
}

fn diff(r: &Row, m: &post::Model) -> Vec<&'static str> {
    changed(&[
        ("unit_id", r.unit_id == m.unit_id),
        ("title", r.post.title() == m.title),
        (
            "min_level",
            r.post.min_level().map(|l| l.code()) == m.min_level.as_deref(),
        ),
        ("grade", r.post.grade().map(i32::from) == m.grade),
        (
            "part_time_allowed",
            r.post.part_time_allowed() == m.part_time_allowed,
        ),
    ])
}

impl Kind for Posts {
    type Row = Row;
    type Seen = ();
    type Stored = post::Entity;
    const ENTITY: Entity = Entity::Posts;
    const HEADER: &'static [&'static str] = &[
        "id",
        "unit_id",
        "title",
        "min_level",
        "grade",
        "part_time_allowed",
        "version",
        "created_at",
        "updated_at",
    ];
    const REQUIRED: &'static [&'static str] = &["unit_id", "title", "part_time_allowed"];
    const RESOURCE: &'static str = "post";
    const TABLE: &'static str = "posts";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "unit_id",
        "region_code",
        "title",
        "min_level",
        "grade",
        "part_time_allowed",
        "version",
        "created_at",
        "updated_at",
    ];
    const LAYOUT: Layout<post::Column> =
        Layout::by_id(post::Column::Id, InRegion::Column(post::Column::RegionCode));

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let unit_id = c.id("unit_id");
        let title = c.text("title");
        let min_level: Option<Level> = c.opt_code("min_level");
        let grade = c.opt_int("grade");
        let part_time = c.bool("part_time_allowed");
        let meta = Meta::read(c, crate::db::now_utc());
        let errors = c.take_errors();
        let body = CreatePost {
            unit_id: unit_id.clone().unwrap_or_default(),
            title: title.unwrap_or_default(),
            min_level,
            grade,
            part_time_allowed: part_time.unwrap_or(false),
        };
        let post = validated(errors, body.validate().map_err(|e| e.errors))?;
        // a unit_id that failed pushed its error: `validated` refused the row
        let unit_id = unit_id.ok_or_else(Vec::new)?;
        Ok(Row {
            id,
            unit_id,
            region: String::new(),
            post,
            meta,
        })
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    async fn check(&self, db: &DatabaseConnection, rows: &mut [&mut Row], _: &mut ()) -> Verdicts {
        let unit_ids = rows.iter().map(|r| r.unit_id.clone());
        let units =
            Refs::load::<unit::Entity, _>(db, ("unit_id", "unit"), unit::Column::Id, unit_ids)
                .await?;
        let stored = lookup::stored::<Self, _>(db, rows).await?;
        Ok(rows
            .iter_mut()
            .map(|r| {
                let mut errors = Vec::new();
                if let Some(unit) = units.get(&r.unit_id, &mut errors) {
                    r.region.clone_from(&unit.region_code);
                }
                lookup::unless(errors, || {
                    lookup::by_id(r.id.as_ref(), &stored, |m| diff(r, m))
                })
            })
            .collect())
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        Ok(r.meta.append_values(vec![
            r.unit_id.clone().into(),
            r.region.clone().into(),
            r.post.title().to_owned().into(),
            r.post.min_level().map(|l| l.code().to_owned()).into(),
            r.post.grade().map(i32::from).into(),
            r.post.part_time_allowed().into(),
        ]))
    }

    fn record(&self, m: post::Model) -> Result<Vec<String>, anyhow::Error> {
        let cells = vec![
            m.unit_id,
            m.title,
            m.min_level.unwrap_or_default(),
            m.grade.map(|g| g.to_string()).unwrap_or_default(),
            m.part_time_allowed.to_string(),
        ];
        Ok(Meta::append_cells(
            cells,
            m.version,
            m.created_at,
            m.updated_at,
        ))
    }
}
