//! Queries on `units`. Functions take any connection (pool or transaction).

use registry_core::post::OrganisationUnit;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};

use crate::concurrency;
use crate::db::entities::{assignment, post, unit};
use crate::db::now_utc;
use crate::listing::RegionVisible;
use crate::workers::store::region_range;

/// Fetches one unit by id.
pub async fn find<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<unit::Model>, DbErr> {
    unit::Entity::find_by_id(id.to_owned()).one(conn).await
}

/// Inserts a unit.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    u: &OrganisationUnit,
) -> Result<unit::Model, DbErr> {
    let now = now_utc();
    unit::ActiveModel {
        id: Set(id),
        region_code: Set(u.region().as_str().to_owned()),
        name: Set(u.name().to_owned()),
        unit_type: Set(u.unit_type().code().to_owned()),
        credit_code: Set(u.credit_code().map(|c| c.as_str().to_owned())),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// Replaces the unit's fields if the row is still at `expected_version`; returns whether it was.
pub async fn update_if_version<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    expected_version: i64,
    u: &OrganisationUnit,
) -> Result<bool, DbErr> {
    let set = unit::Entity::update_many()
        .col_expr(unit::Column::Name, Expr::value(u.name()))
        .col_expr(unit::Column::RegionCode, Expr::value(u.region().as_str()))
        .col_expr(unit::Column::UnitType, Expr::value(u.unit_type().code()))
        .col_expr(
            unit::Column::CreditCode,
            Expr::value(u.credit_code().map(|c| c.as_str().to_owned())),
        );
    concurrency::update_if_version(conn, set, id, expected_version).await
}

/// Sets `region_code` of the unit's posts, and of the assignments to them, to `region_code`
/// (posts and assignments copy their unit's region for scoping).
pub async fn move_dependents<C: ConnectionTrait>(
    conn: &C,
    unit_id: &str,
    region_code: &str,
) -> Result<(), DbErr> {
    post::Entity::update_many()
        .col_expr(post::Column::RegionCode, Expr::value(region_code))
        .filter(post::Column::UnitId.eq(unit_id))
        .exec(conn)
        .await?;
    let posts = post::Entity::find()
        .select_only()
        .column(post::Column::Id)
        .filter(post::Column::UnitId.eq(unit_id))
        .into_query();
    assignment::Entity::update_many()
        .col_expr(assignment::Column::RegionCode, Expr::value(region_code))
        .filter(assignment::Column::PostId.in_subquery(posts))
        .exec(conn)
        .await?;
    Ok(())
}

/// One page in id order after `after`, `limit + 1` rows.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    visible: RegionVisible,
    unit_type: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<unit::Model>, DbErr> {
    let mut q = unit::Entity::find();
    match visible {
        RegionVisible::Nothing => return Ok(Vec::new()),
        RegionVisible::Within(region) => {
            if let Some((lo, hi)) = region_range(&region) {
                q = q.filter(unit::Column::RegionCode.between(lo, hi));
            }
        }
    }
    if let Some(t) = unit_type {
        q = q.filter(unit::Column::UnitType.eq(t));
    }
    if let Some(after) = after {
        q = q.filter(unit::Column::Id.gt(after));
    }
    q.order_by_asc(unit::Column::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}
