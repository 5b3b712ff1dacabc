//! Queries on `workers`. Functions take any connection (pool or transaction).

use registry_core::ids::RegionCode;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::api::{WorkerFields, education_code};
use crate::concurrency;
use crate::db::entities::worker;
use crate::db::now_utc;

/// Which workers a list may return.
#[derive(Debug, Clone)]
pub enum Visible<'a> {
    /// Workers registered in this region or below (`None`: everywhere).
    Region(Option<&'a RegionCode>),
    /// Only this worker.
    Only(&'a str),
    /// Nothing (a filter outside the caller's scope).
    Nothing,
}

/// The inclusive range of 6-digit codes a region contains (`None` for the national root).
pub fn region_range(region: &RegionCode) -> Option<(String, String)> {
    let p = region.prefix();
    if p.is_empty() {
        return None;
    }
    Some((format!("{p:0<6}"), format!("{p:9<6}")))
}

/// Fetches one worker by id.
///
/// Not `.one()`: its `LIMIT ?` makes SQLite prepare the statement again every time it is
/// bound (a bound LIMIT is a planner input), on one of the hottest reads; the primary key
/// matches at most one row anyway.
pub async fn find<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<worker::Model>, DbErr> {
    Ok(worker::Entity::find_by_id(id.to_owned())
        .all(conn)
        .await?
        .into_iter()
        .next())
}

/// Inserts a worker.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    sealed: Vec<u8>,
    hash: String,
    masked: String,
    f: &WorkerFields,
) -> Result<worker::Model, DbErr> {
    let now = now_utc();
    worker::ActiveModel {
        id: Set(id),
        region_code: Set(f.region.as_str().to_owned()),
        name: Set(f.name.clone()),
        resident_id_sealed: Set(sealed),
        resident_id_hash: Set(hash),
        resident_id_masked: Set(masked),
        education_level: Set(education_code(f.education.level).to_owned()),
        social_work_major: Set(f.education.social_work_major),
        experience_start: Set(f.experience_start),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// Updates the replaceable fields if the row is still at `expected_version`; returns whether
/// it was (one row affected).
pub async fn update_if_version<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    expected_version: i64,
    f: &WorkerFields,
) -> Result<bool, DbErr> {
    let set = worker::Entity::update_many()
        .col_expr(worker::Column::Name, Expr::value(f.name.clone()))
        .col_expr(worker::Column::RegionCode, Expr::value(f.region.as_str()))
        .col_expr(
            worker::Column::EducationLevel,
            Expr::value(education_code(f.education.level)),
        )
        .col_expr(
            worker::Column::SocialWorkMajor,
            Expr::value(f.education.social_work_major),
        )
        .col_expr(
            worker::Column::ExperienceStart,
            Expr::value(f.experience_start),
        );
    concurrency::update_if_version(conn, set, id, expected_version).await
}

/// One page, in id order (ids are UUIDv7, so creation order), after `after` if given.
/// Fetches `limit + 1` rows so the caller knows whether there is a next page.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    visible: Visible<'_>,
    name_prefix: Option<&str>,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<worker::Model>, DbErr> {
    let mut q = worker::Entity::find();
    match visible {
        Visible::Nothing => return Ok(Vec::new()),
        Visible::Only(id) => q = q.filter(worker::Column::Id.eq(id)),
        Visible::Region(Some(region)) => {
            if let Some((lo, hi)) = region_range(region) {
                q = q.filter(worker::Column::RegionCode.between(lo, hi));
            }
        }
        Visible::Region(None) => {}
    }
    if let Some(prefix) = name_prefix {
        let escaped = prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        q = q.filter(
            Expr::col(worker::Column::Name)
                .like(sea_orm::sea_query::LikeExpr::new(format!("{escaped}%")).escape('\\')),
        );
    }
    if let Some(after) = after {
        q = q.filter(worker::Column::Id.gt(after));
    }
    q.order_by_asc(worker::Column::Id)
        .limit(limit + 1)
        .all(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let r = |s| RegionCode::parse(s).unwrap();
        assert_eq!(
            region_range(&r("510000")),
            Some(("510000".into(), "519999".into()))
        );
        assert_eq!(
            region_range(&r("510104")),
            Some(("510104".into(), "510104".into()))
        );
        assert_eq!(region_range(&RegionCode::NATIONAL), None);
    }
}
