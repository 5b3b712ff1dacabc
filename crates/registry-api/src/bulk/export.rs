//! The export driver: the header, then keyset pages of [`EXPORT_PAGE`] rows in id order,
//! each written as it is read, so memory stays bounded whatever the table size. One audit
//! entry (`export_<entity>`, resource `export`, resource id = the batch id) is committed
//! before any row is written, as for every read of personal records.

use std::io::Write;

use registry_core::ids::RegionCode;

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
        let (records, last) = k
            .page(&state.db, region, after.as_deref(), EXPORT_PAGE)
            .await?;
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
