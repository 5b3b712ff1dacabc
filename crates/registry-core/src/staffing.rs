//! Staffing targets (how many social-work professionals a unit should have) and the
//! compliance report of a region on a date.
//!
//! Targets are data ([`StaffingTarget`]): a region, the months they run, the unit type they
//! apply to, minimum counts of professionals and certified professionals, and optionally a
//! minimum share of professionals among all the unit's staff. A unit gets the target of the
//! most specific region that contains it ([`StaffingTargets::for_unit`]). The real examples of
//! DOMAIN §4 ship as sample configuration in `crates/registry-core/rules/staffing-*.json`
//! ([`StaffingTargets::samples`]), each marked `"sample": true` with its source.
//!
//! Counting, in [`staffing_report`]: a unit's professionals are the distinct workers with an
//! assignment to one of its posts active on the date (full- or part-time); its certified
//! professionals are those of them with a valid credential on the date, as the caller computed
//! it, at or above the target's `certified_min_level` when one is set.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar::{MonthSpan, YearMonth};
use crate::error::FieldError;
use crate::facts::{Evidence, Explain, FactKind, FactRef};
use crate::ids::RegionCode;
use crate::level::Level;
use crate::money::Percent;
use crate::post::{Assignment, OrganisationUnit, Post, UnitType};

/// The fields of a staffing target before they are checked; build with [`StaffingTarget::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffingTargetInput {
    /// The caller's id of the target.
    pub id: u64,
    /// Region the target applies to, including every region inside it.
    pub region: RegionCode,
    /// Months the target is in force.
    pub effective: MonthSpan,
    /// Kind of unit the target applies to.
    pub unit_type: UnitType,
    /// Minimum number of professionals on the unit's posts.
    pub min_professionals: u32,
    /// Minimum number of those holding a valid credential; at most `min_professionals`.
    #[serde(default)]
    pub min_certified: u32,
    /// Lowest level that counts as certified (`None`: any level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certified_min_level: Option<Level>,
    /// Minimum share of professionals among all the unit's staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_professional_share: Option<Percent>,
    /// Whether this is sample configuration, not a confirmed local rule.
    #[serde(default)]
    pub sample: bool,
    /// Where the figures come from (document and quotation), and what was assumed.
    pub source: String,
}

/// A checked staffing target. See [`StaffingTargetInput`] for the meaning of each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StaffingTargetInput", into = "StaffingTargetInput")]
pub struct StaffingTarget {
    id: u64,
    region: RegionCode,
    effective: MonthSpan,
    unit_type: UnitType,
    min_professionals: u32,
    min_certified: u32,
    certified_min_level: Option<Level>,
    min_professional_share: Option<Percent>,
    sample: bool,
    source: String,
}

impl StaffingTarget {
    /// Checks a target: rules `period.end_before_start` (field `effective.until`),
    /// `staffing.certified_above_professionals` (`min_certified` > `min_professionals`) and
    /// `staffing.source_empty`. The source is trimmed.
    pub fn new(input: StaffingTargetInput) -> Result<StaffingTarget, FieldError> {
        let effective = input.effective;
        if input.min_certified > input.min_professionals {
            return Err(FieldError::new(
                "min_certified",
                "staffing.certified_above_professionals",
                "min_certified must not exceed min_professionals: the certified are counted among the professionals",
            ));
        }
        let source = input.source.trim();
        if source.is_empty() {
            return Err(FieldError::new(
                "source",
                "staffing.source_empty",
                "source must say where the figures come from",
            ));
        }
        Ok(Self {
            id: input.id,
            region: input.region,
            effective,
            unit_type: input.unit_type,
            min_professionals: input.min_professionals,
            min_certified: input.min_certified,
            certified_min_level: input.certified_min_level,
            min_professional_share: input.min_professional_share,
            sample: input.sample,
            source: source.to_owned(),
        })
    }

    /// The caller's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Region the target applies to (and every region inside it).
    pub fn region(&self) -> RegionCode {
        self.region
    }

    /// Months in force.
    pub fn effective(&self) -> MonthSpan {
        self.effective
    }

    /// Kind of unit.
    pub fn unit_type(&self) -> UnitType {
        self.unit_type
    }

    /// Minimum number of professionals.
    pub fn min_professionals(&self) -> u32 {
        self.min_professionals
    }

    /// Minimum number of certified professionals.
    pub fn min_certified(&self) -> u32 {
        self.min_certified
    }

    /// Lowest level that counts as certified, if restricted.
    pub fn certified_min_level(&self) -> Option<Level> {
        self.certified_min_level
    }

    /// Minimum share of professionals among all staff, if any.
    pub fn min_professional_share(&self) -> Option<Percent> {
        self.min_professional_share
    }

    /// Whether this is sample configuration.
    pub fn sample(&self) -> bool {
        self.sample
    }

    /// Where the figures come from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl TryFrom<StaffingTargetInput> for StaffingTarget {
    type Error = FieldError;
    fn try_from(input: StaffingTargetInput) -> Result<Self, FieldError> {
        Self::new(input)
    }
}

impl From<StaffingTarget> for StaffingTargetInput {
    fn from(t: StaffingTarget) -> Self {
        Self {
            id: t.id,
            region: t.region,
            effective: t.effective,
            unit_type: t.unit_type,
            min_professionals: t.min_professionals,
            min_certified: t.min_certified,
            certified_min_level: t.certified_min_level,
            min_professional_share: t.min_professional_share,
            sample: t.sample,
            source: t.source,
        }
    }
}

/// The sample data files, compiled in.
const SAMPLE_FILES: [(&str, &str); 4] = [
    (
        "rules/staffing-chengdu.json",
        include_str!("../rules/staffing-chengdu.json"),
    ),
    (
        "rules/staffing-jilin.json",
        include_str!("../rules/staffing-jilin.json"),
    ),
    (
        "rules/staffing-weihai.json",
        include_str!("../rules/staffing-weihai.json"),
    ),
    (
        "rules/staffing-sanming.json",
        include_str!("../rules/staffing-sanming.json"),
    ),
];

/// A set of targets with distinct ids and no two in force at once for the same region and
/// unit type, so every unit has at most one target per region on any date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<StaffingTarget>", into = "Vec<StaffingTarget>")]
pub struct StaffingTargets {
    targets: Vec<StaffingTarget>,
}

impl StaffingTargets {
    /// Checks the set: rules `staffing.duplicate_id` and `staffing.overlapping_targets`
    /// (same region and unit type, effective months sharing a month), field `targets[i]…`
    /// naming the later of the two.
    pub fn new(targets: Vec<StaffingTarget>) -> Result<StaffingTargets, FieldError> {
        for (j, later) in targets.iter().enumerate() {
            for earlier in targets.iter().take(j) {
                if earlier.id == later.id {
                    return Err(FieldError::new(
                        "id",
                        "staffing.duplicate_id",
                        format!("target id {} is used twice", later.id),
                    )
                    .within(format_args!("targets[{j}]")));
                }
                if earlier.region == later.region
                    && earlier.unit_type == later.unit_type
                    && earlier.effective.overlaps(&later.effective)
                {
                    return Err(FieldError::new(
                        "effective",
                        "staffing.overlapping_targets",
                        format!(
                            "target {} overlaps target {} for {} in region {}",
                            later.id,
                            earlier.id,
                            later.unit_type.code(),
                            later.region
                        ),
                    )
                    .within(format_args!("targets[{j}]")));
                }
            }
        }
        Ok(Self { targets })
    }

    /// The real examples of DOMAIN §4 as sample configuration (every target has
    /// `sample: true`): Chengdu 2022 (seed 004), Jilin 2020 (seed 000), Weihai 2017 and 2020
    /// (seed 003), Sanming 2020 (seed 001).
    ///
    /// ```
    /// use registry_core::ids::RegionCode;
    /// use registry_core::post::{OrganisationUnit, UnitType};
    /// use registry_core::staffing::StaffingTargets;
    /// use time::macros::date;
    ///
    /// let targets = StaffingTargets::samples();
    /// let community = OrganisationUnit::new(1, "南湖社区", RegionCode::parse("220102").unwrap(),
    ///                                       UnitType::UrbanCommunity, None).unwrap();
    /// let jilin = targets.for_unit(&community, date!(2024-06-30)).unwrap();
    /// assert_eq!((jilin.min_professionals(), jilin.sample()), (2, true));
    /// assert_eq!(jilin.min_professional_share().unwrap().to_string(), "30");
    /// ```
    pub fn samples() -> StaffingTargets {
        // The files are part of the crate and checked by a test; an empty set is the
        // fallback only so that this never panics.
        load_samples().unwrap_or_default()
    }

    /// Every target, in the order given.
    pub fn targets(&self) -> &[StaffingTarget] {
        &self.targets
    }

    /// The target with this id.
    pub fn get(&self, id: u64) -> Option<&StaffingTarget> {
        self.targets.iter().find(|t| t.id == id)
    }

    /// The target for the unit's type in force in the month of `date`, from the most specific
    /// region containing the unit's region (a county's own target over its city's, the city's
    /// over its province's).
    pub fn for_unit(&self, unit: &OrganisationUnit, date: Date) -> Option<&StaffingTarget> {
        let month = YearMonth::of(date);
        self.targets
            .iter()
            .filter(|t| {
                t.unit_type == unit.unit_type()
                    && t.region.contains(&unit.region())
                    && t.effective.contains(month)
            })
            .max_by_key(|t| t.region.level())
    }
}

fn load_samples() -> Result<StaffingTargets, FieldError> {
    let mut all = Vec::new();
    for (name, text) in SAMPLE_FILES {
        let list: Vec<StaffingTarget> = serde_json::from_str(text)
            .map_err(|e| FieldError::new(name, "staffing.sample_data", e.to_string()))?;
        all.extend(list);
    }
    StaffingTargets::new(all)
}

impl TryFrom<Vec<StaffingTarget>> for StaffingTargets {
    type Error = FieldError;
    fn try_from(targets: Vec<StaffingTarget>) -> Result<Self, FieldError> {
        Self::new(targets)
    }
}

impl From<StaffingTargets> for Vec<StaffingTarget> {
    fn from(set: StaffingTargets) -> Self {
        set.targets
    }
}

/// A unit with the number of all its community workers, the base of the professional share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitHeadcount {
    /// The unit.
    pub unit: OrganisationUnit,
    /// All community workers (staff) of the unit, professionals included.
    pub total_staff: u32,
}

/// One way a unit falls short of its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffingGap {
    /// Fewer professionals than required.
    Professionals,
    /// Fewer certified professionals than required.
    Certified,
    /// Professionals below the required share of all staff.
    Share,
}

impl Explain for StaffingGap {
    fn code(&self) -> &'static str {
        match self {
            Self::Professionals => "STAFFING_PROFESSIONALS_SHORT",
            Self::Certified => "STAFFING_CERTIFIED_SHORT",
            Self::Share => "STAFFING_SHARE_BELOW_TARGET",
        }
    }

    fn zh(&self) -> &'static str {
        match self {
            Self::Professionals => "社会工作专业人才配备人数未达到目标",
            Self::Certified => "持证社会工作专业人才人数未达到目标",
            Self::Share => "社会工作专业人才占工作人员比例未达到目标",
        }
    }

    fn en(&self) -> &'static str {
        match self {
            Self::Professionals => "fewer social-work professionals than the target requires",
            Self::Certified => "fewer certified social-work professionals than the target requires",
            Self::Share => {
                "social-work professionals are below the target share of the unit's staff"
            }
        }
    }
}

/// How one unit stands against its target on the report date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitCompliance {
    /// The unit.
    pub unit_id: u64,
    /// Its type.
    pub unit_type: UnitType,
    /// The target applied, if any.
    pub target_id: Option<u64>,
    /// Professionals required (0 without a target).
    pub required_professionals: u32,
    /// Distinct workers on the unit's posts on the date.
    pub actual_professionals: u32,
    /// `required - actual`, at least 0.
    pub professional_shortfall: u32,
    /// Certified professionals required (0 without a target).
    pub required_certified: u32,
    /// Professionals with a valid credential (at or above the target's level, if set).
    pub actual_certified: u32,
    /// `required - actual`, at least 0.
    pub certified_shortfall: u32,
    /// All staff of the unit, as given.
    pub total_staff: u32,
    /// `actual_professionals ÷ total_staff`, rounded to two decimals (0 when there is no staff).
    pub professional_share: Percent,
    /// The share required, if any.
    pub required_share: Option<Percent>,
    /// Whether the exact share (not the rounded one) reaches the required share; true without one.
    pub share_met: bool,
    /// No shortfall and the share met.
    pub compliant: bool,
    /// The unit, the target and the active assignments counted.
    pub evidence: Evidence,
}

impl UnitCompliance {
    /// The ways the unit falls short, in a fixed order; empty when compliant.
    pub fn gaps(&self) -> Vec<StaffingGap> {
        let mut out = Vec::new();
        if self.professional_shortfall > 0 {
            out.push(StaffingGap::Professionals);
        }
        if self.certified_shortfall > 0 {
            out.push(StaffingGap::Certified);
        }
        if !self.share_met {
            out.push(StaffingGap::Share);
        }
        out
    }
}

/// Sums over the units of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRollup {
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

impl RegionRollup {
    fn add(&mut self, u: &UnitCompliance) {
        let flag = |b: bool| u32::from(b);
        self.units = self.units.saturating_add(1);
        self.units_with_target = self
            .units_with_target
            .saturating_add(flag(u.target_id.is_some()));
        self.compliant_units = self.compliant_units.saturating_add(flag(u.compliant));
        self.required_professionals = self
            .required_professionals
            .saturating_add(u.required_professionals);
        self.actual_professionals = self
            .actual_professionals
            .saturating_add(u.actual_professionals);
        self.professional_shortfall = self
            .professional_shortfall
            .saturating_add(u.professional_shortfall);
        self.certified_shortfall = self
            .certified_shortfall
            .saturating_add(u.certified_shortfall);
    }
}

/// The staffing report of a region on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffingReport {
    /// The region reported on.
    pub region: RegionCode,
    /// The date counted.
    pub date: Date,
    /// One line per unit inside the region, by unit id.
    pub units: Vec<UnitCompliance>,
    /// Sums over `units`.
    pub rollup: RegionRollup,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Reports every unit of `units` inside `region` (sorted by unit id) against its target on
/// `date`. `posts` map posts to units; `assignments` active on `date` on those posts give the
/// professionals; `certified` maps worker ids to their highest valid level on `date`
/// (computed by the caller from credentials). Posts and assignments of other units are ignored.
///
/// A unit without a target is reported with nothing required and as compliant.
///
/// ```
/// use std::collections::BTreeMap;
/// use registry_core::Level;
/// use registry_core::calendar::Period;
/// use registry_core::ids::RegionCode;
/// use registry_core::post::{Assignment, OrganisationUnit, Post, TimeBasis, UnitType};
/// use registry_core::staffing::{StaffingTargets, UnitHeadcount, staffing_report};
/// use time::macros::date;
///
/// let jilin = RegionCode::parse("220000").unwrap();
/// let unit = OrganisationUnit::new(1, "南湖社区", RegionCode::parse("220102").unwrap(),
///                                  UnitType::UrbanCommunity, None).unwrap();
/// let post = Post::new(10, 1, "社区社会工作专业岗位", None, None, false).unwrap();
/// let a = Assignment::new(100, 7, &post, Period::from(date!(2023-03-01)), TimeBasis::FullTime).unwrap();
/// let certified = BTreeMap::from([(7, Level::Assistant)]);
///
/// let report = staffing_report(&jilin, date!(2024-06-30), &[UnitHeadcount { unit, total_staff: 8 }],
///                              &[post], &[a], &certified, &StaffingTargets::samples());
/// let line = &report.units[0];
/// assert_eq!((line.required_professionals, line.actual_professionals, line.professional_shortfall), (2, 1, 1));
/// assert_eq!(line.professional_share.to_string(), "12.5");
/// assert!(!line.share_met && !line.compliant);
/// assert_eq!(report.rollup.professional_shortfall, 1);
/// ```
pub fn staffing_report(
    region: &RegionCode,
    date: Date,
    units: &[UnitHeadcount],
    posts: &[Post],
    assignments: &[Assignment],
    certified: &BTreeMap<u64, Level>,
    targets: &StaffingTargets,
) -> StaffingReport {
    let unit_of_post: BTreeMap<u64, u64> = posts.iter().map(|p| (p.id(), p.unit_id())).collect();
    let mut active_by_unit: BTreeMap<u64, Vec<&Assignment>> = BTreeMap::new();
    for a in assignments.iter().filter(|a| a.is_active_on(date)) {
        if let Some(&unit_id) = unit_of_post.get(&a.post_id()) {
            active_by_unit.entry(unit_id).or_default().push(a);
        }
    }
    let mut inside: Vec<&UnitHeadcount> = units
        .iter()
        .filter(|h| region.contains(&h.unit.region()))
        .collect();
    inside.sort_by_key(|h| h.unit.id());

    let mut rollup = RegionRollup::default();
    let lines: Vec<UnitCompliance> = inside
        .into_iter()
        .map(|h| {
            let active = active_by_unit
                .get(&h.unit.id())
                .map_or(&[][..], Vec::as_slice);
            let line = unit_compliance(h, active, date, certified, targets);
            rollup.add(&line);
            line
        })
        .collect();
    StaffingReport {
        region: *region,
        date,
        units: lines,
        rollup,
    }
}

fn unit_compliance(
    h: &UnitHeadcount,
    active: &[&Assignment],
    date: Date,
    certified: &BTreeMap<u64, Level>,
    targets: &StaffingTargets,
) -> UnitCompliance {
    let target = targets.for_unit(&h.unit, date);
    let workers: BTreeSet<u64> = active.iter().map(|a| a.worker_id()).collect();
    let min_level = target.and_then(|t| t.certified_min_level);
    let actual_professionals = count(workers.len());
    let actual_certified = count(
        workers
            .iter()
            .filter(|w| {
                certified
                    .get(w)
                    .is_some_and(|l| min_level.is_none_or(|m| *l >= m))
            })
            .count(),
    );
    let required_professionals = target.map_or(0, |t| t.min_professionals);
    let required_certified = target.map_or(0, |t| t.min_certified);
    let required_share = target.and_then(|t| t.min_professional_share);
    // Exact: actual ≥ share × total, so 3 of 10 meets 30 % and 2 of 3 misses 66.67 %.
    let share_met =
        required_share.is_none_or(|p| Decimal::from(actual_professionals) >= p.of(h.total_staff));
    let professional_shortfall = required_professionals.saturating_sub(actual_professionals);
    let certified_shortfall = required_certified.saturating_sub(actual_certified);

    let mut evidence = Evidence::new();
    evidence.push(FactRef::new(FactKind::Unit, h.unit.id()));
    if let Some(t) = target {
        evidence.push(FactRef::new(FactKind::StaffingTarget, t.id));
    }
    let mut assignment_ids: Vec<u64> = active.iter().map(|a| a.id()).collect();
    assignment_ids.sort_unstable();
    assignment_ids.dedup();
    evidence.extend(
        assignment_ids
            .into_iter()
            .map(|id| FactRef::new(FactKind::Assignment, id)),
    );

    UnitCompliance {
        unit_id: h.unit.id(),
        unit_type: h.unit.unit_type(),
        target_id: target.map(|t| t.id),
        required_professionals,
        actual_professionals,
        professional_shortfall,
        required_certified,
        actual_certified,
        certified_shortfall,
        total_staff: h.total_staff,
        professional_share: Percent::ratio(actual_professionals, h.total_staff),
        required_share,
        share_met,
        compliant: professional_shortfall == 0 && certified_shortfall == 0 && share_met,
        evidence,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::calendar::Period;
    use crate::post::TimeBasis;
    use time::macros::date;

    fn r(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn ym(s: &str) -> YearMonth {
        YearMonth::parse(s).unwrap()
    }

    fn input(
        id: u64,
        region: &str,
        from: &str,
        until: Option<&str>,
        unit_type: UnitType,
    ) -> StaffingTargetInput {
        StaffingTargetInput {
            id,
            region: r(region),
            effective: MonthSpan::new(ym(from), until.map(ym)).unwrap(),
            unit_type,
            min_professionals: 2,
            min_certified: 0,
            certified_min_level: None,
            min_professional_share: None,
            sample: false,
            source: "test".into(),
        }
    }

    fn target(
        id: u64,
        region: &str,
        from: &str,
        until: Option<&str>,
        unit_type: UnitType,
    ) -> StaffingTarget {
        StaffingTarget::new(input(id, region, from, until, unit_type)).unwrap()
    }

    fn unit(id: u64, region: &str, unit_type: UnitType) -> OrganisationUnit {
        OrganisationUnit::new(id, "单位", r(region), unit_type, None).unwrap()
    }

    /// `n` workers (ids `first..first+n`) with full-time assignments from 2023-01-01 on post `post`.
    fn staff(post: &Post, first: u64, n: u64) -> Vec<Assignment> {
        (first..first + n)
            .map(|w| {
                Assignment::new(
                    1000 + w,
                    w,
                    post,
                    Period::from(date!(2023 - 01 - 01)),
                    TimeBasis::FullTime,
                )
                .unwrap()
            })
            .collect()
    }

    fn one_unit_report(
        u: OrganisationUnit,
        total_staff: u32,
        professionals: u64,
        certified: &BTreeMap<u64, Level>,
        targets: &StaffingTargets,
    ) -> UnitCompliance {
        let post = Post::new(50, u.id(), "岗位", None, None, true).unwrap();
        let assignments = staff(&post, 1, professionals);
        let region = u.region();
        let report = staffing_report(
            &region,
            date!(2024 - 06 - 30),
            &[UnitHeadcount {
                unit: u,
                total_staff,
            }],
            &[post],
            &assignments,
            certified,
            targets,
        );
        report.units.into_iter().next().unwrap()
    }

    #[test]
    fn samples_load_and_are_marked() {
        let set = load_samples().unwrap();
        assert_eq!(set, StaffingTargets::samples());
        assert_eq!(set.targets().len(), 10);
        assert!(
            set.targets()
                .iter()
                .all(|t| t.sample() && !t.source().is_empty())
        );
        let chengdu_centre = set.get(1).unwrap();
        assert_eq!(
            (
                chengdu_centre.region(),
                chengdu_centre.unit_type(),
                chengdu_centre.min_professionals()
            ),
            (r("510100"), UnitType::StreetServiceCentre, 0)
        );
        let chengdu = |t: UnitType| {
            set.for_unit(&unit(1, "510104", t), date!(2022 - 01 - 01))
                .map(|t| t.id())
        };
        assert_eq!(chengdu(UnitType::UrbanCommunity), Some(2));
        assert_eq!(chengdu(UnitType::AdministrativeVillage), Some(3));
        assert_eq!(chengdu(UnitType::Agency), None);
        assert_eq!(
            set.for_unit(
                &unit(1, "510104", UnitType::UrbanCommunity),
                date!(2021 - 12 - 31)
            ),
            None
        );
        let weihai_2020 = set.get(22).unwrap();
        assert_eq!(
            (
                weihai_2020.min_certified(),
                weihai_2020.certified_min_level()
            ),
            (3, Some(Level::Assistant))
        );
        assert_eq!(
            weihai_2020.min_professional_share(),
            Some(Percent::parse("50").unwrap())
        );
    }

    #[test]
    fn target_fields_are_checked() {
        let mut i = input(1, "510100", "2022-01", None, UnitType::UrbanCommunity);
        i.min_certified = 3;
        let err = StaffingTarget::new(i).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.rule),
            ("min_certified", "staffing.certified_above_professionals")
        );
        // A target whose period ends before it starts cannot even be written down.
        let json = r#"{"id":1,"region":"510100","effective":{"from":"2022-01","until":"2021-12"},
                       "unit_type":"other","min_professionals":2,"source":"x"}"#;
        let err = serde_json::from_str::<StaffingTarget>(json).unwrap_err();
        assert!(err.to_string().contains("period.end_before_start"), "{err}");
        let mut i = input(1, "510100", "2022-01", None, UnitType::Other);
        i.source = "  ".into();
        assert_eq!(
            StaffingTarget::new(i).unwrap_err().rule,
            "staffing.source_empty"
        );
        let json = r#"{"id":1,"region":"510100","effective":{"from":"2022-01"},"unit_type":"urban_community",
                       "min_professionals":2,"source":"x","typo":1}"#;
        assert!(serde_json::from_str::<StaffingTarget>(json).is_err());
        let t = target(4, "510100", "2022-01", None, UnitType::UrbanCommunity);
        let back: StaffingTarget =
            serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn overlapping_targets_are_refused() {
        let a = target(
            1,
            "220000",
            "2017-01",
            Some("2019-12"),
            UnitType::UrbanCommunity,
        );
        let b = target(2, "220000", "2019-12", None, UnitType::UrbanCommunity);
        let err = StaffingTargets::new(vec![a.clone(), b]).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.rule),
            ("targets[1].effective", "staffing.overlapping_targets")
        );
        // Back-to-back months, another unit type, another region: all fine.
        let ok = StaffingTargets::new(vec![
            a.clone(),
            target(2, "220000", "2020-01", None, UnitType::UrbanCommunity),
            target(
                3,
                "220000",
                "2017-01",
                None,
                UnitType::AdministrativeVillage,
            ),
            target(4, "220100", "2017-01", None, UnitType::UrbanCommunity),
        ]);
        assert!(ok.is_ok());
        let err = StaffingTargets::new(vec![a.clone(), a]).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.rule),
            ("targets[1].id", "staffing.duplicate_id")
        );
        let json = serde_json::to_string(&vec![
            target(1, "220000", "2017-01", None, UnitType::UrbanCommunity),
            target(2, "220000", "2018-01", None, UnitType::UrbanCommunity),
        ])
        .unwrap();
        let err = serde_json::from_str::<StaffingTargets>(&json)
            .unwrap_err()
            .to_string();
        assert!(err.contains("staffing.overlapping_targets"), "{err}");
    }

    #[test]
    fn the_most_specific_region_wins() {
        let set = StaffingTargets::new(vec![
            target(1, "510000", "2020-01", None, UnitType::UrbanCommunity),
            target(2, "510100", "2020-01", None, UnitType::UrbanCommunity),
            target(3, "510104", "2020-01", None, UnitType::UrbanCommunity),
            target(4, "000000", "2020-01", None, UnitType::UrbanCommunity),
        ])
        .unwrap();
        let on = |region: &str| {
            set.for_unit(
                &unit(1, region, UnitType::UrbanCommunity),
                date!(2024 - 01 - 01),
            )
            .map(|t| t.id())
        };
        assert_eq!(on("510104"), Some(3));
        assert_eq!(on("510105"), Some(2));
        assert_eq!(on("510100"), Some(2));
        assert_eq!(on("511000"), Some(1));
        assert_eq!(on("220102"), Some(4));
        assert_eq!(
            set.for_unit(&unit(1, "510104", UnitType::Agency), date!(2024 - 01 - 01)),
            None
        );
    }

    #[test]
    fn a_more_specific_target_out_of_force_falls_back_to_the_wider_one() {
        let set = StaffingTargets::new(vec![
            target(1, "510100", "2020-01", None, UnitType::UrbanCommunity),
            target(
                2,
                "510104",
                "2023-01",
                Some("2023-12"),
                UnitType::UrbanCommunity,
            ),
        ])
        .unwrap();
        let u = unit(1, "510104", UnitType::UrbanCommunity);
        assert_eq!(
            set.for_unit(&u, date!(2022 - 12 - 31)).map(|t| t.id()),
            Some(1)
        );
        assert_eq!(
            set.for_unit(&u, date!(2023 - 01 - 01)).map(|t| t.id()),
            Some(2)
        );
        assert_eq!(
            set.for_unit(&u, date!(2023 - 12 - 31)).map(|t| t.id()),
            Some(2)
        );
        assert_eq!(
            set.for_unit(&u, date!(2024 - 01 - 01)).map(|t| t.id()),
            Some(1)
        );
        assert_eq!(set.for_unit(&u, date!(2019 - 12 - 31)), None);
    }

    #[test]
    fn weihai_targets_change_in_2020() {
        let set = StaffingTargets::samples();
        let u = unit(1, "371002", UnitType::UrbanCommunity);
        assert_eq!(set.for_unit(&u, date!(2016 - 12 - 31)), None);
        assert_eq!(
            set.for_unit(&u, date!(2017 - 01 - 01)).map(|t| t.id()),
            Some(21)
        );
        assert_eq!(
            set.for_unit(&u, date!(2019 - 12 - 31)).map(|t| t.id()),
            Some(21)
        );
        assert_eq!(
            set.for_unit(&u, date!(2020 - 01 - 01)).map(|t| t.id()),
            Some(22)
        );
        let village = unit(2, "371002", UnitType::AdministrativeVillage);
        assert_eq!(set.for_unit(&village, date!(2019 - 06 - 01)), None);
    }

    #[test]
    fn jilin_urban_community_one_of_eight() {
        let line = one_unit_report(
            unit(5, "220102", UnitType::UrbanCommunity),
            8,
            1,
            &BTreeMap::new(),
            &StaffingTargets::samples(),
        );
        assert_eq!(line.target_id, Some(11));
        assert_eq!(
            (
                line.required_professionals,
                line.actual_professionals,
                line.professional_shortfall
            ),
            (2, 1, 1)
        );
        assert_eq!(line.professional_share, Percent::parse("12.5").unwrap());
        assert_eq!(line.required_share, Some(Percent::parse("30").unwrap()));
        assert!(!line.share_met);
        assert!(!line.compliant);
        assert_eq!(
            line.gaps(),
            vec![StaffingGap::Professionals, StaffingGap::Share]
        );
        assert_eq!(line.gaps()[1].code(), "STAFFING_SHARE_BELOW_TARGET");
        assert_eq!(
            line.evidence.as_slice(),
            [
                FactRef::new(FactKind::Unit, 5),
                FactRef::new(FactKind::StaffingTarget, 11),
                FactRef::new(FactKind::Assignment, 1001),
            ]
        );
    }

    #[test]
    fn share_is_compared_exactly() {
        let samples = StaffingTargets::samples();
        let jilin = |total, n| {
            one_unit_report(
                unit(5, "220102", UnitType::UrbanCommunity),
                total,
                n,
                &BTreeMap::new(),
                &samples,
            )
        };
        let three_of_ten = jilin(10, 3);
        assert_eq!(three_of_ten.professional_share.to_string(), "30");
        assert!(three_of_ten.share_met && three_of_ten.compliant && three_of_ten.gaps().is_empty());
        let two_of_seven = jilin(7, 2);
        assert_eq!(two_of_seven.professional_share.to_string(), "28.57");
        assert!(!two_of_seven.share_met);
        assert_eq!(two_of_seven.professional_shortfall, 0);
        // 2 of 3 rounds to 66.67 % but is 66.666…: it misses a 66.67 % target.
        let mut i = input(9, "220000", "2020-01", None, UnitType::UrbanCommunity);
        i.min_professional_share = Some(Percent::parse("66.67").unwrap());
        let strict = StaffingTargets::new(vec![StaffingTarget::new(i).unwrap()]).unwrap();
        let line = one_unit_report(
            unit(5, "220102", UnitType::UrbanCommunity),
            3,
            2,
            &BTreeMap::new(),
            &strict,
        );
        assert_eq!(line.professional_share.to_string(), "66.67");
        assert!(!line.share_met);
    }

    #[test]
    fn weihai_counts_only_national_certificates() {
        let certified = BTreeMap::from([
            (1, Level::Aide),
            (2, Level::Assistant),
            (3, Level::Intermediate),
        ]);
        let line = one_unit_report(
            unit(5, "371002", UnitType::UrbanCommunity),
            6,
            4,
            &certified,
            &StaffingTargets::samples(),
        );
        assert_eq!(line.target_id, Some(22));
        assert_eq!(
            (
                line.required_professionals,
                line.actual_professionals,
                line.professional_shortfall
            ),
            (3, 4, 0)
        );
        assert_eq!(
            (
                line.required_certified,
                line.actual_certified,
                line.certified_shortfall
            ),
            (3, 2, 1)
        );
        assert!(line.share_met, "4 of 6 is over 50 %");
        assert_eq!(line.gaps(), vec![StaffingGap::Certified]);
        // Without a target every listed level counts.
        let none = StaffingTargets::default();
        let line = one_unit_report(
            unit(5, "371002", UnitType::UrbanCommunity),
            6,
            4,
            &certified,
            &none,
        );
        assert_eq!(line.actual_certified, 3);
    }

    #[test]
    fn region_report_filters_sorts_counts_and_sums() {
        let chengdu = r("510100");
        let date = date!(2024 - 06 - 30);
        let units = [
            UnitHeadcount {
                unit: unit(30, "510104", UnitType::AdministrativeVillage),
                total_staff: 4,
            },
            UnitHeadcount {
                unit: unit(10, "510105", UnitType::UrbanCommunity),
                total_staff: 9,
            },
            UnitHeadcount {
                unit: unit(20, "220102", UnitType::UrbanCommunity),
                total_staff: 5,
            },
            UnitHeadcount {
                unit: unit(40, "510104", UnitType::Agency),
                total_staff: 12,
            },
        ];
        let p_community_a = Post::new(1, 10, "社区岗位一", None, None, true).unwrap();
        let p_community_b = Post::new(2, 10, "社区岗位二", None, None, true).unwrap();
        let p_village = Post::new(3, 30, "村岗位", None, None, false).unwrap();
        let p_jilin = Post::new(4, 20, "吉林岗位", None, None, false).unwrap();
        let p_agency = Post::new(5, 40, "机构岗位", None, None, false).unwrap();
        let since = |d| Period::from(d);
        let assignments = [
            // Worker 1 holds both community posts: counted once.
            Assignment::new(
                1,
                1,
                &p_community_a,
                since(date!(2023 - 01 - 01)),
                TimeBasis::FullTime,
            )
            .unwrap(),
            Assignment::new(
                2,
                1,
                &p_community_b,
                since(date!(2023 - 01 - 01)),
                TimeBasis::PartTime,
            )
            .unwrap(),
            // Worker 2 left on the day before.
            Assignment::new(
                3,
                2,
                &p_community_a,
                Period::new(date!(2022 - 01 - 01), Some(date!(2024 - 06 - 29))).unwrap(),
                TimeBasis::FullTime,
            )
            .unwrap(),
            // Worker 3 starts the day after.
            Assignment::new(
                4,
                3,
                &p_community_b,
                since(date!(2024 - 07 - 01)),
                TimeBasis::FullTime,
            )
            .unwrap(),
            // Worker 4 in the village, ends on the date.
            Assignment::new(
                5,
                4,
                &p_village,
                Period::new(date!(2024 - 01 - 01), Some(date!(2024 - 06 - 30))).unwrap(),
                TimeBasis::FullTime,
            )
            .unwrap(),
            Assignment::new(
                6,
                5,
                &p_jilin,
                since(date!(2023 - 01 - 01)),
                TimeBasis::FullTime,
            )
            .unwrap(),
            Assignment::new(
                7,
                6,
                &p_agency,
                since(date!(2023 - 01 - 01)),
                TimeBasis::FullTime,
            )
            .unwrap(),
            // On a post nobody listed: ignored.
            Assignment::new(
                8,
                7,
                &Post::new(99, 10, "x", None, None, false).unwrap(),
                since(date!(2023 - 01 - 01)),
                TimeBasis::FullTime,
            )
            .unwrap(),
        ];
        let certified = BTreeMap::from([(1, Level::Aide)]);
        let posts = [p_community_a, p_community_b, p_village, p_jilin, p_agency];
        let report = staffing_report(
            &chengdu,
            date,
            &units,
            &posts,
            &assignments,
            &certified,
            &StaffingTargets::samples(),
        );

        assert_eq!((report.region, report.date), (chengdu, date));
        assert_eq!(
            report.units.iter().map(|u| u.unit_id).collect::<Vec<_>>(),
            vec![10, 30, 40]
        );
        let community = &report.units[0];
        assert_eq!(community.target_id, Some(2));
        assert_eq!(
            (
                community.actual_professionals,
                community.professional_shortfall
            ),
            (1, 1)
        );
        assert_eq!(community.actual_certified, 1);
        assert_eq!(community.professional_share.to_string(), "11.11");
        assert!(community.share_met && community.required_share.is_none());
        assert!(!community.compliant);
        assert_eq!(
            community.evidence.as_slice(),
            [
                FactRef::new(FactKind::Unit, 10),
                FactRef::new(FactKind::StaffingTarget, 2),
                FactRef::new(FactKind::Assignment, 1),
                FactRef::new(FactKind::Assignment, 2),
            ]
        );
        let village = &report.units[1];
        assert_eq!(
            (
                village.target_id,
                village.actual_professionals,
                village.compliant
            ),
            (Some(3), 1, true)
        );
        let agency = &report.units[2];
        assert_eq!(
            (
                agency.target_id,
                agency.required_professionals,
                agency.actual_professionals
            ),
            (None, 0, 1)
        );
        assert!(agency.compliant && agency.share_met);
        assert_eq!(
            report.rollup,
            RegionRollup {
                units: 3,
                units_with_target: 2,
                compliant_units: 2,
                required_professionals: 3,
                actual_professionals: 3,
                professional_shortfall: 1,
                certified_shortfall: 0,
            }
        );
        // The input order does not matter.
        let mut reversed = units.to_vec();
        reversed.reverse();
        let again = staffing_report(
            &chengdu,
            date,
            &reversed,
            &posts,
            &assignments,
            &certified,
            &StaffingTargets::samples(),
        );
        assert_eq!(again, report);
    }

    #[test]
    fn empty_units_and_zero_staff() {
        let line = one_unit_report(
            unit(5, "220102", UnitType::UrbanCommunity),
            0,
            0,
            &BTreeMap::new(),
            &StaffingTargets::samples(),
        );
        assert_eq!(line.professional_share.to_string(), "0");
        assert!(line.share_met, "0 of 0 meets any share");
        assert_eq!(line.professional_shortfall, 2);
        let report = staffing_report(
            &r("220000"),
            date!(2024 - 01 - 01),
            &[],
            &[],
            &[],
            &BTreeMap::new(),
            &StaffingTargets::samples(),
        );
        assert!(report.units.is_empty());
        assert_eq!(report.rollup, RegionRollup::default());
    }
}
