//! The export driver: the header, then keyset pages of [`EXPORT_PAGE`] rows in the order
//! [`Kind::LAYOUT`] says (by id, or `(recorded_at, id)` for the records that reference earlier
//! records), each written as it is read, so memory stays bounded whatever the table size. One audit
//! entry (`export_<entity>`, resource `export`, resource id = the batch id) is committed
//! before any row is written, as for every read of personal records.

use std::io::Write;

use registry_core::ids::RegionCode;
use sea_orm::{DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};

use super::layout::{recorded_order, text};
use super::progress::Progress;
use super::{EXPORT_PAGE, Entity, Kind, cli_principal};
use crate::audit::{self, AuditEvent};
use crate::state::AppState;

/// Writes every `entity` row (in `region` and below, if given) to `out` as CSV; returns the
/// number of rows.
pub async fn export(
    state: &AppState,
    entity: Entity,
    region: Option<&RegionCode>,
    out: impl Write,
    progress: bool,
) -> anyhow::Result<u64> {
    super::with_kind!(entity, state, k => run(k, state, region, out, progress).await)
}

async fn run<K: Kind>(
    k: &K,
    state: &AppState,
    region: Option<&RegionCode>,
    out: impl Write,
    progress: bool,
) -> anyhow::Result<u64> {
    let name = K::ENTITY.name();
    let batch_id = uuid::Uuid::now_v7().to_string();
    let principal = cli_principal("export");
    let action = format!("export_{name}");
    let txn = crate::db::begin_write(&state.db).await?;
    audit::append(
        &txn,
        AuditEvent {
            principal: &principal,
            action: &action,
            resource: "export",
            resource_id: &batch_id,
            request_id: &batch_id,
            worker_id: None,
        },
    )
    .await?;
    txn.commit().await?;

    let mut w = csv::Writer::from_writer(out);
    w.write_record(K::HEADER)?;
    let mut p = if progress {
        Progress::new(&format!("exporting {name}"), None)
    } else {
        Progress::quiet(name)
    };
    let mut after: Option<String> = None;
    let mut total = 0;
    loop {
        let (records, last) = page(k, &state.db, region, after.as_deref(), EXPORT_PAGE).await?;
        let n = records.len() as u64;
        for r in records {
            w.write_record(&r)?;
        }
        w.flush()?;
        total += n;
        p.inc(n);
        if n < EXPORT_PAGE {
            break;
        }
        after = last;
    }
    p.finish();
    Ok(total)
}

/// One page of the export of `K` (in `region` and below, if given) after the cursor `after`:
/// at most `limit` records and the cursor of the last (see [`super::layout::Layout::cursor`]).
async fn page<K: Kind>(
    k: &K,
    db: &DatabaseConnection,
    region: Option<&RegionCode>,
    after: Option<&str>,
    limit: u64,
) -> anyhow::Result<(Vec<Vec<String>>, Option<String>)> {
    let layout = K::LAYOUT;
    let backend = db.get_database_backend();
    let mut models = Vec::new();
    for range in layout.ranges(after, backend)? {
        let want = limit - models.len() as u64;
        if want == 0 {
            break;
        }
        let mut q = K::Stored::find().filter(range.filter);
        if let Some(f) = region.and_then(|r| layout.region.filter(r)) {
            q = q.filter(f);
        }
        if let Some(time) = layout.recorded_at.filter(|_| range.by_time) {
            q = q.order_by(recorded_order(time, backend), Order::Asc);
        }
        models.extend(q.order_by_asc(layout.id).limit(want).all(db).await?);
    }
    let last = models.last().map(|m| layout.cursor(m)).transpose()?;
    let records = models
        .into_iter()
        .map(|m| {
            let mut record = vec![text(&m, layout.id)?];
            record.extend(k.record(m)?);
            Ok(record)
        })
        .collect::<anyhow::Result<_>>()?;
    Ok((records, last))
}
