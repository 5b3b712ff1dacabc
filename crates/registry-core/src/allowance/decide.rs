//! The monthly allowance decision: `decide(facts, policies, month) -> Decision`.
//!
//! Steps, each adding reasons with the facts they rest on:
//! 1. select the policy: most specific region containing the worker's, in force in the month;
//! 2. fix the reference day (month end by default) and find the credentials that qualify
//!    (issued, valid status, valid in the region, registered, past the start month, covered
//!    by the schedule); the highest qualifying level is used;
//! 3. post conditions (covered unit type, full-time, part-time limit, tenure, post level);
//! 4. previous-year appraisal; 5. credit lists; 6. no stacking;
//! 7. the amount by schedule kind (monthly, one-off difference, grade steps, time-limited).
//!
//! Eligible means no reason blocks. An ineligible decision pays zero.

use std::sync::Arc;

use serde::Serialize;
use smallvec::SmallVec;
use time::Date;

use super::policy::{AllowancePolicy, PolicySet, ReferenceDay, Schedule, StartRule};
use super::reason::{Effect, Reason, ReasonCode};
use super::worker_facts::{AssignmentFact, WorkerFacts};
use crate::appraisal::appraisal_for;
use crate::calendar::{YearMonth, whole_months_between};
use crate::credential::{Credential, CredentialStatus};
use crate::credit::{CreditStatus, credit_standing};
use crate::facts::{Evidence, FactKind, FactRef};
use crate::ids::RegionCode;
use crate::level::Level;
use crate::money::Yuan;
use crate::post::{TimeBasis, part_time_month};
use crate::registration::{RegistrationKind, RegistrationState, registration_state};

/// Which policy version a decision used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRef {
    /// Family id.
    pub id: Arc<str>,
    /// Version.
    pub version: u32,
    /// The policy's region.
    pub region: RegionCode,
    /// Schedule kind code, e.g. `monthly_per_level`.
    pub schedule_kind: &'static str,
    /// Whether the policy's figures are sample configuration.
    pub sample: bool,
}

/// The answer for one worker and one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The worker.
    pub worker_id: u64,
    /// The payroll month.
    pub month: YearMonth,
    /// The day conditions were checked on.
    pub reference_date: Date,
    /// Whether the allowance is owed for the month.
    pub eligible: bool,
    /// Yuan owed for the month (zero when not eligible or for grade-step schemes).
    pub amount: Yuan,
    /// Salary-grade steps owed, for grade-step schemes.
    pub grade_steps: Option<u8>,
    /// The credential level the answer is based on.
    pub level: Option<Level>,
    /// The policy version used.
    pub policy: Option<PolicyRef>,
    /// Every reason, in the order the rules were applied.
    pub reasons: Vec<Reason>,
}

impl Decision {
    /// The reasons that made the worker ineligible.
    pub fn blocking(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|r| r.effect == Effect::Blocks)
    }

    /// Whether a reason with `code` was given.
    pub fn has(&self, code: ReasonCode) -> bool {
        self.reasons.iter().any(|r| r.code == code)
    }

    /// Every fact the decision used, sorted and without repeats.
    pub fn facts_used(&self) -> Vec<FactRef> {
        let mut all: Vec<FactRef> = self
            .reasons
            .iter()
            .flat_map(|r| r.evidence.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

fn fact(kind: FactKind, id: u64) -> Option<FactRef> {
    Some(FactRef::new(kind, id))
}

/// A credential that qualifies under the policy, with what made it qualify.
struct Qualified<'a> {
    credential: &'a Credential,
    registration: Option<(u64, bool)>,
    start: YearMonth,
}

/// Decides whether the worker is owed the allowance in `month`, how much, and why.
///
/// ```
/// use registry_core::allowance::{decide, samples, ReasonCode, WorkerFacts};
/// use registry_core::calendar::YearMonth;
/// use registry_core::ids::RegionCode;
///
/// let policies = samples::sample_policies();
/// let facts = WorkerFacts::new(1, RegionCode::parse("510104").unwrap());
/// let d = decide(&facts, &policies, YearMonth::parse("2026-03").unwrap());
/// assert!(!d.eligible);
/// assert!(d.has(ReasonCode::NoCredential));
/// assert_eq!(d.amount.to_string(), "0.00");
/// ```
pub fn decide(facts: &WorkerFacts, policies: &PolicySet, month: YearMonth) -> Decision {
    let mut reasons: Vec<Reason> = Vec::with_capacity(10);
    let Some(policy) = policies.select(&facts.region, month) else {
        reasons.push(Reason::new(ReasonCode::NoPolicy, Effect::Blocks, None));
        return finish(
            facts,
            month,
            month.last_day(),
            None,
            None,
            Yuan::ZERO,
            None,
            reasons,
        );
    };
    let c = policy.conditions();
    let day = match c.reference_day {
        ReferenceDay::MonthEnd => month.last_day(),
        ReferenceDay::MonthStart => month.first_day(),
    };
    reasons.push(Reason::new(
        ReasonCode::PolicyApplied,
        Effect::Supports,
        None,
    ));

    // 2. Credentials.
    let mut qualified: SmallVec<[Qualified<'_>; 4]> = SmallVec::new();
    let mut refused: SmallVec<[(Level, Reason); 4]> = SmallVec::new();
    for cred in &facts.credentials {
        match qualify(cred, facts, policies, policy, month, day) {
            Qualification::NotIssued => {}
            Qualification::Refused(r) => refused.push((cred.level(), r)),
            Qualification::Qualified(q) => qualified.push(q),
        }
    }
    let used = qualified.iter().max_by(|a, b| {
        (
            a.credential.level(),
            std::cmp::Reverse(a.credential.issue_date()),
        )
            .cmp(&(
                b.credential.level(),
                std::cmp::Reverse(b.credential.issue_date()),
            ))
    });
    let level = used.map(|q| q.credential.level());
    match used {
        None if refused.is_empty() => {
            reasons.push(Reason::new(ReasonCode::NoCredential, Effect::Blocks, None));
        }
        None => reasons.extend(refused.into_iter().map(|(_, mut r)| {
            r.effect = Effect::Blocks;
            r
        })),
        Some(q) => {
            let cid = q.credential.id();
            reasons.push(Reason::new(
                ReasonCode::CredentialUsed,
                Effect::Supports,
                fact(FactKind::Credential, cid),
            ));
            if let Some((rid, renewal_due)) = q.registration {
                reasons.push(Reason::new(
                    ReasonCode::RegistrationValid,
                    Effect::Supports,
                    fact(FactKind::Registration, rid),
                ));
                if renewal_due {
                    reasons.push(Reason::new(
                        ReasonCode::RegistrationRenewalDue,
                        Effect::Notes,
                        fact(FactKind::Registration, rid),
                    ));
                }
            }
            let used_level = q.credential.level();
            reasons.extend(
                refused
                    .into_iter()
                    .filter(|(l, _)| *l > used_level)
                    .map(|(_, r)| r),
            );
        }
    }

    // 3. Post.
    if c.requires_post {
        post_reasons(facts, policy, level, day, &mut reasons);
    }

    // 4. Previous year's appraisal.
    if let Some(min) = c.min_previous_year_grade {
        match appraisal_for(&facts.appraisals, facts.worker_id, month.year() - 1) {
            None => reasons.push(Reason::new(
                ReasonCode::AppraisalMissing,
                if c.missing_appraisal_blocks {
                    Effect::Blocks
                } else {
                    Effect::Notes
                },
                None,
            )),
            Some(a) if a.grade() < min => reasons.push(Reason::new(
                ReasonCode::AppraisalBelowMinimum,
                Effect::Blocks,
                fact(FactKind::Appraisal, a.id()),
            )),
            Some(a) => reasons.push(Reason::new(
                ReasonCode::AppraisalMet,
                Effect::Supports,
                fact(FactKind::Appraisal, a.id()),
            )),
        }
    }

    // 5. Credit lists.
    if c.exclude_serious_list || c.exclude_abnormal_list {
        credit_reasons(facts, policies, policy, day, &mut reasons);
    }

    // 6. No stacking.
    for other in &facts.other_allowances {
        if other.span.contains(month) && c.not_stackable_with.contains(&other.scheme) {
            reasons.push(Reason::new(
                ReasonCode::StackingNotAllowed,
                Effect::Blocks,
                fact(FactKind::OtherAllowance, other.id),
            ));
        }
    }

    // 7. Amount.
    let mut amount = Yuan::ZERO;
    let mut grade_steps = None;
    if let Some(q) = used {
        let cref = fact(FactKind::Credential, q.credential.id());
        let lvl = q.credential.level();
        let stacked_levels = || {
            let mut levels: SmallVec<[Level; 4]> =
                qualified.iter().map(|q| q.credential.level()).collect();
            levels.sort_unstable();
            levels.dedup();
            levels
        };
        match policy.schedule() {
            Schedule::MonthlyPerLevel { amounts }
            | Schedule::TimeLimitedMonthly { amounts, .. } => {
                if let Schedule::TimeLimitedMonthly {
                    duration_months, ..
                } = policy.schedule()
                    && q.start.months_until(month) >= i64::from(*duration_months)
                {
                    reasons.push(Reason::new(
                        ReasonCode::DurationExpired,
                        Effect::Blocks,
                        cref,
                    ));
                }
                amount = if c.highest_level_only {
                    amounts.get(lvl).unwrap_or(Yuan::ZERO)
                } else {
                    stacked_levels()
                        .iter()
                        .filter_map(|l| amounts.get(*l))
                        .fold(Yuan::ZERO, |acc, a| acc.plus(a))
                };
                reasons.push(Reason::new(
                    ReasonCode::AmountMonthly,
                    Effect::Supports,
                    cref,
                ));
            }
            Schedule::OneOffPerLevel { amounts } => {
                let mut paid = Yuan::ZERO;
                let mut paid_top: Option<Level> = None;
                let mut evidence = Evidence::new();
                for p in facts
                    .payments
                    .iter()
                    .filter(|p| p.month < month && *p.policy_id == **policy.id())
                {
                    paid = paid.plus(p.amount);
                    paid_top = paid_top.max(Some(p.level));
                    evidence.push(FactRef::new(FactKind::Payment, p.id));
                }
                let due = amounts.get(lvl).unwrap_or(Yuan::ZERO).saturating_sub(paid);
                if paid_top.is_some_and(|t| t >= lvl) || due == Yuan::ZERO {
                    reasons.push(Reason {
                        code: ReasonCode::OneOffAlreadyPaid,
                        effect: Effect::Blocks,
                        evidence,
                    });
                } else if paid_top.is_some() {
                    evidence.extend(cref);
                    amount = due;
                    reasons.push(Reason {
                        code: ReasonCode::AmountOneOffDifference,
                        effect: Effect::Supports,
                        evidence,
                    });
                } else {
                    amount = due;
                    reasons.push(Reason::new(
                        ReasonCode::AmountOneOff,
                        Effect::Supports,
                        cref,
                    ));
                }
            }
            Schedule::GradeSteps { steps } => {
                let n = if c.highest_level_only {
                    steps.get(lvl).unwrap_or(0)
                } else {
                    stacked_levels()
                        .iter()
                        .filter_map(|l| steps.get(*l))
                        .fold(0u8, u8::saturating_add)
                };
                grade_steps = Some(n);
                reasons.push(Reason::new(ReasonCode::GradeSteps, Effect::Supports, cref));
            }
        }
    }

    finish(
        facts,
        month,
        day,
        level,
        Some(policy),
        amount,
        grade_steps,
        reasons,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
    facts: &WorkerFacts,
    month: YearMonth,
    day: Date,
    level: Option<Level>,
    policy: Option<&AllowancePolicy>,
    amount: Yuan,
    grade_steps: Option<u8>,
    reasons: Vec<Reason>,
) -> Decision {
    let eligible = !reasons.iter().any(|r| r.effect == Effect::Blocks);
    Decision {
        worker_id: facts.worker_id,
        month,
        reference_date: day,
        eligible,
        amount: if eligible { amount } else { Yuan::ZERO },
        grade_steps: if eligible { grade_steps } else { None },
        level,
        policy: policy.map(|p| PolicyRef {
            id: Arc::clone(p.id()),
            version: p.version(),
            region: p.region(),
            schedule_kind: p.schedule().kind_code(),
            sample: p.is_sample(),
        }),
        reasons,
    }
}

enum Qualification<'a> {
    NotIssued,
    Refused(Reason),
    Qualified(Qualified<'a>),
}

fn qualify<'a>(
    cred: &'a Credential,
    facts: &WorkerFacts,
    policies: &PolicySet,
    policy: &AllowancePolicy,
    month: YearMonth,
    day: Date,
) -> Qualification<'a> {
    let c = policy.conditions();
    let cref = fact(FactKind::Credential, cred.id());
    let refuse = |code| Qualification::Refused(Reason::new(code, Effect::Notes, cref));
    match cred.status_on(day) {
        None => return Qualification::NotIssued,
        Some(CredentialStatus::Suspended) => return refuse(ReasonCode::CredentialSuspended),
        Some(CredentialStatus::Revoked) => return refuse(ReasonCode::CredentialRevoked),
        Some(CredentialStatus::Valid) => {}
    }
    if cred
        .valid_region()
        .is_some_and(|r| !r.contains(&facts.region))
    {
        return refuse(ReasonCode::CredentialRegionMismatch);
    }
    if !policy.schedule().covers(cred.level()) {
        return refuse(ReasonCode::LevelNotInSchedule);
    }
    let mut registration = None;
    if c.registered_credential {
        let state = registration_state(
            cred,
            &facts.registrations,
            day,
            &policies.rules().registration,
        );
        match state {
            (RegistrationState::Registered { .. }, Some(id)) => registration = Some((id, false)),
            (RegistrationState::InRenewalWindow { .. }, Some(id)) => {
                registration = Some((id, true))
            }
            (RegistrationState::Lapsed { .. }, id) => {
                return Qualification::Refused(Reason::new(
                    ReasonCode::RegistrationLapsed,
                    Effect::Notes,
                    id.and_then(|i| fact(FactKind::Registration, i)).or(cref),
                ));
            }
            _ => return refuse(ReasonCode::RegistrationMissing),
        }
    }
    let start = match c.start_rule {
        StartRule::IssueMonth => YearMonth::of(cred.issue_date()),
        StartRule::MonthAfterIssue => YearMonth::of(cred.issue_date()).plus(1),
        StartRule::RegistrationMonth => {
            let first = facts
                .registrations
                .iter()
                .filter(|r| r.credential_id() == cred.id() && r.registered_on() <= day)
                .min_by_key(|r| (r.kind() != RegistrationKind::First, r.registered_on()));
            match first {
                Some(r) => YearMonth::of(r.registered_on()),
                None => return refuse(ReasonCode::RegistrationMissing),
            }
        }
    };
    if month < start {
        return refuse(ReasonCode::BeforeStartMonth);
    }
    Qualification::Qualified(Qualified {
        credential: cred,
        registration,
        start,
    })
}

fn post_reasons(
    facts: &WorkerFacts,
    policy: &AllowancePolicy,
    level: Option<Level>,
    day: Date,
    reasons: &mut Vec<Reason>,
) {
    let c = policy.conditions();
    let aref = |a: &AssignmentFact| fact(FactKind::Assignment, a.assignment.id());
    let mut active = facts
        .assignments
        .iter()
        .filter(|a| a.assignment.is_active_on(day))
        .peekable();
    let Some(first_active) = active.peek().copied() else {
        reasons.push(Reason::new(ReasonCode::NoPost, Effect::Blocks, None));
        return;
    };
    let covered = |a: &&AssignmentFact| {
        c.covered_unit_types
            .as_ref()
            .is_none_or(|types| types.contains(&a.unit_type))
    };
    let within_limit = |a: &AssignmentFact| match c.part_time_max_months {
        Some(max) => part_time_month(&a.assignment, day).is_none_or(|m| m <= max),
        None => true,
    };
    // Prefer a full-time covered post, then a part-time one within the limit; earliest start first.
    let mut best: Option<&AssignmentFact> = None;
    let mut any_covered: Option<&AssignmentFact> = None;
    for a in active.filter(covered) {
        any_covered.get_or_insert(a);
        let full = a.assignment.basis() == TimeBasis::FullTime;
        let acceptable = full || (!c.full_time_only && within_limit(a));
        if !acceptable {
            continue;
        }
        let better = match best {
            None => true,
            Some(b) => {
                let b_full = b.assignment.basis() == TimeBasis::FullTime;
                (full, std::cmp::Reverse(a.assignment.period().start()))
                    > (b_full, std::cmp::Reverse(b.assignment.period().start()))
            }
        };
        if better {
            best = Some(a);
        }
    }
    let Some(chosen) = best else {
        match any_covered {
            None => reasons.push(Reason::new(
                ReasonCode::PostNotCovered,
                Effect::Blocks,
                aref(first_active),
            )),
            Some(a) if c.full_time_only => {
                reasons.push(Reason::new(
                    ReasonCode::NotFullTime,
                    Effect::Blocks,
                    aref(a),
                ));
            }
            Some(a) => reasons.push(Reason::new(
                ReasonCode::PartTimeLimitExceeded,
                Effect::Blocks,
                aref(a),
            )),
        }
        return;
    };
    if let Some(min) = c.min_tenure_months
        && whole_months_between(chosen.assignment.period().start(), day) < i64::from(min)
    {
        reasons.push(Reason::new(
            ReasonCode::TenureTooShort,
            Effect::Blocks,
            aref(chosen),
        ));
    }
    if c.credential_meets_post_level
        && let (Some(min), Some(l)) = (chosen.post_min_level, level)
        && l < min
    {
        reasons.push(Reason::new(
            ReasonCode::PostLevelNotMet,
            Effect::Blocks,
            aref(chosen),
        ));
    }
    reasons.push(Reason::new(
        ReasonCode::PostCovered,
        Effect::Supports,
        aref(chosen),
    ));
}

fn credit_reasons(
    facts: &WorkerFacts,
    policies: &PolicySet,
    policy: &AllowancePolicy,
    day: Date,
    reasons: &mut Vec<Reason>,
) {
    let c = policy.conditions();
    if facts.credit_entries.is_empty() {
        reasons.push(Reason::new(ReasonCode::CreditClear, Effect::Supports, None));
        return;
    }
    let report = credit_standing(&facts.credit_entries, day, &policies.rules().credit);
    let excluded = match report.standing {
        CreditStatus::Serious => Some(ReasonCode::CreditSeriousList)
            .filter(|_| c.exclude_serious_list || c.exclude_abnormal_list),
        CreditStatus::Abnormal => {
            Some(ReasonCode::CreditAbnormalList).filter(|_| c.exclude_abnormal_list)
        }
        _ => None,
    };
    match excluded {
        Some(code) => reasons.push(Reason {
            code,
            effect: Effect::Blocks,
            evidence: report.deciding_entries,
        }),
        None => reasons.push(Reason::new(ReasonCode::CreditClear, Effect::Supports, None)),
    }
    if report.status == CreditStatus::Disputed {
        reasons.push(Reason {
            code: ReasonCode::CreditDisputed,
            effect: Effect::Notes,
            evidence: report
                .pending_objections
                .iter()
                .map(|id| FactRef::new(FactKind::CreditEntry, *id))
                .collect(),
        });
    }
}
