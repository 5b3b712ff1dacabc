//! Queries on `assignments`. Functions take any connection (pool or transaction).

use registry_core::post::Assignment;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set,
};
use time::Date;

use crate::concurrency;
use crate::db::entities::{assignment, worker};
use crate::db::now_utc;
use crate::listing::RegionVisible;
use crate::workers::store::region_range;

/// Inserts an assignment of `worker_id` to `post_id` (in `region_code`).
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    worker_id: &str,
    post_id: &str,
    region_code: &str,
    a: &Assignment,
) -> Result<assignment::Model, DbErr> {
    let now = now_utc();
    assignment::ActiveModel {
        id: Set(id),
        worker_id: Set(worker_id.to_owned()),
        post_id: Set(post_id.to_owned()),
        region_code: Set(region_code.to_owned()),
        start: Set(a.period().start()),
        end: Set(a.period().end()),
        basis: Set(a.basis().code().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// Sets the end date if the row is still at `expected_version`; returns whether it was.
pub async fn set_end_if_version<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    expected_version: i64,
    end: Option<Date>,
) -> Result<bool, DbErr> {
    use assignment::Column as Col;
    let set = assignment::Entity::update_many().col_expr(Col::End, Expr::value(end));
    concurrency::update_if_version(conn, set, id, expected_version).await
}

/// Who may see which assignments in a list.
#[derive(Debug, Clone, Copy)]
pub enum AssignmentScope<'a> {
    /// Post and worker both in this region (or below).
    Region(RegionVisible),
    /// Only this worker's.
    Worker(&'a str),
}

/// List filters of `GET /assignments`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AssignmentFilter<'a> {
    /// Only this worker's.
    pub worker_id: Option<&'a str>,
    /// Only on this post.
    pub post_id: Option<&'a str>,
    /// Only those covering this day.
    pub active_on: Option<Date>,
}

/// One page in id order after `after`, `limit + 1` rows.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    scope: AssignmentScope<'_>,
    filter: AssignmentFilter<'_>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<assignment::Model>, DbErr> {
    use assignment::Column as Col;
    let mut q = assignment::Entity::find();
    match scope {
        AssignmentScope::Region(RegionVisible::Nothing) => return Ok(Vec::new()),
        AssignmentScope::Region(RegionVisible::Within(region)) => {
            if let Some((lo, hi)) = region_range(&region) {
                q = q
                    .join(JoinType::InnerJoin, assignment::Relation::Worker.def())
                    .filter(Col::RegionCode.between(lo.clone(), hi.clone()))
                    .filter(worker::Column::RegionCode.between(lo, hi));
            }
        }
        AssignmentScope::Worker(id) => q = q.filter(Col::WorkerId.eq(id)),
    }
    if let Some(w) = filter.worker_id {
        q = q.filter(Col::WorkerId.eq(w));
    }
    if let Some(p) = filter.post_id {
        q = q.filter(Col::PostId.eq(p));
    }
    if let Some(day) = filter.active_on {
        q = q.filter(Col::Start.lte(day)).filter(
            Condition::any()
                .add(Col::End.is_null())
                .add(Col::End.gte(day)),
        );
    }
    if let Some(after) = after {
        q = q.filter(Col::Id.gt(after));
    }
    q.order_by_asc(Col::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}
