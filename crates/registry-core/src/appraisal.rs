//! Annual appraisals (年度考评) of workers and post holders, and the rules read from them.
//!
//! Chengdu appraises certified community workers on professional ethics (职业操守), service
//! performance (服务绩效) and residents' satisfaction (群众满意度) \[seed 004\]; the grades are
//! 优秀 / 合格 / 基本合格 / 不合格 \[nat\]. The record is append-only: an appraisal is never
//! edited, a correction is a new [`Appraisal`] whose `corrects` names the one it replaces.
//!
//! Reading the record:
//! - [`effective_appraisals`] / [`appraisal_for`]: an appraisal named by any other
//!   appraisal's `corrects` is superseded; of the rest, per (worker, year) the latest
//!   (`recorded_on`, then `id`) wins.
//! - [`check_excellent_cap`] / [`would_exceed_cap`]: the share of 优秀 in a unit and year is
//!   capped ([`AppraisalRules::excellent_cap`], 20 % by default, rounded per
//!   [`CapRounding`]), counted over effective appraisals only, so correcting a 优秀 to 合格
//!   frees a slot.
//! - [`appraisal_flags`]: 不合格 in [`AppraisalRules::fail_streak`] consecutive years, and a
//!   residents' satisfaction below [`AppraisalRules::satisfaction_fail_below`] on an appraisal
//!   graded above 不合格 (Beijing: below 60 % means 不合格 \[ex\]).
//!
//! Rule parameters are data ([`AppraisalRules`], serde, `Default` = the seed figures).

use std::cmp::Reverse;
use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::calendar::MAX_YEAR;
use crate::error::FieldError;
use crate::facts::{Evidence, Explain, FactKind, FactRef};
use crate::money::Percent;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Earliest appraisal year accepted (rule `appraisal.year_range`).
pub const MIN_APPRAISAL_YEAR: i32 = 1949;

/// Appraisal grade, lowest first, so `Ord` reads "at least 合格" as `grade >= Grade::Pass`:
/// 不合格 < 基本合格 < 合格 < 优秀.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 不合格: fail.
    Fail,
    /// 基本合格: basic pass.
    BasicPass,
    /// 合格: pass.
    Pass,
    /// 优秀: excellent.
    Excellent,
}

impl Grade {
    /// Every grade, lowest first.
    pub const ALL: [Grade; 4] = [Grade::Fail, Grade::BasicPass, Grade::Pass, Grade::Excellent];

    /// Stable code used in JSON and data files.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::BasicPass => "basic_pass",
            Self::Pass => "pass",
            Self::Excellent => "excellent",
        }
    }

    /// Chinese name.
    pub fn zh(&self) -> &'static str {
        match self {
            Self::Fail => "不合格",
            Self::BasicPass => "基本合格",
            Self::Pass => "合格",
            Self::Excellent => "优秀",
        }
    }

    /// English name.
    pub fn en(&self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::BasicPass => "basic pass",
            Self::Pass => "pass",
            Self::Excellent => "excellent",
        }
    }

    /// Parses a code (`fail`, `basic_pass`, `pass`, `excellent`); rule `appraisal.grade_unknown`.
    pub fn parse(input: &str) -> Result<Grade, FieldError> {
        Self::ALL
            .into_iter()
            .find(|g| g.code() == input.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "grade",
                    "appraisal.grade_unknown",
                    "grade must be one of fail, basic_pass, pass, excellent",
                )
            })
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A score from 0 to 100 (for satisfaction: a percentage). Serialises as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

impl Score {
    /// Checks the range; rule `appraisal.score_range` above 100.
    pub fn new(value: u8) -> Result<Score, FieldError> {
        if value > 100 {
            return Err(FieldError::new(
                "",
                "appraisal.score_range",
                format!("score must be 0 to 100, found {value}"),
            ));
        }
        Ok(Score(value))
    }

    /// The score.
    pub fn value(&self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Score {
    type Error = FieldError;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Score> for u8 {
    fn from(s: Score) -> u8 {
        s.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The scores of the three appraisal dimensions of seed 004; each may be missing where a
/// region grades without scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct DimensionScores {
    /// 职业操守: professional ethics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethics: Option<Score>,
    /// 服务绩效: service performance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub performance: Option<Score>,
    /// 群众满意度: residents' satisfaction, in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Score>,
}

/// The unchecked fields of an [`Appraisal`], as a caller or a JSON body gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppraisalInput {
    /// The caller's id of this appraisal.
    pub id: u64,
    /// The worker appraised.
    pub worker_id: u64,
    /// The unit (镇街 / community / agency) that appraised, and whose 优秀 cap it counts in.
    pub unit_id: u64,
    /// The year appraised.
    pub year: i32,
    /// The grade given.
    pub grade: Grade,
    /// Dimension scores.
    #[serde(default)]
    pub scores: DimensionScores,
    /// The day the result was recorded (`YYYY-MM-DD`).
    #[serde(with = "iso_date")]
    pub recorded_on: Date,
    /// The appraisal this one corrects (replaces), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<u64>,
}

/// One annual appraisal of one worker, as recorded. Never edited: see [`AppraisalInput::corrects`].
///
/// Deserialising checks every rule that does not depend on today's date (year range,
/// recorded before the year, self-correction); [`Appraisal::new`] checks all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AppraisalInput")]
pub struct Appraisal {
    id: u64,
    worker_id: u64,
    unit_id: u64,
    year: i32,
    grade: Grade,
    scores: DimensionScores,
    #[serde(with = "iso_date")]
    recorded_on: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    corrects: Option<u64>,
}

impl Appraisal {
    /// Checks an appraisal recorded on or before `today`.
    ///
    /// Rules: `appraisal.year_range` (before 1949), `appraisal.future_year` (after today's
    /// year), `appraisal.recorded_before_year` (recorded before 1 January of the year),
    /// `appraisal.recorded_in_future` (after `today`), `appraisal.corrects_self`.
    ///
    /// ```
    /// use registry_core::appraisal::{Appraisal, AppraisalInput, Grade};
    /// use time::macros::date;
    ///
    /// let input = AppraisalInput {
    ///     id: 1, worker_id: 7, unit_id: 3, year: 2025, grade: Grade::Pass,
    ///     scores: Default::default(), recorded_on: date!(2026-01-10), corrects: None,
    /// };
    /// let a = Appraisal::new(input.clone(), date!(2026-02-01)).unwrap();
    /// assert!(a.grade() >= Grade::Pass);
    ///
    /// let future = AppraisalInput { year: 2027, ..input };
    /// let err = Appraisal::new(future, date!(2026-02-01)).unwrap_err();
    /// assert_eq!(err.rule, "appraisal.future_year");
    /// ```
    pub fn new(input: AppraisalInput, today: Date) -> Result<Appraisal, FieldError> {
        check_year_range(input.year)?;
        if input.year > today.year() {
            return Err(FieldError::new(
                "year",
                "appraisal.future_year",
                format!("year {} has not begun yet (today is {today})", input.year),
            ));
        }
        if input.recorded_on > today {
            return Err(FieldError::new(
                "recorded_on",
                "appraisal.recorded_in_future",
                format!("recorded_on {} is after today {today}", input.recorded_on),
            ));
        }
        Self::try_from(input)
    }

    /// The caller's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The worker appraised.
    pub fn worker_id(&self) -> u64 {
        self.worker_id
    }

    /// The appraising unit.
    pub fn unit_id(&self) -> u64 {
        self.unit_id
    }

    /// The year appraised.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The grade as recorded.
    pub fn grade(&self) -> Grade {
        self.grade
    }

    /// The grade the rules give: the recorded grade, or 不合格 when the residents'
    /// satisfaction is below [`AppraisalRules::satisfaction_fail_below`].
    pub fn grade_under(&self, rules: &AppraisalRules) -> Grade {
        if self.satisfaction_below(rules) {
            Grade::Fail
        } else {
            self.grade
        }
    }

    /// Dimension scores.
    pub fn scores(&self) -> &DimensionScores {
        &self.scores
    }

    /// The day the result was recorded.
    pub fn recorded_on(&self) -> Date {
        self.recorded_on
    }

    /// The appraisal this one corrects, if any.
    pub fn corrects(&self) -> Option<u64> {
        self.corrects
    }

    /// This appraisal as a fact reference.
    pub fn fact(&self) -> FactRef {
        FactRef::new(FactKind::Appraisal, self.id)
    }

    fn satisfaction_below(&self, rules: &AppraisalRules) -> bool {
        matches!((self.scores.satisfaction, rules.satisfaction_fail_below), (Some(s), Some(t)) if s < t)
    }
}

fn check_year_range(year: i32) -> Result<(), FieldError> {
    if !(MIN_APPRAISAL_YEAR..=MAX_YEAR).contains(&year) {
        return Err(FieldError::new(
            "year",
            "appraisal.year_range",
            format!("year must be {MIN_APPRAISAL_YEAR} to {MAX_YEAR}, found {year}"),
        ));
    }
    Ok(())
}

impl TryFrom<AppraisalInput> for Appraisal {
    type Error = FieldError;

    /// Checks the rules that do not depend on today (see [`Appraisal::new`]).
    fn try_from(input: AppraisalInput) -> Result<Self, Self::Error> {
        check_year_range(input.year)?;
        let year_start =
            Date::from_calendar_date(input.year, Month::January, 1).unwrap_or(Date::MIN);
        if input.recorded_on < year_start {
            return Err(FieldError::new(
                "recorded_on",
                "appraisal.recorded_before_year",
                format!(
                    "recorded_on {} is before the year {} began",
                    input.recorded_on, input.year
                ),
            ));
        }
        if input.corrects == Some(input.id) {
            return Err(FieldError::new(
                "corrects",
                "appraisal.corrects_self",
                "an appraisal cannot correct itself",
            ));
        }
        Ok(Appraisal {
            id: input.id,
            worker_id: input.worker_id,
            unit_id: input.unit_id,
            year: input.year,
            grade: input.grade,
            scores: input.scores,
            recorded_on: input.recorded_on,
            corrects: input.corrects,
        })
    }
}

impl From<Appraisal> for AppraisalInput {
    fn from(a: Appraisal) -> AppraisalInput {
        AppraisalInput {
            id: a.id,
            worker_id: a.worker_id,
            unit_id: a.unit_id,
            year: a.year,
            grade: a.grade,
            scores: a.scores,
            recorded_on: a.recorded_on,
            corrects: a.corrects,
        }
    }
}

/// How the 优秀 cap turns a fractional number of people into a whole one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapRounding {
    /// Down: 15 % of 10 = 1.5 allows 1.
    #[default]
    Floor,
    /// To the nearest, halves up: 1.5 allows 2, 1.4 allows 1.
    Round,
    /// Up: 1.5 allows 2, 1.1 allows 2.
    Ceil,
}

/// Appraisal rule parameters of a region; `Default` is the seed / national figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppraisalRules {
    /// Largest share of 优秀 in one unit and year (commonly 15-20 %; default 20 %).
    pub excellent_cap: Percent,
    /// Rounding of the cap to whole people (default floor).
    pub cap_rounding: CapRounding,
    /// Consecutive 不合格 years that are flagged (default 2); 0 turns the flag off.
    pub fail_streak: u32,
    /// A satisfaction below this is 不合格 (Beijing example: 60); `None` (default) = no such rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub satisfaction_fail_below: Option<Score>,
}

impl Default for AppraisalRules {
    fn default() -> Self {
        Self {
            excellent_cap: Percent::ratio(20, 100),
            cap_rounding: CapRounding::Floor,
            fail_streak: 2,
            satisfaction_fail_below: None,
        }
    }
}

impl AppraisalRules {
    /// The largest number of 优秀 allowed among `total` appraised people.
    pub fn max_excellent(&self, total: u32) -> u32 {
        let exact = self.excellent_cap.of(total);
        let whole = match self.cap_rounding {
            CapRounding::Floor => exact.floor(),
            CapRounding::Ceil => exact.ceil(),
            CapRounding::Round => {
                exact.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            }
        };
        whole
            .max(Decimal::ZERO)
            .to_u32()
            .unwrap_or(total)
            .min(total)
    }
}

/// The effective appraisals among `all`, one per (worker, year), ordered by worker then year.
///
/// An appraisal named by another's `corrects` is superseded; of the rest, per (worker, year)
/// the latest by `recorded_on`, then by `id`, wins.
pub fn effective_appraisals(all: &[Appraisal]) -> Vec<&Appraisal> {
    effective_in(all.iter())
}

fn effective_in<'a, I>(all: I) -> Vec<&'a Appraisal>
where
    I: Iterator<Item = &'a Appraisal> + Clone,
{
    let mut superseded: Vec<u64> = all.clone().filter_map(|a| a.corrects).collect();
    superseded.sort_unstable();
    superseded.dedup();
    let mut live: Vec<&Appraisal> = all
        .filter(|a| superseded.binary_search(&a.id).is_err())
        .collect();
    live.sort_by_key(|a| (a.worker_id, a.year, Reverse(a.recorded_on), Reverse(a.id)));
    live.dedup_by_key(|a| (a.worker_id, a.year));
    live
}

/// The effective appraisal of `worker_id` for `year`, if any (see [`effective_appraisals`]).
/// Allocates nothing.
///
/// ```
/// use registry_core::appraisal::{appraisal_for, Appraisal, AppraisalInput, Grade};
/// use time::macros::date;
///
/// let today = date!(2026-03-01);
/// let first = AppraisalInput {
///     id: 1, worker_id: 7, unit_id: 3, year: 2025, grade: Grade::Excellent,
///     scores: Default::default(), recorded_on: date!(2026-01-10), corrects: None,
/// };
/// // A correction is a new appraisal that points at the one it replaces.
/// let fix = AppraisalInput { id: 2, grade: Grade::Pass, recorded_on: date!(2026-02-01), corrects: Some(1), ..first.clone() };
/// let all = [Appraisal::new(first, today).unwrap(), Appraisal::new(fix, today).unwrap()];
/// assert_eq!(appraisal_for(&all, 7, 2025).map(|a| a.grade()), Some(Grade::Pass));
/// assert!(appraisal_for(&all, 7, 2024).is_none());
/// ```
pub fn appraisal_for(all: &[Appraisal], worker_id: u64, year: i32) -> Option<&Appraisal> {
    all.iter()
        .filter(|a| a.worker_id == worker_id && a.year == year)
        .filter(|a| !all.iter().any(|b| b.corrects == Some(a.id)))
        .max_by_key(|a| (a.recorded_on, a.id))
}

/// The 优秀 count of one unit and year against its cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapCheck {
    /// The unit.
    pub unit_id: u64,
    /// The year.
    pub year: i32,
    /// Effective appraisals of the unit in the year.
    pub total: u32,
    /// Of which 优秀.
    pub excellent: u32,
    /// The most 优秀 the cap allows for `total`.
    pub max_excellent: u32,
    /// `excellent <= max_excellent`.
    pub within_cap: bool,
    /// The unit, then the 优秀 appraisals counted.
    pub evidence: Evidence,
}

impl Explain for CapCheck {
    fn code(&self) -> &'static str {
        if self.within_cap {
            "APPRAISAL_EXCELLENT_WITHIN_CAP"
        } else {
            "APPRAISAL_EXCELLENT_OVER_CAP"
        }
    }
    fn zh(&self) -> &'static str {
        if self.within_cap {
            "优秀等次人数未超过比例限制"
        } else {
            "优秀等次人数超过比例限制"
        }
    }
    fn en(&self) -> &'static str {
        if self.within_cap {
            "the number of excellent grades is within the unit's cap"
        } else {
            "the number of excellent grades exceeds the unit's cap"
        }
    }
}

/// Counts the effective appraisals of `unit_id` in `year` among `unit_appraisals` (others
/// are ignored) and checks the 优秀 share against [`AppraisalRules::excellent_cap`].
///
/// ```
/// use registry_core::appraisal::{check_excellent_cap, Appraisal, AppraisalInput, AppraisalRules, Grade};
/// use time::macros::date;
///
/// let all: Vec<Appraisal> = (0..10u64)
///     .map(|i| AppraisalInput {
///         id: i, worker_id: i, unit_id: 3, year: 2025,
///         grade: if i < 3 { Grade::Excellent } else { Grade::Pass },
///         scores: Default::default(), recorded_on: date!(2026-01-10), corrects: None,
///     })
///     .map(|input| Appraisal::new(input, date!(2026-02-01)).unwrap())
///     .collect();
/// let check = check_excellent_cap(&all, 3, 2025, &AppraisalRules::default());
/// assert_eq!((check.excellent, check.max_excellent, check.within_cap), (3, 2, false));
/// ```
pub fn check_excellent_cap(
    unit_appraisals: &[Appraisal],
    unit_id: u64,
    year: i32,
    rules: &AppraisalRules,
) -> CapCheck {
    cap_check_in(unit_appraisals.iter(), unit_id, year, rules)
}

fn cap_check_in<'a, I>(all: I, unit_id: u64, year: i32, rules: &AppraisalRules) -> CapCheck
where
    I: Iterator<Item = &'a Appraisal> + Clone,
{
    let mut evidence = Evidence::new();
    evidence.push(FactRef::new(FactKind::Unit, unit_id));
    let mut total = 0u32;
    let mut excellent = 0u32;
    for a in effective_in(all)
        .into_iter()
        .filter(|a| a.unit_id == unit_id && a.year == year)
    {
        total = total.saturating_add(1);
        if a.grade == Grade::Excellent {
            excellent = excellent.saturating_add(1);
            evidence.push(a.fact());
        }
    }
    let max_excellent = rules.max_excellent(total);
    CapCheck {
        unit_id,
        year,
        total,
        excellent,
        max_excellent,
        within_cap: excellent <= max_excellent,
        evidence,
    }
}

/// Whether recording `candidate` (a new appraisal or a correction) would break the 优秀 cap
/// of its unit and year: `Some(check)` (counted with the candidate) when the unit would be
/// over the cap and the candidate raised its number of 优秀. A 合格 recorded in a unit that
/// is already over the cap is not refused, nor a correction that keeps the count.
pub fn would_exceed_cap(
    existing: &[Appraisal],
    candidate: &Appraisal,
    rules: &AppraisalRules,
) -> Option<CapCheck> {
    let (unit, year) = (candidate.unit_id, candidate.year);
    let before = cap_check_in(existing.iter(), unit, year, rules);
    let after = cap_check_in(
        existing.iter().chain(std::iter::once(candidate)),
        unit,
        year,
        rules,
    );
    (!after.within_cap && after.excellent > before.excellent).then_some(after)
}

/// Something in the appraisal record that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppraisalFlag {
    /// 不合格 (as [`Appraisal::grade_under`] the rules) in at least
    /// [`AppraisalRules::fail_streak`] consecutive years; can end a contract \[nat\].
    ConsecutiveFail {
        /// The worker.
        worker_id: u64,
        /// The whole run of consecutive failed years, ascending.
        years: Vec<i32>,
        /// The appraisals of those years.
        evidence: Evidence,
    },
    /// Residents' satisfaction below [`AppraisalRules::satisfaction_fail_below`], yet the
    /// recorded grade is above 不合格.
    SatisfactionBelowThreshold {
        /// The appraisal.
        appraisal_id: u64,
    },
}

impl AppraisalFlag {
    /// The appraisals the flag rests on.
    pub fn evidence(&self) -> Evidence {
        match self {
            Self::ConsecutiveFail { evidence, .. } => evidence.clone(),
            Self::SatisfactionBelowThreshold { appraisal_id } => {
                let mut e = Evidence::new();
                e.push(FactRef::new(FactKind::Appraisal, *appraisal_id));
                e
            }
        }
    }
}

impl Explain for AppraisalFlag {
    fn code(&self) -> &'static str {
        match self {
            Self::ConsecutiveFail { .. } => "APPRAISAL_CONSECUTIVE_FAIL",
            Self::SatisfactionBelowThreshold { .. } => "APPRAISAL_SATISFACTION_BELOW_THRESHOLD",
        }
    }
    fn zh(&self) -> &'static str {
        match self {
            Self::ConsecutiveFail { .. } => "连续年度考评不合格",
            Self::SatisfactionBelowThreshold { .. } => "群众满意度低于规定标准，应评为不合格",
        }
    }
    fn en(&self) -> &'static str {
        match self {
            Self::ConsecutiveFail { .. } => "appraised as fail in consecutive years",
            Self::SatisfactionBelowThreshold { .. } => {
                "residents' satisfaction is below the threshold, which makes the grade fail"
            }
        }
    }
}

/// The flags raised by the effective appraisals in `all`: first every
/// [`AppraisalFlag::ConsecutiveFail`] (by worker, then first year), then every
/// [`AppraisalFlag::SatisfactionBelowThreshold`] (by worker, then year).
/// Years are consecutive when they follow each other (2023 and 2025 are not).
///
/// ```
/// use registry_core::appraisal::{appraisal_flags, Appraisal, AppraisalFlag, AppraisalInput, AppraisalRules, Grade};
/// use time::macros::date;
///
/// let fail = |id: u64, year: i32| {
///     let input = AppraisalInput {
///         id, worker_id: 7, unit_id: 3, year, grade: Grade::Fail,
///         scores: Default::default(), recorded_on: date!(2026-01-10), corrects: None,
///     };
///     Appraisal::new(input, date!(2026-02-01)).unwrap()
/// };
/// let flags = appraisal_flags(&[fail(1, 2024), fail(2, 2025)], &AppraisalRules::default());
/// assert!(matches!(&flags[..], [AppraisalFlag::ConsecutiveFail { years, .. }] if years == &[2024, 2025]));
/// ```
pub fn appraisal_flags(all: &[Appraisal], rules: &AppraisalRules) -> Vec<AppraisalFlag> {
    let effective = effective_in(all.iter());
    let mut flags = Vec::new();
    let mut run: Vec<&Appraisal> = Vec::new();
    let close_run = |run: &mut Vec<&Appraisal>, flags: &mut Vec<AppraisalFlag>| {
        let streak = usize::try_from(rules.fail_streak).unwrap_or(usize::MAX);
        if let Some(first) = run.first()
            && streak > 0
            && run.len() >= streak
        {
            flags.push(AppraisalFlag::ConsecutiveFail {
                worker_id: first.worker_id,
                years: run.iter().map(|a| a.year).collect(),
                evidence: run.iter().map(|a| a.fact()).collect(),
            });
        }
        run.clear();
    };
    for a in &effective {
        let continues = run
            .last()
            .is_some_and(|p| p.worker_id == a.worker_id && p.year + 1 == a.year);
        if !continues {
            close_run(&mut run, &mut flags);
        }
        if a.grade_under(rules) == Grade::Fail {
            run.push(a);
        } else {
            close_run(&mut run, &mut flags);
        }
    }
    close_run(&mut run, &mut flags);
    flags.extend(
        effective
            .iter()
            .filter(|a| a.grade > Grade::Fail && a.satisfaction_below(rules))
            .map(|a| AppraisalFlag::SatisfactionBelowThreshold { appraisal_id: a.id }),
    );
    flags
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 01);

    fn input(id: u64, worker_id: u64, year: i32, grade: Grade) -> AppraisalInput {
        AppraisalInput {
            id,
            worker_id,
            unit_id: 3,
            year,
            grade,
            scores: DimensionScores::default(),
            recorded_on: date!(2026 - 01 - 10),
            corrects: None,
        }
    }

    fn rec(id: u64, worker_id: u64, year: i32, grade: Grade) -> Appraisal {
        Appraisal::new(input(id, worker_id, year, grade), TODAY).unwrap()
    }

    /// Ten workers of unit 3 in 2025, the first `excellent` of them 优秀.
    fn unit_of_ten(excellent: u64) -> Vec<Appraisal> {
        (0..10)
            .map(|i| {
                rec(
                    i,
                    i,
                    2025,
                    if i < excellent {
                        Grade::Excellent
                    } else {
                        Grade::Pass
                    },
                )
            })
            .collect()
    }

    #[test]
    fn grades_order_and_serialise() {
        assert!(
            Grade::Fail < Grade::BasicPass
                && Grade::BasicPass < Grade::Pass
                && Grade::Pass < Grade::Excellent
        );
        assert_eq!(
            serde_json::to_string(&Grade::BasicPass).unwrap(),
            "\"basic_pass\""
        );
        assert_eq!(Grade::parse("excellent").unwrap(), Grade::Excellent);
        assert_eq!(
            Grade::parse("good").unwrap_err().rule,
            "appraisal.grade_unknown"
        );
        assert_eq!(Grade::BasicPass.zh(), "基本合格");
    }

    #[test]
    fn scores_are_0_to_100_numbers() {
        assert_eq!(Score::new(101).unwrap_err().rule, "appraisal.score_range");
        assert_eq!(
            serde_json::to_string(&Score::new(60).unwrap()).unwrap(),
            "60"
        );
        let err = serde_json::from_str::<Score>("101").unwrap_err();
        assert!(err.to_string().contains("appraisal.score_range"), "{err}");
    }

    #[test]
    fn construction_rules() {
        let future = Appraisal::new(input(1, 1, 2027, Grade::Pass), TODAY).unwrap_err();
        assert_eq!(
            (future.field.as_str(), future.rule),
            ("year", "appraisal.future_year")
        );
        // The current year may be appraised (a December appraisal).
        let this_year = AppraisalInput {
            recorded_on: TODAY,
            ..input(1, 1, 2026, Grade::Pass)
        };
        assert!(Appraisal::new(this_year, TODAY).is_ok());
        assert_eq!(
            Appraisal::new(input(1, 1, 1948, Grade::Pass), TODAY)
                .unwrap_err()
                .rule,
            "appraisal.year_range"
        );
        let late = AppraisalInput {
            recorded_on: date!(2026 - 03 - 02),
            ..input(1, 1, 2025, Grade::Pass)
        };
        assert_eq!(
            Appraisal::new(late, TODAY).unwrap_err().rule,
            "appraisal.recorded_in_future"
        );
        let early = AppraisalInput {
            recorded_on: date!(2024 - 12 - 31),
            ..input(1, 1, 2025, Grade::Pass)
        };
        assert_eq!(
            Appraisal::new(early, TODAY).unwrap_err().rule,
            "appraisal.recorded_before_year"
        );
        let selfish = AppraisalInput {
            corrects: Some(1),
            ..input(1, 1, 2025, Grade::Pass)
        };
        assert_eq!(
            Appraisal::new(selfish, TODAY).unwrap_err().rule,
            "appraisal.corrects_self"
        );
    }

    #[test]
    fn serde_round_trip_validates() {
        let a = rec(5, 7, 2025, Grade::Excellent);
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"recorded_on\":\"2026-01-10\""), "{json}");
        assert_eq!(serde_json::from_str::<Appraisal>(&json).unwrap(), a);
        let bad = json.replace("2026-01-10", "2024-01-10");
        assert!(serde_json::from_str::<Appraisal>(&bad).is_err());
    }

    #[test]
    fn corrections_supersede_and_latest_wins() {
        let a1 = rec(1, 7, 2025, Grade::Excellent);
        let a2 = Appraisal::new(
            AppraisalInput {
                recorded_on: date!(2026 - 02 - 01),
                corrects: Some(1),
                ..input(2, 7, 2025, Grade::Pass)
            },
            TODAY,
        )
        .unwrap();
        // A later plain entry for the same worker and year wins over an earlier one.
        let b1 = rec(3, 8, 2025, Grade::Pass);
        let b2 = Appraisal::new(
            AppraisalInput {
                recorded_on: date!(2026 - 02 - 15),
                ..input(4, 8, 2025, Grade::BasicPass)
            },
            TODAY,
        )
        .unwrap();
        let all = vec![a2.clone(), b2.clone(), a1, b1];
        let ids: Vec<u64> = effective_appraisals(&all).iter().map(|a| a.id()).collect();
        assert_eq!(ids, vec![2, 4]);
        assert_eq!(appraisal_for(&all, 7, 2025), Some(&a2));
        assert_eq!(appraisal_for(&all, 8, 2025), Some(&b2));
        assert_eq!(appraisal_for(&all, 9, 2025), None);
    }

    #[test]
    fn cap_of_twenty_percent() {
        let rules = AppraisalRules::default();
        let ok = check_excellent_cap(&unit_of_ten(2), 3, 2025, &rules);
        assert_eq!(
            (ok.total, ok.excellent, ok.max_excellent, ok.within_cap),
            (10, 2, 2, true)
        );
        assert_eq!(ok.code(), "APPRAISAL_EXCELLENT_WITHIN_CAP");
        let over = check_excellent_cap(&unit_of_ten(3), 3, 2025, &rules);
        assert_eq!(
            (over.excellent, over.max_excellent, over.within_cap),
            (3, 2, false)
        );
        assert_eq!(
            over.evidence.len(),
            4,
            "unit and the three excellent appraisals"
        );
        // Other units and years are not counted.
        assert_eq!(
            check_excellent_cap(&unit_of_ten(3), 4, 2025, &rules).total,
            0
        );
    }

    #[test]
    fn cap_rounding() {
        let mut rules = AppraisalRules {
            excellent_cap: Percent::parse("15").unwrap(),
            ..Default::default()
        };
        assert_eq!(rules.max_excellent(10), 1);
        rules.cap_rounding = CapRounding::Ceil;
        assert_eq!(rules.max_excellent(10), 2);
        rules.cap_rounding = CapRounding::Round;
        assert_eq!(rules.max_excellent(10), 2);
        assert_eq!(rules.max_excellent(9), 1, "1.35 rounds to 1");
        assert_eq!(rules.max_excellent(0), 0);
    }

    #[test]
    fn would_exceed_cap_counts_the_candidate() {
        let rules = AppraisalRules::default();
        let mut nine = unit_of_ten(2);
        nine.pop();
        // 2 of 9 plus a tenth 优秀 = 3 of 10: refused.
        let third = rec(100, 100, 2025, Grade::Excellent);
        let refused = would_exceed_cap(&nine, &third, &rules).unwrap();
        assert_eq!(
            (refused.total, refused.excellent, refused.max_excellent),
            (10, 3, 2)
        );
        // A 合格 never breaks the cap.
        assert_eq!(
            would_exceed_cap(&nine, &rec(100, 100, 2025, Grade::Pass), &rules),
            None
        );
        // Correcting one 优秀 to 合格 frees the slot.
        let fix = Appraisal::new(
            AppraisalInput {
                recorded_on: date!(2026 - 02 - 01),
                corrects: Some(0),
                ..input(50, 0, 2025, Grade::Pass)
            },
            TODAY,
        )
        .unwrap();
        assert_eq!(would_exceed_cap(&nine, &fix, &rules), None);
        nine.push(fix);
        assert_eq!(would_exceed_cap(&nine, &third, &rules), None);
        // 1 of 9 plus one = 2 of 10: fine.
        let mut one = unit_of_ten(1);
        one.pop();
        assert_eq!(would_exceed_cap(&one, &third, &rules), None);
        // Upgrading a 合格 to 优秀 by correction when full is refused.
        let full = unit_of_ten(2);
        let upgrade = Appraisal::new(
            AppraisalInput {
                recorded_on: date!(2026 - 02 - 01),
                corrects: Some(5),
                ..input(60, 5, 2025, Grade::Excellent)
            },
            TODAY,
        )
        .unwrap();
        assert!(would_exceed_cap(&full, &upgrade, &rules).is_some());
    }

    #[test]
    fn consecutive_fail_flags() {
        let rules = AppraisalRules::default();
        let all = vec![
            rec(1, 7, 2024, Grade::Fail),
            rec(2, 7, 2025, Grade::Fail),
            rec(3, 8, 2023, Grade::Fail),
            rec(4, 8, 2025, Grade::Fail),
            rec(5, 9, 2024, Grade::Fail),
            rec(6, 9, 2025, Grade::BasicPass),
        ];
        let flags = appraisal_flags(&all, &rules);
        assert_eq!(flags.len(), 1, "{flags:?}");
        let AppraisalFlag::ConsecutiveFail {
            worker_id,
            years,
            evidence,
        } = &flags[0]
        else {
            panic!("{flags:?}")
        };
        assert_eq!((*worker_id, years.as_slice()), (7, &[2024, 2025][..]));
        assert_eq!(
            evidence.as_slice(),
            &[
                FactRef::new(FactKind::Appraisal, 1),
                FactRef::new(FactKind::Appraisal, 2)
            ]
        );
        assert_eq!(flags[0].code(), "APPRAISAL_CONSECUTIVE_FAIL");
        // Off when the streak is 0; a three-year run is one flag.
        assert!(
            appraisal_flags(
                &all,
                &AppraisalRules {
                    fail_streak: 0,
                    ..rules.clone()
                }
            )
            .is_empty()
        );
        let three = vec![
            rec(1, 7, 2023, Grade::Fail),
            rec(2, 7, 2024, Grade::Fail),
            rec(3, 7, 2025, Grade::Fail),
        ];
        let flags = appraisal_flags(&three, &rules);
        assert!(
            matches!(&flags[..], [AppraisalFlag::ConsecutiveFail { years, .. }] if years == &[2023, 2024, 2025])
        );
    }

    #[test]
    fn satisfaction_threshold() {
        let rules = AppraisalRules {
            satisfaction_fail_below: Some(Score::new(60).unwrap()),
            ..Default::default()
        };
        let with_satisfaction = |id, year, grade, s| {
            let scores = DimensionScores {
                satisfaction: Some(Score::new(s).unwrap()),
                ..Default::default()
            };
            Appraisal::new(
                AppraisalInput {
                    scores,
                    ..input(id, 7, year, grade)
                },
                TODAY,
            )
            .unwrap()
        };
        let low = with_satisfaction(1, 2024, Grade::Pass, 59);
        assert_eq!(low.grade_under(&rules), Grade::Fail);
        assert_eq!(low.grade_under(&AppraisalRules::default()), Grade::Pass);
        let all = vec![
            low,
            with_satisfaction(2, 2025, Grade::Fail, 50),
            with_satisfaction(3, 2023, Grade::Pass, 60),
        ];
        let flags = appraisal_flags(&all, &rules);
        // 2024 (by satisfaction) and 2025 are consecutive fails; only the 2024 grade contradicts the rule.
        assert_eq!(flags.len(), 2, "{flags:?}");
        assert!(
            matches!(&flags[0], AppraisalFlag::ConsecutiveFail { years, .. } if years == &[2024, 2025])
        );
        assert_eq!(
            flags[1],
            AppraisalFlag::SatisfactionBelowThreshold { appraisal_id: 1 }
        );
        assert_eq!(flags[1].code(), "APPRAISAL_SATISFACTION_BELOW_THRESHOLD");
    }

    #[test]
    fn rules_serde_defaults() {
        let rules: AppraisalRules = serde_json::from_str(r#"{"excellent_cap":"15"}"#).unwrap();
        assert_eq!(rules.fail_streak, 2);
        assert_eq!(rules.cap_rounding, CapRounding::Floor);
        assert_eq!(AppraisalRules::default().excellent_cap.to_string(), "20");
    }
}
