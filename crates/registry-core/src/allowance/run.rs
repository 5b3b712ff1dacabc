//! Allowance runs: the decisions of a whole region for one month, summed and compared.
//!
//! A caller decides every worker (see [`super::decide`]), turns each decision into a
//! [`RunLine`] (worker and unit named by the caller's own keys), adds the lines to
//! [`RunTotals`] and, to compare a run with the previous run of the same region and month,
//! merges the two runs' lines (both sorted by worker key) with [`diff`]. The comparison can
//! be made chunk by chunk: [`diff`] over the lines of one range of worker keys gives exactly
//! the changes of that range, so memory stays bounded by the chunk.
//!
//! What counts as a change (see [`change_of`]): a worker who is paid now and was not (or was
//! not in the previous run) **gained**; one who was paid and is not now (or is no longer in
//! the region) **lost**; one paid in both with another amount **changed amount**. A worker
//! ineligible in both runs, or paid the same amount in both, did not change.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::Decision;
use crate::facts::FactKind;
use crate::level::Level;
use crate::money::Yuan;

/// The key of totals lines without a level or a unit.
pub const NONE_KEY: &str = "none";

/// One worker's decision in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLine {
    /// The caller's key of the worker; lines of a run are sorted by it.
    pub worker: String,
    /// Whether the allowance is owed for the month.
    pub eligible: bool,
    /// Yuan owed (zero when not eligible).
    pub amount: Yuan,
    /// The credential level the decision is based on.
    pub level: Option<Level>,
    /// The caller's key of the unit the decision rests on (see [`assignment_used`]).
    pub unit: Option<String>,
    /// The decision's reason codes, in the order the rules were applied.
    pub reasons: Vec<String>,
}

/// Counts and sums over a set of lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bucket {
    /// Workers decided.
    pub workers: u64,
    /// Workers owed the allowance.
    pub eligible: u64,
    /// Yuan owed, summed.
    pub amount: Yuan,
}

impl Bucket {
    fn add(&mut self, l: &RunLine) {
        self.workers += 1;
        if l.eligible {
            self.eligible += 1;
        }
        self.amount = self.amount.plus(l.amount);
    }
}

/// The totals of a run: overall, by level and by unit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunTotals {
    /// Every line.
    pub all: Bucket,
    /// By level code ([`NONE_KEY`] for lines without a level).
    pub by_level: BTreeMap<String, Bucket>,
    /// By unit key ([`NONE_KEY`] for lines without a unit).
    pub by_unit: BTreeMap<String, Bucket>,
}

impl RunTotals {
    /// Adds one line.
    pub fn add(&mut self, l: &RunLine) {
        self.all.add(l);
        let level = l.level.map_or(NONE_KEY, |v| v.code());
        self.by_level.entry(level.to_owned()).or_default().add(l);
        let unit = l.unit.as_deref().unwrap_or(NONE_KEY);
        self.by_unit.entry(unit.to_owned()).or_default().add(l);
    }
}

/// How a worker's line changed from the previous run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// Paid now, not before.
    Gained,
    /// Paid before, not now.
    Lost,
    /// Paid in both runs, another amount.
    AmountChanged,
}

impl ChangeKind {
    /// Stable code: `gained`, `lost`, `amount_changed`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Gained => "gained",
            Self::Lost => "lost",
            Self::AmountChanged => "amount_changed",
        }
    }
}

/// One worker whose line changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The worker's key.
    pub worker: String,
    /// What changed.
    pub kind: ChangeKind,
    /// The line in the previous run, if the worker was in it.
    pub before: Option<RunLine>,
    /// The line in this run, if the worker is in it.
    pub after: Option<RunLine>,
}

/// The change between a worker's previous and current line, if any (see the module docs).
pub fn change_of(before: Option<&RunLine>, after: Option<&RunLine>) -> Option<ChangeKind> {
    let paid_before = before.filter(|l| l.eligible);
    let paid_now = after.filter(|l| l.eligible);
    match (paid_before, paid_now) {
        (None, Some(_)) => Some(ChangeKind::Gained),
        (Some(_), None) => Some(ChangeKind::Lost),
        (Some(b), Some(a)) if b.amount != a.amount => Some(ChangeKind::AmountChanged),
        _ => None,
    }
}

fn changed(before: Option<&RunLine>, after: Option<&RunLine>, out: &mut Vec<Change>) {
    if let Some(kind) = change_of(before, after) {
        let worker = after
            .or(before)
            .map(|l| l.worker.clone())
            .unwrap_or_default();
        out.push(Change {
            worker,
            kind,
            before: before.cloned(),
            after: after.cloned(),
        });
    }
}

/// The changes from `before` to `after`, both sorted by worker key (merged in one pass), in
/// worker order.
pub fn diff(before: &[RunLine], after: &[RunLine]) -> Vec<Change> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    loop {
        match (before.get(i), after.get(j)) {
            (None, None) => break,
            (Some(b), None) => {
                changed(Some(b), None, &mut out);
                i += 1;
            }
            (None, Some(a)) => {
                changed(None, Some(a), &mut out);
                j += 1;
            }
            (Some(b), Some(a)) => match b.worker.cmp(&a.worker) {
                Ordering::Less => {
                    changed(Some(b), None, &mut out);
                    i += 1;
                }
                Ordering::Greater => {
                    changed(None, Some(a), &mut out);
                    j += 1;
                }
                Ordering::Equal => {
                    changed(Some(b), Some(a), &mut out);
                    i += 1;
                    j += 1;
                }
            },
        }
    }
    out
}

/// The assignment a decision rests on: the first assignment among the facts it used (its
/// post's unit is the unit a run counts the worker under).
pub fn assignment_used(d: &Decision) -> Option<u64> {
    d.facts_used()
        .into_iter()
        .find(|f| f.kind == FactKind::Assignment)
        .map(|f| f.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(worker: &str, eligible: bool, fen: i64, level: Option<Level>) -> RunLine {
        RunLine {
            worker: worker.to_owned(),
            eligible,
            amount: Yuan::from_fen(fen).unwrap(),
            level,
            unit: eligible.then(|| "u1".to_owned()),
            reasons: vec![],
        }
    }

    #[test]
    fn totals_by_level_and_unit() {
        let mut t = RunTotals::default();
        for l in [
            line("a", true, 80_000, Some(Level::Assistant)),
            line("b", true, 100_050, Some(Level::Intermediate)),
            line("c", false, 0, None),
            line("d", true, 80_000, Some(Level::Assistant)),
        ] {
            t.add(&l);
        }
        assert_eq!(t.all.workers, 4);
        assert_eq!(t.all.eligible, 3);
        assert_eq!(t.all.amount.to_fen(), 260_050);
        let assistant = t.by_level["assistant"];
        assert_eq!((assistant.workers, assistant.amount.to_fen()), (2, 160_000));
        assert_eq!(t.by_level[NONE_KEY].workers, 1);
        assert_eq!(t.by_unit["u1"].amount.to_fen(), 260_050);
        assert_eq!(t.by_unit[NONE_KEY].eligible, 0);
    }

    #[test]
    fn change_kinds() {
        let paid = line("a", true, 80_000, Some(Level::Assistant));
        let more = line("a", true, 100_000, Some(Level::Intermediate));
        let unpaid = line("a", false, 0, None);
        assert_eq!(change_of(None, Some(&paid)), Some(ChangeKind::Gained));
        assert_eq!(
            change_of(Some(&unpaid), Some(&paid)),
            Some(ChangeKind::Gained)
        );
        assert_eq!(
            change_of(Some(&paid), Some(&unpaid)),
            Some(ChangeKind::Lost)
        );
        assert_eq!(change_of(Some(&paid), None), Some(ChangeKind::Lost));
        assert_eq!(
            change_of(Some(&paid), Some(&more)),
            Some(ChangeKind::AmountChanged)
        );
        assert_eq!(change_of(Some(&paid), Some(&paid)), None);
        assert_eq!(change_of(Some(&unpaid), None), None);
        assert_eq!(change_of(None, Some(&unpaid)), None);
    }

    #[test]
    fn diff_merges_sorted_runs() {
        let before = vec![
            line("a", true, 80_000, None),
            line("b", true, 80_000, None),
            line("c", false, 0, None),
            line("e", true, 80_000, None),
        ];
        let after = vec![
            line("a", true, 80_000, None),
            line("b", true, 90_000, None),
            line("c", true, 80_000, None),
            line("d", true, 80_000, None),
        ];
        let got: Vec<(String, ChangeKind)> = diff(&before, &after)
            .into_iter()
            .map(|c| (c.worker, c.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                ("b".to_owned(), ChangeKind::AmountChanged),
                ("c".to_owned(), ChangeKind::Gained),
                ("d".to_owned(), ChangeKind::Gained),
                ("e".to_owned(), ChangeKind::Lost),
            ]
        );
        assert!(diff(&after, &after).is_empty());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn lines() -> impl Strategy<Value = Vec<RunLine>> {
            proptest::collection::btree_map(0u16..60, (any::<bool>(), 0i64..5), 0..40).prop_map(
                |m| {
                    m.into_iter()
                        .map(|(k, (e, a))| {
                            line(&format!("w{k:03}"), e, if e { a * 100 } else { 0 }, None)
                        })
                        .collect()
                },
            )
        }

        proptest! {
            /// The merge gives exactly the workers whose pairwise change is some, and
            /// splitting both runs at any key gives the same changes chunk by chunk.
            #[test]
            fn diff_is_pairwise_and_chunkable(before in lines(), after in lines(), cut in 0u16..60) {
                let all = diff(&before, &after);
                let find = |v: &[RunLine], w: &str| v.iter().find(|l| l.worker == w).cloned();
                let mut keys: Vec<String> = before.iter().chain(&after).map(|l| l.worker.clone()).collect();
                keys.sort();
                keys.dedup();
                let expected: Vec<(String, ChangeKind)> = keys
                    .iter()
                    .filter_map(|k| change_of(find(&before, k).as_ref(), find(&after, k).as_ref()).map(|c| (k.clone(), c)))
                    .collect();
                let got: Vec<(String, ChangeKind)> = all.iter().map(|c| (c.worker.clone(), c.kind)).collect();
                prop_assert_eq!(&got, &expected);
                let key = format!("w{cut:03}");
                let split = |v: &[RunLine]| {
                    let n = v.partition_point(|l| l.worker <= key);
                    (v[..n].to_vec(), v[n..].to_vec())
                };
                let (b1, b2) = split(&before);
                let (a1, a2) = split(&after);
                let mut chunked = diff(&b1, &a1);
                chunked.extend(diff(&b2, &a2));
                prop_assert_eq!(chunked, all);
            }

            /// Totals equal the sums of the lines, whatever the order they are added in.
            #[test]
            fn totals_are_sums(mut ls in lines()) {
                let mut t = RunTotals::default();
                for l in &ls { t.add(l); }
                let sum: i64 = ls.iter().map(|l| l.amount.to_fen()).sum();
                prop_assert_eq!(t.all.amount.to_fen(), sum);
                prop_assert_eq!(t.all.workers, ls.len() as u64);
                let level_sum: i64 = t.by_level.values().map(|b| b.amount.to_fen()).sum();
                prop_assert_eq!(level_sum, sum);
                ls.reverse();
                let mut r = RunTotals::default();
                for l in &ls { r.add(l); }
                prop_assert_eq!(r, t);
            }
        }
    }
}
