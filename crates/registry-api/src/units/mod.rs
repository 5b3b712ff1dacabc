//! The organisation-units resource: `/api/v1/units` and `/api/v1/units/{id}`.
//!
//! Same layout as [`crate::workers`]: [`api`] (bodies and validation into
//! [`registry_core::post::OrganisationUnit`]), [`store`] (queries), [`routes`] (operations).
//! Units are region-scoped: admins and hr read units of their region, admins write them;
//! workers see none. Posts and assignments copy their unit's region; moving a unit to
//! another region moves them in the same transaction.

pub mod api;
pub mod routes;
pub mod store;
