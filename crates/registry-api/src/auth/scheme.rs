//! The documented security scheme: `Authorization: Bearer <API key or JWT>`.
//!
//! A credential starting with `rk_` is an API key (one indexed lookup, then cached for a
//! second: [`super::key_cache`]), anything else is verified as a JWT (no I/O). Missing or
//! invalid credentials are a 401 problem. An authenticated caller over its rate limit is a
//! 429 ([`crate::rate_limit`]).

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use super::{Principal, api_key};
use crate::problem::{ApiError, ProblemKind};
use crate::state::AppState;

/// `Authorization: Bearer <credential>`: an API key (`rk_…`) for systems or an HS256 JWT
/// for people.
#[derive(SecurityScheme)]
#[oai(
    rename = "bearer",
    ty = "bearer",
    bearer_format = "JWT or API key (rk_…)",
    checker = "authenticate"
)]
pub struct Auth(pub Principal);

fn unauthorized() -> poem::Error {
    ApiError::new(ProblemKind::Unauthorized, "invalid or expired credentials").into()
}

async fn authenticate(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| ApiError::internal("AppState missing from request data"))?;
    let token = bearer.token.trim();
    let principal = if api_key::looks_like_key(token) {
        match api_key::authenticate(&state.db, &state.api_keys, token).await {
            Ok(Some(p)) => p,
            Ok(None) => return Err(unauthorized()),
            Err(e) => return Err(ApiError::from(e).into()),
        }
    } else {
        state.jwt.verify(token).map_err(|e| {
            tracing::debug!(reason = %e, "jwt rejected");
            unauthorized()
        })?
    };
    state.limits.authenticated.check(&principal.subject)?;
    Ok(principal)
}
