//! A run's lines in `allowance_run_items`, written a chunk at a time (one multi-row `INSERT`
//! per 1,000 lines, `crate::bulk::batch`) and read back as ONE JSON document per statement
//! (`crate::decisions::json_rows`): a re-run reads the previous run's lines of the same
//! worker range to compare them.

use registry_core::allowance::run::RunLine;
use registry_core::level::Level;
use registry_core::money::Yuan;
use sea_orm::{ConnectionTrait, Value};

use crate::bulk::batch;
use crate::decisions::json_rows::{Col, DbBool, Filter, Query, Table};
use crate::problem::ApiError;

/// Every column of `allowance_run_items`, in the order of [`item`]'s values.
const ITEM_COLUMNS: [&str; 9] = [
    "run_id",
    "worker_id",
    "eligible",
    "amount_fen",
    "level",
    "policy_id",
    "policy_version",
    "unit_id",
    "reasons",
];

/// One line to store.
#[derive(Debug, Clone)]
pub struct Item {
    /// The run.
    pub run_id: String,
    /// The worker.
    pub worker_id: String,
    /// Whether the allowance is owed.
    pub eligible: bool,
    /// Amount in fen.
    pub amount_fen: i64,
    /// Level code.
    pub level: Option<&'static str>,
    /// Policy family used.
    pub policy_id: Option<String>,
    /// Policy version used.
    pub policy_version: Option<i32>,
    /// Unit the decision rests on.
    pub unit_id: Option<String>,
    /// Reason codes as a JSON array.
    pub reasons: String,
}

fn item(i: Item) -> Vec<Value> {
    vec![
        i.run_id.into(),
        i.worker_id.into(),
        i.eligible.into(),
        i.amount_fen.into(),
        i.level.map(str::to_owned).into(),
        i.policy_id.into(),
        i.policy_version.into(),
        i.unit_id.into(),
        i.reasons.into(),
    ]
}

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

/// Stores `items` (one statement per 1,000).
pub async fn insert<C: ConnectionTrait>(conn: &C, items: Vec<Item>) -> Result<u64, ApiError> {
    let mut written = 0;
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let rows: Vec<Vec<Value>> = items
            .by_ref()
            .take(batch::chunk_rows(ITEM_COLUMNS.len()))
            .map(item)
            .collect();
        written += batch::insert(conn, "allowance_run_items", &ITEM_COLUMNS, rows).await?;
    }
    Ok(written)
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
