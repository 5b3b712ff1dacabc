//! Multi-row `INSERT`s: one statement per chunk of rows, all inside the caller's transaction.
//! A chunk stays under both backends' bound-parameter limits (SQLite 32,766, PostgreSQL
//! 65,535).

use std::fmt::Write as _;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// Most bound parameters one statement carries.
pub const MAX_PARAMS: usize = 30_000;
/// Most rows one statement carries.
pub const MAX_ROWS: usize = 1_000;

/// Rows per statement for a table of `columns` columns.
pub fn chunk_rows(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).clamp(1, MAX_ROWS)
}

/// Inserts `rows` (each with one value per column of `columns`) into `table` as one
/// multi-row `INSERT` with bound parameters. The SQL text is written directly (table and
/// column names are the caller's constants), which costs far less than a query builder
/// for thousands of values.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<u64, DbErr> {
    if rows.is_empty() {
        return Ok(0);
    }
    if let Some(bad) = rows.iter().find(|r| r.len() != columns.len()) {
        return Err(DbErr::Custom(format!(
            "{} values for the {} columns of {table}",
            bad.len(),
            columns.len()
        )));
    }
    let backend = conn.get_database_backend();
    let names = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut sql = format!("INSERT INTO \"{table}\" ({names}) VALUES ");
    let mut n = 0;
    for (i, _) in rows.iter().enumerate() {
        sql.push_str(if i == 0 { "(" } else { ", (" });
        for c in 0..columns.len() {
            n += 1;
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                DbBackend::Postgres => {
                    let _ = write!(sql, "${n}");
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    let values: Vec<Value> = rows.into_iter().flatten().collect();
    Ok(conn
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .rows_affected())
}
