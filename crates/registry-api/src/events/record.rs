//! The write side of the feed: [`record`] appends one event inside the write's transaction;
//! [`record_created_batch`] appends the create events of a bulk write (one per row) in one go.
//!
//! `seq` is taken as `last + 1` while holding the audit log's lock
//! ([`crate::audit::AUDIT_LOCK_KEY`] via `pg_advisory_xact_lock` on PostgreSQL, the
//! `BEGIN IMMEDIATE` write lock on SQLite), which is held until the transaction ends (a batch
//! takes `last` once and numbers its rows `last + 1 ..= last + n`). Every
//! transaction that records an event also appends an audit entry, so one lock serialises
//! both (taken twice in one transaction it is re-entrant; there is no second lock to
//! deadlock on, whatever order a handler calls `audit::append` and [`record`] in).

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::api::EventKind;
use super::relevance::{self, Action};
use crate::db::entities::{allowance_policy, event, post, unit, worker};
use crate::db::now_utc;

/// A write that may be reported.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// Resource type as in the audit log, e.g. `credential`.
    pub resource: &'a str,
    /// Create or update.
    pub action: Action,
    /// Id of the written row.
    pub resource_id: &'a str,
    /// The worker the row belongs to, if any (a worker's own row names itself).
    pub worker_id: Option<&'a str>,
    /// For a worker update: the region before it.
    pub previous_region: Option<&'a str>,
}

impl<'a> Change<'a> {
    /// A create of `resource` `id`, belonging to `worker_id` if any.
    pub fn created(resource: &'a str, id: &'a str, worker_id: Option<&'a str>) -> Self {
        Self {
            resource,
            action: Action::Created,
            resource_id: id,
            worker_id,
            previous_region: None,
        }
    }

    /// An update of `resource` `id`, belonging to `worker_id` if any.
    pub fn updated(resource: &'a str, id: &'a str, worker_id: Option<&'a str>) -> Self {
        Self {
            resource,
            action: Action::Updated,
            resource_id: id,
            worker_id,
            previous_region: None,
        }
    }
}

/// Appends the event for `change` inside `txn` when the table of
/// [`relevance`] reports it; returns its `seq` (`None`: not relevant).
/// Call it next to `audit::append`, in the same transaction.
pub async fn record(txn: &DatabaseTransaction, change: Change<'_>) -> Result<Option<i64>, DbErr> {
    match relevance::kind(change.resource, change.action) {
        Some(kind) => append(txn, kind, change).await.map(Some),
        None => Ok(None),
    }
}

/// Appends the `credit_entry.created` event of a worker's credit entry inside `txn`
/// (organisation entries are not reported).
pub async fn record_credit_entry(
    txn: &DatabaseTransaction,
    entry_id: &str,
    worker_id: Option<&str>,
) -> Result<Option<i64>, DbErr> {
    let Some(worker_id) = worker_id else {
        return Ok(None);
    };
    let change = Change::created(relevance::CREDIT_ENTRY, entry_id, Some(worker_id));
    append(txn, EventKind::CreditEntryCreated, change)
        .await
        .map(Some)
}

/// One row of a batch create (see [`record_created_batch`]): the new row's id and the
/// worker it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRow {
    /// Id of the inserted row.
    pub id: String,
    /// The worker the row belongs to.
    pub worker_id: String,
}

/// Rows per multi-row event `INSERT` (8 columns each: far below both backends' limits on
/// bound parameters).
pub const BATCH_ROWS: usize = 1_000;

/// Appends one create event per row of `rows`, in their order, inside `txn`, when
/// [`relevance::created`] reports creates of `resource`: for each row the event the API's
/// create appends (through `crate::create::create_once`, or for a worker's credit entry
/// [`record_credit_entry`]: kind, resource id, worker id, the worker's region as `txn` sees
/// it), but numbered `last + 1 ..= last + n` with `last` read ONCE under the same
/// lock as [`record`]. Returns the number of events appended (0 when `resource` is not
/// reported or `rows` is empty; then nothing is locked).
///
/// One statement per [`BATCH_ROWS`] rows: `INSERT INTO events … SELECT …, (SELECT
/// region_code FROM workers WHERE id = v.worker_id) … FROM (VALUES (seq, id, worker_id), …)
/// AS v`, so the regions are read by the database in the same statement (no lookup round
/// trips). The region is a correlated subquery, one primary-key probe per row, not a join:
/// PostgreSQL answered the join with a hash join over a scan of the whole `workers` table for
/// every batch, which made an import quadratic in the register's size (BENCHMARKS.md, session
/// 9). A row whose worker is not stored has no region and drops out (`WHERE … IS NOT NULL`);
/// that is an error ([`DbErr::RecordNotFound`]) and the caller rolls the whole write back.
///
/// For bulk writes of worker-owned resources (`crate::bulk::import`): call it next to the
/// batch's `audit::append`, in the same transaction.
pub async fn record_created_batch(
    txn: &DatabaseTransaction,
    resource: &str,
    rows: &[CreatedRow],
) -> Result<u64, DbErr> {
    let Some(kind) = relevance::created(resource) else {
        return Ok(0);
    };
    if rows.is_empty() {
        return Ok(0);
    }
    crate::audit::lock_appends(txn).await?;
    let mut seq = last_seq(txn).await?;
    let occurred_at = now_utc();
    let v = Alias::new("v");
    let (v_seq, v_id, v_worker) = (
        Alias::new("column1"),
        Alias::new("column2"),
        Alias::new("column3"),
    );
    let mut appended = 0;
    for chunk in rows.chunks(BATCH_ROWS) {
        let values: Vec<(i64, String, String)> = chunk
            .iter()
            .map(|row| {
                seq += 1;
                (seq, row.id.clone(), row.worker_id.clone())
            })
            .collect();
        let region = Expr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .column((worker::Entity, worker::Column::RegionCode))
                    .from(worker::Entity)
                    .and_where(
                        Expr::col((worker::Entity, worker::Column::Id))
                            .equals((v.clone(), v_worker.clone())),
                    )
                    .to_owned()
                    .into(),
            ),
        );
        let select = Query::select()
            .expr(Expr::col((v.clone(), v_seq.clone())))
            .expr(Expr::val(kind.code()))
            .expr(Expr::val(resource))
            .expr(Expr::col((v.clone(), v_id.clone())))
            .expr(Expr::col((v.clone(), v_worker.clone())))
            .expr(region.clone())
            .expr(Expr::val(occurred_at))
            .from_values(values, v.clone())
            .and_where(region.is_not_null())
            .to_owned();
        let mut stmt = Query::insert();
        stmt.into_table(event::Entity)
            .columns([
                event::Column::Seq,
                event::Column::Kind,
                event::Column::Resource,
                event::Column::ResourceId,
                event::Column::WorkerId,
                event::Column::RegionCode,
                event::Column::OccurredAt,
            ])
            .select_from(select)
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let n = txn.execute(&stmt).await?.rows_affected();
        if n != chunk.len() as u64 {
            return Err(DbErr::RecordNotFound(format!(
                "the worker of {} of {} {resource} rows",
                chunk.len() as u64 - n,
                chunk.len()
            )));
        }
        appended += n;
    }
    Ok(appended)
}

/// The region of a change: the worker's (as written by this transaction), else the
/// resource's own; and, for a policy version, the id the API reads it by
/// (`<policy_id>/versions/<version>`, since its row id is never shown).
async fn region_of(
    txn: &DatabaseTransaction,
    change: &Change<'_>,
) -> Result<(String, Option<String>), DbErr> {
    let id = change.worker_id.unwrap_or(change.resource_id).to_owned();
    let found: Option<String> = match (change.worker_id, change.resource) {
        (Some(_), _) | (None, "worker") => {
            worker::Entity::find_by_id(id)
                .select_only()
                .column(worker::Column::RegionCode)
                .into_tuple()
                .one(txn)
                .await?
        }
        (None, "post") => {
            post::Entity::find_by_id(id)
                .select_only()
                .column(post::Column::RegionCode)
                .into_tuple()
                .one(txn)
                .await?
        }
        (None, "unit") => {
            unit::Entity::find_by_id(id)
                .select_only()
                .column(unit::Column::RegionCode)
                .into_tuple()
                .one(txn)
                .await?
        }
        (None, "allowance_policy") => {
            let row: Option<(String, String, i32)> = allowance_policy::Entity::find()
                .filter(allowance_policy::Column::Id.eq(id))
                .select_only()
                .column(allowance_policy::Column::RegionCode)
                .column(allowance_policy::Column::PolicyId)
                .column(allowance_policy::Column::Version)
                .into_tuple()
                .one(txn)
                .await?;
            return row
                .map(|(region, policy, version)| {
                    (region, Some(format!("{policy}/versions/{version}")))
                })
                .ok_or_else(|| not_found(change));
        }
        (None, other) => {
            return Err(DbErr::Custom(format!(
                "no region for a {other} event without a worker"
            )));
        }
    };
    found.map(|r| (r, None)).ok_or_else(|| not_found(change))
}

fn not_found(change: &Change<'_>) -> DbErr {
    DbErr::RecordNotFound(format!("{} {}", change.resource, change.resource_id))
}

/// The highest `seq` stored (0 for an empty feed); read under `crate::audit::lock_appends`.
async fn last_seq(txn: &DatabaseTransaction) -> Result<i64, DbErr> {
    let last: Option<i64> = event::Entity::find()
        .select_only()
        .column(event::Column::Seq)
        .order_by_desc(event::Column::Seq)
        .into_tuple()
        .one(txn)
        .await?;
    Ok(last.unwrap_or(0))
}

async fn append(
    txn: &DatabaseTransaction,
    kind: EventKind,
    change: Change<'_>,
) -> Result<i64, DbErr> {
    crate::audit::lock_appends(txn).await?;
    let (region, public_id) = region_of(txn, &change).await?;
    let seq = last_seq(txn).await? + 1;
    let previous = change.previous_region.filter(|p| *p != region);
    event::Entity::insert(event::ActiveModel {
        seq: Set(seq),
        kind: Set(kind.code().to_owned()),
        resource: Set(change.resource.to_owned()),
        resource_id: Set(public_id.unwrap_or_else(|| change.resource_id.to_owned())),
        worker_id: Set(change.worker_id.map(str::to_owned)),
        region_code: Set(region),
        previous_region_code: Set(previous.map(str::to_owned)),
        occurred_at: Set(now_utc()),
    })
    .exec_without_returning(txn)
    .await?;
    Ok(seq)
}
