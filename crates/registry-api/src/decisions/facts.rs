//! The facts loader: one worker's records, from the tables, as core `WorkerFacts`.
//!
//! The core identifies facts by `u64`; the API by UUID text. [`FactIds`] hands out a `u64`
//! per loaded record (1, 2, 3, ... in load order, unique across kinds) and keeps, for each,
//! its kind, UUID, effective dates and when it was recorded, so a decision's evidence is
//! reported with the API's ids and a payroll clerk can see which facts a month's answer used.
//!
//! Credential status: the register keeps a credential's current status only. A suspended or
//! revoked credential is given one core status change effective on the day of its last update
//! (never before its issue date), so months before that change still see it valid.
//! Appraisals and credit entries are numbered in `(recorded_at, id)` order, compared as times
//! (`crate::db::recorded_order`: SQLite's text order is not time order within one second);
//! credit entries of organisations are not the worker's and are not read.
//! Continuing-education records are not read: the core's allowance decision and ladder do not
//! use them (registration validity is carried by the stored registrations).

use std::collections::{BTreeMap, BTreeSet};

use registry_core::allowance::{AssignmentFact, OneOffPayment, WorkerFacts};
use registry_core::calendar::{Period, YearMonth};
use registry_core::credential::{
    Credential, CredentialInput, CredentialStatus, Scheme, StatusChange,
};
use registry_core::facts::{FactKind, FactRef};
use registry_core::ids::{CertificateNumber, RegionCode};
use registry_core::level::{Education, EducationLevel, Level};
use registry_core::money::Yuan;
use registry_core::post::{Assignment, Post, TimeBasis, UnitType};
use registry_core::registration::{Registration, RegistrationKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};
use serde::de::DeserializeOwned;
use time::{Date, OffsetDateTime};

use registry_core::appraisal::{Appraisal, AppraisalInput, DimensionScores, Grade, Score};
use registry_core::credit::{CreditEntry, CreditEntryInput, CreditSubject};

use crate::db::entities::{
    allowance_payment, appraisal, assignment, credential, credit_entry, post, registration, unit,
    worker,
};
use crate::problem::ApiError;

/// One loaded record: what it is, its API id, when it is in force and when it was recorded.
#[derive(Debug, Clone)]
pub struct FactInfo {
    /// Kind of record.
    pub kind: FactKind,
    /// The API's id (UUID).
    pub id: String,
    /// First day (or month) in force, if the record has one.
    pub effective_from: Option<String>,
    /// Last day (or month) in force, if the record ends.
    pub effective_until: Option<String>,
    /// When the record was last written.
    pub recorded_at: OffsetDateTime,
}

/// The two-way map between the API's UUIDs and the core's `u64` ids of one load.
///
/// One worker has a few dozen records at most, so lookups scan the list: no second copy of
/// every id, no map nodes (a run builds one of these per worker).
#[derive(Debug, Clone, Default)]
pub struct FactIds {
    infos: Vec<FactInfo>,
}

impl FactIds {
    /// Registers a record and returns its core id.
    pub fn add(&mut self, info: FactInfo) -> u64 {
        if let Some(id) = self.core_id(info.kind, &info.id) {
            return id;
        }
        self.infos.push(info);
        self.infos.len() as u64
    }

    /// The core id of a registered record.
    pub fn core_id(&self, kind: FactKind, uuid: &str) -> Option<u64> {
        self.infos
            .iter()
            .position(|i| i.kind == kind && i.id == uuid)
            .map(|i| i as u64 + 1)
    }

    /// The record behind a core reference.
    pub fn info(&self, r: FactRef) -> Option<&FactInfo> {
        let i = usize::try_from(r.id).ok()?.checked_sub(1)?;
        self.infos.get(i).filter(|f| f.kind == r.kind)
    }
}

/// Everything the decisions read about one worker.
#[derive(Debug, Clone)]
pub struct LoadedFacts {
    /// The core facts (ids are [`FactIds`] ids).
    pub facts: WorkerFacts,
    /// The id map.
    pub ids: FactIds,
    /// Highest education (for the ladder).
    pub education: Education,
    /// Periods of social-work experience (for the ladder).
    pub experience: Vec<Period>,
    /// The unit (UUID) of each loaded assignment, by the assignment's core id.
    pub assignment_units: BTreeMap<u64, String>,
}

fn code<T: DeserializeOwned>(s: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(ApiError::internal)
}

fn day(d: Date) -> Option<String> {
    Some(d.to_string())
}

/// A stored credential as a core credential with core id `id` (see the module docs for its
/// status history).
pub fn core_credential(
    m: &credential::Model,
    id: u64,
    worker: u64,
) -> Result<Credential, ApiError> {
    let status: CredentialStatus = code(&m.status)?;
    let status_changes = match status {
        CredentialStatus::Valid => Vec::new(),
        other => vec![StatusChange {
            status: other,
            effective: m.updated_at.date().max(m.issue_date),
        }],
    };
    let scheme: Scheme = code(&m.scheme)?;
    Credential::new(CredentialInput {
        id,
        worker_id: worker,
        scheme,
        level: Level::parse(&m.level).map_err(ApiError::internal)?,
        certificate_number: CertificateNumber::parse(&m.certificate_number)
            .map_err(ApiError::internal)?,
        issuing_authority: m.issuing_authority.clone(),
        exam_year: m.exam_year,
        issue_date: m.issue_date,
        valid_region: m
            .valid_region
            .as_deref()
            .map(RegionCode::parse)
            .transpose()
            .map_err(ApiError::internal)?,
        status_changes,
    })
    .map_err(ApiError::internal)
}

/// A stored assignment as a core assignment (it was checked against its post when recorded).
pub fn core_assignment(
    a: &assignment::Model,
    id: u64,
    worker: u64,
    p: &post::Model,
    post_id: u64,
    unit_id: u64,
) -> Result<Assignment, ApiError> {
    let basis: TimeBasis = code(&a.basis)?;
    let min_level = p
        .min_level
        .as_deref()
        .map(Level::parse)
        .transpose()
        .map_err(ApiError::internal)?;
    let grade = p.grade.and_then(|g| u8::try_from(g).ok());
    let allows = p.part_time_allowed || basis == TimeBasis::PartTime;
    let core_post = Post::new(post_id, unit_id, &p.title, min_level, grade, allows)
        .map_err(ApiError::internal)?;
    let period = Period::new(a.start, a.end).map_err(ApiError::internal)?;
    Assignment::new(id, worker, &core_post, period, basis).map_err(ApiError::internal)
}

/// The columns of a `workers` row that decisions use (a run reads only these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerHead {
    /// The worker's id (UUID).
    pub id: String,
    /// Region of the register the worker belongs to.
    pub region_code: String,
    /// Highest education (code).
    pub education_level: String,
    /// Whether the education was in social work.
    pub social_work_major: bool,
    /// First day of social-work experience.
    pub experience_start: Date,
    /// When the row was last written.
    pub updated_at: OffsetDateTime,
}

impl From<&worker::Model> for WorkerHead {
    fn from(w: &worker::Model) -> Self {
        Self {
            id: w.id.clone(),
            region_code: w.region_code.clone(),
            education_level: w.education_level.clone(),
            social_work_major: w.social_work_major,
            experience_start: w.experience_start,
            updated_at: w.updated_at,
        }
    }
}

/// One worker's rows, each list in the order its facts are numbered: credentials,
/// registrations, assignments and payments by id; appraisals and (the worker's own) credit
/// entries by `recorded_at`, then id.
#[derive(Debug, Clone, Default)]
pub struct WorkerRows {
    /// `credentials` of the worker.
    pub credentials: Vec<credential::Model>,
    /// `registrations` of the worker.
    pub registrations: Vec<registration::Model>,
    /// `assignments` of the worker.
    pub assignments: Vec<assignment::Model>,
    /// `allowance_payments` of the worker.
    pub payments: Vec<allowance_payment::Model>,
    /// `appraisals` of the worker.
    pub appraisals: Vec<appraisal::Model>,
    /// `credit_entries` about the worker (subject `worker`).
    pub credit_entries: Vec<credit_entry::Model>,
}

/// The posts and units that assignments point at, by id.
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// Posts by id.
    pub posts: BTreeMap<String, post::Model>,
    /// Units by id.
    pub units: BTreeMap<String, unit::Model>,
}

impl Places {
    /// Loads the posts of `assignments` and their units (two queries).
    pub async fn load<'a, C: ConnectionTrait>(
        conn: &C,
        assignments: impl Iterator<Item = &'a assignment::Model>,
    ) -> Result<Self, ApiError> {
        let post_ids: BTreeSet<String> = assignments.map(|a| a.post_id.clone()).collect();
        if post_ids.is_empty() {
            return Ok(Self::default());
        }
        let posts: BTreeMap<String, post::Model> = post::Entity::find()
            .filter(post::Column::Id.is_in(post_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        let unit_ids: BTreeSet<String> = posts.values().map(|p| p.unit_id.clone()).collect();
        let units: BTreeMap<String, unit::Model> = unit::Entity::find()
            .filter(unit::Column::Id.is_in(unit_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        Ok(Self { posts, units })
    }
}

/// The statements that read one worker's rows, each filtered and ordered as [`WorkerRows`]
/// documents: the one definition of "a worker's rows", shared by [`load`] (one query each)
/// and [`super::single`] (all of them in one round trip).
#[derive(Debug, Clone)]
pub struct WorkerQueries {
    /// `credentials` by id.
    pub credentials: Select<credential::Entity>,
    /// `registrations` by id.
    pub registrations: Select<registration::Entity>,
    /// `assignments` by id.
    pub assignments: Select<assignment::Entity>,
    /// `allowance_payments` by id.
    pub payments: Select<allowance_payment::Entity>,
    /// `appraisals` by `recorded_at`, id.
    pub appraisals: Select<appraisal::Entity>,
    /// The worker's own `credit_entries` by `recorded_at`, id.
    pub credit_entries: Select<credit_entry::Entity>,
}

impl WorkerQueries {
    /// The queries for the worker `worker_id`.
    pub fn of(worker_id: &str) -> Self {
        Self {
            credentials: credential::Entity::find()
                .filter(credential::Column::WorkerId.eq(worker_id))
                .order_by_asc(credential::Column::Id),
            registrations: registration::Entity::find()
                .filter(registration::Column::WorkerId.eq(worker_id))
                .order_by_asc(registration::Column::Id),
            assignments: assignment::Entity::find()
                .filter(assignment::Column::WorkerId.eq(worker_id))
                .order_by_asc(assignment::Column::Id),
            payments: crate::allowance_payments::store::of_worker_query(worker_id),
            appraisals: appraisal::Entity::find()
                .filter(appraisal::Column::WorkerId.eq(worker_id))
                .order_by_asc(appraisal::Column::RecordedAt)
                .order_by_asc(appraisal::Column::Id),
            credit_entries: credit_entry::Entity::find()
                .filter(credit_entry::Column::WorkerId.eq(worker_id))
                .filter(credit_entry::Column::SubjectKind.eq("worker"))
                .order_by_asc(credit_entry::Column::RecordedAt)
                .order_by_asc(credit_entry::Column::Id),
        }
    }
}

/// Loads the worker's facts over any connection, one query per table ([`super::single`]
/// reads the same rows in one round trip; [`super::bulk`] loads many workers with the same
/// queries per chunk and [`assemble`]s each the same way).
pub async fn load<C: ConnectionTrait>(
    conn: &C,
    w: &worker::Model,
) -> Result<LoadedFacts, ApiError> {
    let rows = rows_of(conn, &w.id).await?;
    let places = Places::load(conn, rows.assignments.iter()).await?;
    assemble(&WorkerHead::from(w), &rows, &places)
}

/// The rows of the worker `worker_id`, one query per table.
pub async fn rows_of<C: ConnectionTrait>(
    conn: &C,
    worker_id: &str,
) -> Result<WorkerRows, ApiError> {
    let q = WorkerQueries::of(worker_id);
    Ok(WorkerRows {
        credentials: q.credentials.all(conn).await?,
        registrations: q.registrations.all(conn).await?,
        assignments: q.assignments.all(conn).await?,
        payments: q.payments.all(conn).await?,
        appraisals: q.appraisals.all(conn).await?,
        credit_entries: q.credit_entries.all(conn).await?,
    })
}

/// The worker's facts from its rows (no I/O): the one place rows become core facts, so a
/// single-worker answer and a run decide from the same facts with the same ids.
pub fn assemble(
    w: &WorkerHead,
    rows: &WorkerRows,
    places: &Places,
) -> Result<LoadedFacts, ApiError> {
    let mut ids = FactIds::default();
    let worker_id = ids.add(FactInfo {
        kind: FactKind::Worker,
        id: w.id.clone(),
        effective_from: day(w.experience_start),
        effective_until: None,
        recorded_at: w.updated_at,
    });
    let region = RegionCode::parse(&w.region_code).map_err(ApiError::internal)?;
    let mut facts = WorkerFacts::new(worker_id, region);

    for m in &rows.credentials {
        let id = ids.add(FactInfo {
            kind: FactKind::Credential,
            id: m.id.clone(),
            effective_from: day(m.issue_date),
            effective_until: None,
            recorded_at: m.updated_at,
        });
        facts.credentials.push(core_credential(m, id, worker_id)?);
    }

    for m in &rows.registrations {
        let Some(cred) = ids.core_id(FactKind::Credential, &m.credential_id) else {
            continue;
        };
        let id = ids.add(FactInfo {
            kind: FactKind::Registration,
            id: m.id.clone(),
            effective_from: day(m.registered_on),
            effective_until: day(m.valid_until),
            recorded_at: m.created_at,
        });
        let kind: RegistrationKind = code(&m.kind)?;
        facts.registrations.push(
            Registration::with_validity(id, cred, kind, m.registered_on, m.valid_until)
                .map_err(ApiError::internal)?,
        );
    }

    let (posts, units) = (&places.posts, &places.units);
    let mut assignment_units = BTreeMap::new();
    let mut experience = vec![Period::from(w.experience_start)];
    for a in &rows.assignments {
        let (Some(p), Some(u)) = (
            posts.get(&a.post_id),
            posts.get(&a.post_id).and_then(|p| units.get(&p.unit_id)),
        ) else {
            continue;
        };
        let unit_id = ids.add(FactInfo {
            kind: FactKind::Unit,
            id: u.id.clone(),
            effective_from: None,
            effective_until: None,
            recorded_at: u.updated_at,
        });
        let post_id = ids.add(FactInfo {
            kind: FactKind::Post,
            id: p.id.clone(),
            effective_from: None,
            effective_until: None,
            recorded_at: p.updated_at,
        });
        let id = ids.add(FactInfo {
            kind: FactKind::Assignment,
            id: a.id.clone(),
            effective_from: day(a.start),
            effective_until: a.end.and_then(day),
            recorded_at: a.updated_at,
        });
        let core = core_assignment(a, id, worker_id, p, post_id, unit_id)?;
        assignment_units.insert(id, u.id.clone());
        experience.push(core.period());
        facts.assignments.push(AssignmentFact {
            assignment: core,
            unit_type: UnitType::parse(&u.unit_type).map_err(ApiError::internal)?,
            post_min_level: p
                .min_level
                .as_deref()
                .map(Level::parse)
                .transpose()
                .map_err(ApiError::internal)?,
        });
    }

    for m in &rows.payments {
        let month = YearMonth::parse(&m.month).map_err(ApiError::internal)?;
        let id = ids.add(FactInfo {
            kind: FactKind::Payment,
            id: m.id.clone(),
            effective_from: Some(m.month.clone()),
            effective_until: Some(m.month.clone()),
            recorded_at: m.created_at,
        });
        facts.payments.push(OneOffPayment {
            id,
            policy_id: m.policy_id.clone(),
            level: Level::parse(&m.level).map_err(ApiError::internal)?,
            month,
            amount: Yuan::from_fen(m.amount_fen).map_err(ApiError::internal)?,
        });
    }

    add_appraisals(&rows.appraisals, worker_id, &mut ids, &mut facts)?;
    add_credit(&rows.credit_entries, worker_id, &mut ids, &mut facts)?;

    let education = Education {
        level: code::<EducationLevel>(&w.education_level)?,
        social_work_major: w.social_work_major,
    };
    Ok(LoadedFacts {
        facts,
        ids,
        education,
        experience,
        assignment_units,
    })
}

fn score(v: Option<i16>) -> Result<Option<Score>, ApiError> {
    v.map(|v| {
        u8::try_from(v)
            .map_err(ApiError::internal)
            .and_then(|v| Score::new(v).map_err(ApiError::internal))
    })
    .transpose()
}

/// The worker's appraisals (corrections point at what they correct), in `recorded_at`, `id`
/// order.
fn add_appraisals(
    rows: &[appraisal::Model],
    worker_id: u64,
    ids: &mut FactIds,
    facts: &mut WorkerFacts,
) -> Result<(), ApiError> {
    let mut rows: Vec<&appraisal::Model> = rows.iter().collect();
    crate::db::recorded_order::sort(&mut rows);
    for m in &rows {
        ids.add(FactInfo {
            kind: FactKind::Appraisal,
            id: m.id.clone(),
            effective_from: Some(format!("{:04}-01-01", m.year)),
            effective_until: Some(format!("{:04}-12-31", m.year)),
            recorded_at: m.recorded_at,
        });
    }
    for m in &rows {
        let id = ids.core_id(FactKind::Appraisal, &m.id).unwrap_or_default();
        let unit_id = ids.add(FactInfo {
            kind: FactKind::Unit,
            id: m.unit_id.clone(),
            effective_from: None,
            effective_until: None,
            recorded_at: m.recorded_at,
        });
        let grade = Grade::parse(&m.grade).map_err(ApiError::internal)?;
        let input = AppraisalInput {
            id,
            worker_id,
            unit_id,
            year: m.year,
            grade,
            scores: DimensionScores {
                ethics: score(m.score_ethics)?,
                performance: score(m.score_performance)?,
                satisfaction: score(m.score_satisfaction)?,
            },
            recorded_on: m.recorded_on,
            corrects: m
                .corrects_id
                .as_deref()
                .and_then(|c| ids.core_id(FactKind::Appraisal, c)),
        };
        facts
            .appraisals
            .push(Appraisal::try_from(input).map_err(ApiError::internal)?);
    }
    Ok(())
}

/// The worker's credit entries, in `recorded_at`, `id` order (the order of the core record).
fn add_credit(
    rows: &[credit_entry::Model],
    worker_id: u64,
    ids: &mut FactIds,
    facts: &mut WorkerFacts,
) -> Result<(), ApiError> {
    let mut rows: Vec<&credit_entry::Model> = rows.iter().collect();
    crate::db::recorded_order::sort(&mut rows);
    for m in &rows {
        ids.add(FactInfo {
            kind: FactKind::CreditEntry,
            id: m.id.clone(),
            effective_from: day(m.effective_on),
            effective_until: None,
            recorded_at: m.recorded_at,
        });
    }
    for m in &rows {
        let evidence_refs: Vec<String> =
            serde_json::from_str(&m.evidence_refs).map_err(ApiError::internal)?;
        let input = CreditEntryInput {
            id: ids
                .core_id(FactKind::CreditEntry, &m.id)
                .unwrap_or_default(),
            subject: CreditSubject::Worker(worker_id),
            kind: crate::credit::api::stored_kind(m)?,
            effective_on: m.effective_on,
            recorded_at: m.recorded_at.date(),
            points_to: m
                .points_to_id
                .as_deref()
                .and_then(|p| ids.core_id(FactKind::CreditEntry, p)),
            legal_basis: m.legal_basis.clone(),
            evidence_refs,
            note: m.note.clone(),
        };
        facts
            .credit_entries
            .push(CreditEntry::new(input).map_err(ApiError::internal)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(kind: FactKind, id: &str) -> FactInfo {
        FactInfo {
            kind,
            id: id.to_owned(),
            effective_from: None,
            effective_until: None,
            recorded_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn ids_round_trip_and_repeat_registrations_share_an_id() {
        let mut ids = FactIds::default();
        let a = ids.add(info(FactKind::Credential, "c-1"));
        let b = ids.add(info(FactKind::Registration, "c-1"));
        assert_ne!(a, b);
        assert_eq!(ids.add(info(FactKind::Credential, "c-1")), a);
        assert_eq!(ids.core_id(FactKind::Credential, "c-1"), Some(a));
        assert_eq!(
            ids.info(FactRef::new(FactKind::Registration, b))
                .map(|i| i.id.as_str()),
            Some("c-1")
        );
        // A reference of the wrong kind, or an unknown id, resolves to nothing.
        assert!(ids.info(FactRef::new(FactKind::Appraisal, a)).is_none());
        assert!(ids.info(FactRef::new(FactKind::Credential, 0)).is_none());
        assert!(ids.info(FactRef::new(FactKind::Credential, 99)).is_none());
    }
}
