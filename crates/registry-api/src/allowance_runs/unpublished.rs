//! Runs computed but never published: their lines and changes (stored by
//! [`super::compute::compute`] before the run row exists) are deleted, since nothing will
//! ever show them. A failed or refused run is [`discard`]ed by the request that computed it;
//! a run whose process stopped between computing and publishing is [`sweep`]ed when the
//! service next starts, once it is [`ABANDONED_AFTER`] old. The tables' triggers (migration
//! m0022) refuse to delete the lines of a run that has a row.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use super::store;

/// Rows deleted per statement by [`discard`], so no statement holds SQLite's write lock for
/// long.
const DISCARD_SLICE: u64 = 5_000;

/// Removes the stored lines and changes of the unpublished run `id` (a failed or refused
/// run), a slice at a time. The tables' triggers refuse this for a published run, whose
/// lines never change. Failures are logged, not returned: the rows stay unreachable.
pub async fn discard(db: &DatabaseConnection, id: &str) {
    for table in ["allowance_run_items", "allowance_run_changes"] {
        let sql = format!(
            "DELETE FROM \"{table}\" WHERE \"run_id\" = $1 AND \"worker_id\" IN \
             (SELECT \"worker_id\" FROM \"{table}\" WHERE \"run_id\" = $1 \
             ORDER BY \"worker_id\" LIMIT {DISCARD_SLICE})"
        );
        let stmt = Statement::from_sql_and_values(db.get_database_backend(), sql, [id.into()]);
        loop {
            match db.execute_raw(stmt.clone()).await {
                Ok(r) if r.rows_affected() > 0 => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(run = id, table, error = %e, "discarding an unpublished run failed");
                    return;
                }
            }
        }
    }
}

/// How old an unpublished run must be before [`sweep`] takes it for abandoned: far longer
/// than any run takes (a run of 1,000,000 workers takes about 15 s).
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// When run `id` started: run ids are UUIDv7, whose first 48 bits are the start time.
fn started(id: &str) -> Option<std::time::SystemTime> {
    let (secs, nanos) = uuid::Uuid::parse_str(id).ok()?.get_timestamp()?.to_unix();
    std::time::UNIX_EPOCH.checked_add(std::time::Duration::new(secs, nanos))
}

/// Discards ([`discard`]) the rows of every run that has no row and started more than `age`
/// before `now`: runs of a process that stopped between computing and publishing. Visits
/// the run ids one index seek each (no scan of the lines); returns the runs discarded.
pub async fn sweep(
    db: &DatabaseConnection,
    now: std::time::SystemTime,
    age: std::time::Duration,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let mut swept = 0;
    for table in ["allowance_run_items", "allowance_run_changes"] {
        let mut after = String::new();
        loop {
            let sql = format!(
                "SELECT \"run_id\" FROM \"{table}\" WHERE \"run_id\" > $1 \
                 ORDER BY \"run_id\" LIMIT 1"
            );
            let stmt = Statement::from_sql_and_values(backend, sql, [after.clone().into()]);
            let Some(row) = db.query_one_raw(stmt).await? else {
                break;
            };
            let id: String = row.try_get("", "run_id")?;
            let abandoned = started(&id).is_some_and(|t| t + age < now);
            if abandoned && store::find(db, &id).await?.is_none() {
                discard(db, &id).await;
                swept += 1;
            }
            after = id;
        }
    }
    Ok(swept)
}
