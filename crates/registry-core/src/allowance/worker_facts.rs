//! The facts about one worker that an allowance decision reads. The caller gathers them
//! (the service from its database, a linking program from its own records); facts carry
//! their own effective dates, and the decision looks only at what was in force in the month.

use serde::{Deserialize, Serialize};

use crate::appraisal::Appraisal;
use crate::calendar::{MonthSpan, YearMonth};
use crate::credential::Credential;
use crate::credit::CreditEntry;
use crate::ids::RegionCode;
use crate::level::Level;
use crate::money::Yuan;
use crate::post::{Assignment, UnitType};
use crate::registration::Registration;

/// An assignment together with what the decision needs to know of its post and unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentFact {
    /// The assignment (worker, post, period, full- or part-time).
    pub assignment: Assignment,
    /// Type of the unit the post belongs to.
    pub unit_type: UnitType,
    /// The post's minimum credential level, if any.
    #[serde(default)]
    pub post_min_level: Option<Level>,
}

/// A one-off allowance already paid, so an upgrade pays only the difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneOffPayment {
    /// The caller's id of the payment.
    pub id: u64,
    /// Family id of the policy it was paid under.
    pub policy_id: String,
    /// Level it was paid for.
    pub level: Level,
    /// Month it was paid.
    pub month: YearMonth,
    /// Amount paid.
    pub amount: Yuan,
}

/// An allowance the worker receives from another scheme (for no-stacking rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherAllowance {
    /// The caller's id of the record.
    pub id: u64,
    /// Scheme code, matched against `Conditions::not_stackable_with`.
    pub scheme: String,
    /// Months it is received.
    pub span: MonthSpan,
}

/// Everything the decision reads about one worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerFacts {
    /// The worker's id.
    pub worker_id: u64,
    /// The region whose policy applies (the region of the worker's record or unit).
    pub region: RegionCode,
    /// Credentials held, in any status.
    #[serde(default)]
    pub credentials: Vec<Credential>,
    /// Registrations of those credentials.
    #[serde(default)]
    pub registrations: Vec<Registration>,
    /// Assignments to posts.
    #[serde(default)]
    pub assignments: Vec<AssignmentFact>,
    /// Annual appraisals (append-only; corrections point at what they correct).
    #[serde(default)]
    pub appraisals: Vec<Appraisal>,
    /// Credit-record entries of the worker.
    #[serde(default)]
    pub credit_entries: Vec<CreditEntry>,
    /// One-off allowances already paid.
    #[serde(default)]
    pub payments: Vec<OneOffPayment>,
    /// Allowances from other schemes.
    #[serde(default)]
    pub other_allowances: Vec<OtherAllowance>,
}

impl WorkerFacts {
    /// Facts for a worker with nothing on record yet.
    pub fn new(worker_id: u64, region: RegionCode) -> Self {
        Self {
            worker_id,
            region,
            credentials: Vec::new(),
            registrations: Vec::new(),
            assignments: Vec::new(),
            appraisals: Vec::new(),
            credit_entries: Vec::new(),
            payments: Vec::new(),
            other_allowances: Vec::new(),
        }
    }
}
