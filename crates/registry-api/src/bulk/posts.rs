//! `posts.csv`: `id,unit_id,title,min_level,grade,part_time_allowed,version,created_at,
//! updated_at`.
//!
//! Rows are validated by the API's [`CreatePost::validate`]; `unit_id` must name a stored unit
//! (the post takes its region, as in the API). Keyed by `id` when present.

use std::collections::HashMap;

use registry_core::ids::RegionCode;
use registry_core::post::Post as CorePost;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Value,
};

use super::cells::{Cells, Meta};
use super::{Entity, Kind, Verdict, changed, conflict, unknown_reference};
use crate::db::entities::{post, unit};
use crate::mirror::Level;
use crate::posts::api::CreatePost;
use crate::problem::ProblemField;
use crate::workers::store::region_range;

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

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let unit_id = c.id("unit_id");
        let title = c.text("title");
        let min_level: Option<Level> = c.opt_code("min_level");
        let grade = c.opt_int("grade");
        let part_time = c.bool("part_time_allowed");
        let meta = Meta::read(c, crate::db::now_utc());
        let mut errors = c.take_errors();
        let body = CreatePost {
            unit_id: unit_id.clone().unwrap_or_default(),
            title: title.unwrap_or_default(),
            min_level,
            grade,
            part_time_allowed: part_time.unwrap_or(false),
        };
        match (body.validate(), unit_id) {
            (Ok(post), Some(unit_id)) if errors.is_empty() => Ok(Row {
                id,
                unit_id,
                region: String::new(),
                post,
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
        row.id.iter().map(|id| ("id", id.clone())).collect()
    }

    async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: &mut [&mut Row],
        _seen: &mut (),
    ) -> Result<Vec<Verdict>, DbErr> {
        let unit_ids = rows.iter().map(|r| r.unit_id.clone());
        let regions: HashMap<String, String> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(unit_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.region_code))
            .collect();
        let ids = rows.iter().filter_map(|r| r.id.clone());
        let stored: HashMap<String, post::Model> = post::Entity::find()
            .filter(post::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        Ok(rows
            .iter_mut()
            .map(|r| {
                let Some(region) = regions.get(&r.unit_id) else {
                    return Verdict::Reject(vec![unknown_reference("unit_id", "unit")]);
                };
                r.region.clone_from(region);
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
            r.unit_id.clone().into(),
            r.region.clone().into(),
            r.post.title().to_owned().into(),
            r.post.min_level().map(|l| l.code().to_owned()).into(),
            r.post.grade().map(i32::from).into(),
            r.post.part_time_allowed().into(),
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
        let mut q = post::Entity::find();
        if let Some((lo, hi)) = region.and_then(region_range) {
            q = q.filter(post::Column::RegionCode.between(lo, hi));
        }
        let (models, last) =
            super::lookup::page_by_id(db, q, post::Column::Id, after, limit, |m| m.id.clone())
                .await?;
        let out = models
            .into_iter()
            .map(|m| {
                let [version, created, updated] =
                    Meta::cells(m.version, m.created_at, m.updated_at);
                vec![
                    m.id,
                    m.unit_id,
                    m.title,
                    m.min_level.unwrap_or_default(),
                    m.grade.map(|g| g.to_string()).unwrap_or_default(),
                    m.part_time_allowed.to_string(),
                    version,
                    created,
                    updated,
                ]
            })
            .collect();
        Ok((out, last))
    }
}
