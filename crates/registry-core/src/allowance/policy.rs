//! Allowance policies as data: region, effective months, version, schedule kind, amounts per
//! level and the conditions a worker must meet. A [`PolicySet`] is valid by construction: no
//! two versions for one region overlap, so picking "the most specific region in force"
//! always has one answer.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::appraisal::Grade;
use crate::calendar::{MonthSpan, YearMonth};
use crate::credit::CreditRules;
use crate::error::FieldError;
use crate::ids::RegionCode;
use crate::level::Level;
use crate::money::Yuan;
use crate::post::UnitType;
use crate::registration::RegistrationRules;

/// A value per credential level; a missing level is not covered by the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerLevel<T> {
    /// 社工员.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aide: Option<T>,
    /// 助理社会工作师.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistant: Option<T>,
    /// 社会工作师.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intermediate: Option<T>,
    /// 高级社会工作师.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub senior: Option<T>,
}

impl<T: Copy> PerLevel<T> {
    /// The value for `level`, if covered.
    pub fn get(&self, level: Level) -> Option<T> {
        match level {
            Level::Aide => self.aide,
            Level::Assistant => self.assistant,
            Level::Intermediate => self.intermediate,
            Level::Senior => self.senior,
        }
    }

    /// The covered levels and their values, lowest level first.
    pub fn iter(&self) -> impl Iterator<Item = (Level, T)> + '_ {
        Level::ALL
            .into_iter()
            .filter_map(|l| self.get(l).map(|v| (l, v)))
    }
}

/// How and when the allowance is paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Schedule {
    /// A monthly amount per level (Chengdu, Gansu, Suzhou...).
    MonthlyPerLevel {
        /// Yuan per month per level.
        amounts: PerLevel<Yuan>,
    },
    /// A one-off amount per level; on upgrade only the difference to what this policy
    /// already paid is due (Weihai).
    OneOffPerLevel {
        /// Yuan once per level.
        amounts: PerLevel<Yuan>,
    },
    /// Salary-grade steps per level instead of money (Wenzhou, Ningbo, Hohhot).
    GradeSteps {
        /// Steps per level.
        steps: PerLevel<u8>,
    },
    /// A monthly amount for a limited number of months from the start month (Pingnan).
    TimeLimitedMonthly {
        /// Yuan per month per level.
        amounts: PerLevel<Yuan>,
        /// How many months are paid, counted from the credential's start month.
        duration_months: u32,
    },
}

impl Schedule {
    /// Stable code of the kind.
    pub fn kind_code(&self) -> &'static str {
        match self {
            Self::MonthlyPerLevel { .. } => "monthly_per_level",
            Self::OneOffPerLevel { .. } => "one_off_per_level",
            Self::GradeSteps { .. } => "grade_steps",
            Self::TimeLimitedMonthly { .. } => "time_limited_monthly",
        }
    }

    /// The money amounts, if the schedule pays money.
    pub fn amounts(&self) -> Option<&PerLevel<Yuan>> {
        match self {
            Self::MonthlyPerLevel { amounts }
            | Self::OneOffPerLevel { amounts }
            | Self::TimeLimitedMonthly { amounts, .. } => Some(amounts),
            Self::GradeSteps { .. } => None,
        }
    }

    /// Whether the schedule has anything for `level`.
    pub fn covers(&self, level: Level) -> bool {
        match self {
            Self::GradeSteps { steps } => steps.get(level).is_some(),
            _ => self.amounts().and_then(|a| a.get(level)).is_some(),
        }
    }
}

/// From which month a credential counts under the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartRule {
    /// From the month the certificate was issued.
    #[default]
    IssueMonth,
    /// From the month after the certificate was issued.
    MonthAfterIssue,
    /// From the month the first registration was completed (a Beijing rule).
    RegistrationMonth,
}

/// Which day of the month the conditions are checked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceDay {
    /// The last day: a registration completed during the month counts for it, an expiry
    /// during the month stops it.
    #[default]
    MonthEnd,
    /// The first day.
    MonthStart,
}

fn yes() -> bool {
    true
}

/// What a worker must meet to be paid under a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The credential must be registered (登记) on the reference day.
    #[serde(default = "yes")]
    pub registered_credential: bool,
    /// The worker must hold a post (an active assignment).
    #[serde(default = "yes")]
    pub requires_post: bool,
    /// Unit types whose posts are covered; `None` covers every post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered_unit_types: Option<Vec<UnitType>>,
    /// Only full-time post holders are paid.
    #[serde(default)]
    pub full_time_only: bool,
    /// Part-time holders are paid for at most this many months (24 in Chengdu, seed 004).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_time_max_months: Option<u32>,
    /// Minimum months in the post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_tenure_months: Option<u32>,
    /// The credential level must reach the post's minimum level.
    #[serde(default)]
    pub credential_meets_post_level: bool,
    /// Minimum grade of the previous year's appraisal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_previous_year_grade: Option<Grade>,
    /// Whether a missing previous-year appraisal blocks payment (when a minimum is set).
    #[serde(default = "yes")]
    pub missing_appraisal_blocks: bool,
    /// Not paid while on the serious dishonesty list.
    #[serde(default = "yes")]
    pub exclude_serious_list: bool,
    /// Not paid while on the abnormal list.
    #[serde(default)]
    pub exclude_abnormal_list: bool,
    /// From which month a credential counts.
    #[serde(default)]
    pub start_rule: StartRule,
    /// Which day of the month conditions are checked on.
    #[serde(default)]
    pub reference_day: ReferenceDay,
    /// Pay the highest level only (就高); otherwise the levels held add up.
    #[serde(default = "yes")]
    pub highest_level_only: bool,
    /// Schemes this allowance may not be stacked with (不叠加).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_stackable_with: Vec<String>,
}

impl Default for Conditions {
    fn default() -> Self {
        Self {
            registered_credential: true,
            requires_post: true,
            covered_unit_types: None,
            full_time_only: false,
            part_time_max_months: None,
            min_tenure_months: None,
            credential_meets_post_level: false,
            min_previous_year_grade: None,
            missing_appraisal_blocks: true,
            exclude_serious_list: true,
            exclude_abnormal_list: false,
            start_rule: StartRule::IssueMonth,
            reference_day: ReferenceDay::MonthEnd,
            highest_level_only: true,
            not_stackable_with: Vec::new(),
        }
    }
}

/// The unchecked shape of a policy, as written in data files and API bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// Family id shared by the versions of one policy, e.g. `cd-community-allowance`.
    pub id: String,
    /// Version number, from 1.
    pub version: u32,
    /// Region the policy applies to (and every region inside it).
    pub region: RegionCode,
    /// Human name.
    pub name: String,
    /// Months in force.
    pub effective: MonthSpan,
    /// How amounts are paid.
    pub schedule: Schedule,
    /// What a worker must meet.
    #[serde(default)]
    pub conditions: Conditions,
    /// Sample configuration, not a confirmed figure.
    #[serde(default)]
    pub sample: bool,
    /// Citation of the policy text.
    #[serde(default)]
    pub source: String,
}

/// A checked allowance policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PolicyInput", into = "PolicyInput")]
pub struct AllowancePolicy {
    id: Arc<str>,
    version: u32,
    region: RegionCode,
    name: String,
    effective: MonthSpan,
    schedule: Schedule,
    conditions: Conditions,
    sample: bool,
    source: String,
}

impl AllowancePolicy {
    /// Checks a policy: id `[a-z0-9-_]{1,64}` (`policy.id`), version ≥ 1 (`policy.version`),
    /// name 1..=100 chars (`policy.name`), a schedule that covers at least one level
    /// (`policy.schedule_empty`) and a positive duration (`policy.duration`).
    pub fn new(input: PolicyInput) -> Result<Self, FieldError> {
        let id_ok = !input.id.is_empty()
            && input.id.len() <= 64
            && input
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return Err(FieldError::new(
                "id",
                "policy.id",
                "id must be 1-64 characters of a-z, 0-9, - and _",
            ));
        }
        if input.version == 0 {
            return Err(FieldError::new(
                "version",
                "policy.version",
                "version starts at 1",
            ));
        }
        let name_len = input.name.trim().chars().count();
        if name_len == 0 || name_len > 100 {
            return Err(FieldError::new(
                "name",
                "policy.name",
                "name must be 1-100 characters",
            ));
        }
        if !Level::ALL.iter().any(|l| input.schedule.covers(*l)) {
            return Err(FieldError::new(
                "schedule",
                "policy.schedule_empty",
                "the schedule must cover at least one level",
            ));
        }
        if let Schedule::TimeLimitedMonthly {
            duration_months: 0, ..
        } = input.schedule
        {
            return Err(FieldError::new(
                "schedule.duration_months",
                "policy.duration",
                "duration_months must be at least 1",
            ));
        }
        Ok(Self {
            id: Arc::from(input.id),
            version: input.version,
            region: input.region,
            name: input.name.trim().to_owned(),
            effective: input.effective,
            schedule: input.schedule,
            conditions: input.conditions,
            sample: input.sample,
            source: input.source,
        })
    }

    /// Family id.
    pub fn id(&self) -> &Arc<str> {
        &self.id
    }
    /// Version.
    pub fn version(&self) -> u32 {
        self.version
    }
    /// Region.
    pub fn region(&self) -> RegionCode {
        self.region
    }
    /// Name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Months in force.
    pub fn effective(&self) -> MonthSpan {
        self.effective
    }
    /// Schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }
    /// Conditions.
    pub fn conditions(&self) -> &Conditions {
        &self.conditions
    }
    /// Whether the figures are sample configuration.
    pub fn is_sample(&self) -> bool {
        self.sample
    }
    /// Citation.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The most one decision under this policy can pay: the top level's amount, or the sum
    /// of all levels when levels add up. Zero for grade-step schedules.
    pub fn max_amount(&self) -> Yuan {
        let Some(amounts) = self.schedule.amounts() else {
            return Yuan::ZERO;
        };
        let stacked = !self.conditions.highest_level_only
            && !matches!(self.schedule, Schedule::OneOffPerLevel { .. });
        if stacked {
            amounts.iter().fold(Yuan::ZERO, |acc, (_, a)| acc.plus(a))
        } else {
            amounts.iter().map(|(_, a)| a).max().unwrap_or(Yuan::ZERO)
        }
    }
}

impl TryFrom<PolicyInput> for AllowancePolicy {
    type Error = FieldError;
    fn try_from(input: PolicyInput) -> Result<Self, Self::Error> {
        Self::new(input)
    }
}

impl From<AllowancePolicy> for PolicyInput {
    fn from(p: AllowancePolicy) -> Self {
        Self {
            id: p.id.to_string(),
            version: p.version,
            region: p.region,
            name: p.name,
            effective: p.effective,
            schedule: p.schedule,
            conditions: p.conditions,
            sample: p.sample,
            source: p.source,
        }
    }
}

/// Rules the decision uses besides the policy: registration periods and the credit
/// escalation parameters. Defaults are the national figures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DecisionRules {
    /// Registration validity, renewal window, continuing education.
    #[serde(default)]
    pub registration: RegistrationRules,
    /// Credit-list escalation and removal.
    #[serde(default)]
    pub credit: CreditRules,
}

/// A set of policy versions in which no two versions for one region overlap.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicySet {
    policies: Vec<AllowancePolicy>,
    rules: DecisionRules,
}

impl PolicySet {
    /// Checks the set: a repeated (id, version) is `policy.duplicate_version`; two versions
    /// for the same region with overlapping months are `policy.overlapping_versions`.
    /// The field names the offending entry, e.g. `policies[3].effective`.
    pub fn new(policies: Vec<AllowancePolicy>) -> Result<Self, FieldError> {
        Self::with_rules(policies, DecisionRules::default())
    }

    /// Like [`PolicySet::new`] with explicit registration and credit rules.
    pub fn with_rules(
        policies: Vec<AllowancePolicy>,
        rules: DecisionRules,
    ) -> Result<Self, FieldError> {
        for (i, p) in policies.iter().enumerate() {
            for (j, q) in policies.iter().enumerate().take(i) {
                if p.id == q.id && p.version == q.version {
                    return Err(FieldError::new(
                        format!("policies[{i}].version"),
                        "policy.duplicate_version",
                        format!(
                            "{} version {} is already defined at policies[{j}]",
                            p.id, p.version
                        ),
                    ));
                }
                if p.region == q.region && p.effective.overlaps(&q.effective) {
                    return Err(FieldError::new(
                        format!("policies[{i}].effective"),
                        "policy.overlapping_versions",
                        format!(
                            "{} v{} overlaps {} v{} for region {} (policies[{j}])",
                            p.id, p.version, q.id, q.version, p.region
                        ),
                    ));
                }
            }
        }
        Ok(Self { policies, rules })
    }

    /// Parses a JSON array of policies and checks the set.
    pub fn from_json(json: &str) -> Result<Self, FieldError> {
        let policies: Vec<AllowancePolicy> = serde_json::from_str(json)
            .map_err(|e| FieldError::new("policies", "policy.json", e.to_string()))?;
        Self::new(policies)
    }

    /// Every version, in the order given.
    pub fn policies(&self) -> &[AllowancePolicy] {
        &self.policies
    }

    /// The registration and credit rules.
    pub fn rules(&self) -> &DecisionRules {
        &self.rules
    }

    /// The policy for a worker of `region` in `month`: among versions in force whose region
    /// contains the worker's, the one with the most specific region.
    pub fn select(&self, region: &RegionCode, month: YearMonth) -> Option<&AllowancePolicy> {
        self.policies
            .iter()
            .filter(|p| p.effective.contains(month) && p.region.contains(region))
            .max_by_key(|p| p.region.level())
    }
}
