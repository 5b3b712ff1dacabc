//! Making a run: every worker of the region decided by core `decide`, chunk by chunk (the
//! set-oriented loader in `crate::decisions::bulk`), each chunk's lines stored and compared
//! with the previous run's lines of the same worker-id range (core `run::diff`), the totals
//! summed by core `RunTotals`, and the run row written last. Runs inside the create's
//! transaction, so the snapshot is all or nothing and reads one consistent register.
//!
//! Pipelined: while one chunk is decoded, assembled and decided on the blocking pool, the
//! previous chunk's lines are stored and the next chunk's rows are read, so the database's
//! work and the decisions overlap on two cores.
//! Chunks are still stored and compared in worker order; a failure anywhere fails the run.

use std::collections::BTreeSet;
use std::sync::Arc;

use registry_core::Explain;
use registry_core::allowance::run::{self, Change, RunLine, RunTotals};
use registry_core::allowance::{PolicySet, decide};
use registry_core::calendar::YearMonth;
use registry_core::ids::RegionCode;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use super::api::{RunPolicy, StoredTotals};
use super::lines::{self, Item};
use super::store;
use crate::db::entities::{allowance_run, allowance_run_change};
use crate::db::now_utc;
use crate::decisions::bulk::{CHUNK, RawRows, next_workers, read_rows};
use crate::decisions::facts::{WorkerHead, assemble};
use crate::problem::ApiError;

fn json<T: serde::Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(ApiError::internal)
}

/// What the run has counted so far.
#[derive(Default)]
struct Tally {
    totals: RunTotals,
    stored: StoredTotals,
    changes: i64,
    policies: BTreeSet<(String, u32)>,
}

impl Tally {
    async fn record<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        run_id: &str,
        changes: Vec<Change>,
    ) -> Result<(), ApiError> {
        let mut rows = Vec::with_capacity(changes.len());
        for c in changes {
            match c.kind {
                run::ChangeKind::Gained => self.stored.gained += 1,
                run::ChangeKind::Lost => self.stored.lost += 1,
                run::ChangeKind::AmountChanged => self.stored.amount_changed += 1,
            }
            self.changes += 1;
            rows.push(allowance_run_change::ActiveModel {
                run_id: Set(run_id.to_owned()),
                worker_id: Set(c.worker),
                kind: Set(c.kind.code().to_owned()),
                before_amount_fen: Set(c.before.as_ref().map(|l| l.amount.to_fen())),
                after_amount_fen: Set(c.after.as_ref().map(|l| l.amount.to_fen())),
                before_reasons: Set(c.before.as_ref().map(|l| json(&l.reasons)).transpose()?),
                after_reasons: Set(c.after.as_ref().map(|l| json(&l.reasons)).transpose()?),
            });
        }
        store::insert_changes(conn, rows).await?;
        Ok(())
    }
}

/// One chunk of the region as read: its workers and their rows, undecoded.
struct Chunk {
    workers: Vec<WorkerHead>,
    raw: RawRows,
    last: String,
}

/// The chunk after the worker id `after`, if any worker is left.
async fn fetch<C: ConnectionTrait>(
    conn: &C,
    region: &RegionCode,
    after: Option<&str>,
    chunk: u64,
) -> Result<Option<Chunk>, ApiError> {
    let workers = next_workers(conn, region, after, chunk).await?;
    let Some(last) = workers.last().map(|w| w.id.clone()) else {
        return Ok(None);
    };
    let raw = read_rows(conn, &workers).await?;
    Ok(Some(Chunk { workers, raw, last }))
}

/// Computes and stores the run `id` of `region` and `month` by `by`, comparing it with the
/// latest earlier run of the same region and month, [`CHUNK`] workers at a time; returns the
/// run row.
pub async fn make_run<C: ConnectionTrait>(
    conn: &C,
    id: String,
    region: &RegionCode,
    month: YearMonth,
    by: &str,
) -> Result<allowance_run::Model, ApiError> {
    make_run_in_chunks(conn, id, region, month, by, CHUNK).await
}

/// [`make_run`] with `chunk` workers per chunk (the result does not depend on it; tests use
/// tiny chunks to cross chunk boundaries with a small register).
pub async fn make_run_in_chunks<C: ConnectionTrait>(
    conn: &C,
    id: String,
    region: &RegionCode,
    month: YearMonth,
    by: &str,
    chunk: u64,
) -> Result<allowance_run::Model, ApiError> {
    let (set, _) = crate::policies::store::policy_set(conn).await?;
    let set = Arc::new(set);
    let previous = store::latest(conn, region.as_str(), &month.to_string()).await?;
    let prev_id = previous.as_ref().map(|p| p.id.clone());
    let mut tally = Tally::default();
    let mut after: Option<String> = None;
    let mut next = fetch(conn, region, None, chunk).await?;
    // Lines decided but not stored yet: stored while the next chunk is decided.
    let mut unstored: Vec<Item> = Vec::new();
    while let Some(part) = next.take() {
        let last = part.last.clone();
        let job = {
            let (set, run_id) = (Arc::clone(&set), id.clone());
            tokio::task::spawn_blocking(move || decide_chunk(&run_id, &set, month, part))
        };
        let io = async {
            lines::insert(conn, std::mem::take(&mut unstored)).await?;
            fetch(conn, region, Some(&last), chunk).await
        };
        let (decided, fetched) = tokio::join!(job, io);
        let decided = decided.map_err(ApiError::internal)??;
        next = fetched?;
        for line in &decided.lines {
            tally.totals.add(line);
        }
        tally.policies.extend(decided.policies);
        unstored = decided.items;
        // The first run of a region and month has nothing to compare with.
        if let Some(p) = &prev_id {
            let before = lines::read(conn, p, after.as_deref(), Some(&last), None).await?;
            tally
                .record(conn, &id, run::diff(&before, &decided.lines))
                .await?;
        }
        after = Some(last);
    }
    lines::insert(conn, unstored).await?;
    // Workers of the previous run no longer in the region.
    if let Some(p) = &prev_id {
        loop {
            let before = lines::read(conn, p, after.as_deref(), None, Some(chunk)).await?;
            let Some(last) = before.last().map(|l| l.worker.clone()) else {
                break;
            };
            tally.record(conn, &id, run::diff(&before, &[])).await?;
            after = Some(last);
        }
    }
    let policies: Vec<RunPolicy> = tally
        .policies
        .iter()
        .map(|(policy_id, version)| RunPolicy {
            policy_id: policy_id.clone(),
            version: *version,
        })
        .collect();
    let stored = StoredTotals {
        gained: tally.stored.gained,
        lost: tally.stored.lost,
        amount_changed: tally.stored.amount_changed,
        ..StoredTotals::new(&tally.totals)
    };
    let all = tally.totals.all;
    let row = allowance_run::ActiveModel {
        id: Set(id),
        region_code: Set(region.as_str().to_owned()),
        month: Set(month.to_string()),
        status: Set("open".to_owned()),
        version: Set(1),
        previous_run_id: Set(prev_id),
        policies: Set(json(&policies)?),
        totals: Set(json(&stored)?),
        workers: Set(i64::try_from(all.workers).map_err(ApiError::internal)?),
        eligible: Set(i64::try_from(all.eligible).map_err(ApiError::internal)?),
        amount_fen: Set(all.amount.to_fen()),
        changes: Set(tally.changes),
        created_at: Set(now_utc()),
        created_by: Set(by.to_owned()),
        signed_off_at: Set(None),
        signed_off_by: Set(None),
    };
    Ok(sea_orm::ActiveModelTrait::insert(row, conn).await?)
}

/// One decided chunk: core lines (for totals and the diff), the rows to store and the
/// policy versions used.
struct Decided {
    lines: Vec<RunLine>,
    items: Vec<Item>,
    policies: BTreeSet<(String, u32)>,
}

/// Decodes, assembles and decides one chunk (no I/O; runs on the blocking pool, which also
/// frees the chunk's rows).
fn decide_chunk(
    run_id: &str,
    set: &PolicySet,
    month: YearMonth,
    chunk: Chunk,
) -> Result<Decided, ApiError> {
    let (rows, places) = chunk.raw.decode(&chunk.workers)?;
    let n = chunk.workers.len();
    let mut out = Decided {
        lines: Vec::with_capacity(n),
        items: Vec::with_capacity(n),
        policies: BTreeSet::new(),
    };
    for (w, r) in chunk.workers.iter().zip(&rows) {
        let f = assemble(w, r, &places)?;
        let d = decide(&f.facts, set, month);
        let unit = run::assignment_used(&d).and_then(|a| f.assignment_units.get(&a).cloned());
        let line = RunLine {
            worker: w.id.clone(),
            eligible: d.eligible,
            amount: d.amount,
            level: d.level,
            unit: unit.clone(),
            reasons: d.reasons.iter().map(|r| r.code.code().to_owned()).collect(),
        };
        if let Some(p) = &d.policy {
            out.policies.insert((p.id.to_string(), p.version));
        }
        out.items.push(Item {
            run_id: run_id.to_owned(),
            worker_id: w.id.clone(),
            eligible: line.eligible,
            amount_fen: line.amount.to_fen(),
            level: line.level.map(|l| l.code()),
            policy_id: d.policy.as_ref().map(|p| p.id.to_string()),
            policy_version: d
                .policy
                .as_ref()
                .map(|p| i32::try_from(p.version))
                .transpose()
                .map_err(ApiError::internal)?,
            unit_id: unit,
            reasons: json(&line.reasons)?,
        });
        out.lines.push(line);
    }
    Ok(out)
}
