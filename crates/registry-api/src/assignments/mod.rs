//! The assignments resource: `/api/v1/assignments` and `/api/v1/assignments/{id}`.
//!
//! Same layout as [`crate::workers`]: [`api`] (bodies; validation with
//! [`registry_core::post::Assignment::new`], which refuses part-time on a post that forbids
//! it), [`store`] (queries), [`routes`] (operations). An assignment touches two scopes: the
//! worker's and the post's. Admins and hr see it when both lie in their region, a worker
//! sees their own; writes need an admin whose region holds both. Only the end date can be
//! updated.

pub mod api;
pub mod routes;
pub mod store;
