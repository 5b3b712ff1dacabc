//! A run's lines in `allowance_run_items`, written and read back a chunk at a time as ONE
//! JSON document per statement (`crate::decisions::json_rows`): the run writes 1,000 lines
//! per statement with a single parameter, and a re-run reads the previous run's lines of the
//! same worker range to compare them.

use registry_core::allowance::run::RunLine;
use registry_core::level::Level;
use registry_core::money::Yuan;
use sea_orm::ConnectionTrait;

use crate::decisions::json_rows::{self, Col, DbBool, Filter, Query, Table};
use crate::problem::ApiError;

/// Every column of `allowance_run_items`, in [`ItemRow`] order.
const ITEMS: Table = Table {
    name: "allowance_run_items",
    cols: &[
        ("run_id", Col::Plain),
        ("worker_id", Col::Plain),
        ("eligible", Col::Bool),
        ("amount_fen", Col::Int),
        ("level", Col::Plain),
        ("policy_id", Col::Plain),
        ("policy_version", Col::Int),
        ("unit_id", Col::Plain),
        ("reasons", Col::Plain),
    ],
};

/// One stored line: run, worker, eligible, amount in fen, level code, policy id and
/// version, unit, reason codes as a JSON array.
pub type ItemRow = (
    String,
    String,
    bool,
    i64,
    Option<&'static str>,
    Option<String>,
    Option<i32>,
    Option<String>,
    String,
);

/// The columns a comparison reads, in [`LineRow`] order.
const LINES: Table = Table {
    name: "allowance_run_items",
    cols: &[
        ("worker_id", Col::Plain),
        ("eligible", Col::Bool),
        ("amount_fen", Col::Int),
        ("level", Col::Plain),
        ("unit_id", Col::Plain),
        ("reasons", Col::Plain),
    ],
};

type LineRow = (String, DbBool, i64, Option<String>, Option<String>, String);

/// Stores `rows` (one statement).
pub async fn insert<C: ConnectionTrait>(conn: &C, rows: &[ItemRow]) -> Result<u64, ApiError> {
    json_rows::insert(conn, ITEMS, rows).await
}

/// The lines of `run_id` with worker ids in `(after, upto]` (open ends when `None`), in
/// worker order, at most `limit`, as core lines.
pub async fn read<C: ConnectionTrait>(
    conn: &C,
    run_id: &str,
    after: Option<&str>,
    upto: Option<&str>,
    limit: Option<u64>,
) -> Result<Vec<RunLine>, ApiError> {
    let mut sql = "\"run_id\" = {0}".to_owned();
    let mut params = vec![run_id.to_owned()];
    for (bound, op) in [(after, ">"), (upto, "<=")] {
        if let Some(b) = bound {
            sql.push_str(&format!(" AND \"worker_id\" {op} {{{}}}", params.len()));
            params.push(b.to_owned());
        }
    }
    let rows: Vec<LineRow> = Query {
        table: LINES,
        filter: Filter::Sql { sql, params },
        order: &["worker_id"],
        limit,
    }
    .fetch(conn)
    .await?;
    rows.into_iter().map(line).collect()
}

fn line(r: LineRow) -> Result<RunLine, ApiError> {
    Ok(RunLine {
        worker: r.0,
        eligible: r.1.0,
        amount: Yuan::from_fen(r.2).map_err(ApiError::internal)?,
        level: r
            .3
            .as_deref()
            .map(Level::parse)
            .transpose()
            .map_err(ApiError::internal)?,
        unit: r.4,
        reasons: serde_json::from_str(&r.5).map_err(ApiError::internal)?,
    })
}
