//! Indexes for the order the record tables are exported in (`appraisals`, `credit_entries`;
//! `crate::bulk::layout::Layout::recorded`): by time recorded, then id.
//!
//! Without them every export page (1,000 rows after a cursor) scanned and sorted the whole
//! table, so exporting N records cost N/1,000 full sorts: 1,000,000 appraisals took minutes
//! (BENCHMARKS.md, session 10). With them a page is one index range from the cursor on.
//!
//! PostgreSQL sorts `timestamptz` by time: the index is on `(recorded_at, id)`. SQLite keeps
//! the time as RFC 3339 text without the fraction's trailing zeros, whose text order is not
//! time order within one second; its index is on the fixed-width text of the same instant
//! (`crate::bulk::layout::SQLITE_TIME_KEY`, written out here as it was when this migration
//! was made: SQLite uses an expression index only for the same expression) and `id`.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0021_recorded_order"
    }
}

/// The indexes: (name, table).
const INDEXES: [(&str, &str); 2] = [
    ("appraisals_recorded_at_id", "appraisals"),
    ("credit_entries_recorded_at_id", "credit_entries"),
];

/// The SQLite sort key of `recorded_at` (see the module docs).
const SQLITE_KEY: &str = "(substr(\"recorded_at\", 1, 19) || '.' || substr(CASE WHEN substr(\"recorded_at\", 20, 1) = '.' THEN substr(\"recorded_at\", 21, length(\"recorded_at\") - 21) ELSE '' END || '000000000', 1, 9))";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in INDEXES {
            match manager.get_database_backend() {
                DbBackend::Sqlite => {
                    manager
                        .get_connection()
                        .execute_unprepared(&format!(
                            "CREATE INDEX \"{name}\" ON \"{table}\" ({SQLITE_KEY}, \"id\")"
                        ))
                        .await?;
                }
                _ => {
                    manager
                        .create_index(
                            Index::create()
                                .name(name)
                                .table(table)
                                .col("recorded_at")
                                .col("id")
                                .to_owned(),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// The index is on the expression the export sorts by: should the export's key change,
    /// it needs a new migration with a new index.
    #[test]
    fn the_index_is_on_the_export_key() {
        assert_eq!(
            super::SQLITE_KEY,
            crate::bulk::layout::SQLITE_TIME_KEY.replace("{c}", "recorded_at")
        );
    }
}
