//! Indexes on `(recorded_at, id)` of the record tables exported in the order recorded
//! (`appraisals`, `credit_entries`; `crate::bulk::layout::Layout::recorded`).
//!
//! Without them every export page (1,000 rows after a `(recorded_at, id)` cursor) scanned and
//! sorted the whole table, so exporting N records cost N/1,000 full sorts: 100,000 appraisals
//! took 2.1 s and 1,000,000 several minutes (BENCHMARKS.md, session 10). With them a page is
//! one index range from the cursor on (`Layout::after` compares the pair as a row value).

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in INDEXES {
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
        Ok(())
    }
}
