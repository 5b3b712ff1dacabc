//! The posts resource: `/api/v1/posts` and `/api/v1/posts/{id}`.
//!
//! Same layout as [`crate::workers`]: [`api`] (bodies and validation into
//! [`registry_core::post::Post`]), [`store`] (queries), [`routes`] (operations). A post
//! belongs to a unit and inherits its region, so it is scoped like its unit: a post of a unit
//! in another region is the same 404 as a missing one.

pub mod api;
pub mod routes;
pub mod store;
