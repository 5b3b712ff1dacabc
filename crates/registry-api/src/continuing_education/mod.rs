//! The continuing-education resource: `/api/v1/workers/{worker_id}/continuing-education`
//! (create, list) and `/api/v1/continuing-education/{id}` (read).
//!
//! Append-only records (no update, no ETag), validated by
//! [`registry_core::registration::ContinuingEducation::new`]. Hours travel as a decimal
//! string with at most one decimal (`"12.5"`) and are stored as integer tenths. Scoped
//! through the worker.

pub mod api;
pub mod routes;
pub mod store;
