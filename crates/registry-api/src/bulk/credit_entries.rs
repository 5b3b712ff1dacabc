//! `credit_entries.csv`: `id,subject_kind,worker_id,organisation_credit_code,region_code,kind,
//! fine_amount_fen,abnormal_cause,serious_cause,list_kind,points_to_id,effective_on,
//! legal_basis,evidence_refs,note,recorded_at` (the table's columns; `evidence_refs` is a JSON
//! array of strings, the fine in integer fen).
//!
//! Credit entries of workers AND organisations. The subject is a stored worker
//! (`subject_kind = worker`, `worker_id`; `region_code` is the worker's region when recorded,
//! the worker's region now when blank) or an organisation (`subject_kind = organisation`, its
//! GB 32100 `organisation_credit_code` and `region_code`, the same for every entry of one
//! organisation: `credit.region_mismatch` otherwise). Rows are validated as the API validates
//! a new entry: the kind's own fields ([`CreditEntryBody::core_kind`]) and core
//! `CreditEntry::new` (legal basis for penalties, lengths, pointer required or not, dates).
//! `points_to_id` must name an entry of the same subject, stored or on an EARLIER row of the
//! file (exports list entries in `(recorded_at, id)` order, the order their records were
//! appended), recorded before the row, and core's `CreditEntry::check_target` must accept it
//! (`credit.pointer_kind`, `credit.before_target`). The record-wide rules of
//! `CreditRecord::append` (void targets, decided objections) are rules of the moment an
//! entry is appended; an import reproduces records as appended and does not judge them again.
//!
//! Keyed by `id` when present. An export `--region R` holds the entries of the workers
//! registered in `R` and of the organisations whose region is in `R`. Append-only table: an
//! import only inserts.

use registry_core::RuleViolation;
use registry_core::credit::{
    CreditEntry as CoreEntry, CreditEntryInput, CreditEntryKind, CreditSubject,
};
use registry_core::ids::{CreditCode, RegionCode};
use registry_core::money::Yuan;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, DbErr, Value};
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use super::cells::{self, Cells};
use super::fingerprint::{self, Fp, FpMap};
use super::layout::{InRegion, Layout};
use super::{Entity, Kind, Verdict, Verdicts, changed, lookup, problem, unknown_earlier};
use crate::credit::api::{CreditEntryBody, EntryType, ListKind, SeriousCause, stored_kind};
use crate::credit::store::{KindColumns, kind_columns};
use crate::db::entities::credit_entry;
use crate::problem::ProblemField;

/// The credit entries importer/exporter.
#[derive(Debug)]
pub struct CreditEntries;

/// Whose record an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SubjectKind {
    Worker,
    Organisation,
}

/// The subject of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Subject {
    Worker(String),
    Organisation(CreditCode),
}

impl Subject {
    fn of(m: &credit_entry::Model) -> Option<Self> {
        match (
            m.subject_kind.as_str(),
            &m.worker_id,
            &m.organisation_credit_code,
        ) {
            ("worker", Some(w), _) => Some(Self::Worker(w.clone())),
            ("organisation", _, Some(c)) => CreditCode::parse(c).ok().map(Self::Organisation),
            _ => None,
        }
    }

    fn fingerprint(&self) -> Fp {
        match self {
            Self::Worker(w) => fingerprint::of(&["worker", w]),
            Self::Organisation(c) => fingerprint::of(&["organisation", c.as_str()]),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Worker(_) => "worker",
            Self::Organisation(_) => "organisation",
        }
    }

    fn worker_id(&self) -> Option<String> {
        match self {
            Self::Worker(w) => Some(w.clone()),
            Self::Organisation(_) => None,
        }
    }

    fn credit_code(&self) -> Option<String> {
        match self {
            Self::Worker(_) => None,
            Self::Organisation(c) => Some(c.as_str().to_owned()),
        }
    }
}

/// A validated credit entry row.
#[derive(Debug)]
pub struct Row {
    id: Option<String>,
    subject: Subject,
    /// The region as given; a worker's blank one is filled by [`Kind::check`].
    region_code: Option<String>,
    entry: CoreEntry,
    points_to_id: Option<String>,
    recorded_at: OffsetDateTime,
}

/// What a later row may need of an entry it points at.
#[derive(Debug, Clone)]
pub struct Target {
    subject: Fp,
    /// The kind (its variant is what counts; an abnormal listing's cause is dropped).
    kind: CreditEntryKind,
    effective_on: Date,
    recorded_at: OffsetDateTime,
}

impl Target {
    fn new(subject: Fp, kind: &CreditEntryKind, effective_on: Date, at: OffsetDateTime) -> Self {
        let kind = match kind {
            CreditEntryKind::AbnormalListing { .. } => CreditEntryKind::AbnormalListing {
                cause: String::new(),
            },
            other => other.clone(),
        };
        Self {
            subject,
            kind,
            effective_on,
            recorded_at: at,
        }
    }
}

/// The accepted rows of the file so far: entries later rows may point at (by id), and the
/// region of each organisation.
#[derive(Debug, Default)]
pub struct Seen {
    entries: FpMap<Target>,
    organisations: FpMap<Fp>,
}

/// The entries an export `--region R` holds: of the workers registered in `R` and of the
/// organisations whose region is in `R`.
fn in_region(_: &RegionCode, (lo, hi): (String, String)) -> Condition {
    use credit_entry::Column as Col;
    let workers = lookup::of_workers_in(Col::WorkerId, (lo.clone(), hi.clone()));
    Condition::any().add(workers).add(
        Condition::all()
            .add(Col::SubjectKind.eq("organisation"))
            .add(Col::RegionCode.between(lo, hi)),
    )
}

/// An API or core error about a field, named by the file's column (in its message too).
fn in_file(e: registry_core::FieldError) -> ProblemField {
    let column = match e.field.as_str() {
        "points_to" | "refers_to" => "points_to_id",
        "kind.amount" | "amount" => "fine_amount_fen",
        "kind.cause" | "cause" => "abnormal_cause",
        "list" => "list_kind",
        f if f.starts_with("evidence_refs") => "evidence_refs",
        _ => return e.into(),
    };
    let message = e
        .message
        .replace(&format!("needs {}", e.field), &format!("needs {column}"));
    ProblemField {
        field: column.into(),
        rule: e.rule.into(),
        message,
    }
}

fn diff(r: &Row, m: &credit_entry::Model) -> Vec<&'static str> {
    let e = &r.entry;
    let k = kind_columns(e.kind());
    let refs = serde_json::from_str::<Vec<String>>(&m.evidence_refs).unwrap_or_default();
    changed(&[
        ("subject_kind", r.subject.kind() == m.subject_kind),
        ("worker_id", r.subject.worker_id() == m.worker_id),
        (
            "organisation_credit_code",
            r.subject.credit_code() == m.organisation_credit_code,
        ),
        (
            "region_code",
            r.region_code.as_deref() == Some(m.region_code.as_str()),
        ),
        ("kind", e.kind().code() == m.kind),
        ("fine_amount_fen", k.fine_amount_fen == m.fine_amount_fen),
        ("abnormal_cause", k.abnormal_cause == m.abnormal_cause),
        ("serious_cause", k.serious_cause == m.serious_cause),
        ("list_kind", k.list_kind == m.list_kind),
        ("points_to_id", r.points_to_id == m.points_to_id),
        ("effective_on", e.effective_on() == m.effective_on),
        ("legal_basis", e.legal_basis() == m.legal_basis),
        ("evidence_refs", e.evidence_refs() == refs.as_slice()),
        (
            "note",
            e.note().unwrap_or_default() == m.note.as_deref().unwrap_or_default(),
        ),
    ])
}

/// The subject columns of a row, checked as the API checks a body's subject.
fn subject(c: &Cells<'_>, kind: Option<SubjectKind>) -> Option<Subject> {
    let worker_id = c.opt_id("worker_id");
    let code = c.opt_text("organisation_credit_code");
    let exactly_one = || {
        c.push(problem(
            "worker_id",
            "credit.subject_required",
            "give exactly one of worker_id and organisation_credit_code, as subject_kind says",
        ));
    };
    match (kind?, worker_id, code) {
        (SubjectKind::Worker, Some(w), None) => Some(Subject::Worker(w)),
        (SubjectKind::Organisation, None, Some(code)) => {
            if c.get("region_code").is_none() {
                c.push(problem(
                    "region_code",
                    "credit.region_required",
                    "an organisation's entry needs its region_code",
                ));
            }
            CreditCode::parse(&code)
                .map_err(|e| c.push(e.at("organisation_credit_code").into()))
                .ok()
                .map(Subject::Organisation)
        }
        _ => {
            exactly_one();
            None
        }
    }
}

/// The kind with its own columns, as the API reads a body ([`CreditEntryBody::core_kind`]);
/// the columns of other kinds must be blank.
fn entry_kind(c: &Cells<'_>, kind: EntryType, effective_on: Date) -> Option<CreditEntryKind> {
    let fen = c.opt_int("fine_amount_fen");
    let serious_cause: Option<SeriousCause> = c.opt_code("serious_cause");
    let list: Option<ListKind> = c.opt_code("list_kind");
    let amount = match fen.map(Yuan::from_fen) {
        None => None,
        Some(Ok(y)) => Some(y.to_string()),
        Some(Err(e)) => {
            c.push(e.within("fine_amount_fen").into());
            None
        }
    };
    let own: &[&str] = match kind {
        EntryType::Fine => &["fine_amount_fen"],
        EntryType::AbnormalListing => &["abnormal_cause"],
        EntryType::SeriousListing => &["serious_cause"],
        EntryType::Removal | EntryType::Repair => &["list_kind"],
        _ => &[],
    };
    for column in [
        "fine_amount_fen",
        "abnormal_cause",
        "serious_cause",
        "list_kind",
    ] {
        if !own.contains(&column) && c.get(column).is_some() {
            c.push(problem(
                column,
                "import.unexpected_value",
                "entries of this kind leave this column blank",
            ));
        }
    }
    let body = CreditEntryBody {
        worker_id: None,
        credit_code: None,
        region_code: None,
        kind,
        amount,
        cause: c.opt_text("abnormal_cause"),
        serious_cause,
        list,
        refers_to: None,
        effective_on,
        legal_basis: None,
        evidence_refs: None,
        note: None,
    };
    body.core_kind().map_err(|e| c.push(in_file(e))).ok()
}

impl Kind for CreditEntries {
    type Row = Row;
    type Seen = Seen;
    type Stored = credit_entry::Entity;
    const ENTITY: Entity = Entity::CreditEntries;
    const HEADER: &'static [&'static str] = &[
        "id",
        "subject_kind",
        "worker_id",
        "organisation_credit_code",
        "region_code",
        "kind",
        "fine_amount_fen",
        "abnormal_cause",
        "serious_cause",
        "list_kind",
        "points_to_id",
        "effective_on",
        "legal_basis",
        "evidence_refs",
        "note",
        "recorded_at",
    ];
    const REQUIRED: &'static [&'static str] = &["subject_kind", "kind", "effective_on"];
    const RESOURCE: &'static str = crate::events::relevance::CREDIT_ENTRY;
    const TABLE: &'static str = "credit_entries";
    const COLUMNS: &'static [&'static str] = Self::HEADER;
    const LAYOUT: Layout<credit_entry::Column> = Layout::recorded(
        credit_entry::Column::RecordedAt,
        credit_entry::Column::Id,
        InRegion::Filter(in_region),
    );

    fn parse(&self, c: &Cells<'_>) -> Result<Row, Vec<ProblemField>> {
        let id = c.opt_id("id");
        let subject_kind: Option<SubjectKind> = c.code("subject_kind");
        let subject = subject(c, subject_kind);
        let region_code = c.opt_text("region_code");
        if let Some(r) = &region_code
            && let Err(e) = RegionCode::parse(r)
        {
            c.push(e.at("region_code").into());
        }
        let kind: Option<EntryType> = c.code("kind");
        let points_to_id = c.opt_id("points_to_id");
        let effective_on = c.date("effective_on");
        let evidence_refs = match c.get("evidence_refs") {
            None => Some(Vec::new()),
            Some(json) => serde_json::from_str::<Vec<String>>(json)
                .map_err(|_| {
                    c.push(problem(
                        "evidence_refs",
                        "csv.invalid_json",
                        "expected a JSON array of strings",
                    ));
                })
                .ok(),
        };
        let recorded_at = c
            .opt_timestamp("recorded_at")
            .unwrap_or_else(crate::db::now_utc);
        let kind = match (kind, effective_on) {
            (Some(k), Some(d)) => entry_kind(c, k, d),
            _ => None,
        };
        let mut errors = c.take_errors();
        let (Some(subject), Some(kind), Some(effective_on), Some(evidence_refs)) =
            (subject, kind, effective_on, evidence_refs)
        else {
            return Err(errors);
        };
        let core_subject = match &subject {
            Subject::Worker(_) => CreditSubject::Worker(1),
            Subject::Organisation(code) => CreditSubject::Organisation(code.clone()),
        };
        // Core's checks of the entry on its own; the entry pointed at is checked by `check`.
        let input = CreditEntryInput {
            id: 2,
            subject: core_subject,
            kind,
            effective_on,
            recorded_at: recorded_at.date(),
            points_to: points_to_id.as_ref().map(|_| 1),
            legal_basis: c.opt_text("legal_basis").unwrap_or_default(),
            evidence_refs,
            note: c.opt_text("note"),
        };
        match CoreEntry::new(input) {
            Ok(entry) if errors.is_empty() => Ok(Row {
                id,
                subject,
                region_code,
                entry,
                points_to_id,
                recorded_at,
            }),
            Ok(_) => Err(errors),
            Err(e) => {
                errors.push(in_file(e));
                Err(errors)
            }
        }
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
        let worker_ids = rows.iter().filter_map(|r| r.subject.worker_id());
        let workers = lookup::worker_regions(db, worker_ids).await?;
        let codes = rows.iter().filter_map(|r| r.subject.credit_code());
        let code = credit_entry::Column::OrganisationCreditCode;
        let region = credit_entry::Column::RegionCode;
        let org_regions =
            lookup::stored_values::<credit_entry::Entity, _>(db, code, region, codes).await?;
        let ids = rows
            .iter()
            .flat_map(|r| r.id.iter().chain(r.points_to_id.iter()).cloned());
        let stored =
            lookup::stored_by::<credit_entry::Entity, _>(db, credit_entry::Column::Id, ids).await?;
        let mut verdicts = Vec::with_capacity(rows.len());
        for r in rows.iter_mut() {
            let mut errors = Vec::new();
            match &r.subject {
                Subject::Worker(w) => {
                    if let Some(region) = workers.get(w, &mut errors)
                        && r.region_code.is_none()
                    {
                        r.region_code = Some(region.clone());
                    }
                }
                Subject::Organisation(code) => {
                    let region = r.region_code.as_deref().unwrap_or_default();
                    let known = org_regions
                        .get(code.as_str())
                        .map(|s| fingerprint::of(&[s]));
                    let earlier = seen.organisations.get(&r.subject.fingerprint()).copied();
                    if known
                        .or(earlier)
                        .is_some_and(|k| k != fingerprint::of(&[region]))
                    {
                        errors.push(problem(
                            "region_code",
                            "credit.region_mismatch",
                            "the organisation's record is kept in another region",
                        ));
                    }
                }
            }
            if let Some(p) = &r.points_to_id {
                let target = match stored.get(p) {
                    Some(m) => {
                        let kind = stored_kind(m).map_err(|_| {
                            DbErr::Custom("a stored credit entry cannot be read".into())
                        })?;
                        Subject::of(m).map(|s| {
                            Target::new(s.fingerprint(), &kind, m.effective_on, m.recorded_at)
                        })
                    }
                    None => seen.entries.get(&fingerprint::of(&[p])).cloned(),
                };
                errors.extend(pointer_error(r, p, target.as_ref()));
            }
            let verdict = lookup::unless(errors, || {
                lookup::by_id(r.id.as_ref(), &stored, |m| diff(r, m))
            });
            if matches!(verdict, Verdict::New | Verdict::Same) {
                let subject = r.subject.fingerprint();
                if let Some(id) = &r.id {
                    let e = &r.entry;
                    let t = Target::new(subject, e.kind(), e.effective_on(), r.recorded_at);
                    seen.entries.insert(fingerprint::of(&[id]), t);
                }
                if let (Subject::Organisation(_), Some(region)) = (&r.subject, &r.region_code) {
                    seen.organisations
                        .insert(subject, fingerprint::of(&[region]));
                }
            }
            verdicts.push(verdict);
        }
        Ok(verdicts)
    }

    fn values(&self, r: &Row) -> Result<Vec<Value>, anyhow::Error> {
        let e = &r.entry;
        let KindColumns {
            fine_amount_fen,
            abnormal_cause,
            serious_cause,
            list_kind,
        } = kind_columns(e.kind());
        let region = r
            .region_code
            .clone()
            .ok_or_else(|| anyhow::anyhow!("credit entry written before its check"))?;
        Ok(vec![
            r.subject.kind().into(),
            r.subject.worker_id().into(),
            r.subject.credit_code().into(),
            region.into(),
            e.kind().code().into(),
            fine_amount_fen.into(),
            abnormal_cause.into(),
            serious_cause.into(),
            list_kind.into(),
            r.points_to_id.clone().into(),
            e.effective_on().into(),
            e.legal_basis().to_owned().into(),
            serde_json::to_string(e.evidence_refs())?.into(),
            e.note().map(str::to_owned).into(),
            r.recorded_at.into(),
        ])
    }

    fn record(&self, m: credit_entry::Model) -> Result<Vec<String>, anyhow::Error> {
        Ok(vec![
            m.subject_kind,
            m.worker_id.unwrap_or_default(),
            m.organisation_credit_code.unwrap_or_default(),
            m.region_code,
            m.kind,
            m.fine_amount_fen.map(|f| f.to_string()).unwrap_or_default(),
            m.abnormal_cause.unwrap_or_default(),
            m.serious_cause.unwrap_or_default(),
            m.list_kind.unwrap_or_default(),
            m.points_to_id.unwrap_or_default(),
            cells::date(m.effective_on),
            m.legal_basis,
            m.evidence_refs,
            m.note.unwrap_or_default(),
            cells::timestamp(m.recorded_at),
        ])
    }
}

/// Why `r` cannot point at entry `id` (`target`: what is known of it, `None` if unknown).
fn pointer_error(r: &Row, id: &str, target: Option<&Target>) -> Option<ProblemField> {
    let Some(t) = target else {
        return Some(unknown_earlier("points_to_id", "credit entry"));
    };
    if t.subject != r.subject.fingerprint() {
        return Some(problem(
            "points_to_id",
            "credit.pointer_unknown",
            "the entry pointed at is in another subject's record",
        ));
    }
    if let Err(e) = r.entry.check_target(&t.kind, t.effective_on) {
        return Some(in_file(e));
    }
    super::recorded_after(
        (t.recorded_at, id),
        (r.recorded_at, r.id.as_deref()),
        "credit entry",
    )
}
