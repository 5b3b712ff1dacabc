//! The one error shape of the API: RFC 9457 `application/problem+json`.
//!
//! - [`ProblemKind`] is the closed list of problem types, each with a stable `type` URI,
//!   a title and a status. Clients switch on `type`, never on `detail`.
//! - [`ApiError`] is what handlers return; it becomes a problem+json response.
//! - [`Errors`] wraps [`ApiError`] for an operation's signature and documents, through an
//!   [`ErrorSet`], which statuses that operation can answer.
//! - [`problem_from_poem_error`] maps every error raised outside handlers (bad JSON, wrong
//!   content type, missing credentials, unknown route, wrong method) to the same shape; the
//!   [`crate::observe`] middleware applies it, so no 4xx/5xx ever leaves as `text/plain`.
//!
//! Architecture invariant: a problem's `detail` never contains a resident ID number, a
//! token or a database message.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::{ToJSON, Type};
use poem_openapi::{ApiResponse, Object};
use registry_core::FieldError;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Base of the stable problem `type` URIs.
pub const TYPE_BASE: &str = "https://registry.example/problems/";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Problem {
    /// Stable URI naming the problem type, e.g. `https://registry.example/problems/validation`.
    #[oai(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Per-field errors, present for validation problems.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<ProblemField>>,
}

/// One broken rule in a request.
#[derive(Debug, Clone, PartialEq, Eq, Object)]
#[oai(rename_all = "snake_case")]
pub struct ProblemField {
    /// Path of the offending field or parameter, e.g. `education.level` or `limit`.
    pub field: String,
    /// Stable rule code, e.g. `resident_id.check_char`.
    pub rule: String,
    /// Human-readable explanation.
    pub message: String,
}

impl From<FieldError> for ProblemField {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            rule: e.rule.to_owned(),
            message: e.message,
        }
    }
}

/// The closed list of problem types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// 400: the body is not JSON.
    MalformedBody,
    /// 422: the request is well-formed but breaks field rules (`errors[]` lists them).
    Validation,
    /// 401: missing or invalid credentials.
    Unauthorized,
    /// 403: authenticated, but the role may not do this.
    Forbidden,
    /// 404: no such resource (or not visible to the caller: the same answer).
    NotFound,
    /// 405: the path exists, the method does not.
    MethodNotAllowed,
    /// 406: the client does not accept JSON.
    NotAcceptable,
    /// 409: the write conflicts with existing data (e.g. a duplicate resident ID).
    Conflict,
    /// 412: `If-Match` does not match the current version.
    PreconditionFailed,
    /// 413: the body is too large.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 422: an `Idempotency-Key` was reused with a different request.
    IdempotencyKeyReused,
    /// 428: an update without `If-Match`.
    PreconditionRequired,
    /// 429: too many requests.
    TooManyRequests,
    /// 500: a bug; details are in the log, keyed by request id.
    Internal,
    /// 503: the database is busy or unreachable; retry after `Retry-After` seconds.
    Unavailable,
}

impl ProblemKind {
    /// The stable slug appended to [`TYPE_BASE`].
    pub fn slug(self) -> &'static str {
        match self {
            Self::MalformedBody => "malformed-body",
            Self::Validation => "validation",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::NotAcceptable => "not-acceptable",
            Self::Conflict => "conflict",
            Self::PreconditionFailed => "precondition-failed",
            Self::PayloadTooLarge => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::IdempotencyKeyReused => "idempotency-key-reused",
            Self::PreconditionRequired => "precondition-required",
            Self::TooManyRequests => "too-many-requests",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
        }
    }

    /// The title shared by every problem of this type.
    pub fn title(self) -> &'static str {
        match self {
            Self::MalformedBody => "Malformed request body",
            Self::Validation => "Validation failed",
            Self::Unauthorized => "Authentication required",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::NotAcceptable => "Not acceptable",
            Self::Conflict => "Conflict",
            Self::PreconditionFailed => "Precondition failed",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::IdempotencyKeyReused => "Idempotency key reused",
            Self::PreconditionRequired => "Precondition required",
            Self::TooManyRequests => "Too many requests",
            Self::Internal => "Internal error",
            Self::Unavailable => "Service unavailable",
        }
    }

    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            Self::MalformedBody => StatusCode::BAD_REQUEST,
            Self::Validation | Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The problem type for a bare status (used for errors raised outside handlers).
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::MalformedBody,
            401 => Self::Unauthorized,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            406 => Self::NotAcceptable,
            409 => Self::Conflict,
            411 | 413 => Self::PayloadTooLarge,
            412 => Self::PreconditionFailed,
            415 => Self::UnsupportedMediaType,
            422 => Self::Validation,
            428 => Self::PreconditionRequired,
            429 => Self::TooManyRequests,
            503 => Self::Unavailable,
            s if s < 500 => Self::MalformedBody,
            _ => Self::Internal,
        }
    }
}

/// Seconds a client should wait after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// An error a handler returns; rendered as problem+json.
///
/// `cause` is for the log only (it may hold a database message) and never reaches the client.
#[derive(Debug)]
pub struct ApiError {
    /// The problem type.
    pub kind: ProblemKind,
    /// Client-facing explanation.
    pub detail: Cow<'static, str>,
    /// Per-field errors (validation only).
    pub errors: Vec<ProblemField>,
    /// Internal cause, logged once at the boundary.
    pub cause: Option<String>,
}

impl ApiError {
    /// A problem of `kind` with a client-facing `detail`.
    pub fn new(kind: ProblemKind, detail: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            cause: None,
        }
    }

    /// 422 validation with the given field errors.
    pub fn validation(errors: Vec<ProblemField>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self {
            kind: ProblemKind::Validation,
            detail: detail.into(),
            errors,
            cause: None,
        }
    }

    /// 404 with the one detail every miss uses, so a hidden record looks like an absent one.
    pub fn not_found() -> Self {
        Self::new(ProblemKind::NotFound, "no such resource")
    }

    /// 500 with an internal cause for the log.
    pub fn internal(cause: impl fmt::Display) -> Self {
        Self {
            kind: ProblemKind::Internal,
            detail: "internal error; the request id identifies it in the log".into(),
            errors: Vec::new(),
            cause: Some(cause.to_string()),
        }
    }

    /// 503: the database is busy or out of connections.
    pub fn unavailable(cause: impl fmt::Display) -> Self {
        Self {
            kind: ProblemKind::Unavailable,
            detail: "the database is busy; retry shortly".into(),
            errors: Vec::new(),
            cause: Some(cause.to_string()),
        }
    }

    /// The problem document.
    pub fn to_problem(&self) -> Problem {
        Problem {
            kind: format!("{TYPE_BASE}{}", self.kind.slug()),
            title: self.kind.title().to_owned(),
            status: self.kind.status().as_u16(),
            detail: self.detail.to_string(),
            errors: if self.errors.is_empty() {
                None
            } else {
                Some(self.errors.clone())
            },
        }
    }

    /// Renders the problem+json response, with `Retry-After` on 503 and
    /// `WWW-Authenticate` on 401.
    pub fn to_response(&self) -> Response {
        let problem = self.to_problem();
        let body = problem.to_json_string();
        let mut resp = Response::builder()
            .status(self.kind.status())
            .content_type(PROBLEM_JSON)
            .body(body);
        match self.kind {
            ProblemKind::Unavailable | ProblemKind::TooManyRequests => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
            }
            ProblemKind::Unauthorized => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"registry\""),
                );
            }
            _ => {}
        }
        resp
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.slug(), self.detail)
    }
}

impl std::error::Error for ApiError {}

impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.kind.status()
    }

    fn as_response(&self) -> Response {
        self.to_response()
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::validation(vec![e.into()])
    }
}

/// The statuses an operation documents (besides its success responses).
pub trait ErrorSet: Send + Sync + 'static {
    /// Documented error statuses.
    const STATUSES: &'static [u16];
}

macro_rules! error_set {
    ($(#[$doc:meta])* $name:ident => [$($s:literal),*]) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;
        impl ErrorSet for $name {
            const STATUSES: &'static [u16] = &[$($s),*];
        }
    };
}

error_set!(
    /// Errors of a read of one resource.
    ReadErrors => [401, 404, 405, 406, 422, 429, 500, 503]
);
error_set!(
    /// Errors of a list.
    ListErrors => [401, 405, 406, 422, 429, 500, 503]
);
error_set!(
    /// Errors of a create.
    CreateErrors => [400, 401, 403, 405, 406, 409, 413, 415, 422, 429, 500, 503]
);
error_set!(
    /// Errors of a create under a parent resource (`/workers/{id}/...`): also 404 when the
    /// parent is missing or outside the caller's scope.
    NestedCreateErrors => [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429, 500, 503]
);
error_set!(
    /// Errors of an update guarded by `If-Match`.
    UpdateErrors => [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429, 500, 503]
);

/// An [`ApiError`] in an operation signature; `S` documents the possible statuses.
pub struct Errors<S: ErrorSet>(pub ApiError, PhantomData<S>);

impl<S: ErrorSet> fmt::Debug for Errors<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<S: ErrorSet> From<ApiError> for Errors<S> {
    fn from(e: ApiError) -> Self {
        Self(e, PhantomData)
    }
}

/// A storage error as the operation's error, mapped as [`ApiError`] maps it (see
/// `crate::db`), so handlers can use `?` on queries directly.
impl<S: ErrorSet> From<sea_orm::DbErr> for Errors<S> {
    fn from(e: sea_orm::DbErr) -> Self {
        ApiError::from(e).into()
    }
}

impl<S: ErrorSet> From<Errors<S>> for poem::Error {
    fn from(e: Errors<S>) -> Self {
        poem::Error::from(e.0)
    }
}

impl<S: ErrorSet> IntoResponse for Errors<S> {
    fn into_response(self) -> Response {
        self.0.to_response()
    }
}

fn status_description(status: u16) -> &'static str {
    match status {
        400 => "The body is not valid JSON.",
        401 => "Missing or invalid credentials.",
        403 => "The caller's role may not do this.",
        404 => "No such resource, or not visible to the caller.",
        405 => "Method not allowed on this path.",
        406 => "The client does not accept a JSON response.",
        409 => "Conflicts with existing data.",
        412 => "`If-Match` does not match the current ETag.",
        413 => "The body is too large.",
        415 => "The body must be `application/json`.",
        422 => "A field, parameter or idempotency key is invalid (see `errors`).",
        428 => "`If-Match` is required.",
        429 => "Too many requests; see `Retry-After`.",
        500 => "Internal error.",
        503 => "The database is busy; see `Retry-After`.",
        _ => "Error.",
    }
}

impl<S: ErrorSet> ApiResponse for Errors<S> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: S::STATUSES
                .iter()
                .map(|&status| MetaResponse {
                    description: status_description(status),
                    status: Some(status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_JSON,
                        schema: Problem::schema_ref(),
                    }],
                    headers: if status == 503 || status == 429 {
                        vec![MetaHeader {
                            name: "Retry-After".to_owned(),
                            description: Some("Seconds to wait before retrying.".to_owned()),
                            required: true,
                            deprecated: false,
                            schema: u32::schema_ref(),
                        }]
                    } else {
                        vec![]
                    },
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        Problem::register(registry);
    }
}

/// Maps any error raised by poem or poem-openapi (or a handler) to a problem.
pub fn problem_from_poem_error(err: &poem::Error) -> ApiError {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };
    if let Some(e) = err.downcast_ref::<ApiError>() {
        return ApiError {
            kind: e.kind,
            detail: e.detail.clone(),
            errors: e.errors.clone(),
            cause: None,
        };
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return ApiError::validation(vec![ProblemField {
            field: e.name.to_owned(),
            rule: "parameter.invalid".to_owned(),
            message: e.reason.clone(),
        }]);
    }
    if let Some(e) = err.downcast_ref::<ParsePathError>() {
        return ApiError::validation(vec![ProblemField {
            field: e.name.to_owned(),
            rule: "parameter.invalid".to_owned(),
            message: e.reason.clone(),
        }]);
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return ApiError::new(ProblemKind::MalformedBody, e.reason.clone());
    }
    if let Some(e) = err.downcast_ref::<ContentTypeError>() {
        let detail = match e {
            ContentTypeError::ExpectContentType => "a Content-Type header is required",
            _ => "the body must be application/json",
        };
        return ApiError::new(ProblemKind::UnsupportedMediaType, detail);
    }
    if err.is::<AuthorizationError>() {
        return ApiError::new(
            ProblemKind::Unauthorized,
            "a bearer token or API key is required",
        );
    }
    let kind = ProblemKind::for_status(err.status());
    let detail: Cow<'static, str> = match kind {
        ProblemKind::NotFound => "no such resource".into(),
        ProblemKind::MethodNotAllowed => "method not allowed on this path".into(),
        ProblemKind::PayloadTooLarge => "the body is too large".into(),
        ProblemKind::Internal => "internal error; the request id identifies it in the log".into(),
        _ => kind.title().to_lowercase().into(),
    };
    let mut out = ApiError::new(kind, detail);
    if kind == ProblemKind::Internal {
        out.cause = Some(err.to_string());
    }
    out
}
