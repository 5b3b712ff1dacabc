//! Queries on `allowance_runs`, `allowance_run_items` and `allowance_run_changes`.
//! Functions take any connection.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::db::entities::{allowance_run, allowance_run_change, allowance_run_item};
use crate::db::now_utc;

/// Rows per multi-row INSERT (well under SQLite's bound-parameter limit).
const INSERT_BATCH: usize = 500;

/// One run.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<Option<allowance_run::Model>, DbErr> {
    allowance_run::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await
}

/// The latest run of exactly `region` and `month`, if any.
pub async fn latest<C: ConnectionTrait>(
    conn: &C,
    region: &str,
    month: &str,
) -> Result<Option<allowance_run::Model>, DbErr> {
    allowance_run::Entity::find()
        .filter(allowance_run::Column::RegionCode.eq(region))
        .filter(allowance_run::Column::Month.eq(month))
        .order_by_desc(allowance_run::Column::Id)
        .one(conn)
        .await
}

/// One page (`limit + 1` rows) of runs whose region lies in `range` (inclusive codes;
/// `None`: every region), optionally of one `month`, after the id `after`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    range: Option<(String, String)>,
    month: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<allowance_run::Model>, DbErr> {
    let mut q = allowance_run::Entity::find();
    if let Some((lo, hi)) = range {
        q = q
            .filter(allowance_run::Column::RegionCode.gte(lo))
            .filter(allowance_run::Column::RegionCode.lte(hi));
    }
    if let Some(month) = month {
        q = q.filter(allowance_run::Column::Month.eq(month));
    }
    if let Some(after) = after {
        q = q.filter(allowance_run::Column::Id.gt(after));
    }
    q.order_by_asc(allowance_run::Column::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}

/// Lines of `run_id` with worker ids in `(after, upto]` (open ends when `None`), in worker
/// order, at most `limit`.
pub async fn items<C: ConnectionTrait>(
    conn: &C,
    run_id: &str,
    after: Option<&str>,
    upto: Option<&str>,
    limit: Option<u64>,
) -> Result<Vec<allowance_run_item::Model>, DbErr> {
    let mut q =
        allowance_run_item::Entity::find().filter(allowance_run_item::Column::RunId.eq(run_id));
    if let Some(after) = after {
        q = q.filter(allowance_run_item::Column::WorkerId.gt(after));
    }
    if let Some(upto) = upto {
        q = q.filter(allowance_run_item::Column::WorkerId.lte(upto));
    }
    q.order_by_asc(allowance_run_item::Column::WorkerId)
        .limit(limit)
        .all(conn)
        .await
}

/// The first `limit` changes of `run_id`, in worker order.
pub async fn changes<C: ConnectionTrait>(
    conn: &C,
    run_id: &str,
    limit: u64,
) -> Result<Vec<allowance_run_change::Model>, DbErr> {
    changes_after(conn, run_id, None, limit).await
}

/// At most `limit` changes of `run_id` after the worker id `after`, in worker order.
pub async fn changes_after<C: ConnectionTrait>(
    conn: &C,
    run_id: &str,
    after: Option<&str>,
    limit: u64,
) -> Result<Vec<allowance_run_change::Model>, DbErr> {
    let mut q =
        allowance_run_change::Entity::find().filter(allowance_run_change::Column::RunId.eq(run_id));
    if let Some(after) = after {
        q = q.filter(allowance_run_change::Column::WorkerId.gt(after));
    }
    q.order_by_asc(allowance_run_change::Column::WorkerId)
        .limit(limit)
        .all(conn)
        .await
}

/// Inserts changes, a few hundred per statement.
pub async fn insert_changes<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<allowance_run_change::ActiveModel>,
) -> Result<(), DbErr> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(INSERT_BATCH).collect();
        allowance_run_change::Entity::insert_many(batch)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Signs off `id` if it is open at `expected` version; false when it is not (stale or
/// already signed off).
pub async fn sign_off<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    expected: i64,
    by: &str,
) -> Result<bool, DbErr> {
    let r = allowance_run::Entity::update_many()
        .col_expr(allowance_run::Column::Status, Expr::value("signed_off"))
        .col_expr(
            allowance_run::Column::Version,
            Expr::col(allowance_run::Column::Version).add(1),
        )
        .col_expr(allowance_run::Column::SignedOffAt, Expr::value(now_utc()))
        .col_expr(allowance_run::Column::SignedOffBy, Expr::value(by))
        .filter(allowance_run::Column::Id.eq(id))
        .filter(allowance_run::Column::Version.eq(expected))
        .filter(allowance_run::Column::Status.eq("open"))
        .exec(conn)
        .await?;
    Ok(r.rows_affected == 1)
}
