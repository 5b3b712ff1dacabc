//! Decisions: what the register answers, every rule from `registry-core`.
//!
//! - [`facts`]: loads one worker's facts from the tables into core `WorkerFacts`, mapping the
//!   API's UUIDs to the core's `u64` ids and back ([`facts::FactIds`]), with each fact's
//!   effective dates and the time it was recorded; [`facts::assemble`] turns one worker's rows
//!   into those facts (no I/O), for both loaders:
//! - [`single`]: the rows of a few workers (and the policy generation) in one statement, for
//!   the single-worker answers, whose concurrent requests [`worker_reads`] reads together;
//! - [`bulk`]: the set-oriented loader of a region's workers, one query per table per chunk,
//!   each answered as one JSON document ([`json_rows`], with the tables of [`fact_tables`]).
//! - [`api`]: the response bodies (allowance decision, ladder answer, staffing report).
//! - [`routes`]: `GET /api/v1/workers/{id}/allowance?month=`, `GET /api/v1/workers/{id}/ladder`;
//!   [`me`]: the worker's own `/api/v1/me/allowance` and `/api/v1/me/ladder`;
//!   [`staffing`]: `GET /api/v1/regions/{code}/staffing?date=`; [`params`]: their `month`
//!   parameter.
//!
//! Architecture invariant: nothing here decides anything; it gathers facts, calls
//! `registry_core::allowance::decide`, `registry_core::ladder::next_step` or
//! `registry_core::staffing::staffing_report`, and translates ids back.

pub mod api;
pub mod bulk;
pub mod fact_tables;
pub mod facts;
pub mod json_rows;
pub mod me;
pub mod params;
pub mod routes;
pub mod single;
pub mod staffing;
pub mod worker_reads;
