//! Response bodies of the decisions: allowance, ladder, staffing. Built from the core answers
//! with the core ids translated back to the API's ids ([`super::facts::FactIds`]).

use poem_openapi::{Enum, Object};
use registry_core::Explain;
use registry_core::allowance::{Decision, Effect as CoreEffect};
use registry_core::facts::{FactKind, FactRef};
use registry_core::ladder::{LadderAnswer, Missing};
use registry_core::staffing::{StaffingReport, UnitCompliance};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use super::facts::FactIds;
use crate::mirror::Level;

/// What a reason did to the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// A condition that holds and supports payment.
    Supports,
    /// A condition that fails: not eligible this month.
    Blocks,
    /// Worth knowing; changes nothing.
    Notes,
}

crate::mirror_enum!(Effect, CoreEffect, [Supports, Blocks, Notes]);

/// A pointer to one record the answer rests on.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub struct Evidence {
    /// Kind of record: `credential`, `registration`, `assignment`, `unit`, `post`,
    /// `appraisal`, `credit_entry`, `payment`, `staffing_target`, ...
    pub kind: String,
    /// The record's id (a UUID; for a staffing target, the target's id in the policy data).
    pub id: String,
}

/// One reason of an allowance decision.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub struct Reason {
    /// Stable code, e.g. `REGISTRATION_LAPSED`.
    pub code: String,
    /// Whether it supports, blocks or annotates the decision.
    pub effect: Effect,
    /// Chinese message.
    pub zh: String,
    /// English message.
    pub en: String,
    /// The records it rests on.
    pub evidence: Vec<Evidence>,
    /// True when credit-record evidence was withheld from the caller (hr never sees credit
    /// details; the code stays).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_redacted: Option<bool>,
}

/// A record the decision used, with when it is in force and when it was recorded.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub struct FactUsed {
    /// Kind of record.
    pub kind: String,
    /// The record's id.
    pub id: String,
    /// First day (or month) in force.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<String>,
    /// Last day (or month) in force.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_until: Option<String>,
    /// When the record was last written (UTC): a record written after a month was paid
    /// explains why the answer for that month changed.
    #[serde(with = "crate::serde_json_response::date_time")]
    pub recorded_at: OffsetDateTime,
}

/// The policy version a decision used.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub struct PolicyUsed {
    /// Family id.
    pub policy_id: String,
    /// Version.
    pub version: u32,
    /// The policy's region.
    pub region: String,
    /// Schedule kind, e.g. `monthly_per_level`.
    pub schedule_kind: String,
    /// Whether the figures are sample configuration.
    pub sample: bool,
    /// When the version was recorded (UTC).
    #[oai(skip_serializing_if_is_none)]
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_json_response::option_date_time"
    )]
    pub recorded_at: Option<OffsetDateTime>,
}

/// The allowance decision for one worker and one month.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub struct AllowanceDecision {
    /// The worker.
    pub worker_id: String,
    /// The payroll month, `YYYY-MM`.
    pub month: String,
    /// The day the conditions were checked on.
    #[serde(with = "crate::dates")]
    pub reference_date: Date,
    /// Whether the allowance is owed for the month.
    pub eligible: bool,
    /// Yuan owed, two decimals (`"0.00"` when not eligible or for grade-step schemes).
    pub amount: String,
    /// Salary-grade steps owed, for grade-step schemes.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade_steps: Option<u8>,
    /// The credential level the answer is based on.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The policy version used; absent when no policy covers the region and month.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyUsed>,
    /// Every reason, in the order the rules were applied.
    pub reasons: Vec<Reason>,
    /// Every record the decision used.
    pub facts_used: Vec<FactUsed>,
}

/// Whether the caller may see credit-record details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreditDetails {
    /// Shown (admin, the worker themself).
    Shown,
    /// Withheld (hr).
    Redacted,
}

fn evidence(ids: &FactIds, r: &FactRef) -> Option<Evidence> {
    ids.info(*r).map(|i| Evidence {
        kind: r.kind.code().to_owned(),
        id: i.id.clone(),
    })
}

impl AllowanceDecision {
    /// The response for a core decision.
    pub fn view(
        worker_id: &str,
        d: &Decision,
        ids: &FactIds,
        policy_recorded_at: Option<OffsetDateTime>,
        credit: CreditDetails,
    ) -> Self {
        let hidden =
            |r: &FactRef| credit == CreditDetails::Redacted && r.kind == FactKind::CreditEntry;
        let reasons = d
            .reasons
            .iter()
            .map(|r| {
                let redacted = r.evidence.iter().any(hidden);
                Reason {
                    code: r.code.code().to_owned(),
                    effect: r.effect.into(),
                    zh: r.code.zh().to_owned(),
                    en: r.code.en().to_owned(),
                    evidence: r
                        .evidence
                        .iter()
                        .filter(|e| !hidden(e))
                        .filter_map(|e| evidence(ids, e))
                        .collect(),
                    evidence_redacted: redacted.then_some(true),
                }
            })
            .collect();
        let facts_used = d
            .facts_used()
            .iter()
            .filter(|r| !hidden(r))
            .filter_map(|r| {
                ids.info(*r).map(|i| FactUsed {
                    kind: r.kind.code().to_owned(),
                    id: i.id.clone(),
                    effective_from: i.effective_from.clone(),
                    effective_until: i.effective_until.clone(),
                    recorded_at: i.recorded_at,
                })
            })
            .collect();
        Self {
            worker_id: worker_id.to_owned(),
            month: d.month.to_string(),
            reference_date: d.reference_date,
            eligible: d.eligible,
            amount: d.amount.to_string(),
            grade_steps: d.grade_steps,
            level: d.level.map(Level::from),
            policy: d.policy.as_ref().map(|p| PolicyUsed {
                policy_id: p.id.to_string(),
                version: p.version,
                region: p.region.as_str().to_owned(),
                schedule_kind: p.schedule_kind.to_owned(),
                sample: p.sample,
                recorded_at: policy_recorded_at,
            }),
            reasons,
            facts_used,
        }
    }
}

/// One thing a route requires that the worker lacks.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub struct MissingItem {
    /// Stable code, e.g. `LADDER_EXPERIENCE_SHORT`.
    pub code: String,
    /// Chinese message.
    pub zh: String,
    /// English message.
    pub en: String,
    /// Minimum education, for `LADDER_EDUCATION_TOO_LOW`.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_education: Option<String>,
    /// Years required, for `LADDER_EXPERIENCE_SHORT`.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_years: Option<u32>,
    /// Whole months counted by 31 December of the exam year, for `LADDER_EXPERIENCE_SHORT`.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counted_months: Option<u32>,
    /// Credential level required, for `LADDER_CREDENTIAL_REQUIRED`.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

impl MissingItem {
    fn view(m: &Missing) -> Self {
        let mut out = Self {
            code: m.code().to_owned(),
            zh: m.zh().to_owned(),
            en: m.en().to_owned(),
            required_education: None,
            required_years: None,
            counted_months: None,
            level: None,
        };
        match *m {
            Missing::Education { required } => {
                out.required_education = serde_json::to_value(required)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned));
            }
            Missing::SocialWorkMajor => {}
            Missing::Experience {
                required_years,
                counted_months,
            } => {
                out.required_years = Some(required_years);
                out.counted_months = Some(counted_months);
            }
            Missing::Credential { level } => out.level = Some(level.into()),
        }
        out
    }
}

/// How one exam route stands for the worker.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub struct RouteView {
    /// The route's id, e.g. `assistant.high_school`.
    pub route_id: String,
    /// Whether the worker may sit this year's exam by this route.
    pub satisfied: bool,
    /// First exam year the route is met, assuming ongoing experience continues.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest_exam_year: Option<i32>,
    /// What is lacking this year (empty when satisfied).
    pub missing: Vec<MissingItem>,
}

/// The worker's next step on the credential ladder.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub struct LadderView {
    /// The worker.
    pub worker_id: String,
    /// The day asked about.
    #[serde(with = "crate::dates")]
    pub as_of: Date,
    /// Highest level held with a valid status on the day.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Level>,
    /// The next level; absent at the top.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Level>,
    /// The exam year considered (the year of `as_of`).
    pub exam_year: i32,
    /// Whether the worker may sit the next level's exam this year.
    pub may_sit_now: bool,
    /// The earliest exam year some route is met, if any.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub earliest_exam_year: Option<i32>,
    /// The route giving `earliest_exam_year`.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_route: Option<String>,
    /// Every route to `next`, with what is missing.
    pub routes: Vec<RouteView>,
    /// The credentials used.
    pub evidence: Vec<Evidence>,
}

impl LadderView {
    /// The response for a core answer.
    pub fn view(worker_id: &str, as_of: Date, a: &LadderAnswer, ids: &FactIds) -> Self {
        Self {
            worker_id: worker_id.to_owned(),
            as_of,
            current: a.current.map(Level::from),
            next: a.next.map(Level::from),
            exam_year: a.exam_year,
            may_sit_now: a.may_sit_now,
            earliest_exam_year: a.earliest_exam_year,
            best_route: a.best_route.clone(),
            routes: a
                .routes
                .iter()
                .map(|r| RouteView {
                    route_id: r.route_id.clone(),
                    satisfied: r.satisfied,
                    earliest_exam_year: r.earliest_exam_year,
                    missing: r.missing.iter().map(MissingItem::view).collect(),
                })
                .collect(),
            evidence: a.evidence.iter().filter_map(|e| evidence(ids, e)).collect(),
        }
    }
}

/// One way a unit falls short of its target.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Gap {
    /// Stable code, e.g. `STAFFING_PROFESSIONALS_SHORT`.
    pub code: String,
    /// Chinese message.
    pub zh: String,
    /// English message.
    pub en: String,
}

/// How one unit stands against its staffing target.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct UnitStaffing {
    /// The unit's id.
    pub unit_id: String,
    /// The unit's type code.
    pub unit_type: String,
    /// The target applied (id in the staffing policy data), if any.
    #[oai(skip_serializing_if_is_none)]
    pub target_id: Option<u64>,
    /// Professionals required.
    pub required_professionals: u32,
    /// Distinct workers on the unit's posts on the date.
    pub actual_professionals: u32,
    /// Professionals missing.
    pub professional_shortfall: u32,
    /// Certified professionals required.
    pub required_certified: u32,
    /// Professionals with a valid credential on the date.
    pub actual_certified: u32,
    /// Certified professionals missing.
    pub certified_shortfall: u32,
    /// Staff counted for the share (the register knows only the workers on the unit's posts).
    pub total_staff: u32,
    /// Professionals as a percentage of the staff counted, e.g. `"50"`.
    pub professional_share: String,
    /// Certified professionals as a percentage of the professionals, e.g. `"50"`.
    pub certified_share: String,
    /// The share required, if any.
    #[oai(skip_serializing_if_is_none)]
    pub required_share: Option<String>,
    /// Whether the required share is met.
    pub share_met: bool,
    /// No shortfall and the share met.
    pub compliant: bool,
    /// The ways the unit falls short.
    pub gaps: Vec<Gap>,
    /// The unit, the target and the active assignments counted.
    pub evidence: Vec<Evidence>,
}

/// Sums over the units of a region.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct StaffingRollup {
    /// Units reported.
    pub units: u32,
    /// Units with a target on the date.
    pub units_with_target: u32,
    /// Units meeting their target (units without one count as compliant).
    pub compliant_units: u32,
    /// Professionals required, summed.
    pub required_professionals: u32,
    /// Professionals counted, summed.
    pub actual_professionals: u32,
    /// Professional shortfalls, summed.
    pub professional_shortfall: u32,
    /// Certified shortfalls, summed.
    pub certified_shortfall: u32,
}

/// The staffing report of a region on a date.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct StaffingView {
    /// The region reported on.
    pub region: String,
    /// The date counted.
    pub date: Date,
    /// One line per unit inside the region.
    pub units: Vec<UnitStaffing>,
    /// Sums over `units`.
    pub rollup: StaffingRollup,
}

fn unit_line(u: &UnitCompliance, ids: &FactIds) -> UnitStaffing {
    let unit_ref = FactRef::new(FactKind::Unit, u.unit_id);
    let evidence_of = |e: &FactRef| match e.kind {
        FactKind::StaffingTarget => Some(Evidence {
            kind: e.kind.code().to_owned(),
            id: e.id.to_string(),
        }),
        _ => evidence(ids, e),
    };
    UnitStaffing {
        unit_id: ids.info(unit_ref).map(|i| i.id.clone()).unwrap_or_default(),
        unit_type: u.unit_type.code().to_owned(),
        target_id: u.target_id,
        required_professionals: u.required_professionals,
        actual_professionals: u.actual_professionals,
        professional_shortfall: u.professional_shortfall,
        required_certified: u.required_certified,
        actual_certified: u.actual_certified,
        certified_shortfall: u.certified_shortfall,
        total_staff: u.total_staff,
        professional_share: u.professional_share.to_string(),
        certified_share: registry_core::money::Percent::ratio(
            u.actual_certified,
            u.actual_professionals,
        )
        .to_string(),
        required_share: u.required_share.map(|p| p.to_string()),
        share_met: u.share_met,
        compliant: u.compliant,
        gaps: u
            .gaps()
            .iter()
            .map(|g| Gap {
                code: g.code().to_owned(),
                zh: g.zh().to_owned(),
                en: g.en().to_owned(),
            })
            .collect(),
        evidence: u.evidence.iter().filter_map(evidence_of).collect(),
    }
}

impl StaffingView {
    /// The response for a core report.
    pub fn view(r: &StaffingReport, ids: &FactIds) -> Self {
        Self {
            region: r.region.as_str().to_owned(),
            date: r.date,
            units: r.units.iter().map(|u| unit_line(u, ids)).collect(),
            rollup: StaffingRollup {
                units: r.rollup.units,
                units_with_target: r.rollup.units_with_target,
                compliant_units: r.rollup.compliant_units,
                required_professionals: r.rollup.required_professionals,
                actual_professionals: r.rollup.actual_professionals,
                professional_shortfall: r.rollup.professional_shortfall,
                certified_shortfall: r.rollup.certified_shortfall,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    //! The single-worker answers are written by serde ([`crate::serde_json_response`]); these
    //! check that every shape they take is written as poem-openapi's `ToJSON` (whose schema
    //! the spec documents) writes it.

    use poem_openapi::types::ToJSON;
    use serde::Serialize;
    use time::macros::{date, datetime};

    use super::*;

    fn same_body<T: Serialize + ToJSON>(value: &T) {
        let written = serde_json::to_value(value).unwrap();
        assert_eq!(Some(written), value.to_json());
    }

    fn evidence(kind: &str, id: &str) -> Evidence {
        Evidence {
            kind: kind.to_owned(),
            id: id.to_owned(),
        }
    }

    fn decision(with_options: bool) -> AllowanceDecision {
        AllowanceDecision {
            worker_id: "019a0000-0000-7000-8000-000000000001".to_owned(),
            month: "2026-10".to_owned(),
            reference_date: date!(2026 - 10 - 31),
            eligible: with_options,
            amount: if with_options { "600.00" } else { "0.00" }.to_owned(),
            grade_steps: with_options.then_some(2),
            level: with_options.then_some(Level::Intermediate),
            policy: with_options.then(|| PolicyUsed {
                policy_id: "chengdu-community-monthly".to_owned(),
                version: 3,
                region: "510100".to_owned(),
                schedule_kind: "monthly_per_level".to_owned(),
                sample: true,
                recorded_at: Some(datetime!(2026-01-02 03:04:05.678 UTC)),
            }),
            reasons: vec![
                Reason {
                    code: "CREDENTIAL_VALID".to_owned(),
                    effect: Effect::Supports,
                    zh: "持有有效证书".to_owned(),
                    en: "holds a valid credential \"x\"\n".to_owned(),
                    evidence: vec![evidence("credential", "c-1"), evidence("post", "p-1")],
                    evidence_redacted: None,
                },
                Reason {
                    code: "CREDIT_BLACKLISTED".to_owned(),
                    effect: Effect::Blocks,
                    zh: "失信".to_owned(),
                    en: "blacklisted".to_owned(),
                    evidence: vec![],
                    evidence_redacted: Some(true),
                },
                Reason {
                    code: "NOTE".to_owned(),
                    effect: Effect::Notes,
                    zh: String::new(),
                    en: String::new(),
                    evidence: vec![],
                    evidence_redacted: None,
                },
            ],
            facts_used: vec![
                FactUsed {
                    kind: "credential".to_owned(),
                    id: "c-1".to_owned(),
                    effective_from: Some("2020-01-01".to_owned()),
                    effective_until: Some("2030-12".to_owned()),
                    recorded_at: datetime!(2026-12-07 06:50:14.123456789 +08:00),
                },
                FactUsed {
                    kind: "worker".to_owned(),
                    id: "w-1".to_owned(),
                    effective_from: None,
                    effective_until: None,
                    recorded_at: datetime!(2026-12-07 00:00:00 UTC),
                },
            ],
        }
    }

    #[test]
    fn allowance_decisions_are_written_as_their_schema_says() {
        same_body(&decision(true));
        same_body(&decision(false));
        let mut without_policy_time = decision(true);
        if let Some(p) = without_policy_time.policy.as_mut() {
            p.recorded_at = None;
        }
        same_body(&without_policy_time);
        // Every level's name.
        for level in [
            Level::Aide,
            Level::Assistant,
            Level::Intermediate,
            Level::Senior,
        ] {
            let mut d = decision(true);
            d.level = Some(level);
            same_body(&d);
        }
    }

    #[test]
    fn ladder_answers_are_written_as_their_schema_says() {
        let missing = MissingItem {
            code: "LADDER_EXPERIENCE_SHORT".to_owned(),
            zh: "工作年限不足".to_owned(),
            en: "not enough experience".to_owned(),
            required_education: Some("bachelor".to_owned()),
            required_years: Some(4),
            counted_months: Some(30),
            level: Some(Level::Assistant),
        };
        let bare = MissingItem {
            code: "LADDER_SOCIAL_WORK_MAJOR".to_owned(),
            zh: "专业".to_owned(),
            en: "major".to_owned(),
            required_education: None,
            required_years: None,
            counted_months: None,
            level: None,
        };
        for full in [true, false] {
            same_body(&LadderView {
                worker_id: "w-1".to_owned(),
                as_of: date!(2026 - 12 - 07),
                current: full.then_some(Level::Aide),
                next: full.then_some(Level::Assistant),
                exam_year: 2026,
                may_sit_now: !full,
                earliest_exam_year: full.then_some(2028),
                best_route: full.then(|| "assistant.high_school".to_owned()),
                routes: vec![
                    RouteView {
                        route_id: "assistant.high_school".to_owned(),
                        satisfied: false,
                        earliest_exam_year: full.then_some(2028),
                        missing: vec![missing.clone(), bare.clone()],
                    },
                    RouteView {
                        route_id: "assistant.bachelor".to_owned(),
                        satisfied: true,
                        earliest_exam_year: None,
                        missing: vec![],
                    },
                ],
                evidence: vec![evidence("credential", "c-1")],
            });
        }
    }
}
