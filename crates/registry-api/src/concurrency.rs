//! Optimistic concurrency: ETags and `If-Match`.
//!
//! Every versioned row has a `version` column. Its ETag is the strong tag `"<version>"`.
//! An update must send `If-Match` with that tag (missing: 428; `*` or a weak tag is refused
//! with 428 because it cannot protect against lost updates) and runs
//! `UPDATE … SET version = version + 1 WHERE id = ? AND version = ?`; zero rows affected
//! means someone else won: 412. So two updates carrying the same ETag never both succeed.

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
