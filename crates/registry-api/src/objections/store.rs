//! Queries on `objections`. Functions take any connection (pool or transaction).

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Set,
};

use crate::db::entities::{objection, worker};
use crate::db::now_utc;
use crate::listing::RegionVisible;
use crate::workers::store::region_range;

/// Inserts a pending objection.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    worker_id: &str,
    entry_id: &str,
    objection_entry_id: &str,
    statement: &str,
) -> Result<objection::Model, DbErr> {
    objection::ActiveModel {
        id: Set(id),
        worker_id: Set(worker_id.to_owned()),
        credit_entry_id: Set(entry_id.to_owned()),
        objection_entry_id: Set(objection_entry_id.to_owned()),
        statement: Set(statement.to_owned()),
        status: Set("pending".to_owned()),
        decision_reason: Set(None),
        outcome_entry_id: Set(None),
        filed_at: Set(now_utc()),
        decided_at: Set(None),
        version: Set(1),
    }
    .insert(conn)
    .await
}

/// Records the decision if the objection is still pending at `expected_version`.
pub async fn decide_if_pending<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    expected_version: i64,
    status: &str,
    reason: &str,
    outcome_entry_id: &str,
) -> Result<bool, DbErr> {
    use objection::Column as Col;
    let res = objection::Entity::update_many()
        .col_expr(Col::Status, Expr::value(status))
        .col_expr(Col::DecisionReason, Expr::value(reason))
        .col_expr(Col::OutcomeEntryId, Expr::value(outcome_entry_id))
        .col_expr(Col::DecidedAt, Expr::value(now_utc()))
        .col_expr(Col::Version, Expr::value(expected_version + 1))
        .filter(Col::Id.eq(id))
        .filter(Col::Status.eq("pending"))
        .filter(Col::Version.eq(expected_version))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// One page of objections in id order after `after` (`limit + 1` rows): of one worker, or
/// of the workers `visible` to an admin; optionally only those with `status`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    worker_id: Option<&str>,
    visible: RegionVisible,
    status: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<objection::Model>, DbErr> {
    let mut q = objection::Entity::find();
    if let Some(w) = worker_id {
        q = q.filter(objection::Column::WorkerId.eq(w));
    } else {
        match visible {
            RegionVisible::Nothing => return Ok(Vec::new()),
            RegionVisible::Within(region) => {
                if let Some((lo, hi)) = region_range(&region) {
                    q = q
                        .join(
                            sea_orm::JoinType::InnerJoin,
                            objection::Relation::Worker.def(),
                        )
                        .filter(worker::Column::RegionCode.between(lo, hi));
                }
            }
        }
    }
    if let Some(s) = status {
        q = q.filter(objection::Column::Status.eq(s));
    }
    if let Some(after) = after {
        q = q.filter(objection::Column::Id.gt(after));
    }
    q.order_by_asc(objection::Column::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}
