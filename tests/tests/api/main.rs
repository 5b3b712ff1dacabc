//! Black-box tests of the running service: each test starts the real server in-process on
//! `127.0.0.1:0` against a fresh database, once on SQLite and once on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod decisions_support;
mod helpers;

mod allowance;
mod allowance_runs;
mod appraisals;
mod assignments;
mod audit;
mod auth;
mod bulk;
mod busy;
mod continuing_education;
mod credentials;
mod credit;
mod errors;
mod events;
mod idempotency;
mod ladder;
mod me;
mod objections;
mod persistence;
mod policies;
mod posts;
mod rate_limits;
mod registrations;
mod spec;
mod staffing;
mod units;
mod verifications;
mod workers;
