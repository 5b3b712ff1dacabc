//! Making a run: every worker of the region decided by core `decide`, chunk by chunk (the
//! set-oriented loader in `crate::decisions::bulk`), each chunk's lines stored and compared
//! with the previous run's lines of the same worker-id range (core `run::diff`), the totals
//! summed by core `RunTotals`, and the run row written last. Runs inside the create's
//! transaction, so the snapshot is all or nothing and reads one consistent register.

use std::collections::BTreeSet;

use registry_core::Explain;
use registry_core::allowance::run::{self, Change, RunLine, RunTotals};
use registry_core::allowance::{PolicySet, decide};
use registry_core::calendar::YearMonth;
use registry_core::ids::RegionCode;
use registry_core::level::Level;
use registry_core::money::Yuan;
use sea_orm::{ActiveValue::Set, ConnectionTrait};

use super::api::{RunPolicy, StoredTotals};
use super::store;
use crate::db::entities::{allowance_run, allowance_run_change, allowance_run_item};
use crate::db::now_utc;
use crate::decisions::bulk::{CHUNK, load_chunk, next_workers};
use crate::problem::ApiError;

/// A stored line as a core line.
fn line_of(m: &allowance_run_item::Model) -> Result<RunLine, ApiError> {
    Ok(RunLine {
        worker: m.worker_id.clone(),
        eligible: m.eligible,
        amount: Yuan::from_fen(m.amount_fen).map_err(ApiError::internal)?,
        level: m
            .level
            .as_deref()
            .map(Level::parse)
            .transpose()
            .map_err(ApiError::internal)?,
        unit: m.unit_id.clone(),
        reasons: serde_json::from_str(&m.reasons).map_err(ApiError::internal)?,
    })
}

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

/// Computes and stores the run `id` of `region` and `month` by `by`, comparing it with the
/// latest earlier run of the same region and month; returns the run row.
pub async fn make_run<C: ConnectionTrait>(
    conn: &C,
    id: String,
    region: &RegionCode,
    month: YearMonth,
    by: &str,
) -> Result<allowance_run::Model, ApiError> {
    let (set, _) = crate::policies::store::policy_set(conn).await?;
    let previous = store::latest(conn, region.as_str(), &month.to_string()).await?;
    let prev_id = previous.as_ref().map(|p| p.id.clone());
    let mut tally = Tally::default();
    let mut after: Option<String> = None;
    loop {
        let workers = next_workers(conn, region, after.as_deref(), CHUNK).await?;
        let Some(last) = workers.last().map(|w| w.id.clone()) else {
            break;
        };
        let loaded = load_chunk(conn, &workers).await?;
        let (lines, items) = decide_chunk(&id, &set, month, &workers, &loaded, &mut tally)?;
        store::insert_items(conn, items).await?;
        // The first run of a region and month has nothing to compare with.
        if let Some(p) = &prev_id {
            let before = store::items(conn, p, after.as_deref(), Some(&last), None)
                .await?
                .iter()
                .map(line_of)
                .collect::<Result<Vec<_>, _>>()?;
            tally.record(conn, &id, run::diff(&before, &lines)).await?;
        }
        after = Some(last);
    }
    // Workers of the previous run no longer in the region.
    if let Some(p) = &prev_id {
        loop {
            let rest = store::items(conn, p, after.as_deref(), None, Some(CHUNK)).await?;
            let Some(last) = rest.last().map(|m| m.worker_id.clone()) else {
                break;
            };
            let before = rest.iter().map(line_of).collect::<Result<Vec<_>, _>>()?;
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

type Decided = (Vec<RunLine>, Vec<allowance_run_item::ActiveModel>);

/// Decides one chunk: core lines (for totals and the diff) and the rows to store.
fn decide_chunk(
    run_id: &str,
    set: &PolicySet,
    month: YearMonth,
    workers: &[crate::decisions::facts::WorkerHead],
    loaded: &[crate::decisions::facts::LoadedFacts],
    tally: &mut Tally,
) -> Result<Decided, ApiError> {
    let mut lines = Vec::with_capacity(workers.len());
    let mut items = Vec::with_capacity(workers.len());
    for (w, f) in workers.iter().zip(loaded) {
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
        tally.totals.add(&line);
        if let Some(p) = &d.policy {
            tally.policies.insert((p.id.to_string(), p.version));
        }
        items.push(allowance_run_item::ActiveModel {
            run_id: Set(run_id.to_owned()),
            worker_id: Set(w.id.clone()),
            eligible: Set(line.eligible),
            amount_fen: Set(line.amount.to_fen()),
            level: Set(line.level.map(|l| l.code().to_owned())),
            policy_id: Set(d.policy.as_ref().map(|p| p.id.to_string())),
            policy_version: Set(d
                .policy
                .as_ref()
                .map(|p| i32::try_from(p.version))
                .transpose()
                .map_err(ApiError::internal)?),
            unit_id: Set(unit),
            reasons: Set(json(&line.reasons)?),
        });
        lines.push(line);
    }
    Ok((lines, items))
}
