//! Allowance runs: a whole region's allowance decisions for a month, kept as an immutable
//! snapshot, compared with the previous run, signed off, paged and exported.
//!
//! - [`api`]: bodies (run summary with totals and changes, lines, pages) and stored totals.
//! - [`compute`]: makes a run (set-oriented loading, core `decide`, core totals and diff).
//! - [`in_progress`]: the runs this process is computing (one per region and month).
//! - [`unpublished`]: deletes the rows of runs computed but never published.
//! - [`lines`]: a run's lines written and read back a chunk at a time (JSON documents).
//! - [`store`]: queries on `allowance_runs`, `allowance_run_items`, `allowance_run_changes`.
//! - [`export`]: CSV (streamed) and XLSX (constant memory) exports with Chinese headers.
//! - [`routes`]: the `/api/v1/allowance-runs` operations.
//!
//! Architecture invariant: every amount, level and reason comes from core `decide`; totals
//! and differences from core `allowance::run`.

pub mod api;
pub mod compute;
pub mod export;
pub mod in_progress;
pub mod lines;
pub mod routes;
pub mod store;
pub mod unpublished;
