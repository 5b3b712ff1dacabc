//! The appraisals resource (年度考评): `/api/v1/workers/{worker_id}/appraisals` (record, list).
//!
//! Append-only: there is no update or delete; a correction is a new appraisal whose `corrects`
//! names the one it replaces. Every rule comes from [`registry_core::appraisal`]: the body is
//! checked by `Appraisal::new`, which appraisal is effective by `effective_appraisals`, and the
//! unit's 优秀 cap by `would_exceed_cap` with `AppraisalRules::default()` (20 %, rounded down;
//! the cap is policy data, the default until regions configure their own). Core ids are `u64`:
//! the rows loaded for one check are numbered 1..n in `(recorded_at, id)` order ([`api::Numbered`]).
//!
//! Layout: [`api`] (bodies, views, mapping to core), [`store`] (queries), [`routes`] (operations).

pub mod api;
pub mod routes;
pub mod store;
