//! A worker's access log across the two audit chains: the register's (writes, and reads
//! recorded before the read log existed) and the read log's ([`crate::db::read_log`]).
//!
//! Each chain is read newest first by `seq` ([`super::store::access_log`]); [`merge`] takes
//! one page from the two, newest first by `at`, always taking the next entry of one chain
//! or the other in that chain's own order, so what a page took of each chain is a run of
//! it and [`Bounds`] (the lowest `seq` taken of each, carried in the cursor) resumes both
//! exactly: nothing is skipped or repeated, even if two entries of one chain were stamped
//! out of order.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::db::entities::audit_log;

/// Which chain an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum AuditChain {
    /// The register's chain: every write, and reads recorded before the read log.
    Register,
    /// The read log: reads of a worker's record by anyone but the worker.
    Reads,
}

/// Where the next page starts: entries of each chain below these sequence numbers (no
/// bound for a chain not yet paged through).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bounds {
    /// Below this `seq` in the register's chain.
    pub register: Option<i64>,
    /// Below this `seq` in the read log.
    pub reads: Option<i64>,
}

impl Bounds {
    /// The cursor text: `register.reads`, each empty when unbounded.
    pub fn encode(self) -> String {
        let part = |b: Option<i64>| b.map(|n| n.to_string()).unwrap_or_default();
        format!("{}.{}", part(self.register), part(self.reads))
    }

    /// The bounds of a cursor text; `None` if it is not one.
    pub fn decode(text: &str) -> Option<Self> {
        let (register, reads) = text.split_once('.')?;
        let part = |p: &str| -> Option<Option<i64>> {
            if p.is_empty() {
                Some(None)
            } else {
                p.parse::<i64>().ok().filter(|n| *n > 0).map(Some)
            }
        };
        Some(Self {
            register: part(register)?,
            reads: part(reads)?,
        })
    }
}

/// One page: entries newest first with their chain, and the bounds of the next page if
/// there is more.
pub type Page = (Vec<(AuditChain, audit_log::Model)>, Option<Bounds>);

/// Merges up to `limit` entries from `register` and `reads` (each newest first by `seq`,
/// each fetched below `bounds` with up to `limit + 1` rows), newest first by `at`.
pub fn merge(
    register: Vec<audit_log::Model>,
    reads: Vec<audit_log::Model>,
    bounds: Bounds,
    limit: usize,
) -> Page {
    let mut register = register.into_iter().peekable();
    let mut reads = reads.into_iter().peekable();
    let mut next = bounds;
    let mut items = Vec::with_capacity(limit);
    while items.len() < limit {
        let newer_read = match (register.peek(), reads.peek()) {
            (Some(a), Some(b)) => instant(b) > instant(a),
            (register_left, _) => register_left.is_none(),
        };
        let (chain, entry, bound) = if newer_read {
            (AuditChain::Reads, reads.next(), &mut next.reads)
        } else {
            (AuditChain::Register, register.next(), &mut next.register)
        };
        // Both chains empty: the reads' `next` is `None` too.
        let Some(entry) = entry else { break };
        *bound = Some(entry.seq);
        items.push((chain, entry));
    }
    let more = register.peek().is_some() || reads.peek().is_some();
    (items, more.then_some(next))
}

/// When an entry was recorded (its text as stored, in time order on both backends);
/// an unparsable time sorts as the oldest.
fn instant(m: &audit_log::Model) -> OffsetDateTime {
    OffsetDateTime::parse(&m.at, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, at: &str) -> audit_log::Model {
        audit_log::Model {
            seq,
            at: at.to_owned(),
            actor: "key:1".into(),
            role: "admin".into(),
            action: "get_worker".into(),
            resource: "worker".into(),
            resource_id: "w".into(),
            request_id: "r".into(),
            worker_id: Some("w".into()),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn seqs(page: &Page) -> Vec<(AuditChain, i64)> {
        page.0.iter().map(|(c, m)| (*c, m.seq)).collect()
    }

    #[test]
    fn pages_interleave_both_chains_by_time_and_resume_each() {
        use AuditChain::{Reads, Register};
        // SQLite stores `…:01.5Z` for `…:01.500000Z`: compared as times, not as text.
        let register = vec![
            entry(9, "2026-12-06T10:00:03Z"),
            entry(4, "2026-12-06T10:00:01.5Z"),
        ];
        let reads = vec![
            entry(30, "2026-12-06T10:00:02.25Z"),
            entry(29, "2026-12-06T10:00:01.25Z"),
            entry(28, "2026-12-06T10:00:00Z"),
        ];
        let page = merge(register, reads, Bounds::default(), 3);
        assert_eq!(seqs(&page), [(Register, 9), (Reads, 30), (Register, 4)]);
        let next = page.1.expect("more");
        assert_eq!(
            next,
            Bounds {
                register: Some(4),
                reads: Some(30)
            }
        );
        assert_eq!(Bounds::decode(&next.encode()), Some(next));
        // The next page, fetched below those bounds.
        let page = merge(
            vec![],
            vec![
                entry(29, "2026-12-06T10:00:01.25Z"),
                entry(28, "2026-12-06T10:00:00Z"),
            ],
            next,
            3,
        );
        assert_eq!(seqs(&page), [(Reads, 29), (Reads, 28)]);
        assert_eq!(page.1, None);
    }

    #[test]
    fn a_chain_not_yet_reached_keeps_no_bound() {
        let page = merge(
            vec![
                entry(5, "2026-12-06T10:00:05Z"),
                entry(4, "2026-12-06T10:00:04Z"),
            ],
            vec![entry(2, "2026-12-06T09:00:00Z")],
            Bounds::default(),
            1,
        );
        assert_eq!(
            page.1,
            Some(Bounds {
                register: Some(5),
                reads: None
            })
        );
        assert_eq!(
            Bounds::decode(".7"),
            Some(Bounds {
                register: None,
                reads: Some(7)
            })
        );
        for bad in ["", "7", "x.1", "1.-2", "0.", "1.2.3"] {
            assert_eq!(Bounds::decode(bad), None, "{bad}");
        }
    }
}
