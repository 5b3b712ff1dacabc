//! Credit records (信用记录) of workers and organisations: `POST /api/v1/credit-entries`,
//! `/api/v1/workers/{worker_id}/credit-record|credit-status` and
//! `/api/v1/organisations/{credit_code}/credit-record|credit-status`.
//!
//! Append-only: removals, repairs, objections, outcomes and annulments are new entries whose
//! `refers_to` names the entry they concern. Every rule is core's
//! ([`registry_core::credit`]): a new entry is checked by `CreditEntry::new` and
//! `CreditRecord::append` against the subject's stored record, and the status at a date is
//! `credit_status` with `CreditRules::default()` (民政部令第60号 figures, policy data).
//! Core ids are `u64`: a subject's rows are numbered 1..n in `(recorded_at, id)` order, the
//! order they were appended ([`api::NumberedRecord`]).
//!
//! hr never sees credit details (403); a worker reads only their own record.
//!
//! Layout: [`api`] (bodies, views, mapping to core), [`store`] (queries), [`routes`] (operations).

pub mod api;
pub mod routes;
pub mod store;
