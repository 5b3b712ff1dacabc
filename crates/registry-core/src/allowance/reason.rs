//! Reason codes of an allowance decision. Each reason is a stable code, an effect (did it
//! support, block, or only annotate the answer) and the ids of the facts it rests on.
//! Chinese and English texts are `'static` and rendered only when asked for.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::facts::{Evidence, Explain, FactRef};

/// What a reason did to the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// A condition that holds and supports payment.
    Supports,
    /// A condition that fails: the worker is not eligible this month.
    Blocks,
    /// Worth knowing, changes nothing (e.g. a higher credential that could not be used).
    Notes,
}

macro_rules! reason_codes {
    ($( $(#[$doc:meta])* $variant:ident => $code:literal, $zh:literal, $en:literal; )*) => {
        /// Every reason an allowance decision can give.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ReasonCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ReasonCode {
            /// Every code, for documentation and API enums.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant,)*];
        }

        impl Explain for ReasonCode {
            fn code(&self) -> &'static str {
                match self { $( Self::$variant => $code, )* }
            }
            fn zh(&self) -> &'static str {
                match self { $( Self::$variant => $zh, )* }
            }
            fn en(&self) -> &'static str {
                match self { $( Self::$variant => $en, )* }
            }
        }
    };
}

reason_codes! {
    /// No policy covers the worker's region in the month.
    NoPolicy => "NO_POLICY", "该地区该月份没有适用的津贴政策", "no allowance policy covers the worker's region in this month";
    /// The policy that applies.
    PolicyApplied => "POLICY_APPLIED", "适用该地区最具体的有效政策版本", "the most specific policy version in force for the region applies";
    /// The worker holds no credential at all on the reference date.
    NoCredential => "NO_CREDENTIAL", "未持有社会工作职业资格证书", "the worker holds no social-work credential";
    /// The credential that sets the level.
    CredentialUsed => "CREDENTIAL_USED", "按该证书等级计发", "the allowance level is set by this credential";
    /// A credential is suspended.
    CredentialSuspended => "CREDENTIAL_SUSPENDED", "证书处于暂停状态", "the credential is suspended";
    /// A credential is revoked.
    CredentialRevoked => "CREDENTIAL_REVOKED", "证书已被撤销", "the credential is revoked";
    /// The credential is valid only in another region.
    CredentialRegionMismatch => "CREDENTIAL_NOT_VALID_IN_REGION", "证书仅在其他地区有效", "the credential is valid only in another region";
    /// The credential has never been registered.
    RegistrationMissing => "REGISTRATION_MISSING", "证书未办理登记", "the credential has not been registered";
    /// The registration has expired without renewal.
    RegistrationLapsed => "REGISTRATION_LAPSED", "登记已过期未续期", "the registration has lapsed without renewal";
    /// Registered on the reference date.
    RegistrationValid => "REGISTRATION_VALID", "证书登记在有效期内", "the credential is registered";
    /// Registered, but inside the renewal window.
    RegistrationRenewalDue => "REGISTRATION_RENEWAL_DUE", "登记将到期，应在到期前办理续期", "the registration is in its renewal window";
    /// The policy's start-month rule has not been reached for the credential.
    BeforeStartMonth => "BEFORE_START_MONTH", "尚未到政策规定的起发月份", "the month is before the policy's start month for this credential";
    /// The schedule has no amount for the credential's level.
    LevelNotInSchedule => "LEVEL_NOT_IN_SCHEDULE", "该证书等级不在政策发放范围内", "the policy pays nothing for this level";
    /// No active assignment to any post.
    NoPost => "NO_POST", "未在岗", "the worker holds no post";
    /// The post held is of a type the policy does not cover.
    PostNotCovered => "POST_NOT_COVERED", "所在岗位不在政策覆盖范围内", "the post held is not of a type the policy covers";
    /// A covered post is held.
    PostCovered => "POST_COVERED", "在政策覆盖的岗位任职", "the worker holds a covered post";
    /// Only part-time posts while the policy pays full-time holders only.
    NotFullTime => "NOT_FULL_TIME", "政策仅适用于专职人员", "the policy covers full-time post holders only";
    /// Part-time beyond the policy limit.
    PartTimeLimitExceeded => "PART_TIME_LIMIT_EXCEEDED", "兼职时间超过政策上限", "part-time tenure exceeds the policy limit";
    /// Tenure in the post is shorter than the policy minimum.
    TenureTooShort => "TENURE_TOO_SHORT", "任职时间不足", "tenure in the post is below the policy minimum";
    /// The credential level is below the post's minimum level.
    PostLevelNotMet => "POST_LEVEL_NOT_MET", "证书等级低于岗位要求", "the credential level is below the post's minimum";
    /// The previous year's appraisal meets the minimum.
    AppraisalMet => "APPRAISAL_MET", "上年度考评结果符合要求", "the previous year's appraisal meets the minimum";
    /// The previous year's appraisal is below the minimum.
    AppraisalBelowMinimum => "APPRAISAL_BELOW_MINIMUM", "上年度考评结果低于政策要求", "the previous year's appraisal is below the minimum";
    /// No appraisal for the previous year.
    AppraisalMissing => "APPRAISAL_MISSING", "缺少上年度考评结果", "there is no appraisal for the previous year";
    /// Not on a list the policy excludes.
    CreditClear => "CREDIT_CLEAR", "未被列入政策排除的信用名单", "not on a credit list the policy excludes";
    /// On the serious dishonesty list.
    CreditSeriousList => "CREDIT_SERIOUS_LIST", "被列入严重失信名单", "on the serious dishonesty list";
    /// On the abnormal list and the policy excludes it.
    CreditAbnormalList => "CREDIT_ABNORMAL_LIST", "被列入异常名录", "on the abnormal list";
    /// An objection against a deciding credit entry is pending.
    CreditDisputed => "CREDIT_DISPUTED", "相关信用记录正在异议处理中", "an objection against a deciding credit entry is pending";
    /// The worker receives another scheme this one may not be stacked with.
    StackingNotAllowed => "STACKING_NOT_ALLOWED", "与其他津贴不得叠加享受", "the worker receives another allowance this one may not be stacked with";
    /// A monthly amount is due.
    AmountMonthly => "AMOUNT_MONTHLY", "按月发放该等级津贴", "the monthly amount for the level is due";
    /// A one-off amount is due in full.
    AmountOneOff => "AMOUNT_ONE_OFF", "一次性发放该等级补贴", "the one-off amount for the level is due";
    /// A one-off upgrade: only the difference is due.
    AmountOneOffDifference => "AMOUNT_ONE_OFF_DIFFERENCE", "晋级后补发差额", "after an upgrade only the difference to what was paid is due";
    /// The one-off amount for this level has been paid.
    OneOffAlreadyPaid => "ONE_OFF_ALREADY_PAID", "该等级一次性补贴已发放", "the one-off amount for this level has already been paid";
    /// Salary-grade steps instead of money.
    GradeSteps => "GRADE_STEPS", "按等级晋升薪级", "the level earns salary-grade steps";
    /// The time-limited scheme has run its course for the worker.
    DurationExpired => "DURATION_EXPIRED", "已超过政策规定的发放期限", "the scheme's payment period for the worker has ended";
}

impl ReasonCode {
    /// Looks a code up by its stable string.
    pub fn from_code(code: &str) -> Option<ReasonCode> {
        Self::ALL.iter().copied().find(|c| c.code() == code)
    }
}

impl Serialize for ReasonCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// One reason of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// The stable code.
    pub code: ReasonCode,
    /// Whether it supports, blocks or annotates the decision.
    pub effect: Effect,
    /// The facts it rests on.
    pub evidence: Evidence,
}

impl Reason {
    /// A reason resting on at most one fact.
    pub fn new(code: ReasonCode, effect: Effect, fact: Option<FactRef>) -> Self {
        let mut evidence = Evidence::new();
        if let Some(fact) = fact {
            evidence.push(fact);
        }
        Self {
            code,
            effect,
            evidence,
        }
    }
}

/// Serialises as `{code, effect, zh, en, evidence}`.
impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Reason", 5)?;
        st.serialize_field("code", self.code.code())?;
        st.serialize_field("effect", &self.effect)?;
        st.serialize_field("zh", self.code.zh())?;
        st.serialize_field("en", self.code.en())?;
        st.serialize_field("evidence", &self.evidence)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ReasonCode::ALL {
            assert!(seen.insert(c.code()), "duplicate {}", c.code());
            assert_eq!(ReasonCode::from_code(c.code()), Some(*c));
            assert!(!c.zh().is_empty() && !c.en().is_empty());
        }
    }
}
