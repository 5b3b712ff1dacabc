//! Request and response bodies of the credit resource, and their mapping to
//! [`registry_core::credit`].

use std::collections::HashMap;

use poem_openapi::{Enum, Object};
use registry_core::RuleViolation;
use registry_core::credit::{
    CreditEntry as CoreEntry, CreditEntryInput, CreditEntryKind, CreditRecord,
    CreditStatus as Core, CreditStatusReport, CreditSubject, ListKind as CoreList,
    SeriousCause as CoreCause,
};
use registry_core::error::FieldError;
use registry_core::facts::{Explain, FactKind};
use registry_core::ids::CreditCode;
use registry_core::money::Yuan;
use serde::Deserialize;
use time::{Date, OffsetDateTime};

use crate::db::entities::credit_entry;
use crate::mirror_enum;
use crate::problem::{ApiError, ProblemField};

/// What a credit entry records (core `CreditEntryKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum EntryType {
    /// 签署诚信服务承诺.
    CommitmentSigned,
    /// 表彰奖励.
    Commendation,
    /// 警告 (penalty; needs `legal_basis`).
    Warning,
    /// 罚款 (penalty; needs `amount` and `legal_basis`).
    Fine,
    /// 列入活动异常名录 (needs `cause` and `legal_basis`).
    AbnormalListing,
    /// 列入严重违法失信名单 (needs `serious_cause` and `legal_basis`).
    SeriousListing,
    /// 移出名录 (needs `list` and `refers_to`).
    Removal,
    /// 信用修复 (needs `list` and `refers_to`).
    Repair,
    /// 提出异议 (needs `refers_to`; workers file theirs through `POST /me/objections`).
    ObjectionFiled,
    /// 异议成立 (needs `refers_to` = the objection entry).
    ObjectionUpheld,
    /// 异议不成立 (needs `refers_to` = the objection entry).
    ObjectionRejected,
    /// 更正撤销: voids the entry `refers_to` names.
    Annulment,
}

impl EntryType {
    /// Objection kinds, which a worker's record receives only through the objection workflow.
    pub fn is_objection(self) -> bool {
        matches!(
            self,
            Self::ObjectionFiled | Self::ObjectionUpheld | Self::ObjectionRejected
        )
    }
}

/// The list of 民政部令第60号 a removal or repair lifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// 活动异常名录.
    Abnormal,
    /// 严重违法失信名单.
    Serious,
}

mirror_enum!(ListKind, CoreList, [Abnormal, Serious]);

/// Why a subject was put directly on the serious list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SeriousCause {
    /// 被责令停止活动.
    SuspensionOrdered,
    /// 被撤销登记.
    RegistrationRevoked,
    /// 被列为失信被执行人.
    CourtListedDebtor,
    /// Another cause named in the legal basis.
    Other,
}

mirror_enum!(
    SeriousCause,
    CoreCause,
    [
        SuspensionOrdered,
        RegistrationRevoked,
        CourtListedDebtor,
        Other
    ]
);

const CAUSES: [CoreCause; 4] = [
    CoreCause::SuspensionOrdered,
    CoreCause::RegistrationRevoked,
    CoreCause::CourtListedDebtor,
    CoreCause::Other,
];

/// Body of `POST /api/v1/credit-entries`. The subject is either `worker_id`, or
/// `credit_code` with `region_code`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(rename_all = "snake_case", deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreditEntryBody {
    /// The worker the entry is about.
    #[oai(validator(min_length = 1, max_length = 36))]
    #[serde(default)]
    pub worker_id: Option<String>,
    /// The organisation the entry is about: its unified social credit code (GB 32100).
    #[oai(validator(min_length = 18, max_length = 18))]
    #[serde(default)]
    pub credit_code: Option<String>,
    /// The organisation's six-digit region (inside the caller's region); required with
    /// `credit_code`, and the same for every entry of one organisation.
    #[oai(validator(pattern = r"^[0-9]{6}$"))]
    #[serde(default)]
    pub region_code: Option<String>,
    /// What the entry records.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub kind: EntryType,
    /// `fine`: the amount in yuan, e.g. `"2000.00"`.
    #[oai(validator(pattern = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"))]
    #[serde(default)]
    pub amount: Option<String>,
    /// `abnormal_listing`: the cause, in words (1 to 500 characters).
    #[serde(default)]
    pub cause: Option<String>,
    /// `serious_listing`: the cause.
    #[serde(default)]
    pub serious_cause: Option<SeriousCause>,
    /// `removal` / `repair`: the list lifted.
    #[serde(default)]
    pub list: Option<ListKind>,
    /// The id of the earlier entry of the same subject this one concerns (removal, repair,
    /// objection, outcome, annulment).
    #[oai(validator(min_length = 1, max_length = 36))]
    #[serde(default)]
    pub refers_to: Option<String>,
    /// The day the entry takes effect (`YYYY-MM-DD`): the decision or filing date.
    #[serde(with = "crate::dates")]
    pub effective_on: Date,
    /// The legal basis (法律依据); required for penalties and listings.
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// Document numbers of the evidence (文号), at most 50.
    #[serde(default)]
    pub evidence_refs: Option<Vec<String>>,
    /// A free note (at most 2000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

fn missing(field: &str, rule: &'static str, what: &str) -> FieldError {
    FieldError::new(field, rule, format!("a {what} needs {field}"))
}

impl CreditEntryBody {
    /// The core kind, with its kind-specific field.
    pub fn core_kind(&self) -> Result<CreditEntryKind, FieldError> {
        Ok(match self.kind {
            EntryType::CommitmentSigned => CreditEntryKind::CommitmentSigned,
            EntryType::Commendation => CreditEntryKind::Commendation,
            EntryType::Warning => CreditEntryKind::Warning,
            EntryType::Fine => {
                let amount = self
                    .amount
                    .as_deref()
                    .ok_or_else(|| missing("amount", "credit.amount_required", "fine"))?;
                CreditEntryKind::Fine {
                    amount: Yuan::parse(amount).map_err(|e| e.within("amount"))?,
                }
            }
            EntryType::AbnormalListing => CreditEntryKind::AbnormalListing {
                cause: self.cause.clone().unwrap_or_default(),
            },
            EntryType::SeriousListing => CreditEntryKind::SeriousListing {
                cause: self
                    .serious_cause
                    .ok_or_else(|| {
                        missing(
                            "serious_cause",
                            "credit.serious_cause_required",
                            "serious_listing",
                        )
                    })?
                    .into(),
            },
            EntryType::Removal | EntryType::Repair => {
                let list = self
                    .list
                    .ok_or_else(|| missing("list", "credit.list_required", "removal or repair"))?
                    .into();
                if self.kind == EntryType::Removal {
                    CreditEntryKind::Removal { list }
                } else {
                    CreditEntryKind::Repair { list }
                }
            }
            EntryType::ObjectionFiled => CreditEntryKind::ObjectionFiled,
            EntryType::ObjectionUpheld => CreditEntryKind::ObjectionUpheld,
            EntryType::ObjectionRejected => CreditEntryKind::ObjectionRejected,
            EntryType::Annulment => CreditEntryKind::Annulment,
        })
    }
}

/// The subject of a body, checked.
#[derive(Debug, Clone)]
pub enum SubjectBody {
    /// A worker id.
    Worker(String),
    /// An organisation and its region.
    Organisation(CreditCode, registry_core::ids::RegionCode),
}

impl CreditEntryBody {
    /// Checks the subject fields: exactly one of `worker_id` and `credit_code`.
    pub fn subject(&self) -> Result<SubjectBody, ApiError> {
        let one = |field: &str, rule: &str, message: &str| {
            ApiError::validation(vec![ProblemField {
                field: field.into(),
                rule: rule.into(),
                message: message.into(),
            }])
        };
        match (&self.worker_id, &self.credit_code) {
            (Some(w), None) => {
                if self.region_code.is_some() {
                    return Err(one(
                        "region_code",
                        "credit.region_for_worker",
                        "a worker's entries take the worker's region; omit region_code",
                    ));
                }
                Ok(SubjectBody::Worker(w.clone()))
            }
            (None, Some(code)) => {
                let mut errors: Vec<ProblemField> = Vec::new();
                let code = CreditCode::parse(code)
                    .map_err(|e| errors.push(e.at("credit_code").into()))
                    .ok();
                let region = match self.region_code.as_deref() {
                    None => {
                        errors.push(ProblemField {
                            field: "region_code".into(),
                            rule: "credit.region_required".into(),
                            message: "an organisation's entry needs its region_code".into(),
                        });
                        None
                    }
                    Some(r) => registry_core::ids::RegionCode::parse(r)
                        .map_err(|e| errors.push(e.at("region_code").into()))
                        .ok(),
                };
                match (code, region) {
                    (Some(c), Some(r)) if errors.is_empty() => Ok(SubjectBody::Organisation(c, r)),
                    _ => Err(ApiError::validation(errors)),
                }
            }
            _ => Err(one(
                "worker_id",
                "credit.subject_required",
                "give exactly one of worker_id and credit_code",
            )),
        }
    }
}

/// A subject's stored entries numbered 1..n for core, with the way back to UUIDs.
#[derive(Debug)]
pub struct NumberedRecord {
    /// The core record (every append rule re-checked).
    pub record: CreditRecord,
    /// Row ids by number - 1.
    pub ids: Vec<String>,
    numbers: HashMap<String, u64>,
}

/// The core subject of stored rows: workers are numbered 1 (one subject per record).
pub fn core_subject(m: &credit_entry::Model) -> Result<CreditSubject, ApiError> {
    match (m.subject_kind.as_str(), &m.organisation_credit_code) {
        ("organisation", Some(code)) => Ok(CreditSubject::Organisation(
            CreditCode::parse(code).map_err(ApiError::internal)?,
        )),
        ("worker", _) => Ok(CreditSubject::Worker(1)),
        _ => Err(ApiError::internal("unknown credit subject in storage")),
    }
}

/// The core kind of a stored entry (the one mapping from columns back to core, shared with
/// the decisions' facts loader).
pub fn stored_kind(m: &credit_entry::Model) -> Result<CreditEntryKind, ApiError> {
    let list = || -> Result<CoreList, ApiError> {
        match m.list_kind.as_deref() {
            Some("abnormal") => Ok(CoreList::Abnormal),
            Some("serious") => Ok(CoreList::Serious),
            _ => Err(ApiError::internal("unknown list kind in storage")),
        }
    };
    Ok(match m.kind.as_str() {
        "commitment_signed" => CreditEntryKind::CommitmentSigned,
        "commendation" => CreditEntryKind::Commendation,
        "warning" => CreditEntryKind::Warning,
        "fine" => CreditEntryKind::Fine {
            amount: Yuan::from_fen(m.fine_amount_fen.unwrap_or_default())
                .map_err(ApiError::internal)?,
        },
        "abnormal_listing" => CreditEntryKind::AbnormalListing {
            cause: m.abnormal_cause.clone().unwrap_or_default(),
        },
        "serious_listing" => CreditEntryKind::SeriousListing {
            cause: CAUSES
                .into_iter()
                .find(|c| Some(c.code()) == m.serious_cause.as_deref())
                .ok_or_else(|| ApiError::internal("unknown serious cause in storage"))?,
        },
        "removal" => CreditEntryKind::Removal { list: list()? },
        "repair" => CreditEntryKind::Repair { list: list()? },
        "objection_filed" => CreditEntryKind::ObjectionFiled,
        "objection_upheld" => CreditEntryKind::ObjectionUpheld,
        "objection_rejected" => CreditEntryKind::ObjectionRejected,
        "annulment" => CreditEntryKind::Annulment,
        _ => return Err(ApiError::internal("unknown credit entry kind in storage")),
    })
}

/// The fields a new entry stores besides its subject.
#[derive(Debug, Clone)]
pub struct EntryFields {
    /// The checked core entry.
    pub entry: CoreEntry,
    /// The UUID of the entry it concerns.
    pub refers_to: Option<String>,
}

impl NumberedRecord {
    /// Numbers `rows` (one subject's, in `(recorded_at, id)` order) and rebuilds the record.
    pub fn new(subject: CreditSubject, rows: &[credit_entry::Model]) -> Result<Self, ApiError> {
        let numbers: HashMap<String, u64> = rows
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i as u64 + 1))
            .collect();
        let mut entries = Vec::with_capacity(rows.len());
        for (i, m) in rows.iter().enumerate() {
            let refs: Vec<String> =
                serde_json::from_str(&m.evidence_refs).map_err(ApiError::internal)?;
            let input = CreditEntryInput {
                id: i as u64 + 1,
                subject: subject.clone(),
                kind: stored_kind(m)?,
                effective_on: m.effective_on,
                recorded_at: m.recorded_at.date(),
                points_to: m
                    .points_to_id
                    .as_deref()
                    .map(|p| numbers.get(p).copied().unwrap_or(0)),
                legal_basis: m.legal_basis.clone(),
                evidence_refs: refs,
                note: m.note.clone(),
            };
            entries.push(CoreEntry::new(input).map_err(ApiError::internal)?);
        }
        let record = CreditRecord::from_entries(subject, entries).map_err(ApiError::internal)?;
        Ok(Self {
            record,
            ids: rows.iter().map(|m| m.id.clone()).collect(),
            numbers,
        })
    }

    /// The number of a row id, if it is in the record.
    pub fn number(&self, id: &str) -> Option<u64> {
        self.numbers.get(id).copied()
    }

    /// The row id of a number.
    pub fn id(&self, number: u64) -> String {
        self.ids
            .get((number as usize).wrapping_sub(1))
            .cloned()
            .unwrap_or_default()
    }

    /// Appends a new entry (kind, pointer, dates, texts) as core's `CreditRecord::append`
    /// allows, or the 422 naming the broken rule and the body field.
    pub fn append(
        &mut self,
        kind: CreditEntryKind,
        refers_to: Option<&str>,
        effective_on: Date,
        today: Date,
        texts: (String, Vec<String>, Option<String>),
    ) -> Result<EntryFields, ApiError> {
        let next = self.ids.len() as u64 + 1;
        // An id outside the record: core answers `credit.pointer_unknown`.
        let unknown = next + 1;
        let target = refers_to.map(|r| self.number(r).unwrap_or(unknown));
        let (legal_basis, evidence_refs, note) = texts;
        let input = CreditEntryInput {
            id: next,
            subject: self.record.subject().clone(),
            kind,
            effective_on,
            recorded_at: today,
            points_to: target,
            legal_basis,
            evidence_refs,
            note,
        };
        let translate = |e: FieldError| -> ApiError {
            let field = match e.field.as_str() {
                "points_to" => "refers_to".to_owned(),
                "kind.amount" => "amount".to_owned(),
                "kind.cause" => "cause".to_owned(),
                other => other.to_owned(),
            };
            let mut message = e.message;
            if let (Some(t), Some(r)) = (target, refers_to) {
                for word in ["entry", "objection"] {
                    message = message.replace(&format!("{word} {t} "), &format!("{word} {r} "));
                    if message.ends_with(&format!("{word} {t}")) {
                        let cut = message.len() - t.to_string().len();
                        message.truncate(cut);
                        message.push_str(r);
                    }
                }
            }
            ApiError::validation(vec![ProblemField {
                field,
                rule: e.rule.to_owned(),
                message,
            }])
        };
        let entry = CoreEntry::new(input).map_err(translate)?;
        self.record.append(entry.clone()).map_err(translate)?;
        self.ids.push(String::new());
        Ok(EntryFields {
            entry,
            refers_to: refers_to.map(str::to_owned),
        })
    }
}

/// Where a subject's entries belong.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct Subject {
    /// `worker` or `organisation`.
    pub kind: String,
    /// The worker, for a worker's record.
    #[oai(skip_serializing_if_is_none)]
    pub worker_id: Option<String>,
    /// The organisation's unified social credit code, for an organisation's record.
    #[oai(skip_serializing_if_is_none)]
    pub credit_code: Option<String>,
    /// The region the record is scoped to (for a worker: the worker's region when recorded).
    pub region_code: String,
}

/// A credit entry as recorded.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct CreditEntry {
    /// Entry id (UUID).
    pub id: String,
    /// Whom it is about.
    pub subject: Subject,
    /// What it records.
    #[oai(rename = "type")]
    pub kind: EntryType,
    /// The kind in Chinese, e.g. 列入活动异常名录.
    pub type_zh: String,
    /// `fine`: the amount in yuan.
    #[oai(skip_serializing_if_is_none)]
    pub amount: Option<String>,
    /// `abnormal_listing`: the cause.
    #[oai(skip_serializing_if_is_none)]
    pub cause: Option<String>,
    /// `serious_listing`: the cause.
    #[oai(skip_serializing_if_is_none)]
    pub serious_cause: Option<SeriousCause>,
    /// `removal` / `repair`: the list lifted.
    #[oai(skip_serializing_if_is_none)]
    pub list: Option<ListKind>,
    /// The entry this one concerns.
    #[oai(skip_serializing_if_is_none)]
    pub refers_to: Option<String>,
    /// The day it takes effect.
    pub effective_on: Date,
    /// The legal basis (empty when none).
    pub legal_basis: String,
    /// Evidence document numbers.
    pub evidence_refs: Vec<String>,
    /// A free note.
    #[oai(skip_serializing_if_is_none)]
    pub note: Option<String>,
    /// When it was recorded (UTC).
    pub recorded_at: OffsetDateTime,
}

fn entry_type(kind: &CreditEntryKind) -> EntryType {
    match kind {
        CreditEntryKind::CommitmentSigned => EntryType::CommitmentSigned,
        CreditEntryKind::Commendation => EntryType::Commendation,
        CreditEntryKind::Warning => EntryType::Warning,
        CreditEntryKind::Fine { .. } => EntryType::Fine,
        CreditEntryKind::AbnormalListing { .. } => EntryType::AbnormalListing,
        CreditEntryKind::SeriousListing { .. } => EntryType::SeriousListing,
        CreditEntryKind::Removal { .. } => EntryType::Removal,
        CreditEntryKind::Repair { .. } => EntryType::Repair,
        CreditEntryKind::ObjectionFiled => EntryType::ObjectionFiled,
        CreditEntryKind::ObjectionUpheld => EntryType::ObjectionUpheld,
        CreditEntryKind::ObjectionRejected => EntryType::ObjectionRejected,
        CreditEntryKind::Annulment => EntryType::Annulment,
    }
}

impl CreditEntry {
    /// The view of a stored row.
    pub fn view(m: credit_entry::Model) -> Result<Self, ApiError> {
        let kind = stored_kind(&m)?;
        let evidence_refs: Vec<String> =
            serde_json::from_str(&m.evidence_refs).map_err(ApiError::internal)?;
        let (amount, cause, serious_cause, list) = match &kind {
            CreditEntryKind::Fine { amount } => (Some(amount.to_string()), None, None, None),
            CreditEntryKind::AbnormalListing { cause } => (None, Some(cause.clone()), None, None),
            CreditEntryKind::SeriousListing { cause } => (None, None, Some((*cause).into()), None),
            CreditEntryKind::Removal { list } | CreditEntryKind::Repair { list } => {
                (None, None, None, Some((*list).into()))
            }
            _ => (None, None, None, None),
        };
        Ok(Self {
            subject: Subject {
                kind: m.subject_kind,
                worker_id: m.worker_id,
                credit_code: m.organisation_credit_code,
                region_code: m.region_code,
            },
            kind: entry_type(&kind),
            type_zh: kind.zh().to_owned(),
            amount,
            cause,
            serious_cause,
            list,
            refers_to: m.points_to_id,
            effective_on: m.effective_on,
            legal_basis: m.legal_basis,
            evidence_refs,
            note: m.note,
            recorded_at: m.recorded_at,
            id: m.id,
        })
    }
}

/// Where a subject stands (core `CreditStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CreditStatus {
    /// On no list.
    Good,
    /// On the abnormal list (活动异常名录).
    Abnormal,
    /// On the serious list (严重违法失信名单).
    Serious,
    /// On a list, but an objection against a deciding entry is pending.
    Disputed,
}

mirror_enum!(CreditStatus, Core, [Good, Abnormal, Serious, Disputed]);

/// The status of a subject at a date, with the entries that decide it (core
/// `credit_status`).
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct CreditStatusView {
    /// The date asked about.
    pub as_of: Date,
    /// The status; `disputed` while an objection against a deciding entry is pending.
    pub status: CreditStatus,
    /// Machine-readable code, e.g. `CREDIT_ABNORMAL_LIST`.
    pub code: String,
    /// The status in Chinese.
    pub zh: String,
    /// The status in English.
    pub en: String,
    /// The list the subject is on, ignoring disputes (never `disputed`).
    pub standing: CreditStatus,
    /// Start of the current abnormal listing.
    #[oai(skip_serializing_if_is_none)]
    pub abnormal_since: Option<Date>,
    /// The day the current abnormal listing turns serious unless lifted first.
    #[oai(skip_serializing_if_is_none)]
    pub abnormal_escalates_on: Option<Date>,
    /// Start of the current serious listing.
    #[oai(skip_serializing_if_is_none)]
    pub serious_since: Option<Date>,
    /// The first day a removal or repair can lift the current serious listing.
    #[oai(skip_serializing_if_is_none)]
    pub serious_removable_from: Option<Date>,
    /// The entries that put or keep the subject on its current list (empty when `good`).
    pub deciding_entries: Vec<CreditEntry>,
    /// Objection entries without an outcome against a standing entry.
    pub pending_objections: Vec<String>,
    /// Removals and repairs that lifted nothing (too early, or not about the current listing).
    pub ineffective_removals: Vec<String>,
    /// Entries published on `as_of`.
    pub published_entries: Vec<String>,
}

impl CreditStatusView {
    /// The view of a core report over `rows` numbered by `numbered`.
    pub fn new(
        report: &CreditStatusReport,
        numbered: &NumberedRecord,
        rows: &[credit_entry::Model],
    ) -> Result<Self, ApiError> {
        let ids = |v: &[u64]| v.iter().map(|n| numbered.id(*n)).collect::<Vec<_>>();
        let deciding = report
            .deciding_entries
            .iter()
            .filter(|f| f.kind == FactKind::CreditEntry)
            .filter_map(|f| rows.get((f.id as usize).wrapping_sub(1)).cloned())
            .map(CreditEntry::view)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            as_of: report.as_of,
            status: report.status.into(),
            code: report.code().to_owned(),
            zh: report.zh().to_owned(),
            en: report.en().to_owned(),
            standing: report.standing.into(),
            abnormal_since: report.abnormal_since,
            abnormal_escalates_on: report.abnormal_escalates_on,
            serious_since: report.serious_since,
            serious_removable_from: report.serious_removable_from,
            deciding_entries: deciding,
            pending_objections: ids(&report.pending_objections),
            ineffective_removals: ids(&report.ineffective_removals),
            published_entries: ids(&report.published_entries),
        })
    }
}

/// A subject's whole credit record and its status today.
#[derive(Debug, Clone, Object)]
#[oai(rename_all = "snake_case")]
pub struct CreditRecordView {
    /// Whom the record is about.
    pub subject: Subject,
    /// Every entry, in the order recorded.
    pub entries: Vec<CreditEntry>,
    /// The status today (UTC).
    pub status: CreditStatusView,
}
