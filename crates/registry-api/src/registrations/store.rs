//! Queries on `registrations`. Functions take any connection (pool or transaction).

use registry_core::registration::Registration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::api::RegistrationKind;
use crate::db::entities::registration;
use crate::db::now_utc;

/// Inserts a registration of `credential_id` held by `worker_id`.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    credential_id: &str,
    worker_id: &str,
    r: &Registration,
) -> Result<registration::Model, DbErr> {
    registration::ActiveModel {
        id: Set(id),
        credential_id: Set(credential_id.to_owned()),
        worker_id: Set(worker_id.to_owned()),
        kind: Set(RegistrationKind::from(r.kind()).code().to_owned()),
        registered_on: Set(r.registered_on()),
        valid_until: Set(r.valid_until()),
        created_at: Set(now_utc()),
    }
    .insert(conn)
    .await
}

/// One page of a credential's registrations in id order after `after`, `limit + 1` rows.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    credential_id: &str,
    kind: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<registration::Model>, DbErr> {
    let mut q =
        registration::Entity::find().filter(registration::Column::CredentialId.eq(credential_id));
    if let Some(kind) = kind {
        q = q.filter(registration::Column::Kind.eq(kind));
    }
    if let Some(after) = after {
        q = q.filter(registration::Column::Id.gt(after));
    }
    q.order_by_asc(registration::Column::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}
