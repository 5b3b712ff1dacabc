//! The credentials resource: `/api/v1/workers/{worker_id}/credentials` (create, list) and
//! `/api/v1/credentials/{id}` (read, update).
//!
//! Same layout as [`crate::workers`]: [`api`] (bodies and validation with
//! [`registry_core::credential::Credential::new`]), [`store`] (queries), [`routes`]
//! (operations). A credential is scoped through its worker: whoever may read the worker may
//! read its credentials (admin and hr of the worker's region, the worker themself); only the
//! region's admins write them.

pub mod api;
pub mod routes;
pub mod store;
