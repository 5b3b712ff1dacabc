//! # registry-core
//!
//! The pure domain library of the social-worker registry. It answers, in-process and with
//! reasons, the questions the registry exists for: is this identifier valid, is this
//! credential registered on a date, what does a worker lack for the next level, is a
//! part-time post over its limit, what is a worker's credit standing, is the worker owed the
//! credential allowance this month and why, does a region meet its staffing targets.
//!
//! Architecture invariant: nothing here does I/O, async, HTTP or SQL. Every function takes
//! facts and rules (policy data) and returns a value; the same inputs always give the same
//! answer. Types can only hold valid values: parse errors name the field and the rule
//! ([`error::FieldError`]).
//!
//! Module map:
//! - [`ids`]: resident ID, unified social credit code, region code, certificate number;
//! - [`calendar`], [`money`], [`level`], [`facts`]: the vocabulary the rules are written in;
//! - [`credential`], [`registration`], [`ladder`]: certificates, registration and continuing
//!   education, and the exam-eligibility ladder;
//! - [`post`], [`staffing`]: organisation units, posts, assignments and staffing targets;
//! - [`appraisal`], [`credit`]: the append-only records of annual appraisals and credit;
//! - [`allowance`]: allowance policies and the monthly decision.
#![warn(missing_docs)]

pub mod allowance;
pub mod appraisal;
pub mod calendar;
pub mod credential;
pub mod credit;
pub mod error;
pub mod facts;
pub mod ids;
pub mod ladder;
pub mod level;
pub mod money;
pub mod post;
pub mod registration;
pub mod staffing;

pub use error::{FieldError, RuleViolation};
pub use facts::{Evidence, Explain, FactKind, FactRef};
pub use level::Level;
