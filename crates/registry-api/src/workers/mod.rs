//! The workers resource: `/api/v1/workers` and `/api/v1/workers/{id}`.
//!
//! The template every later resource follows:
//! - [`api`]: request and response `Object`s (snake_case, `deny_unknown_fields` on requests)
//!   and their validation into core types (`parse, don't validate`);
//! - [`store`]: the sea-orm queries, taking a connection or a transaction;
//! - [`routes`]: one `#[OpenApi]` impl per path group; each operation authenticates
//!   ([`crate::auth::Auth`]), checks scope on the fetched row, writes inside
//!   [`crate::db::begin_write`] with [`crate::audit::append`] (and [`crate::idempotency`] for
//!   creates, [`crate::concurrency`] for updates) in the same transaction.

pub mod api;
pub mod routes;
pub mod store;
