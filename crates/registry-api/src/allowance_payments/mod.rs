//! One-off allowance payments: `/api/v1/workers/{worker_id}/allowance-payments` (record, list).
//!
//! An admin records what was paid under a one-off policy (policy id, level, month, amount);
//! the allowance decision reads these so an upgrade pays only the difference, exactly once.
//! Append-only: no update or delete (triggers refuse them too). Scoped through the worker.
//!
//! [`api`] (bodies and views), [`store`] (queries), [`routes`] (operations).

pub mod api;
pub mod routes;
pub mod store;
