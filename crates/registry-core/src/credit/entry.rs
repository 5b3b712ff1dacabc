//! Credit entries and the append-only credit record of one subject.

use serde::{Deserialize, Serialize};
use time::Date;

use super::iso_date;
use super::status::{CreditRules, CreditStatusReport, Ledger, credit_status};
use crate::calendar::{MAX_YEAR, MIN_YEAR};
use crate::error::FieldError;
use crate::facts::{FactKind, FactRef};
use crate::ids::CreditCode;
use crate::money::Yuan;

/// Most evidence references (document numbers) one entry may carry.
pub const MAX_EVIDENCE_REFS: usize = 50;
const MAX_EVIDENCE_REF_CHARS: usize = 100;
const MAX_LEGAL_BASIS_CHARS: usize = 500;
const MAX_CAUSE_CHARS: usize = 500;
const MAX_NOTE_CHARS: usize = 2000;

/// Whom a credit record is about. JSON: `{"kind":"worker","id":12}` or
/// `{"kind":"organisation","id":"52510100MJ0000000X"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum CreditSubject {
    /// An individual social worker (the caller's worker id).
    Worker(u64),
    /// An organisation, by unified social credit code.
    Organisation(CreditCode),
}

/// The two lists of 民政部令第60号.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// 活动异常名录: the abnormal-activity list.
    Abnormal,
    /// 严重违法失信名单: the serious illegal and dishonest list.
    Serious,
}

impl ListKind {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Abnormal => "abnormal",
            Self::Serious => "serious",
        }
    }

    /// Chinese name.
    pub fn zh(&self) -> &'static str {
        match self {
            Self::Abnormal => "活动异常名录",
            Self::Serious => "严重违法失信名单",
        }
    }

    /// English name.
    pub fn en(&self) -> &'static str {
        match self {
            Self::Abnormal => "abnormal-activity list",
            Self::Serious => "serious illegal and dishonest list",
        }
    }
}

/// Why a subject was put directly on the serious list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriousCause {
    /// 被责令停止活动: ordered to suspend activities.
    SuspensionOrdered,
    /// 被撤销登记: registration revoked.
    RegistrationRevoked,
    /// 被列为失信被执行人: listed by a court as a dishonest debtor.
    CourtListedDebtor,
    /// Another cause named in the legal basis.
    Other,
}

impl SeriousCause {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SuspensionOrdered => "suspension_ordered",
            Self::RegistrationRevoked => "registration_revoked",
            Self::CourtListedDebtor => "court_listed_debtor",
            Self::Other => "other",
        }
    }

    /// Chinese description.
    pub fn zh(&self) -> &'static str {
        match self {
            Self::SuspensionOrdered => "被责令停止活动",
            Self::RegistrationRevoked => "被撤销登记",
            Self::CourtListedDebtor => "被列为失信被执行人",
            Self::Other => "其他严重违法失信情形",
        }
    }

    /// English description.
    pub fn en(&self) -> &'static str {
        match self {
            Self::SuspensionOrdered => "ordered to suspend activities",
            Self::RegistrationRevoked => "registration revoked",
            Self::CourtListedDebtor => "listed by a court as a dishonest debtor",
            Self::Other => "another serious cause",
        }
    }
}

/// What an entry records. JSON: `{"type":"fine","amount":"2000.00"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CreditEntryKind {
    /// 诚信服务承诺: an integrity-service commitment signed.
    CommitmentSigned,
    /// 表彰: a commendation.
    Commendation,
    /// 警告: a warning (administrative penalty).
    Warning,
    /// 罚款: a fine.
    Fine {
        /// The amount, more than zero.
        amount: Yuan,
    },
    /// Put on the abnormal list for a cause of its own (missing annual report, unreachable...).
    AbnormalListing {
        /// The cause, in words.
        cause: String,
    },
    /// Put directly on the serious list.
    SeriousListing {
        /// The cause.
        cause: SeriousCause,
    },
    /// 移出名录: removal from a list; points at an entry of the listing it lifts.
    Removal {
        /// The list.
        list: ListKind,
    },
    /// 信用修复: approved credit repair; lifts like a removal and ends publication.
    Repair {
        /// The list.
        list: ListKind,
    },
    /// 异议: an objection filed against the negative entry it points at.
    ObjectionFiled,
    /// The objection it points at was upheld: the disputed entry is void.
    ObjectionUpheld,
    /// The objection it points at was rejected: the disputed entry stands.
    ObjectionRejected,
    /// A correction: the entry it points at is void.
    Annulment,
}

impl CreditEntryKind {
    /// Stable code, as the JSON `type`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::CommitmentSigned => "commitment_signed",
            Self::Commendation => "commendation",
            Self::Warning => "warning",
            Self::Fine { .. } => "fine",
            Self::AbnormalListing { .. } => "abnormal_listing",
            Self::SeriousListing { .. } => "serious_listing",
            Self::Removal { .. } => "removal",
            Self::Repair { .. } => "repair",
            Self::ObjectionFiled => "objection_filed",
            Self::ObjectionUpheld => "objection_upheld",
            Self::ObjectionRejected => "objection_rejected",
            Self::Annulment => "annulment",
        }
    }

    /// Chinese name.
    pub fn zh(&self) -> &'static str {
        match self {
            Self::CommitmentSigned => "签署诚信服务承诺",
            Self::Commendation => "表彰奖励",
            Self::Warning => "警告",
            Self::Fine { .. } => "罚款",
            Self::AbnormalListing { .. } => "列入活动异常名录",
            Self::SeriousListing { .. } => "列入严重违法失信名单",
            Self::Removal { .. } => "移出名录",
            Self::Repair { .. } => "信用修复",
            Self::ObjectionFiled => "提出异议",
            Self::ObjectionUpheld => "异议成立",
            Self::ObjectionRejected => "异议不成立",
            Self::Annulment => "更正撤销",
        }
    }

    /// English name.
    pub fn en(&self) -> &'static str {
        match self {
            Self::CommitmentSigned => "integrity commitment signed",
            Self::Commendation => "commendation",
            Self::Warning => "warning",
            Self::Fine { .. } => "fine",
            Self::AbnormalListing { .. } => "put on the abnormal list",
            Self::SeriousListing { .. } => "put on the serious list",
            Self::Removal { .. } => "removal from a list",
            Self::Repair { .. } => "credit repair",
            Self::ObjectionFiled => "objection filed",
            Self::ObjectionUpheld => "objection upheld",
            Self::ObjectionRejected => "objection rejected",
            Self::Annulment => "annulment",
        }
    }

    /// A penalty or a listing: what can put a subject on a list, and what an objection can target.
    pub fn is_negative(&self) -> bool {
        matches!(
            self,
            Self::Warning
                | Self::Fine { .. }
                | Self::AbnormalListing { .. }
                | Self::SeriousListing { .. }
        )
    }

    /// Whether the kind must point at another entry (and others must not).
    pub fn needs_pointer(&self) -> bool {
        matches!(
            self,
            Self::Removal { .. }
                | Self::Repair { .. }
                | Self::ObjectionFiled
                | Self::ObjectionUpheld
                | Self::ObjectionRejected
                | Self::Annulment
        )
    }

    /// An objection outcome.
    pub(super) fn is_outcome(&self) -> bool {
        matches!(self, Self::ObjectionUpheld | Self::ObjectionRejected)
    }

    /// Whether an entry of this kind may point at one of kind `target`.
    pub(super) fn may_point_at(&self, target: &CreditEntryKind) -> bool {
        match self {
            Self::Removal {
                list: ListKind::Abnormal,
            }
            | Self::Repair {
                list: ListKind::Abnormal,
            } => {
                matches!(
                    target,
                    Self::Warning | Self::Fine { .. } | Self::AbnormalListing { .. }
                )
            }
            Self::Removal {
                list: ListKind::Serious,
            }
            | Self::Repair {
                list: ListKind::Serious,
            } => target.is_negative(),
            Self::ObjectionFiled => target.is_negative(),
            Self::ObjectionUpheld | Self::ObjectionRejected => {
                matches!(target, Self::ObjectionFiled)
            }
            Self::Annulment => !matches!(target, Self::Annulment),
            _ => false,
        }
    }

    /// Sort rank among entries of the same day and id (only matters for repeated ids).
    pub(super) fn rank(&self) -> u8 {
        match self {
            Self::CommitmentSigned => 0,
            Self::Commendation => 1,
            Self::Warning => 2,
            Self::Fine { .. } => 3,
            Self::AbnormalListing { .. } => 4,
            Self::SeriousListing { .. } => 5,
            Self::Removal { .. } => 6,
            Self::Repair { .. } => 7,
            Self::ObjectionFiled => 8,
            Self::ObjectionUpheld => 9,
            Self::ObjectionRejected => 10,
            Self::Annulment => 11,
        }
    }
}

/// The unchecked fields of a [`CreditEntry`], as a caller or a JSON body gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditEntryInput {
    /// The caller's id of the entry.
    pub id: u64,
    /// Whom the entry is about.
    pub subject: CreditSubject,
    /// What it records.
    pub kind: CreditEntryKind,
    /// The day it takes effect (`YYYY-MM-DD`): the decision date, the filing date...
    #[serde(with = "iso_date")]
    pub effective_on: Date,
    /// The day it was recorded in the registry.
    #[serde(with = "iso_date")]
    pub recorded_at: Date,
    /// The entry it concerns (removals, repairs, objections, outcomes, annulments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_to: Option<u64>,
    /// The legal basis (法律依据); required for penalties and listings.
    #[serde(default)]
    pub legal_basis: String,
    /// Document numbers of the evidence (文号).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence_refs: Vec<String>,
    /// A free note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One checked credit entry. Deserialising checks it too.
///
/// Rules: `credit.date_range` (a date outside 1900-9999), `credit.pointer_required` /
/// `credit.pointer_unexpected` (see [`CreditEntryKind::needs_pointer`]),
/// `credit.legal_basis_required` (penalties and listings), `credit.cause_required` (abnormal
/// listing), `credit.fine_zero`, `credit.evidence_ref_blank`, `credit.too_many_refs`,
/// `credit.text_too_long`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CreditEntryInput")]
pub struct CreditEntry {
    id: u64,
    subject: CreditSubject,
    kind: CreditEntryKind,
    #[serde(with = "iso_date")]
    effective_on: Date,
    #[serde(with = "iso_date")]
    recorded_at: Date,
    #[serde(skip_serializing_if = "Option::is_none")]
    points_to: Option<u64>,
    legal_basis: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence_refs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

fn check_date(field: &str, date: Date) -> Result<(), FieldError> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&date.year()) {
        return Err(FieldError::new(
            field,
            "credit.date_range",
            format!("{date} is outside the years {MIN_YEAR} to {MAX_YEAR}"),
        ));
    }
    Ok(())
}

fn check_len(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            "credit.text_too_long",
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

impl CreditEntry {
    /// Checks an entry on its own; the rules between entries are [`CreditRecord::append`]'s.
    ///
    /// ```
    /// use registry_core::credit::{CreditEntry, CreditEntryInput, CreditEntryKind, CreditSubject};
    /// use time::macros::date;
    ///
    /// let warning = CreditEntry::new(CreditEntryInput {
    ///     id: 1,
    ///     subject: CreditSubject::Worker(7),
    ///     kind: CreditEntryKind::Warning,
    ///     effective_on: date!(2025-01-10),
    ///     recorded_at: date!(2025-01-12),
    ///     points_to: None,
    ///     legal_basis: "《社会组织登记管理条例》".into(),
    ///     evidence_refs: vec!["成民罚〔2025〕3号".into()],
    ///     note: None,
    /// })
    /// .unwrap();
    /// assert!(warning.kind().is_negative());
    /// ```
    pub fn new(input: CreditEntryInput) -> Result<CreditEntry, FieldError> {
        Self::try_from(input)
    }

    /// The caller's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whom the entry is about.
    pub fn subject(&self) -> &CreditSubject {
        &self.subject
    }

    /// What it records.
    pub fn kind(&self) -> &CreditEntryKind {
        &self.kind
    }

    /// The day it takes effect.
    pub fn effective_on(&self) -> Date {
        self.effective_on
    }

    /// The day it was recorded.
    pub fn recorded_at(&self) -> Date {
        self.recorded_at
    }

    /// The entry it concerns, if any.
    pub fn points_to(&self) -> Option<u64> {
        self.points_to
    }

    /// The legal basis.
    pub fn legal_basis(&self) -> &str {
        &self.legal_basis
    }

    /// Document numbers of the evidence.
    pub fn evidence_refs(&self) -> &[String] {
        &self.evidence_refs
    }

    /// The note, if any.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The rules between this entry and the entry it points at that need nothing else of the
    /// record (part of [`CreditRecord::append`]): `credit.pointer_kind` (see there) and
    /// `credit.before_target` (effective before its target). Only the variant of
    /// `target_kind` matters, not its amount or cause.
    pub fn check_target(
        &self,
        target_kind: &CreditEntryKind,
        target_effective_on: Date,
    ) -> Result<(), FieldError> {
        if !self.kind.may_point_at(target_kind) {
            return Err(FieldError::new(
                "points_to",
                "credit.pointer_kind",
                format!(
                    "a {} cannot point at a {}",
                    self.kind.code(),
                    target_kind.code()
                ),
            ));
        }
        if self.effective_on < target_effective_on {
            return Err(FieldError::new(
                "effective_on",
                "credit.before_target",
                format!(
                    "effective {} before the entry it points at ({})",
                    self.effective_on, target_effective_on
                ),
            ));
        }
        Ok(())
    }

    /// This entry as a fact reference.
    pub fn fact(&self) -> FactRef {
        FactRef::new(FactKind::CreditEntry, self.id)
    }
}

impl TryFrom<CreditEntryInput> for CreditEntry {
    type Error = FieldError;

    fn try_from(input: CreditEntryInput) -> Result<Self, Self::Error> {
        check_date("effective_on", input.effective_on)?;
        check_date("recorded_at", input.recorded_at)?;
        match (input.kind.needs_pointer(), input.points_to) {
            (true, None) => {
                return Err(FieldError::new(
                    "points_to",
                    "credit.pointer_required",
                    format!(
                        "a {} must point at the entry it concerns",
                        input.kind.code()
                    ),
                ));
            }
            (false, Some(_)) => {
                return Err(FieldError::new(
                    "points_to",
                    "credit.pointer_unexpected",
                    format!("a {} does not point at another entry", input.kind.code()),
                ));
            }
            _ => {}
        }
        if input.kind.is_negative() && input.legal_basis.trim().is_empty() {
            return Err(FieldError::new(
                "legal_basis",
                "credit.legal_basis_required",
                "a penalty or listing must name its legal basis",
            ));
        }
        check_len("legal_basis", &input.legal_basis, MAX_LEGAL_BASIS_CHARS)?;
        match &input.kind {
            CreditEntryKind::AbnormalListing { cause } => {
                if cause.trim().is_empty() {
                    return Err(FieldError::new(
                        "kind.cause",
                        "credit.cause_required",
                        "an abnormal listing must name its cause",
                    ));
                }
                check_len("kind.cause", cause, MAX_CAUSE_CHARS)?;
            }
            CreditEntryKind::Fine { amount } if *amount == Yuan::ZERO => {
                return Err(FieldError::new(
                    "kind.amount",
                    "credit.fine_zero",
                    "a fine must be more than zero",
                ));
            }
            _ => {}
        }
        if input.evidence_refs.len() > MAX_EVIDENCE_REFS {
            return Err(FieldError::new(
                "evidence_refs",
                "credit.too_many_refs",
                format!("at most {MAX_EVIDENCE_REFS} evidence references"),
            ));
        }
        for (i, r) in input.evidence_refs.iter().enumerate() {
            let field = format!("evidence_refs[{i}]");
            if r.trim().is_empty() {
                return Err(FieldError::new(
                    field,
                    "credit.evidence_ref_blank",
                    "an evidence reference is blank",
                ));
            }
            check_len(&field, r, MAX_EVIDENCE_REF_CHARS)?;
        }
        if let Some(note) = &input.note {
            check_len("note", note, MAX_NOTE_CHARS)?;
        }
        Ok(CreditEntry {
            id: input.id,
            subject: input.subject,
            kind: input.kind,
            effective_on: input.effective_on,
            recorded_at: input.recorded_at,
            points_to: input.points_to,
            legal_basis: input.legal_basis,
            evidence_refs: input.evidence_refs,
            note: input.note,
        })
    }
}

impl From<CreditEntry> for CreditEntryInput {
    fn from(e: CreditEntry) -> CreditEntryInput {
        CreditEntryInput {
            id: e.id,
            subject: e.subject,
            kind: e.kind,
            effective_on: e.effective_on,
            recorded_at: e.recorded_at,
            points_to: e.points_to,
            legal_basis: e.legal_basis,
            evidence_refs: e.evidence_refs,
            note: e.note,
        }
    }
}

/// The credit record of one subject: entries in the order they were appended; it only grows.
///
/// Deserialising (`{"subject":..., "entries":[...]}`) appends the entries in order, so it
/// checks every rule of [`CreditRecord::append`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RecordData")]
pub struct CreditRecord {
    subject: CreditSubject,
    entries: Vec<CreditEntry>,
}

#[derive(Deserialize)]
struct RecordData {
    subject: CreditSubject,
    #[serde(default)]
    entries: Vec<CreditEntry>,
}

impl TryFrom<RecordData> for CreditRecord {
    type Error = FieldError;
    fn try_from(data: RecordData) -> Result<Self, Self::Error> {
        Self::from_entries(data.subject, data.entries)
    }
}

impl CreditRecord {
    /// An empty record.
    pub fn new(subject: CreditSubject) -> CreditRecord {
        CreditRecord {
            subject,
            entries: Vec::new(),
        }
    }

    /// Appends `entries` in order (as stored); an error names the entry, e.g. `entries[3].points_to`.
    pub fn from_entries(
        subject: CreditSubject,
        entries: Vec<CreditEntry>,
    ) -> Result<CreditRecord, FieldError> {
        let mut record = CreditRecord {
            subject,
            entries: Vec::with_capacity(entries.len()),
        };
        for (i, entry) in entries.into_iter().enumerate() {
            record
                .append(entry)
                .map_err(|e| e.within(format!("entries[{i}]")))?;
        }
        Ok(record)
    }

    /// Appends one entry after checking it against the record.
    ///
    /// Rules: `credit.wrong_subject`; `credit.duplicate_id`; for a pointer:
    /// `credit.pointer_unknown` (no such entry), `credit.pointer_kind` (a removal at a
    /// non-negative entry, or of the abnormal list at a serious listing; an objection at a
    /// non-negative entry; an outcome at a non-objection; an annulment at an annulment),
    /// `credit.before_target` (effective before its target), `credit.already_decided` (an
    /// outcome for a decided objection, an annulment of a void entry), `credit.target_void`
    /// (pointing at an annulled entry or one whose objection was upheld),
    /// `credit.objection_pending` (an objection while another against the same entry is open).
    ///
    /// ```
    /// use registry_core::credit::*;
    /// use time::macros::date;
    ///
    /// let entry = |id, kind, points_to, day| {
    ///     CreditEntry::new(CreditEntryInput {
    ///         id, subject: CreditSubject::Worker(7), kind, effective_on: day, recorded_at: day, points_to,
    ///         legal_basis: "民政部令第60号".into(), evidence_refs: vec![], note: None,
    ///     })
    ///     .unwrap()
    /// };
    /// let mut record = CreditRecord::new(CreditSubject::Worker(7));
    /// record.append(entry(1, CreditEntryKind::Warning, None, date!(2025-01-10))).unwrap();
    /// let bad = record.append(entry(2, CreditEntryKind::ObjectionUpheld, Some(1), date!(2025-02-01)));
    /// assert_eq!(bad.unwrap_err().rule, "credit.pointer_kind");
    /// record.append(entry(2, CreditEntryKind::ObjectionFiled, Some(1), date!(2025-02-01))).unwrap();
    /// record.append(entry(3, CreditEntryKind::ObjectionUpheld, Some(2), date!(2025-03-01))).unwrap();
    ///
    /// let report = record.status(date!(2025-03-01), &CreditRules::default());
    /// assert_eq!(report.status, CreditStatus::Good);
    /// ```
    pub fn append(&mut self, entry: CreditEntry) -> Result<(), FieldError> {
        if entry.subject != self.subject {
            return Err(FieldError::new(
                "subject",
                "credit.wrong_subject",
                "the entry is about another subject than the record",
            ));
        }
        if self.entries.iter().any(|e| e.id == entry.id) {
            return Err(FieldError::new(
                "id",
                "credit.duplicate_id",
                format!("entry {} is already in the record", entry.id),
            ));
        }
        if let Some(target_id) = entry.points_to {
            self.check_pointer(&entry, target_id)?;
        }
        self.entries.push(entry);
        Ok(())
    }

    fn check_pointer(&self, entry: &CreditEntry, target_id: u64) -> Result<(), FieldError> {
        let Some(target) = self.entries.iter().find(|e| e.id == target_id) else {
            return Err(FieldError::new(
                "points_to",
                "credit.pointer_unknown",
                format!("no entry {target_id} in the record"),
            ));
        };
        entry.check_target(&target.kind, target.effective_on)?;
        let ledger = Ledger::new(&self.entries, Date::MAX);
        if ledger.void(target) {
            let (rule, message) = if entry.kind == CreditEntryKind::Annulment {
                ("credit.already_decided", "the entry is already void")
            } else {
                ("credit.target_void", "the entry pointed at is void")
            };
            return Err(FieldError::new("points_to", rule, message));
        }
        if entry.kind.is_outcome() && ledger.outcome(target).is_some() {
            return Err(FieldError::new(
                "points_to",
                "credit.already_decided",
                format!("objection {target_id} already has an outcome"),
            ));
        }
        if entry.kind == CreditEntryKind::ObjectionFiled
            && ledger
                .live_objections(target)
                .any(|o| ledger.outcome(o).is_none())
        {
            return Err(FieldError::new(
                "points_to",
                "credit.objection_pending",
                format!("an objection against entry {target_id} is still open"),
            ));
        }
        Ok(())
    }

    /// Whom the record is about.
    pub fn subject(&self) -> &CreditSubject {
        &self.subject
    }

    /// Every entry, in the order appended.
    pub fn entries(&self) -> &[CreditEntry] {
        &self.entries
    }

    /// The status at `as_of`: [`credit_status`] of [`CreditRecord::entries`].
    pub fn status(&self, as_of: Date, rules: &CreditRules) -> CreditStatusReport {
        credit_status(&self.entries, as_of, rules)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use time::macros::date;

    use super::super::fixtures::*;
    use super::*;

    fn input(kind: CreditEntryKind, points_to: Option<u64>) -> CreditEntryInput {
        CreditEntryInput {
            id: 1,
            subject: CreditSubject::Worker(7),
            kind,
            effective_on: date!(2025 - 01 - 10),
            recorded_at: date!(2025 - 01 - 12),
            points_to,
            legal_basis: "民政部令第60号".into(),
            evidence_refs: vec!["成民罚〔2025〕3号".into()],
            note: None,
        }
    }

    fn rule_of(input: CreditEntryInput) -> (String, &'static str) {
        let err = CreditEntry::new(input).unwrap_err();
        (err.field, err.rule)
    }

    #[test]
    fn entry_rules() {
        assert_eq!(
            rule_of(input(CreditEntryKind::Annulment, None)),
            ("points_to".into(), "credit.pointer_required")
        );
        assert_eq!(
            rule_of(input(CreditEntryKind::Warning, Some(3))),
            ("points_to".into(), "credit.pointer_unexpected")
        );
        let no_basis = CreditEntryInput {
            legal_basis: " ".into(),
            ..input(CreditEntryKind::Warning, None)
        };
        assert_eq!(rule_of(no_basis).1, "credit.legal_basis_required");
        // An objection needs no legal basis.
        let objection = CreditEntryInput {
            legal_basis: String::new(),
            ..input(CreditEntryKind::ObjectionFiled, Some(3))
        };
        assert!(CreditEntry::new(objection).is_ok());
        let no_cause = input(
            CreditEntryKind::AbnormalListing {
                cause: String::new(),
            },
            None,
        );
        assert_eq!(
            rule_of(no_cause),
            ("kind.cause".into(), "credit.cause_required")
        );
        assert_eq!(
            rule_of(input(CreditEntryKind::Fine { amount: Yuan::ZERO }, None)).1,
            "credit.fine_zero"
        );
        let blank_ref = CreditEntryInput {
            evidence_refs: vec!["a".into(), "".into()],
            ..input(CreditEntryKind::Warning, None)
        };
        assert_eq!(
            rule_of(blank_ref),
            ("evidence_refs[1]".into(), "credit.evidence_ref_blank")
        );
        let many = CreditEntryInput {
            evidence_refs: vec!["a".into(); 51],
            ..input(CreditEntryKind::Warning, None)
        };
        assert_eq!(rule_of(many).1, "credit.too_many_refs");
        let long = CreditEntryInput {
            note: Some("长".repeat(2001)),
            ..input(CreditEntryKind::Warning, None)
        };
        assert_eq!(rule_of(long), ("note".into(), "credit.text_too_long"));
        let ancient = CreditEntryInput {
            effective_on: date!(1899 - 12 - 31),
            ..input(CreditEntryKind::Warning, None)
        };
        assert_eq!(
            rule_of(ancient),
            ("effective_on".into(), "credit.date_range")
        );
    }

    #[test]
    fn entry_json_shape_and_round_trip() {
        let amount = Yuan::parse("2000").unwrap();
        let e = CreditEntry::new(input(CreditEntryKind::Fine { amount }, None)).unwrap();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json["subject"],
            serde_json::json!({"kind": "worker", "id": 7})
        );
        assert_eq!(
            json["kind"],
            serde_json::json!({"type": "fine", "amount": "2000.00"})
        );
        assert_eq!(json["effective_on"], "2025-01-10");
        assert_eq!(
            serde_json::from_value::<CreditEntry>(json.clone()).unwrap(),
            e
        );
        let mut bad = json;
        bad["legal_basis"] = "".into();
        let err = serde_json::from_value::<CreditEntry>(bad).unwrap_err();
        assert!(
            err.to_string().contains("credit.legal_basis_required"),
            "{err}"
        );
        let org: CreditSubject =
            serde_json::from_str(r#"{"kind":"organisation","id":"91350200MA2YJ1XR9G"}"#).unwrap();
        assert!(matches!(org, CreditSubject::Organisation(_)));
        assert!(
            serde_json::from_str::<CreditSubject>(
                r#"{"kind":"organisation","id":"91350200MA2YJ1XR9H"}"#
            )
            .is_err()
        );
    }

    fn record_with_warning() -> CreditRecord {
        CreditRecord::from_entries(
            CreditSubject::Worker(7),
            vec![warning(1, date!(2025 - 01 - 10))],
        )
        .unwrap()
    }

    fn append_rule(record: &mut CreditRecord, entry: CreditEntry) -> &'static str {
        record.append(entry).unwrap_err().rule
    }

    #[test]
    fn append_refuses_bad_subjects_ids_and_pointers() {
        let mut r = record_with_warning();
        let day = date!(2025 - 02 - 01);
        let other = CreditEntry::new(CreditEntryInput {
            subject: CreditSubject::Worker(8),
            ..input(CreditEntryKind::Commendation, None)
        })
        .unwrap();
        assert_eq!(append_rule(&mut r, other), "credit.wrong_subject");
        assert_eq!(append_rule(&mut r, warning(1, day)), "credit.duplicate_id");
        assert_eq!(
            append_rule(&mut r, removal(2, ListKind::Abnormal, 9, day)),
            "credit.pointer_unknown"
        );
        assert_eq!(
            append_rule(
                &mut r,
                pointing(2, CreditEntryKind::ObjectionUpheld, 1, day)
            ),
            "credit.pointer_kind"
        );
        assert_eq!(
            append_rule(
                &mut r,
                removal(2, ListKind::Abnormal, 1, date!(2025 - 01 - 09))
            ),
            "credit.before_target"
        );

        r.append(entry(2, CreditEntryKind::Commendation, None, day))
            .unwrap();
        r.append(serious(3, day)).unwrap();
        assert_eq!(
            append_rule(&mut r, pointing(4, CreditEntryKind::ObjectionFiled, 2, day)),
            "credit.pointer_kind"
        );
        assert_eq!(
            append_rule(&mut r, removal(4, ListKind::Abnormal, 3, day)),
            "credit.pointer_kind"
        );
        r.append(removal(4, ListKind::Serious, 3, day)).unwrap();

        r.append(pointing(5, CreditEntryKind::ObjectionFiled, 1, day))
            .unwrap();
        assert_eq!(
            append_rule(&mut r, pointing(6, CreditEntryKind::ObjectionFiled, 5, day)),
            "credit.pointer_kind"
        );
        assert_eq!(
            append_rule(&mut r, pointing(6, CreditEntryKind::ObjectionFiled, 1, day)),
            "credit.objection_pending"
        );
        r.append(pointing(6, CreditEntryKind::ObjectionRejected, 5, day))
            .unwrap();
        assert_eq!(
            append_rule(
                &mut r,
                pointing(7, CreditEntryKind::ObjectionUpheld, 5, day)
            ),
            "credit.already_decided"
        );
        // After a rejection a new objection may be filed, and upheld.
        r.append(pointing(7, CreditEntryKind::ObjectionFiled, 1, day))
            .unwrap();
        r.append(pointing(8, CreditEntryKind::ObjectionUpheld, 7, day))
            .unwrap();
        assert_eq!(
            append_rule(&mut r, removal(9, ListKind::Abnormal, 1, day)),
            "credit.target_void"
        );
        assert_eq!(
            append_rule(&mut r, pointing(9, CreditEntryKind::Annulment, 1, day)),
            "credit.already_decided"
        );

        r.append(pointing(9, CreditEntryKind::Annulment, 2, day))
            .unwrap();
        assert_eq!(
            append_rule(&mut r, pointing(10, CreditEntryKind::Annulment, 9, day)),
            "credit.pointer_kind"
        );
        assert_eq!(
            append_rule(&mut r, pointing(10, CreditEntryKind::Annulment, 2, day)),
            "credit.already_decided"
        );
        assert_eq!(r.entries().len(), 9, "refused entries are not appended");
    }

    #[test]
    fn from_entries_and_deserialising_check_every_append_rule() {
        let day = date!(2025 - 02 - 01);
        let err = CreditRecord::from_entries(
            CreditSubject::Worker(7),
            vec![
                warning(1, day),
                removal(2, ListKind::Abnormal, 3, day),
                warning(3, day),
            ],
        )
        .unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.rule),
            ("entries[1].points_to", "credit.pointer_unknown")
        );

        let record = CreditRecord::from_entries(
            CreditSubject::Worker(7),
            vec![warning(1, day), removal(2, ListKind::Abnormal, 1, day)],
        )
        .unwrap();
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(
            serde_json::from_value::<CreditRecord>(json.clone()).unwrap(),
            record
        );
        let mut twice = json;
        twice["entries"][1]["id"] = 1.into();
        let err = serde_json::from_value::<CreditRecord>(twice).unwrap_err();
        assert!(err.to_string().contains("credit.duplicate_id"), "{err}");
    }

    #[test]
    fn kinds_explain_themselves() {
        let k = CreditEntryKind::Repair {
            list: ListKind::Serious,
        };
        assert_eq!((k.code(), k.zh()), ("repair", "信用修复"));
        assert!(!k.is_negative() && k.needs_pointer());
        assert_eq!(ListKind::Abnormal.zh(), "活动异常名录");
        assert_eq!(
            SeriousCause::CourtListedDebtor.code(),
            "court_listed_debtor"
        );
    }
}
