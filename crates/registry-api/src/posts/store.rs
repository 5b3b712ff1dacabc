//! Queries on `posts`. Functions take any connection (pool or transaction).

use registry_core::post::Post;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::concurrency;
use crate::db::entities::post;
use crate::db::now_utc;
use crate::listing::RegionVisible;
use crate::workers::store::region_range;

/// Fetches one post by id.
pub async fn find<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<post::Model>, DbErr> {
    post::Entity::find_by_id(id.to_owned()).one(conn).await
}

/// Inserts a post of `unit_id` in `region_code`.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    unit_id: &str,
    region_code: &str,
    p: &Post,
) -> Result<post::Model, DbErr> {
    let now = now_utc();
    post::ActiveModel {
        id: Set(id),
        unit_id: Set(unit_id.to_owned()),
        region_code: Set(region_code.to_owned()),
        title: Set(p.title().to_owned()),
        min_level: Set(p.min_level().map(|l| l.code().to_owned())),
        grade: Set(p.grade().map(i32::from)),
        part_time_allowed: Set(p.part_time_allowed()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// Replaces the post's fields if the row is still at `expected_version`; returns whether it was.
pub async fn update_if_version<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    expected_version: i64,
    p: &Post,
) -> Result<bool, DbErr> {
    let set = post::Entity::update_many()
        .col_expr(post::Column::Title, Expr::value(p.title()))
        .col_expr(
            post::Column::MinLevel,
            Expr::value(p.min_level().map(|l| l.code().to_owned())),
        )
        .col_expr(post::Column::Grade, Expr::value(p.grade().map(i32::from)))
        .col_expr(
            post::Column::PartTimeAllowed,
            Expr::value(p.part_time_allowed()),
        );
    concurrency::update_if_version(conn, set, id, expected_version).await
}

/// List filters of `GET /posts`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostFilter<'a> {
    /// Only posts of this unit.
    pub unit_id: Option<&'a str>,
    /// Only posts with this minimum level code.
    pub min_level: Option<&'a str>,
}

/// One page in id order after `after`, `limit + 1` rows.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    visible: RegionVisible,
    filter: PostFilter<'_>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<post::Model>, DbErr> {
    let mut q = post::Entity::find();
    match visible {
        RegionVisible::Nothing => return Ok(Vec::new()),
        RegionVisible::Within(region) => {
            if let Some((lo, hi)) = region_range(&region) {
                q = q.filter(post::Column::RegionCode.between(lo, hi));
            }
        }
    }
    if let Some(unit_id) = filter.unit_id {
        q = q.filter(post::Column::UnitId.eq(unit_id));
    }
    if let Some(level) = filter.min_level {
        q = q.filter(post::Column::MinLevel.eq(level));
    }
    if let Some(after) = after {
        q = q.filter(post::Column::Id.gt(after));
    }
    q.order_by_asc(post::Column::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}
