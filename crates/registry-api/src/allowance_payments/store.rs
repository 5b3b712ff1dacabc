//! Queries on `allowance_payments` (append-only). Functions take any connection.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};

use super::api::PaymentFields;
use crate::db::entities::allowance_payment;
use crate::db::now_utc;

/// Inserts a payment of `worker_id`.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    worker_id: &str,
    f: &PaymentFields,
    created_by: &str,
) -> Result<allowance_payment::Model, DbErr> {
    allowance_payment::ActiveModel {
        id: Set(id),
        worker_id: Set(worker_id.to_owned()),
        policy_id: Set(f.policy_id.clone()),
        level: Set(f.level.code().to_owned()),
        month: Set(f.month.to_string()),
        amount_fen: Set(f.amount.to_fen()),
        created_at: Set(now_utc()),
        created_by: Set(created_by.to_owned()),
    }
    .insert(conn)
    .await
}

/// One payment.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<Option<allowance_payment::Model>, DbErr> {
    allowance_payment::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await
}

/// Every payment of a worker, oldest first.
pub async fn of_worker<C: ConnectionTrait>(
    conn: &C,
    worker_id: &str,
) -> Result<Vec<allowance_payment::Model>, DbErr> {
    of_worker_query(worker_id).all(conn).await
}

/// The query of [`of_worker`] (the decisions' loaders run it in their own batches).
pub fn of_worker_query(worker_id: &str) -> Select<allowance_payment::Entity> {
    allowance_payment::Entity::find()
        .filter(allowance_payment::Column::WorkerId.eq(worker_id))
        .order_by_asc(allowance_payment::Column::Id)
}

/// One page of a worker's payments after `after`, `limit + 1` rows.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    worker_id: &str,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<allowance_payment::Model>, DbErr> {
    let mut q =
        allowance_payment::Entity::find().filter(allowance_payment::Column::WorkerId.eq(worker_id));
    if let Some(after) = after {
        q = q.filter(allowance_payment::Column::Id.gt(after));
    }
    q.order_by_asc(allowance_payment::Column::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}
