//! The HTTP surface: the OpenAPI operations, docs, health and metrics, assembled into one
//! endpoint.
//!
//! - [`api`] lists the `#[OpenApi]` structs (one per path group); add a resource's structs
//!   there and the spec, the docs and the router pick them up.
//! - [`openapi_service`] builds the spec without any state or database, so `registry-api
//!   openapi` and the spec test need nothing running.
//! - [`app`] is the full endpoint: operations under `/api/v1`, `/docs` (Swagger UI),
//!   `/openapi.json`, `/livez`, `/readyz`, `/metrics`, all wrapped by [`crate::observe`].

pub mod ops;

use poem::{Endpoint, EndpointExt, Route, get};
use poem_openapi::OpenApiService;

use crate::allowance_payments::routes::WorkerAllowancePaymentsApi;
use crate::allowance_runs::routes::{AllowanceRunApi, AllowanceRunsApi};
use crate::appraisals::routes::WorkerAppraisalsApi;
use crate::assignments::routes::{AssignmentApi, AssignmentsApi};
use crate::continuing_education::routes::{ContinuingEducationApi, WorkerContinuingEducationApi};
use crate::credentials::routes::{CredentialApi, WorkerCredentialsApi};
use crate::credit::routes::{CreditEntriesApi, OrganisationCreditApi, WorkerCreditApi};
use crate::decisions::me::MeDecisionsApi;
use crate::decisions::routes::WorkerDecisionsApi;
use crate::decisions::staffing::RegionStaffingApi;
use crate::events::routes::EventsApi;
use crate::me::routes::MeApi;
use crate::me_records::routes::MeRecordsApi;
use crate::objections::routes::ObjectionsApi;
use crate::observe::Observe;
use crate::policies::routes::{AllowancePoliciesApi, AllowancePolicyVersionApi};
use crate::posts::routes::{PostApi, PostsApi};
use crate::registrations::routes::{CredentialRegistrationsApi, RegistrationApi};
use crate::state::AppState;
use crate::units::routes::{UnitApi, UnitsApi};
use crate::verifications::routes::VerificationsApi;
use crate::workers::routes::{WorkerApi, WorkersApi};

/// Tags that group operations in the spec.
#[derive(poem_openapi::Tags)]
pub enum Tags {
    /// Social workers: identity, education, experience.
    Workers,
    /// Organisation units that set social-work posts.
    Units,
    /// Social-work posts of units.
    Posts,
    /// Workers' credentials (certificates).
    Credentials,
    /// Registrations of credentials (append-only records).
    Registrations,
    /// Continuing-education records of workers (append-only).
    ContinuingEducation,
    /// Assignments of workers to posts.
    Assignments,
    /// Allowance policies as data (versioned).
    AllowancePolicies,
    /// Allowance decisions, one-off payments and the exam ladder.
    Allowance,
    /// Staffing of regions against their targets.
    Staffing,
    /// A worker's own views (worker role only).
    Me,
    /// Public certificate verification (no login).
    Verifications,
    /// Annual appraisals of workers (append-only records).
    Appraisals,
    /// Credit records of workers and organisations, and objections (append-only records).
    Credit,
    /// The change feed: eligibility-relevant changes for payroll systems to follow.
    Events,
    /// Allowance runs of a region and month: snapshots, differences, sign-off, exports.
    AllowanceRuns,
}

/// The `#[OpenApi]` structs of the service, one per path group, in nested tuples
/// (poem-openapi implements `OpenApi` for tuples of at most 16).
pub type Apis = (
    RegisterApis,
    DecisionApis,
    RecordsApis,
    SelfServiceApis,
    EventsApi,
    RunApis,
);

/// Allowance runs.
pub type RunApis = (AllowanceRunsApi, AllowanceRunApi);

/// The register: workers, units, posts, credentials, registrations, continuing education,
/// assignments.
pub type RegisterApis = (
    WorkersApi,
    WorkerApi,
    UnitsApi,
    UnitApi,
    PostsApi,
    PostApi,
    WorkerCredentialsApi,
    CredentialApi,
    CredentialRegistrationsApi,
    RegistrationApi,
    WorkerContinuingEducationApi,
    ContinuingEducationApi,
    AssignmentsApi,
    AssignmentApi,
);

/// Policies, payments and decisions.
pub type DecisionApis = (
    AllowancePoliciesApi,
    AllowancePolicyVersionApi,
    WorkerAllowancePaymentsApi,
    WorkerDecisionsApi,
    RegionStaffingApi,
    MeDecisionsApi,
);

/// A worker's own views and public verification.
pub type SelfServiceApis = (MeApi, VerificationsApi);

/// The records' `#[OpenApi]` structs (appraisals, credit, objections, the worker's own).
pub type RecordsApis = (
    WorkerAppraisalsApi,
    CreditEntriesApi,
    WorkerCreditApi,
    OrganisationCreditApi,
    ObjectionsApi,
    MeRecordsApi,
);

/// Every `#[OpenApi]` struct of the service.
pub fn api() -> Apis {
    (
        (
            WorkersApi,
            WorkerApi,
            UnitsApi,
            UnitApi,
            PostsApi,
            PostApi,
            WorkerCredentialsApi,
            CredentialApi,
            CredentialRegistrationsApi,
            RegistrationApi,
            WorkerContinuingEducationApi,
            ContinuingEducationApi,
            AssignmentsApi,
            AssignmentApi,
        ),
        (
            AllowancePoliciesApi,
            AllowancePolicyVersionApi,
            WorkerAllowancePaymentsApi,
            WorkerDecisionsApi,
            RegionStaffingApi,
            MeDecisionsApi,
        ),
        (
            WorkerAppraisalsApi,
            CreditEntriesApi,
            WorkerCreditApi,
            OrganisationCreditApi,
            ObjectionsApi,
            MeRecordsApi,
        ),
        (MeApi, VerificationsApi),
        EventsApi,
        (AllowanceRunsApi, AllowanceRunApi),
    )
}

/// The OpenAPI service (spec, docs and operations), built without state.
pub fn openapi_service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(api(), "Social-worker registry", env!("CARGO_PKG_VERSION")).description(
        "Registry of China's social workers. Errors are RFC 9457 problem documents \
             (`application/problem+json`) with a stable `type`. Authenticate with \
             `Authorization: Bearer <API key or JWT>`. Lists use cursor pagination \
             (default 50, maximum 200 items per page). Creates accept `Idempotency-Key`; \
             updates require `If-Match`.",
    )
}

/// The committed spec as YAML (what `registry-api openapi` prints).
pub fn spec_yaml() -> String {
    openapi_service().spec_yaml()
}

/// The whole service as one endpoint.
pub fn app(state: AppState) -> impl Endpoint {
    let api = openapi_service();
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    let metrics = state.metrics.clone();
    Route::new()
        .at("/livez", get(ops::livez))
        .at("/readyz", get(ops::readyz))
        .at("/metrics", get(ops::metrics))
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .nest("/", api)
        .data(state)
        .with(crate::rate_limit::ThrottledResponses)
        .with(Observe::new(metrics))
}
