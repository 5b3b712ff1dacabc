//! Queries of the `/me` views. Functions take any connection (pool or transaction).

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::auth::Role;
use crate::db::entities::{audit_log, credential, registration};

/// Most credentials `/me/credentials` returns (a worker holds a handful).
pub const MAX_CREDENTIALS: u64 = 200;

/// The worker's credentials, oldest first, and all their registrations, oldest first.
pub async fn credentials_with_registrations<C: ConnectionTrait>(
    conn: &C,
    worker_id: &str,
) -> Result<(Vec<credential::Model>, Vec<registration::Model>), DbErr> {
    let creds = credential::Entity::find()
        .filter(credential::Column::WorkerId.eq(worker_id))
        .order_by_asc(credential::Column::Id)
        .limit(MAX_CREDENTIALS)
        .all(conn)
        .await?;
    let regs = registration::Entity::find()
        .filter(registration::Column::WorkerId.eq(worker_id))
        .order_by_asc(registration::Column::Id)
        .all(conn)
        .await?;
    Ok((creds, regs))
}

/// One page of audit entries naming `worker_id` by anyone but a worker (a worker can only
/// ever touch their own record, so entries of role `worker` are the worker's own), newest
/// first, before `before` if given; `limit + 1` rows.
pub async fn access_log<C: ConnectionTrait>(
    conn: &C,
    worker_id: &str,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<audit_log::Model>, DbErr> {
    let mut q = audit_log::Entity::find()
        .filter(audit_log::Column::WorkerId.eq(worker_id))
        .filter(audit_log::Column::Role.ne(Role::Worker.code()));
    if let Some(before) = before {
        q = q.filter(audit_log::Column::Seq.lt(before));
    }
    q.order_by_desc(audit_log::Column::Seq)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}
