//! Worker self-service: `/api/v1/me` (own record, resident ID in clear), `/me/credentials`
//! (own credentials with their registrations) and `/me/access-log` (who else read or wrote
//! the worker's record, from the audit log).
//!
//! Worker role only (admins and hr get 403): the worker id comes from the token, never from
//! the path, so nothing here can name another worker. Other `/me/...` views live with their
//! resources, each in its own `#[OpenApi]` struct.

pub mod access_log;
pub mod api;
pub mod routes;
pub mod store;
