//! Allowance policies as data: `/api/v1/allowance-policies` (create a version, list) and
//! `/api/v1/allowance-policies/{policy_id}/versions/{version}` (read one version).
//!
//! A version is the core `PolicyInput` JSON (the shape of `crates/registry-core/policies/*.json`),
//! checked by [`registry_core::allowance::AllowancePolicy::new`] and, together with every stored
//! version, by [`registry_core::allowance::PolicySet::new`]: a repeated version or one whose
//! months overlap another version for the same region is a 422 naming the field and rule.
//!
//! Versions are immutable, with one exception decided here: creating version `n` of a policy
//! whose earlier version for the same region is open-ended (no `until`) and starts before the
//! new one ends that earlier version the month before the new one starts, in the same
//! transaction, with its own audit entry (`end_allowance_policy`). Nothing else ever changes a
//! stored version, and old versions stay readable.
//!
//! [`api`] (bodies and views), [`store`] (queries), [`routes`] (operations), [`cache`] (the
//! parsed set kept per process, checked against a generation the database bumps on every
//! policy write).

pub mod api;
pub mod cache;
pub mod routes;
pub mod store;
