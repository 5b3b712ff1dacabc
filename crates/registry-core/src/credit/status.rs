//! The list status of a subject at a date, derived from its credit entries (see the
//! semantics in the [`crate::credit`] module docs).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use smallvec::{SmallVec, smallvec};
use time::Date;

use super::entry::{CreditEntry, CreditEntryKind, ListKind};
use super::iso_date;
use crate::calendar::add_months;
use crate::facts::{Evidence, Explain, FactKind, FactRef};
use crate::money::Yuan;

/// Credit-list parameters; `Default` is 民政部令第60号 (for workers: sample configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CreditRules {
    /// A fine at or above this puts the subject on the serious list (50000).
    pub serious_fine_threshold: Yuan,
    /// The window for repeated warnings or small fines, in months (36).
    pub repeat_window_months: u32,
    /// How many warnings or small fines within the window put the subject on the serious
    /// list (2); 0 turns the rule off.
    pub repeat_count: u32,
    /// Months on the abnormal list after which the subject is on the serious list (24);
    /// 0 turns the escalation off.
    pub abnormal_escalation_months: u32,
    /// Months without new negative events before the serious list can be lifted (24).
    pub serious_min_listing_months: u32,
    /// Months an entry stays published (36) *configurable*.
    pub publication_months: u32,
}

impl Default for CreditRules {
    fn default() -> Self {
        Self {
            serious_fine_threshold: Yuan::from_fen(5_000_000).unwrap_or(Yuan::ZERO),
            repeat_window_months: 36,
            repeat_count: 2,
            abnormal_escalation_months: 24,
            serious_min_listing_months: 24,
            publication_months: 36,
        }
    }
}

/// Where a subject stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditStatus {
    /// On no list.
    Good,
    /// On the abnormal list (活动异常名录).
    Abnormal,
    /// On the serious list (严重违法失信名单).
    Serious,
    /// On a list, but an objection against an entry that decides it is pending.
    Disputed,
}

impl Explain for CreditStatus {
    fn code(&self) -> &'static str {
        match self {
            Self::Good => "CREDIT_GOOD",
            Self::Abnormal => "CREDIT_ABNORMAL_LIST",
            Self::Serious => "CREDIT_SERIOUS_LIST",
            Self::Disputed => "CREDIT_DISPUTED",
        }
    }
    fn zh(&self) -> &'static str {
        match self {
            Self::Good => "未被列入信用名单",
            Self::Abnormal => "被列入活动异常名录",
            Self::Serious => "被列入严重违法失信名单",
            Self::Disputed => "相关信用记录正在异议处理中",
        }
    }
    fn en(&self) -> &'static str {
        match self {
            Self::Good => "on no credit list",
            Self::Abnormal => "on the abnormal-activity list",
            Self::Serious => "on the serious illegal and dishonest list",
            Self::Disputed => "an objection against a deciding credit entry is pending",
        }
    }
}

/// The answer of [`credit_status`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditStatusReport {
    /// The date asked about.
    #[serde(with = "iso_date")]
    pub as_of: Date,
    /// The status, [`CreditStatus::Disputed`] when a deciding entry is under objection.
    pub status: CreditStatus,
    /// The list the subject is on, ignoring disputes (never `Disputed`).
    pub standing: CreditStatus,
    /// Start of the current abnormal listing.
    #[serde(default, with = "iso_date::option")]
    pub abnormal_since: Option<Date>,
    /// The day the current abnormal listing turns serious unless lifted first.
    #[serde(default, with = "iso_date::option")]
    pub abnormal_escalates_on: Option<Date>,
    /// Start of the current serious listing.
    #[serde(default, with = "iso_date::option")]
    pub serious_since: Option<Date>,
    /// The first day a removal or repair can lift the current serious listing.
    #[serde(default, with = "iso_date::option")]
    pub serious_removable_from: Option<Date>,
    /// The entries that put or keep the subject on its current list (empty when `Good`).
    pub deciding_entries: Evidence,
    /// Objections (ids) without an outcome against a standing entry, ascending.
    pub pending_objections: Vec<u64>,
    /// Removals and repairs that lifted nothing (too early, or not about the current
    /// listing), in date order.
    pub ineffective_removals: Vec<u64>,
    /// Entries published on `as_of`, ascending.
    pub published_entries: Vec<u64>,
}

impl Explain for CreditStatusReport {
    fn code(&self) -> &'static str {
        self.status.code()
    }
    fn zh(&self) -> &'static str {
        self.status.zh()
    }
    fn en(&self) -> &'static str {
        self.status.en()
    }
}

/// Ids of credit entries; inline for the few a listing usually has.
type Ids = SmallVec<[u64; 4]>;

/// Entries of one subject; inline for a typical record, so its sweep allocates nothing
/// (and the lists stay small enough to move cheaply).
type Entries<'a> = SmallVec<[&'a CreditEntry; 8]>;

/// Entries of one subject that count on a date, sorted by id, and indexed by the id they
/// point at; it also answers [`super::CreditRecord::append`]'s questions about a target.
pub(super) struct Ledger<'a> {
    by_id: Entries<'a>,
    by_target: SmallVec<[(u64, &'a CreditEntry); 4]>,
    /// The ids annulments point at, sorted (usually none), so most entries are cleared
    /// without a search of `by_target`.
    annulment_targets: Ids,
}

impl<'a> Ledger<'a> {
    pub(super) fn new(entries: &'a [CreditEntry], as_of: Date) -> Self {
        let mut by_id: Entries<'a> = entries
            .iter()
            .filter(|e| e.effective_on() <= as_of)
            .collect();
        by_id.sort_by_key(|e| e.id());
        let mut by_target: SmallVec<[(u64, &CreditEntry); 4]> = by_id
            .iter()
            .filter_map(|e| e.points_to().map(|t| (t, *e)))
            .collect();
        by_target.sort_by_key(|(t, _)| *t);
        let annulment_targets = by_target
            .iter()
            .filter(|(_, e)| *e.kind() == CreditEntryKind::Annulment)
            .map(|(t, _)| *t)
            .collect();
        Self {
            by_id,
            by_target,
            annulment_targets,
        }
    }

    /// The entries pointing at `id` whose kind may point at `target`.
    fn pointing_at(&self, target: &'a CreditEntry) -> impl Iterator<Item = &'a CreditEntry> {
        let id = target.id();
        let start = self.by_target.partition_point(|(t, _)| *t < id);
        self.by_target
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(move |(t, _)| *t == id)
            .map(|(_, e)| *e)
            .filter(move |e| e.kind().may_point_at(target.kind()))
    }

    /// Annulments cannot be annulled, so this needs no recursion.
    fn annulled(&self, e: &'a CreditEntry) -> bool {
        self.annulment_targets.binary_search(&e.id()).is_ok()
            && self
                .pointing_at(e)
                .any(|p| *p.kind() == CreditEntryKind::Annulment)
    }

    /// The outcome of a live objection: the latest live outcome pointing at it.
    pub(super) fn outcome(&self, objection: &'a CreditEntry) -> Option<&'a CreditEntryKind> {
        self.pointing_at(objection)
            .filter(|p| p.kind().is_outcome() && !self.annulled(p))
            .max_by_key(|p| (p.effective_on(), p.id(), p.kind().rank()))
            .map(CreditEntry::kind)
    }

    /// Whether `p` is an objection that counts (filed, not annulled).
    fn live_objection(&self, p: &'a CreditEntry) -> bool {
        *p.kind() == CreditEntryKind::ObjectionFiled && !self.annulled(p)
    }

    pub(super) fn live_objections(
        &self,
        target: &'a CreditEntry,
    ) -> impl Iterator<Item = &'a CreditEntry> {
        self.pointing_at(target).filter(|p| self.live_objection(p))
    }

    pub(super) fn void(&self, e: &'a CreditEntry) -> bool {
        self.annulled(e)
            || (e.kind().is_negative()
                && self
                    .live_objections(e)
                    .any(|o| self.outcome(o) == Some(&CreditEntryKind::ObjectionUpheld)))
    }

    /// The entries that are not void, sorted by id (each entry is judged once).
    fn live(&self) -> Entries<'a> {
        // Only an entry something points at can be void. Both lists ascend, so one merge
        // finds those; the rest (usually most) need no search.
        let mut targets = self.by_target.iter().map(|(t, _)| *t).peekable();
        self.by_id
            .iter()
            .copied()
            .filter(|e| {
                while targets.next_if(|t| *t < e.id()).is_some() {}
                targets.peek() != Some(&e.id()) || !self.void(e)
            })
            .collect()
    }

    /// Objections without an outcome (objection id, target id) against a standing
    /// (present, non-void, negative) entry among `live`, ascending and without repeats.
    fn open_objections(&self, live: &[&'a CreditEntry]) -> SmallVec<[(u64, u64); 4]> {
        let mut open: SmallVec<[(u64, u64); 4]> = SmallVec::new();
        for &(target, o) in &self.by_target {
            if !self.live_objection(o) || self.outcome(o).is_some() {
                continue;
            }
            let from = live.partition_point(|e| e.id() < target);
            let standing = live
                .get(from..)
                .unwrap_or_default()
                .iter()
                .take_while(|t| t.id() == target)
                .filter(|t| t.kind().is_negative() && o.kind().may_point_at(t.kind()));
            open.extend(standing.map(|t| (o.id(), t.id())));
        }
        open.sort_unstable();
        open.dedup();
        open
    }
}

/// One listing period: since when, and the entries that put or keep the subject on it.
#[derive(Debug)]
struct Listing {
    since: Date,
    /// Start of the no-new-events clock (serious list only).
    clock: Date,
    deciding: Ids,
}

impl Listing {
    fn open(since: Date, deciding: Ids) -> Self {
        Self {
            since,
            clock: since,
            deciding,
        }
    }
}

struct Sweep<'r> {
    rules: &'r CreditRules,
    abnormal: Option<Listing>,
    serious: Option<Listing>,
    repeats: SmallVec<[(Date, u64); 4]>,
    ineffective: Vec<u64>,
    publication_ended: Ids,
}

impl<'r> Sweep<'r> {
    fn new(rules: &'r CreditRules) -> Self {
        Self {
            rules,
            abnormal: None,
            serious: None,
            repeats: SmallVec::new(),
            ineffective: Vec::new(),
            publication_ended: Ids::new(),
        }
    }

    /// Sweeps the live entries chronologically (ties by id), then escalates up to `as_of`.
    fn run(&mut self, live: &[&CreditEntry], as_of: Date) {
        let mut events: Entries<'_> = live
            .iter()
            .copied()
            .filter(|e| {
                e.kind().is_negative()
                    || matches!(
                        e.kind(),
                        CreditEntryKind::Removal { .. } | CreditEntryKind::Repair { .. }
                    )
            })
            .collect();
        events.sort_by(|a, b| chronological(a, b));
        for e in &events {
            self.apply(e);
        }
        self.escalate(as_of);
    }

    /// The list the subject is on, and that listing.
    fn current(&self) -> (CreditStatus, Option<&Listing>) {
        match (&self.serious, &self.abnormal) {
            (Some(s), _) => (CreditStatus::Serious, Some(s)),
            (None, Some(a)) => (CreditStatus::Abnormal, Some(a)),
            (None, None) => (CreditStatus::Good, None),
        }
    }

    fn escalates_on(&self) -> Option<Date> {
        let months = self.rules.abnormal_escalation_months;
        match &self.abnormal {
            Some(a) if months > 0 && self.serious.is_none() => {
                Some(add_months(a.since, i64::from(months)))
            }
            _ => None,
        }
    }

    fn removable_from(&self) -> Option<Date> {
        let months = i64::from(self.rules.serious_min_listing_months);
        self.serious.as_ref().map(|s| add_months(s.clock, months))
    }

    /// The automatic move from the abnormal to the serious list, if due by `day`.
    fn escalate(&mut self, day: Date) {
        if let Some(on) = self.escalates_on().filter(|on| *on <= day)
            && let Some(abnormal) = self.abnormal.take()
        {
            self.serious = Some(Listing::open(on, abnormal.deciding));
        }
    }

    fn go_serious(&mut self, day: Date, deciding: Ids) {
        self.abnormal = None;
        self.serious = Some(Listing::open(day, deciding));
    }

    fn go_abnormal(&mut self, day: Date, id: u64) {
        match &mut self.abnormal {
            Some(a) => a.deciding.push(id),
            None => self.abnormal = Some(Listing::open(day, smallvec![id])),
        }
    }

    fn apply(&mut self, e: &CreditEntry) {
        self.escalate(e.effective_on());
        match e.kind() {
            kind if kind.is_negative() => self.negative(e.effective_on(), e.id(), kind),
            CreditEntryKind::Removal { list } => self.lift(*list, e, false),
            CreditEntryKind::Repair { list } => self.lift(*list, e, true),
            _ => {}
        }
    }

    fn negative(&mut self, day: Date, id: u64, kind: &CreditEntryKind) {
        let small = match kind {
            CreditEntryKind::Warning => true,
            CreditEntryKind::Fine { amount } => *amount < self.rules.serious_fine_threshold,
            _ => false,
        };
        if small {
            self.repeats.push((day, id));
        }
        // While on the serious list, any negative event restarts its clock.
        if let Some(s) = &mut self.serious {
            s.clock = s.clock.max(day);
            s.deciding.push(id);
            return;
        }
        if small {
            match self.recent_repeats(day) {
                Some(recent) => self.go_serious(day, recent),
                None => self.go_abnormal(day, id),
            }
        } else if matches!(kind, CreditEntryKind::AbnormalListing { .. }) {
            self.go_abnormal(day, id);
        } else {
            self.go_serious(day, smallvec![id]);
        }
    }

    /// The repeats within the window ending on `day`, when there are enough of them.
    fn recent_repeats(&self, day: Date) -> Option<Ids> {
        let needed = usize::try_from(self.rules.repeat_count).unwrap_or(usize::MAX);
        if needed == 0 {
            return None;
        }
        let window = i64::from(self.rules.repeat_window_months);
        let in_window = |(d, _): &(Date, u64)| add_months(*d, window) >= day;
        // Repeats are in date order: the window is a suffix, long enough exactly when the
        // `needed`-th last repeat is in it.
        let nth_last = self.repeats.len().checked_sub(needed)?;
        if !self.repeats.get(nth_last).is_some_and(in_window) {
            return None;
        }
        let first = self.repeats.partition_point(|r| !in_window(r));
        let recent = self.repeats.get(first..).unwrap_or_default();
        Some(recent.iter().map(|(_, i)| *i).collect())
    }

    fn lift(&mut self, list: ListKind, e: &CreditEntry, repair: bool) {
        let day = e.effective_on();
        let removable = self.removable_from();
        let slot = match list {
            ListKind::Abnormal => &mut self.abnormal,
            ListKind::Serious => &mut self.serious,
        };
        let about_current = slot
            .as_ref()
            .is_some_and(|l| e.points_to().is_some_and(|t| l.deciding.contains(&t)));
        let timely = list == ListKind::Abnormal || removable.is_some_and(|r| day >= r);
        match slot.take() {
            Some(listing) if about_current && timely => {
                if repair {
                    self.publication_ended.extend(listing.deciding);
                }
            }
            kept => {
                *slot = kept;
                self.ineffective.push(e.id());
            }
        }
    }
}

/// Sweep order: by day, then id; kind and fine amount only order repeated ids.
fn chronological(a: &CreditEntry, b: &CreditEntry) -> Ordering {
    let amount = |e: &CreditEntry| match e.kind() {
        CreditEntryKind::Fine { amount } => Some(*amount),
        _ => None,
    };
    (a.effective_on(), a.id())
        .cmp(&(b.effective_on(), b.id()))
        .then_with(|| (a.kind().rank(), amount(a)).cmp(&(b.kind().rank(), amount(b))))
}

fn published_kind(kind: &CreditEntryKind) -> bool {
    kind.is_negative()
        || matches!(
            kind,
            CreditEntryKind::CommitmentSigned | CreditEntryKind::Commendation
        )
}

/// The standing of a subject on a date: the part of a [`CreditStatusReport`] that an
/// allowance decision reads, without the listing dates, removals and publication.
/// [`credit_standing`] computes it by the same rules as [`credit_status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditStanding {
    /// As [`CreditStatusReport::status`].
    pub status: CreditStatus,
    /// As [`CreditStatusReport::standing`].
    pub standing: CreditStatus,
    /// As [`CreditStatusReport::deciding_entries`].
    pub deciding_entries: Evidence,
    /// As [`CreditStatusReport::pending_objections`].
    pub pending_objections: Vec<u64>,
}

/// Step 4 of the [module docs](crate::credit) from the swept live entries: the list, its
/// deciding entries and the pending objections; also the deciding entries sorted, for
/// lookups. Both [`credit_status`] and [`credit_standing`] rest on it.
fn standing_of<'a>(
    ledger: &Ledger<'a>,
    live: &[&'a CreditEntry],
    sweep: &Sweep<'_>,
) -> (CreditStanding, Ids) {
    let (standing, current) = sweep.current();
    let (deciding, deciding_set) = without_repeats(current.map_or(&[], |l| &l.deciding));
    let pending = ledger.open_objections(live);
    let disputed = pending
        .iter()
        .any(|(_, target)| deciding_set.binary_search(target).is_ok());
    let mut pending_objections: Vec<u64> = pending.iter().map(|(o, _)| *o).collect();
    pending_objections.dedup();
    let standing = CreditStanding {
        status: if disputed {
            CreditStatus::Disputed
        } else {
            standing
        },
        standing,
        deciding_entries: deciding
            .iter()
            .map(|id| FactRef::new(FactKind::CreditEntry, *id))
            .collect(),
        pending_objections,
    };
    (standing, deciding_set)
}

/// Entries published on `as_of`, ascending (step 5); `listed` are the deciding entries,
/// sorted.
fn published(live: &[&CreditEntry], sweep: &Sweep<'_>, listed: &[u64], as_of: Date) -> Vec<u64> {
    let publication = i64::from(sweep.rules.publication_months);
    let mut ended = sweep.publication_ended.clone();
    ended.sort_unstable();
    let mut published: Vec<u64> = live
        .iter()
        .filter(|e| published_kind(e.kind()))
        .filter(|e| {
            listed.binary_search(&e.id()).is_ok()
                || (ended.binary_search(&e.id()).is_err()
                    && as_of < add_months(e.effective_on(), publication))
        })
        .map(|e| e.id())
        .collect();
    published.dedup();
    published
}

/// `ids` without repeats (the first of each kept, in order), and the same ids sorted.
fn without_repeats(ids: &[u64]) -> (Ids, Ids) {
    let mut kept = Ids::new();
    let mut sorted = Ids::new();
    for &id in ids {
        if let Err(at) = sorted.binary_search(&id) {
            sorted.insert(at, id);
            kept.push(id);
        }
    }
    (kept, sorted)
}

/// The status of a subject on `as_of` from its entries (all of one subject, in any order),
/// following the semantics in the [module docs](crate::credit).
///
/// ```
/// use registry_core::credit::*;
/// use registry_core::money::Yuan;
/// use time::macros::date;
///
/// let entry = |id, kind, points_to, day| {
///     CreditEntry::new(CreditEntryInput {
///         id, subject: CreditSubject::Worker(7), kind, effective_on: day, recorded_at: day, points_to,
///         legal_basis: "民政部令第60号".into(), evidence_refs: vec![], note: None,
///     })
///     .unwrap()
/// };
/// let fine = CreditEntryKind::Fine { amount: Yuan::parse("50000").unwrap() };
/// let entries = vec![entry(1, fine, None, date!(2024-01-15))];
/// let rules = CreditRules::default();
///
/// let report = credit_status(&entries, date!(2025-06-30), &rules);
/// assert_eq!(report.status, CreditStatus::Serious);
/// assert_eq!(report.serious_removable_from, Some(date!(2026-01-15)));
/// assert_eq!(credit_status(&entries, date!(2024-01-14), &rules).status, CreditStatus::Good);
/// ```
pub fn credit_status(
    entries: &[CreditEntry],
    as_of: Date,
    rules: &CreditRules,
) -> CreditStatusReport {
    let ledger = Ledger::new(entries, as_of);
    let live = ledger.live();
    let mut sweep = Sweep::new(rules);
    sweep.run(&live, as_of);
    let (standing, listed) = standing_of(&ledger, &live, &sweep);
    let published_entries = published(&live, &sweep, &listed, as_of);
    CreditStatusReport {
        as_of,
        status: standing.status,
        standing: standing.standing,
        abnormal_since: sweep.abnormal.as_ref().map(|a| a.since),
        abnormal_escalates_on: sweep.escalates_on(),
        serious_since: sweep.serious.as_ref().map(|s| s.since),
        serious_removable_from: sweep.removable_from(),
        deciding_entries: standing.deciding_entries,
        pending_objections: standing.pending_objections,
        ineffective_removals: sweep.ineffective,
        published_entries,
    }
}

/// The standing of a subject on `as_of`: the `status`, `standing`, `deciding_entries` and
/// `pending_objections` of [`credit_status`], without working out the rest of the report.
///
/// ```
/// use registry_core::credit::*;
/// use registry_core::money::Yuan;
/// use time::macros::date;
///
/// let fine = CreditEntryKind::Fine { amount: Yuan::parse("50000").unwrap() };
/// let entries = vec![CreditEntry::new(CreditEntryInput {
///     id: 1, subject: CreditSubject::Worker(7), kind: fine, effective_on: date!(2024-01-15),
///     recorded_at: date!(2024-01-15), points_to: None, legal_basis: "民政部令第60号".into(),
///     evidence_refs: vec![], note: None,
/// })
/// .unwrap()];
/// let rules = CreditRules::default();
///
/// let standing = credit_standing(&entries, date!(2025-06-30), &rules);
/// let report = credit_status(&entries, date!(2025-06-30), &rules);
/// assert_eq!(standing.status, CreditStatus::Serious);
/// assert_eq!(standing.deciding_entries, report.deciding_entries);
/// ```
pub fn credit_standing(
    entries: &[CreditEntry],
    as_of: Date,
    rules: &CreditRules,
) -> CreditStanding {
    let ledger = Ledger::new(entries, as_of);
    let live = ledger.live();
    let mut sweep = Sweep::new(rules);
    sweep.run(&live, as_of);
    standing_of(&ledger, &live, &sweep).0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::super::fixtures::*;
    use super::*;
    use crate::credit::{CreditRecord, CreditSubject, SeriousCause};

    fn at(entries: &[CreditEntry], day: Date) -> CreditStatusReport {
        // Every scenario is also a valid record.
        let record =
            CreditRecord::from_entries(CreditSubject::Worker(7), entries.to_vec()).unwrap();
        record.status(day, &CreditRules::default())
    }

    fn ids(evidence: &Evidence) -> Vec<u64> {
        evidence.iter().map(|f| f.id).collect()
    }

    #[test]
    fn nothing_recorded_is_good() {
        let r = at(&[], date!(2026 - 01 - 01));
        assert_eq!(
            (r.status, r.standing),
            (CreditStatus::Good, CreditStatus::Good)
        );
        assert_eq!(r.code(), "CREDIT_GOOD");
        assert!(r.deciding_entries.is_empty() && r.published_entries.is_empty());
    }

    #[test]
    fn abnormal_list_escalates_after_24_months_to_the_day() {
        let listed = [abnormal(1, date!(2024 - 03 - 01))];
        let before = at(&listed, date!(2026 - 02 - 28));
        assert_eq!(before.status, CreditStatus::Abnormal);
        assert_eq!(before.code(), "CREDIT_ABNORMAL_LIST");
        assert_eq!(before.abnormal_since, Some(date!(2024 - 03 - 01)));
        assert_eq!(before.abnormal_escalates_on, Some(date!(2026 - 03 - 01)));
        assert_eq!(ids(&before.deciding_entries), [1]);

        let after = at(&listed, date!(2026 - 03 - 01));
        assert_eq!(after.status, CreditStatus::Serious);
        assert_eq!(after.code(), "CREDIT_SERIOUS_LIST");
        assert_eq!(after.serious_since, Some(date!(2026 - 03 - 01)));
        assert_eq!(
            (after.abnormal_since, after.abnormal_escalates_on),
            (None, None)
        );
        assert_eq!(after.serious_removable_from, Some(date!(2028 - 03 - 01)));
        assert_eq!(ids(&after.deciding_entries), [1]);

        // Lifted the day before, it never escalates; on the day, it is too late.
        let lifted = [
            listed[0].clone(),
            removal(2, ListKind::Abnormal, 1, date!(2026 - 02 - 28)),
        ];
        assert_eq!(
            at(&lifted, date!(2030 - 01 - 01)).status,
            CreditStatus::Good
        );
        let late = [
            listed[0].clone(),
            removal(2, ListKind::Abnormal, 1, date!(2026 - 03 - 01)),
        ];
        let r = at(&late, date!(2026 - 03 - 01));
        assert_eq!(
            (r.status, r.ineffective_removals.as_slice()),
            (CreditStatus::Serious, &[2][..])
        );
    }

    /// A warning on 2023-01-10, lifted, then a second small penalty on `second`.
    fn two_penalties(second: CreditEntry) -> CreditStatusReport {
        let day = second.effective_on();
        at(
            &[
                warning(1, date!(2023 - 01 - 10)),
                removal(2, ListKind::Abnormal, 1, date!(2023 - 06 - 01)),
                second,
            ],
            day,
        )
    }

    #[test]
    fn two_small_penalties_within_36_months_are_serious() {
        let r = two_penalties(warning(3, date!(2025 - 12 - 10)));
        assert_eq!(r.status, CreditStatus::Serious, "35 months apart");
        assert_eq!(r.serious_since, Some(date!(2025 - 12 - 10)));
        assert_eq!(ids(&r.deciding_entries), [1, 3]);
        let r = two_penalties(warning(3, date!(2026 - 01 - 10)));
        assert_eq!(
            r.status,
            CreditStatus::Serious,
            "exactly 36 months apart is within"
        );
        let r = two_penalties(warning(3, date!(2026 - 02 - 10)));
        assert_eq!(r.status, CreditStatus::Abnormal, "37 months apart");
        assert_eq!(r.abnormal_since, Some(date!(2026 - 02 - 10)));
        assert_eq!(ids(&r.deciding_entries), [3]);
        // A small fine counts like a warning.
        assert_eq!(
            two_penalties(fine(3, "100", date!(2025 - 12 - 10))).status,
            CreditStatus::Serious
        );
    }

    #[test]
    fn fine_threshold_is_inclusive() {
        let r = at(
            &[fine(1, "50000.00", date!(2025 - 01 - 10))],
            date!(2025 - 01 - 10),
        );
        assert_eq!(
            (r.status, r.serious_since),
            (CreditStatus::Serious, Some(date!(2025 - 01 - 10)))
        );
        let r = at(
            &[fine(1, "49999.99", date!(2025 - 01 - 10))],
            date!(2025 - 01 - 10),
        );
        assert_eq!(
            (r.status, r.abnormal_since),
            (CreditStatus::Abnormal, Some(date!(2025 - 01 - 10)))
        );
    }

    #[test]
    fn serious_list_lifts_only_after_24_quiet_months() {
        let listed = serious(1, date!(2024 - 01 - 15));
        let early = [
            listed.clone(),
            removal(2, ListKind::Serious, 1, date!(2025 - 12 - 15)),
        ];
        let r = at(&early, date!(2026 - 06 - 01));
        assert_eq!(r.status, CreditStatus::Serious, "23 months");
        assert_eq!(r.ineffective_removals, [2]);
        assert_eq!(r.serious_removable_from, Some(date!(2026 - 01 - 15)));

        let on_time = [
            listed.clone(),
            removal(2, ListKind::Serious, 1, date!(2026 - 01 - 15)),
        ];
        let r = at(&on_time, date!(2026 - 01 - 15));
        assert_eq!(r.status, CreditStatus::Good, "24 months");
        assert!(r.ineffective_removals.is_empty() && r.serious_since.is_none());

        // A warning at month 12 restarts the clock.
        let mut restarted = vec![listed, warning(2, date!(2025 - 01 - 15))];
        restarted.push(repair(3, ListKind::Serious, 1, date!(2026 - 01 - 15)));
        let r = at(&restarted, date!(2026 - 01 - 15));
        assert_eq!(r.status, CreditStatus::Serious);
        assert_eq!(r.ineffective_removals, [3]);
        assert_eq!(r.serious_removable_from, Some(date!(2027 - 01 - 15)));
        assert_eq!(ids(&r.deciding_entries), [1, 2]);
        assert_eq!(
            r.abnormal_since, None,
            "the serious list absorbs the warning"
        );
        restarted.push(removal(4, ListKind::Serious, 2, date!(2027 - 01 - 15)));
        assert_eq!(
            at(&restarted, date!(2027 - 01 - 15)).status,
            CreditStatus::Good
        );
    }

    #[test]
    fn removals_must_concern_the_current_listing() {
        let entries = [
            warning(1, date!(2024 - 01 - 10)),
            removal(2, ListKind::Abnormal, 1, date!(2024 - 03 - 01)),
            abnormal(3, date!(2024 - 06 - 01)),
            removal(4, ListKind::Abnormal, 1, date!(2024 - 07 - 01)),
            removal(5, ListKind::Serious, 3, date!(2024 - 08 - 01)),
        ];
        let r = at(&entries, date!(2024 - 09 - 01));
        assert_eq!(r.status, CreditStatus::Abnormal);
        assert_eq!(r.abnormal_since, Some(date!(2024 - 06 - 01)));
        assert_eq!(r.ineffective_removals, [4, 5]);
    }

    #[test]
    fn objections_dispute_uphold_or_reject() {
        let base = vec![
            warning(1, date!(2025 - 01 - 10)),
            pointing(2, CreditEntryKind::ObjectionFiled, 1, date!(2025 - 02 - 01)),
        ];
        let r = at(&base, date!(2025 - 03 - 01));
        assert_eq!(
            (r.status, r.standing),
            (CreditStatus::Disputed, CreditStatus::Abnormal)
        );
        assert_eq!(r.code(), "CREDIT_DISPUTED");
        assert_eq!(r.pending_objections, [2]);

        let mut upheld = base.clone();
        upheld.push(pointing(
            3,
            CreditEntryKind::ObjectionUpheld,
            2,
            date!(2025 - 04 - 01),
        ));
        assert_eq!(
            at(&upheld, date!(2025 - 03 - 31)).status,
            CreditStatus::Disputed
        );
        let r = at(&upheld, date!(2025 - 04 - 01));
        assert_eq!(
            (r.status, r.standing),
            (CreditStatus::Good, CreditStatus::Good)
        );
        assert!(r.pending_objections.is_empty() && r.deciding_entries.is_empty());
        assert!(
            r.published_entries.is_empty(),
            "a void warning is not published"
        );

        let mut rejected = base.clone();
        rejected.push(pointing(
            3,
            CreditEntryKind::ObjectionRejected,
            2,
            date!(2025 - 04 - 01),
        ));
        let r = at(&rejected, date!(2025 - 04 - 01));
        assert_eq!(r.status, CreditStatus::Abnormal);
        assert_eq!(r.abnormal_since, Some(date!(2025 - 01 - 10)));
        assert!(r.pending_objections.is_empty());

        // Annulling the outcome reopens the objection.
        rejected.push(pointing(
            4,
            CreditEntryKind::Annulment,
            3,
            date!(2025 - 05 - 01),
        ));
        assert_eq!(
            at(&rejected, date!(2025 - 05 - 01)).status,
            CreditStatus::Disputed
        );
    }

    #[test]
    fn objection_against_an_old_entry_does_not_dispute_good_standing() {
        let entries = [
            warning(1, date!(2025 - 01 - 10)),
            removal(2, ListKind::Abnormal, 1, date!(2025 - 02 - 01)),
            pointing(3, CreditEntryKind::ObjectionFiled, 1, date!(2025 - 03 - 01)),
        ];
        let r = at(&entries, date!(2025 - 03 - 01));
        assert_eq!(r.status, CreditStatus::Good);
        assert_eq!(r.pending_objections, [3]);
    }

    #[test]
    fn annulment_voids_entirely() {
        let entries = [
            fine(1, "60000", date!(2025 - 01 - 10)),
            pointing(2, CreditEntryKind::Annulment, 1, date!(2025 - 06 - 01)),
        ];
        assert_eq!(
            at(&entries, date!(2025 - 05 - 31)).status,
            CreditStatus::Serious
        );
        let r = at(&entries, date!(2025 - 06 - 01));
        assert_eq!(r.status, CreditStatus::Good);
        assert!(r.published_entries.is_empty());
        // An annulled warning does not count toward repeats.
        let entries = [
            warning(1, date!(2024 - 01 - 10)),
            pointing(2, CreditEntryKind::Annulment, 1, date!(2024 - 02 - 01)),
            warning(3, date!(2024 - 06 - 01)),
        ];
        let r = at(&entries, date!(2024 - 07 - 01));
        assert_eq!(
            (r.status, r.abnormal_since),
            (CreditStatus::Abnormal, Some(date!(2024 - 06 - 01)))
        );
        assert_eq!(ids(&r.deciding_entries), [3]);
    }

    #[test]
    fn publication_period_and_repair() {
        let signed = entry(
            1,
            CreditEntryKind::CommitmentSigned,
            None,
            date!(2023 - 01 - 01),
        );
        let removed = [
            signed.clone(),
            warning(2, date!(2023 - 01 - 10)),
            removal(3, ListKind::Abnormal, 2, date!(2023 - 03 - 01)),
        ];
        assert_eq!(
            at(&removed, date!(2023 - 03 - 01)).published_entries,
            [1, 2]
        );
        assert_eq!(at(&removed, date!(2026 - 01 - 09)).published_entries, [2]);
        assert!(
            at(&removed, date!(2026 - 01 - 10))
                .published_entries
                .is_empty()
        );
        // Credit repair ends the publication of what it lifted.
        let repaired = [
            signed,
            warning(2, date!(2023 - 01 - 10)),
            repair(3, ListKind::Abnormal, 2, date!(2023 - 03 - 01)),
        ];
        assert_eq!(at(&repaired, date!(2023 - 03 - 01)).published_entries, [1]);
        // What keeps a subject listed stays published while listed.
        let listed = [serious(1, date!(2020 - 01 - 01))];
        assert_eq!(at(&listed, date!(2025 - 01 - 01)).published_entries, [1]);
        // With no publication period only what keeps the subject listed is published.
        let none = CreditRules {
            publication_months: 0,
            ..Default::default()
        };
        let signed = entry(
            1,
            CreditEntryKind::CommitmentSigned,
            None,
            date!(2023 - 01 - 01),
        );
        let entries = [signed, warning(2, date!(2023 - 01 - 10))];
        assert_eq!(
            credit_status(&entries, date!(2023 - 01 - 10), &none).published_entries,
            [2]
        );
    }

    #[test]
    fn rules_are_configurable_data() {
        let rules = CreditRules::default();
        assert_eq!(rules.serious_fine_threshold.to_string(), "50000.00");
        let json = serde_json::to_string(&rules).unwrap();
        assert!(
            json.contains("\"serious_fine_threshold\":\"50000.00\""),
            "{json}"
        );
        let strict: CreditRules =
            serde_json::from_str(r#"{"repeat_count":1,"abnormal_escalation_months":0}"#).unwrap();
        assert_eq!(strict.repeat_window_months, 36);
        let r = credit_status(
            &[warning(1, date!(2020 - 01 - 10))],
            date!(2025 - 01 - 01),
            &strict,
        );
        assert_eq!(r.status, CreditStatus::Serious, "one warning suffices");
        let lax = CreditRules {
            repeat_count: 0,
            abnormal_escalation_months: 0,
            ..Default::default()
        };
        let twice = [
            warning(1, date!(2020 - 01 - 10)),
            warning(2, date!(2020 - 02 - 10)),
        ];
        let r = credit_status(&twice, date!(2025 - 01 - 01), &lax);
        assert_eq!(
            (r.status, r.abnormal_escalates_on),
            (CreditStatus::Abnormal, None)
        );
    }

    #[test]
    fn report_serialises_dates_as_strings() {
        let r = at(&[serious(1, date!(2024 - 01 - 15))], date!(2025 - 01 - 01));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["serious_removable_from"], "2026-01-15");
        assert_eq!(json["status"], "serious");
        assert_eq!(
            serde_json::from_value::<CreditStatusReport>(json).unwrap(),
            r
        );
        let _ = SeriousCause::Other.zh();
    }

    /// Any entries, valid as a record or not: ids unique, pointers anywhere among them.
    fn any_entries() -> impl Strategy<Value = Vec<CreditEntry>> {
        let kind = prop_oneof![
            Just(CreditEntryKind::CommitmentSigned),
            Just(CreditEntryKind::Warning),
            (1i64..8_000_000).prop_map(|fen| CreditEntryKind::Fine {
                amount: Yuan::from_fen(fen).unwrap()
            }),
            Just(CreditEntryKind::AbnormalListing { cause: "x".into() }),
            Just(CreditEntryKind::SeriousListing {
                cause: SeriousCause::Other
            }),
            prop_oneof![Just(ListKind::Abnormal), Just(ListKind::Serious)]
                .prop_map(|list| CreditEntryKind::Removal { list }),
            prop_oneof![Just(ListKind::Abnormal), Just(ListKind::Serious)]
                .prop_map(|list| CreditEntryKind::Repair { list }),
            Just(CreditEntryKind::ObjectionFiled),
            Just(CreditEntryKind::ObjectionUpheld),
            Just(CreditEntryKind::ObjectionRejected),
            Just(CreditEntryKind::Annulment),
        ];
        proptest::collection::vec((kind, 0i64..3000, 0u64..24), 0..24).prop_map(|specs| {
            let n = specs.len() as u64;
            specs
                .into_iter()
                .enumerate()
                .map(|(i, (kind, offset, target))| {
                    let id = (i as u64 * 7 + 3) % 97;
                    let points_to = kind
                        .needs_pointer()
                        .then(|| (target % n.max(1) * 7 + 3) % 97);
                    let day = date!(2020 - 01 - 01) + time::Duration::days(offset);
                    entry(id, kind, points_to, day)
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn status_is_deterministic_and_order_independent(
            (entries, shuffled) in any_entries().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
            offset in 0i64..4000,
        ) {
            let as_of = date!(2020 - 01 - 01) + time::Duration::days(offset);
            let rules = CreditRules::default();
            let first = credit_status(&entries, as_of, &rules);
            prop_assert_eq!(&first, &credit_status(&entries, as_of, &rules));
            prop_assert_eq!(&first, &credit_status(&shuffled, as_of, &rules));
            prop_assert!(first.standing != CreditStatus::Disputed);
            prop_assert_eq!(first.deciding_entries.is_empty(), first.standing == CreditStatus::Good);
        }

        #[test]
        fn standing_is_the_report_s(entries in any_entries(), offset in 0i64..4000) {
            let as_of = date!(2020 - 01 - 01) + time::Duration::days(offset);
            let rules = CreditRules::default();
            let report = credit_status(&entries, as_of, &rules);
            let standing = credit_standing(&entries, as_of, &rules);
            prop_assert_eq!(standing, CreditStanding {
                status: report.status,
                standing: report.standing,
                deciding_entries: report.deciding_entries,
                pending_objections: report.pending_objections,
            });
        }
    }
}
