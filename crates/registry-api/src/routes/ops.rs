//! Operational endpoints outside the OpenAPI contract: liveness, readiness, metrics.

use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};

use crate::problem::{ApiError, ProblemKind};
use crate::state::AppState;

/// `GET /livez`: the process is up.
#[handler]
pub async fn livez() -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

/// `GET /readyz`: the database answers.
#[handler]
pub async fn readyz(state: Data<&AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Response::builder()
            .status(StatusCode::OK)
            .content_type("application/json")
            .body(r#"{"status":"ready"}"#),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            ApiError::new(ProblemKind::Unavailable, "the database does not answer").to_response()
        }
    }
}

/// `GET /metrics`: Prometheus text format.
#[handler]
pub async fn metrics(state: Data<&AppState>) -> impl IntoResponse {
    Response::builder()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
