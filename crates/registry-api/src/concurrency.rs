//! Optimistic concurrency: ETags and `If-Match`.
//!
//! Every versioned row has a `version` column. Its ETag is the strong tag `"<version>"`.
//! An update must send `If-Match` with that tag (missing: 428; `*` or a weak tag is refused
//! with 428 because it cannot protect against lost updates) and runs
//! `UPDATE … SET version = version + 1 WHERE id = ? AND version = ?`; zero rows affected
//! means someone else won: 412. So two updates carrying the same ETag never both succeed.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, UpdateMany};

use crate::db::entities::{assignment, credential, post, unit, worker};
use crate::db::now_utc;
use crate::problem::{ApiError, ProblemKind};

/// The ETag of a version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` header names.
pub fn expected_version(if_match: Option<&str>) -> Result<i64, ApiError> {
    let Some(raw) = if_match.map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(ApiError::new(
            ProblemKind::PreconditionRequired,
            "If-Match with the ETag from the last read is required",
        ));
    };
    if raw == "*" || raw.starts_with("W/") || raw.contains(',') {
        return Err(ApiError::new(
            ProblemKind::PreconditionRequired,
            "If-Match must carry exactly one strong ETag from the last read",
        ));
    }
    raw.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::new(
                ProblemKind::PreconditionFailed,
                "If-Match does not match the current ETag",
            )
        })
}

/// The 412 for a stale ETag.
pub fn stale() -> ApiError {
    ApiError::new(
        ProblemKind::PreconditionFailed,
        "If-Match does not match the current ETag; read the resource again",
    )
}

/// A table of versioned rows: each has an `id`, a `version` and an `updated_at`.
pub trait VersionedTable: EntityTrait {
    /// The primary key column.
    const ID: Self::Column;
    /// The version column (the ETag).
    const VERSION: Self::Column;
    /// The time of the last change.
    const UPDATED_AT: Self::Column;
}

/// Implements [`VersionedTable`] for the `Entity` of each entity module.
macro_rules! versioned_table {
    ($($entity:ident),*) => {$(
        impl VersionedTable for $entity::Entity {
            const ID: $entity::Column = $entity::Column::Id;
            const VERSION: $entity::Column = $entity::Column::Version;
            const UPDATED_AT: $entity::Column = $entity::Column::UpdatedAt;
        }
    )*};
}

versioned_table!(unit, post, worker, credential, assignment);

/// Runs `update` (an `UPDATE` of `E` setting the replaced columns) on row `id` only while it
/// is at version `expected`, also setting `updated_at` to now and `version = version + 1`;
/// whether it did (one row affected).
pub async fn update_if_version<E: VersionedTable, C: ConnectionTrait>(
    conn: &C,
    update: UpdateMany<E>,
    id: &str,
    expected: i64,
) -> Result<bool, DbErr> {
    let res = update
        .col_expr(E::UPDATED_AT, Expr::value(now_utc()))
        .col_expr(E::VERSION, Expr::col(E::VERSION).add(1))
        .filter(E::ID.eq(id))
        .filter(E::VERSION.eq(expected))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_if_match() {
        assert_eq!(expected_version(Some("\"3\"")).unwrap(), 3);
        assert_eq!(
            expected_version(None).unwrap_err().kind,
            ProblemKind::PreconditionRequired
        );
        assert_eq!(
            expected_version(Some("*")).unwrap_err().kind,
            ProblemKind::PreconditionRequired
        );
        assert_eq!(
            expected_version(Some("\"abc\"")).unwrap_err().kind,
            ProblemKind::PreconditionFailed
        );
        assert_eq!(etag(7), "\"7\"");
    }
}
