//! Queries on `credentials`. Functions take any connection (pool or transaction).

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::api::{CredentialFields, scheme_code};
use crate::concurrency;
use crate::db::entities::credential;
use crate::db::now_utc;

/// Inserts a credential of `worker_id`.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    id: String,
    worker_id: &str,
    f: &CredentialFields,
) -> Result<credential::Model, DbErr> {
    let c = &f.credential;
    let now = now_utc();
    credential::ActiveModel {
        id: Set(id),
        worker_id: Set(worker_id.to_owned()),
        scheme: Set(scheme_code(c.scheme()).to_owned()),
        level: Set(c.level().code().to_owned()),
        certificate_number: Set(c.certificate_number().as_str().to_owned()),
        issuing_authority: Set(c.issuing_authority().to_owned()),
        exam_year: Set(c.exam_year()),
        issue_date: Set(c.issue_date()),
        valid_region: Set(c.valid_region().map(|r| r.as_str().to_owned())),
        status: Set(f.status.code().to_owned()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
}

/// Replaces the credential's fields if the row is still at `expected_version`.
pub async fn update_if_version<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    expected_version: i64,
    f: &CredentialFields,
) -> Result<bool, DbErr> {
    use credential::Column as Col;
    let c = &f.credential;
    let set = credential::Entity::update_many()
        .col_expr(Col::Scheme, Expr::value(scheme_code(c.scheme())))
        .col_expr(Col::Level, Expr::value(c.level().code()))
        .col_expr(
            Col::CertificateNumber,
            Expr::value(c.certificate_number().as_str()),
        )
        .col_expr(Col::IssuingAuthority, Expr::value(c.issuing_authority()))
        .col_expr(Col::ExamYear, Expr::value(c.exam_year()))
        .col_expr(Col::IssueDate, Expr::value(c.issue_date()))
        .col_expr(
            Col::ValidRegion,
            Expr::value(c.valid_region().map(|r| r.as_str().to_owned())),
        )
        .col_expr(Col::Status, Expr::value(f.status.code()));
    concurrency::update_if_version(conn, set, id, expected_version).await
}

/// One page of a worker's credentials in id order after `after`, `limit + 1` rows.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    worker_id: &str,
    level: Option<&str>,
    status: Option<&str>,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<credential::Model>, DbErr> {
    let mut q = credential::Entity::find().filter(credential::Column::WorkerId.eq(worker_id));
    if let Some(level) = level {
        q = q.filter(credential::Column::Level.eq(level));
    }
    if let Some(status) = status {
        q = q.filter(credential::Column::Status.eq(status));
    }
    if let Some(after) = after {
        q = q.filter(credential::Column::Id.gt(after));
    }
    q.order_by_asc(credential::Column::Id)
        .limit(limit as u64 + 1)
        .all(conn)
        .await
}
