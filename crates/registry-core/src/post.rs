//! Organisation units, social-work posts (岗位) and the assignments of workers to them.
//!
//! Layout: [`OrganisationUnit`] (a street centre, community, village, agency, …) holds
//! [`Post`]s; an [`Assignment`] puts one worker on one post for a [`Period`], full-time or
//! part-time. Two rules are checked over a worker's assignments by [`assignment_issues`]:
//!
//! - part-time service on a post is limited ([`AssignmentRules::part_time_max_months`],
//!   24 months by default: Chengdu lets a community worker converted to a social-work post hold
//!   it part-time "不超过2年", seed 004). Months are counted from the assignment's start with
//!   [`add_months`], so month 25 of a part-time assignment begun on 2024-01-15 starts on
//!   2026-01-15;
//! - a worker holds at most one full-time post on any day.
//!
//! The limit is counted per assignment: a worker moved from one part-time assignment to
//! another starts a new count. Callers who want a cumulative limit can merge the periods first.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar::{Period, add_months, whole_months_between};
use crate::error::FieldError;
use crate::facts::{Evidence, Explain, FactKind, FactRef};
use crate::ids::{CreditCode, RegionCode};
use crate::level::Level;

/// Longest unit name or post title accepted, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Lowest professional-technical post grade (专业技术岗位等级).
pub const MIN_GRADE: u8 = 1;
/// Highest professional-technical post grade.
pub const MAX_GRADE: u8 = 13;

/// Soft warning: an agency whose credit code is not that of a private non-enterprise unit.
pub const WARN_AGENCY_CODE: &str = "credit_code.not_private_non_enterprise";

/// Trims `value` and checks it is non-empty and at most [`MAX_NAME_CHARS`] characters.
fn checked_name(
    value: &str,
    field: &str,
    empty_rule: &'static str,
    long_rule: &'static str,
) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(
            field,
            empty_rule,
            format!("{field} must not be empty"),
        ));
    }
    if v.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::new(
            field,
            long_rule,
            format!("{field} must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// The kinds of organisation where social-work posts are set (DOMAIN §4, seeds 002 and 004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitType {
    /// 镇（街道）社区服务中心: street or town community service centre.
    StreetServiceCentre,
    /// 城市社区: urban community (居委会).
    UrbanCommunity,
    /// 建制村: administrative village, the rural community.
    AdministrativeVillage,
    /// 社会工作服务机构: social-work service agency (usually a 民办非企业单位).
    Agency,
    /// 民政事业单位: civil-affairs public institution (welfare home, relief station, …).
    CivilAffairsInstitution,
    /// 基层人民调解组织: people's mediation organisation.
    Mediation,
    /// 社区矫正机构: community correction body.
    CommunityCorrection,
    /// 安置帮教机构: resettlement and assistance of released persons.
    Resettlement,
    /// 禁毒戒毒机构: drug control and rehabilitation body.
    DrugRehabilitation,
    /// 灾害救援组织: disaster relief organisation.
    DisasterRelief,
    /// Any other organisation.
    Other,
}

impl UnitType {
    /// Every unit type, in declaration order.
    pub const ALL: [UnitType; 11] = [
        Self::StreetServiceCentre,
        Self::UrbanCommunity,
        Self::AdministrativeVillage,
        Self::Agency,
        Self::CivilAffairsInstitution,
        Self::Mediation,
        Self::CommunityCorrection,
        Self::Resettlement,
        Self::DrugRehabilitation,
        Self::DisasterRelief,
        Self::Other,
    ];

    /// Stable code, as in JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Self::StreetServiceCentre => "street_service_centre",
            Self::UrbanCommunity => "urban_community",
            Self::AdministrativeVillage => "administrative_village",
            Self::Agency => "agency",
            Self::CivilAffairsInstitution => "civil_affairs_institution",
            Self::Mediation => "mediation",
            Self::CommunityCorrection => "community_correction",
            Self::Resettlement => "resettlement",
            Self::DrugRehabilitation => "drug_rehabilitation",
            Self::DisasterRelief => "disaster_relief",
            Self::Other => "other",
        }
    }

    /// Chinese name.
    pub fn zh(&self) -> &'static str {
        match self {
            Self::StreetServiceCentre => "镇（街道）社区服务中心",
            Self::UrbanCommunity => "城市社区",
            Self::AdministrativeVillage => "建制村",
            Self::Agency => "社会工作服务机构",
            Self::CivilAffairsInstitution => "民政事业单位",
            Self::Mediation => "基层人民调解组织",
            Self::CommunityCorrection => "社区矫正机构",
            Self::Resettlement => "安置帮教机构",
            Self::DrugRehabilitation => "禁毒戒毒机构",
            Self::DisasterRelief => "灾害救援组织",
            Self::Other => "其他单位",
        }
    }

    /// English name.
    pub fn en(&self) -> &'static str {
        match self {
            Self::StreetServiceCentre => "street or town community service centre",
            Self::UrbanCommunity => "urban community",
            Self::AdministrativeVillage => "administrative village",
            Self::Agency => "social-work service agency",
            Self::CivilAffairsInstitution => "civil-affairs institution",
            Self::Mediation => "people's mediation organisation",
            Self::CommunityCorrection => "community correction body",
            Self::Resettlement => "resettlement and assistance body",
            Self::DrugRehabilitation => "drug rehabilitation body",
            Self::DisasterRelief => "disaster relief organisation",
            Self::Other => "other organisation",
        }
    }

    /// Parses a code such as `urban_community`; rule `unit_type.unknown`.
    pub fn parse(input: &str) -> Result<UnitType, FieldError> {
        let s = input.trim();
        Self::ALL
            .into_iter()
            .find(|t| t.code() == s)
            .ok_or_else(|| {
                FieldError::new(
                    "unit_type",
                    "unit_type.unknown",
                    format!("unknown unit type {s:?}"),
                )
            })
    }
}

/// An organisation that sets social-work posts. Built by [`OrganisationUnit::new`] (or by
/// deserialising, which runs the same checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "OrganisationUnitInput")]
pub struct OrganisationUnit {
    id: u64,
    name: String,
    region: RegionCode,
    unit_type: UnitType,
    #[serde(skip_serializing_if = "Option::is_none")]
    credit_code: Option<CreditCode>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationUnitInput {
    id: u64,
    name: String,
    region: RegionCode,
    unit_type: UnitType,
    #[serde(default)]
    credit_code: Option<CreditCode>,
}

impl TryFrom<OrganisationUnitInput> for OrganisationUnit {
    type Error = FieldError;
    fn try_from(i: OrganisationUnitInput) -> Result<Self, FieldError> {
        Self::new(i.id, &i.name, i.region, i.unit_type, i.credit_code)
    }
}

impl OrganisationUnit {
    /// Builds a unit. The name is trimmed; rules `unit.name_empty` and `unit.name_too_long`
    /// (more than [`MAX_NAME_CHARS`] characters).
    ///
    /// ```
    /// use registry_core::ids::{CreditCode, RegionCode};
    /// use registry_core::post::{OrganisationUnit, UnitType};
    ///
    /// let region = RegionCode::parse("510104").unwrap();
    /// let code = CreditCode::parse("91440101MA5CJQ4N59").ok();
    /// let agency = OrganisationUnit::new(7, "锦江区社工服务中心", region, UnitType::Agency, code).unwrap();
    /// assert_eq!(agency.soft_warnings(), ["credit_code.not_private_non_enterprise"]);
    /// assert_eq!(
    ///     OrganisationUnit::new(8, "  ", region, UnitType::UrbanCommunity, None).unwrap_err().rule,
    ///     "unit.name_empty"
    /// );
    /// ```
    pub fn new(
        id: u64,
        name: &str,
        region: RegionCode,
        unit_type: UnitType,
        credit_code: Option<CreditCode>,
    ) -> Result<OrganisationUnit, FieldError> {
        let name = checked_name(name, "name", "unit.name_empty", "unit.name_too_long")?;
        Ok(Self {
            id,
            name,
            region,
            unit_type,
            credit_code,
        })
    }

    /// The caller's id of the unit.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The unit's name, trimmed.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The region the unit belongs to.
    pub fn region(&self) -> RegionCode {
        self.region
    }

    /// The kind of unit.
    pub fn unit_type(&self) -> UnitType {
        self.unit_type
    }

    /// The unit's unified social credit code, if recorded.
    pub fn credit_code(&self) -> Option<&CreditCode> {
        self.credit_code.as_ref()
    }

    /// Rules the unit breaks that only warrant a warning, as stable codes: currently
    /// [`WARN_AGENCY_CODE`] when an agency's credit code does not start with `52`.
    pub fn soft_warnings(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.unit_type == UnitType::Agency
            && self
                .credit_code
                .as_ref()
                .is_some_and(|c| !c.is_private_non_enterprise())
        {
            out.push(WARN_AGENCY_CODE);
        }
        out
    }
}

/// Whether a post (or an assignment to it) is held full-time (专职) or part-time (兼职).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// 专职.
    FullTime,
    /// 兼职.
    PartTime,
}

impl TimeBasis {
    /// Stable code, as in JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Self::FullTime => "full_time",
            Self::PartTime => "part_time",
        }
    }
}

/// A social-work post of a unit: a professional-technical post with an optional grade
/// (1 to 13, [`MIN_GRADE`]..=[`MAX_GRADE`]) and an optional minimum credential level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PostInput")]
pub struct Post {
    id: u64,
    unit_id: u64,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_level: Option<Level>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grade: Option<u8>,
    part_time_allowed: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostInput {
    id: u64,
    unit_id: u64,
    title: String,
    #[serde(default)]
    min_level: Option<Level>,
    #[serde(default)]
    grade: Option<u8>,
    #[serde(default)]
    part_time_allowed: bool,
}

impl TryFrom<PostInput> for Post {
    type Error = FieldError;
    fn try_from(i: PostInput) -> Result<Self, FieldError> {
        Self::new(
            i.id,
            i.unit_id,
            &i.title,
            i.min_level,
            i.grade,
            i.part_time_allowed,
        )
    }
}

impl Post {
    /// Builds a post. The title is trimmed; rules `post.title_empty`, `post.title_too_long`
    /// and `post.grade_range` (grade outside 1..=13).
    ///
    /// ```
    /// use registry_core::Level;
    /// use registry_core::post::Post;
    ///
    /// let post = Post::new(3, 7, "社区社会工作专业岗位", Some(Level::Assistant), Some(11), true).unwrap();
    /// assert!(post.admits(Some(Level::Intermediate)));
    /// assert!(!post.admits(Some(Level::Aide)));
    /// assert_eq!(Post::new(4, 7, "社工岗", None, Some(14), false).unwrap_err().rule, "post.grade_range");
    /// ```
    pub fn new(
        id: u64,
        unit_id: u64,
        title: &str,
        min_level: Option<Level>,
        grade: Option<u8>,
        part_time_allowed: bool,
    ) -> Result<Post, FieldError> {
        let title = checked_name(title, "title", "post.title_empty", "post.title_too_long")?;
        if let Some(g) = grade
            && !(MIN_GRADE..=MAX_GRADE).contains(&g)
        {
            return Err(FieldError::new(
                "grade",
                "post.grade_range",
                format!("grade must be {MIN_GRADE} to {MAX_GRADE}, found {g}"),
            ));
        }
        Ok(Self {
            id,
            unit_id,
            title,
            min_level,
            grade,
            part_time_allowed,
        })
    }

    /// The caller's id of the post.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The unit the post belongs to.
    pub fn unit_id(&self) -> u64 {
        self.unit_id
    }

    /// The post's title, trimmed.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The lowest credential level the post requires, if any.
    pub fn min_level(&self) -> Option<Level> {
        self.min_level
    }

    /// The professional-technical grade, 1 to 13, if set.
    pub fn grade(&self) -> Option<u8> {
        self.grade
    }

    /// Whether the post may be held part-time.
    pub fn part_time_allowed(&self) -> bool {
        self.part_time_allowed
    }

    /// Whether a worker whose highest valid level is `level` (`None`: no credential) meets the
    /// post's minimum level.
    pub fn admits(&self, level: Option<Level>) -> bool {
        match self.min_level {
            None => true,
            Some(min) => level.is_some_and(|l| l >= min),
        }
    }
}

/// One worker on one post for a period, full-time or part-time.
///
/// Built by [`Assignment::new`], which checks the post allows a part-time basis. Deserialising
/// checks the period (through `Period`) but cannot see the post, so it trusts that a stored part-time
/// assignment was checked when it was first built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "AssignmentInput")]
pub struct Assignment {
    id: u64,
    worker_id: u64,
    post_id: u64,
    period: Period,
    basis: TimeBasis,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignmentInput {
    id: u64,
    worker_id: u64,
    post_id: u64,
    period: Period,
    basis: TimeBasis,
}

/// `Period` checks its own ends when deserialised, so nothing here can fail.
impl From<AssignmentInput> for Assignment {
    fn from(i: AssignmentInput) -> Self {
        Self {
            id: i.id,
            worker_id: i.worker_id,
            post_id: i.post_id,
            period: i.period,
            basis: i.basis,
        }
    }
}

impl Assignment {
    /// Assigns `worker_id` to `post`; rule `assignment.part_time_not_allowed` (field `basis`)
    /// when the basis is part-time and the post does not allow it.
    ///
    /// ```
    /// use registry_core::calendar::Period;
    /// use registry_core::post::{Assignment, Post, TimeBasis, part_time_month};
    /// use time::macros::date;
    ///
    /// let post = Post::new(3, 7, "社区社会工作专业岗位", None, None, true).unwrap();
    /// let a = Assignment::new(1, 42, &post, Period::from(date!(2024-01-15)), TimeBasis::PartTime).unwrap();
    /// assert_eq!(part_time_month(&a, date!(2026-01-14)), Some(24));
    /// assert_eq!(part_time_month(&a, date!(2026-01-15)), Some(25));
    ///
    /// let full_time_only = Post::new(4, 7, "社工岗", None, None, false).unwrap();
    /// let err = Assignment::new(2, 42, &full_time_only, Period::from(date!(2024-01-15)), TimeBasis::PartTime);
    /// assert_eq!(err.unwrap_err().rule, "assignment.part_time_not_allowed");
    /// ```
    pub fn new(
        id: u64,
        worker_id: u64,
        post: &Post,
        period: Period,
        basis: TimeBasis,
    ) -> Result<Assignment, FieldError> {
        if basis == TimeBasis::PartTime && !post.part_time_allowed {
            return Err(FieldError::new(
                "basis",
                "assignment.part_time_not_allowed",
                format!("post {} may not be held part-time", post.id),
            ));
        }
        Ok(Self {
            id,
            worker_id,
            post_id: post.id,
            period,
            basis,
        })
    }

    /// The caller's id of the assignment.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The worker assigned.
    pub fn worker_id(&self) -> u64 {
        self.worker_id
    }

    /// The post held.
    pub fn post_id(&self) -> u64 {
        self.post_id
    }

    /// When the post is held (inclusive).
    pub fn period(&self) -> Period {
        self.period
    }

    /// Full-time or part-time.
    pub fn basis(&self) -> TimeBasis {
        self.basis
    }

    /// Whether the assignment covers `date`.
    pub fn is_active_on(&self, date: Date) -> bool {
        self.period.contains(date)
    }
}

/// Rule parameters for assignments; [`Default`] is Chengdu's (seed 004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentRules {
    /// Longest part-time service on one assignment, in months (24: "兼职时间应不超过2年").
    pub part_time_max_months: u32,
}

impl Default for AssignmentRules {
    fn default() -> Self {
        Self {
            part_time_max_months: 24,
        }
    }
}

/// The 1-based month of part-time service `date` falls in, when `a` is part-time and active
/// on `date`: month 1 is `[start, add_months(start, 1) - 1 day]`, month `n + 1` starts on
/// `add_months(start, n)` (clamped to the month's end, so from 2024-01-31 month 2 starts on
/// 2024-02-29). `None` for full-time assignments and dates outside the period.
pub fn part_time_month(a: &Assignment, date: Date) -> Option<u32> {
    if a.basis != TimeBasis::PartTime || !a.is_active_on(date) {
        return None;
    }
    let whole = whole_months_between(a.period.start(), date);
    Some(u32::try_from(whole).unwrap_or(u32::MAX).saturating_add(1))
}

/// Something wrong with a worker's assignments, found by [`assignment_issues`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AssignmentIssue {
    /// A part-time assignment ran past the limit.
    PartTimeOverLimit {
        /// The part-time assignment.
        assignment_id: u64,
        /// Its month of part-time service on the last day looked at (the as-of date, or the
        /// assignment's end when earlier).
        month: u32,
        /// The limit in months.
        limit: u32,
        /// First day over the limit: `add_months(start, limit)`.
        since: Date,
    },
    /// The same worker holds two full-time assignments on the same day.
    OverlappingFullTime {
        /// The assignment that starts first (lower id when both start together).
        first: u64,
        /// The other assignment.
        second: u64,
        /// First day of the overlap.
        from: Date,
    },
}

impl AssignmentIssue {
    /// The assignments the issue is about.
    pub fn evidence(&self) -> Evidence {
        let a = |id| FactRef::new(FactKind::Assignment, id);
        match *self {
            Self::PartTimeOverLimit { assignment_id, .. } => {
                Evidence::from_slice(&[a(assignment_id)])
            }
            Self::OverlappingFullTime { first, second, .. } => {
                Evidence::from_slice(&[a(first), a(second)])
            }
        }
    }

    fn date(&self) -> Date {
        match *self {
            Self::PartTimeOverLimit { since, .. } => since,
            Self::OverlappingFullTime { from, .. } => from,
        }
    }
}

impl Explain for AssignmentIssue {
    fn code(&self) -> &'static str {
        match self {
            Self::PartTimeOverLimit { .. } => "PART_TIME_LIMIT_EXCEEDED",
            Self::OverlappingFullTime { .. } => "FULL_TIME_POSTS_OVERLAP",
        }
    }

    fn zh(&self) -> &'static str {
        match self {
            Self::PartTimeOverLimit { .. } => "兼职担任社会工作专业岗位的时间超过规定期限",
            Self::OverlappingFullTime { .. } => "同一社会工作者同时担任两个专职岗位",
        }
    }

    fn en(&self) -> &'static str {
        match self {
            Self::PartTimeOverLimit { .. } => {
                "part-time service on a social-work post has run past its limit"
            }
            Self::OverlappingFullTime { .. } => {
                "the worker holds two full-time posts at the same time"
            }
        }
    }
}

/// Checks every worker's assignments as recorded up to `as_of`: service after `as_of` is not
/// looked at, service before it is (an issue stays on the record after the assignment ends).
///
/// - [`AssignmentIssue::PartTimeOverLimit`] for a part-time assignment whose service up to
///   `as_of` (or its end, when earlier) reached month `limit + 1`;
/// - [`AssignmentIssue::OverlappingFullTime`] for each pair of full-time assignments of one
///   worker that share a day on or before `as_of`. Part-time assignments never count as overlap.
///
/// Order: by worker id, then by the issue's date (`since` / `from`), part-time issues before
/// overlaps on the same day, then by assignment ids.
///
/// ```
/// use registry_core::Explain;
/// use registry_core::calendar::Period;
/// use registry_core::post::{Assignment, AssignmentRules, Post, TimeBasis, assignment_issues};
/// use time::macros::date;
///
/// let post = Post::new(3, 7, "社区社会工作专业岗位", None, None, true).unwrap();
/// let a = Assignment::new(1, 42, &post, Period::from(date!(2024-01-15)), TimeBasis::PartTime).unwrap();
/// let rules = AssignmentRules::default();
/// assert!(assignment_issues(std::slice::from_ref(&a), &rules, date!(2026-01-14)).is_empty());
/// let issues = assignment_issues(&[a], &rules, date!(2026-01-15));
/// assert_eq!(issues[0].code(), "PART_TIME_LIMIT_EXCEEDED");
/// ```
pub fn assignment_issues(
    assignments: &[Assignment],
    rules: &AssignmentRules,
    as_of: Date,
) -> Vec<AssignmentIssue> {
    let limit = rules.part_time_max_months;
    let mut by_worker: BTreeMap<u64, Vec<&Assignment>> = BTreeMap::new();
    for a in assignments.iter().filter(|a| a.period.start() <= as_of) {
        by_worker.entry(a.worker_id).or_default().push(a);
    }
    let mut out = Vec::new();
    for list in by_worker.values_mut() {
        list.sort_by_key(|a| (a.period.start(), a.id));
        let mut issues = Vec::new();
        for a in list.iter() {
            let last = a.period.end().map_or(as_of, |e| e.min(as_of));
            if let Some(month) = part_time_month(a, last)
                && month > limit
            {
                issues.push(AssignmentIssue::PartTimeOverLimit {
                    assignment_id: a.id,
                    month,
                    limit,
                    since: add_months(a.period.start(), i64::from(limit)),
                });
            }
        }
        let full_time: Vec<&Assignment> = list
            .iter()
            .copied()
            .filter(|a| a.basis == TimeBasis::FullTime)
            .collect();
        for (i, first) in full_time.iter().enumerate() {
            for second in full_time.iter().skip(i + 1) {
                // Sorted by start, so the overlap begins where `second` starts, which is on
                // or before `as_of` (later assignments were left out above).
                if first.period.overlaps(&second.period) {
                    issues.push(AssignmentIssue::OverlappingFullTime {
                        first: first.id,
                        second: second.id,
                        from: second.period.start(),
                    });
                }
            }
        }
        issues.sort_by_key(|issue| {
            let (kind, x, y) = match *issue {
                AssignmentIssue::PartTimeOverLimit { assignment_id, .. } => (0, assignment_id, 0),
                AssignmentIssue::OverlappingFullTime { first, second, .. } => (1, first, second),
            };
            (issue.date(), kind, x, y)
        });
        out.extend(issues);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::date;

    fn post(id: u64, part_time_allowed: bool) -> Post {
        Post::new(id, 1, "社区社会工作专业岗位", None, None, part_time_allowed).unwrap()
    }

    fn assign(
        id: u64,
        worker: u64,
        start: Date,
        end: Option<Date>,
        basis: TimeBasis,
    ) -> Assignment {
        Assignment::new(
            id,
            worker,
            &post(10 + id, true),
            Period::new(start, end).unwrap(),
            basis,
        )
        .unwrap()
    }

    fn region() -> RegionCode {
        RegionCode::parse("510104").unwrap()
    }

    #[test]
    fn unit_names_are_trimmed_and_bounded() {
        let u = OrganisationUnit::new(1, "  玉林社区 ", region(), UnitType::UrbanCommunity, None)
            .unwrap();
        assert_eq!(u.name(), "玉林社区");
        assert_eq!(u.region(), region());
        assert_eq!(u.unit_type(), UnitType::UrbanCommunity);
        let hundred = "社".repeat(100);
        assert!(OrganisationUnit::new(1, &hundred, region(), UnitType::Other, None).is_ok());
        let err =
            OrganisationUnit::new(1, &format!("{hundred}区"), region(), UnitType::Other, None)
                .unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.rule),
            ("name", "unit.name_too_long")
        );
    }

    #[test]
    fn agency_codes_outside_52_warn_softly() {
        let other = CreditCode::parse("91440101MA5CJQ4N59").unwrap();
        let agency = OrganisationUnit::new(
            1,
            "社工机构",
            region(),
            UnitType::Agency,
            Some(other.clone()),
        )
        .unwrap();
        assert_eq!(agency.soft_warnings(), vec![WARN_AGENCY_CODE]);
        let no_code =
            OrganisationUnit::new(2, "社工机构", region(), UnitType::Agency, None).unwrap();
        assert!(no_code.soft_warnings().is_empty());
        let community =
            OrganisationUnit::new(3, "社区", region(), UnitType::UrbanCommunity, Some(other))
                .unwrap();
        assert!(community.soft_warnings().is_empty());
    }

    #[test]
    fn unit_serde_round_trips_and_validates() {
        let json = r#"{"id":5,"name":"玉林社区","region":"510104","unit_type":"urban_community"}"#;
        let u: OrganisationUnit = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&u).unwrap(), json);
        let bad = r#"{"id":5,"name":"","region":"510104","unit_type":"urban_community"}"#;
        assert!(
            serde_json::from_str::<OrganisationUnit>(bad)
                .unwrap_err()
                .to_string()
                .contains("unit.name_empty")
        );
        assert!(
            serde_json::from_str::<OrganisationUnit>(&json.replace("urban_community", "town"))
                .is_err()
        );
    }

    #[test]
    fn unit_type_codes() {
        for t in UnitType::ALL {
            assert_eq!(UnitType::parse(t.code()).unwrap(), t);
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.code())
            );
        }
        assert_eq!(
            UnitType::parse("street").unwrap_err().rule,
            "unit_type.unknown"
        );
        assert_eq!(UnitType::AdministrativeVillage.zh(), "建制村");
    }

    #[test]
    fn post_grade_and_title_rules() {
        assert!(Post::new(1, 1, "岗位", None, Some(1), false).is_ok());
        assert!(Post::new(1, 1, "岗位", None, Some(13), false).is_ok());
        assert_eq!(
            Post::new(1, 1, "岗位", None, Some(0), false)
                .unwrap_err()
                .rule,
            "post.grade_range"
        );
        assert_eq!(
            Post::new(1, 1, "岗位", None, Some(14), false)
                .unwrap_err()
                .rule,
            "post.grade_range"
        );
        assert_eq!(
            Post::new(1, 1, "", None, None, false).unwrap_err().rule,
            "post.title_empty"
        );
        let bad = r#"{"id":1,"unit_id":1,"title":"岗位","grade":20}"#;
        assert!(
            serde_json::from_str::<Post>(bad)
                .unwrap_err()
                .to_string()
                .contains("post.grade_range")
        );
        let p: Post =
            serde_json::from_str(r#"{"id":1,"unit_id":2,"title":"岗位","min_level":"assistant"}"#)
                .unwrap();
        assert_eq!(
            (p.unit_id(), p.min_level(), p.part_time_allowed()),
            (2, Some(Level::Assistant), false)
        );
        assert!(!p.admits(None));
    }

    #[test]
    fn assignment_serde_rechecks_the_period() {
        let a = assign(
            1,
            9,
            date!(2024 - 01 - 01),
            Some(date!(2024 - 06 - 30)),
            TimeBasis::PartTime,
        );
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Assignment>(&json).unwrap(), a);
        let swapped = serde_json::to_value(&a).unwrap();
        let mut bad = swapped.clone();
        bad["period"]["start"] = swapped["period"]["end"].clone();
        bad["period"]["end"] = swapped["period"]["start"].clone();
        let err = serde_json::from_value::<Assignment>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("period.end_before_start"), "{err}");
    }

    #[test]
    fn part_time_needs_a_post_that_allows_it() {
        let period = Period::from(date!(2024 - 01 - 15));
        let err = Assignment::new(1, 1, &post(1, false), period, TimeBasis::PartTime).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.rule),
            ("basis", "assignment.part_time_not_allowed")
        );
        let a = Assignment::new(1, 1, &post(1, false), period, TimeBasis::FullTime).unwrap();
        assert_eq!((a.post_id(), a.basis()), (1, TimeBasis::FullTime));
    }

    #[test]
    fn part_time_months_from_the_15th() {
        let a = assign(1, 1, date!(2024 - 01 - 15), None, TimeBasis::PartTime);
        assert_eq!(part_time_month(&a, date!(2024 - 01 - 14)), None);
        assert_eq!(part_time_month(&a, date!(2024 - 01 - 15)), Some(1));
        assert_eq!(part_time_month(&a, date!(2024 - 02 - 14)), Some(1));
        assert_eq!(part_time_month(&a, date!(2024 - 02 - 15)), Some(2));
        assert_eq!(part_time_month(&a, date!(2026 - 01 - 14)), Some(24));
        assert_eq!(part_time_month(&a, date!(2026 - 01 - 15)), Some(25));
        let full = assign(2, 1, date!(2024 - 01 - 15), None, TimeBasis::FullTime);
        assert_eq!(part_time_month(&full, date!(2024 - 06 - 01)), None);
        let ended = assign(
            3,
            1,
            date!(2024 - 01 - 15),
            Some(date!(2024 - 12 - 31)),
            TimeBasis::PartTime,
        );
        assert_eq!(part_time_month(&ended, date!(2025 - 01 - 01)), None);
    }

    #[test]
    fn part_time_months_from_the_31st_clamp_in_february() {
        let a = assign(1, 1, date!(2024 - 01 - 31), None, TimeBasis::PartTime);
        assert_eq!(part_time_month(&a, date!(2024 - 02 - 28)), Some(1));
        assert_eq!(part_time_month(&a, date!(2024 - 02 - 29)), Some(2));
        assert_eq!(part_time_month(&a, date!(2024 - 03 - 30)), Some(2));
        assert_eq!(part_time_month(&a, date!(2024 - 03 - 31)), Some(3));
        assert_eq!(part_time_month(&a, date!(2026 - 01 - 30)), Some(24));
        assert_eq!(part_time_month(&a, date!(2026 - 01 - 31)), Some(25));
        let rules = AssignmentRules::default();
        assert!(
            assignment_issues(std::slice::from_ref(&a), &rules, date!(2026 - 01 - 30)).is_empty()
        );
        assert_eq!(
            assignment_issues(&[a], &rules, date!(2026 - 02 - 28)),
            vec![AssignmentIssue::PartTimeOverLimit {
                assignment_id: 1,
                month: 26,
                limit: 24,
                since: date!(2026 - 01 - 31),
            }]
        );
    }

    #[test]
    fn part_time_limit_at_the_boundary() {
        let a = assign(7, 1, date!(2024 - 01 - 15), None, TimeBasis::PartTime);
        let rules = AssignmentRules::default();
        assert_eq!(rules.part_time_max_months, 24);
        assert!(
            assignment_issues(std::slice::from_ref(&a), &rules, date!(2026 - 01 - 14)).is_empty()
        );
        let issues = assignment_issues(std::slice::from_ref(&a), &rules, date!(2026 - 01 - 15));
        assert_eq!(
            issues,
            vec![AssignmentIssue::PartTimeOverLimit {
                assignment_id: 7,
                month: 25,
                limit: 24,
                since: date!(2026 - 01 - 15),
            }]
        );
        assert_eq!(issues[0].code(), "PART_TIME_LIMIT_EXCEEDED");
        assert_eq!(
            issues[0].evidence().as_slice(),
            [FactRef::new(FactKind::Assignment, 7)]
        );
        // A region with a one-year limit is data, not code.
        let one_year = AssignmentRules {
            part_time_max_months: 12,
        };
        assert_eq!(
            assignment_issues(&[a], &one_year, date!(2025 - 01 - 15)).len(),
            1
        );
    }

    #[test]
    fn ended_part_time_assignments_keep_their_issue() {
        let over = assign(
            1,
            1,
            date!(2024 - 01 - 15),
            Some(date!(2026 - 03 - 31)),
            TimeBasis::PartTime,
        );
        let within = assign(
            2,
            2,
            date!(2024 - 01 - 15),
            Some(date!(2026 - 01 - 14)),
            TimeBasis::PartTime,
        );
        let issues = assignment_issues(
            &[over, within],
            &AssignmentRules::default(),
            date!(2027 - 01 - 01),
        );
        assert_eq!(
            issues,
            vec![AssignmentIssue::PartTimeOverLimit {
                assignment_id: 1,
                month: 27,
                limit: 24,
                since: date!(2026 - 01 - 15),
            }]
        );
    }

    #[test]
    fn full_time_overlap_by_one_day_is_flagged() {
        let a = assign(
            1,
            9,
            date!(2024 - 01 - 01),
            Some(date!(2024 - 07 - 01)),
            TimeBasis::FullTime,
        );
        let b = assign(2, 9, date!(2024 - 07 - 01), None, TimeBasis::FullTime);
        let rules = AssignmentRules::default();
        assert!(
            assignment_issues(&[b.clone(), a.clone()], &rules, date!(2024 - 06 - 30)).is_empty()
        );
        let issues = assignment_issues(&[b, a], &rules, date!(2024 - 07 - 01));
        assert_eq!(
            issues,
            vec![AssignmentIssue::OverlappingFullTime {
                first: 1,
                second: 2,
                from: date!(2024 - 07 - 01)
            }]
        );
        assert_eq!(issues[0].code(), "FULL_TIME_POSTS_OVERLAP");
        assert_eq!(issues[0].evidence().len(), 2);
    }

    #[test]
    fn back_to_back_and_mixed_basis_are_not_overlaps() {
        let rules = AssignmentRules::default();
        let a = assign(
            1,
            9,
            date!(2024 - 01 - 01),
            Some(date!(2024 - 06 - 30)),
            TimeBasis::FullTime,
        );
        let b = assign(2, 9, date!(2024 - 07 - 01), None, TimeBasis::FullTime);
        assert!(assignment_issues(&[a.clone(), b], &rules, date!(2025 - 01 - 01)).is_empty());
        let part = assign(3, 9, date!(2024 - 03 - 01), None, TimeBasis::PartTime);
        assert!(assignment_issues(&[a.clone(), part], &rules, date!(2025 - 01 - 01)).is_empty());
        // Different workers never overlap each other.
        let other = assign(4, 10, date!(2024 - 03 - 01), None, TimeBasis::FullTime);
        assert!(assignment_issues(&[a, other], &rules, date!(2025 - 01 - 01)).is_empty());
    }

    #[test]
    fn issues_are_ordered_by_worker_then_date() {
        let rules = AssignmentRules::default();
        let list = [
            assign(5, 2, date!(2020 - 01 - 01), None, TimeBasis::PartTime),
            assign(4, 1, date!(2024 - 01 - 01), None, TimeBasis::FullTime),
            assign(3, 1, date!(2023 - 01 - 01), None, TimeBasis::FullTime),
            assign(2, 1, date!(2021 - 01 - 01), None, TimeBasis::PartTime),
        ];
        let issues = assignment_issues(&list, &rules, date!(2025 - 01 - 01));
        assert_eq!(
            issues,
            vec![
                AssignmentIssue::PartTimeOverLimit {
                    assignment_id: 2,
                    month: 49,
                    limit: 24,
                    since: date!(2023 - 01 - 01)
                },
                AssignmentIssue::OverlappingFullTime {
                    first: 3,
                    second: 4,
                    from: date!(2024 - 01 - 01)
                },
                AssignmentIssue::PartTimeOverLimit {
                    assignment_id: 5,
                    month: 61,
                    limit: 24,
                    since: date!(2022 - 01 - 01)
                },
            ]
        );
        let mut reversed = list.to_vec();
        reversed.reverse();
        assert_eq!(
            assignment_issues(&reversed, &rules, date!(2025 - 01 - 01)),
            issues
        );
    }
}
