//! `events`: the change feed (`GET /api/v1/events`). One row per eligibility-relevant write,
//! numbered by `seq` in commit order (see `crate::events`). Append-only: triggers refuse
//! UPDATE and DELETE on both backends (and TRUNCATE on PostgreSQL), like `audit_log`.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0019_events"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("events")
                    .col(ColumnDef::new("seq").big_integer().not_null().primary_key())
                    .col(ColumnDef::new("kind").string_len(48).not_null())
                    .col(ColumnDef::new("resource").string_len(32).not_null())
                    .col(ColumnDef::new("resource_id").text().not_null())
                    .col(ColumnDef::new("worker_id").string_len(36).null())
                    .col(ColumnDef::new("region_code").char_len(6).not_null())
                    .col(ColumnDef::new("previous_region_code").char_len(6).null())
                    .col(
                        ColumnDef::new("occurred_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        super::append_only::make_append_only(manager, "events").await
    }
}
