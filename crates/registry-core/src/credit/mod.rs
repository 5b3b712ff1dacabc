//! Credit records (信用记录) of workers and organisations, and the list status derived from them.
//!
//! For organisations the national rule is 民政部令第60号 (the abnormal-activity list 活动异常名录
//! and the serious illegal and dishonest list 严重违法失信名单); for individual workers no
//! national list exists, so the same shape is used with its parameters as data
//! ([`CreditRules`], `Default` = the 民政部令第60号 figures).
//!
//! Layout: `entry.rs` holds the entries and the append-only [`CreditRecord`]; `status.rs`
//! derives a [`CreditStatusReport`] at a date ([`credit_status`]), or only the
//! [`CreditStanding`] part of it ([`credit_standing`]).
//!
//! # The record
//! Entries are never edited or deleted. A removal, a repair (信用修复), an objection (异议), its
//! outcome, or a correction is a new entry whose `points_to` names the entry it concerns:
//! - [`CreditEntryKind::Removal`] / [`CreditEntryKind::Repair`] point at an entry of the
//!   listing they lift (a warning, fine or listing);
//! - [`CreditEntryKind::ObjectionFiled`] points at a negative entry (warning, fine, listing);
//!   [`CreditEntryKind::ObjectionUpheld`] / [`CreditEntryKind::ObjectionRejected`] point at
//!   the objection;
//! - [`CreditEntryKind::Annulment`] points at any entry but another annulment (to undo an
//!   annulment, record the original entry again).
//!
//! # The status at a date (`as_of`)
//! 1. Only entries with `effective_on <= as_of` count.
//! 2. Void entries never count, as if never recorded: an entry an annulment points at, and a
//!    negative entry whose objection was upheld. Annulments cannot be annulled or objected
//!    to, so voiding is never chained.
//! 3. The rest is swept chronologically (ties by id):
//!    - a warning or a fine below [`CreditRules::serious_fine_threshold`] puts the subject on
//!      the abnormal list (if not already) and counts toward repeats; when
//!      [`CreditRules::repeat_count`] of them fall within [`CreditRules::repeat_window_months`]
//!      (the last on or before the first plus the window) the subject goes on the serious list.
//!      Repeats count every such penalty, also one whose listing was later removed;
//!    - a fine at or above the threshold, or a serious listing, puts it on the serious list;
//!      an abnormal listing on the abnormal list;
//!    - on the abnormal list continuously for [`CreditRules::abnormal_escalation_months`] →
//!      serious from that day (`add_months(since, months)`, so 2024-03-01 → 2026-03-01),
//!      checked before each event and at `as_of`;
//!    - the serious list absorbs the abnormal list: entering it ends the abnormal listing, and
//!      a negative event while on it does not open an abnormal listing but restarts the
//!      serious clock;
//!    - a removal or repair of the abnormal list lifts it when it points at an entry of the
//!      current listing; of the serious list, in addition only when on its day at least
//!      [`CreditRules::serious_min_listing_months`] have passed since the later of the serious
//!      start and the last negative event while listed. Otherwise it changes nothing and is
//!      listed in [`CreditStatusReport::ineffective_removals`].
//! 4. `deciding_entries` are the entries that put or keep the subject on its current list
//!    (the trigger, the entries of an escalated abnormal listing, and every negative event
//!    while listed). Status is [`CreditStatus::Disputed`] when an objection without an
//!    outcome (as of `as_of`) points at one of them; `standing` keeps the underlying list.
//! 5. Publication: commitments, commendations, penalties and listings are published for
//!    [`CreditRules::publication_months`] from their `effective_on`; the deciding entries of
//!    the current listing stay published while it lasts; an effective repair (信用修复) ends
//!    the publication of the entries of the listing it lifted.
//!
//! Entry ids are expected to be unique (a [`CreditRecord`] guarantees it); the result does
//! not depend on the order in which entries are given.

mod entry;
mod status;

pub use entry::{
    CreditEntry, CreditEntryInput, CreditEntryKind, CreditRecord, CreditSubject, ListKind,
    MAX_EVIDENCE_REFS, SeriousCause,
};
pub use status::{
    CreditRules, CreditStanding, CreditStatus, CreditStatusReport, credit_standing, credit_status,
};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod fixtures {
    use time::Date;

    use super::*;
    use crate::money::Yuan;

    /// An entry about worker 7, recorded the day it takes effect.
    pub(super) fn entry(
        id: u64,
        kind: CreditEntryKind,
        points_to: Option<u64>,
        day: Date,
    ) -> CreditEntry {
        CreditEntry::new(CreditEntryInput {
            id,
            subject: CreditSubject::Worker(7),
            kind,
            effective_on: day,
            recorded_at: day,
            points_to,
            legal_basis: "民政部令第60号".into(),
            evidence_refs: vec![format!("成民〔2025〕{id}号")],
            note: None,
        })
        .unwrap()
    }

    pub(super) fn warning(id: u64, day: Date) -> CreditEntry {
        entry(id, CreditEntryKind::Warning, None, day)
    }

    pub(super) fn fine(id: u64, amount: &str, day: Date) -> CreditEntry {
        let amount = Yuan::parse(amount).unwrap();
        entry(id, CreditEntryKind::Fine { amount }, None, day)
    }

    pub(super) fn abnormal(id: u64, day: Date) -> CreditEntry {
        let cause = "未按规定报送年度工作报告".to_string();
        entry(id, CreditEntryKind::AbnormalListing { cause }, None, day)
    }

    pub(super) fn serious(id: u64, day: Date) -> CreditEntry {
        let cause = SeriousCause::SuspensionOrdered;
        entry(id, CreditEntryKind::SeriousListing { cause }, None, day)
    }

    pub(super) fn removal(id: u64, list: ListKind, target: u64, day: Date) -> CreditEntry {
        entry(id, CreditEntryKind::Removal { list }, Some(target), day)
    }

    pub(super) fn repair(id: u64, list: ListKind, target: u64, day: Date) -> CreditEntry {
        entry(id, CreditEntryKind::Repair { list }, Some(target), day)
    }

    pub(super) fn pointing(id: u64, kind: CreditEntryKind, target: u64, day: Date) -> CreditEntry {
        entry(id, kind, Some(target), day)
    }
}
