//! Request and response bodies of the appraisals resource, and their mapping to
//! [`registry_core::appraisal`].

use std::collections::HashMap;

use poem_openapi::{Enum, Object};
use registry_core::appraisal::{
    Appraisal as CoreAppraisal, AppraisalInput, DimensionScores, Grade as CoreGrade, Score,
    effective_appraisals,
};
use registry_core::error::FieldError;
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::db::entities::appraisal;
use crate::mirror_enum;
use crate::problem::ApiError;

/// Appraisal grade (等次), lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 不合格.
    Fail,
    /// 基本合格.
    BasicPass,
    /// 合格.
    Pass,
    /// 优秀 (capped per unit and year).
    Excellent,
}

mirror_enum!(Grade, CoreGrade, [Fail, BasicPass, Pass, Excellent]);

/// Dimension scores, each 0 to 100 and optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct Scores {
    /// 职业操守: professional ethics, 0-100.
    #[oai(skip_serializing_if_is_none, validator(maximum(value = "100")))]
    #[serde(default)]
    pub ethics: Option<u8>,
    /// 服务绩效: service performance, 0-100.
    #[oai(skip_serializing_if_is_none, validator(maximum(value = "100")))]
    #[serde(default)]
    pub performance: Option<u8>,
    /// 群众满意度: residents' satisfaction, percent.
    #[oai(skip_serializing_if_is_none, validator(maximum(value = "100")))]
    #[serde(default)]
    pub satisfaction: Option<u8>,
}

impl Scores {
    fn to_core(self) -> Result<DimensionScores, FieldError> {
        let one = |v: Option<u8>, field: &str| {
            v.map(Score::new)
                .transpose()
                .map_err(|e| e.within(format!("scores.{field}")))
        };
        Ok(DimensionScores {
            ethics: one(self.ethics, "ethics")?,
            performance: one(self.performance, "performance")?,
            satisfaction: one(self.satisfaction, "satisfaction")?,
        })
    }

    fn from_core(s: &DimensionScores) -> Self {
        Self {
            ethics: s.ethics.map(|s| s.value()),
            performance: s.performance.map(|s| s.value()),
            satisfaction: s.satisfaction.map(|s| s.value()),
        }
    }
}

/// Body of `POST /api/v1/workers/{worker_id}/appraisals`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct AppraisalBody {
    /// The year appraised (1949 to the current year).
    pub year: i32,
    /// The appraising unit (in the caller's region); its 优秀 cap counts this appraisal.
    #[oai(validator(min_length = 1, max_length = 36))]
    pub unit_id: String,
    /// The grade.
    pub grade: Grade,
    /// Dimension scores.
    #[serde(default)]
    pub scores: Option<Scores>,
    /// The day the result was recorded (`YYYY-MM-DD`, not before the year, not after
    /// today); today (UTC) when absent.
    #[serde(default, with = "crate::dates::option")]
    pub recorded_on: Option<Date>,
    /// The id of the earlier appraisal of the same worker this one corrects (replaces).
    #[oai(validator(min_length = 1, max_length = 36))]
    #[serde(default)]
    pub corrects: Option<String>,
}

/// A checked appraisal, ready to store.
#[derive(Debug, Clone)]
pub struct NewAppraisal {
    /// The worker.
    pub worker_id: String,
    /// The unit.
    pub unit_id: String,
    /// The corrected appraisal, if any.
    pub corrects_id: Option<String>,
    /// The core appraisal (numbered ids).
    pub appraisal: CoreAppraisal,
}

/// Stored appraisals numbered 1..n for core, with the way back to UUIDs.
#[derive(Debug, Default)]
pub struct Numbered {
    /// Core appraisals, `ids[i]` is number `i + 1`.
    pub core: Vec<CoreAppraisal>,
    /// Row ids by number - 1.
    pub ids: Vec<String>,
    numbers: HashMap<String, u64>,
    others: HashMap<String, u64>,
}

impl Numbered {
    /// Numbers `rows` (in the order given, which must be `(recorded_at, id)`); workers and
    /// units are numbered in order of appearance.
    pub fn new(rows: &[appraisal::Model]) -> Result<Self, ApiError> {
        let mut others: HashMap<String, u64> = HashMap::new();
        let mut n = Self::new_with(rows, &mut |id| {
            let next = others.len() as u64 + 1;
            *others.entry(id.to_owned()).or_insert(next)
        })?;
        n.others = others;
        Ok(n)
    }

    /// Numbers `rows` like [`Numbered::new`], with the caller's numbers for worker and unit
    /// ids (e.g. the ids of a `WorkerFacts` built from several tables).
    pub fn new_with(
        rows: &[appraisal::Model],
        other: &mut dyn FnMut(&str) -> u64,
    ) -> Result<Self, ApiError> {
        let mut n = Self::default();
        for (i, m) in rows.iter().enumerate() {
            n.numbers.insert(m.id.clone(), i as u64 + 1);
            n.ids.push(m.id.clone());
        }
        for m in rows {
            let input = AppraisalInput {
                id: n.number(&m.id),
                worker_id: other(&m.worker_id),
                unit_id: other(&m.unit_id),
                year: m.year,
                grade: CoreGrade::parse(&m.grade).map_err(ApiError::internal)?,
                scores: stored_scores(m).map_err(ApiError::internal)?,
                recorded_on: m.recorded_on,
                corrects: m.corrects_id.as_deref().map(|c| n.number(c)),
            };
            n.core
                .push(CoreAppraisal::try_from(input).map_err(ApiError::internal)?);
        }
        Ok(n)
    }

    /// The number of a row id (0 when unknown).
    pub fn number(&self, id: &str) -> u64 {
        self.numbers.get(id).copied().unwrap_or(0)
    }

    /// A stable number for a worker or unit id.
    pub fn other(&mut self, id: &str) -> u64 {
        let next = self.others.len() as u64 + 1;
        *self.others.entry(id.to_owned()).or_insert(next)
    }

    /// The row id of a number.
    pub fn id(&self, number: u64) -> &str {
        self.ids
            .get((number as usize).wrapping_sub(1))
            .map_or("", String::as_str)
    }
}

fn stored_scores(m: &appraisal::Model) -> Result<DimensionScores, FieldError> {
    let one = |v: Option<i16>| {
        v.map(|v| Score::new(u8::try_from(v).unwrap_or(u8::MAX)))
            .transpose()
    };
    Ok(DimensionScores {
        ethics: one(m.score_ethics)?,
        performance: one(m.score_performance)?,
        satisfaction: one(m.score_satisfaction)?,
    })
}

impl AppraisalBody {
    /// Builds the core appraisal numbered after `existing` (checked by `Appraisal::new`).
    pub fn to_core(
        &self,
        existing: &mut Numbered,
        worker_id: &str,
        today: Date,
    ) -> Result<CoreAppraisal, FieldError> {
        let input = AppraisalInput {
            id: existing.ids.len() as u64 + 1,
            worker_id: existing.other(worker_id),
            unit_id: existing.other(&self.unit_id),
            year: self.year,
            grade: self.grade.into(),
            scores: self.scores.unwrap_or_default().to_core()?,
            recorded_on: self.recorded_on.unwrap_or(today),
            corrects: self.corrects.as_deref().map(|c| existing.number(c)),
        };
        CoreAppraisal::new(input, today)
    }
}

/// An appraisal as recorded, with whether it is the effective one for its year.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Appraisal {
    /// Appraisal id (UUID).
    pub id: String,
    /// The worker appraised.
    pub worker_id: String,
    /// The appraising unit.
    pub unit_id: String,
    /// The year appraised.
    pub year: i32,
    /// The grade.
    pub grade: Grade,
    /// The grade in Chinese (优秀 / 合格 / 基本合格 / 不合格).
    pub grade_zh: String,
    /// Dimension scores given.
    pub scores: Scores,
    /// The day the result was recorded.
    pub recorded_on: Date,
    /// The appraisal this one corrects, if any.
    #[oai(skip_serializing_if_is_none)]
    pub corrects: Option<String>,
    /// The later appraisals that correct this one (then it is not effective).
    pub corrected_by: Vec<String>,
    /// Whether this is the appraisal that counts for its worker and year.
    pub effective: bool,
    /// When it was written (UTC).
    pub recorded_at: OffsetDateTime,
}

/// A worker's appraisals.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct AppraisalList {
    /// Every appraisal of the worker, oldest record first, corrections included and marked.
    pub items: Vec<Appraisal>,
}

/// Views of `rows` (one worker's, in `(recorded_at, id)` order), marking the effective ones
/// (core `effective_appraisals`).
pub fn views(rows: Vec<appraisal::Model>) -> Result<Vec<Appraisal>, ApiError> {
    let numbered = Numbered::new(&rows)?;
    let effective: Vec<u64> = effective_appraisals(&numbered.core)
        .iter()
        .map(|a| a.id())
        .collect();
    rows.into_iter()
        .zip(numbered.core.iter())
        .map(|(m, core)| {
            let corrected_by = numbered
                .core
                .iter()
                .filter(|b| b.corrects() == Some(core.id()))
                .map(|b| numbered.id(b.id()).to_owned())
                .collect();
            Ok(Appraisal {
                grade: core.grade().into(),
                grade_zh: core.grade().zh().to_owned(),
                scores: Scores::from_core(core.scores()),
                effective: effective.contains(&core.id()),
                corrected_by,
                id: m.id,
                worker_id: m.worker_id,
                unit_id: m.unit_id,
                year: m.year,
                recorded_on: m.recorded_on,
                corrects: m.corrects_id,
                recorded_at: m.recorded_at,
            })
        })
        .collect()
}
