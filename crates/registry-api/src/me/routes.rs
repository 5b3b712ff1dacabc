//! [`MeApi`]: `GET /api/v1/me`, `/me/credentials`, `/me/access-log`.

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::access_log::{self, Bounds};
use super::api::{AccessEntry, AccessLogPage, MyCredential, MyCredentials};
use super::store;
use crate::auth::{Auth, Principal, Role};
use crate::credentials::api::Credential;
use crate::listing::{decode_cursor, encode_cursor, page_size};
use crate::problem::{ApiError, ErrorSet, Errors, ProblemField};
use crate::registrations::api::Registration;
use crate::routes::Tags;
use crate::state::AppState;
use crate::workers::api::Worker;

const CURSOR_PREFIX: &str = "al2:";

/// Errors of a `/me` view: 403 for any role but worker.
#[derive(Debug)]
pub struct MeErrors;

impl ErrorSet for MeErrors {
    const STATUSES: &'static [u16] = &[401, 403, 404, 405, 406, 422, 429, 500, 503];
}

/// The worker's own record.
#[derive(ApiResponse)]
pub enum MeWorker {
    /// The record, with the resident ID in clear.
    #[oai(status = 200)]
    Ok(Json<Worker>),
}

/// The worker's credentials.
#[derive(ApiResponse)]
pub enum MeCredentials {
    /// The credentials with their registrations.
    #[oai(status = 200)]
    Ok(Json<MyCredentials>),
}

/// A page of the worker's access log.
#[derive(ApiResponse)]
pub enum MeAccessLog {
    /// The page, newest first.
    #[oai(status = 200)]
    Ok(Json<AccessLogPage>),
}

/// The worker id of a worker token; 403 for every other role.
fn me(p: &Principal) -> Result<&str, ApiError> {
    p.require(&[Role::Worker])?;
    p.worker_id()
        .ok_or_else(|| ApiError::internal("worker principal without a worker id"))
}

/// A worker's own views.
pub struct MeApi;

#[OpenApi(prefix_path = "/api/v1", tag = "Tags::Me")]
impl MeApi {
    /// Read my record
    ///
    /// Worker role only (others get 403): the caller's own record, with the resident ID in
    /// clear. Not recorded in the audit log (a worker reading their own record).
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn get_me(
        &self,
        auth: Auth,
        state: Data<&AppState>,
    ) -> Result<MeWorker, Errors<MeErrors>> {
        let p = &auth.0;
        let id = me(p)?;
        let m = crate::workers::store::find(&state.db, id)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(ApiError::not_found)?;
        Ok(MeWorker::Ok(Json(Worker::view(m, p, &state.pii)?)))
    }

    /// List my credentials
    ///
    /// Worker role only: the caller's credentials (oldest first, at most 200), each with
    /// its registrations (oldest first).
    #[oai(
        path = "/me/credentials",
        method = "get",
        operation_id = "list_my_credentials"
    )]
    async fn list_my_credentials(
        &self,
        auth: Auth,
        state: Data<&AppState>,
    ) -> Result<MeCredentials, Errors<MeErrors>> {
        let id = me(&auth.0)?;
        let (creds, mut regs) = store::credentials_with_registrations(&state.db, id)
            .await
            .map_err(ApiError::from)?;
        let mut items = Vec::with_capacity(creds.len());
        for c in creds {
            let (mine, rest): (Vec<_>, Vec<_>) =
                regs.into_iter().partition(|r| r.credential_id == c.id);
            regs = rest;
            items.push(MyCredential {
                credential: Credential::view(c)?,
                registrations: mine
                    .into_iter()
                    .map(Registration::view)
                    .collect::<Result<_, _>>()?,
            });
        }
        Ok(MeCredentials::Ok(Json(MyCredentials { items })))
    }

    /// Who accessed my record
    ///
    /// Worker role only: audit entries that name the caller's record, written by anyone but
    /// the caller (admins, hr systems, anonymous `public` verifications): when, who, role,
    /// action and record, from both audit chains (`chain`: the register's, which holds
    /// writes, and the read log). Newest first by time, in pages of `limit` (default 50,
    /// maximum 200); follow `next_cursor` for older entries.
    #[oai(
        path = "/me/access-log",
        method = "get",
        operation_id = "list_my_access_log"
    )]
    async fn list_my_access_log(
        &self,
        auth: Auth,
        state: Data<&AppState>,
        /// `next_cursor` of the previous page.
        #[oai(validator(min_length = 1, max_length = 200))]
        cursor: Query<Option<String>>,
        /// Page size: default 50, maximum 200.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> Result<MeAccessLog, Errors<MeErrors>> {
        let id = me(&auth.0)?;
        let limit = page_size(limit.0);
        let bounds = match decode_cursor(CURSOR_PREFIX, cursor.0.as_deref())? {
            None => Bounds::default(),
            Some(text) => Bounds::decode(&text).ok_or_else(|| {
                ApiError::validation(vec![ProblemField {
                    field: "cursor".into(),
                    rule: "cursor.invalid".into(),
                    message: "cursor must be a next_cursor value returned by this endpoint".into(),
                }])
            })?,
        };
        let (register, reads) = tokio::try_join!(
            store::access_log(&state.db, id, bounds.register, limit),
            store::access_log(&state.read_log, id, bounds.reads, limit),
        )
        .map_err(ApiError::from)?;
        let (rows, next) = access_log::merge(register, reads, bounds, limit);
        let next_cursor = next.map(|b| encode_cursor(CURSOR_PREFIX, &b.encode()));
        Ok(MeAccessLog::Ok(Json(AccessLogPage {
            items: rows.into_iter().map(AccessEntry::from).collect(),
            next_cursor,
        })))
    }
}
