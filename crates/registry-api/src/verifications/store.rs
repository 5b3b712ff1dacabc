//! The one query of a verification.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::db::entities::{credential, worker};

/// The credential with this certificate number and its holder, in one query.
pub async fn find_by_number<C: ConnectionTrait>(
    conn: &C,
    certificate_number: &str,
) -> Result<Option<(credential::Model, Option<worker::Model>)>, DbErr> {
    credential::Entity::find()
        .filter(credential::Column::CertificateNumber.eq(certificate_number))
        .find_also_related(worker::Entity)
        .one(conn)
        .await
}
