//! Continuing-education records of workers (append-only).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_continuing_education"
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
                    .table("continuing_education")
                    .col(ColumnDef::new("id").string_len(36).not_null().primary_key())
                    .col(ColumnDef::new("worker_id").string_len(36).not_null())
                    .col(ColumnDef::new("completed_on").date().not_null())
                    .col(ColumnDef::new("hours_tenths").integer().not_null())
                    .col(ColumnDef::new("kind").string_len(32).not_null())
                    .col(
                        ColumnDef::new("created_at")
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("continuing_education_worker_id_fk")
                            .from("continuing_education", "worker_id")
                            .to("workers", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("continuing_education_worker_id_id")
                    .table("continuing_education")
                    .col("worker_id")
                    .col("id")
                    .to_owned(),
            )
            .await
    }
}
