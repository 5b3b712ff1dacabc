//! The change feed (`GET /api/v1/events`): one event per eligibility-relevant write, so
//! payroll systems can follow the register without polling every worker.
//!
//! - [`relevance`]: the one table of which writes are reported and with which kind.
//! - [`mod@record`]: the write side; [`record()`] is called next to `audit::append`, in
//!   the write's own transaction: centrally in `crate::create::create_once` for every
//!   create, in the `If-Match` update handlers (credentials, assignments, posts, units,
//!   workers) and in `crate::credit::routes::append_entry` for credit entries; and
//!   [`record_created_batch()`] in `crate::bulk::import`, one event per imported row (the
//!   same events the API's creates append; rows skipped as already stored append none). A
//!   rejected write rolls back with its event; an idempotent replay writes nothing and so no
//!   event.
//! - [`store`], [`api`], [`routes`]: the read side.
//!
//! ## Architecture invariant: a follower never misses an event
//!
//! `seq` is gap-free and events become visible in `seq` order: whenever a reader can see
//! event `n`, it can see every event below `n`. A writer takes `seq = last + 1` under a lock
//! it holds until its transaction ends (the audit lock, `pg_advisory_xact_lock` on
//! PostgreSQL; the `BEGIN IMMEDIATE` write lock on SQLite), so the next writer reads `last`
//! only after the previous writer committed (or rolled back, freeing its number): numbers are
//! handed out in commit order. A reader that saw everything up to `n` and asks for
//! `after = n` therefore gets every later event exactly once; no event can commit later
//! with a number at or below `n`. (An auto-increment or a sequence would not do: numbers are
//! taken at insert time, and a transaction holding 7 can commit after one holding 8.)
//!
//! ## What an event tells, and whom
//!
//! Ids only: kind, resource type and id, worker id, region and time. No names, ID numbers
//! or record contents: for credit entries, hr learns that an entry was added, not what it
//! says. Reading the feed is not audited as a read of a personal record, for that reason;
//! reading the resource it names is. Admin and hr see the events of their region and below
//! (see [`store::page`]); workers get 403.

pub mod api;
pub mod record;
pub mod relevance;
pub mod routes;
pub mod store;

pub use record::{Change, CreatedRow, record, record_created_batch, record_credit_entry};
