//! # registry-api
//!
//! The registry's HTTP service: the only crate that knows HTTP, JSON and SQL.
//! `registry-core` decides; this crate authenticates, validates, stores and answers.
//!
//! ## Code map
//! - [`config`]: flags + `REGISTRY_*` variables → a validated [`config::Config`].
//! - [`state`]: [`AppState`] (pool, ciphers, verifier, metrics) shared by every request.
//! - [`db`]: pool setup (SQLite WAL/busy_timeout/foreign keys, PostgreSQL), `BEGIN IMMEDIATE`
//!   write transactions, storage-error mapping; [`db::entities`] the sea-orm tables.
//! - [`migration`]: versioned migrations, the same on both backends.
//! - [`crypto`]: resident ID sealing (ChaCha20-Poly1305) and keyed lookup hashes.
//! - [`auth`]: [`auth::Principal`], roles and scopes, API keys, JWTs, the security scheme.
//! - [`problem`]: RFC 9457 problems — the only error shape on the wire.
//! - [`payload`]: [`payload::JsonBody`], the JSON body extractor whose errors name fields;
//!   [`serde_json_response`]: [`serde_json_response::SerdeJson`], a response body written by
//!   serde in one pass (the single-worker decisions).
//! - [`idempotency`], [`concurrency`], [`audit`]: the write-path building blocks;
//!   [`create`] runs a create with all three, [`update`] an update under `If-Match` with
//!   its audit entry and event; [`audited`] records a handler's read of a worker's record;
//!   [`listing`] pages and region filters lists; [`mirror`] mirrors core enums as API enums.
//! - [`observe`], [`metrics`]: request ids, logs, problem mapping, Prometheus;
//!   [`log_writer`]: the service's log lines written out in batches by a thread of their own.
//! - [`routes`]: assembles the operations ([`workers`], [`units`], [`posts`],
//!   [`credentials`], [`registrations`], [`continuing_education`], [`assignments`]), docs
//!   and ops endpoints; [`scope`] scopes records through their worker; [`dates`] parses
//!   `YYYY-MM-DD` in bodies; [`region_scope`] scopes units and posts by their region.
//! - [`policies`] (allowance policy versions as data), [`allowance_payments`] (one-off
//!   payments), [`decisions`] (facts loader; allowance, ladder, staffing answers, `/me` views).
//! - [`me`]: a worker's own views; [`verifications`]: public certificate verification;
//!   [`rate_limit`]: per-IP and per-principal token buckets (429 + `Retry-After`).
//! - [`audit_verify`], [`checkpoint`]: `registry-api audit verify|checkpoint`.
//! - Append-only records: [`appraisals`], [`credit`] (worker and organisation entries, status
//!   at a date), [`objections`], [`me_records`] (the worker's own); [`records_errors`] their
//!   documented error statuses.
//! - [`cli`]: the `registry-api` command line; [`bulk`]: its CSV `import` and `export`.
//! - [`events`]: the change feed (`GET /events`), one event per eligibility-relevant write.
//!
//! ## Architecture invariants
//! - Every 4xx/5xx leaves as `application/problem+json` ([`observe`] guarantees it).
//! - A resident ID number exists in clear only in memory, for the request that needs it;
//!   it is never stored, logged or put in a problem.
//! - Every write runs in one transaction with its audit entry (and idempotency record):
//!   a rejected request writes nothing.
//! - `#[OpenApi]` structs are stateless; the spec is produced without a database.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod allowance_payments;
pub mod appraisals;
pub mod assignments;
pub mod audit;
pub mod audited;
pub mod auth;
pub mod cli;
pub mod concurrency;
pub mod config;
pub mod continuing_education;
pub mod create;
pub mod credentials;
pub mod credit;
pub mod crypto;
pub mod dates;
pub mod db;
pub mod decisions;
pub mod idempotency;
pub mod listing;
pub mod log_writer;
pub mod me_records;
pub mod metrics;
pub mod migration;
pub mod mirror;
pub mod objections;
pub mod observe;
pub mod payload;
pub mod policies;
pub mod posts;
pub mod problem;
pub mod records_errors;
pub mod region_scope;
pub mod registrations;
pub mod routes;
pub mod scope;
pub mod serde_json_response;
pub mod state;
pub mod units;
pub mod update;
pub mod workers;

pub mod allowance_runs;
pub mod audit_verify;
pub mod checkpoint;
pub mod me;
pub mod rate_limit;
pub mod verifications;

pub mod bulk;
pub mod events;

use std::future::Future;
use std::time::Duration;

use poem::Server;
use poem::listener::TcpAcceptor;

pub use routes::{openapi_service, spec_yaml};
pub use state::AppState;

/// Serves the registry on `listener` until `shutdown` completes, then drains in-flight
/// requests for up to 10 seconds.
///
/// Tests bind `127.0.0.1:0`, read the port, and pass the listener here.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let acceptor = TcpAcceptor::from_tokio(listener)?;
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(routes::app(state), shutdown, Some(Duration::from_secs(10)))
        .await
}
