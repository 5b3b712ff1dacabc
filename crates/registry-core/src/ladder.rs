//! The exam-eligibility ladder: what a worker needs to sit the exam for the next level
//! [DOMAIN.md §3; 国人部发〔2006〕71号, 人社部规〔2018〕2号].
//!
//! The rules are data: a [`LadderRules`] is a list of [`ExamRoute`]s (minimum education, major,
//! years of social-work experience, and possibly a lower credential after which the years are
//! counted). [`LadderRules::national`] holds the national routes; the same routes ship as
//! `rules/ladder-national.json` for regions to copy and adapt.
//!
//! Experience is counted in whole months up to 31 December of the exam year, the worker's
//! periods merged first so that overlaps count once. [`next_step`] assesses every route to the
//! next level and says whether the worker may sit now and, if not, from which year.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::calendar::{MAX_YEAR, Period, whole_months_between};
use crate::credential::{Credential, highest_valid_on};
use crate::error::FieldError;
use crate::facts::{Evidence, Explain, FactKind, FactRef};
use crate::level::{Education, EducationLevel, Level};

/// Longest route id accepted, in characters.
pub const MAX_ROUTE_ID_LEN: usize = 64;
/// Most years of experience a route may require.
pub const MAX_ROUTE_YEARS: u32 = 60;

/// One way to qualify for the exam of a level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamRoute {
    /// Stable id, unique within the rules, e.g. `intermediate.sw_bachelor`.
    pub id: String,
    /// The level whose exam this route admits to.
    pub target: Level,
    /// Lowest education accepted (higher levels qualify too).
    pub min_education: EducationLevel,
    /// `Some(true)`: the degree must be in social work. `Some(false)`: a route written for
    /// other majors, open to social-work graduates as well (they are never worse placed).
    /// `None`: any major.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_work_major: Option<bool>,
    /// Years of social-work experience required by 31 December of the exam year.
    pub years: u32,
    /// A credential of at least this level must be held (valid on the day asked about); the
    /// years are then counted only from its issue date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_credential: Option<Level>,
}

impl ExamRoute {
    fn route(
        id: &str,
        target: Level,
        min_education: EducationLevel,
        social_work_major: Option<bool>,
        years: u32,
        after_credential: Option<Level>,
    ) -> ExamRoute {
        ExamRoute {
            id: id.to_owned(),
            target,
            min_education,
            social_work_major,
            years,
            after_credential,
        }
    }
}

/// A set of exam routes. Build with [`LadderRules::new`] or deserialise (which runs the same
/// checks); [`LadderRules::national`] is the national default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "LadderRulesData")]
pub struct LadderRules {
    /// The routes, in the order they are reported.
    pub routes: Vec<ExamRoute>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LadderRulesData {
    routes: Vec<ExamRoute>,
}

impl TryFrom<LadderRulesData> for LadderRules {
    type Error = FieldError;
    fn try_from(d: LadderRulesData) -> Result<Self, Self::Error> {
        LadderRules::new(d.routes)
    }
}

impl LadderRules {
    /// Checks the routes: at least one (`ladder.no_routes`); ids 1 to 64 characters without
    /// surrounding white space (`ladder.route_id`) and unique (`ladder.duplicate_route_id`);
    /// years at most 60 (`ladder.years_range`); a required credential below the target
    /// (`ladder.credential_not_below_target`). Fields are named like `routes[2].id`.
    pub fn new(routes: Vec<ExamRoute>) -> Result<LadderRules, FieldError> {
        if routes.is_empty() {
            return Err(FieldError::new(
                "routes",
                "ladder.no_routes",
                "the ladder needs at least one route",
            ));
        }
        for (i, route) in routes.iter().enumerate() {
            let id = route.id.as_str();
            if id.is_empty() || id.trim() != id || id.chars().count() > MAX_ROUTE_ID_LEN {
                return Err(FieldError::new(
                    format!("routes[{i}].id"),
                    "ladder.route_id",
                    "route id must be 1 to 64 characters without surrounding white space",
                ));
            }
            if routes[..i].iter().any(|r| r.id == route.id) {
                return Err(FieldError::new(
                    format!("routes[{i}].id"),
                    "ladder.duplicate_route_id",
                    format!("route id {id} is used twice"),
                ));
            }
            if route.years > MAX_ROUTE_YEARS {
                return Err(FieldError::new(
                    format!("routes[{i}].years"),
                    "ladder.years_range",
                    "years must be at most 60",
                ));
            }
            if route.after_credential.is_some_and(|l| l >= route.target) {
                return Err(FieldError::new(
                    format!("routes[{i}].after_credential"),
                    "ladder.credential_not_below_target",
                    "the required credential must be below the target level",
                ));
            }
        }
        Ok(LadderRules { routes })
    }

    /// The national routes [DOMAIN.md §3]:
    /// - assistant: high school + 4 y; social-work college + 2 y; social-work bachelor or
    ///   higher + 0 y; other-major college + 4 y; other-major bachelor or higher + 2 y;
    /// - intermediate: assistant holder with high school + 6 y after the certificate;
    ///   social-work college 4 y, bachelor 3 y, master 1 y, doctorate 0 y; other majors 2 y more;
    /// - senior: bachelor or higher and 5 y after the intermediate certificate.
    ///
    /// 社工员 (aide) is a local level with no national route.
    pub fn national() -> LadderRules {
        use EducationLevel::{Bachelor, College, Doctorate, HighSchool, Master};
        use Level::{Assistant, Intermediate, Senior};
        let r = ExamRoute::route;
        let routes = vec![
            r(
                "assistant.high_school",
                Assistant,
                HighSchool,
                None,
                4,
                None,
            ),
            r(
                "assistant.sw_college",
                Assistant,
                College,
                Some(true),
                2,
                None,
            ),
            r(
                "assistant.sw_bachelor",
                Assistant,
                Bachelor,
                Some(true),
                0,
                None,
            ),
            r(
                "assistant.other_college",
                Assistant,
                College,
                Some(false),
                4,
                None,
            ),
            r(
                "assistant.other_bachelor",
                Assistant,
                Bachelor,
                Some(false),
                2,
                None,
            ),
            r(
                "intermediate.assistant_holder",
                Intermediate,
                HighSchool,
                None,
                6,
                Some(Assistant),
            ),
            r(
                "intermediate.sw_college",
                Intermediate,
                College,
                Some(true),
                4,
                None,
            ),
            r(
                "intermediate.sw_bachelor",
                Intermediate,
                Bachelor,
                Some(true),
                3,
                None,
            ),
            r(
                "intermediate.sw_master",
                Intermediate,
                Master,
                Some(true),
                1,
                None,
            ),
            r(
                "intermediate.sw_doctorate",
                Intermediate,
                Doctorate,
                Some(true),
                0,
                None,
            ),
            r(
                "intermediate.other_college",
                Intermediate,
                College,
                Some(false),
                6,
                None,
            ),
            r(
                "intermediate.other_bachelor",
                Intermediate,
                Bachelor,
                Some(false),
                5,
                None,
            ),
            r(
                "intermediate.other_master",
                Intermediate,
                Master,
                Some(false),
                3,
                None,
            ),
            r(
                "intermediate.other_doctorate",
                Intermediate,
                Doctorate,
                Some(false),
                2,
                None,
            ),
            r(
                "senior.intermediate_holder",
                Senior,
                Bachelor,
                None,
                5,
                Some(Intermediate),
            ),
        ];
        LadderRules { routes }
    }
}

/// What [`next_step`] needs to know about a worker.
#[derive(Debug, Clone, Copy)]
pub struct LadderFacts<'a> {
    /// Highest completed education.
    pub education: Education,
    /// Periods of social-work experience; an open end means ongoing. Overlaps count once.
    pub experience: &'a [Period],
    /// The worker's credentials.
    pub credentials: &'a [Credential],
}

/// One thing a route requires that the worker lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Missing {
    /// Education below the route's minimum.
    Education {
        /// The minimum.
        required: EducationLevel,
    },
    /// The route needs a social-work degree.
    SocialWorkMajor,
    /// Not enough experience by 31 December of the exam year.
    Experience {
        /// Years the route needs.
        required_years: u32,
        /// Whole months counted by 31 December of the exam year (after the required
        /// credential's issue date, when the route names one).
        counted_months: u32,
    },
    /// The route needs a valid credential of at least this level.
    Credential {
        /// The level.
        level: Level,
    },
}

impl Explain for Missing {
    fn code(&self) -> &'static str {
        match self {
            Self::Education { .. } => "LADDER_EDUCATION_TOO_LOW",
            Self::SocialWorkMajor => "LADDER_MAJOR_REQUIRED",
            Self::Experience { .. } => "LADDER_EXPERIENCE_SHORT",
            Self::Credential { .. } => "LADDER_CREDENTIAL_REQUIRED",
        }
    }

    fn zh(&self) -> &'static str {
        match self {
            Self::Education { .. } => "学历低于该报考条件的要求",
            Self::SocialWorkMajor => "该报考条件要求社会工作专业学历",
            Self::Experience { .. } => "截至考试当年12月31日从事社会工作的年限不足",
            Self::Credential { .. } => "该报考条件要求持有有效的下一级职业水平证书",
        }
    }

    fn en(&self) -> &'static str {
        match self {
            Self::Education { .. } => "education is below what this route requires",
            Self::SocialWorkMajor => "this route requires a degree in social work",
            Self::Experience { .. } => {
                "not enough years of social-work experience by 31 December of the exam year"
            }
            Self::Credential { .. } => "this route requires a valid credential of a lower level",
        }
    }
}

/// How one route stands for the worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteAssessment {
    /// The route's id.
    pub route_id: String,
    /// Whether the worker may sit this year's exam by this route.
    pub satisfied: bool,
    /// First exam year (from this year on) the route is met, assuming ongoing experience
    /// continues; `None` if waiting cannot meet it.
    pub earliest_exam_year: Option<i32>,
    /// What is lacking this year (empty when satisfied).
    pub missing: Vec<Missing>,
}

/// The answer of [`next_step`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LadderAnswer {
    /// Highest level held with a valid status on the day (regional restrictions ignored).
    pub current: Option<Level>,
    /// The next level with a route in the rules; `None` at the top.
    pub next: Option<Level>,
    /// The exam year considered: the year of the day asked about.
    pub exam_year: i32,
    /// Whether some route to `next` is met for `exam_year`.
    pub may_sit_now: bool,
    /// The earliest year some route is met, if any.
    pub earliest_exam_year: Option<i32>,
    /// The route giving `earliest_exam_year` (first in rule order on ties).
    pub best_route: Option<String>,
    /// Every route to `next`, in rule order.
    pub routes: Vec<RouteAssessment>,
    /// The credentials used: the one establishing `current`, and those routes rely on.
    pub evidence: Evidence,
}

/// Experience merged into disjoint, non-adjacent spans `(start, end)`; `None` = ongoing.
struct Experience(Vec<(Date, Option<Date>)>);

impl Experience {
    fn merge(periods: &[Period]) -> Experience {
        let mut spans: Vec<(Date, Option<Date>)> = periods
            .iter()
            .map(|p| (p.start(), p.end()))
            .filter(|(s, e)| e.is_none_or(|e| e >= *s))
            .collect();
        spans.sort_by_key(|(s, _)| *s);
        let mut merged: Vec<(Date, Option<Date>)> = Vec::with_capacity(spans.len());
        for (start, end) in spans {
            if let Some(last) = merged.last_mut() {
                let touches = last.1.is_none_or(|e| start <= e.next_day().unwrap_or(e));
                if touches {
                    last.1 = match (last.1, end) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                    continue;
                }
            }
            merged.push((start, end));
        }
        Experience(merged)
    }

    /// Whole months of experience within `[from, to]` (inclusive), summed over the spans.
    fn months(&self, from: Option<Date>, to: Date) -> i64 {
        self.0
            .iter()
            .map(|&(start, end)| {
                let s = from.map_or(start, |f| start.max(f));
                let e = end.map_or(to, |e| e.min(to));
                if e < s {
                    0
                } else {
                    whole_months_between(s, e.next_day().unwrap_or(e))
                }
            })
            .sum()
    }

    /// The last year in which the counted months can still grow, `None` if ongoing.
    fn last_growing_year(&self) -> Option<i32> {
        let mut last = i32::MIN;
        for (_, end) in &self.0 {
            last = last.max(end.map(|e| e.year())?);
        }
        Some(last)
    }

    fn latest_start_year(&self) -> Option<i32> {
        self.0.iter().map(|(s, _)| s.year()).max()
    }
}

fn dec_31(year: i32) -> Option<Date> {
    Date::from_calendar_date(year, Month::December, 31).ok()
}

fn assess(
    route: &ExamRoute,
    facts: &LadderFacts<'_>,
    experience: &Experience,
    exam_year: i32,
    as_of: Date,
    evidence: &mut Evidence,
) -> RouteAssessment {
    let mut missing = Vec::new();
    if facts.education.level < route.min_education {
        missing.push(Missing::Education {
            required: route.min_education,
        });
    }
    if route.social_work_major == Some(true) && !facts.education.social_work_major {
        missing.push(Missing::SocialWorkMajor);
    }
    // Years count from the earliest-issued qualifying credential.
    let mut counting_from = None;
    let mut credential_missing = false;
    if let Some(level) = route.after_credential {
        let held = facts
            .credentials
            .iter()
            .filter(|c| c.level() >= level && c.is_valid_on(as_of))
            .min_by_key(|c| (c.issue_date(), c.id()));
        match held {
            Some(c) => {
                counting_from = Some(c.issue_date());
                push_unique(evidence, FactRef::new(FactKind::Credential, c.id()));
            }
            None => {
                credential_missing = true;
                missing.push(Missing::Credential { level });
            }
        }
    }

    let needed = i64::from(route.years) * 12;
    let counted = |year: i32| -> i64 {
        if credential_missing {
            return 0;
        }
        dec_31(year).map_or(0, |end| experience.months(counting_from, end))
    };
    let counted_now = counted(exam_year);
    let experience_short = counted_now < needed;
    if experience_short {
        missing.push(Missing::Experience {
            required_years: route.years,
            counted_months: u32::try_from(counted_now).unwrap_or(u32::MAX),
        });
    }

    let satisfied = missing.is_empty();
    let only_experience_missing = experience_short && missing.len() == 1;
    let earliest_exam_year = if satisfied {
        Some(exam_year)
    } else if only_experience_missing {
        // Growth stops after the last year any span runs into (never, if one is ongoing);
        // after the latest start, an ongoing span adds 12 months a year.
        let horizon = match experience.last_growing_year() {
            Some(last) => last,
            None => {
                let latest_start = experience.latest_start_year().unwrap_or(exam_year);
                let years = i32::try_from(route.years).unwrap_or(i32::MAX);
                latest_start
                    .max(exam_year)
                    .saturating_add(years)
                    .saturating_add(1)
            }
        };
        (exam_year.saturating_add(1)..=horizon.min(MAX_YEAR)).find(|&y| counted(y) >= needed)
    } else {
        None
    };

    RouteAssessment {
        route_id: route.id.clone(),
        satisfied,
        earliest_exam_year,
        missing,
    }
}

fn push_unique(evidence: &mut Evidence, fact: FactRef) {
    if !evidence.contains(&fact) {
        evidence.push(fact);
    }
}

/// What a worker needs for the next level, as of `as_of`.
///
/// `current` is the highest level among credentials with a valid status on `as_of` (regional
/// restrictions ignored); `next` is the lowest level above it that has a route (with nothing
/// held, the lowest level with routes: assistant under the national rules). Each route to
/// `next` is assessed for the exam year `as_of.year()`, experience counted in whole months up
/// to 31 December of that year.
///
/// ```
/// use registry_core::calendar::Period;
/// use registry_core::ladder::{next_step, LadderFacts, LadderRules, Missing};
/// use registry_core::level::{Education, EducationLevel};
/// use registry_core::{Explain, Level};
/// use time::macros::date;
///
/// // A high-school graduate in social work since 1 March 2023.
/// let experience = [Period::from(date!(2023 - 03 - 01))];
/// let facts = LadderFacts {
///     education: Education { level: EducationLevel::HighSchool, social_work_major: false },
///     experience: &experience,
///     credentials: &[],
/// };
/// let answer = next_step(&facts, &LadderRules::national(), date!(2026 - 04 - 01));
/// assert_eq!(answer.next, Some(Level::Assistant));
/// assert!(!answer.may_sit_now); // 46 months by 31 December 2026, 48 needed
/// assert_eq!(answer.earliest_exam_year, Some(2027));
/// assert_eq!(answer.best_route.as_deref(), Some("assistant.high_school"));
/// let missing = answer.routes[0].missing[0];
/// assert_eq!(missing, Missing::Experience { required_years: 4, counted_months: 46 });
/// assert_eq!(missing.code(), "LADDER_EXPERIENCE_SHORT");
/// ```
pub fn next_step(facts: &LadderFacts<'_>, rules: &LadderRules, as_of: Date) -> LadderAnswer {
    let mut evidence = Evidence::new();
    let held = highest_valid_on(facts.credentials, as_of);
    if let Some(c) = held {
        evidence.push(FactRef::new(FactKind::Credential, c.id()));
    }
    let current = held.map(Credential::level);
    let next = rules
        .routes
        .iter()
        .map(|r| r.target)
        .filter(|t| current.is_none_or(|c| *t > c))
        .min();
    let exam_year = as_of.year();

    let Some(next_level) = next else {
        return LadderAnswer {
            current,
            next: None,
            exam_year,
            may_sit_now: false,
            earliest_exam_year: None,
            best_route: None,
            routes: Vec::new(),
            evidence,
        };
    };

    let experience = Experience::merge(facts.experience);
    let routes: Vec<RouteAssessment> = rules
        .routes
        .iter()
        .filter(|r| r.target == next_level)
        .map(|r| assess(r, facts, &experience, exam_year, as_of, &mut evidence))
        .collect();

    let may_sit_now = routes.iter().any(|r| r.satisfied);
    let best = routes
        .iter()
        .filter_map(|r| r.earliest_exam_year.map(|y| (y, r)))
        .min_by_key(|(y, _)| *y);
    LadderAnswer {
        current,
        next,
        exam_year,
        may_sit_now,
        earliest_exam_year: best.map(|(y, _)| y),
        best_route: best.map(|(_, r)| r.route_id.clone()),
        routes,
        evidence,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::credential::{CredentialInput, CredentialStatus, Scheme, StatusChange};
    use crate::ids::CertificateNumber;
    use time::macros::date;

    fn edu(level: EducationLevel, social_work_major: bool) -> Education {
        Education {
            level,
            social_work_major,
        }
    }

    fn cred(id: u64, level: Level, issue_date: Date) -> Credential {
        Credential::new(CredentialInput {
            id,
            worker_id: 1,
            scheme: Scheme::NationalExam,
            level,
            certificate_number: CertificateNumber::parse(&format!("N-{id}")).unwrap(),
            issuing_authority: "人力资源和社会保障部".into(),
            exam_year: None,
            issue_date,
            valid_region: None,
            status_changes: vec![],
        })
        .unwrap()
    }

    fn ask(
        education: Education,
        experience: &[Period],
        credentials: &[Credential],
        as_of: Date,
    ) -> LadderAnswer {
        let facts = LadderFacts {
            education,
            experience,
            credentials,
        };
        next_step(&facts, &LadderRules::national(), as_of)
    }

    fn route<'a>(a: &'a LadderAnswer, id: &str) -> &'a RouteAssessment {
        a.routes.iter().find(|r| r.route_id == id).unwrap()
    }

    fn closed(start: Date, end: Date) -> Period {
        Period::new(start, Some(end)).unwrap()
    }

    #[test]
    fn social_work_bachelor_may_sit_assistant_now() {
        let a = ask(
            edu(EducationLevel::Bachelor, true),
            &[],
            &[],
            date!(2025 - 01 - 01),
        );
        assert_eq!((a.current, a.next), (None, Some(Level::Assistant)));
        assert!(a.may_sit_now);
        assert_eq!(a.exam_year, 2025);
        assert_eq!(a.earliest_exam_year, Some(2025));
        assert_eq!(a.best_route.as_deref(), Some("assistant.sw_bachelor"));
        assert_eq!(a.routes.len(), 5);
        assert!(route(&a, "assistant.sw_bachelor").missing.is_empty());
        // A master in social work qualifies by the bachelor route too.
        let a = ask(
            edu(EducationLevel::Master, true),
            &[],
            &[],
            date!(2025 - 01 - 01),
        );
        assert_eq!(a.best_route.as_deref(), Some("assistant.sw_bachelor"));
        assert!(a.evidence.is_empty());
    }

    #[test]
    fn high_school_worker_from_march_2023_sits_in_2027() {
        let exp = [Period::from(date!(2023 - 03 - 01))];
        let a = ask(
            edu(EducationLevel::HighSchool, false),
            &exp,
            &[],
            date!(2025 - 05 - 01),
        );
        assert!(!a.may_sit_now);
        assert_eq!(a.earliest_exam_year, Some(2027));
        assert_eq!(a.best_route.as_deref(), Some("assistant.high_school"));
        let hs = route(&a, "assistant.high_school");
        assert_eq!(
            hs.missing,
            vec![Missing::Experience {
                required_years: 4,
                counted_months: 34
            }]
        );
        assert_eq!(hs.earliest_exam_year, Some(2027));
        // Routes needing more education are unreachable however long one waits.
        let college = route(&a, "assistant.other_college");
        assert_eq!(college.earliest_exam_year, None);
        assert_eq!(
            college.missing[0],
            Missing::Education {
                required: EducationLevel::College
            }
        );
        let sw = route(&a, "assistant.sw_college");
        assert_eq!(
            sw.missing[..2],
            [
                Missing::Education {
                    required: EducationLevel::College
                },
                Missing::SocialWorkMajor
            ]
        );
        // Asked in 2027 the answer is yes.
        let a = ask(
            edu(EducationLevel::HighSchool, false),
            &exp,
            &[],
            date!(2027 - 01 - 01),
        );
        assert!(a.may_sit_now);
        assert_eq!(a.earliest_exam_year, Some(2027));
    }

    #[test]
    fn assistant_holder_with_social_work_college() {
        let exp = [Period::from(date!(2019 - 07 - 01))];
        let creds = [cred(11, Level::Assistant, date!(2020 - 11 - 20))];
        let a = ask(
            edu(EducationLevel::College, true),
            &exp,
            &creds,
            date!(2022 - 03 - 15),
        );
        assert_eq!(
            (a.current, a.next),
            (Some(Level::Assistant), Some(Level::Intermediate))
        );
        assert_eq!(a.routes.len(), 9);
        // College route: 42 months from July 2019 to December 2022, 48 needed: 2023.
        let college = route(&a, "intermediate.sw_college");
        assert_eq!(
            college.missing,
            vec![Missing::Experience {
                required_years: 4,
                counted_months: 42
            }]
        );
        assert_eq!(college.earliest_exam_year, Some(2023));
        // Holder route: months after 2020-11-20 only (25 by December 2022), 72 needed:
        // 2026-11-20 is the 72nd month, so December 2026.
        let holder = route(&a, "intermediate.assistant_holder");
        assert_eq!(
            holder.missing,
            vec![Missing::Experience {
                required_years: 6,
                counted_months: 25
            }]
        );
        assert_eq!(holder.earliest_exam_year, Some(2026));
        assert!(!a.may_sit_now);
        assert_eq!(a.earliest_exam_year, Some(2023));
        assert_eq!(a.best_route.as_deref(), Some("intermediate.sw_college"));
        assert_eq!(
            a.evidence.as_slice(),
            &[FactRef::new(FactKind::Credential, 11)]
        );
        // Other-major routes are open to a social-work graduate but never better.
        assert_eq!(
            route(&a, "intermediate.other_college").earliest_exam_year,
            Some(2025)
        );
        let a = ask(
            edu(EducationLevel::College, true),
            &exp,
            &creds,
            date!(2023 - 01 - 01),
        );
        assert!(a.may_sit_now);
    }

    #[test]
    fn top_level_reached() {
        let creds = [
            cred(1, Level::Intermediate, date!(2015 - 01 - 01)),
            cred(2, Level::Senior, date!(2022 - 01 - 01)),
        ];
        let a = ask(
            edu(EducationLevel::Master, true),
            &[],
            &creds,
            date!(2024 - 06 - 01),
        );
        assert_eq!((a.current, a.next), (Some(Level::Senior), None));
        assert!(!a.may_sit_now);
        assert_eq!((a.earliest_exam_year, a.best_route.clone()), (None, None));
        assert!(a.routes.is_empty());
        assert_eq!(
            a.evidence.as_slice(),
            &[FactRef::new(FactKind::Credential, 2)]
        );
    }

    #[test]
    fn senior_needs_the_intermediate_credential() {
        // Rules for the senior review only: an assistant is told what is missing.
        let senior_only = LadderRules::new(
            LadderRules::national()
                .routes
                .into_iter()
                .filter(|r| r.target == Level::Senior)
                .collect(),
        )
        .unwrap();
        let exp = [Period::from(date!(2010 - 01 - 01))];
        let creds = [cred(3, Level::Assistant, date!(2012 - 01 - 01))];
        let facts = LadderFacts {
            education: edu(EducationLevel::Bachelor, false),
            experience: &exp,
            credentials: &creds,
        };
        let a = next_step(&facts, &senior_only, date!(2024 - 06 - 01));
        assert_eq!(
            (a.current, a.next),
            (Some(Level::Assistant), Some(Level::Senior))
        );
        let r = route(&a, "senior.intermediate_holder");
        assert_eq!(
            r.missing,
            vec![
                Missing::Credential {
                    level: Level::Intermediate
                },
                Missing::Experience {
                    required_years: 5,
                    counted_months: 0
                }
            ]
        );
        assert_eq!(r.earliest_exam_year, None);
        assert_eq!(a.earliest_exam_year, None);
        assert_eq!(a.best_route, None);
        assert_eq!(r.missing[0].code(), "LADDER_CREDENTIAL_REQUIRED");
    }

    #[test]
    fn senior_counts_years_after_the_intermediate_and_needs_a_bachelor() {
        let exp = [Period::from(date!(2010 - 01 - 01))];
        let creds = [cred(4, Level::Intermediate, date!(2019 - 06 - 15))];
        let a = ask(
            edu(EducationLevel::Bachelor, false),
            &exp,
            &creds,
            date!(2024 - 03 - 01),
        );
        assert_eq!(a.next, Some(Level::Senior));
        // 2019-06-15 to 2024-12-31: 66 months.
        assert!(a.may_sit_now);
        let a = ask(
            edu(EducationLevel::Bachelor, false),
            &exp,
            &creds,
            date!(2023 - 03 - 01),
        );
        let r = route(&a, "senior.intermediate_holder");
        assert_eq!(
            r.missing,
            vec![Missing::Experience {
                required_years: 5,
                counted_months: 54
            }]
        );
        assert_eq!(a.earliest_exam_year, Some(2024));
        let a = ask(
            edu(EducationLevel::College, true),
            &exp,
            &creds,
            date!(2024 - 03 - 01),
        );
        assert_eq!(
            route(&a, "senior.intermediate_holder").missing,
            vec![Missing::Education {
                required: EducationLevel::Bachelor
            }]
        );
        assert_eq!(a.earliest_exam_year, None);
    }

    #[test]
    fn suspended_credential_does_not_count() {
        let mut input: CredentialInput = cred(5, Level::Intermediate, date!(2015 - 01 - 01)).into();
        input.status_changes = vec![StatusChange {
            status: CredentialStatus::Suspended,
            effective: date!(2024 - 01 - 01),
        }];
        let creds = [
            Credential::new(input).unwrap(),
            cred(6, Level::Assistant, date!(2012 - 01 - 01)),
        ];
        let exp = [Period::from(date!(2010 - 01 - 01))];
        let a = ask(
            edu(EducationLevel::Bachelor, true),
            &exp,
            &creds,
            date!(2023 - 12 - 31),
        );
        assert_eq!(a.current, Some(Level::Intermediate));
        let a = ask(
            edu(EducationLevel::Bachelor, true),
            &exp,
            &creds,
            date!(2024 - 01 - 01),
        );
        assert_eq!(
            (a.current, a.next),
            (Some(Level::Assistant), Some(Level::Intermediate))
        );
        assert_eq!(
            a.evidence.as_slice(),
            &[FactRef::new(FactKind::Credential, 6)]
        );
    }

    #[test]
    fn aide_holder_moves_to_assistant() {
        let creds = [cred(8, Level::Aide, date!(2020 - 01 - 01))];
        let a = ask(
            edu(EducationLevel::College, false),
            &[],
            &creds,
            date!(2024 - 01 - 01),
        );
        assert_eq!(
            (a.current, a.next),
            (Some(Level::Aide), Some(Level::Assistant))
        );
        // No experience at all: nothing reachable by waiting.
        assert_eq!(a.earliest_exam_year, None);
        assert_eq!(
            a.evidence.as_slice(),
            &[FactRef::new(FactKind::Credential, 8)]
        );
    }

    #[test]
    fn december_31_boundary() {
        // Other-major bachelor, 2 years: from 2021-01-01 exactly 24 months by 2022-12-31.
        let e = edu(EducationLevel::Bachelor, false);
        let exp = [Period::from(date!(2021 - 01 - 01))];
        let a = ask(e, &exp, &[], date!(2022 - 01 - 01));
        assert!(a.may_sit_now);
        assert_eq!(a.best_route.as_deref(), Some("assistant.other_bachelor"));
        // Starting one day later misses by a month.
        let exp = [Period::from(date!(2021 - 01 - 02))];
        let a = ask(e, &exp, &[], date!(2022 - 12 - 31));
        assert_eq!(
            (a.exam_year, a.may_sit_now, a.earliest_exam_year),
            (2022, false, Some(2023))
        );
        let a = ask(e, &exp, &[], date!(2023 - 01 - 01));
        assert_eq!((a.exam_year, a.may_sit_now), (2023, true));
        // Experience that has ended before December still counts only to its end.
        let exp = [closed(date!(2021 - 01 - 01), date!(2022 - 11 - 30))];
        let a = ask(e, &exp, &[], date!(2022 - 06 - 01));
        assert_eq!(
            route(&a, "assistant.other_bachelor").missing,
            vec![Missing::Experience {
                required_years: 2,
                counted_months: 23
            }]
        );
        assert_eq!(a.earliest_exam_year, None);
    }

    #[test]
    fn leap_days_and_overlaps() {
        let e = edu(EducationLevel::HighSchool, false);
        // 2020-02-29 to 2024-02-28 is exactly four years.
        let exp = [closed(date!(2020 - 02 - 29), date!(2024 - 02 - 28))];
        assert!(ask(e, &exp, &[], date!(2024 - 03 - 01)).may_sit_now);
        let exp = [closed(date!(2020 - 02 - 29), date!(2024 - 02 - 27))];
        let a = ask(e, &exp, &[], date!(2024 - 03 - 01));
        assert_eq!(
            a.routes[0].missing,
            vec![Missing::Experience {
                required_years: 4,
                counted_months: 47
            }]
        );
        assert_eq!(a.earliest_exam_year, None);
        // Overlapping and adjacent periods merge: 2019-2020 and 2020-2022 once, then a gap.
        let exp = [
            closed(date!(2020 - 01 - 01), date!(2022 - 12 - 31)),
            closed(date!(2019 - 01 - 01), date!(2020 - 06 - 30)),
            closed(date!(2023 - 01 - 01), date!(2023 - 06 - 30)),
            Period::from(date!(2024 - 01 - 01)),
        ];
        let a = ask(e, &exp, &[], date!(2023 - 07 - 01));
        // 48 months 2019-2022, 6 in 2023: 54.
        assert!(a.may_sit_now);
        let merged = Experience::merge(&exp);
        assert_eq!(merged.0.len(), 2);
        assert_eq!(merged.months(None, date!(2023 - 12 - 31)), 54);
        assert_eq!(merged.months(None, date!(2024 - 12 - 31)), 66);
        assert_eq!(
            merged.months(Some(date!(2023 - 03 - 01)), date!(2024 - 02 - 29)),
            6
        );
    }

    #[test]
    fn future_ongoing_experience_projects_forward() {
        // A job that starts next year, other-major college, 4 years.
        let exp = [Period::from(date!(2026 - 09 - 01))];
        let a = ask(
            edu(EducationLevel::College, false),
            &exp,
            &[],
            date!(2025 - 05 - 01),
        );
        // 2026-09 .. 2030-08 is 48 months: 2030.
        assert_eq!(a.earliest_exam_year, Some(2030));
        assert_eq!(a.best_route.as_deref(), Some("assistant.high_school"));
    }

    #[test]
    fn rules_are_validated() {
        let national = LadderRules::national();
        assert_eq!(
            LadderRules::new(national.routes.clone()),
            Ok(national.clone())
        );
        assert_eq!(
            LadderRules::new(vec![]).unwrap_err().rule,
            "ladder.no_routes"
        );
        let mut dup = national.routes.clone();
        dup.push(dup[0].clone());
        let e = LadderRules::new(dup).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule),
            ("routes[15].id", "ladder.duplicate_route_id")
        );
        let mut bad = national.routes.clone();
        bad[2].id = " x".into();
        assert_eq!(LadderRules::new(bad).unwrap_err().rule, "ladder.route_id");
        let mut bad = national.routes.clone();
        bad[0].years = 61;
        assert_eq!(
            LadderRules::new(bad).unwrap_err().rule,
            "ladder.years_range"
        );
        let mut bad = national.routes.clone();
        bad[5].after_credential = Some(Level::Intermediate);
        let e = LadderRules::new(bad).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.rule),
            (
                "routes[5].after_credential",
                "ladder.credential_not_below_target"
            )
        );
        let err = serde_json::from_str::<LadderRules>(r#"{ "routes": [] }"#).unwrap_err();
        assert!(err.to_string().contains("ladder.no_routes"));
    }

    #[test]
    fn national_data_file_matches_the_code() {
        let file: LadderRules =
            serde_json::from_str(include_str!("../rules/ladder-national.json")).unwrap();
        assert_eq!(file, LadderRules::national());
        let counts = |l| file.routes.iter().filter(|r| r.target == l).count();
        assert_eq!(
            (
                counts(Level::Aide),
                counts(Level::Assistant),
                counts(Level::Intermediate),
                counts(Level::Senior)
            ),
            (0, 5, 9, 1)
        );
    }

    #[test]
    fn missing_explains_itself() {
        let all = [
            Missing::Education {
                required: EducationLevel::Bachelor,
            },
            Missing::SocialWorkMajor,
            Missing::Experience {
                required_years: 1,
                counted_months: 0,
            },
            Missing::Credential {
                level: Level::Assistant,
            },
        ];
        let codes: Vec<_> = all.iter().map(Explain::code).collect();
        assert_eq!(
            codes,
            [
                "LADDER_EDUCATION_TOO_LOW",
                "LADDER_MAJOR_REQUIRED",
                "LADDER_EXPERIENCE_SHORT",
                "LADDER_CREDENTIAL_REQUIRED"
            ]
        );
        assert!(all.iter().all(|m| !m.zh().is_empty() && !m.en().is_empty()));
        let json = serde_json::to_value(all[2]).unwrap();
        assert_eq!(json["kind"], "experience");
        assert_eq!(json["counted_months"], 0);
    }
}
