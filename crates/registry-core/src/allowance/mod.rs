//! Allowance policies (津贴 / 增发基本工资) as data, and the monthly decision.
//!
//! A linking program loads policies (its own, or the [`samples`]), gathers a worker's facts
//! and asks [`decide`]; the answer carries the amount, the level, the policy version and every
//! reason as a stable code with the ids of the facts used.

mod decide;
mod policy;
mod reason;
pub mod run;
pub mod samples;
mod worker_facts;

pub use decide::{Decision, PolicyRef, decide};
pub use policy::{
    AllowancePolicy, Conditions, DecisionRules, PerLevel, PolicyInput, PolicySet, ReferenceDay,
    Schedule, StartRule,
};
pub use reason::{Effect, Reason, ReasonCode};
pub use worker_facts::{AssignmentFact, OneOffPayment, OtherAllowance, WorkerFacts};

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
