//! The registrations resource: `/api/v1/credentials/{id}/registrations` (create, list) and
//! `/api/v1/registrations/{id}` (read).
//!
//! Registrations are append-only records: no update, so no `version` or ETag. `valid_until`
//! is computed by [`registry_core::registration::Registration::new`] with the default
//! (national) rules. Scoped through the credential's worker, like credentials.

pub mod api;
pub mod routes;
pub mod store;
