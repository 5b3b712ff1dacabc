//! The outermost middleware: request id, problem+json for every error, logs and metrics.
//!
//! For each request it
//! 1. assigns a [`RequestId`] (also sent back as `X-Request-Id`, and written to the audit log);
//! 2. turns any `Err` from inside — poem's 404/405, poem-openapi's parse, content-type and
//!    auth errors, handler errors — into `application/problem+json`
//!    ([`crate::problem::problem_from_poem_error`]), and also rewrites any other 4xx/5xx body
//!    that is not already a problem;
//! 3. logs one line with `request_id`, `route` (operation id or fixed name), `method`,
//!    `status` and `duration_ms`, plus the internal cause of a 5xx — never the path, query,
//!    headers, body or client address (poem's `Tracing` middleware logs those, so it is not used);
//! 4. records the request in [`crate::metrics::Metrics`].

use std::sync::Arc;
use std::time::Instant;

use poem::http::{HeaderValue, Method};
use poem::{Endpoint, FromRequest, IntoResponse, Middleware, Request, RequestBody, Response};
use poem_openapi::OperationId;

use crate::metrics::Metrics;
use crate::problem::{ApiError, PROBLEM_JSON, ProblemKind, problem_from_poem_error};

/// The id of one request; in logs, the `X-Request-Id` response header and the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub Arc<str>);

impl RequestId {
    /// A fresh id (UUIDv7).
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string().into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'a> FromRequest<'a> for RequestId {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(req
            .extensions()
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(RequestId::generate))
    }
}

/// The middleware.
pub struct Observe {
    metrics: Arc<Metrics>,
}

impl Observe {
    /// Observes into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self { metrics }
    }
}

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ObserveEndpoint {
            inner: ep,
            metrics: self.metrics.clone(),
        }
    }
}

/// The endpoint [`Observe`] wraps around the app.
pub struct ObserveEndpoint<E> {
    inner: E,
    metrics: Arc<Metrics>,
}

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Fixed labels for the routes that are not OpenAPI operations.
fn plain_route(path: &str) -> &'static str {
    match path {
        "/livez" => "livez",
        "/readyz" => "readyz",
        "/metrics" => "metrics",
        "/openapi.json" => "openapi_json",
        p if p == "/docs" || p.starts_with("/docs/") => "docs",
        _ => "unmatched",
    }
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let start = Instant::now();
        let request_id = RequestId::generate();
        req.extensions_mut().insert(request_id.clone());
        let method = method_label(req.method());
        let fallback_route = plain_route(req.uri().path());

        let (mut resp, route, cause) = match self.inner.call(req).await {
            Ok(out) => {
                let resp = out.into_response();
                let route = resp.data::<OperationId>().map_or(fallback_route, |o| o.0);
                (resp, route, None)
            }
            Err(err) => {
                let route = err.data::<OperationId>().map_or(fallback_route, |o| o.0);
                let cause = err
                    .downcast_ref::<ApiError>()
                    .and_then(|e| e.cause.clone())
                    .or_else(|| (err.status().as_u16() >= 500).then(|| err.to_string()));
                let problem = problem_from_poem_error(&err);
                (problem.to_response(), route, cause)
            }
        };

        let status = resp.status();
        if status.as_u16() >= 400 && resp.content_type() != Some(PROBLEM_JSON) {
            let kind = ProblemKind::for_status(status);
            let mut p = ApiError::new(kind, kind.title().to_lowercase());
            if status.as_u16() >= 500 {
                p = ApiError::internal("non-problem 5xx response");
            }
            let mut replaced = p.to_response();
            replaced.set_status(status);
            resp = replaced;
        }
        if let Ok(v) = HeaderValue::from_str(request_id.as_str()) {
            resp.headers_mut().insert("x-request-id", v);
        }

        let took = start.elapsed();
        let duration_ms = took.as_secs_f64() * 1000.0;
        let status = resp.status().as_u16();
        if status >= 500 {
            tracing::error!(
                request_id = request_id.as_str(),
                route,
                method,
                status,
                duration_ms,
                cause = cause.as_deref().unwrap_or(""),
                "request failed"
            );
        } else {
            tracing::info!(
                request_id = request_id.as_str(),
                route,
                method,
                status,
                duration_ms,
                "request"
            );
        }
        self.metrics.observe(route, method, status, took);
        Ok(resp)
    }
}
