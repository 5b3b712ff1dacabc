//! What every list operation shares: page sizes, opaque cursors and region filters.
//!
//! Lists are keyset-paginated on the row id (UUIDv7, so creation order): a page fetches
//! `limit + 1` rows, and when the extra row exists the last id of the page becomes the
//! `next_cursor`. Cursors are base64url of `<prefix><id>`; the prefix ties a cursor to the
//! resource that issued it.

use base64::Engine;
use registry_core::RuleViolation;
use registry_core::ids::RegionCode;

use crate::auth::{Principal, Scope};
use crate::problem::{ApiError, ProblemField};

/// Default page size of every list.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest page size of every list.
pub const MAX_PAGE_SIZE: u32 = 200;

/// The page size for an optional `limit`.
pub fn page_size(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE) as usize
}

/// The cursor that resumes after `id`.
pub fn encode_cursor(prefix: &str, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{prefix}{id}"))
}

/// The id a cursor resumes after; 422 `cursor.invalid` for anything this list did not issue.
pub fn decode_cursor(prefix: &str, cursor: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix(prefix).map(str::to_owned))
        .map(Some)
        .ok_or_else(|| {
            ApiError::validation(vec![ProblemField {
                field: "cursor".into(),
                rule: "cursor.invalid".into(),
                message: "cursor must be a next_cursor value returned by this endpoint".into(),
            }])
        })
}

/// Cuts `rows` (fetched with `limit + 1`) to `limit` and returns the next cursor, if any.
pub fn finish_page<M>(
    mut rows: Vec<M>,
    limit: usize,
    prefix: &str,
    id: impl Fn(&M) -> &str,
) -> (Vec<M>, Option<String>) {
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|m| encode_cursor(prefix, id(m)));
        (rows, next)
    } else {
        (rows, None)
    }
}

/// One list call's page: the id its cursor resumes after and its size.
#[derive(Debug)]
pub struct Page {
    prefix: &'static str,
    after: Option<String>,
    /// Rows on the page (the query fetches one more, see [`finish_page`]).
    pub limit: usize,
}

impl Page {
    /// The page of `limit` rows ([`page_size`]) after `cursor` (issued under `prefix`;
    /// 422 `cursor.invalid` otherwise).
    pub fn new(
        prefix: &'static str,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Self, ApiError> {
        let limit = page_size(limit);
        let after = decode_cursor(prefix, cursor)?;
        Ok(Self {
            prefix,
            after,
            limit,
        })
    }

    /// The id the page starts after, if any.
    pub fn after(&self) -> Option<&str> {
        self.after.as_deref()
    }

    /// Cuts `rows` (fetched with `limit + 1`) to the page, with the next cursor, if any.
    pub fn cut<M>(&self, rows: Vec<M>, id: impl Fn(&M) -> &str) -> (Vec<M>, Option<String>) {
        finish_page(rows, self.limit, self.prefix, id)
    }

    /// [`Self::cut`], with the rows of the page rendered by `view`.
    pub fn finish<M, V, E>(
        &self,
        rows: Vec<M>,
        id: impl Fn(&M) -> &str,
        view: impl FnMut(M) -> Result<V, E>,
    ) -> Result<(Vec<V>, Option<String>), E> {
        let (rows, next_cursor) = self.cut(rows, id);
        Ok((views(rows, view)?, next_cursor))
    }
}

/// Every row rendered by `view`, or the first error.
pub fn views<M, V, E>(
    rows: impl IntoIterator<Item = M>,
    view: impl FnMut(M) -> Result<V, E>,
) -> Result<Vec<V>, E> {
    rows.into_iter().map(view).collect()
}

/// Which regions a region-scoped list may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionVisible {
    /// Rows of this region and below.
    Within(RegionCode),
    /// No rows (a worker token, or a filter outside the caller's region).
    Nothing,
}

/// The caller's region intersected with an optional `region` filter (422 when malformed).
pub fn region_visible(p: &Principal, filter: Option<&str>) -> Result<RegionVisible, ApiError> {
    let filter = filter
        .map(RegionCode::parse)
        .transpose()
        .map_err(|e| ApiError::from(e.at("region")))?;
    Ok(match (&p.scope, filter) {
        (Scope::Worker(_), _) => RegionVisible::Nothing,
        (Scope::Region(own), None) => RegionVisible::Within(*own),
        (Scope::Region(own), Some(f)) if own.contains(&f) => RegionVisible::Within(f),
        (Scope::Region(own), Some(f)) if f.contains(own) => RegionVisible::Within(*own),
        (Scope::Region(_), Some(_)) => RegionVisible::Nothing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let c = encode_cursor("u1:", "0190-abc");
        assert_eq!(
            decode_cursor("u1:", Some(&c)).unwrap().as_deref(),
            Some("0190-abc")
        );
        assert!(decode_cursor("p1:", Some(&c)).is_err());
        assert!(decode_cursor("u1:", None).unwrap().is_none());
    }

    #[test]
    fn pages() {
        let (rows, next) = finish_page(vec!["a", "b", "c"], 2, "x:", |s| s);
        assert_eq!(rows, ["a", "b"]);
        assert_eq!(next, Some(encode_cursor("x:", "b")));
        assert_eq!(finish_page(vec!["a"], 2, "x:", |s| s).1, None);
    }
}
