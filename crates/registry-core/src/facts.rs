//! References to the facts a decision used, so every answer can be traced to the records
//! behind it. Ids are the caller's (the service uses its database ids).

use std::fmt;

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

/// What kind of record a [`FactRef`] points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// A worker.
    Worker,
    /// A credential (certificate).
    Credential,
    /// A registration of a credential.
    Registration,
    /// A continuing-education record.
    ContinuingEducation,
    /// An organisation unit.
    Unit,
    /// A post.
    Post,
    /// An assignment of a worker to a post.
    Assignment,
    /// An annual appraisal.
    Appraisal,
    /// A credit-record entry.
    CreditEntry,
    /// An allowance policy version.
    Policy,
    /// An allowance already paid (one-off schemes).
    Payment,
    /// An allowance from another scheme (for no-stacking rules).
    OtherAllowance,
    /// A staffing target.
    StaffingTarget,
}

impl FactKind {
    /// Stable code, as in JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Worker => "worker",
            Self::Credential => "credential",
            Self::Registration => "registration",
            Self::ContinuingEducation => "continuing_education",
            Self::Unit => "unit",
            Self::Post => "post",
            Self::Assignment => "assignment",
            Self::Appraisal => "appraisal",
            Self::CreditEntry => "credit_entry",
            Self::Policy => "policy",
            Self::Payment => "payment",
            Self::OtherAllowance => "other_allowance",
            Self::StaffingTarget => "staffing_target",
        }
    }
}

/// A pointer to one record: its kind and the caller's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FactRef {
    /// Kind of record.
    pub kind: FactKind,
    /// The caller's id of the record.
    pub id: u64,
}

impl FactRef {
    /// Builds a reference.
    pub const fn new(kind: FactKind, id: u64) -> Self {
        Self { kind, id }
    }
}

impl fmt::Display for FactRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.code(), self.id)
    }
}

/// The facts one reason rests on; inline for up to two, so most reasons allocate nothing.
pub type Evidence = SmallVec<[FactRef; 2]>;

/// Something with a stable machine code and a Chinese and an English message.
/// Texts are `'static`: rendering costs nothing until a caller asks for them.
pub trait Explain {
    /// Stable code in SCREAMING_SNAKE_CASE, e.g. `REGISTRATION_LAPSED`.
    fn code(&self) -> &'static str;
    /// Chinese message.
    fn zh(&self) -> &'static str;
    /// English message.
    fn en(&self) -> &'static str;
}
