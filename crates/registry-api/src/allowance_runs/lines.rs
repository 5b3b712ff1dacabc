//! A run's lines in `allowance_run_items`, written a chunk at a time (one `INSERT … SELECT`
//! over the chunk's lines as one JSON document, [`LinesDoc`]) and read back as ONE JSON
//! document per statement (`crate::decisions::json_rows`): a re-run reads the previous run's
//! lines of the same worker range to compare them.

use registry_core::allowance::run::RunLine;
use registry_core::level::Level;
use registry_core::money::Yuan;
use sea_orm::{ConnectionTrait, DbBackend};

use crate::db::script::Part;
use crate::decisions::json_rows::{Col, DbBool, Filter, Query, Table};
use crate::problem::ApiError;

/// The columns of `allowance_run_items` a [`LinesDoc`] fills (after `run_id`), in cell order,
/// each with the cast PostgreSQL needs from the text `->>` gives.
const ITEM_COLUMNS: [(&str, &str); 8] = [
    ("worker_id", ""),
    ("eligible", "::boolean"),
    ("amount_fen", "::bigint"),
    ("level", ""),
    ("policy_id", ""),
    ("policy_version", "::integer"),
    ("unit_id", ""),
    ("reasons", ""),
];

/// One line to store, as the cells of [`ITEM_COLUMNS`]: worker, eligible, amount in fen,
/// level code, policy family and version, the unit the decision rests on, and the reason
/// codes as a JSON array (stored as text).
pub type LineCells<'a> = (
    &'a str,
    bool,
    i64,
    Option<&'a str>,
    Option<&'a str>,
    Option<i32>,
    Option<&'a str>,
    &'a str,
);

/// A chunk's lines to store, as ONE JSON document (an array of [`LineCells`]): built where
/// the chunk is decided, stored by one statement that reads it with the database's JSON
/// functions, so the connection binds one value instead of nine per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinesDoc(String);

impl LinesDoc {
    /// The document of `lines`.
    pub fn new(lines: &[LineCells<'_>]) -> Result<Self, ApiError> {
        serde_json::to_string(lines)
            .map(LinesDoc)
            .map_err(ApiError::internal)
    }

    /// The statement storing these lines as lines of `run_id`.
    pub fn insert_part(&self, backend: DbBackend, run_id: &str) -> Part {
        let names = std::iter::once("run_id")
            .chain(ITEM_COLUMNS.map(|(c, _)| c))
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let cells = ITEM_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, (_, cast))| match backend {
                DbBackend::Postgres => format!("(e ->> {i}){cast}"),
                _ => format!("e.value ->> {i}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        // `jsonb_each` (SQLite) and `jsonb_array_elements` (PostgreSQL) give each line as a
        // binary JSON array, so the eight `->>` of a line do not parse its text again (with
        // PostgreSQL's text `json`, each `->>` re-parsed the element: 12.7 of the 19 ms a
        // 1,000-line chunk took, BENCHMARKS.md session 9). On SQLite `->>` gives JSON
        // `true`/`false` as 1/0, as SQLite stores booleans.
        let lines = match backend {
            DbBackend::Postgres => "jsonb_array_elements({1}::jsonb) AS e",
            _ => "jsonb_each({1}) AS e",
        };
        Part {
            sql: format!(
                "INSERT INTO \"allowance_run_items\" ({names}) SELECT {{0}}, {cells} FROM {lines}"
            ),
            params: vec![run_id.to_owned(), self.0.clone()],
        }
    }

    /// Stores these lines as lines of `run_id`.
    pub async fn insert<C: ConnectionTrait>(&self, conn: &C, run_id: &str) -> Result<(), ApiError> {
        let backend = conn.get_database_backend();
        conn.execute_raw(self.insert_part(backend, run_id).statement(backend))
            .await?;
        Ok(())
    }
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
