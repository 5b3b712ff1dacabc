//! Queries on `allowance_policies`. Functions take any connection (pool or transaction).

use registry_core::allowance::{AllowancePolicy, PolicySet};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::api::policy_of;
use crate::db::entities::allowance_policy;
use crate::db::now_utc;
use crate::problem::ApiError;

/// Every stored version, oldest first.
pub async fn all<C: ConnectionTrait>(conn: &C) -> Result<Vec<allowance_policy::Model>, DbErr> {
    allowance_policy::Entity::find()
        .order_by_asc(allowance_policy::Column::Id)
        .all(conn)
        .await
}

/// Every stored version as a checked [`PolicySet`] (the rows were checked when written).
pub async fn policy_set<C: ConnectionTrait>(
    conn: &C,
) -> Result<(PolicySet, Vec<allowance_policy::Model>), ApiError> {
    let rows = all(conn).await?;
    let policies = rows.iter().map(policy_of).collect::<Result<Vec<_>, _>>()?;
    let set = PolicySet::new(policies).map_err(ApiError::internal)?;
    Ok((set, rows))
}

/// One row by its id.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<Option<allowance_policy::Model>, DbErr> {
    allowance_policy::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await
}

/// One version of a policy family.
pub async fn find_version<C: ConnectionTrait>(
    conn: &C,
    policy_id: &str,
    version: i32,
) -> Result<Option<allowance_policy::Model>, DbErr> {
    allowance_policy::Entity::find()
        .filter(allowance_policy::Column::PolicyId.eq(policy_id))
        .filter(allowance_policy::Column::Version.eq(version))
        .one(conn)
        .await
}

/// Whether any version of the family exists.
pub async fn family_exists<C: ConnectionTrait>(conn: &C, policy_id: &str) -> Result<bool, DbErr> {
    Ok(allowance_policy::Entity::find()
        .filter(allowance_policy::Column::PolicyId.eq(policy_id))
        .one(conn)
        .await?
        .is_some())
}

/// Inserts a version with its definition JSON.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    p: &AllowancePolicy,
    definition: String,
    created_by: &str,
) -> Result<allowance_policy::Model, DbErr> {
    allowance_policy::ActiveModel {
        id: Set(id),
        policy_id: Set(p.id().to_string()),
        version: Set(i32::try_from(p.version()).unwrap_or(i32::MAX)),
        region_code: Set(p.region().as_str().to_owned()),
        effective_from: Set(p.effective().from().to_string()),
        effective_until: Set(p.effective().until().map(|u| u.to_string())),
        definition: Set(definition),
        created_at: Set(now_utc()),
        created_by: Set(created_by.to_owned()),
    }
    .insert(conn)
    .await
}

/// Ends an open-ended version (the one change a stored version may see): sets its last
/// month and its definition, only while it is still open-ended.
pub async fn end_open_version<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    until: &str,
    definition: String,
) -> Result<bool, DbErr> {
    use allowance_policy::Column as Col;
    let res = allowance_policy::Entity::update_many()
        .col_expr(Col::EffectiveUntil, Expr::value(until))
        .col_expr(Col::Definition, Expr::value(definition))
        .filter(Col::Id.eq(id))
        .filter(Col::EffectiveUntil.is_null())
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}
