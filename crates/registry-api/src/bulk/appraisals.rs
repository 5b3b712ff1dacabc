//! `appraisals.csv`: `id,worker_id,unit_id,year,grade,score_ethics,score_performance,
//! score_satisfaction,recorded_on,corrects_id,recorded_at` (the table's columns).
//!
//! Rows are validated by the API's own path ([`AppraisalBody::to_core`]: core
//! `Appraisal::new`: year range, not in the future, recorded on or after the year began,
//! scores 0-100). `worker_id` and `unit_id` must name stored rows; `corrects_id` must name an
//! appraisal of the same worker, stored or on an EARLIER row of the file (exports list
//! appraisals in `(recorded_at, id)` order, the order they were recorded), recorded before
//! the correction. The 优秀 cap of the unit is a rule of the moment an appraisal is recorded
//! (the API refuses one that would exceed it then); an import reproduces what was recorded and
//! does not judge it again. Keyed by `id` when present. An export `--region R` holds the
//! appraisals of the workers registered in `R`. Append-only table: an import only inserts.

use sea_orm::{DatabaseConnection, Value};
use time::{Date, OffsetDateTime};

use super::cells::{self, Cells};
use super::fingerprint::{self, Fp, FpMap};
use super::layout::{InRegion, Layout};
use super::lookup::{self, Refs};
use super::{Entity, Kind, Verdict, Verdicts, changed, unknown_earlier, validated};
use crate::appraisals::api::{AppraisalBody, Grade, Numbered, Scores};
use crate::db::entities::{appraisal, unit};
use crate::problem::ProblemField;

/// The appraisals importer/exporter.
#[derive(Debug)]
pub struct Appraisals;

/// A validated appraisal row.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    worker_id: String,
    unit_id: String,
    year: i32,
    grade: Grade,
    scores: [Option<i16>; 3],
    recorded_on: Date,
    corrects_id: Option<String>,
    recorded_at: OffsetDateTime,
}

/// The accepted rows of the file so far that later rows may correct: id → (worker, recorded).
pub type Seen = FpMap<(Fp, OffsetDateTime)>;

const SCORES: [&str; 3] = ["score_ethics", "score_performance", "score_satisfaction"];

fn grade_code(g: Grade) -> &'static str {
    registry_core::appraisal::Grade::from(g).code()
}

fn diff(r: &Row, m: &appraisal::Model) -> Vec<&'static str> {
    changed(&[
        ("worker_id", r.worker_id == m.worker_id),
        ("unit_id", r.unit_id == m.unit_id),
        ("year", r.year == m.year),
        ("grade", grade_code(r.grade) == m.grade),
        ("score_ethics", r.scores[0] == m.score_ethics),
        ("score_performance", r.scores[1] == m.score_performance),
        ("score_satisfaction", r.scores[2] == m.score_satisfaction),
        ("recorded_on", r.recorded_on == m.recorded_on),
        ("corrects_id", r.corrects_id == m.corrects_id),
    ])
}

/// The API's field names as the file's columns.
fn column_of(field: &str) -> String {
    match field {
        "corrects" => "corrects_id".into(),
        "scores.ethics" => "score_ethics".into(),
        "scores.performance" => "score_performance".into(),
        "scores.satisfaction" => "score_satisfaction".into(),
        other => other.into(),
    }
}

impl Row {
    /// Why the row cannot correct `target` (of `target_worker`, recorded at `target_at`).
    fn correction_error(
        &self,
        same_worker: bool,
        target_at: OffsetDateTime,
        target_id: &str,
    ) -> Option<ProblemField> {
        if !same_worker {
            return Some(ProblemField {
                field: "corrects_id".into(),
                rule: "appraisal.corrects_unknown".into(),
                message: "no such appraisal of this worker".into(),
            });
        }
        super::recorded_after(
            (target_at, target_id),
            (self.recorded_at, self.id.as_deref()),
            "appraisal",
        )
    }
}

impl Kind for Appraisals {
    type Row = Row;
    type Seen = Seen;
    type Stored = appraisal::Entity;
    const ENTITY: Entity = Entity::Appraisals;
    const HEADER: &'static [&'static str] = &[
        "id",
        "worker_id",
        "unit_id",
        "year",
        "grade",
        "score_ethics",
        "score_performance",
        "score_satisfaction",
        "recorded_on",
        "corrects_id",
        "recorded_at",
    ];
    const REQUIRED: &'static [&'static str] = &["worker_id", "unit_id", "year", "grade"];
    const RESOURCE: &'static str = "appraisal";
    const TABLE: &'static str = "appraisals";
    const COLUMNS: &'static [&'static str] = Self::HEADER;
    const LAYOUT: Layout<appraisal::Column> = Layout::recorded(
        appraisal::Column::RecordedAt,
        appraisal::Column::Id,
        InRegion::Workers(appraisal::Column::WorkerId),
    );

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let worker_id = c.id("worker_id");
        let unit_id = c.id("unit_id");
        let year = c.int("year");
        let grade: Option<Grade> = c.code("grade");
        let scores = SCORES.map(|s| c.opt_int(s));
        let recorded_on = c.opt_date("recorded_on");
        let corrects_id = c.opt_id("corrects_id");
        let recorded_at = c
            .opt_timestamp("recorded_at")
            .unwrap_or_else(crate::db::now_utc);
        let mut errors = c.take_errors();
        let year = year.and_then(|y| {
            i32::try_from(y)
                .map_err(|_| errors.push(super::out_of_range("year")))
                .ok()
        });
        let mut small = [None; 3];
        for (i, v) in scores.iter().enumerate() {
            if let Some(v) = v {
                match u8::try_from(*v) {
                    Ok(v) => small[i] = Some(v),
                    Err(_) => errors.push(ProblemField {
                        field: SCORES[i].into(),
                        rule: "appraisal.score_range".into(),
                        message: "score must be 0 to 100".into(),
                    }),
                }
            }
        }
        if corrects_id.is_some() && corrects_id == id {
            errors.push(ProblemField {
                field: "corrects_id".into(),
                rule: "appraisal.corrects_self".into(),
                message: "an appraisal cannot correct itself".into(),
            });
        }
        let (Some(worker_id), Some(unit_id), Some(year), Some(grade)) =
            (worker_id, unit_id, year, grade)
        else {
            return Err(errors);
        };
        let today = crate::db::now_utc().date();
        let body = AppraisalBody {
            year,
            unit_id: unit_id.clone(),
            grade,
            scores: Some(Scores {
                ethics: small[0],
                performance: small[1],
                satisfaction: small[2],
            }),
            recorded_on: Some(recorded_on.unwrap_or(today)),
            corrects: corrects_id.clone(),
        };
        // The API's check of the appraisal on its own (the corrected one is checked against
        // storage and the file by `check`).
        let api = body
            .to_core(&mut Numbered::default(), &worker_id, today)
            .map_err(|e| {
                let mut e = ProblemField::from(e);
                e.field = column_of(&e.field);
                vec![e]
            });
        let core = validated(errors, api)?;
        Ok(Row {
            id,
            worker_id,
            unit_id,
            year,
            grade,
            scores: small.map(|s| s.map(i16::from)),
            recorded_on: core.recorded_on(),
            corrects_id,
            recorded_at,
        })
    }

    fn id(row: &Row) -> Option<&String> {
        row.id.as_ref()
    }

    async fn check(
        &self,
        db: &DatabaseConnection,
        rows: &mut [&mut Row],
        seen: &mut Seen,
    ) -> Verdicts {
        let workers = lookup::workers(db, rows.iter().map(|r| r.worker_id.clone())).await?;
        let unit_ids = rows.iter().map(|r| r.unit_id.clone());
        let units =
            Refs::load::<unit::Entity, _>(db, ("unit_id", "unit"), unit::Column::Id, unit_ids)
                .await?;
        let ids = rows
            .iter()
            .flat_map(|r| r.id.iter().chain(r.corrects_id.iter()).cloned());
        let stored =
            lookup::stored_by::<appraisal::Entity, _>(db, appraisal::Column::Id, ids).await?;
        let mut verdicts = Vec::with_capacity(rows.len());
        for r in rows.iter() {
            let mut errors = Vec::new();
            workers.check(&r.worker_id, &mut errors);
            units.check(&r.unit_id, &mut errors);
            if let Some(c) = &r.corrects_id {
                let error = match stored.get(c) {
                    Some(t) => r.correction_error(t.worker_id == r.worker_id, t.recorded_at, c),
                    None => match seen.get(&fingerprint::of(&[c])) {
                        Some((w, at)) => {
                            r.correction_error(*w == fingerprint::of(&[&r.worker_id]), *at, c)
                        }
                        None => Some(unknown_earlier("corrects_id", "appraisal")),
                    },
                };
                errors.extend(error);
            }
            let verdict = lookup::unless(errors, || {
                lookup::by_id(r.id.as_ref(), &stored, |m| diff(r, m))
            });
            if let (Some(id), Verdict::New | Verdict::Same) = (&r.id, &verdict) {
                seen.insert(
                    fingerprint::of(&[id]),
                    (fingerprint::of(&[&r.worker_id]), r.recorded_at),
                );
            }
            verdicts.push(verdict);
        }
        Ok(verdicts)
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let [ethics, performance, satisfaction] = r.scores;
        Ok(vec![
            r.worker_id.clone().into(),
            r.unit_id.clone().into(),
            r.year.into(),
            grade_code(r.grade).into(),
            ethics.into(),
            performance.into(),
            satisfaction.into(),
            r.recorded_on.into(),
            r.corrects_id.clone().into(),
            r.recorded_at.into(),
        ])
    }

    fn record(&self, m: appraisal::Model) -> Result<Vec<String>, anyhow::Error> {
        let score = |s: Option<i16>| s.map(|s| s.to_string()).unwrap_or_default();
        Ok(vec![
            m.worker_id,
            m.unit_id,
            m.year.to_string(),
            m.grade,
            score(m.score_ethics),
            score(m.score_performance),
            score(m.score_satisfaction),
            cells::date(m.recorded_on),
            m.corrects_id.unwrap_or_default(),
            cells::timestamp(m.recorded_at),
        ])
    }
}
