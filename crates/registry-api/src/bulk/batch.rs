//! Multi-row `INSERT`s: one statement per chunk of rows, all inside the caller's transaction.
//! A chunk stays under both backends' bound-parameter limits (SQLite 32,766, PostgreSQL
//! 65,535).

use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, Value};

/// Most bound parameters one statement carries.
pub const MAX_PARAMS: usize = 30_000;
/// Most rows one statement carries.
pub const MAX_ROWS: usize = 1_000;

/// Rows per statement for a table of `columns` columns.
pub fn chunk_rows(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).clamp(1, MAX_ROWS)
}

/// Inserts `rows` (each with one value per column of `columns`) into `table` as one
/// multi-row `INSERT`.
pub async fn insert(
    txn: &DatabaseTransaction,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<u64, DbErr> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut stmt = Query::insert();
    stmt.into_table(Alias::new(table))
        .columns(columns.iter().map(|c| Alias::new(*c)));
    for row in rows {
        stmt.values(row.into_iter().map(Into::into))
            .map_err(|e| DbErr::Custom(e.to_string()))?;
    }
    Ok(txn.execute(&stmt).await?.rows_affected())
}
