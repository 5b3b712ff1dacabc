//! Making a run: every worker of the region decided by core `decide`, chunk by chunk (the
//! set-oriented loader in `crate::decisions::bulk`), each chunk's lines stored and compared
//! with the previous run's lines of the same worker-id range (core `run::diff`), the totals
//! summed by core `RunTotals`. Two steps:
//! - [`compute`] reads one consistent register, a snapshot ([`begin_snapshot`]: every
//!   statement reads the register as it was at the run's first read), and stores the lines
//!   and changes under the new run's id a statement at a time, each its own commit. No
//!   transaction is held open for writing, so on SQLite other writers and the read-audit
//!   writer take the write lock between two chunks instead of waiting for the whole run
//!   (a 1M-worker run used to hold it for 16 s, and they answered 503 after 5 s).
//! - [`publish`], inside the create's transaction with its audit entry, inserts the run
//!   row, which is what makes the lines visible: every query of runs starts from the row
//!   (`store`, `routes`), so a run being computed, or one that failed, is seen by nobody.
//!   It refuses (409) if another run of the same region and month was published meanwhile.
//!
//! A run that fails or is refused is [`discard`](super::unpublished::discard)ed: its rows are deleted, which the tables'
//! triggers allow only while no run row names them; those of a process that stopped
//! mid-run are [`sweep`](super::unpublished::sweep)ed when the service starts, once a day old. On an in-memory SQLite
//! database (one connection) the snapshot's transaction also stores the lines and commits
//! them.
//!
//! Pipelined: while one chunk is decoded, assembled and decided on the blocking pool, one
//! exchange with the database stores the previous chunk's lines (on a pooled connection)
//! while it reads the next chunk's rows and pages the chunk after it (on the snapshot's);
//! the reads are one multi-statement text (`crate::db::script`), so sqlx's connection
//! thread runs them back to back without waiting for the async side between statements,
//! and the database's work and the decisions overlap on two cores. The lines go as one JSON
//! document built by the deciding thread ([`LinesDoc`]). Chunks are still stored and
//! compared in worker order; a failure anywhere fails the run.

use std::collections::BTreeSet;
use std::sync::Arc;

use registry_core::Explain;
use registry_core::allowance::run::{self, Change, RunLine, RunTotals};
use registry_core::allowance::{PolicySet, decide};
use registry_core::calendar::YearMonth;
use registry_core::ids::RegionCode;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
};

use super::api::{RunPolicy, StoredTotals};
use super::lines::{self, LineCells, LinesDoc};
use super::store;
use crate::audit::lock_appends;
use crate::db::entities::{allowance_run, allowance_run_change};
use crate::db::script::Script;
use crate::db::{begin_snapshot, now_utc};
use crate::decisions::bulk::{
    ROW_DOCUMENTS, RawRows, decode_heads, next_workers, rows_parts, workers_page_part,
};
use crate::decisions::facts::{WorkerHead, assemble};
use crate::decisions::json_rows::document;
use crate::problem::{ApiError, ProblemKind};

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
}

/// What one exchange with the database brings back: the rows of the workers it was asked
/// to read, and the next page of workers.
struct Fetched {
    raw: Option<RawRows>,
    page: Vec<WorkerHead>,
}

/// Where a run writes its lines and changes, and where it reads the register from.
struct Conns<'a, W> {
    /// Each statement its own commit (the pool), or `read` itself on a one-connection
    /// database.
    write: &'a W,
    /// The run's read snapshot ([`begin_snapshot`]).
    read: &'a DatabaseTransaction,
    /// `write` is `read`'s connection: one [`Script`] stores and reads.
    one: bool,
}

/// One exchange with the database: stores `store` as lines of `run_id`, reads the rows of
/// `read`, and — when `read` is a full page of `chunk` workers — reads the page after it. On
/// one connection that is one [`Script`] (one round trip on SQLite); on two, the lines are
/// stored while the rows are read.
async fn exchange<W: ConnectionTrait>(
    conns: &Conns<'_, W>,
    run_id: &str,
    region: &RegionCode,
    chunk: u64,
    store: Option<&LinesDoc>,
    read: &[WorkerHead],
) -> Result<Fetched, ApiError> {
    let backend = conns.read.get_database_backend();
    let mut script = Script::new();
    let stored = match store {
        Some(doc) if conns.one => {
            script.push(doc.insert_part(backend, run_id));
            None
        }
        other => other,
    };
    if !read.is_empty() {
        for part in rows_parts(backend, read.iter().map(|w| w.id.as_str()))? {
            script.push(part);
        }
    }
    let next_page = match read.last() {
        Some(last) if read.len() as u64 == chunk => {
            script.push(workers_page_part(backend, region, Some(&last.id), chunk)?);
            true
        }
        _ => false,
    };
    let store = async {
        match stored {
            Some(doc) => doc.insert(conns.write, run_id).await,
            None => Ok(()),
        }
    };
    let (stored, results) = tokio::join!(store, script.run(conns.read));
    stored?;
    let results = results?;
    let read_docs = if read.is_empty() { 0 } else { ROW_DOCUMENTS };
    let (docs, rest) = results.split_at(read_docs.min(results.len()));
    let raw = (!read.is_empty())
        .then(|| RawRows::from_results(docs))
        .transpose()?;
    let page = match (next_page, rest) {
        (true, [row]) => decode_heads(&document(row)?)?,
        (false, []) => Vec::new(),
        _ => return Err(ApiError::internal("unexpected rows from a run's exchange")),
    };
    Ok(Fetched { raw, page })
}

/// A run computed and stored but not yet published: its lines and changes are in the
/// database under its id, and nothing shows them until [`publish`] inserts its row.
#[derive(Debug)]
pub struct Computed {
    row: allowance_run::ActiveModel,
    region: String,
    month: String,
    previous_run_id: Option<String>,
}

/// Whether `db` is a one-connection database (an in-memory SQLite database), where the run
/// must read and write on the same connection.
fn one_connection(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Sqlite
        && db
            .get_sqlite_connection_pool()
            .options()
            .get_max_connections()
            <= 1
}

/// Computes the run `id` of `region` and `month` by `by` and stores its lines and its
/// changes from the latest earlier run of the same region and month, `chunk` workers at a
/// time ([`CHUNK`](crate::decisions::bulk::CHUNK) in the service; the result does not
/// depend on it, and tests use tiny chunks to cross chunk boundaries with a small
/// register). Reads one consistent register, a snapshot ([`begin_snapshot`]), and
/// stores through `db`, a statement at a time, outside any long transaction: other writers
/// (and, on SQLite, the read-audit writer) go on meanwhile. The stored rows stay invisible
/// until [`publish`]; on failure, [`discard`](super::unpublished::discard) removes them.
pub async fn compute(
    db: &DatabaseConnection,
    id: String,
    region: &RegionCode,
    month: YearMonth,
    by: &str,
    chunk: u64,
) -> Result<Computed, ApiError> {
    let snapshot = begin_snapshot(db).await?;
    if one_connection(db) {
        let conns = Conns {
            write: &snapshot,
            read: &snapshot,
            one: true,
        };
        let computed = compute_in(&conns, id, region, month, by, chunk).await?;
        snapshot.commit().await?;
        return Ok(computed);
    }
    let conns = Conns {
        write: db,
        read: &snapshot,
        one: false,
    };
    let computed = compute_in(&conns, id, region, month, by, chunk).await;
    // Read-only: ending it either way changes nothing.
    snapshot.rollback().await?;
    computed
}

/// Publishes a [`Computed`] run inside `txn` (a write transaction): its row, which makes its
/// lines and changes visible. A 409 if another run of the same region and month was
/// published while this one was computed (its differences would no longer be from the
/// latest run); the caller then [`discard`](super::unpublished::discard)s it.
pub async fn publish(
    txn: &DatabaseTransaction,
    run: Computed,
) -> Result<allowance_run::Model, ApiError> {
    // On PostgreSQL two publishes of one region and month could otherwise both see the same
    // latest run; on SQLite the write transaction already serialises them.
    lock_appends(txn).await?;
    let latest = store::latest(txn, &run.region, &run.month).await?;
    if latest.map(|m| m.id) != run.previous_run_id {
        return Err(ApiError::new(
            ProblemKind::Conflict,
            format!(
                "another allowance run of region_code {} and month {} was made while this \
                 one was computed: run it again to compare with that one",
                run.region, run.month
            ),
        ));
    }
    Ok(sea_orm::ActiveModelTrait::insert(run.row, txn).await?)
}

/// The run, written through `conns.write` and read through `conns.read`.
async fn compute_in<W: ConnectionTrait>(
    conns: &Conns<'_, W>,
    id: String,
    region: &RegionCode,
    month: YearMonth,
    by: &str,
    chunk: u64,
) -> Result<Computed, ApiError> {
    let (conn, read) = (conns.write, conns.read);
    let (set, _) = crate::policies::store::policy_set(read).await?;
    let set = Arc::new(set);
    let previous = store::latest(read, region.as_str(), &month.to_string()).await?;
    let prev_id = previous.as_ref().map(|p| p.id.clone());
    let mut tally = Tally::default();
    let mut after: Option<String> = None;
    // The pipeline: chunk k is decided on the blocking pool while one exchange stores the
    // lines of chunk k-1, reads the rows of chunk k+1 and pages chunk k+2.
    let first = next_workers(read, region, None, chunk).await?;
    let fetched = exchange(conns, &id, region, chunk, None, &first).await?;
    let mut next = fetched.raw.map(|raw| Chunk {
        workers: first,
        raw,
    });
    let mut upcoming = fetched.page;
    // Lines decided but not stored yet: stored while the next chunk is decided.
    let mut unstored: Option<LinesDoc> = None;
    while let Some(part) = next.take() {
        let last = part
            .workers
            .last()
            .map(|w| w.id.clone())
            .unwrap_or_default();
        let job = {
            let set = Arc::clone(&set);
            tokio::task::spawn_blocking(move || decide_chunk(&set, month, part))
        };
        let io = exchange(conns, &id, region, chunk, unstored.as_ref(), &upcoming);
        let (decided, fetched) = tokio::join!(job, io);
        let decided = decided.map_err(ApiError::internal)??;
        let fetched = fetched?;
        let workers = std::mem::replace(&mut upcoming, fetched.page);
        next = fetched.raw.map(|raw| Chunk { workers, raw });
        for line in &decided.lines {
            tally.totals.add(line);
        }
        tally.policies.extend(decided.policies);
        unstored = Some(decided.doc);
        // The first run of a region and month has nothing to compare with.
        if let Some(p) = &prev_id {
            let before = lines::read(read, p, after.as_deref(), Some(&last), None).await?;
            tally
                .record(conn, &id, run::diff(&before, &decided.lines))
                .await?;
        }
        after = Some(last);
    }
    if let Some(doc) = unstored {
        doc.insert(conn, &id).await?;
    }
    // Workers of the previous run no longer in the region.
    if let Some(p) = &prev_id {
        loop {
            let before = lines::read(read, p, after.as_deref(), None, Some(chunk)).await?;
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
        id: Set(id.clone()),
        region_code: Set(region.as_str().to_owned()),
        month: Set(month.to_string()),
        status: Set("open".to_owned()),
        version: Set(1),
        previous_run_id: Set(prev_id.clone()),
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
    Ok(Computed {
        row,
        region: region.as_str().to_owned(),
        month: month.to_string(),
        previous_run_id: prev_id,
    })
}

/// One decided chunk: core lines (for totals and the diff), the lines to store and the
/// policy versions used.
struct Decided {
    lines: Vec<RunLine>,
    doc: LinesDoc,
    policies: BTreeSet<(String, u32)>,
}

/// Decodes, assembles and decides one chunk (no I/O; runs on the blocking pool, which also
/// frees the chunk's rows).
fn decide_chunk(set: &PolicySet, month: YearMonth, chunk: Chunk) -> Result<Decided, ApiError> {
    let (rows, places) = chunk
        .raw
        .decode(chunk.workers.iter().map(|w| w.id.as_str()))?;
    let n = chunk.workers.len();
    let mut lines = Vec::with_capacity(n);
    let mut used = Vec::with_capacity(n);
    let mut policies = BTreeSet::new();
    for (w, r) in chunk.workers.iter().zip(&rows) {
        let f = assemble(w, r, &places)?;
        let d = decide(&f.facts, set, month);
        let unit = run::assignment_used(&d).and_then(|a| f.assignment_units.get(&a).cloned());
        let policy = match &d.policy {
            Some(p) => {
                let id = p.id.to_string();
                policies.insert((id.clone(), p.version));
                Some((id, i32::try_from(p.version).map_err(ApiError::internal)?))
            }
            None => None,
        };
        lines.push(RunLine {
            worker: w.id.clone(),
            eligible: d.eligible,
            amount: d.amount,
            level: d.level,
            unit,
            reasons: d.reasons.iter().map(|r| r.code.code().to_owned()).collect(),
        });
        used.push(policy);
    }
    let reasons = lines
        .iter()
        .map(|l| json(&l.reasons))
        .collect::<Result<Vec<_>, _>>()?;
    let cells: Vec<LineCells<'_>> = lines
        .iter()
        .zip(&used)
        .zip(&reasons)
        .map(|((l, p), reasons)| {
            (
                l.worker.as_str(),
                l.eligible,
                l.amount.to_fen(),
                l.level.map(|v| v.code()),
                p.as_ref().map(|(id, _)| id.as_str()),
                p.as_ref().map(|(_, v)| *v),
                l.unit.as_deref(),
                reasons.as_str(),
            )
        })
        .collect();
    let doc = LinesDoc::new(&cells)?;
    Ok(Decided {
        lines,
        doc,
        policies,
    })
}
