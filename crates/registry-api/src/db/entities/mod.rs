//! sea-orm entities, one file per table. Column types are chosen to mean the same on SQLite
//! and PostgreSQL: ids are text (UUIDv7, so they sort by creation), money is integer fen,
//! timestamps are UTC, the resident ID is only ever a sealed blob plus a keyed hash.

pub mod allowance_payment;
pub mod allowance_policy;
pub mod allowance_run;
pub mod allowance_run_change;
pub mod allowance_run_item;
pub mod api_key;
pub mod appraisal;
pub mod assignment;
pub mod audit_log;
pub mod continuing_education;
pub mod credential;
pub mod credit_entry;
pub mod event;
pub mod idempotency_key;
pub mod objection;
pub mod post;
pub mod registration;
pub mod unit;
pub mod worker;
