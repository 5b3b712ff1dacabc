//! `GET /api/v1/events` ([`EventsApi`]): the change feed for payroll systems.

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::api::{Event, EventPage};
use super::store;
use crate::auth::{Auth, Role};
use crate::listing::{decode_cursor, encode_cursor, page_size};
use crate::problem::{ApiError, ErrorSet, Errors, ProblemField};
use crate::routes::Tags;
use crate::state::AppState;

const CURSOR_PREFIX: &str = "ev1:";

/// Errors of the feed: 403 for the worker role.
#[derive(Debug)]
pub struct FeedErrors;

impl ErrorSet for FeedErrors {
    const STATUSES: &'static [u16] = &[401, 403, 405, 406, 422, 429, 500, 503];
}

/// A page of the feed.
#[derive(ApiResponse)]
pub enum EventList {
    /// The page (possibly empty; `next_cursor` is always set).
    #[oai(status = 200)]
    Ok(Json<EventPage>),
}

/// The `seq` an `after` cursor resumes after (0 when absent); 422 `cursor.invalid` on field
/// `after` for anything this feed did not issue.
fn after_seq(after: Option<&str>) -> Result<i64, ApiError> {
    let invalid = || {
        ApiError::validation(vec![ProblemField {
            field: "after".into(),
            rule: "cursor.invalid".into(),
            message: "after must be a next_cursor value returned by this endpoint".into(),
        }])
    };
    match decode_cursor(CURSOR_PREFIX, after).map_err(|_| invalid())? {
        None => Ok(0),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(invalid),
    }
}

/// The change feed.
pub struct EventsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Events")]
impl EventsApi {
    /// Follow eligibility-relevant changes
    ///
    /// Admin and hr: events of the caller's region and below (a worker who moved away is
    /// shown to both regions; a policy of an enclosing region is shown too), oldest first, in
    /// pages of `limit` (default 50, maximum 200). Workers get 403. Start without `after`,
    /// then pass the returned `next_cursor` as `after`: it is returned on every page, also an
    /// empty one, so a follower polls with it and never misses or repeats an event (events
    /// become visible in `seq` order only). An event names ids only (kind, resource id,
    /// worker id, region, time): read the resource for what changed, if your role may.
    /// Reported: credentials, registrations, assignments, post terms, unit types, worker
    /// region changes, appraisals, worker credit entries, allowance policies and payments.
    #[oai(path = "/events", method = "get", operation_id = "list_events")]
    async fn list_events(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// `next_cursor` of the previous page; absent to start at the beginning.
        #[oai(validator(min_length = 1, max_length = 200))]
        after: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<EventList, Errors<FeedErrors>> {
        let p = &auth.0;
        p.require(&[Role::Admin, Role::Hr])?;
        let region = p.region().ok_or_else(ApiError::not_found)?;
        let limit = page_size(limit.0);
        let after = after_seq(after.0.as_deref())?;
        let mut rows = store::page(&state.db, region, after, limit as u64)
            .await
            .map_err(ApiError::from)?;
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let last = rows.last().map_or(after, |m| m.seq);
        let items = rows
            .into_iter()
            .map(Event::view)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EventList::Ok(Json(EventPage {
            items,
            next_cursor: encode_cursor(CURSOR_PREFIX, &last.to_string()),
            has_more,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors() {
        assert_eq!(after_seq(None).unwrap(), 0);
        let c = encode_cursor(CURSOR_PREFIX, "42");
        assert_eq!(after_seq(Some(&c)).unwrap(), 42);
        for bad in [
            encode_cursor(CURSOR_PREFIX, "x"),
            encode_cursor(CURSOR_PREFIX, "-1"),
            encode_cursor("u1:", "42"),
            "%%%".to_owned(),
        ] {
            let e = after_seq(Some(&bad)).unwrap_err();
            assert_eq!(e.errors[0].field, "after");
        }
    }
}
